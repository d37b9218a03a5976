/* The wake-up datagram, both ends: after a commit that makes deliveries
 * due, ingest (and the admin, the API and webhooksctl) sends one byte to
 * [delivery] wake_address, where the dispatchers listen, so they claim at
 * once rather than at their next poll.  Best effort on both sides:
 * without it, poll_interval alone guarantees progress. */
#ifndef WH_WAKE_H
#define WH_WAKE_H

struct conf;

/* Send one datagram to wake_address; nothing when it is empty or bad.
 * Thread-safe: the socket is opened once per process. */
void	 wake_send(const struct conf *);

/* Bind wake_address (host:port, numeric) for receiving, non-blocking;
 * several dispatchers on one host may bind it (the kernel hands each
 * datagram to one of them).  The descriptor, or -1 (logged: the
 * dispatcher then polls only). */
int	 wake_open(const char *addr);

/* Read and drop every datagram waiting on a non-blocking descriptor. */
void	 wake_drain(int fd);

#endif

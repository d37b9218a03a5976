/* The watcher: a thread of each dispatcher, with its own database
 * connection, that looks after endpoint health every heartbeat_interval:
 * it emits webhook.endpoint_failing for endpoints that start failing,
 * disables endpoints with no successful delivery for disable_after
 * (pausing their deliveries), emits webhook.endpoint_disabled for those
 * and for endpoints that answered 410, and sends the mail queued in
 * mail_outbox ([notify] smtp_url).  Every change is claimed by a
 * conditional UPDATE in its own transaction, so several dispatchers
 * never report one twice.  An SMTP server that is slow or down holds up
 * this thread only: claims, sends and results never wait for it. */
#ifndef WH_WATCH_H
#define WH_WATCH_H

struct conf;
struct db;
struct watch;

/* NULL when the thread could not start (logged). */
struct watch	*watch_start(const struct conf *, struct db *);
/* Stops the thread (a mail being sent finishes or times out first). */
void		 watch_stop(struct watch *);
/* One round, in the caller's thread (tests). */
void		 watch_round(const struct conf *, struct db *);

#endif

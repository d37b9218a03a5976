/* Sending claimed deliveries: libcurl multi, concurrency per dispatcher
 * and per endpoint, the SSRF guard on the address actually connected to,
 * timeouts, and the first bytes of each response and its headers. */
#ifndef WH_SEND_H
#define WH_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct conf;
struct job;

/* How an attempt went wrong, for the retry rules in record.c. */
enum send_fail {
	SF_NONE = 0,	/* the receiver answered: see at_status */
	SF_NETWORK,	/* timeout, DNS, connect, TLS, reset: retryable */
	SF_LOCAL,	/* our side (secret will not open): retryable */
	SF_REFUSED,	/* the SSRF guard refused the address: final */
	SF_INVALID	/* bad URL or unknown format: final */
};

/* The outcome of one attempt. */
struct attempt {
	int64_t		 at_started;	/* monotonic ms */
	int64_t		 at_ended;	/* monotonic ms */
	long		 at_status;	/* HTTP status; 0 if none */
	enum send_fail	 at_fail;
	char		 at_error[400];	/* "" when the status says it all */
	long		 at_retry_after; /* seconds from Retry-After, 0 none */
	char		*at_location;	/* Location of a 3xx, or NULL */
	struct buf	 at_snippet;	/* response body, capped */
	struct buf	 at_resp_headers; /* response headers, capped */
	char		*at_headers;	/* what was sent, one per line */
};

void	 attempt_free(struct attempt *);

/* What became of a job handed to the sender. */
enum send_end {
	SEND_SENT,	/* attempted: the attempt says how it went */
	SEND_PAUSE,	/* its endpoint was disabled meanwhile: not sent */
	SEND_RELEASE	/* stopped before it was sent (or aborted) */
};

/* Called for every job the sender is done with; the callee owns job and
 * attempt (NULL unless SEND_SENT). */
typedef void	(*send_done_fn)(void *, struct job *, enum send_end,
		    struct attempt *);

struct sender;

struct sender	*send_new(const struct conf *, send_done_fn, void *arg);
void		 send_free(struct sender *);

/* Hand over a claimed job: it waits for a slot of its endpoint, its
 * tenant and the dispatcher, and is never handed back for want of one.
 * send_start then starts what may start. */
void		 send_take(struct sender *, struct job *);
void		 send_start(struct sender *);
/* The effective tenant_concurrency (its default: half of concurrency). */
unsigned	 send_tenant_cap(const struct conf *);
struct claim_room;
/* What is held per endpoint and per tenant, into room's arrays (the
 * caller frees them). */
void		 send_room(const struct sender *, struct claim_room *);
/* Transfers in flight plus jobs waiting for their endpoint. */
size_t		 send_busy(const struct sender *);
size_t		 send_inflight(const struct sender *);
/* Run transfers; finished ones go to the callback. */
void		 send_perform(struct sender *);
/* Wait up to timeout_ms for transfer activity or for one of the extra
 * file descriptors to become readable (readable[i] set for those). */
void		 send_wait(struct sender *, int timeout_ms, const int *fds,
		    int *readable, unsigned nfds);
/* Wake send_wait from another thread. */
void		 send_wakeup(struct sender *);
/* The receiver answered 410: what still waits for it is not sent. */
void		 send_endpoint_gone(struct sender *, unsigned long long);
/* Give back every waiting job (SEND_RELEASE), and with abort also the
 * ones in flight, which are cut off. */
void		 send_stop(struct sender *, int abort);

#endif

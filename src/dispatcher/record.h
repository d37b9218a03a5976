/* Recording what became of claimed deliveries: the retry rules, and the
 * attempts and delivery updates written in batches (one transaction per
 * batch, not per delivery).  Results wait in memory while the database
 * is away and are written when it is back. */
#ifndef WH_RECORD_H
#define WH_RECORD_H

#include <stddef.h>
#include <stdint.h>

struct attempt;
struct conf;
struct db;
struct job;

enum rec_status {
	RS_RETRYING,	/* retry later */
	RS_DELIVERED,
	RS_FAILED,	/* final, no retry */
	RS_DROPPED	/* retries exhausted */
};

struct verdict {
	enum rec_status	 v_status;
	int64_t		 v_delay_ms;	/* RS_RETRYING: from the failure */
	int		 v_gone;	/* 410: disable the endpoint */
	int		 v_resume;	/* RS_RETRYING: at the retry a manual
					   attempt interrupted */
	char		 v_error[500];	/* recorded error text, "" none */
};

/* The retry rules, contract (DESIGN.md "Delivery semantics"):
 *   2xx delivered;
 *   5xx, 408, timeout, connection, DNS or TLS error: retry after the
 *     next retry_schedule delay, dropped once the schedule is used up;
 *   429: the same, waiting at least Retry-After (capped by
 *     retry_after_max);
 *   410: failed, and the endpoint is disabled;
 *   3xx (never followed) and other 4xx: failed;
 *   refused by the SSRF guard or an invalid URL: failed, since trying
 *     again cannot change the answer.
 * attempts is the number made before this one. */
void	 record_classify(const struct conf *, unsigned attempts,
	    const struct attempt *, struct verdict *);
/* A single attempt made by hand (a redelivery, a test event) is never
 * retried: unless it succeeded (or met 410), a delivery it interrupted
 * goes back to the retry it was waiting for, as if the attempt had not
 * happened; any other ends as the attempt says, what would be retried
 * dropped.  manual: 0 none, 1 single, 2 one
 * that interrupted retries. */
void	 record_manual(int manual, struct verdict *);

struct recorder;

struct recorder	*record_new(const struct conf *, struct db *,
		    const char *dispatcher);
void		 record_free(struct recorder *);

/* Queue the attempt's outcome; v (if not NULL) gets the verdict. */
void		 record_attempt(struct recorder *, const struct job *,
		    const struct attempt *, struct verdict *v);
/* Give the claim back: due again after delay_ms, no attempt counted. */
void		 record_release(struct recorder *, const struct job *,
		    int64_t delay_ms);
/* The endpoint was disabled: park the delivery as 'paused' (or leave
 * it pending if the endpoint was enabled again meanwhile). */
void		 record_pause(struct recorder *, const struct job *);

size_t		 record_pending(struct recorder *);
/* Monotonic ms when the queued results should be written. */
int64_t		 record_due(struct recorder *);
/* Write everything queued.  0 when written (or nothing to do), -1 when
 * the database failed; the results stay queued for the next try.
 * Queueing and flushing may happen in different threads; one thread
 * flushes. */
int		 record_flush(struct recorder *);

/* Purge one round of data older than the retention period: attempts of
 * finished deliveries, the deliveries, and events none refers to, each
 * statement limited to 1000 rows.  1 if there is more, 0 if done,
 * -1 on error. */
int		 record_retention(struct db *, unsigned days, long long idem_ms);

#endif

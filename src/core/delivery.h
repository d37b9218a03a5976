/* The delivery model as the API, the admin pages and the dispatcher see
 * it from outside the send loop: listing, one delivery with its attempts,
 * redelivery, and the state changes that follow an endpoint's. */
#ifndef WH_DELIVERY_H
#define WH_DELIVERY_H

#include <stddef.h>

struct db;
struct dbres;

enum dl_err {
	DL_OK = 0,
	DL_NOTFOUND,	/* not this tenant's (or no such row) */
	DL_BUSY,	/* being sent right now */
	DL_GONE,	/* its endpoint was deleted */
	DL_DB		/* database error: req_db_error */
};

/* Columns of the rows delivery_list and delivery_get return, all text
 * (times RFC 3339 UTC, NULL when unset).  next_attempt_at is NULL
 * unless the delivery is pending or retrying. */
enum dl_col {
	DC_ID,
	DC_EVENT_ID,
	DC_EVENT,		/* event type */
	DC_ENDPOINT_ID,
	DC_STATUS,
	DC_ATTEMPTS,
	DC_NEXT_ATTEMPT_AT,
	DC_LAST_STATUS_CODE,
	DC_LAST_ERROR,
	DC_LAST_ATTEMPT_AT,
	DC_CREATED_AT,
	DC_LAST_DURATION_MS,	/* of the last attempt, NULL before one */
	DC_OCCURRED_AT,		/* delivery_get only */
	DC_DATA,		/* delivery_get only: the raw event data */
	DC_URL,			/* delivery_get only: the endpoint's URL */
	DC_FORMAT		/* delivery_get only: the endpoint's format */
};

/* Columns of the attempt rows delivery_get returns, oldest first. */
enum dl_attempt_col {
	AC_ID,
	AC_STARTED_AT,
	AC_DURATION_MS,
	AC_STATUS_CODE,
	AC_ERROR,
	AC_RESPONSE,
	AC_HEADERS,		/* the request headers sent, one per line */
	AC_RESP_HEADERS		/* the response's headers, one per line */
};

/* An endpoint's Health dashboard: deliveries by status, and its
 * attempts over the last 24 hours. */
#define DL_STATUSES	6
struct dl_health {
	long long	 dh_count[DL_STATUSES];	/* in delivery_statuses order */
	long long	 dh_attempts;		/* last 24 hours */
	long long	 dh_ok;			/* ... of them 2xx */
	long long	 dh_avg_ms;
	long long	 dh_p95_ms;
	long long	 dh_hour_ok[24];	/* by hour, oldest first */
	long long	 dh_hour_bad[24];
	long long	 dh_filtered;		/* events filtered out, ever */
	/* Failing: failed attempts since the last success, the first of
	 * them (RFC 3339, "" when healthy), the last attempt's status code
	 * (0 none) and error, and the oldest retrying delivery's creation
	 * time ("" none). */
	int		 dh_failing;
	long long	 dh_fail_streak;
	char		 dh_failing_since[32];
	long long	 dh_last_code;
	char		 dh_last_error[500];
	char		 dh_oldest_retrying[32];
};

extern const char *const delivery_statuses[DL_STATUSES];

/* The caller owns the endpoint.  0, or -1 on a database error. */
int	delivery_health(struct db *, unsigned long long endpoint,
	    struct dl_health *);

/* The tenant's endpoints at a glance, two queries for a whole page
 * however many endpoints: each endpoint's latest delivery (columns
 * DO_ENDPOINT, DO_STATUS, DO_CODE, DO_ID and DO_AT, its last attempt's
 * time, else its creation's) and its attempts of the last 24 hours
 * (DR_ENDPOINT, DR_TOTAL, DR_OK).  0, or -1 with nothing to free. */
enum { DO_ENDPOINT, DO_STATUS, DO_CODE, DO_ID, DO_AT };
enum { DR_ENDPOINT, DR_TOTAL, DR_OK };
int	delivery_overview(struct db *, unsigned long long tenant,
	    struct dbres **last, struct dbres **rate);

/* Is an endpoint failing, from its health columns (notice.h): its
 * failed attempts in a row and how long ago its failing spell began. */
int	delivery_is_failing(long long streak, long long since_ms);

/* pending, retrying, paused, delivered, failed or dropped? */
int	delivery_status_ok(const char *);

/* The endpoint's deliveries with id < before (0: from the newest),
 * newest first, at most limit; status NULL for all.  *more says whether
 * another page follows.  Only the tenant's rows are listed; whether the
 * endpoint is the tenant's at all is the caller's to ask
 * (endpoint_owned), so the two models never call each other back. */
enum dl_err	delivery_list(struct db *, unsigned long long tenant,
		    unsigned long long endpoint, const char *status,
		    unsigned long long before, size_t limit,
		    struct dbres **rows, int *more);
/* What /admin/deliveries filters a tenant's deliveries by; each NULL or
 * 0 when not set.  Times are DATETIME(3) text (UTC), from inclusive,
 * until exclusive, of the delivery's creation; id matches a delivery id
 * or an event id. */
struct dl_filter {
	const char		*df_status;
	const char		*df_event;
	unsigned long long	 df_endpoint;
	const char		*df_from;
	const char		*df_until;
	unsigned long long	 df_id;
};

/* Rows of delivery_search: the dl_col columns up to DC_LAST_DURATION_MS,
 * then the endpoint's URL (NULL once the endpoint is deleted). */
enum { DS_URL = DC_LAST_DURATION_MS + 1 };

/* The tenant's deliveries across its endpoints matching f, with
 * id < before (0: from the newest), newest first, at most limit; *next
 * is the before of the next page, 0 when none follows.  With an event
 * type, a page reads at most DS_SCAN deliveries, so a rare type costs
 * no more than a common one: the next page then goes on below the last
 * one read, even when this one came back short. */
#define DS_SCAN	5000
enum dl_err	delivery_search(struct db *, unsigned long long tenant,
		    const struct dl_filter *f, unsigned long long before,
		    size_t limit, struct dbres **rows,
		    unsigned long long *next);
/* One delivery (one row) and its attempts. */
enum dl_err	delivery_get(struct db *, unsigned long long tenant,
		    unsigned long long id, struct dbres **row,
		    struct dbres **attempts);
/* Due now, whatever its state, unless a dispatcher holds it; attempts
 * already made stay in the history.  Returns an enum dl_err. */
int		delivery_redeliver(struct db *, unsigned long long tenant,
		    unsigned long long id);
/* The endpoint of the tenant's delivery id (DL_OK), DL_NOTFOUND or
 * DL_DB. */
enum dl_err	delivery_endpoint(struct db *, unsigned long long tenant,
		    unsigned long long id, unsigned long long *endpoint);

/* Bulk recover: the endpoint's deliveries in the given statuses
 * (bit 1 failed, bit 2 dropped) created in [since, until] (DATETIME(3)
 * text; until NULL: now) are due now with a fresh retry schedule (paused
 * if the endpoint is disabled), in transactions of at most 500 rows.
 * The caller owns the endpoint.  Rows recovered, or -1. */
#define DL_RECOVER_FAILED	1
#define DL_RECOVER_DROPPED	2
long long	delivery_recover(struct db *, unsigned long long tenant,
		    unsigned long long endpoint, int statuses,
		    const char *since, const char *until);

/* State changes for all of an endpoint's deliveries; the caller owns the
 * endpoint (and usually the transaction).  Rows changed, or -1.
 * Pause: pending deliveries no dispatcher holds become paused. */
long long	delivery_pause_endpoint(struct db *,
		    unsigned long long endpoint);
/* Resume: paused deliveries become pending, due now. */
long long	delivery_resume_endpoint(struct db *,
		    unsigned long long endpoint);
/* Fail: pending and paused deliveries become failed with reason. */
long long	delivery_fail_endpoint(struct db *, unsigned long long endpoint,
		    const char *reason);

#endif

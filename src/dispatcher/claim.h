/* Claiming due deliveries for one dispatcher.
 *
 * A claimed delivery keeps its status (pending or retrying) with claimed_by, a claim token and
 * next_attempt_at moved to the end of the lease.  A dispatcher that dies
 * is found by its missing heartbeat and what it held made due again
 * within seconds (heart.c); the lease is the last resort, for rows whose
 * dispatcher left no trace.  The claim commits before anything is
 * sent. */
#ifndef WH_CLAIM_H
#define WH_CLAIM_H

#include <stddef.h>

#include "buf.h"

struct conf;
struct db;

/* One claimed delivery and everything needed to send it. */
struct job {
	unsigned long long	 j_id;		/* deliveries.id */
	unsigned long long	 j_tenant;
	unsigned long long	 j_endpoint;
	unsigned long long	 j_token;	/* claim token of this claim */
	unsigned		 j_attempts;	/* made before this one that
						   count towards the schedule */
	int			 j_manual;	/* a single attempt by hand */
	int			 j_resume;	/* ... that interrupted retries */
	int			 j_test;	/* a test event */
	int			 j_enabled;	/* endpoint enabled at claim */
	int			 j_standard;	/* Standard Webhooks headers */
	char			*j_url;
	char			*j_format;
	char			*j_sealed;	/* the secret, sealed: opened
						   only to sign, by the sender */
	char			*j_prev_sealed;	/* the secret a rotation
						   replaced, during its overlap;
						   NULL otherwise */
	unsigned long long	 j_ep_tenant;	/* the endpoint's tenant_id,
						   which sealed values are
						   bound to, with j_endpoint */
	char			*j_pdkey_sealed; /* PagerDuty routing key and */
	char			*j_headers_sealed; /* custom headers: NULL or
						   sealed, opened likewise */
	char			*j_type;
	char			*j_occurred_at;
	char			*j_data;
	size_t			 j_data_len;
	struct job		*j_next;	/* list link, owner's use */
};

void	 job_free(struct job *);

/* What the connections that claim and record run first
 * (db_set_session()): read committed, so a claim takes no gap locks. */
#define CLAIM_SESSION_SQL \
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"

/* What the sending thread holds, for sizing a claim.  The claimer
 * reads it under the lock that hands the request over; held counts only
 * fall while a claim runs, so room computed from them never overshoots. */
struct claim_held {
	unsigned long long	 ch_id;
	unsigned		 ch_n;
	unsigned		 ch_window;	/* endpoints: held when alone
						   on it (0: endpoint_concurrency) */
};

/* qsort order of claim_held entries: by id. */
int	 claim_held_cmp(const void *, const void *);

struct claim_room {
	unsigned		 cr_total;	/* deliveries this claim may
						   take in all */
	unsigned		 cr_ep_cap;	/* endpoint_concurrency */
	unsigned		 cr_tenant_window; /* held per tenant */
	struct claim_held	*cr_eps;	/* held per endpoint, by id */
	size_t			 cr_neps;
	struct claim_held	*cr_tenants;	/* held per tenant, by id */
	size_t			 cr_ntenants;
	int			 cr_rediscover;	/* look for due endpoints
						   anew, not only in the cache */
	unsigned		 cr_live;	/* live dispatchers (>= 1) */
};

/* The endpoints the last look found due, kept by the claimer between
 * claims: while a backlog drains, a claim goes back to them without a
 * new look (woken by ingest, a retry falling due or the poll interval,
 * it looks anew). */
struct due;
struct claim_cache {
	struct due		*cc_due;
	size_t			 cc_n;
};

void	 claim_cache_free(struct claim_cache *);

/* Claim due deliveries for dispatcher id, as room allows: tenants take
 * turns, then the endpoints of each, the oldest due first; an endpoint
 * gets at most what keeps it within endpoint_concurrency across every
 * dispatcher (or, when no other dispatcher holds any of its deliveries,
 * its ch_window, so that a fast endpoint's next requests wait here
 * instead of a claim's round trip away).  Returns how many were claimed, with the jobs as
 * a list in *out, or -1 on a database error (db_err_is_gone() says
 * whether the server is away).  *more is set when due deliveries were
 * left for want of room.  Deadlocks are retried inside. */
int	 claim_batch(struct db *, const struct conf *, const char *id,
	    const struct claim_room *, struct claim_cache *,
	    struct job **out, int *more);

struct dbres;
/* The first column of every row of r as such an array, into out. */
void	 claim_ids_json(const struct dbres *r, struct buf *out);

/* The claim's statements, exported so a test can EXPLAIN them: the
 * endpoints with due deliveries, and the due deliveries of one endpoint
 * (endpoint_id = ?, LIMIT ?). */
extern const char claim_due_sql[];
extern const char claim_select_sql[];

#endif

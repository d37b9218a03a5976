/* Claiming due deliveries for one dispatcher.
 *
 * A claimed delivery stays 'pending' with claimed_by, a claim token and
 * next_attempt_at moved to the end of the lease, so a dispatcher that dies
 * leaves rows that simply fall due again on the same index.  The claim
 * commits before anything is sent. */
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
	unsigned		 j_attempts;	/* made before this one */
	int			 j_enabled;	/* endpoint enabled at claim */
	int			 j_standard;	/* Standard Webhooks headers */
	char			*j_url;
	char			*j_format;
	char			*j_sealed;	/* the secret, sealed: opened
						   only to sign, by the sender */
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

/* Claim at most max due deliveries for dispatcher id and load them.
 * Returns how many were claimed, with the jobs as a list in *out (in
 * claim order), or -1 on a database error; db_err_is_gone() then says
 * whether the server is away.  Deadlocks are retried inside. */
int	 claim_batch(struct db *, const struct conf *, const char *id,
	    unsigned max, struct job **out);

struct dbres;
/* The first column of every row of r as such an array, into out. */
void	 claim_ids_json(const struct dbres *r, struct buf *out);

/* The claim's SELECT, exported so a test can EXPLAIN the statement that
 * runs (LIMIT ? is the batch size). */
extern const char claim_select_sql[];

#endif

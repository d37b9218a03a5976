/* The delivery queue as the operator sees it (webhooksctl deliveries and
 * status): every tenant's deliveries, the queue's counts, the
 * dispatchers' heartbeats and leases, and the endpoints that fail. */
#ifndef WH_QUEUE_H
#define WH_QUEUE_H

#include "delivery.h"

struct db;
struct dbres;

/* Columns of queue_list's rows, all text, NULL when unset. */
enum queue_list_col {
	QL_ID,
	QL_TENANT_ID,
	QL_ENDPOINT_ID,
	QL_EVENT,		/* event type */
	QL_STATUS,
	QL_ATTEMPTS,
	QL_NEXT_ATTEMPT_AT,
	QL_LAST_ATTEMPT_AT,
	QL_LAST_STATUS_CODE,
	QL_LAST_ERROR,
	QL_CLAIMED_BY,
	QL_NCOLS
};
/* Deliveries newest first, at most limit, of one tenant (0: all) and
 * one status (NULL: all): 0 with *rows (dbres_free it), or -1. */
int	queue_list(struct db *, unsigned long long tenant, const char *status,
	    long long limit, struct dbres **rows);

/* Columns of qs_dispatchers: the registered dispatchers, by id.  live:
 * its heartbeat is younger than the heartbeat timeout; holding: its
 * leases still running. */
enum queue_disp_col {
	QD_ID, QD_HOST, QD_PID, QD_LIVE, QD_AGE_MS, QD_IN_FLIGHT, QD_HELD,
	QD_CLAIMED, QD_RELEASED, QD_HOLDING
};
/* Columns of qs_leases: running leases by dispatcher id. */
enum queue_lease_col { QE_DISPATCHER, QE_COUNT, QE_ENDS_IN_S };
/* Columns of qs_failing: endpoints with retrying deliveries or disabled
 * with a reason, most retrying first, at most 20. */
enum queue_failing_col {
	QF_ID, QF_TENANT_ID, QF_URL, QF_ENABLED, QF_DISABLED_REASON,
	QF_RETRYING, QF_LAST_STATUS_CODE, QF_LAST_ERROR
};

struct queue_status {
	long long	 qs_count[DL_STATUSES];	/* delivery_statuses order */
	long long	 qs_due;		/* pending, due now */
	long long	 qs_oldest_due_ms;	/* how late the oldest is */
	long long	 qs_in_flight;		/* pending, held by a lease */
	struct dbres	*qs_dispatchers;	/* enum queue_disp_col */
	struct dbres	*qs_leases;		/* enum queue_lease_col */
	struct dbres	*qs_failing;		/* enum queue_failing_col */
};
/* The whole picture; 0, or -1 on a database error (with nothing to
 * free).  queue_status_free accepts a zeroed or failed one. */
int	queue_status(struct db *, long long heartbeat_timeout_ms,
	    struct queue_status *);
void	queue_status_free(struct queue_status *);

#endif

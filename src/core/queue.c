/* The operator's view of the queue (see queue.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "delivery.h"
#include "queue.h"

/* NULL filters match everything; an operator's tool, so the plan
 * (newest first along the primary key) is good enough.  Columns: enum
 * queue_list_col. */
static const char list_sql[] =
    "SELECT d.id, d.tenant_id, d.endpoint_id,"
    " ev.event_type, d.status, d.attempts, d.next_attempt_at,"
    " d.last_attempt_at, d.last_status_code, d.last_error,"
    " d.claimed_by FROM deliveries d"
    " JOIN events ev ON ev.id = d.event_id"
    " WHERE (? IS NULL OR d.tenant_id = ?)"
    " AND (? IS NULL OR d.status = ?)"
    " ORDER BY d.id DESC LIMIT ?";

/* Each status query reads an index range: the claim index for the
 * queue, so status stays cheap on a large table. */
static const char counts_sql[] =
    "SELECT status, COUNT(*) FROM deliveries GROUP BY status";
enum { QC_STATUS, QC_COUNT };
static const char due_sql[] =
    "SELECT COUNT(*), COALESCE(TIMESTAMPDIFF("
    "MICROSECOND, MIN(next_attempt_at), NOW(3)) DIV 1000, 0), "
    "(SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', "
    "'retrying') AND claimed_by IS NOT NULL AND next_attempt_at > NOW(3))"
    " FROM deliveries WHERE status IN ('pending', 'retrying') AND "
    "next_attempt_at <= NOW(3)";
enum { QU_DUE, QU_OLDEST_MS, QU_IN_FLIGHT };
/* Columns: enum queue_lease_col. */
static const char leases_sql[] =
    "SELECT claimed_by, COUNT(*), "
    "TIMESTAMPDIFF(SECOND, NOW(3), MAX(next_attempt_at)) FROM "
    "deliveries WHERE status IN ('pending', 'retrying') AND claimed_by "
    "IS NOT NULL AND next_attempt_at > NOW(3) GROUP BY claimed_by ORDER BY "
    "claimed_by";
/* Registered dispatchers: live while their heartbeat is younger than
 * heartbeat_timeout; holding counts their leases still running.
 * Columns: enum queue_disp_col. */
static const char dispatchers_sql[] =
    "SELECT d.id, d.host, d.pid,"
    " d.heartbeat_at >= NOW(3) - INTERVAL ? MICROSECOND,"
    " TIMESTAMPDIFF(MICROSECOND, d.heartbeat_at, NOW(3)) DIV 1000,"
    " d.in_flight, d.held, d.claimed, d.released,"
    " (SELECT COUNT(*) FROM deliveries x FORCE INDEX (deliveries_held)"
    " WHERE x.claimed_by = d.id AND x.status IN ('pending', 'retrying')"
    " AND x.next_attempt_at > NOW(3))"
    " FROM dispatchers d ORDER BY d.id";
/* Columns: enum queue_failing_col. */
static const char failing_sql[] =
    "SELECT e.id, e.tenant_id, e.url, "
    "e.enabled, COALESCE(e.disabled_reason, ''), COUNT(d.id), "
    "COALESCE(MAX(d.last_status_code), 0), COALESCE(MAX(d.last_error),"
    " '') FROM endpoints e LEFT JOIN deliveries d ON d.endpoint_id = "
    "e.id AND d.status = 'retrying' GROUP BY e.id "
    "HAVING COUNT(d.id) > 0 OR (e.enabled = 0 AND MAX(e."
    "disabled_reason) IS NOT NULL) ORDER BY COUNT(d.id) DESC LIMIT 20";

int
queue_list(struct db *db, unsigned long long tenant, const char *status,
    long long limit, struct dbres **rows)
{
	char	 tid[24];

	snprintf(tid, sizeof(tid), "%llu", tenant);
	return db_query(db, rows, list_sql, "ssssi", tenant ? tid : NULL,
	    tenant ? tid : NULL, status, status, limit);
}

int
queue_status(struct db *db, long long heartbeat_timeout_ms,
    struct queue_status *qs)
{
	struct dbres	*counts = NULL, *due = NULL;
	size_t		 i, k;
	int		 rc = -1;

	memset(qs, 0, sizeof(*qs));
	if (db_query(db, &counts, counts_sql, "") == -1 ||
	    db_query(db, &due, due_sql, "") == -1 ||
	    db_query(db, &qs->qs_leases, leases_sql, "") == -1 ||
	    db_query(db, &qs->qs_dispatchers, dispatchers_sql, "i",
	    heartbeat_timeout_ms * 1000) == -1 ||
	    db_query(db, &qs->qs_failing, failing_sql, "") == -1) {
		queue_status_free(qs);
		goto out;
	}
	for (k = 0; k < DL_STATUSES; k++)
		for (i = 0; i < counts->r_nrow; i++)
			if (strcmp(dbres_get(counts, i, QC_STATUS),
			    delivery_statuses[k]) == 0)
				qs->qs_count[k] = dbres_int(counts, i,
				    QC_COUNT);
	qs->qs_due = dbres_int(due, 0, QU_DUE);
	qs->qs_oldest_due_ms = dbres_int(due, 0, QU_OLDEST_MS);
	qs->qs_in_flight = dbres_int(due, 0, QU_IN_FLIGHT);
	rc = 0;
out:
	dbres_free(counts);
	dbres_free(due);
	return rc;
}

void
queue_status_free(struct queue_status *qs)
{
	dbres_free(qs->qs_dispatchers);
	dbres_free(qs->qs_leases);
	dbres_free(qs->qs_failing);
	qs->qs_dispatchers = qs->qs_leases = qs->qs_failing = NULL;
}

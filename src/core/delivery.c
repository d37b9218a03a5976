/* The delivery model outside the send loop. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "delivery.h"
#include "notice.h"
#include "util.h"

/* The columns of enum dl_col up to DC_LAST_DURATION_MS. */
#define DL_COLS \
	"d.id, d.event_id, ev.event_type, d.endpoint_id, d.status," \
	" d.attempts, CASE WHEN d.status IN ('pending', 'retrying') THEN " \
	DB_SQL_TIME("d.next_attempt_at") " END, d.last_status_code," \
	" d.last_error, " DB_SQL_TIME("d.last_attempt_at") ", " \
	DB_SQL_TIME("d.created_at") ", d.last_duration_ms"
/* Retention may purge an event before its deliveries: LEFT JOIN. */
#define DL_FROM \
	" FROM deliveries d LEFT JOIN events ev ON ev.id = d.event_id"

const char *const delivery_statuses[DL_STATUSES] = {
	"pending", "retrying", "paused", "delivered", "failed", "dropped"
};

int
delivery_status_ok(const char *s)
{
	size_t	 i;

	for (i = 0; i < DL_STATUSES; i++)
		if (strcmp(s, delivery_statuses[i]) == 0)
			return 1;
	return 0;
}

/* Each reads one index range: (endpoint_id, status, id) for the counts,
 * (endpoint_id, started_at) for a day of attempts. */
static const char health_counts_sql[] =
    "SELECT status, COUNT(*) FROM deliveries WHERE endpoint_id = ?"
    " GROUP BY status";
static const char health_day_sql[] =
    "SELECT COUNT(*), COALESCE(SUM(status_code BETWEEN 200 AND 299), 0),"
    " COALESCE(ROUND(AVG(duration_ms)), 0) FROM attempts"
    " WHERE endpoint_id = ? AND started_at > NOW(3) - INTERVAL 1 DAY";
static const char health_hours_sql[] =
    "SELECT TIMESTAMPDIFF(HOUR, NOW(3) - INTERVAL 1 DAY, started_at) AS h,"
    " COALESCE(SUM(status_code BETWEEN 200 AND 299), 0),"
    " COUNT(*) - COALESCE(SUM(status_code BETWEEN 200 AND 299), 0)"
    " FROM attempts WHERE endpoint_id = ?"
    " AND started_at > NOW(3) - INTERVAL 1 DAY GROUP BY h";
static const char health_filtered_sql[] =
    "SELECT COALESCE(SUM(filtered), 0) FROM endpoint_stats"
    " WHERE endpoint_id = ?";
static const char health_p95_sql[] =
    "SELECT duration_ms FROM attempts WHERE endpoint_id = ?"
    " AND started_at > NOW(3) - INTERVAL 1 DAY"
    " ORDER BY duration_ms DESC LIMIT 1 OFFSET ?";

/* The endpoint's failing spell and its latest attempt
 * (attempts_endpoint_time), and its oldest retrying delivery
 * (deliveries_endpoint_status). */
static const char health_failing_sql[] =
    "SELECT e.fail_streak, " DB_SQL_TIME("e.failing_since") ","
    " TIMESTAMPDIFF(MICROSECOND, e.failing_since, NOW(3)) DIV 1000,"
    " a.status_code, a.error,"
    " (SELECT " DB_SQL_TIME("MIN(created_at)") " FROM deliveries"
    " WHERE endpoint_id = e.id AND status = 'retrying')"
    " FROM endpoints e LEFT JOIN attempts a ON a.id = (SELECT id FROM"
    " attempts WHERE endpoint_id = e.id ORDER BY started_at DESC LIMIT 1)"
    " WHERE e.id = ?";

int
delivery_is_failing(long long streak, long long since_ms)
{
	return streak >= NOTICE_FAILING_STREAK ||
	    (streak > 0 && since_ms >= NOTICE_FAILING_MS);
}

static int
health_failing(struct db *db, unsigned long long endpoint,
    struct dl_health *h)
{
	struct dbres	*r;
	const char	*v;

	if (db_query(db, &r, health_failing_sql, "u", endpoint) == -1)
		return -1;
	if (r->r_nrow == 1) {
		h->dh_fail_streak = dbres_int(r, 0, 0);
		if ((v = dbres_get(r, 0, 1)) != NULL)
			snprintf(h->dh_failing_since,
			    sizeof(h->dh_failing_since), "%s", v);
		h->dh_failing = v != NULL && delivery_is_failing(
		    h->dh_fail_streak, dbres_int(r, 0, 2));
		h->dh_last_code = dbres_int(r, 0, 3);
		if ((v = dbres_get(r, 0, 4)) != NULL)
			snprintf(h->dh_last_error, sizeof(h->dh_last_error),
			    "%s", v);
		if ((v = dbres_get(r, 0, 5)) != NULL)
			snprintf(h->dh_oldest_retrying,
			    sizeof(h->dh_oldest_retrying), "%s", v);
	}
	dbres_free(r);
	return 0;
}

int
delivery_health(struct db *db, unsigned long long endpoint,
    struct dl_health *h)
{
	struct dbres	*r = NULL;
	long long	 hour;
	size_t		 i, k;
	int		 rc = -1;

	memset(h, 0, sizeof(*h));
	if (db_query(db, &r, health_counts_sql, "u", endpoint) == -1)
		goto out;
	for (i = 0; i < r->r_nrow; i++)
		for (k = 0; k < DL_STATUSES; k++)
			if (strcmp(dbres_get(r, i, 0), delivery_statuses[k])
			    == 0)
				h->dh_count[k] = dbres_int(r, i, 1);
	dbres_free(r);
	if (db_query(db, &r, health_day_sql, "u", endpoint) == -1)
		goto out;
	h->dh_attempts = dbres_int(r, 0, 0);
	h->dh_ok = dbres_int(r, 0, 1);
	h->dh_avg_ms = dbres_int(r, 0, 2);
	dbres_free(r);
	if (db_query(db, &r, health_hours_sql, "u", endpoint) == -1)
		goto out;
	for (i = 0; i < r->r_nrow; i++) {
		hour = dbres_int(r, i, 0);
		if (hour < 0 || hour > 23)
			continue;
		h->dh_hour_ok[hour] = dbres_int(r, i, 1);
		h->dh_hour_bad[hour] = dbres_int(r, i, 2);
	}
	dbres_free(r);
	if (db_query(db, &r, health_filtered_sql, "u", endpoint) == -1)
		goto out;
	h->dh_filtered = dbres_int(r, 0, 0);
	dbres_free(r);
	r = NULL;
	if (health_failing(db, endpoint, h) == -1)
		goto out;
	if (h->dh_attempts > 0) {
		if (db_query(db, &r, health_p95_sql, "ui", endpoint,
		    h->dh_attempts / 20) == -1)
			goto out;
		h->dh_p95_ms = r->r_nrow > 0 ? dbres_int(r, 0, 0) : 0;
	}
	rc = 0;
out:
	dbres_free(r);
	return rc;
}

int
delivery_overview(struct db *db, unsigned long long tenant,
    struct dbres **last, struct dbres **rate)
{
	*last = *rate = NULL;
	if (db_query(db, last, "SELECT d.endpoint_id, d.status,"
	    " d.last_status_code, d.id, "
	    DB_SQL_TIME("COALESCE(d.last_attempt_at, d.created_at)")
	    " FROM endpoints e JOIN deliveries d ON d.id = (SELECT MAX(id)"
	    " FROM deliveries WHERE endpoint_id = e.id)"
	    " WHERE e.tenant_id = ?", "u", tenant) == -1)
		return -1;
	if (db_query(db, rate, "SELECT a.endpoint_id, COUNT(*),"
	    " SUM(a.status_code BETWEEN 200 AND 299) FROM attempts a JOIN"
	    " endpoints e ON e.id = a.endpoint_id WHERE e.tenant_id = ? AND"
	    " a.started_at > NOW(3) - INTERVAL 1 DAY GROUP BY a.endpoint_id",
	    "u", tenant) == -1) {
		dbres_free(*last);
		*last = NULL;
		return -1;
	}
	return 0;
}

/* Keep limit rows; *more when the query found one more. */
static void
page_cut(struct dbres *r, size_t limit, int *more)
{
	unsigned	 c;

	if (r->r_nrow <= limit)
		return;
	r->r_nrow = limit;
	*more = 1;
	/* dbres_free frees r_nrow rows: release the extra one now. */
	for (c = 0; c < r->r_ncol; c++)
		free(r->r_val[limit * r->r_ncol + c]);
}

enum dl_err
delivery_list(struct db *db, unsigned long long tenant,
    unsigned long long endpoint, const char *status,
    unsigned long long before, size_t limit, struct dbres **rows,
    int *more)
{
	struct dbres	*r;
	int		 rc;

	*rows = NULL;
	*more = 0;
	if (before == 0)
		before = UINT64_MAX;
	/* One row more than asked says whether there is a next page.  Two
	 * statements rather than "? IS NULL OR": each gets its own index,
	 * (endpoint_id, id) and (endpoint_id, status, id). */
	if (status == NULL)
		rc = db_query(db, &r, "SELECT " DL_COLS DL_FROM
		    " WHERE d.endpoint_id = ? AND d.tenant_id = ? AND d.id < ?"
		    " ORDER BY d.id DESC LIMIT ?", "uuui", endpoint, tenant,
		    before, (long long)limit + 1);
	else
		rc = db_query(db, &r, "SELECT " DL_COLS DL_FROM
		    " WHERE d.endpoint_id = ? AND d.status = ? AND"
		    " d.tenant_id = ? AND d.id < ?"
		    " ORDER BY d.id DESC LIMIT ?", "usuui", endpoint, status,
		    tenant, before, (long long)limit + 1);
	if (rc == -1)
		return DL_DB;
	page_cut(r, limit, more);
	*rows = r;
	return DL_OK;
}

/*
 * The tenant-wide listing, one statement per index that can drive it,
 * each read backwards from the cursor, so that a page costs a bounded
 * index range whatever the tenant's number of deliveries: an id looked
 * up by the primary key or deliveries_event; an endpoint by
 * deliveries_endpoint(_status); else deliveries_tenant(_status)
 * (sql/011_attempt_headers.sql).  The remaining filters are checked on the
 * rows read; the time range also bounds the ids (ids follow creation
 * order), so a range in the past does not read every newer row first.
 */
#define DS_REST \
	" AND (? IS NULL OR ev.event_type = ?)" \
	" AND (? IS NULL OR d.created_at >= ?)" \
	" AND (? IS NULL OR d.created_at < ?)" \
	" AND d.id < ? AND d.id >= ? ORDER BY d.id DESC LIMIT ?"
#define DS_SQL(index, where) \
	"SELECT " DL_COLS ", ep.url FROM deliveries d FORCE INDEX (" index ")" \
	" LEFT JOIN events ev ON ev.id = d.event_id" \
	" LEFT JOIN endpoints ep ON ep.id = d.endpoint_id" \
	" WHERE " where DS_REST

static const char ds_tenant_sql[] = DS_SQL("deliveries_tenant",
    "d.tenant_id = ?");
static const char ds_tenant_status_sql[] = DS_SQL("deliveries_tenant_status",
    "d.tenant_id = ? AND d.status = ?");
static const char ds_endpoint_sql[] = DS_SQL("deliveries_endpoint",
    "d.endpoint_id = ? AND d.tenant_id = ?");
static const char ds_endpoint_status_sql[] = DS_SQL(
    "deliveries_endpoint_status",
    "d.endpoint_id = ? AND d.status = ? AND d.tenant_id = ?");
/*
 * With an event type, which no index of deliveries holds, the same index
 * range is read in a derived table of at most DS_SCAN ids, and the type
 * and the times are checked on those; a second statement tells how far
 * that read went when the page came back short.
 */
#define DS_SCAN_STR	"5000"
#define DSE_INNER(index, where) \
	"SELECT d.id FROM deliveries d FORCE INDEX (" index ")" \
	" WHERE " where " AND d.id < ? AND d.id >= ?" \
	" ORDER BY d.id DESC LIMIT " DS_SCAN_STR
#define DSE_SQL(index, where) \
	"SELECT " DL_COLS ", ep.url FROM (" DSE_INNER(index, where) ") x" \
	" JOIN deliveries d ON d.id = x.id" \
	" LEFT JOIN events ev ON ev.id = d.event_id" \
	" LEFT JOIN endpoints ep ON ep.id = d.endpoint_id" \
	" WHERE ev.event_type = ?" \
	" AND (? IS NULL OR d.created_at >= ?)" \
	" AND (? IS NULL OR d.created_at < ?)" \
	" ORDER BY d.id DESC LIMIT ?"
#define DSE_REACH(index, where) \
	"SELECT COUNT(*), MIN(x.id) FROM (" DSE_INNER(index, where) ") x"
#define DSE_PAIR(index, where) \
	{ DSE_SQL(index, where), DSE_REACH(index, where) }
/* By the index that drives them: tenant, tenant and status, endpoint,
 * endpoint and status. */
static const char *const dse_sql[4][2] = {
	DSE_PAIR("deliveries_tenant", "d.tenant_id = ?"),
	DSE_PAIR("deliveries_tenant_status",
	    "d.tenant_id = ? AND d.status = ?"),
	DSE_PAIR("deliveries_endpoint",
	    "d.endpoint_id = ? AND d.tenant_id = ?"),
	DSE_PAIR("deliveries_endpoint_status",
	    "d.endpoint_id = ? AND d.status = ? AND d.tenant_id = ?"),
};

/* At most a handful of rows: one delivery, or one event's deliveries. */
static const char ds_id_sql[] =
    "SELECT " DL_COLS ", ep.url" DL_FROM
    " LEFT JOIN endpoints ep ON ep.id = d.endpoint_id"
    " WHERE d.tenant_id = ? AND (d.id = ? OR d.event_id = ?)"
    " AND (? IS NULL OR d.status = ?) AND (? = 0 OR d.endpoint_id = ?)"
    DS_REST;
/* The first delivery created at or after a time: one dive into
 * deliveries_created (MIN(id) would read the whole range up to now). */
static const char ds_first_id_sql[] =
    "SELECT id FROM deliveries FORCE INDEX (deliveries_created)"
    " WHERE created_at >= ? ORDER BY created_at, id LIMIT 1";

/* The first delivery id created at or after t: 0 with *id, 1 when there
 * is none, -1 on a database error. */
static int
first_id(struct db *db, const char *t, unsigned long long *id)
{
	struct dbres	*r;
	int		 rc = 1;

	if (db_query(db, &r, ds_first_id_sql, "s", t) == -1)
		return -1;
	if (r->r_nrow == 1 && dbres_get(r, 0, 0) != NULL) {
		*id = (unsigned long long)dbres_int(r, 0, 0);
		rc = 0;
	}
	dbres_free(r);
	return rc;
}

/* The event type's page (see dse_sql): the rows, and *next. */
static enum dl_err
search_by_type(struct db *db, unsigned long long tenant,
    const struct dl_filter *f, unsigned long long before,
    unsigned long long lo, size_t limit, struct dbres **rows,
    unsigned long long *next)
{
	struct db_arg	 a[12];
	struct dbres	*r = NULL, *reach = NULL;
	size_t		 k = 0, nkey, v;
	char		 types[16];

	v = (f->df_endpoint != 0 ? 2 : 0) + (f->df_status != NULL);
	/* The inner statement's keys, in the order its WHERE names them. */
	if (f->df_endpoint != 0) {
		a[k].a_int = (long long)f->df_endpoint;
		types[k++] = 'u';
		if (f->df_status != NULL) {
			a[k].a_str = f->df_status;
			types[k++] = 's';
		}
		a[k].a_int = (long long)tenant;
		types[k++] = 'u';
	} else {
		a[k].a_int = (long long)tenant;
		types[k++] = 'u';
		if (f->df_status != NULL) {
			a[k].a_str = f->df_status;
			types[k++] = 's';
		}
	}
	a[k].a_int = (long long)before;
	types[k++] = 'u';
	a[k].a_int = (long long)lo;
	types[k++] = 'u';
	nkey = k;
	a[k].a_str = f->df_event;
	types[k++] = 's';
	a[k].a_str = f->df_from;
	types[k++] = 's';
	a[k].a_str = f->df_from;
	types[k++] = 's';
	a[k].a_str = f->df_until;
	types[k++] = 's';
	a[k].a_str = f->df_until;
	types[k++] = 's';
	a[k].a_int = (long long)limit + 1;
	types[k++] = 'i';
	types[k] = '\0';
	if (db_query_args(db, &r, dse_sql[v][0], types, a) == -1)
		return DL_DB;
	*next = 0;
	if (r->r_nrow > limit) {
		page_cut(r, limit, &(int){ 0 });
		*next = (unsigned long long)dbres_int(r, r->r_nrow - 1, DC_ID);
	} else {
		/* Short: did the read stop at DS_SCAN, with more below? */
		types[nkey] = '\0';
		if (db_query_args(db, &reach, dse_sql[v][1], types, a) == -1) {
			dbres_free(r);
			return DL_DB;
		}
		if (reach->r_nrow == 1 && dbres_int(reach, 0, 0) >= DS_SCAN)
			*next = (unsigned long long)dbres_int(reach, 0, 1);
		dbres_free(reach);
	}
	*rows = r;
	return DL_OK;
}

enum dl_err
delivery_search(struct db *db, unsigned long long tenant,
    const struct dl_filter *f, unsigned long long before, size_t limit,
    struct dbres **rows, unsigned long long *next)
{
	struct dbres		*r = NULL;
	unsigned long long	 lo = 0, hi;
	long long		 n = (long long)limit + 1;
	int			 rc, more = 0;

	*rows = NULL;
	*next = 0;
	if (before == 0 || before > INT64_MAX)
		before = INT64_MAX;
	if (f->df_from != NULL) {
		if ((rc = first_id(db, f->df_from, &lo)) == -1)
			return DL_DB;
		if (rc == 1)
			lo = INT64_MAX;	/* nothing that recent */
	}
	if (f->df_until != NULL) {
		if ((rc = first_id(db, f->df_until, &hi)) == -1)
			return DL_DB;
		if (rc == 0 && hi < before)
			before = hi;
	}
	if (f->df_event != NULL && f->df_id == 0)
		return search_by_type(db, tenant, f, before, lo, limit, rows,
		    next);
#define DS_REST_ARGS \
	f->df_event, f->df_event, f->df_from, f->df_from, f->df_until, \
	f->df_until, before, lo, n
	if (f->df_id != 0)
		rc = db_query(db, &r, ds_id_sql, "uuussuussssssuui", tenant,
		    f->df_id, f->df_id, f->df_status, f->df_status,
		    f->df_endpoint, f->df_endpoint, DS_REST_ARGS);
	else if (f->df_endpoint != 0 && f->df_status != NULL)
		rc = db_query(db, &r, ds_endpoint_status_sql, "usussssssuui",
		    f->df_endpoint, f->df_status, tenant, DS_REST_ARGS);
	else if (f->df_endpoint != 0)
		rc = db_query(db, &r, ds_endpoint_sql, "uussssssuui",
		    f->df_endpoint, tenant, DS_REST_ARGS);
	else if (f->df_status != NULL)
		rc = db_query(db, &r, ds_tenant_status_sql, "usssssssuui",
		    tenant, f->df_status, DS_REST_ARGS);
	else
		rc = db_query(db, &r, ds_tenant_sql, "ussssssuui", tenant,
		    DS_REST_ARGS);
#undef DS_REST_ARGS
	if (rc == -1)
		return DL_DB;
	page_cut(r, limit, &more);
	if (more)
		*next = (unsigned long long)dbres_int(r, r->r_nrow - 1, DC_ID);
	*rows = r;
	return DL_OK;
}

enum dl_err
delivery_get(struct db *db, unsigned long long tenant, unsigned long long id,
    struct dbres **row, struct dbres **attempts)
{
	*row = *attempts = NULL;
	if (db_query(db, row, "SELECT " DL_COLS ", ev.occurred_at, ev.data,"
	    " ep.url, ep.format" DL_FROM " LEFT JOIN endpoints ep ON"
	    " ep.id = d.endpoint_id WHERE d.id = ? AND d.tenant_id = ?", "uu",
	    id, tenant) == -1)
		return DL_DB;
	if ((*row)->r_nrow != 1) {
		dbres_free(*row);
		*row = NULL;
		return DL_NOTFOUND;
	}
	/* Bounded: a delivery makes at most a handful of scheduled
	 * attempts, but manual redeliveries could add any number. */
	if (db_query(db, attempts, "SELECT id, " DB_SQL_TIME("started_at")
	    ", duration_ms, status_code, error, response_snippet,"
	    " request_headers, response_headers FROM attempts"
	    " WHERE delivery_id = ? ORDER BY id LIMIT 1000",
	    "u", id) == -1) {
		dbres_free(*row);
		*row = NULL;
		return DL_DB;
	}
	return DL_OK;
}

int
delivery_redeliver(struct db *db, unsigned long long tenant,
    unsigned long long id)
{
	struct dbres	*r;
	long long	 n;
	enum dl_err	 rc;

	/*
	 * A pending row with claimed_by set and a lease still running is
	 * in a dispatcher's hands; making it due now would let a second
	 * dispatcher send it in parallel.  Anything else, including an
	 * expired lease, may be made due now.
	 */
	/*
	 * A single attempt by hand (manual = 1; record_manual): a delivery
	 * that was retrying keeps the retry it waited for in resume_at and
	 * goes back to it if this attempt fails.  One not yet attempted
	 * is only made due now.  Single-table UPDATE: the assignments run
	 * left to right, so each reads the status and next_attempt_at as
	 * they were.
	 */
	n = db_exec(db, "UPDATE deliveries d SET"
	    " d.resume_at = IF(d.status = 'retrying', d.next_attempt_at, NULL),"
	    " d.manual = IF(d.status = 'pending' AND d.manual = 0, 0, 1),"
	    " d.status = 'pending', d.next_attempt_at = NOW(3),"
	    " d.completed_at = NULL"
	    " WHERE d.id = ? AND d.tenant_id = ?"
	    " AND NOT (d.status IN ('pending', 'retrying')"
	    " AND d.claimed_by IS NOT NULL AND d.next_attempt_at > NOW(3))"
	    " AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = d.endpoint_id)",
	    "uu", id, tenant);
	if (n == -1)
		return DL_DB;
	if (n > 0)
		return DL_OK;
	if (db_query(db, &r, "SELECT e.id IS NULL FROM deliveries d"
	    " LEFT JOIN endpoints e ON e.id = d.endpoint_id"
	    " WHERE d.id = ? AND d.tenant_id = ?", "uu", id, tenant) == -1)
		return DL_DB;
	if (r->r_nrow == 0)
		rc = DL_NOTFOUND;
	else if (dbres_int(r, 0, 0) == 1)
		rc = DL_GONE;
	else
		rc = DL_BUSY;
	dbres_free(r);
	return rc;
}

enum dl_err
delivery_endpoint(struct db *db, unsigned long long tenant,
    unsigned long long id, unsigned long long *endpoint)
{
	struct dbres	*r;
	enum dl_err	 rc = DL_NOTFOUND;

	*endpoint = 0;
	if (db_query(db, &r, "SELECT endpoint_id FROM deliveries"
	    " WHERE id = ? AND tenant_id = ?", "uu", id, tenant) == -1)
		return DL_DB;
	if (r->r_nrow == 1) {
		*endpoint = (unsigned long long)dbres_int(r, 0, 0);
		rc = DL_OK;
	}
	dbres_free(r);
	return rc;
}

long long
delivery_pause_endpoint(struct db *db, unsigned long long endpoint)
{
	return db_exec(db, "UPDATE deliveries SET status = 'paused'"
	    " WHERE endpoint_id = ? AND status IN ('pending', 'retrying')"
	    " AND claimed_by IS NULL", "u", endpoint);
}

long long
delivery_resume_endpoint(struct db *db, unsigned long long endpoint)
{
	return db_exec(db, "UPDATE deliveries SET status = 'pending',"
	    " next_attempt_at = NOW(3) WHERE endpoint_id = ?"
	    " AND status = 'paused'", "u", endpoint);
}

long long
delivery_fail_endpoint(struct db *db, unsigned long long endpoint,
    const char *reason)
{
	return db_exec(db, "UPDATE deliveries SET status = 'failed',"
	    " last_error = ?, completed_at = NOW(3) WHERE endpoint_id = ?"
	    " AND status IN ('pending', 'retrying', 'paused')", "su", reason,
	    endpoint);
}

/* A batch of the range, oldest first (deliveries_endpoint_status), and
 * each taken again with its status checked, since a redelivery may have
 * moved it meanwhile.  A fresh schedule: manual_attempts = attempts. */
#define RECOVER_BATCH	500
static const char recover_pick_sql[] =
    "SELECT id FROM deliveries WHERE endpoint_id = ? AND tenant_id = ?"
    " AND status IN (?, ?) AND id > ? AND created_at >= ?"
    " AND created_at <= COALESCE(?, NOW(3)) ORDER BY id LIMIT ?";
static const char recover_sql[] =
    "UPDATE " DB_IDS_TABLE " STRAIGHT_JOIN deliveries d ON d.id = ids.id"
    " JOIN endpoints e ON e.id = d.endpoint_id"
    " SET d.status = IF(e.enabled = 1, 'pending', 'paused'),"
    " d.next_attempt_at = NOW(3), d.completed_at = NULL, d.manual = 0,"
    " d.resume_at = NULL, d.manual_attempts = d.attempts"
    " WHERE d.status IN (?, ?)";

long long
delivery_recover(struct db *db, unsigned long long tenant,
    unsigned long long endpoint, int statuses, const char *since,
    const char *until)
{
	struct dbres		*r;
	struct buf		 ids;
	const char		*s1, *s2;
	unsigned long long	 last = 0;
	long long		 n, total = 0;
	size_t			 i;

	s1 = statuses & DL_RECOVER_FAILED ? "failed" : "dropped";
	s2 = statuses & DL_RECOVER_DROPPED ? "dropped" : "failed";
	buf_init(&ids);
	for (;;) {
		if (db_query(db, &r, recover_pick_sql, "uussussi", endpoint,
		    tenant, s1, s2, last, since, until,
		    (long long)RECOVER_BATCH) == -1)
			goto fail;
		if (r->r_nrow == 0) {
			dbres_free(r);
			break;
		}
		buf_reset(&ids);
		buf_putc(&ids, '[');
		for (i = 0; i < r->r_nrow; i++)
			buf_printf(&ids, "%s%s", i > 0 ? "," : "",
			    dbres_get(r, i, 0));
		buf_putc(&ids, ']');
		last = (unsigned long long)dbres_int(r, r->r_nrow - 1, 0);
		i = r->r_nrow;
		dbres_free(r);
		if ((n = db_exec(db, recover_sql, "sss", buf_cstr(&ids), s1,
		    s2)) == -1)
			goto fail;
		total += n;
		if (i < RECOVER_BATCH)
			break;
	}
	buf_free(&ids);
	return total;
fail:
	buf_free(&ids);
	return -1;
}

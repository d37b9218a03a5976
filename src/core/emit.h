/* Event ingest core shared by POST /api/v1/events and webhooksctl emit:
 * validate an event against the catalog, insert it and fan it out to one
 * pending delivery per enabled, subscribed endpoint, inside the caller's
 * transaction. */
#ifndef WH_EMIT_H
#define WH_EMIT_H

#include <stddef.h>

struct conf;
struct db;
struct json_doc;

struct emit_event {
	char		*e_type;
	char		 e_category[64];
	char		 e_occurred_at[32];	/* normalised RFC 3339 */
	const char	*e_data;		/* raw object text */
	size_t		 e_data_len;
};

enum emit_err {
	EMIT_OK = 0,
	EMIT_INVALID,		/* 422: message in err */
	EMIT_DB			/* 503 or 500: database error */
};

/* Check one event object (token tok of doc).  The caller's buffer must
 * outlive ev, whose e_data points into it. */
enum emit_err	emit_parse(struct db *, const struct json_doc *, int tok,
		    struct emit_event *ev, char *err, size_t errsz);
void		emit_event_free(struct emit_event *);
/* Insert and fan out; the caller holds the transaction. */
enum emit_err	emit_insert(struct db *, unsigned long long tenant,
		    const struct emit_event *, unsigned long long *event_id,
		    long long *deliveries);
/* An operational event about endpoint except, which never hears of
 * its own failures: EMIT_FANOUT_OPS. */
enum emit_err	emit_insert_except(struct db *, unsigned long long tenant,
		    const struct emit_event *, unsigned long long except,
		    unsigned long long *event_id, long long *deliveries);
/* Insert and fan out n events, event i of tenant tenant[i] (several
 * tenants may share one call), in the caller's transaction, with a few
 * statements for all of them: ids[i] and nd[i] (its deliveries) are
 * filled in. */
enum emit_err	emit_insert_many(struct db *, const unsigned long long *tenant,
		    const struct emit_event *const *ev, size_t n,
		    unsigned long long *ids, long long *nd);
/* Tests and fuzzing: fill the catalog cache from these n names and
 * categories instead of the database, and keep it, so emit_parse makes
 * no query (its db may then be NULL). */
void		emit_types_set(const char *const *names,
		    const char *const *cats, size_t n);
/*
 * The statements of the fan-out, shared word for word by emit_insert
 * (with ? parameters) and the outbox procedure webhooks_emit in
 * sql/003_integrations.sql (with its variables), so both ways of emitting
 * deliver and filter alike; tests/unit/test_emit.c checks that the
 * procedure holds exactly these texts.
 *
 * EMIT_FILTER_FAILS: the filters of endpoint e against the data of event
 * evid, true when one of them fails.  Why each part is there is said in
 * that migration.  The path column is built from [A-Za-z0-9_] segments
 * only (endpoint.c), so a tenant's input never becomes JSON path syntax.
 */
#define EMIT_FILTER_EQ \
	"CASE JSON_TYPE(JSON_EXTRACT(ev.data, f.json_path))" \
	" WHEN 'STRING' THEN JSON_CONTAINS(f.value," \
	" JSON_QUOTE(JSON_VALUE(ev.data, f.json_path)))" \
	" WHEN 'OBJECT' THEN 0 WHEN 'ARRAY' THEN 0" \
	" ELSE JSON_CONTAINS(f.value, JSON_EXTRACT(ev.data, f.json_path)) END"
#define EMIT_FILTER_NUM \
	"(CASE WHEN JSON_TYPE(JSON_EXTRACT(ev.data, f.json_path))" \
	" IN ('INTEGER', 'DOUBLE', 'STRING')" \
	" AND JSON_VALUE(ev.data, f.json_path) REGEXP" \
	" '^-?[0-9]{1,30}([.][0-9]{1,30})?([eE][-+]?[0-9]{1,2})?\\\\z'" \
	" THEN CAST(JSON_VALUE(ev.data, f.json_path) AS DOUBLE) END)"
/* Enabled endpoints (alias e) subscribed to an event of the tenant: its
 * type, its "category.*" or "*". */
#define EMIT_FANOUT_FROM(tenant, type, catpat) \
	" FROM endpoint_events s JOIN endpoints e ON e.id = s.endpoint_id" \
	" WHERE s.tenant_id = " tenant " AND s.pattern IN (" type ", " \
	catpat ", '*') AND e.enabled = 1"
/* The fan-out: one pending delivery per such endpoint whose filters
 * all hold. */
#define EMIT_FANOUT(evid, tenant, type, catpat) \
	"INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status," \
	" next_attempt_at) SELECT DISTINCT e.tenant_id, " evid ", e.id," \
	" 'pending', NOW(3)" EMIT_FANOUT_FROM(tenant, type, catpat) \
	" AND NOT " EMIT_FILTER_FAILS(evid)
/* The fan-out of an operational event (webhook.*, notice.c): only
 * endpoints subscribed to its type or to "webhook.*" (not "*", so a
 * catch-all endpoint does not start getting them), never the endpoint
 * it is about. */
#define EMIT_FANOUT_OPS \
	"INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status," \
	" next_attempt_at) SELECT DISTINCT e.tenant_id, ?, e.id," \
	" 'pending', NOW(3) FROM endpoint_events s" \
	" JOIN endpoints e ON e.id = s.endpoint_id" \
	" WHERE s.tenant_id = ? AND s.pattern IN (?, ?) AND e.enabled = 1" \
	" AND e.id <> ? AND NOT " EMIT_FILTER_FAILS("?")
/* Count the event as filtered out for each such endpoint that has
 * filters and got no delivery of it: the filters already decided, so
 * they are not run twice.  Also word for word in webhooks_emit. */
#define EMIT_COUNT_FILTERED(tenant, type, catpat, evid) \
	"INSERT INTO endpoint_stats (endpoint_id, slot, filtered)" \
	" SELECT DISTINCT e.id, CONNECTION_ID() % 16, 1" \
	EMIT_FANOUT_FROM(tenant, type, catpat) \
	" AND EXISTS (SELECT 1 FROM endpoint_filters f" \
	" WHERE f.endpoint_id = e.id)" \
	" AND NOT EXISTS (SELECT 1 FROM deliveries d" \
	" WHERE d.event_id = " evid " AND d.endpoint_id = e.id)" \
	" ON DUPLICATE KEY UPDATE filtered = endpoint_stats.filtered + 1"
#define EMIT_FILTER_FAILS(evid) \
	"EXISTS (SELECT 1 FROM endpoint_filters f" \
	" JOIN events ev ON ev.id = " evid \
	" WHERE f.endpoint_id = e.id" \
	" AND NOT (JSON_VALID(ev.data) AND COALESCE(CASE f.op" \
	" WHEN 'exists' THEN JSON_CONTAINS_PATH(ev.data, 'one', f.json_path)" \
	" WHEN 'gt' THEN " EMIT_FILTER_NUM " > f.num" \
	" WHEN 'lt' THEN " EMIT_FILTER_NUM " < f.num" \
	" WHEN 'ne' THEN NOT COALESCE(" EMIT_FILTER_EQ ", 0)" \
	" ELSE " EMIT_FILTER_EQ " END, 0)))"

/*
 * The same fan-out for many events at once (emit_insert_many): the
 * events are those whose ids are in a JSON array (one parameter, as in
 * DB_IDS_TABLE), each with its own tenant, type and category.  The filters
 * are EMIT_FILTER_FAILS itself, with the event as bev.
 */
#define EMIT_MANY_FROM \
	" FROM " DB_IDS_TABLE \
	" STRAIGHT_JOIN events bev ON bev.id = ids.id" \
	" JOIN event_types t ON t.name = bev.event_type" \
	" JOIN endpoint_events s ON s.tenant_id = bev.tenant_id" \
	" AND s.pattern IN (bev.event_type, CONCAT(t.category, '.*'), '*')" \
	" JOIN endpoints e ON e.id = s.endpoint_id WHERE e.enabled = 1"
#define EMIT_FANOUT_MANY \
	"INSERT INTO deliveries (tenant_id, event_id, endpoint_id, status," \
	" next_attempt_at) SELECT DISTINCT e.tenant_id, bev.id, e.id," \
	" 'pending', NOW(3)" EMIT_MANY_FROM \
	" AND NOT " EMIT_FILTER_FAILS("bev.id")
#define EMIT_COUNT_MANY \
	"SELECT d.event_id, COUNT(*) FROM " DB_IDS_TABLE \
	" STRAIGHT_JOIN deliveries d ON d.event_id = ids.id GROUP BY d.event_id"
#define EMIT_COUNT_FILTERED_MANY \
	"INSERT INTO endpoint_stats (endpoint_id, slot, filtered)" \
	" SELECT e.id, CONNECTION_ID() % 16, COUNT(DISTINCT bev.id)" \
	EMIT_MANY_FROM \
	" AND EXISTS (SELECT 1 FROM endpoint_filters f" \
	" WHERE f.endpoint_id = e.id)" \
	" AND NOT EXISTS (SELECT 1 FROM deliveries d" \
	" WHERE d.event_id = bev.id AND d.endpoint_id = e.id)" \
	" GROUP BY e.id" \
	" ON DUPLICATE KEY UPDATE filtered = endpoint_stats.filtered +" \
	" VALUES(filtered)"

/* Idempotency-Key answers, per tenant, inside the caller's
 * transaction.  Lookup: 1 when a fresh answer is stored (status and body
 * filled), 0 when none (one older than window_ms sets *stale), -1 on
 * error.  Forget: drop the key's answer if older than window_ms.  Store:
 * the answer; a duplicate key fails (db_err_is_dup) for the caller to
 * read the winner's.  0 or -1. */
struct buf;
int	emit_idem_lookup(struct db *, unsigned long long tenant,
	    const char *key, long long window_ms, int *status,
	    struct buf *out, int *stale);
int	emit_idem_forget(struct db *, unsigned long long tenant,
	    const char *key, long long window_ms);
int	emit_idem_store(struct db *, unsigned long long tenant,
	    const char *key, int status, const struct buf *answer);

#endif

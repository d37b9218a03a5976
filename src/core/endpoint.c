/* The endpoint model: tenant-scoped storage (see endpoint.h); validation
 * is endpoint_check.c, secrets and sealed integrations endpoint_integ.c. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "catalog.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "json.h"
#include "jsonw.h"
#include "payload.h"
#include "url.h"
#include "utf8.h"
#include "util.h"
#include "endpoint_priv.h"

#define EP_COLS \
	"id, tenant_id, url, description, enabled, disabled_reason," \
	" standard_webhooks, " DB_SQL_TIME("created_at") ", " \
	DB_SQL_TIME("updated_at") ", format, pagerduty_key_sealed," \
	" headers_sealed, IF(prev_secret_expires_at > NOW(3), " \
	DB_SQL_TIME("prev_secret_expires_at") ", NULL)," \
	" fail_streak, " DB_SQL_TIME("failing_since") "," \
	" TIMESTAMPDIFF(MICROSECOND, failing_since, NOW(3)) DIV 1000"
enum { EC_FORMAT = 9, EC_PDKEY, EC_HEADERS, EC_PREV_UNTIL, EC_STREAK,
	EC_SINCE, EC_SINCE_MS };

void
endpoint_set_init(struct endpoint_set *es)
{
	memset(es, 0, sizeof(*es));
	es->es_enabled = -1;
	es->es_standard_webhooks = -1;
}

/* Replace the endpoint's subscriptions; inside the caller's transaction. */
static int
set_events(struct db *db, unsigned long long tenant, unsigned long long id,
    char **ev, size_t n)
{
	size_t	 i;

	if (db_exec(db, "DELETE FROM endpoint_events WHERE endpoint_id = ?",
	    "u", id) == -1)
		return -1;
	/* A repeated pattern is harmless: keep one. */
	for (i = 0; i < n; i++)
		if (db_exec(db, "INSERT INTO endpoint_events (endpoint_id,"
		    " tenant_id, pattern) VALUES (?, ?, ?) ON DUPLICATE KEY"
		    " UPDATE pattern = pattern", "uus", id, tenant, ev[i])
		    == -1)
			return -1;
	return 0;
}

/* Replace the endpoint's filters; inside the caller's transaction. */
static int
set_filters(struct db *db, unsigned long long tenant, unsigned long long id,
    const struct ep_filter *f, size_t n)
{
	struct buf	 jp;
	size_t		 i;
	int		 gtlt, rc = -1;

	if (db_exec(db, "DELETE FROM endpoint_filters WHERE endpoint_id = ?",
	    "u", id) == -1)
		return -1;
	buf_init(&jp);
	for (i = 0; i < n; i++) {
		buf_reset(&jp);
		/* Checked by endpoint_filter_make already. */
		if (ep_filter_path(f[i].ef_path, &jp) == -1)
			goto out;
		gtlt = strcmp(f[i].ef_op, "gt") == 0 ||
		    strcmp(f[i].ef_op, "lt") == 0;
		if (db_exec(db, "INSERT INTO endpoint_filters (endpoint_id,"
		    " position, tenant_id, path, json_path, op, value, num)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS DOUBLE))",
		    "uiusssss", id, (long long)i, tenant, f[i].ef_path,
		    buf_cstr(&jp), f[i].ef_op, f[i].ef_value,
		    gtlt ? f[i].ef_value : NULL) == -1)
			goto out;
	}
	/* The filtered-events counter's slots exist from now on, so ingest
	 * only updates rows (record locks) and never inserts them (gap
	 * locks, which concurrent inserts can deadlock on). */
	if (n > 0 && db_exec(db, "INSERT INTO endpoint_stats (endpoint_id,"
	    " slot, filtered) SELECT ?, s.n, 0 FROM JSON_TABLE("
	    "'[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]', '$[*]' COLUMNS"
	    " (n TINYINT UNSIGNED PATH '$')) s ON DUPLICATE KEY UPDATE"
	    " filtered = endpoint_stats.filtered", "u", id) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&jp);
	return rc;
}

enum ep_err
endpoint_owned(struct db *db, unsigned long long tenant,
    unsigned long long id, int lock)
{
	struct dbres	*r;
	int		 found;

	if (db_query(db, &r, lock ? "SELECT id FROM endpoints WHERE id = ? AND"
	    " tenant_id = ? FOR UPDATE" : "SELECT id FROM endpoints WHERE"
	    " id = ? AND tenant_id = ?", "uu", id, tenant) == -1)
		return EP_DB;
	found = r->r_nrow == 1;
	dbres_free(r);
	return found ? EP_OK : EP_NOTFOUND;
}

static enum ep_err
finish(struct db *db, enum ep_err rc)
{
	if (rc == EP_OK && db_commit(db) == -1)
		rc = EP_DB;
	if (rc != EP_OK)
		db_rollback(db);
	return rc;
}

static enum ep_err
endpoint_create_once(struct db *db, unsigned long long tenant, unsigned max,
    const struct endpoint_set *es, unsigned long long *id, char **secret,
    struct ep_fault *fault)
{
	struct buf	 sealed;
	struct integ	 in;
	enum ep_err	 rc = EP_DB;

	/* Said only with EP_INVALID; defined whatever happens. */
	ep_fault_set(fault, "", "invalid_field", "%s", "");
	buf_init(&sealed);
	memset(&in, 0, sizeof(in));
	*secret = es->es_secret != NULL ? xstrdup(es->es_secret) :
	    endpoint_secret_new();
	if (*secret == NULL) {
		rc = EP_SEAL;
		goto out;
	}
	if (db_begin(db) == -1)
		goto out;
	/* The tenant's row, locked, makes concurrent creates take turns,
	 * so the count below cannot be passed by two at once.  (The
	 * INSERT's foreign key check locks the row too, shared.) */
	if (max > 0) {
		struct dbres	*res;
		long long	 n;

		if (db_query(db, &res, "SELECT id FROM tenants WHERE id = ?"
		    " FOR UPDATE", "u", tenant) == -1) {
			rc = finish(db, EP_DB);
			goto out;
		}
		dbres_free(res);
		if (db_query(db, &res, "SELECT COUNT(*) FROM endpoints"
		    " WHERE tenant_id = ?", "u", tenant) == -1) {
			rc = finish(db, EP_DB);
			goto out;
		}
		n = dbres_int(res, 0, 0);
		dbres_free(res);
		if (n >= (long long)max) {
			rc = finish(db, EP_LIMIT);
			goto out;
		}
	}
	/* Sealed values are bound to the row's id, known once inserted:
	 * the row goes in with an empty secret, sealed just after, in the
	 * same transaction.  Standard Webhooks headers are on unless
	 * asked otherwise: their signature covers the timestamp. */
	if (db_exec(db, "INSERT INTO endpoints (tenant_id, url, description,"
	    " enabled, standard_webhooks, secret_sealed) VALUES"
	    " (?, ?, ?, ?, ?, '')", "ussii", tenant, es->es_url,
	    es->es_description != NULL ? es->es_description : "",
	    (long long)(es->es_enabled != 0),
	    (long long)(es->es_standard_webhooks != 0)) == -1)
		goto done;
	*id = db_insert_id(db);
	if (ep_seal("secret_sealed", *id, tenant, *secret, strlen(*secret),
	    &sealed) == -1) {
		rc = EP_SEAL;
		goto done;
	}
	if ((rc = ep_integ_prepare(es, NULL, *id, tenant, &in, fault)) !=
	    EP_OK)
		goto done;
	rc = EP_DB;
	if (db_exec(db, "UPDATE endpoints SET secret_sealed = ?, format = ?,"
	    " pagerduty_key_sealed = ?, headers_sealed = ? WHERE id = ?",
	    "ssssu", buf_cstr(&sealed), in.in_format, in.in_pdkey,
	    in.in_headers, *id) != -1 &&
	    set_events(db, tenant, *id, es->es_events, es->es_nevents) == 0 &&
	    (!es->es_filters_set || set_filters(db, tenant, *id,
	    es->es_filters, es->es_nfilters) == 0))
		rc = EP_OK;
done:
	rc = finish(db, rc);
out:
	if (rc != EP_OK)
		endpoint_secret_free(secret);
	ep_integ_free(&in);
	buf_free(&sealed);
	return rc;
}

static void
from_row(const struct dbres *r, size_t i, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->ep_id = (unsigned long long)dbres_int(r, i, 0);
	ep->ep_tenant = (unsigned long long)dbres_int(r, i, 1);
	ep->ep_url = xstrdup(dbres_get(r, i, 2));
	ep->ep_description = xstrdup(dbres_get(r, i, 3));
	ep->ep_enabled = dbres_int(r, i, 4) != 0;
	if (dbres_get(r, i, 5) != NULL)
		ep->ep_disabled_reason = xstrdup(dbres_get(r, i, 5));
	ep->ep_standard_webhooks = dbres_int(r, i, 6) != 0;
	snprintf(ep->ep_created_at, sizeof(ep->ep_created_at), "%s",
	    dbres_get(r, i, 7));
	snprintf(ep->ep_updated_at, sizeof(ep->ep_updated_at), "%s",
	    dbres_get(r, i, 8));
	ep->ep_format = xstrdup(dbres_get(r, i, EC_FORMAT));
	if (dbres_get(r, i, EC_SINCE) != NULL) {
		snprintf(ep->ep_failing_since, sizeof(ep->ep_failing_since),
		    "%s", dbres_get(r, i, EC_SINCE));
		ep->ep_fail_streak = dbres_int(r, i, EC_STREAK);
		ep->ep_failing = delivery_is_failing(ep->ep_fail_streak,
		    dbres_int(r, i, EC_SINCE_MS));
	}
	if (dbres_get(r, i, EC_PREV_UNTIL) != NULL)
		snprintf(ep->ep_prev_until, sizeof(ep->ep_prev_until), "%s",
		    dbres_get(r, i, EC_PREV_UNTIL));
}

/* The routing key as "••••" and its last four characters, and each
 * custom header with its value masked: enough to recognise them, not
 * to use them.  -1 if they do not open with the master key. */
static int
masks_from_row(const struct dbres *r, size_t i, struct endpoint *ep)
{
	struct buf	 clear, m;
	const char	*p, *eol, *colon;
	int		 rc = -1;

	buf_init(&clear);
	buf_init(&m);
	if (dbres_get(r, i, EC_PDKEY) != NULL) {
		if (ep_open_col(r, i, EC_PDKEY, "pagerduty_key_sealed",
		    ep->ep_id, ep->ep_tenant, &clear) == -1)
			goto out;
		buf_puts(&m, "••••");
		if (clear.b_len >= 4)
			buf_add(&m, clear.b_data + clear.b_len - 4, 4);
		ep->ep_routing_key = buf_release(&m);
	}
	if (dbres_get(r, i, EC_HEADERS) != NULL) {
		if (ep_open_col(r, i, EC_HEADERS, "headers_sealed",
		    ep->ep_id, ep->ep_tenant, &clear) == -1)
			goto out;
		for (p = buf_cstr(&clear); *p != '\0'; p = eol + 1) {
			if ((eol = strchr(p, '\n')) == NULL)
				break;
			if ((colon = memchr(p, ':', (size_t)(eol - p))) ==
			    NULL || colon + 1 >= eol)
				continue;
			ep->ep_headers = xrealloc(ep->ep_headers,
			    (ep->ep_nheaders + 1) * sizeof(*ep->ep_headers));
			ep->ep_headers[ep->ep_nheaders].eh_name = xstrndup(p,
			    (size_t)(colon - p));
			buf_init(&m);
			payload_mask(colon + 2, (size_t)(eol - colon - 2), &m);
			ep->ep_headers[ep->ep_nheaders++].eh_value =
			    buf_release(&m);
		}
	}
	rc = 0;
out:
	cr_wipe(&clear);
	buf_free(&m);
	return rc;
}

static void
add_filter(struct endpoint *ep, const struct dbres *r, size_t i,
    unsigned col)
{
	struct ep_filter	*f;
	const char		*v = dbres_get(r, i, col + 2);

	ep->ep_filters = xrealloc(ep->ep_filters, (ep->ep_nfilters + 1) *
	    sizeof(*ep->ep_filters));
	f = &ep->ep_filters[ep->ep_nfilters++];
	f->ef_path = xstrdup(dbres_get(r, i, col));
	f->ef_op = xstrdup(dbres_get(r, i, col + 1));
	f->ef_value = v != NULL ? xstrdup(v) : NULL;
}

/* Add row i of r, from column col on, to ep: a pattern, or a filter's
 * path, op and value. */
typedef void	(*row_add_fn)(struct endpoint *, const struct dbres *,
		    size_t i, unsigned col);

static void
add_event(struct endpoint *ep, const struct dbres *r, size_t i, unsigned col)
{
	ep->ep_events = xrealloc(ep->ep_events, (ep->ep_nevents + 1) *
	    sizeof(char *));
	ep->ep_events[ep->ep_nevents++] = xstrdup(dbres_get(r, i, col));
}

/* The rows of query sql (column 0 the endpoint id, in id order; bound to
 * the page's first and last id and the tenant) added to the endpoints of
 * the page, which are in id order too. */
static int
page_rows(struct db *db, const char *sql, unsigned long long tenant,
    struct endpoint *eps, size_t n, row_add_fn add)
{
	struct dbres		*r;
	size_t			 i, j;
	unsigned long long	 eid;

	if (db_query(db, &r, sql, "uuu", eps[0].ep_id, eps[n - 1].ep_id,
	    tenant) == -1)
		return -1;
	for (i = 0, j = 0; i < r->r_nrow; i++) {
		eid = (unsigned long long)dbres_int(r, i, 0);
		while (j < n && eps[j].ep_id < eid)
			j++;
		if (j < n && eps[j].ep_id == eid)
			add(&eps[j], r, i, 1);
	}
	dbres_free(r);
	return 0;
}

enum ep_err
endpoint_get(struct db *db, unsigned long long tenant, unsigned long long id,
    struct endpoint *ep)
{
	struct dbres	*r;
	size_t		 i;

	memset(ep, 0, sizeof(*ep));
	if (db_query(db, &r, "SELECT " EP_COLS " FROM endpoints WHERE id = ?"
	    " AND tenant_id = ?", "uu", id, tenant) == -1)
		return EP_DB;
	if (r->r_nrow != 1) {
		dbres_free(r);
		return EP_NOTFOUND;
	}
	from_row(r, 0, ep);
	if (masks_from_row(r, 0, ep) == -1) {
		dbres_free(r);
		endpoint_free(ep);
		return EP_SEAL;
	}
	dbres_free(r);
	if (db_query(db, &r, "SELECT pattern FROM endpoint_events WHERE"
	    " endpoint_id = ? ORDER BY pattern", "u", id) == -1) {
		endpoint_free(ep);
		return EP_DB;
	}
	for (i = 0; i < r->r_nrow; i++)
		add_event(ep, r, i, 0);
	dbres_free(r);
	if (db_query(db, &r, "SELECT path, op, value FROM endpoint_filters"
	    " WHERE endpoint_id = ? ORDER BY position", "u", id) == -1) {
		endpoint_free(ep);
		return EP_DB;
	}
	for (i = 0; i < r->r_nrow; i++)
		add_filter(ep, r, i, 0);
	dbres_free(r);
	return EP_OK;
}

enum ep_err
endpoint_list(struct db *db, unsigned long long tenant,
    unsigned long long after, size_t limit, struct endpoint **out,
    size_t *n, int *more)
{
	struct dbres		*r;
	struct endpoint		*eps;
	size_t			 i;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (db_query(db, &r, "SELECT " EP_COLS " FROM endpoints WHERE"
	    " tenant_id = ? AND id > ? ORDER BY id LIMIT ?", "uui", tenant,
	    after, (long long)limit + 1) == -1)
		return EP_DB;
	if (r->r_nrow > limit)
		*more = 1;
	*n = r->r_nrow > limit ? limit : r->r_nrow;
	eps = xcalloc(*n ? *n : 1, sizeof(*eps));
	for (i = 0; i < *n; i++) {
		from_row(r, i, &eps[i]);
		if (masks_from_row(r, i, &eps[i]) == -1) {
			dbres_free(r);
			endpoint_free_list(eps, i + 1);
			*n = 0;
			return EP_SEAL;
		}
	}
	dbres_free(r);
	/* Every subscription and filter of the page in one query each,
	 * merged by id. */
	if (*n > 0 && (page_rows(db, "SELECT endpoint_id, pattern FROM"
	    " endpoint_events WHERE endpoint_id BETWEEN ? AND ? AND"
	    " tenant_id = ? ORDER BY endpoint_id, pattern", tenant, eps, *n,
	    add_event) == -1 || page_rows(db, "SELECT endpoint_id, path, op,"
	    " value FROM endpoint_filters WHERE endpoint_id BETWEEN ? AND ?"
	    " AND tenant_id = ? ORDER BY endpoint_id, position", tenant, eps,
	    *n, add_filter) == -1)) {
		endpoint_free_list(eps, *n);
		*n = 0;
		return EP_DB;
	}
	*out = eps;
	return EP_OK;
}

/* A tri-state flag as SQL text: NULL keeps the column (COALESCE). */
static const char *
flag(int v)
{
	return v == -1 ? NULL : v ? "1" : "0";
}

static enum ep_err
endpoint_update_once(struct db *db, unsigned long long tenant,
    unsigned long long id, const struct endpoint_set *es,
    struct ep_fault *fault)
{
	struct buf	 sealed;
	struct dbres	*cur = NULL;
	struct integ	 in;
	enum ep_err	 rc = EP_DB;
	int		 integ = es->es_format != NULL ||
			    es->es_routing_key != NULL || es->es_headers_set;

	/* Said only with EP_INVALID; defined whatever happens. */
	ep_fault_set(fault, "", "invalid_field", "%s", "");
	buf_init(&sealed);
	memset(&in, 0, sizeof(in));
	if (es->es_secret != NULL && ep_seal("secret_sealed", id, tenant,
	    es->es_secret, strlen(es->es_secret), &sealed) == -1) {
		buf_free(&sealed);
		return EP_SEAL;
	}
	if (db_begin(db) == -1)
		goto out;
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		goto out;
	rc = EP_DB;
	/* Enabling a disabled endpoint starts its health afresh (else the
	 * failing spell that disabled it would disable it again); disabling
	 * an enabled one by hand is no notice to send. */
	if (es->es_enabled == 1 && db_exec(db, "UPDATE endpoints SET"
	    " failing_since = NULL, fail_streak = 0, failing_noticed = 0,"
	    " disabled_at = NULL, disabled_notice = 0"
	    " WHERE id = ? AND enabled = 0", "u", id) == -1)
		goto out;
	if (es->es_enabled == 0 && db_exec(db, "UPDATE endpoints SET"
	    " disabled_at = NOW(3), disabled_notice = 0"
	    " WHERE id = ? AND enabled = 1", "u", id) == -1)
		goto out;
	if (db_exec(db, "UPDATE endpoints SET url = COALESCE(?, url),"
	    " description = COALESCE(?, description),"
	    " secret_sealed = COALESCE(?, secret_sealed),"
	    " prev_secret_sealed = IF(? IS NULL, prev_secret_sealed, NULL),"
	    " prev_secret_expires_at = IF(? IS NULL, prev_secret_expires_at,"
	    " NULL),"
	    " enabled = COALESCE(?, enabled),"
	    " disabled_reason = IF(? = '1', NULL, disabled_reason),"
	    " standard_webhooks = COALESCE(?, standard_webhooks),"
	    " updated_at = NOW(3) WHERE id = ?", "ssssssssu", es->es_url,
	    es->es_description, es->es_secret != NULL ? buf_cstr(&sealed) :
	    NULL, es->es_secret != NULL ? "1" : NULL, es->es_secret != NULL ?
	    "1" : NULL, flag(es->es_enabled), flag(es->es_enabled),
	    flag(es->es_standard_webhooks), id) == -1)
		goto out;
	/* What the integration columns become depends on what they hold:
	 * read under the row lock taken above. */
	if (integ) {
		if (db_query(db, &cur, "SELECT format, pagerduty_key_sealed,"
		    " headers_sealed FROM endpoints WHERE id = ?", "u", id)
		    == -1)
			goto out;
		if ((rc = ep_integ_prepare(es, cur, id, tenant, &in, fault))
		    != EP_OK)
			goto out;
		rc = EP_DB;
		if (db_exec(db, "UPDATE endpoints SET format = ?,"
		    " pagerduty_key_sealed = ?, headers_sealed = ? WHERE id = ?",
		    "sssu", in.in_format, in.in_pdkey, in.in_headers, id) == -1)
			goto out;
	}
	if (es->es_enabled == 0 && delivery_pause_endpoint(db, id) == -1)
		goto out;
	if (es->es_enabled == 1 && delivery_resume_endpoint(db, id) == -1)
		goto out;
	if (es->es_events != NULL && set_events(db, tenant, id, es->es_events,
	    es->es_nevents) == -1)
		goto out;
	if (es->es_filters_set && set_filters(db, tenant, id, es->es_filters,
	    es->es_nfilters) == -1)
		goto out;
	rc = EP_OK;
out:
	ep_integ_free(&in);
	dbres_free(cur);
	buf_free(&sealed);
	return finish(db, rc);
}

static enum ep_err
endpoint_delete_once(struct db *db, unsigned long long tenant,
    unsigned long long id)
{
	enum ep_err	 rc;

	if (db_begin(db) == -1)
		return EP_DB;
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		return finish(db, rc);
	/* Deliveries keep their history; only waiting ones are closed, so
	 * no dispatcher goes looking for an endpoint that is gone. */
	rc = EP_DB;
	if (delivery_fail_endpoint(db, id, "endpoint deleted") != -1 &&
	    db_exec(db, "DELETE FROM endpoint_events WHERE endpoint_id = ?",
	    "u", id) != -1 &&
	    db_exec(db, "DELETE FROM endpoints WHERE id = ?", "u", id) != -1)
		rc = EP_OK;
	return finish(db, rc);
}

static enum ep_err
endpoint_rotate_secret_once(struct db *db, unsigned long long tenant,
    unsigned long long id, long long overlap, char **secret,
    char until[32])
{
	struct dbres	*r = NULL;
	struct buf	 sealed, cur, prev;
	enum ep_err	 rc = EP_DB;

	until[0] = '\0';
	buf_init(&sealed);
	buf_init(&cur);
	buf_init(&prev);
	if ((*secret = endpoint_secret_new()) == NULL)
		return EP_SEAL;
	if (db_begin(db) == -1)
		goto out;
	if (db_query(db, &r, "SELECT secret_sealed FROM endpoints WHERE"
	    " id = ? AND tenant_id = ? FOR UPDATE", "uu", id, tenant) == -1)
		goto out;
	if (r->r_nrow != 1) {
		rc = EP_NOTFOUND;
		goto out;
	}
	rc = EP_SEAL;
	if (ep_seal("secret_sealed", id, tenant, *secret, strlen(*secret),
	    &sealed) == -1)
		goto out;
	/* The secret being replaced keeps signing beside the new one
	 * until the overlap ends; moved to its own column, so sealed again
	 * bound to that column.  A rotation during an overlap ends it: the
	 * secret before the current one stops signing now. */
	if (overlap > 0 && (ep_open_col(r, 0, 0, "secret_sealed", id, tenant,
	    &cur) == -1 || ep_seal("prev_secret_sealed", id, tenant,
	    cur.b_data, cur.b_len, &prev) == -1))
		goto out;
	rc = EP_DB;
	if (db_exec(db, "UPDATE endpoints SET secret_sealed = ?,"
	    " prev_secret_sealed = ?, prev_secret_expires_at = IF(? > 0,"
	    " NOW(3) + INTERVAL ? SECOND, NULL), updated_at = NOW(3)"
	    " WHERE id = ?", "ssiiu", buf_cstr(&sealed), overlap > 0 ?
	    buf_cstr(&prev) : NULL,
	    overlap, overlap, id) == -1)
		goto out;
	if (overlap > 0) {
		dbres_free(r);
		if (db_query(db, &r, "SELECT " DB_SQL_TIME(
		    "prev_secret_expires_at") " FROM endpoints WHERE id = ?",
		    "u", id) == -1 || r->r_nrow != 1)
			goto out;
		snprintf(until, 32, "%s", dbres_get(r, 0, 0));
	}
	rc = EP_OK;
out:
	dbres_free(r);
	cr_wipe(&cur);
	cr_wipe(&prev);
	buf_free(&sealed);
	rc = finish(db, rc);
	if (rc != EP_OK)
		endpoint_secret_free(secret);
	return rc;
}

enum ep_err
endpoint_secret_get(struct db *db, unsigned long long tenant,
    unsigned long long id, char **secret)
{
	struct dbres	*r;
	struct buf	 b;
	enum ep_err	 rc;

	*secret = NULL;
	if (db_query(db, &r, "SELECT secret_sealed FROM endpoints WHERE id = ?"
	    " AND tenant_id = ?", "uu", id, tenant) == -1)
		return EP_DB;
	buf_init(&b);
	if (r->r_nrow != 1)
		rc = EP_NOTFOUND;
	else if (ep_open_col(r, 0, 0, "secret_sealed", id, tenant, &b) == -1)
		rc = EP_SEAL;
	else {
		*secret = buf_release(&b);
		rc = EP_OK;
	}
	cr_wipe(&b);
	dbres_free(r);
	return rc;
}

static enum ep_err
endpoint_test_once(struct db *db, unsigned long long tenant,
    unsigned long long id, const char *type, unsigned long long *event_id,
    unsigned long long *delivery_id, char sent[101], char *err, size_t errsz)
{
	struct dbres	*r = NULL;
	char		*deftype = NULL, *example = NULL, at[32];
	long long	 n;
	enum ep_err	 rc;

	if (db_begin(db) == -1)
		return EP_DB;
	/* Locked so a concurrent delete cannot orphan the delivery. */
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		goto out;
	rc = EP_DB;
	if (type != NULL && strlen(type) > 100) {
		snprintf(err, errsz, "event: not an event type (too long)");
		rc = EP_INVALID;
		goto out;
	}
	if (type == NULL) {
		if (db_query(db, &r, "SELECT pattern FROM endpoint_events"
		    " WHERE endpoint_id = ? AND pattern NOT LIKE '%*'"
		    " ORDER BY pattern LIMIT 1", "u", id) == -1)
			goto out;
		deftype = xstrdup(r->r_nrow == 1 ? dbres_get(r, 0, 0) :
		    "leave.approved");
		type = deftype;
	}
	util_rfc3339_fmt(util_now_ms(), 0, at);
	if (catalog_example(db, type, &example) == -1)
		goto out;
	if (example == NULL) {
		snprintf(err, errsz, "event: unknown event type \"%s\"; see "
		    "GET /api/v1/event-types", type);
		rc = EP_INVALID;
		goto out;
	}
	n = db_exec(db, "INSERT INTO events (tenant_id, event_type,"
	    " occurred_at, data, test) VALUES (?, ?, ?, ?, 1)", "usss", tenant,
	    type, at, example);
	if (n == -1)
		goto out;
	*event_id = db_insert_id(db);
	/* A single attempt, never retried (record_manual). */
	if (db_exec(db, "INSERT INTO deliveries (tenant_id, event_id,"
	    " endpoint_id, status, next_attempt_at, manual) VALUES (?, ?, ?,"
	    " 'pending', NOW(3), 1)", "uuu", tenant, *event_id, id) == -1)
		goto out;
	*delivery_id = db_insert_id(db);
	snprintf(sent, 101, "%s", type);
	rc = EP_OK;
out:
	dbres_free(r);
	free(deftype);
	free(example);
	return finish(db, rc);
}

void
endpoint_secret_free(char **secret)
{
	if (*secret != NULL)
		OPENSSL_cleanse(*secret, strlen(*secret));
	free(*secret);
	*secret = NULL;
}

void
endpoint_filters_free(struct ep_filter *f, size_t n)
{
	size_t	 i;

	for (i = 0; f != NULL && i < n; i++) {
		free(f[i].ef_path);
		free(f[i].ef_op);
		free(f[i].ef_value);
		memset(&f[i], 0, sizeof(f[i]));
	}
}

void
endpoint_headers_free(struct ep_header *h, size_t n)
{
	size_t	 i;

	for (i = 0; h != NULL && i < n; i++) {
		free(h[i].eh_name);
		if (h[i].eh_value != NULL)
			OPENSSL_cleanse(h[i].eh_value, strlen(h[i].eh_value));
		free(h[i].eh_value);
		memset(&h[i], 0, sizeof(h[i]));
	}
}

void
endpoint_free(struct endpoint *ep)
{
	size_t	 i;

	if (ep == NULL)
		return;
	free(ep->ep_url);
	free(ep->ep_description);
	free(ep->ep_disabled_reason);
	for (i = 0; i < ep->ep_nevents; i++)
		free(ep->ep_events[i]);
	free(ep->ep_events);
	free(ep->ep_format);
	free(ep->ep_routing_key);
	endpoint_filters_free(ep->ep_filters, ep->ep_nfilters);
	free(ep->ep_filters);
	endpoint_headers_free(ep->ep_headers, ep->ep_nheaders);
	free(ep->ep_headers);
	memset(ep, 0, sizeof(*ep));
}

void
endpoint_free_list(struct endpoint *eps, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		endpoint_free(&eps[i]);
	free(eps);
}

/* The transaction of endpoint_create_once, run again after a conflict or
 * a connection lost before its COMMIT (a Galera failover). */
enum ep_err
endpoint_create(struct db *db, unsigned long long tenant, unsigned max,
    const struct endpoint_set *es, unsigned long long *id, char **secret,
    struct ep_fault *fault)
{
	enum ep_err	 rc;
	int		 tries;

	for (tries = 0;; tries++) {
		rc = endpoint_create_once(db, tenant, max, es, id, secret,
		    fault);
		if (rc != EP_DB || tries + 1 == DB_TX_TRIES ||
		    !db_tx_again(db))
			return rc;
	}
}

/* The transaction of endpoint_update_once, run again after a conflict or
 * a connection lost before its COMMIT (a Galera failover). */
enum ep_err
endpoint_update(struct db *db, unsigned long long tenant,
    unsigned long long id, const struct endpoint_set *es,
    struct ep_fault *fault)
{
	enum ep_err	 rc;
	int		 tries;

	for (tries = 0;; tries++) {
		rc = endpoint_update_once(db, tenant, id, es, fault);
		if (rc != EP_DB || tries + 1 == DB_TX_TRIES ||
		    !db_tx_again(db))
			return rc;
	}
}

/* The transaction of endpoint_delete_once, run again after a conflict or
 * a connection lost before its COMMIT (a Galera failover). */
enum ep_err
endpoint_delete(struct db *db, unsigned long long tenant,
    unsigned long long id)
{
	enum ep_err	 rc;
	int		 tries;

	for (tries = 0;; tries++) {
		rc = endpoint_delete_once(db, tenant, id);
		if (rc != EP_DB || tries + 1 == DB_TX_TRIES ||
		    !db_tx_again(db))
			return rc;
	}
}

/* The transaction of endpoint_rotate_secret_once, run again after a conflict or
 * a connection lost before its COMMIT (a Galera failover). */
enum ep_err
endpoint_rotate_secret(struct db *db, unsigned long long tenant,
    unsigned long long id, long long overlap, char **secret,
    char until[32])
{
	enum ep_err	 rc;
	int		 tries;

	for (tries = 0;; tries++) {
		rc = endpoint_rotate_secret_once(db, tenant, id, overlap,
		    secret, until);
		if (rc != EP_DB || tries + 1 == DB_TX_TRIES ||
		    !db_tx_again(db))
			return rc;
	}
}

/* The transaction of endpoint_test_once, run again after a conflict or
 * a connection lost before its COMMIT (a Galera failover). */
enum ep_err
endpoint_test(struct db *db, unsigned long long tenant,
    unsigned long long id, const char *type, unsigned long long *event_id,
    unsigned long long *delivery_id, char sent[101], char *err, size_t errsz)
{
	enum ep_err	 rc;
	int		 tries;

	for (tries = 0;; tries++) {
		rc = endpoint_test_once(db, tenant, id, type, event_id,
		    delivery_id, sent, err, errsz);
		if (rc != EP_DB || tries + 1 == DB_TX_TRIES ||
		    !db_tx_again(db))
			return rc;
	}
}

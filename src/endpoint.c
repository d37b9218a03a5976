/* The endpoint model: field validation and tenant-scoped storage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "catalog.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "url.h"
#include "util.h"

#define EP_COLS \
	"id, tenant_id, url, description, enabled, disabled_reason," \
	" standard_webhooks, " EP_SQL_TIME("created_at") ", " \
	EP_SQL_TIME("updated_at")

void
endpoint_set_init(struct endpoint_set *es)
{
	memset(es, 0, sizeof(*es));
	es->es_enabled = -1;
	es->es_standard_webhooks = -1;
}

int
endpoint_check_url(const char *url, int allow_private, char *err,
    size_t errsz)
{
	char	 why[512];

	if (url_validate_endpoint(url, allow_private, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errsz, "url: %s", why);
	return -1;
}

/* Is pattern p a catalog type, a catalog category's "c.*" or "*"? */
static int
pattern_known(const struct dbres *cat, const char *p)
{
	size_t	 i, n = strlen(p);
	int	 wild = n > 2 && strcmp(p + n - 2, ".*") == 0;

	if (strcmp(p, "*") == 0)
		return 1;
	for (i = 0; i < cat->r_nrow; i++) {
		if (wild ? strncmp(dbres_get(cat, i, 1), p, n - 2) == 0 &&
		    dbres_get(cat, i, 1)[n - 2] == '\0' :
		    strcmp(dbres_get(cat, i, 0), p) == 0)
			return 1;
	}
	return 0;
}

enum ep_err
endpoint_check_events(struct db *db, char **ev, size_t n, char *err,
    size_t errsz)
{
	struct dbres	*cat;
	size_t		 i;
	enum ep_err	 rc = EP_INVALID;

	if (n == 0) {
		snprintf(err, errsz, "events: list at least one event type, "
		    "such as [\"leave.approved\"], [\"leave.*\"] or [\"*\"]");
		return EP_INVALID;
	}
	if (n > EP_EVENTS_MAX) {
		snprintf(err, errsz, "events: at most %d entries; subscribe "
		    "to \"category.*\" or \"*\" instead", EP_EVENTS_MAX);
		return EP_INVALID;
	}
	/* The catalog is a few dozen rows: one query checks every entry. */
	if (db_query(db, &cat, "SELECT name, category FROM event_types", "")
	    == -1)
		return EP_DB;
	for (i = 0; i < n; i++) {
		if (strlen(ev[i]) > 100) {
			snprintf(err, errsz, "events: entry %zu is too long "
			    "for an event type", i + 1);
			goto out;
		}
		if (!catalog_pattern_ok(ev[i])) {
			snprintf(err, errsz, "events: \"%s\" is not an event "
			    "type; use a type such as \"leave.approved\", a "
			    "category such as \"leave.*\", or \"*\"", ev[i]);
			goto out;
		}
		if (!pattern_known(cat, ev[i])) {
			snprintf(err, errsz, "events: unknown event %s \"%s\";"
			    " see GET /api/v1/event-types",
			    strchr(ev[i], '*') ? "category in" : "type", ev[i]);
			goto out;
		}
	}
	rc = EP_OK;
out:
	dbres_free(cat);
	return rc;
}

int
endpoint_check_secret(const char *s, char *err, size_t errsz)
{
	size_t	 i, n = strlen(s);

	if (n < EP_SECRET_MIN || n > EP_SECRET_MAX) {
		snprintf(err, errsz, "secret: must be %d to %d characters long"
		    " (it has %zu); leave it out to have a strong one "
		    "generated", EP_SECRET_MIN, EP_SECRET_MAX, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e) {
			snprintf(err, errsz, "secret: only printable ASCII "
			    "characters are allowed (character %zu is not)",
			    i + 1);
			return -1;
		}
	return 0;
}

int
endpoint_check_description(const char *s, char *err, size_t errsz)
{
	size_t	 chars = 0;

	/* The column counts characters; the input is valid UTF-8, so
	 * every byte that does not continue a sequence starts one. */
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			chars++;
	if (chars > EP_DESC_MAX) {
		snprintf(err, errsz, "description: at most %d characters (it "
		    "has %zu)", EP_DESC_MAX, chars);
		return -1;
	}
	return 0;
}

char *
endpoint_secret_new(void)
{
	unsigned char	 raw[32];
	struct buf	 b;

	if (cr_random(raw, sizeof(raw)) == -1)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "whsec_");
	cr_b64_encode(raw, sizeof(raw), 0, &b);
	OPENSSL_cleanse(raw, sizeof(raw));
	return buf_release(&b);
}

/* Seal secret for endpoints.secret_sealed: 0, or -1 (no master key). */
static int
seal(const char *secret, struct buf *out)
{
	buf_reset(out);
	return cr_seal(secret, strlen(secret), out);
}

/* The secret to store: given (copied) or generated, in *secret, and its
 * sealed form.  0, or -1 with *secret NULL. */
static int
secret_prepare(const char *given, char **secret, struct buf *sealed)
{
	*secret = given != NULL ? xstrdup(given) : endpoint_secret_new();
	if (*secret != NULL && seal(*secret, sealed) == 0)
		return 0;
	endpoint_secret_free(secret);
	return -1;
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

enum ep_err
endpoint_create(struct db *db, unsigned long long tenant,
    const struct endpoint_set *es, unsigned long long *id, char **secret)
{
	struct buf	 sealed;
	enum ep_err	 rc = EP_DB;

	buf_init(&sealed);
	if (secret_prepare(es->es_secret, secret, &sealed) == -1) {
		rc = EP_SEAL;
		goto out;
	}
	if (db_begin(db) == -1)
		goto out;
	if (db_exec(db, "INSERT INTO endpoints (tenant_id, url, description,"
	    " enabled, standard_webhooks, secret_sealed) VALUES"
	    " (?, ?, ?, ?, ?, ?)", "ussiis", tenant, es->es_url,
	    es->es_description != NULL ? es->es_description : "",
	    (long long)(es->es_enabled != 0),
	    (long long)(es->es_standard_webhooks == 1), buf_cstr(&sealed))
	    != -1) {
		*id = db_insert_id(db);
		if (set_events(db, tenant, *id, es->es_events,
		    es->es_nevents) == 0)
			rc = EP_OK;
	}
	rc = finish(db, rc);
out:
	if (rc != EP_OK)
		endpoint_secret_free(secret);
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
}

static void
add_event(struct endpoint *ep, const char *p)
{
	ep->ep_events = xrealloc(ep->ep_events, (ep->ep_nevents + 1) *
	    sizeof(char *));
	ep->ep_events[ep->ep_nevents++] = xstrdup(p);
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
	dbres_free(r);
	if (db_query(db, &r, "SELECT pattern FROM endpoint_events WHERE"
	    " endpoint_id = ? ORDER BY pattern", "u", id) == -1) {
		endpoint_free(ep);
		return EP_DB;
	}
	for (i = 0; i < r->r_nrow; i++)
		add_event(ep, dbres_get(r, i, 0));
	dbres_free(r);
	return EP_OK;
}

enum ep_err
endpoint_list(struct db *db, unsigned long long tenant,
    unsigned long long after, size_t limit, struct endpoint **out,
    size_t *n, int *more)
{
	struct dbres		*r, *ev = NULL;
	struct endpoint		*eps;
	size_t			 i, j;
	unsigned long long	 eid;

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
	eps = xcalloc(*n, sizeof(*eps));
	for (i = 0; i < *n; i++)
		from_row(r, i, &eps[i]);
	dbres_free(r);
	/* Every subscription of the page in one query, merged by id. */
	if (*n > 0 && db_query(db, &ev, "SELECT endpoint_id, pattern FROM"
	    " endpoint_events WHERE endpoint_id BETWEEN ? AND ? AND"
	    " tenant_id = ? ORDER BY endpoint_id, pattern", "uuu",
	    eps[0].ep_id, eps[*n - 1].ep_id, tenant) == -1) {
		endpoint_free_list(eps, *n);
		*n = 0;
		return EP_DB;
	}
	for (i = 0, j = 0; ev != NULL && i < ev->r_nrow; i++) {
		eid = (unsigned long long)dbres_int(ev, i, 0);
		while (j < *n && eps[j].ep_id < eid)
			j++;
		if (j < *n && eps[j].ep_id == eid)
			add_event(&eps[j], dbres_get(ev, i, 1));
	}
	dbres_free(ev);
	*out = eps;
	return EP_OK;
}

/* A tri-state flag as SQL text: NULL keeps the column (COALESCE). */
static const char *
flag(int v)
{
	return v == -1 ? NULL : v ? "1" : "0";
}

enum ep_err
endpoint_update(struct db *db, unsigned long long tenant,
    unsigned long long id, const struct endpoint_set *es)
{
	struct buf	 sealed;
	enum ep_err	 rc = EP_DB;

	buf_init(&sealed);
	if (es->es_secret != NULL && seal(es->es_secret, &sealed) == -1) {
		buf_free(&sealed);
		return EP_SEAL;
	}
	if (db_begin(db) == -1)
		goto out;
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		goto out;
	rc = EP_DB;
	if (db_exec(db, "UPDATE endpoints SET url = COALESCE(?, url),"
	    " description = COALESCE(?, description),"
	    " secret_sealed = COALESCE(?, secret_sealed),"
	    " enabled = COALESCE(?, enabled),"
	    " disabled_reason = IF(? = '1', NULL, disabled_reason),"
	    " standard_webhooks = COALESCE(?, standard_webhooks),"
	    " updated_at = NOW(3) WHERE id = ?", "ssssssu", es->es_url,
	    es->es_description, es->es_secret != NULL ? buf_cstr(&sealed) :
	    NULL, flag(es->es_enabled), flag(es->es_enabled),
	    flag(es->es_standard_webhooks), id) == -1)
		goto out;
	if (es->es_enabled == 0 && delivery_pause_endpoint(db, id) == -1)
		goto out;
	if (es->es_enabled == 1 && delivery_resume_endpoint(db, id) == -1)
		goto out;
	if (es->es_events != NULL && set_events(db, tenant, id, es->es_events,
	    es->es_nevents) == -1)
		goto out;
	rc = EP_OK;
out:
	buf_free(&sealed);
	return finish(db, rc);
}

enum ep_err
endpoint_delete(struct db *db, unsigned long long tenant,
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

enum ep_err
endpoint_rotate_secret(struct db *db, unsigned long long tenant,
    unsigned long long id, char **secret)
{
	struct buf	 sealed;
	long long	 n;

	buf_init(&sealed);
	if (secret_prepare(NULL, secret, &sealed) == -1) {
		buf_free(&sealed);
		return EP_SEAL;
	}
	/* The sealed text has a fresh nonce, so a match always changes. */
	n = db_exec(db, "UPDATE endpoints SET secret_sealed = ?,"
	    " updated_at = NOW(3) WHERE id = ? AND tenant_id = ?", "suu",
	    buf_cstr(&sealed), id, tenant);
	buf_free(&sealed);
	if (n == 1)
		return EP_OK;
	endpoint_secret_free(secret);
	return n == -1 ? EP_DB : EP_NOTFOUND;
}

enum ep_err
endpoint_test(struct db *db, unsigned long long tenant,
    unsigned long long id, const char *type, unsigned long long *event_id,
    unsigned long long *delivery_id, char *err, size_t errsz)
{
	struct dbres	*r = NULL;
	char		*deftype = NULL, at[32];
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
	n = db_exec(db, "INSERT INTO events (tenant_id, event_type,"
	    " occurred_at, data) SELECT ?, name, ?, example FROM event_types"
	    " WHERE name = ?", "uss", tenant, at, type);
	if (n == -1)
		goto out;
	if (n == 0) {
		snprintf(err, errsz, "event: unknown event type \"%s\"; see "
		    "GET /api/v1/event-types", type);
		rc = EP_INVALID;
		goto out;
	}
	*event_id = db_insert_id(db);
	if (db_exec(db, "INSERT INTO deliveries (tenant_id, event_id,"
	    " endpoint_id, status, next_attempt_at) VALUES (?, ?, ?,"
	    " 'pending', NOW(3))", "uuu", tenant, *event_id, id) == -1)
		goto out;
	*delivery_id = db_insert_id(db);
	rc = EP_OK;
out:
	dbres_free(r);
	free(deftype);
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

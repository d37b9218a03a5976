/* Event ingest core. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <netdb.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "conf.h"
#include "db.h"
#include "emit.h"
#include "json.h"
#include "log.h"
#include "utf8.h"
#include "util.h"

/* The catalog rarely changes, and each ingest would otherwise cost a
 * round trip per event.  A miss reloads, at most once a second.  The
 * caches are shared by webhooks.fcgi's request threads: cache_mu guards
 * them. */
static pthread_mutex_t	 cache_mu = PTHREAD_MUTEX_INITIALIZER;
struct type_ent {
	char	*t_name;
	char	*t_cat;
};
static struct type_ent	*types;
static size_t		 ntypes;
static int64_t		 types_loaded_ms;

static int
type_cmp(const void *a, const void *b)
{
	return strcmp(((const struct type_ent *)a)->t_name,
	    ((const struct type_ent *)b)->t_name);
}

static int
types_reload(struct db *db)
{
	struct dbres	*r;
	size_t		 i;

	if (catalog_names(db, &r) == -1)
		return -1;
	for (i = 0; i < ntypes; i++) {
		free(types[i].t_name);
		free(types[i].t_cat);
	}
	free(types);
	types = xcalloc(r->r_nrow ? r->r_nrow : 1, sizeof(*types));
	for (i = 0; i < r->r_nrow; i++) {
		types[i].t_name = xstrdup(dbres_get(r, i, 0));
		types[i].t_cat = xstrdup(dbres_get(r, i, 1));
	}
	ntypes = r->r_nrow;
	qsort(types, ntypes, sizeof(*types), type_cmp);
	dbres_free(r);
	types_loaded_ms = util_mono_ms();
	return 0;
}

void
emit_types_set(const char *const *names, const char *const *cats, size_t n)
{
	size_t	 i;

	pthread_mutex_lock(&cache_mu);
	for (i = 0; i < ntypes; i++) {
		free(types[i].t_name);
		free(types[i].t_cat);
	}
	free(types);
	types = xcalloc(n ? n : 1, sizeof(*types));
	for (i = 0; i < n; i++) {
		types[i].t_name = xstrdup(names[i]);
		types[i].t_cat = xstrdup(cats[i]);
	}
	ntypes = n;
	qsort(types, ntypes, sizeof(*types), type_cmp);
	/* Fresh for good: type_lookup reloads only a stale cache. */
	types_loaded_ms = INT64_MAX;
	pthread_mutex_unlock(&cache_mu);
}

/* 1 found (category copied), 0 unknown, -1 database error. */
static int
type_lookup_locked(struct db *db, const char *name, char *cat, size_t catsz)
{
	struct type_ent	 key, *e;
	int		 pass;

	key.t_name = (char *)name;
	for (pass = 0; pass < 2; pass++) {
		if (types != NULL) {
			e = bsearch(&key, types, ntypes, sizeof(*types),
			    type_cmp);
			if (e != NULL) {
				snprintf(cat, catsz, "%s", e->t_cat);
				return 1;
			}
		}
		if (pass == 1 || (types != NULL &&
		    util_mono_ms() - types_loaded_ms < 1000))
			break;
		if (types_reload(db) == -1)
			return -1;
	}
	return 0;
}

static int
type_lookup(struct db *db, const char *name, char *cat, size_t catsz)
{
	int	 rc;

	pthread_mutex_lock(&cache_mu);
	rc = type_lookup_locked(db, name, cat, catsz);
	pthread_mutex_unlock(&cache_mu);
	return rc;
}

enum emit_err
emit_parse(struct db *db, const struct json_doc *doc, int tok,
    struct emit_event *ev, char *err, size_t errsz)
{
	const struct json_tok *t = &doc->d_tok[tok];
	int		 k, v, i, found;
	const char	*raw;
	size_t		 rawlen;

	memset(ev, 0, sizeof(*ev));
	if (t->t_type != JSON_OBJECT) {
		snprintf(err, errsz, "an event must be a JSON object with "
		    "\"event\" and \"data\"");
		return EMIT_INVALID;
	}
	/* Unknown members are refused so a typo such as "occured_at"
	 * is reported instead of silently ignored. */
	for (i = 0, k = tok + 1; i < t->t_size; i++, k = json_skip(doc, v)) {
		v = k + 1;
		if (!json_streq(doc, k, "event") &&
		    !json_streq(doc, k, "data") &&
		    !json_streq(doc, k, "occurred_at")) {
			raw = json_raw(doc, k, &rawlen);
			/* Clip on a UTF-8 character boundary: the message
			 * goes into a JSON answer and must stay UTF-8. */
			rawlen = utf8_clip_bytes(raw, rawlen, 64);
			snprintf(err, errsz, "unknown field %.*s; an event has "
			    "\"event\", \"data\" and optionally "
			    "\"occurred_at\"", (int)rawlen, raw);
			return EMIT_INVALID;
		}
	}
	if ((v = json_get(doc, tok, "event")) == -1 ||
	    doc->d_tok[v].t_type != JSON_STRING) {
		snprintf(err, errsz, "\"event\" is required and must be a "
		    "string such as \"leave.approved\"");
		return EMIT_INVALID;
	}
	if ((ev->e_type = json_strdup(doc, v)) == NULL ||
	    strlen(ev->e_type) > 100) {
		snprintf(err, errsz, "\"event\" is not a valid event type");
		return EMIT_INVALID;
	}
	if ((found = type_lookup(db, ev->e_type, ev->e_category,
	    sizeof(ev->e_category))) == -1)
		return EMIT_DB;
	if (found == 0) {
		raw = json_raw(doc, v, &rawlen);
		/* The 100-byte cap above is on the unescaped name; its raw
		 * text can be longer, so clip it on a character boundary
		 * too, or the answer would not be valid UTF-8. */
		rawlen = utf8_clip_bytes(raw, rawlen, 110);
		snprintf(err, errsz, "unknown event type %.*s; see GET "
		    "/api/v1/event-types or /admin/webhooks/event-catalog",
		    (int)rawlen, raw);
		return EMIT_INVALID;
	}
	if (strcmp(ev->e_category, "webhook") == 0) {
		snprintf(err, errsz, "%s is an operational event that the "
		    "webhooks service itself emits (about failing endpoints); "
		    "it cannot be posted", ev->e_type);
		return EMIT_INVALID;
	}
	if ((v = json_get(doc, tok, "data")) == -1 ||
	    doc->d_tok[v].t_type != JSON_OBJECT) {
		snprintf(err, errsz, "\"data\" is required and must be a JSON "
		    "object");
		return EMIT_INVALID;
	}
	ev->e_data = json_raw(doc, v, &ev->e_data_len);
	if ((v = json_get(doc, tok, "occurred_at")) != -1 &&
	    doc->d_tok[v].t_type != JSON_NULL) {
		if (doc->d_tok[v].t_type != JSON_STRING ||
		    util_rfc3339_parse(doc->d_js + doc->d_tok[v].t_start,
		    (size_t)(doc->d_tok[v].t_end - doc->d_tok[v].t_start),
		    ev->e_occurred_at, NULL) == -1) {
			snprintf(err, errsz, "\"occurred_at\" must be RFC 3339 "
			    "in UTC, e.g. \"2026-04-29T14:32:11Z\"");
			return EMIT_INVALID;
		}
	} else
		util_rfc3339_fmt(util_now_ms(), 0, ev->e_occurred_at);
	return EMIT_OK;
}

void
emit_event_free(struct emit_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->e_type);
	ev->e_type = NULL;
}

/* Does the tenant have any filter?  Only then is the filtered-events
 * statement worth its round trip.  Cached a second per tenant, like the
 * catalog: the fan-out itself always applies the filters in SQL, so a
 * stale answer only means a filter added within the last second may miss
 * counting an event or two on the dashboard. */
#define FCACHE_N	64
static struct {
	unsigned long long	 fc_tenant;
	int			 fc_has;
	int64_t			 fc_at;
} fcache[FCACHE_N];

/* 1 yes, 0 no, -1 database error. */
static int
tenant_has_filters(struct db *db, unsigned long long tenant)
{
	struct dbres	*r;
	size_t		 k = (size_t)(tenant % FCACHE_N);
	int64_t		 now = util_mono_ms();
	int		 has;

	pthread_mutex_lock(&cache_mu);
	if (fcache[k].fc_at != 0 && fcache[k].fc_tenant == tenant &&
	    now - fcache[k].fc_at < 1000) {
		has = fcache[k].fc_has;
		pthread_mutex_unlock(&cache_mu);
		return has;
	}
	pthread_mutex_unlock(&cache_mu);
	if (db_query(db, &r, "SELECT 1 FROM endpoint_filters WHERE"
	    " tenant_id = ? LIMIT 1", "u", tenant) == -1)
		return -1;
	has = r->r_nrow > 0;
	dbres_free(r);
	pthread_mutex_lock(&cache_mu);
	fcache[k].fc_tenant = tenant;
	fcache[k].fc_has = has;
	fcache[k].fc_at = now;
	pthread_mutex_unlock(&cache_mu);
	return has;
}

enum emit_err
emit_insert(struct db *db, unsigned long long tenant,
    const struct emit_event *ev, unsigned long long *event_id,
    long long *deliveries)
{
	return emit_insert_except(db, tenant, ev, 0, event_id, deliveries);
}

enum emit_err
emit_insert_except(struct db *db, unsigned long long tenant,
    const struct emit_event *ev, unsigned long long except,
    unsigned long long *event_id, long long *deliveries)
{
	char		 pat[72];
	long long	 n;
	int		 has;

	if (db_exec(db, "INSERT INTO events (tenant_id, event_type,"
	    " occurred_at, data) VALUES (?, ?, ?, ?)", "ussb", tenant,
	    ev->e_type, ev->e_occurred_at, ev->e_data, ev->e_data_len) == -1)
		return EMIT_DB;
	*event_id = db_insert_id(db);
	snprintf(pat, sizeof(pat), "%s.*", ev->e_category);
	/* The filters read the event's data from the row just inserted
	 * rather than a second copy sent as a parameter. */
	if (except == 0)
		n = db_exec(db, EMIT_FANOUT("?", "?", "?", "?"), "uussu",
		    *event_id, tenant, ev->e_type, pat, *event_id);
	else
		n = db_exec(db, EMIT_FANOUT_OPS, "uussuu", *event_id, tenant,
		    ev->e_type, pat, except, *event_id);
	if (n == -1)
		return EMIT_DB;
	*deliveries = n;
	/* An operational event leaves the filtered counts alone. */
	if (except != 0)
		return EMIT_OK;
	if ((has = tenant_has_filters(db, tenant)) == -1)
		return EMIT_DB;
	/* A subscribed, enabled endpoint with filters that got no delivery
	 * just now was filtered out: counted without running the filters
	 * twice.  One counter row per endpoint and connection slot (see
	 * endpoint_stats in sql/003_integrations.sql). */
	if (has && db_exec(db, EMIT_COUNT_FILTERED("?", "?", "?", "?"),
	    "ussu", tenant, ev->e_type, pat, *event_id) == -1)
		return EMIT_DB;
	return EMIT_OK;
}

/*
 * Many events go in as multi-row INSERTs of at most 64 rows.  A
 * multi-row INSERT ... VALUES is a "simple insert" to InnoDB: its
 * auto-increment ids are reserved as one block, so they are first,
 * first + step, ... in row order, in every innodb_autoinc_lock_mode
 * (step is auto_increment_increment, 1 but on Galera: see id_step).
 * Row counts are powers of two, so a few prepared statements serve every
 * size.
 */
#define MANY_ROWS_LOG	6		/* 64 rows */
static const char	*many_sql[MANY_ROWS_LOG + 1];
static char		 many_types[(4 << MANY_ROWS_LOG) + 1];
static pthread_once_t	 many_once = PTHREAD_ONCE_INIT;

/* The statements, and the parameter types of the largest: a statement of
 * r rows takes the last 4 * r letters. */
static void
many_sql_build(void)
{
	struct buf	 b;
	size_t		 k, i;

	for (k = 0; k <= MANY_ROWS_LOG; k++) {
		buf_init(&b);
		buf_puts(&b, "INSERT INTO events (tenant_id, event_type,"
		    " occurred_at, data) VALUES ");
		for (i = 0; i < ((size_t)1 << k); i++)
			buf_puts(&b, i == 0 ? "(?, ?, ?, ?)" : ", (?, ?, ?, ?)");
		many_sql[k] = buf_release(&b);
	}
	for (i = 0; i < ((size_t)1 << MANY_ROWS_LOG); i++)
		memcpy(many_types + 4 * i, "ussb", 4);
}

static int
id_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* The increment between two auto-increment ids of a statement, on a
 * single server: the setting, read once (1 unless set); 0 on Galera.
 * There (wsrep_auto_increment_control) it is the number of nodes in the
 * cluster, set anew when one leaves or joins, so a value read after the
 * INSERT may not be the one the INSERT used: the ids are read back
 * instead (ids_read_back). */
static int
id_step(struct db *db, unsigned long long *step)
{
	/* 0: not read yet; ULLONG_MAX: Galera */
	static unsigned long long	 cached;
	struct dbres			*r;

	pthread_mutex_lock(&cache_mu);
	*step = cached;
	pthread_mutex_unlock(&cache_mu);
	if (*step != 0) {
		if (*step == ULLONG_MAX)
			*step = 0;
		return 0;
	}
	if (db_query(db, &r, "SELECT @@auto_increment_increment,"
	    " @@wsrep_on", "") == -1)
		return -1;
	*step = r->r_nrow == 1 ? (unsigned long long)dbres_int(r, 0, 0) : 1;
	if (*step == 0)
		*step = 1;
	if (r->r_nrow == 1 && dbres_int(r, 0, 1) != 0)
		*step = 0;
	dbres_free(r);
	pthread_mutex_lock(&cache_mu);
	cached = *step == 0 ? ULLONG_MAX : *step;
	pthread_mutex_unlock(&cache_mu);
	return 0;
}

/* The ids of the rows the multi-row INSERT just made, from its first:
 * the statement reserved them as one block, so no other statement's id
 * lies among them, and a row of another transaction with a lower id
 * is left out by the bound, one with a higher id by the LIMIT.  Our own
 * rows are seen uncommitted.  0, or -1 (also when fewer came back). */
static int
ids_read_back(struct db *db, unsigned long long first, size_t rows,
    unsigned long long *ids)
{
	struct dbres	*r;
	size_t		 i;
	int		 rc = -1;

	if (db_query(db, &r, "SELECT id FROM events WHERE id >= ?"
	    " ORDER BY id LIMIT ?", "ui", first, (long long)rows) == -1)
		return -1;
	if (r->r_nrow == rows) {
		for (i = 0; i < rows; i++)
			ids[i] = (unsigned long long)dbres_int(r, i, 0);
		rc = 0;
	}
	dbres_free(r);
	return rc;
}

enum emit_err
emit_insert_many(struct db *db, const unsigned long long *tenant,
    const struct emit_event *const *ev, size_t n, unsigned long long *ids,
    long long *nd)
{
	struct db_arg	 args[4 << MANY_ROWS_LOG];
	struct dbres	*r = NULL;
	struct buf	 idj;
	unsigned long long step = 0, id, *at;
	size_t		 done, rows, i, j;
	long long	 fan;
	unsigned	 k;
	int		 has = 0, same = 1;
	enum emit_err	 rc = EMIT_DB;

	if (n == 1)
		return emit_insert(db, tenant[0], ev[0], &ids[0], &nd[0]);
	pthread_once(&many_once, many_sql_build);
	buf_init(&idj);
	buf_putc(&idj, '[');
	for (done = 0; done < n; done += rows) {
		for (k = MANY_ROWS_LOG; ((size_t)1 << k) > n - done; k--)
			;
		rows = (size_t)1 << k;
		for (i = 0; i < rows; i++) {
			const struct emit_event *e = ev[done + i];

			args[4 * i].a_int = (long long)tenant[done + i];
			args[4 * i + 1].a_str = e->e_type;
			args[4 * i + 2].a_str = e->e_occurred_at;
			args[4 * i + 3].a_str = e->e_data;
			args[4 * i + 3].a_len = e->e_data_len;
		}
		if (db_exec_args(db, many_sql[k], many_types +
		    sizeof(many_types) - 1 - 4 * rows, args) == -1)
			goto out;
		if (id_step(db, &step) == -1)
			goto out;
		id = db_insert_id(db);
		if (step == 0) {
			if (ids_read_back(db, id, rows, ids + done) == -1)
				goto out;
		} else
			for (i = 0; i < rows; i++, id += step)
				ids[done + i] = id;
		for (i = 0; i < rows; i++) {
			nd[done + i] = 0;
			if (done + i > 0)
				buf_putc(&idj, ',');
			buf_printf(&idj, "%llu", ids[done + i]);
		}
	}
	buf_putc(&idj, ']');
	for (i = 1; i < n && same; i++)
		same = tenant[i] == tenant[0] &&
		    strcmp(ev[i]->e_type, ev[0]->e_type) == 0;
	/* Does any of the tenants have filters (each asked once a run)? */
	for (i = 0; i < n && has == 0; i++)
		if (i == 0 || tenant[i] != tenant[i - 1])
			if ((has = tenant_has_filters(db, tenant[i])) == -1)
				goto out;
	if ((fan = db_exec(db, EMIT_FANOUT_MANY, "s", buf_cstr(&idj))) == -1)
		goto out;
	if (same && !has && fan % (long long)n == 0) {
		/* One tenant, one type, no filters: every event went to the
		 * same endpoints. */
		for (i = 0; i < n; i++)
			nd[i] = fan / (long long)n;
	} else {
		/* Each event's count, for the answer.  ids ascend, each
		 * chunk after the one before. */
		if (db_query(db, &r, EMIT_COUNT_MANY, "s", buf_cstr(&idj))
		    == -1)
			goto out;
		for (j = 0; j < r->r_nrow; j++) {
			id = (unsigned long long)dbres_int(r, j, 0);
			if ((at = bsearch(&id, ids, n, sizeof(*ids), id_cmp))
			    != NULL)
				nd[at - ids] = dbres_int(r, j, 1);
		}
	}
	if (has && db_exec(db, EMIT_COUNT_FILTERED_MANY, "s",
	    buf_cstr(&idj)) == -1)
		goto out;
	rc = EMIT_OK;
out:
	dbres_free(r);
	buf_free(&idj);
	return rc;
}

int
emit_idem_lookup(struct db *db, unsigned long long tenant, const char *key,
    long long window_ms, int *status, struct buf *out, int *stale)
{
	struct dbres	*r;
	int		 rc = 0;

	*stale = 0;
	if (db_query(db, &r, "SELECT status_code, response, created_at >="
	    " NOW(3) - INTERVAL ? MICROSECOND FROM idempotency_keys"
	    " WHERE tenant_id = ? AND idem_key = ?", "ius",
	    window_ms * 1000, tenant, key) == -1)
		return -1;
	if (r->r_nrow == 1 && dbres_int(r, 0, 2) == 1) {
		*status = (int)dbres_int(r, 0, 0);
		buf_reset(out);
		buf_add(out, dbres_get(r, 0, 1), dbres_len(r, 0, 1));
		rc = 1;
	} else if (r->r_nrow == 1)
		*stale = 1;
	dbres_free(r);
	return rc;
}

int
emit_idem_forget(struct db *db, unsigned long long tenant, const char *key,
    long long window_ms)
{
	return db_exec(db, "DELETE FROM idempotency_keys WHERE"
	    " tenant_id = ? AND idem_key = ? AND created_at <"
	    " NOW(3) - INTERVAL ? MICROSECOND", "usi", tenant, key,
	    window_ms * 1000) == -1 ? -1 : 0;
}

int
emit_idem_store(struct db *db, unsigned long long tenant, const char *key,
    int status, const struct buf *answer)
{
	return db_exec(db, "INSERT INTO idempotency_keys"
	    " (tenant_id, idem_key, status_code, response) VALUES"
	    " (?, ?, ?, ?)", "usib", tenant, key, (long long)status,
	    answer->b_data, answer->b_len) == -1 ? -1 : 0;
}

/* Claiming due deliveries (see claim.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "util.h"

#define CLAIM_TRIES	3
/* The endpoints with due deliveries, the oldest due first, with their
 * tenant and whether endpoint_sched lacks their row: a skip scan of
 * deliveries_due in a procedure (sql/004_scheduling.sql), one index
 * dive per endpoint with pending rows whatever the depth of each
 * backlog, in one round trip; at most 2,000 endpoints per claim.  A
 * deleted endpoint's rows come with tenant 0 and are finished by the
 * orphan path below. */
const char claim_due_sql[] = "CALL webhooks_due_endpoints(2000)";

/* Rows of endpoint_sched exist from an endpoint's first claim on. */
static const char claim_sched_add_sql[] =
    "INSERT IGNORE INTO endpoint_sched (endpoint_id)"
    " SELECT ids.id FROM " DB_IDS_TABLE;

/* The endpoints this claim may take from: another dispatcher claiming
 * from one of them at this moment holds its row, and this claim leaves
 * that endpoint to it. */
static const char claim_lock_sql[] =
    "SELECT s.endpoint_id FROM " DB_IDS_TABLE
    " STRAIGHT_JOIN endpoint_sched s ON s.endpoint_id = ids.id"
    " FOR UPDATE SKIP LOCKED";

/* What the other dispatchers hold, per endpoint: a range of
 * deliveries_held over held rows only.  A lease that ran out no longer
 * counts: its row is due and may be claimed again. */
static const char claim_others_sql[] =
    "SELECT endpoint_id, COUNT(*) FROM deliveries FORCE INDEX (deliveries_held)"
    " WHERE claimed_by IS NOT NULL AND claimed_by <> ?"
    " AND status IN ('pending', 'retrying') AND next_attempt_at > NOW(3)"
    " GROUP BY endpoint_id";

/* The oldest due rows of one endpoint, pending or retrying: a range of
 * deliveries_due on the virtual column queued (sql/005_health.sql; named:
 * with statistics not yet updated after a bulk of new rows, the
 * optimizer would read the status prefix of another index), already in
 * next_attempt_at order.  SKIP LOCKED lets dispatchers claim side by
 * side without waiting on each other's rows. */
#define SELECT_DUE \
    "SELECT id, endpoint_id FROM deliveries FORCE INDEX (deliveries_due)" \
    " WHERE queued = 1 AND endpoint_id = ?" \
    " AND next_attempt_at <= NOW(3)" \
    " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED"
const char claim_select_sql[] = SELECT_DUE;

/* The same for up to eight endpoints in one round trip: arms left over
 * ask endpoint 0 for nothing. */
#define ARM	"(" SELECT_DUE ")"
#define ARMS	8
static const char claim_select8_sql[] =
    ARM " UNION ALL " ARM " UNION ALL " ARM " UNION ALL " ARM
    " UNION ALL " ARM " UNION ALL " ARM " UNION ALL " ARM " UNION ALL " ARM;
#undef ARM

/* STRAIGHT_JOIN: the ids drive, each a primary-key lookup, whatever
 * the statistics of a small or skewed table suggest. */
static const char claim_mark_sql[] =
    "UPDATE " DB_IDS_TABLE " STRAIGHT_JOIN deliveries d ON d.id = ids.id"
    " SET d.claimed_by = ?, d.claim_token = ?,"
    " d.next_attempt_at = NOW(3) + INTERVAL ? MICROSECOND";

static const char claim_load_sql[] =
    "SELECT STRAIGHT_JOIN d.id, d.tenant_id, d.endpoint_id,"
    " d.attempts - LEAST(d.manual_attempts, d.attempts),"
    " e.enabled, e.standard_webhooks, e.url, e.format, e.secret_sealed,"
    " ev.event_type, ev.occurred_at, ev.data,"
    " e.pagerduty_key_sealed, e.headers_sealed, e.tenant_id,"
    " IF(e.prev_secret_expires_at > NOW(3), e.prev_secret_sealed, NULL),"
    " d.manual, d.resume_at IS NOT NULL, ev.test"
    " FROM " DB_IDS_TABLE
    " JOIN deliveries d ON d.id = ids.id"
    " JOIN endpoints e ON e.id = d.endpoint_id"
    " JOIN events ev ON ev.id = d.event_id"
    " WHERE d.claim_token = ?";

static const char claim_orphans_sql[] =
    "UPDATE " DB_IDS_TABLE " STRAIGHT_JOIN deliveries d ON d.id = ids.id"
    " LEFT JOIN endpoints e ON e.id = d.endpoint_id"
    " SET d.status = 'failed', d.last_error = 'endpoint deleted',"
    " d.claimed_by = NULL, d.claim_token = NULL, d.completed_at = NOW(3)"
    " WHERE d.claim_token = ? AND e.id IS NULL";

enum {
	C_ID, C_TENANT, C_ENDPOINT, C_ATTEMPTS, C_ENABLED, C_STANDARD, C_URL,
	C_FORMAT, C_SECRET, C_TYPE, C_OCCURRED, C_DATA, C_PDKEY, C_HEADERS,
	C_EP_TENANT, C_PREV, C_MANUAL, C_RESUME, C_TEST
};

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->j_sealed);
	free(j->j_prev_sealed);
	free(j->j_pdkey_sealed);
	free(j->j_headers_sealed);
	free(j->j_url);
	free(j->j_format);
	free(j->j_type);
	free(j->j_occurred_at);
	free(j->j_data);
	free(j);
}

/* Random, non-zero and within BIGINT's signed range, so it also fits
 * anything that reads the column as a signed number. */
static unsigned long long
new_token(void)
{
	uint64_t	 t = 0;

	while (t == 0) {
		if (cr_random(&t, sizeof(t)) == -1)
			t = (uint64_t)util_now_ms() ^ (uint64_t)util_mono_ms() << 20;
		t &= INT64_MAX;
	}
	return t;
}

static char *
col_dup(const struct dbres *r, size_t row, unsigned col)
{
	const char	*v = dbres_get(r, row, col);

	return xstrndup(v != NULL ? v : "", dbres_len(r, row, col));
}

static struct job *
job_from_row(const struct dbres *r, size_t i, unsigned long long token)
{
	struct job	*j;

	j = xcalloc(1, sizeof(*j));
	j->j_id = (unsigned long long)dbres_int(r, i, C_ID);
	j->j_tenant = (unsigned long long)dbres_int(r, i, C_TENANT);
	j->j_endpoint = (unsigned long long)dbres_int(r, i, C_ENDPOINT);
	j->j_attempts = (unsigned)dbres_int(r, i, C_ATTEMPTS);
	j->j_token = token;
	j->j_manual = dbres_int(r, i, C_MANUAL) != 0;
	j->j_resume = dbres_int(r, i, C_RESUME) != 0;
	j->j_test = dbres_int(r, i, C_TEST) != 0;
	j->j_enabled = dbres_int(r, i, C_ENABLED) != 0;
	j->j_standard = dbres_int(r, i, C_STANDARD) != 0;
	j->j_url = col_dup(r, i, C_URL);
	j->j_format = col_dup(r, i, C_FORMAT);
	j->j_type = col_dup(r, i, C_TYPE);
	j->j_occurred_at = col_dup(r, i, C_OCCURRED);
	j->j_data = col_dup(r, i, C_DATA);
	j->j_data_len = dbres_len(r, i, C_DATA);
	j->j_sealed = col_dup(r, i, C_SECRET);
	j->j_ep_tenant = (unsigned long long)dbres_int(r, i, C_EP_TENANT);
	/* The secret a rotation replaced, while its overlap lasts. */
	if (dbres_get(r, i, C_PREV) != NULL)
		j->j_prev_sealed = col_dup(r, i, C_PREV);
	if (dbres_get(r, i, C_PDKEY) != NULL)
		j->j_pdkey_sealed = col_dup(r, i, C_PDKEY);
	if (dbres_get(r, i, C_HEADERS) != NULL)
		j->j_headers_sealed = col_dup(r, i, C_HEADERS);
	return j;
}

void
claim_ids_json(const struct dbres *r, struct buf *out)
{
	size_t	 i;

	buf_putc(out, '[');
	for (i = 0; i < r->r_nrow; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_puts(out, dbres_get(r, i, 0));
	}
	buf_putc(out, ']');
}

/* A due endpoint as the claim sees it. */
struct due {
	unsigned long long	 du_id;
	unsigned long long	 du_tenant;
	unsigned		 du_room;	/* may take at most */
	unsigned		 du_mine;	/* held here */
	unsigned		 du_got;	/* claimed */
	unsigned		 du_want;	/* allotted */
	int			 du_locked;	/* ours for this claim */
};

int
claim_held_cmp(const void *a, const void *b)
{
	const struct claim_held	*x = a, *y = b;

	return x->ch_id < y->ch_id ? -1 : x->ch_id > y->ch_id;
}

static const struct claim_held *
held_find(const struct claim_held *v, size_t n, unsigned long long id)
{
	size_t	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].ch_id == id)
			return &v[mid];
		if (v[mid].ch_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static unsigned
held_of(const struct claim_held *v, size_t n, unsigned long long id)
{
	const struct claim_held	*h = held_find(v, n, id);

	return h != NULL ? h->ch_n : 0;
}

/* Column 0 (and 1, a count, when there is one) of r as claim_held
 * entries sorted by id, for held_find: the locked endpoints and what
 * others hold are looked up once per due endpoint, and a claim may see
 * two thousand of each. */
static struct claim_held *
held_sorted(const struct dbres *r, int counted)
{
	struct claim_held	*v;
	size_t			 i;

	v = xcalloc(r->r_nrow + 1, sizeof(*v));
	for (i = 0; i < r->r_nrow; i++) {
		v[i].ch_id = (unsigned long long)dbres_int(r, i, 0);
		v[i].ch_n = counted ? (unsigned)dbres_int(r, i, 1) : 1;
	}
	qsort(v, r->r_nrow, sizeof(*v), claim_held_cmp);
	return v;
}

/* The endpoints with due deliveries, oldest due first, into *out; the
 * ones without a row in endpoint_sched get one.  Returns how many, or
 * -1. */
static int
due_endpoints(struct db *db, struct due **out)
{
	struct dbres	*r;
	struct buf	 add;
	struct due	*v;
	size_t		 i, nadd = 0;

	*out = NULL;
	if (db_query(db, &r, claim_due_sql, "") == -1)
		return -1;
	v = xcalloc(r->r_nrow + 1, sizeof(*v));
	buf_init(&add);
	buf_putc(&add, '[');
	for (i = 0; i < r->r_nrow; i++) {
		v[i].du_id = (unsigned long long)dbres_int(r, i, 0);
		v[i].du_tenant = (unsigned long long)dbres_int(r, i, 1);
		if (dbres_int(r, i, 2) != 0)
			buf_printf(&add, "%s%llu", nadd++ ? "," : "",
			    v[i].du_id);
	}
	buf_putc(&add, ']');
	i = r->r_nrow;
	dbres_free(r);
	/* On its own, before the claim's transaction: a new endpoint's
	 * row, committed at once, takes no lock the claim then holds. */
	if (nadd > 0 && db_exec(db, claim_sched_add_sql, "s", buf_cstr(&add))
	    == -1) {
		buf_free(&add);
		free(v);
		return -1;
	}
	buf_free(&add);
	*out = v;
	return (int)i;
}

/* Share room out: tenants take turns, one delivery each per turn, and
 * within a tenant its endpoints take turns, the oldest due first (the
 * order of v).  Returns the total allotted; *more when an endpoint was
 * left with due rows it had room for but the tenant or the claim had
 * not. */
static unsigned
allot(struct due *v, size_t n, const struct claim_room *room,
    unsigned total, int *more)
{
	struct turn {
		unsigned long long	 t_id;
		unsigned		 t_room;
		size_t			 t_first;	/* into order */
		size_t			 t_n;
		size_t			 t_next;	/* 0 .. t_n - 1 */
	}			*tv;
	size_t			*order, nt = 0, i, k, m, j;
	unsigned		 given = 0, held;
	int			 progress;

	tv = xcalloc(n + 1, sizeof(*tv));
	order = xcalloc(n + 1, sizeof(*order));
	/* The tenants in the order of their oldest due endpoint, and each
	 * tenant's endpoints in theirs: order[] holds the indexes of v
	 * grouped by tenant. */
	for (i = 0; i < n; i++) {
		if (!v[i].du_locked || v[i].du_room == 0)
			continue;
		for (k = 0; k < nt && tv[k].t_id != v[i].du_tenant; k++)
			continue;
		if (k == nt) {
			tv[nt].t_id = v[i].du_tenant;
			held = held_of(room->cr_tenants, room->cr_ntenants,
			    v[i].du_tenant);
			tv[nt].t_room = held < room->cr_tenant_window ?
			    room->cr_tenant_window - held : 0;
			nt++;
		}
		tv[k].t_n++;
	}
	for (k = 0, m = 0; k < nt; k++) {
		tv[k].t_first = m;
		m += tv[k].t_n;
		tv[k].t_n = 0;
	}
	for (i = 0; i < n; i++) {
		if (!v[i].du_locked || v[i].du_room == 0)
			continue;
		for (k = 0; tv[k].t_id != v[i].du_tenant; k++)
			continue;
		order[tv[k].t_first + tv[k].t_n++] = i;
	}
	do {
		progress = 0;
		for (k = 0; k < nt && given < total; k++) {
			/* The tenant's next endpoint with room left, after
			 * the one served last, round its list. */
			for (m = 0; tv[k].t_room > 0 && m < tv[k].t_n; m++) {
				j = order[tv[k].t_first +
				    (tv[k].t_next + m) % tv[k].t_n];
				if (v[j].du_want >= v[j].du_room)
					continue;
				v[j].du_want++;
				tv[k].t_room--;
				given++;
				progress = 1;
				tv[k].t_next = (tv[k].t_next + m + 1) % tv[k].t_n;
				break;
			}
		}
	} while (progress && given < total);
	/* Due rows stay behind for want of the claim's or the tenant's
	 * room, or of the endpoint's while this dispatcher holds some of
	 * it: claim again as those are done. */
	for (i = 0; i < n; i++)
		if (v[i].du_locked && (v[i].du_want < v[i].du_room ||
		    (v[i].du_room == 0 && v[i].du_mine > 0)))
			*more = 1;
	free(tv);
	free(order);
	return given;
}

/* How many deliveries each locked endpoint may take now. */
static void
set_room(struct due *v, size_t n, const struct dbres *others,
    const struct claim_room *room)
{
	const struct claim_held	*h;
	struct claim_held	*oth;
	unsigned		 mine, theirs, cap, live, held_eps = 0;
	size_t			 i, share, fresh, kept;

	/*
	 * Endpoints new to this dispatcher are taken only up to its share
	 * of the due ones, so that dispatchers started side by side spread
	 * the endpoints among them instead of the first to claim holding
	 * them all (an endpoint stays with whoever holds its deliveries).
	 * The share counts the due endpoints this dispatcher holds already;
	 * alone, its share is every due endpoint.
	 */
	oth = held_sorted(others, 1);
	for (i = 0; i < n; i++) {
		if (!v[i].du_locked)
			continue;
		theirs = held_of(oth, others->r_nrow, v[i].du_id);
		h = held_find(room->cr_eps, room->cr_neps, v[i].du_id);
		mine = h != NULL ? h->ch_n : 0;
		v[i].du_mine = mine;
		/* Alone on an endpoint, a dispatcher holds a window of
		 * deliveries and keeps at most endpoint_concurrency in
		 * flight; shared, all of them together hold no more than
		 * endpoint_concurrency. */
		cap = theirs == 0 ? (h != NULL && h->ch_window > 0 ?
		    h->ch_window : room->cr_ep_cap) :
		    theirs < room->cr_ep_cap ? room->cr_ep_cap - theirs : 0;
		v[i].du_room = mine < cap ? cap - mine : 0;
		v[i].du_want = 0;
		held_eps += mine > 0;
	}
	free(oth);
	live = room->cr_live > 0 ? room->cr_live : 1;
	share = (n + live - 1) / live;
	/* Holding more endpoints than its share (it claimed before the
	 * others started), a dispatcher stops feeding the surplus, the
	 * newest due first: once their deliveries are done, the others
	 * take them. */
	kept = 0;
	for (i = 0; i < n; i++) {
		if (!v[i].du_locked || v[i].du_mine == 0)
			continue;
		if (kept < share)
			kept++;
		else
			v[i].du_room = 0;
	}
	fresh = share > held_eps ? share - held_eps : 0;
	for (i = 0; i < n; i++) {
		if (!v[i].du_locked || v[i].du_mine > 0 || v[i].du_room == 0)
			continue;
		if (fresh == 0)
			v[i].du_room = 0;
		else
			fresh--;
	}
}

/* Lock, size, select and mark in one short transaction.  Returns the
 * number of rows claimed (their ids as a JSON array in ids), 0 for
 * none, -1 on error. */
static int
claim_mark(struct db *db, const struct conf *cf, const char *id,
    const struct claim_room *room, struct due *v, size_t n,
    unsigned long long token, struct buf *ids, int *more)
{
	struct dbres	*r = NULL, *others = NULL;
	struct claim_held *locked;
	struct buf	 eps;
	size_t		 i, k, got;
	int		 try;

	buf_init(&eps);
	buf_putc(&eps, '[');
	for (i = 0; i < n; i++)
		buf_printf(&eps, "%s%llu", i ? "," : "", v[i].du_id);
	buf_putc(&eps, ']');
	for (try = 0; try < CLAIM_TRIES; try++) {
		buf_reset(ids);
		got = 0;
		*more = 0;
		/* In read committed (CLAIM_SESSION_SQL): no gap locks, so
		 * ingest inserting new pending rows never waits behind a
		 * claim. */
		if (db_begin(db) == -1)
			goto err;
		if (db_query(db, &r, claim_lock_sql, "s", buf_cstr(&eps)) == -1)
			goto fail;
		locked = held_sorted(r, 0);
		for (i = 0; i < n; i++)
			v[i].du_locked = held_find(locked, r->r_nrow,
			    v[i].du_id) != NULL;
		free(locked);
		dbres_free(r);
		r = NULL;
		/* Counted after the lock: a claim of another dispatcher on
		 * these endpoints has committed by now and is seen. */
		if (db_query(db, &others, claim_others_sql, "s", id) == -1)
			goto fail;
		set_room(v, n, others, room);
		dbres_free(others);
		others = NULL;
		allot(v, n, room, room->cr_total, more);
		buf_putc(ids, '[');
		for (i = 0; i < n; i++)
			v[i].du_got = 0;
		for (i = 0; i < n;) {
			unsigned long long	 ep[ARMS] = { 0 };
			long long		 lim[ARMS] = { 0 };
			size_t			 a, at[ARMS], x;

			for (a = 0; a < ARMS && i < n; i++) {
				if (v[i].du_want == 0)
					continue;
				at[a] = i;
				ep[a] = v[i].du_id;
				lim[a++] = v[i].du_want;
				/* All it has room for: there may be more; a
				 * short answer below says there is not. */
				if (v[i].du_want == v[i].du_room)
					*more = 1;
			}
			if (a == 0)
				break;
			if (db_query(db, &r, claim_select8_sql,
			    "uiuiuiuiuiuiuiui", ep[0], lim[0], ep[1], lim[1],
			    ep[2], lim[2], ep[3], lim[3], ep[4], lim[4], ep[5],
			    lim[5], ep[6], lim[6], ep[7], lim[7]) == -1)
				goto fail;
			for (k = 0; k < r->r_nrow; k++) {
				buf_printf(ids, "%s%s", got++ ? "," : "",
				    dbres_get(r, k, 0));
				for (x = 0; x < a; x++)
					if (ep[x] == (unsigned long long)
					    dbres_int(r, k, 1))
						v[at[x]].du_got++;
			}
			dbres_free(r);
			r = NULL;
		}
		buf_putc(ids, ']');
		if (got == 0) {
			buf_free(&eps);
			return db_commit(db) == -1 ? -1 : 0;
		}
		if (db_exec(db, claim_mark_sql, "ssui", buf_cstr(ids), id,
		    token, cf->cf_lease_ms * 1000) == -1)
			goto fail;
		if (db_commit(db) == -1)
			goto fail;
		buf_free(&eps);
		return (int)got;
fail:
		dbres_free(r);
		dbres_free(others);
		r = others = NULL;
		db_rollback(db);
		/* A conflict, or a connection lost before COMMIT (the
		 * proxy's failover to another node): the claim rolled back
		 * whole and is run again, on a new connection if need be. */
		if (!db_tx_again(db))
			break;
		log_debug("claim: %s; trying again", db_error(db));
	}
err:
	buf_free(&eps);
	return -1;
}

void
claim_cache_free(struct claim_cache *c)
{
	free(c->cc_due);
	c->cc_due = NULL;
	c->cc_n = 0;
}

/* After a claim: an endpoint that gave fewer rows than it was asked
 * for has no more due, and leaves the cache. */
static void
cache_prune(struct claim_cache *c)
{
	size_t	 i, k;

	for (i = 0, k = 0; i < c->cc_n; i++)
		if (!(c->cc_due[i].du_locked && c->cc_due[i].du_want > 0 &&
		    c->cc_due[i].du_got < c->cc_due[i].du_want))
			c->cc_due[k++] = c->cc_due[i];
	c->cc_n = k;
}

int
claim_batch(struct db *db, const struct conf *cf, const char *id,
    const struct claim_room *room, struct claim_cache *cache,
    struct job **out, int *more)
{
	struct dbres		*r;
	struct buf		 ids;
	struct job		*head = NULL, **tail = &head;
	unsigned long long	 token = new_token();
	size_t			 i;
	int			 n, ndue, looked = 0;

	*out = NULL;
	*more = 0;
	if (room->cr_total == 0)
		return 0;
	if (room->cr_rediscover || cache->cc_n == 0) {
		claim_cache_free(cache);
		if ((ndue = due_endpoints(db, &cache->cc_due)) <= 0)
			return ndue;
		cache->cc_n = (size_t)ndue;
		looked = 1;
	}
	buf_init(&ids);
	n = claim_mark(db, cf, id, room, cache->cc_due, cache->cc_n, token,
	    &ids, more);
	if (n > 0)
		cache_prune(cache);
	else {
		/* Nothing from what the last look found: look anew next
		 * time, and say so now if this claim did not. */
		claim_cache_free(cache);
		if (n == 0 && !looked)
			*more = 1;
	}
	if (n <= 0) {
		buf_free(&ids);
		return n;
	}
	/* Committed: these rows are ours until the lease ends.  If the
	 * load fails they fall due again when it does. */
	if (db_query(db, &r, claim_load_sql, "su", buf_cstr(&ids), token)
	    == -1) {
		buf_free(&ids);
		return -1;
	}
	/* A row the join lost belongs to an endpoint deleted since it
	 * was created (the endpoint's delete fails those it finds, but not
	 * one held by a dispatcher): finish it the same way. */
	if (r->r_nrow < (size_t)n && db_exec(db, claim_orphans_sql, "su",
	    buf_cstr(&ids), token) == -1)
		log_warn("claim: %s", db_error(db));
	buf_free(&ids);
	for (i = 0; i < r->r_nrow; i++) {
		*tail = job_from_row(r, i, token);
		tail = &(*tail)->j_next;
	}
	dbres_free(r);
	*out = head;
	return n;
}

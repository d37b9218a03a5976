/* Recording delivery outcomes in batches (see record.h). */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "db.h"
#include "delivery.h"
#include "jsonw.h"
#include "log.h"
#include "metric.h"
#include "notice.h"
#include "quota.h"
#include "record.h"
#include "send.h"
#include "utf8.h"
#include "util.h"

/* A batch is written when it holds this many results or its oldest has
 * waited REC_WAIT_MS: few transactions under load, little delay when
 * quiet. */
#define REC_BATCH	200
#define REC_WAIT_MS	50
/* JSON text of a batch larger than this is split over transactions,
 * well below MariaDB's default 16 MiB max_allowed_packet. */
#define REC_MAX_JSON	(4 * 1024 * 1024)
#define REC_TRIES	3
#define RETENTION_ROWS	1000

static const char GONE_REASON[] = "receiver answered 410 Gone";

enum rec_kind { RK_ATTEMPT, RK_RELEASE, RK_PAUSE };

struct rec {
	enum rec_kind		 r_kind;
	unsigned long long	 r_id;
	unsigned long long	 r_endpoint;
	unsigned long long	 r_token;
	enum rec_status		 r_status;
	int64_t			 r_started;	/* mono ms, RK_ATTEMPT */
	int64_t			 r_duration;	/* ms */
	int64_t			 r_due;		/* mono ms it is due again */
	long			 r_code;	/* 0: no HTTP answer */
	char			*r_error;	/* NULL: none */
	char			*r_snippet;	/* NULL: no answer */
	size_t			 r_snippet_len;
	char			*r_headers;
	char			*r_resp_headers; /* NULL: no answer */
	int			 r_gone;
	int			 r_ok;		/* RK_ATTEMPT: delivered */
	int			 r_manual;	/* by hand: not on the schedule */
	int			 r_resume;	/* back to the interrupted retry */
	int			 r_uncertain;	/* its COMMIT was cut off */
	int			 r_written;	/* ... and had written it */
	size_t			 r_bytes;	/* its texts, roughly */
};

struct recs {
	struct rec		*rs_v;
	size_t			 rs_n;
	size_t			 rs_cap;
	size_t			 rs_bytes;	/* sum of r_bytes */
};

/* Results are queued by the sending thread and written by the
 * database thread: rc_mu guards rc_q and rc_oldest. */
struct recorder {
	const struct conf	*rc_cf;
	struct db		*rc_db;
	char			*rc_dispatcher;
	unsigned		 rc_slot;	/* its metric_counters rows */
	pthread_mutex_t		 rc_mu;
	struct recs		 rc_q;
	int64_t			 rc_oldest;	/* mono ms of rc_q's first */
};

static const char *const status_names[] = {
	[RS_RETRYING] = "retrying",
	[RS_DELIVERED] = "delivered",
	[RS_FAILED] = "failed",
	[RS_DROPPED] = "dropped",
};

void
record_classify(const struct conf *cf, unsigned attempts,
    const struct attempt *at, struct verdict *v)
{
	long		 code = at->at_status;
	long long	 ra_ms = 0;

	memset(v, 0, sizeof(*v));
	snprintf(v->v_error, sizeof(v->v_error), "%s", at->at_error);
	switch (at->at_fail) {
	case SF_REFUSED:
	case SF_INVALID:
		v->v_status = RS_FAILED;
		return;
	case SF_NETWORK:
	case SF_LOCAL:
		break;
	case SF_NONE:
		if (code >= 200 && code <= 299) {
			v->v_status = RS_DELIVERED;
			return;
		}
		if (code >= 300 && code <= 399) {
			v->v_status = RS_FAILED;
			snprintf(v->v_error, sizeof(v->v_error), "redirect not "
			    "followed (3xx): Location %s", at->at_location ?
			    at->at_location : "(none)");
			return;
		}
		if (code == 410) {
			v->v_status = RS_FAILED;
			v->v_gone = 1;
			snprintf(v->v_error, sizeof(v->v_error), "%s; the "
			    "endpoint is now disabled", GONE_REASON);
			return;
		}
		/* 408 says the receiver gave up waiting for us: a
		 * transient condition like a 5xx, so it is retried. */
		if (code == 429 && at->at_retry_after > 0) {
			ra_ms = (long long)at->at_retry_after * 1000;
			if (ra_ms > cf->cf_retry_after_max_ms)
				ra_ms = cf->cf_retry_after_max_ms;
			snprintf(v->v_error, sizeof(v->v_error), "receiver "
			    "asked to retry after %ld s", at->at_retry_after);
		} else if (code >= 400 && code <= 499 && code != 408 &&
		    code != 429) {
			v->v_status = RS_FAILED;
			return;
		}
		break;
	}
	/* Compared before any + 1, which could wrap. */
	if (attempts >= cf->cf_retry_n) {
		v->v_status = RS_DROPPED;
		return;
	}
	v->v_status = RS_RETRYING;
	v->v_delay_ms = cf->cf_retry_ms[attempts];
	if (ra_ms > v->v_delay_ms)
		v->v_delay_ms = ra_ms;
}

void
record_manual(int manual, struct verdict *v)
{
	size_t	 n;

	if (manual == 0 || v->v_status == RS_DELIVERED || v->v_gone)
		return;
	if (manual == 2) {
		v->v_status = RS_RETRYING;
		v->v_resume = 1;
		v->v_delay_ms = 0;
		return;
	}
	/* What would be retried is dropped: it has no retries. */
	if (v->v_status == RS_RETRYING) {
		v->v_status = RS_DROPPED;
		v->v_delay_ms = 0;
	}
	n = strlen(v->v_error);
	snprintf(v->v_error + n, sizeof(v->v_error) - n, "%s%s",
	    n > 0 ? "; " : "", "a single attempt by hand: not retried");
}

struct recorder *
record_new(const struct conf *cf, struct db *db, const char *dispatcher)
{
	struct recorder	*rc;

	rc = xcalloc(1, sizeof(*rc));
	rc->rc_cf = cf;
	rc->rc_db = db;
	rc->rc_dispatcher = xstrdup(dispatcher);
	rc->rc_slot = metric_slot(dispatcher);
	pthread_mutex_init(&rc->rc_mu, NULL);
	return rc;
}

static void
rec_clear(struct rec *r)
{
	free(r->r_error);
	free(r->r_snippet);
	free(r->r_headers);
	free(r->r_resp_headers);
}

static void
recs_free(struct recs *w)
{
	size_t	 i;

	for (i = 0; i < w->rs_n; i++)
		rec_clear(&w->rs_v[i]);
	free(w->rs_v);
	memset(w, 0, sizeof(*w));
}

static void
recs_push(struct recs *w, const struct rec *r)
{
	if (w->rs_n == w->rs_cap) {
		w->rs_cap = w->rs_cap ? w->rs_cap * 2 : 64;
		w->rs_v = xrealloc(w->rs_v, w->rs_cap * sizeof(*w->rs_v));
	}
	w->rs_v[w->rs_n++] = *r;
	w->rs_bytes += r->r_bytes;
}

static void
recs_drop_front(struct recs *w, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		w->rs_bytes -= w->rs_v[i].r_bytes;
		rec_clear(&w->rs_v[i]);
	}
	memmove(w->rs_v, w->rs_v + n, (w->rs_n - n) * sizeof(*w->rs_v));
	w->rs_n -= n;
}

void
record_free(struct recorder *rc)
{
	if (rc == NULL)
		return;
	recs_free(&rc->rc_q);
	pthread_mutex_destroy(&rc->rc_mu);
	free(rc->rc_dispatcher);
	free(rc);
}

static void
rec_init(struct rec *r, enum rec_kind kind, const struct job *j)
{
	memset(r, 0, sizeof(*r));
	r->r_kind = kind;
	r->r_id = j->j_id;
	r->r_endpoint = j->j_endpoint;
	r->r_token = j->j_token;
}

static void
enqueue(struct recorder *rc, const struct rec *r)
{
	pthread_mutex_lock(&rc->rc_mu);
	if (rc->rc_q.rs_n == 0)
		rc->rc_oldest = util_mono_ms();
	recs_push(&rc->rc_q, r);
	pthread_mutex_unlock(&rc->rc_mu);
}

void
record_attempt(struct recorder *rc, const struct job *j,
    const struct attempt *at, struct verdict *out)
{
	struct verdict	 v;
	struct rec	 r;

	record_classify(rc->rc_cf, j->j_attempts, at, &v);
	record_manual(j->j_manual ? 1 + j->j_resume : 0, &v);
	rec_init(&r, RK_ATTEMPT, j);
	r.r_status = v.v_status;
	r.r_started = at->at_started;
	r.r_duration = at->at_ended - at->at_started;
	/* Measured from the failure, as the schedule promises, however
	 * long the write waits. */
	r.r_due = at->at_ended + v.v_delay_ms;
	r.r_code = at->at_fail == SF_NONE ? at->at_status : 0;
	if (v.v_error[0] != '\0')
		r.r_error = utf8_clean(v.v_error, strlen(v.v_error), NULL);
	if (at->at_fail == SF_NONE)
		r.r_snippet = utf8_clean(at->at_snippet.b_data,
		    at->at_snippet.b_len, &r.r_snippet_len);
	if (at->at_headers != NULL)
		r.r_headers = utf8_clean(at->at_headers,
		    strlen(at->at_headers), NULL);
	if (at->at_fail == SF_NONE && at->at_resp_headers.b_len > 0)
		r.r_resp_headers = utf8_clean(at->at_resp_headers.b_data,
		    at->at_resp_headers.b_len, NULL);
	r.r_gone = v.v_gone;
	r.r_ok = v.v_status == RS_DELIVERED;
	r.r_manual = j->j_manual;
	r.r_resume = v.v_resume;
	r.r_bytes = r.r_snippet_len + (r.r_headers != NULL ?
	    strlen(r.r_headers) : 0) + (r.r_resp_headers != NULL ?
	    strlen(r.r_resp_headers) : 0);
	enqueue(rc, &r);
	if (out != NULL)
		*out = v;
}

void
record_release(struct recorder *rc, const struct job *j, int64_t delay_ms)
{
	struct rec	 r;

	rec_init(&r, RK_RELEASE, j);
	r.r_due = util_mono_ms() + delay_ms;
	enqueue(rc, &r);
}

void
record_pause(struct recorder *rc, const struct job *j)
{
	struct rec	 r;

	rec_init(&r, RK_PAUSE, j);
	enqueue(rc, &r);
}

size_t
record_pending(struct recorder *rc)
{
	size_t	 n;

	pthread_mutex_lock(&rc->rc_mu);
	n = rc->rc_q.rs_n;
	pthread_mutex_unlock(&rc->rc_mu);
	return n;
}

int64_t
record_due(struct recorder *rc)
{
	int64_t	 t;

	pthread_mutex_lock(&rc->rc_mu);
	if (rc->rc_q.rs_n == 0)
		t = INT64_MAX;
	else if (rc->rc_q.rs_n >= REC_BATCH ||
	    rc->rc_q.rs_bytes >= REC_MAX_JSON)
		t = 0;
	else
		t = rc->rc_oldest + REC_WAIT_MS;
	pthread_mutex_unlock(&rc->rc_mu);
	return t;
}

/*
 * A batch goes to the database as one JSON array (one bound parameter),
 * one object per result, and each kind of change is one statement over
 * JSON_TABLE: a handful of round trips per batch instead of two per
 * delivery.  Keys: k kind ("a" attempt, "r" release, "p" pause), i id,
 * t claim token, p endpoint, s status, a microseconds since the attempt
 * started, d duration ms, n microseconds until it is due again, c HTTP
 * status, e error, b response, h request headers, x 1 = attempt already
 * on record.  a and n count from when the array was built; each
 * statement passes how long ago that was, since NOW(3) is the start of
 * that statement.  Times thus follow the database's clock and the
 * monotonic one, never the dispatcher's wall clock.
 */
/* The columns each statement reads, and no more: JSON_TABLE extracts
 * every column it declares from every row, and the response and headers
 * texts are most of the bytes. */
#define C_KIND	" k CHAR(1) PATH '$.k', id BIGINT UNSIGNED PATH '$.i'"
#define C_TOKEN	", token BIGINT UNSIGNED PATH '$.t'"
#define C_EP	", ep BIGINT UNSIGNED PATH '$.p'"
#define C_DUE	", nxt BIGINT PATH '$.n'"
#define C_RES \
    ", ago BIGINT PATH '$.a', dur BIGINT PATH '$.d'," \
    " code SMALLINT PATH '$.c'," \
    " err VARCHAR(500) CHARACTER SET utf8mb4 PATH '$.e'"
#define C_ST	", st VARCHAR(10) PATH '$.s', man TINYINT PATH '$.m'," \
    " res TINYINT PATH '$.r'"
#define C_TEXTS \
    ", body MEDIUMTEXT CHARACTER SET utf8mb4 PATH '$.b'," \
    " hdrs TEXT CHARACTER SET utf8mb4 PATH '$.h'," \
    " rhdrs TEXT CHARACTER SET utf8mb4 PATH '$.g', skip TINYINT PATH '$.x'"
#define ROWS(cols)	"JSON_TABLE(?, '$[*]' COLUMNS (" cols ")) r"
/* The claim token leaves alone a row claimed again after our lease
 * ended; the status, one failed meanwhile by its endpoint's delete. */
#define OURS	" STRAIGHT_JOIN deliveries d ON d.id = r.id" \
    " AND d.claim_token = r.token AND d.status IN ('pending', 'retrying')"

static const char update_attempts_sql[] =
    "UPDATE " ROWS(C_KIND C_TOKEN C_ST C_RES C_DUE) OURS
    " SET d.status = r.st, d.attempts = d.attempts + 1,"
    " d.last_attempt_at = NOW(3) - INTERVAL (r.ago + ?) MICROSECOND,"
    " d.last_status_code = r.code, d.last_error = r.err,"
    " d.last_duration_ms = r.dur, d.claimed_by = NULL, d.claim_token = NULL,"
    " d.next_attempt_at = IF(r.res = 1, COALESCE(d.resume_at, NOW(3)),"
    " NOW(3) + INTERVAL (r.nxt - ?) MICROSECOND),"
    " d.manual_attempts = d.manual_attempts + COALESCE(r.man, 0),"
    " d.manual = 0,"
    " d.completed_at = IF(r.st = 'retrying', NULL, NOW(3))"
    " WHERE r.k = 'a'";

/* Every attempt is history, also one whose row was claimed again. */
static const char insert_attempts_sql[] =
    "INSERT INTO attempts (delivery_id, endpoint_id, started_at,"
    " duration_ms, status_code, error, response_snippet, request_headers,"
    " response_headers, dispatcher)"
    " SELECT r.id, r.ep, NOW(3) - INTERVAL (r.ago + ?) MICROSECOND, r.dur,"
    " r.code, r.err, r.body, r.hdrs, r.rhdrs, ? FROM "
    ROWS(C_KIND C_EP C_RES C_TEXTS)
    " WHERE r.k = 'a' AND r.skip IS NULL";

static const char release_sql[] =
    "UPDATE " ROWS(C_KIND C_TOKEN C_DUE) OURS
    " SET d.claimed_by = NULL, d.claim_token = NULL,"
    " d.next_attempt_at = NOW(3) + INTERVAL GREATEST(r.nxt - ?, 0)"
    " MICROSECOND WHERE r.k = 'r'";

/* Checked against the endpoint as it is now, so an enable that resumed
 * the paused rows meanwhile is not undone. */
static const char pause_sql[] =
    "UPDATE " ROWS(C_KIND C_TOKEN) OURS
    " STRAIGHT_JOIN endpoints e ON e.id = d.endpoint_id"
    " SET d.status = IF(e.enabled = 1, 'pending', 'paused'),"
    " d.claimed_by = NULL, d.claim_token = NULL, d.next_attempt_at = NOW(3)"
    " WHERE r.k = 'p'";

/* Endpoint health, written only when it changes (sql/005_health.sql):
 * an endpoint whose last attempt in the batch succeeded is healthy
 * again; one whose last failed adds its failures since its last success
 * in the batch (f.n; f.z 1 when there was one: the count starts anew)
 * and, if it was healthy, is failing since the first of them (f.a
 * microseconds before the array was built). */
static const char health_ok_sql[] =
    "UPDATE " DB_IDS_TABLE " STRAIGHT_JOIN endpoints e ON e.id = ids.id"
    " SET e.failing_since = NULL, e.fail_streak = 0, e.failing_noticed = 0"
    " WHERE e.failing_since IS NOT NULL";
static const char health_bad_sql[] =
    "UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$.p',"
    " n INT PATH '$.n', z TINYINT PATH '$.z', a BIGINT PATH '$.a')) f"
    " STRAIGHT_JOIN endpoints e ON e.id = f.id"
    " SET e.fail_streak = IF(f.z = 1, f.n, e.fail_streak + f.n),"
    " e.failing_noticed = IF(f.z = 1, 0, e.failing_noticed),"
    " e.failing_since = IF(f.z = 1 OR e.failing_since IS NULL,"
    " NOW(3) - INTERVAL (f.a + ?) MICROSECOND, e.failing_since)";

/* After a COMMIT that was cut off: the results whose rows still hold
 * our claim were not written. */
static const char unwritten_sql[] =
    "SELECT r.id FROM " ROWS(C_KIND C_TOKEN) OURS " WHERE r.k = 'a'";

static const char *const kind_keys[] = {
	[RK_ATTEMPT] = "a", [RK_RELEASE] = "r", [RK_PAUSE] = "p"
};

static void
json_key_str(struct buf *js, const char *key, const char *v)
{
	if (v == NULL)
		return;
	buf_printf(js, ",\"%s\":", key);
	jw_str(js, v);
}

/* The array for recs [from, *to), stopping early at REC_MAX_JSON.
 * n[kind] counts each kind. */
static void
batch_json(const struct recs *w, size_t from, size_t *to, int64_t ref,
    size_t n[3], struct buf *js)
{
	const struct rec *r;
	size_t		 i;

	n[RK_ATTEMPT] = n[RK_RELEASE] = n[RK_PAUSE] = 0;
	buf_reset(js);
	buf_putc(js, '[');
	for (i = from; i < *to && (i == from || js->b_len < REC_MAX_JSON);
	    i++) {
		r = &w->rs_v[i];
		n[r->r_kind]++;
		buf_printf(js, "%s{\"k\":\"%s\",\"i\":%llu,\"t\":%llu,"
		    "\"p\":%llu,\"n\":%lld", i > from ? "," : "",
		    kind_keys[r->r_kind], r->r_id, r->r_token, r->r_endpoint,
		    (long long)(r->r_due - ref) * 1000);
		if (r->r_kind == RK_ATTEMPT) {
			buf_printf(js, ",\"s\":\"%s\",\"a\":%lld,\"d\":%lld",
			    status_names[r->r_status],
			    (long long)(ref - r->r_started) * 1000,
			    (long long)r->r_duration);
			if (r->r_manual)
				buf_puts(js, ",\"m\":1");
			if (r->r_resume)
				buf_puts(js, ",\"r\":1");
			if (r->r_code != 0)
				buf_printf(js, ",\"c\":%ld", r->r_code);
			json_key_str(js, "e", r->r_error);
			json_key_str(js, "h", r->r_headers);
			json_key_str(js, "g", r->r_resp_headers);
			if (r->r_snippet != NULL) {
				buf_puts(js, ",\"b\":");
				jw_strn(js, r->r_snippet, r->r_snippet_len);
			}
			if (r->r_written)
				buf_puts(js, ",\"x\":1");
		}
		buf_putc(js, '}');
	}
	buf_putc(js, ']');
	*to = i;
}

/* Microseconds since ref: what the statement about to run adds. */
static long long
since(int64_t ref)
{
	return (long long)(util_mono_ms() - ref) * 1000;
}

/* Mark the uncertain results of recs [from, to) that the cut-off
 * COMMIT did write. */
static int
mark_written(struct db *db, struct recs *w, size_t from, size_t to,
    const char *js)
{
	struct dbres	*r;
	size_t		 i, k;
	int		 ours;

	if (db_query(db, &r, unwritten_sql, "s", js) == -1)
		return -1;
	for (i = from; i < to; i++) {
		if (!w->rs_v[i].r_uncertain)
			continue;
		for (ours = 0, k = 0; k < r->r_nrow && !ours; k++)
			ours = (unsigned long long)dbres_int(r, k, 0) ==
			    w->rs_v[i].r_id;
		w->rs_v[i].r_written = !ours;
		w->rs_v[i].r_uncertain = 0;
	}
	dbres_free(r);
	return 0;
}

static int
write_gone(struct db *db, unsigned long long endpoint)
{
	/* The watcher (watch.c) sends the event and the mail. */
	if (db_exec(db, "UPDATE endpoints SET enabled = 0,"
	    " disabled_reason = ?, disabled_at = NOW(3), disabled_notice = 1"
	    " WHERE id = ? AND enabled = 1", "su", GONE_REASON, endpoint) == -1)
		return -1;
	/* Claimed rows are left to their dispatchers, which find the
	 * endpoint disabled when they claim them next. */
	if (delivery_pause_endpoint(db, endpoint) == -1)
		return -1;
	log_info("endpoint %llu answered 410 Gone: disabled", endpoint);
	return 0;
}

struct ep_pos {
	unsigned long long	 ep;
	size_t			 i;
};

static int
ep_pos_cmp(const void *a, const void *b)
{
	const struct ep_pos	*x = a, *y = b;

	if (x->ep != y->ep)
		return x->ep < y->ep ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The endpoints' health after the attempts of recs [from, to): what
 * each endpoint's last attempt says (health_ok_sql, health_bad_sql). */
static int
write_health(struct db *db, const struct recs *w, size_t from, size_t to,
    int64_t ref)
{
	const struct rec *r;
	struct ep_pos	*v;
	struct buf	 ok, bad;
	size_t		 n = 0, i, k, g;
	unsigned	 fails;
	int64_t		 first;
	int		 reset, rc = -1;

	v = xcalloc(to - from + 1, sizeof(*v));
	for (i = from; i < to; i++) {
		r = &w->rs_v[i];
		if (r->r_kind != RK_ATTEMPT || r->r_written)
			continue;
		v[n].ep = r->r_endpoint;
		v[n++].i = i;
	}
	qsort(v, n, sizeof(*v), ep_pos_cmp);
	buf_init(&ok);
	buf_init(&bad);
	buf_putc(&ok, '[');
	buf_putc(&bad, '[');
	for (g = 0; g < n; g = k) {
		for (k = g; k < n && v[k].ep == v[g].ep; k++)
			;
		fails = 0;
		reset = 0;
		first = 0;
		for (i = g; i < k; i++) {
			r = &w->rs_v[v[i].i];
			if (r->r_ok) {
				fails = 0;
				reset = 1;
			} else if (fails++ == 0)
				first = r->r_started;
		}
		if (fails == 0)
			buf_printf(&ok, "%s%llu", ok.b_len > 1 ? "," : "",
			    v[g].ep);
		else
			buf_printf(&bad, "%s{\"p\":%llu,\"n\":%u,\"z\":%d,"
			    "\"a\":%lld}", bad.b_len > 1 ? "," : "", v[g].ep,
			    fails, reset, (long long)(ref - first) * 1000);
	}
	buf_putc(&ok, ']');
	buf_putc(&bad, ']');
	if (ok.b_len > 2 && db_exec(db, health_ok_sql, "s", buf_cstr(&ok))
	    == -1)
		goto out;
	if (bad.b_len > 2 && db_exec(db, health_bad_sql, "si",
	    buf_cstr(&bad), since(ref)) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&ok);
	buf_free(&bad);
	free(v);
	return rc;
}

/* The counters of the attempts of recs [from, to) not yet on record:
 * in the batch's transaction, so they move exactly as attempts are
 * written (a retried batch counts once).  One statement, last before
 * the COMMIT, so its row locks are held the shortest time. */
static int
write_counters(struct recorder *rc, const struct recs *w, size_t from,
    size_t to)
{
	const struct rec	*r;
	struct metric_acc	 a;
	size_t			 i;

	metric_acc_init(&a);
	for (i = from; i < to; i++) {
		r = &w->rs_v[i];
		if (r->r_kind != RK_ATTEMPT || r->r_written)
			continue;
		metric_acc_attempt(&a, r->r_ok, r->r_code, r->r_duration);
		if (r->r_status != RS_RETRYING)
			metric_acc_add(&a, MC_DELIVERIES,
			    status_names[r->r_status], 1);
	}
	return metric_acc_write(rc->rc_db, rc->rc_slot, &a);
}

/* One transaction for recs [from, *to); *to may come back smaller when
 * the batch is too large for one. */
static int
write_batch(struct recorder *rc, struct recs *w, size_t from, size_t *to)
{
	struct db	*db = rc->rc_db;
	struct buf	 js;
	size_t		 n[3], i, uncertain = 0;
	long long	 got;
	int64_t		 ref = util_mono_ms();
	int		 rc_ = -1;

	buf_init(&js);
	for (i = from; i < *to; i++)
		uncertain += w->rs_v[i].r_uncertain;
	batch_json(w, from, to, ref, n, &js);
	/* Read committed, as the session is (CLAIM_SESSION_SQL). */
	if (db_begin(db) == -1)
		goto out;
	if (uncertain > 0) {
		if (mark_written(db, w, from, *to, buf_cstr(&js)) == -1)
			goto fail;
		batch_json(w, from, to, ref, n, &js);
	}
	if (n[RK_ATTEMPT] > 0) {
		if ((got = db_exec(db, update_attempts_sql, "sii",
		    buf_cstr(&js), since(ref), since(ref))) == -1 ||
		    db_exec(db, insert_attempts_sql, "iss", since(ref),
		    rc->rc_dispatcher, buf_cstr(&js)) == -1)
			goto fail;
		if ((size_t)got < n[RK_ATTEMPT] && uncertain == 0)
			log_info("%zu results arrived after their lease ended: "
			    "recorded as attempts only",
			    n[RK_ATTEMPT] - (size_t)got);
	}
	if (n[RK_ATTEMPT] > 0 && write_health(db, w, from, *to, ref) == -1)
		goto fail;
	if (n[RK_RELEASE] > 0 && db_exec(db, release_sql, "si",
	    buf_cstr(&js), since(ref)) == -1)
		goto fail;
	if (n[RK_PAUSE] > 0 && db_exec(db, pause_sql, "s", buf_cstr(&js))
	    == -1)
		goto fail;
	for (i = from; i < *to; i++) {
		if (w->rs_v[i].r_kind != RK_ATTEMPT || w->rs_v[i].r_written)
			continue;
		if (w->rs_v[i].r_gone &&
		    write_gone(db, w->rs_v[i].r_endpoint) == -1)
			goto fail;
		if (w->rs_v[i].r_status == RS_DROPPED &&
		    notice_dropped(db, rc->rc_cf, w->rs_v[i].r_id) == -1)
			goto fail;
	}
	if (n[RK_ATTEMPT] > 0 && write_counters(rc, w, from, *to) == -1)
		goto fail;
	if (db_commit(db) == -1) {
		/* Written or not, we cannot tell: the retry must not
		 * record these attempts twice. */
		for (i = from; i < *to; i++)
			w->rs_v[i].r_uncertain = 1;
		goto out;
	}
	rc_ = 0;
	goto out;
fail:
	db_rollback(db);
out:
	buf_free(&js);
	return rc_;
}

/* Write the queue as it is now; what arrives meanwhile waits for the
 * next flush, and what could not be written goes back in front of it. */
int
record_flush(struct recorder *rc)
{
	struct db	*db = rc->rc_db;
	struct recs	 w, q;
	size_t		 to;
	int		 try, ok, ret = 0;

	pthread_mutex_lock(&rc->rc_mu);
	w = rc->rc_q;
	memset(&rc->rc_q, 0, sizeof(rc->rc_q));
	pthread_mutex_unlock(&rc->rc_mu);
	while (w.rs_n > 0) {
		for (ok = 0, try = 0; try < REC_TRIES && !ok; try++) {
			to = w.rs_n;
			if (write_batch(rc, &w, 0, &to) == 0)
				ok = 1;
			else if (!db_err_is_retry(db))
				break;
		}
		if (ok) {
			recs_drop_front(&w, to);
			continue;
		}
		if (db_err_is_gone(db) || db_err_is_retry(db)) {
			ret = -1;
			break;
		}
		/* A result the database will not take: write them one by
		 * one so that one cannot hold back the others for ever. */
		to = 1;
		if (write_batch(rc, &w, 0, &to) == -1) {
			if (db_err_is_gone(db) || db_err_is_retry(db)) {
				ret = -1;
				break;
			}
			log_err("delivery %llu: result not recorded: %s",
			    w.rs_v[0].r_id, db_error(db));
		}
		recs_drop_front(&w, 1);
	}
	if (w.rs_n == 0) {
		recs_free(&w);
		return ret;
	}
	pthread_mutex_lock(&rc->rc_mu);
	q = rc->rc_q;
	for (to = 0; to < q.rs_n; to++)
		recs_push(&w, &q.rs_v[to]);
	free(q.rs_v);
	rc->rc_q = w;
	rc->rc_oldest = util_mono_ms();
	pthread_mutex_unlock(&rc->rc_mu);
	return ret;
}

int
record_retention(struct db *db, unsigned days, long long idem_ms)
{
	struct dbres	*r;
	struct buf	 ids;
	long long	 nd = 0, ne, ni, nl;
	int		 rc = -1;

	buf_init(&ids);
	if (db_query(db, &r, "SELECT id FROM deliveries"
	    " WHERE created_at < NOW(3) - INTERVAL ? DAY"
	    " AND status IN ('delivered', 'failed', 'dropped')"
	    " ORDER BY created_at LIMIT 1000", "i", (long long)days) == -1)
		goto out;
	if (r->r_nrow > 0) {
		claim_ids_json(r, &ids);
		if (db_exec(db, "DELETE a FROM " DB_IDS_TABLE
		    " STRAIGHT_JOIN attempts a ON a.delivery_id = ids.id", "s",
		    buf_cstr(&ids)) == -1 ||
		    (nd = db_exec(db, "DELETE d FROM " DB_IDS_TABLE
		    " STRAIGHT_JOIN deliveries d ON d.id = ids.id"
		    " WHERE d.status IN ('delivered', 'failed', 'dropped')",
		    "s", buf_cstr(&ids))) == -1) {
			dbres_free(r);
			goto out;
		}
	}
	dbres_free(r);
	/* An event goes once nothing refers to it: a delivery still
	 * pending or paused keeps its payload. */
	if ((ne = db_exec(db, "DELETE FROM events"
	    " WHERE created_at < NOW(3) - INTERVAL ? DAY"
	    " AND NOT EXISTS (SELECT 1 FROM deliveries d"
	    " WHERE d.event_id = events.id)"
	    " ORDER BY created_at LIMIT 1000", "i", (long long)days)) == -1)
		goto out;
	/* Idempotency keys past their window answer nothing any more
	 * (ingest treats them as absent): they go whatever the retention. */
	if ((ni = db_exec(db, "DELETE FROM idempotency_keys"
	    " WHERE created_at < NOW(3) - INTERVAL ? MICROSECOND"
	    " ORDER BY created_at LIMIT 1000", "i", idem_ms * 1000)) == -1)
		goto out;
	/* Sign-in counts whose window is over count for nothing, nor do
	 * quota counters untouched for a day. */
	if ((nl = account_throttle_purge(db, RETENTION_ROWS)) == -1 ||
	    quota_purge(db, RETENTION_ROWS) == -1)
		goto out;
	if (nd > 0 || ne > 0)
		log_info("retention: purged %lld deliveries and %lld events "
		    "older than %u days", nd, ne, days);
	if (ni > 0)
		log_info("retention: purged %lld expired idempotency keys", ni);
	rc = nd >= RETENTION_ROWS || ne >= RETENTION_ROWS ||
	    ni >= RETENTION_ROWS || nl >= RETENTION_ROWS;
out:
	buf_free(&ids);
	return rc;
}

/* Recording delivery outcomes in batches (see record.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "db.h"
#include "delivery.h"
#include "log.h"
#include "record.h"
#include "send.h"
#include "util.h"

/* A batch is written when it holds this many results or its oldest has
 * waited REC_WAIT_MS: few transactions under load, little delay when
 * quiet. */
#define REC_BATCH	200
#define REC_WAIT_MS	50
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
	int			 r_gone;
	int			 r_uncertain;	/* its COMMIT was cut off */
};

struct recorder {
	const struct conf	*rc_cf;
	struct db		*rc_db;
	char			*rc_dispatcher;
	struct rec		*rc_recs;
	size_t			 rc_n;
	size_t			 rc_cap;
	int64_t			 rc_oldest;	/* mono ms of rc_recs[0] */
};

static const char *const status_names[] = {
	[RS_PENDING] = "pending",
	[RS_DELIVERED] = "delivered",
	[RS_FAILED] = "failed",
	[RS_DROPPED] = "dropped",
};

void
record_classify(const struct conf *cf, unsigned attempts,
    const struct attempt *at, struct verdict *v)
{
	unsigned	 k = attempts + 1;	/* failures so far, if failed */
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
	if (k > cf->cf_retry_n) {
		v->v_status = RS_DROPPED;
		return;
	}
	v->v_status = RS_PENDING;
	v->v_delay_ms = cf->cf_retry_ms[k - 1];
	if (ra_ms > v->v_delay_ms)
		v->v_delay_ms = ra_ms;
}

struct recorder *
record_new(const struct conf *cf, struct db *db, const char *dispatcher)
{
	struct recorder	*rc;

	rc = xcalloc(1, sizeof(*rc));
	rc->rc_cf = cf;
	rc->rc_db = db;
	rc->rc_dispatcher = xstrdup(dispatcher);
	return rc;
}

static void
rec_clear(struct rec *r)
{
	free(r->r_error);
	free(r->r_snippet);
	free(r->r_headers);
}

void
record_free(struct recorder *rc)
{
	size_t	 i;

	if (rc == NULL)
		return;
	for (i = 0; i < rc->rc_n; i++)
		rec_clear(&rc->rc_recs[i]);
	free(rc->rc_recs);
	free(rc->rc_dispatcher);
	free(rc);
}

/* The columns are utf8mb4 in strict mode: a receiver's bytes (or a
 * text cut in the middle of a character) must become valid UTF-8, with
 * U+FFFD for what is not. */
static char *
utf8_clean(const char *p, size_t n, size_t *outlen)
{
	const unsigned char	*s = (const unsigned char *)p;
	struct buf		 b;
	size_t			 i = 0, len, k;
	unsigned		 cp, min;

	buf_init(&b);
	buf_reserve(&b, n);
	while (i < n) {
		if (s[i] < 0x80) {
			len = 1;
			goto ok;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			goto bad;
		if (n - i < len)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
ok:
		buf_add(&b, s + i, len);
		i += len;
		continue;
bad:
		buf_puts(&b, "\xef\xbf\xbd");
		i++;
	}
	if (outlen != NULL)
		*outlen = b.b_len;
	if (b.b_data == NULL)
		buf_puts(&b, "");
	return buf_release(&b);
}

static struct rec *
rec_add(struct recorder *rc, enum rec_kind kind, const struct job *j)
{
	struct rec	*r;

	if (rc->rc_n == rc->rc_cap) {
		rc->rc_cap = rc->rc_cap ? rc->rc_cap * 2 : 64;
		rc->rc_recs = xrealloc(rc->rc_recs, rc->rc_cap *
		    sizeof(*rc->rc_recs));
	}
	if (rc->rc_n == 0)
		rc->rc_oldest = util_mono_ms();
	r = &rc->rc_recs[rc->rc_n++];
	memset(r, 0, sizeof(*r));
	r->r_kind = kind;
	r->r_id = j->j_id;
	r->r_endpoint = j->j_endpoint;
	r->r_token = j->j_token;
	return r;
}

void
record_attempt(struct recorder *rc, const struct job *j,
    const struct attempt *at, struct verdict *out)
{
	struct verdict	 v;
	struct rec	*r;

	record_classify(rc->rc_cf, j->j_attempts, at, &v);
	r = rec_add(rc, RK_ATTEMPT, j);
	r->r_status = v.v_status;
	r->r_started = at->at_started;
	r->r_duration = at->at_ended - at->at_started;
	/* Measured from the failure, as the schedule promises, however
	 * long the write waits. */
	r->r_due = at->at_ended + v.v_delay_ms;
	r->r_code = at->at_fail == SF_NONE ? at->at_status : 0;
	if (v.v_error[0] != '\0')
		r->r_error = utf8_clean(v.v_error, strlen(v.v_error), NULL);
	if (at->at_fail == SF_NONE)
		r->r_snippet = utf8_clean(at->at_snippet.b_data,
		    at->at_snippet.b_len, &r->r_snippet_len);
	if (at->at_headers != NULL)
		r->r_headers = xstrdup(at->at_headers);
	r->r_gone = v.v_gone;
	if (out != NULL)
		*out = v;
}

void
record_release(struct recorder *rc, const struct job *j, int64_t delay_ms)
{
	struct rec	*r = rec_add(rc, RK_RELEASE, j);

	r->r_due = util_mono_ms() + delay_ms;
}

void
record_pause(struct recorder *rc, const struct job *j)
{
	rec_add(rc, RK_PAUSE, j);
}

size_t
record_pending(const struct recorder *rc)
{
	return rc->rc_n;
}

int64_t
record_due(const struct recorder *rc)
{
	if (rc->rc_n == 0)
		return INT64_MAX;
	if (rc->rc_n >= REC_BATCH)
		return 0;
	return rc->rc_oldest + REC_WAIT_MS;
}

/* Times go to the database relative to its own NOW(3), from the
 * monotonic clock, so the dispatcher's wall clock never matters.  Read
 * just before each statement: NOW(3) is that statement's start. */
static long long
us_from_now(int64_t mono)
{
	return (long long)(mono - util_mono_ms()) * 1000;
}

static int
write_attempt(struct recorder *rc, struct rec *r)
{
	struct db	*db = rc->rc_db;
	char		 code[16];
	const char	*codep = NULL;
	long long	 n;

	if (r->r_code != 0) {
		snprintf(code, sizeof(code), "%ld", r->r_code);
		codep = code;
	}
	/* The claim token makes a result that arrives after the lease
	 * ended (and the row was claimed again) leave the row alone, and
	 * the status one that of a deleted endpoint (failed meanwhile). */
	n = db_exec(db, "UPDATE deliveries SET status = ?,"
	    " attempts = attempts + 1,"
	    " last_attempt_at = NOW(3) - INTERVAL ? MICROSECOND,"
	    " last_status_code = ?, last_error = ?, last_duration_ms = ?,"
	    " claimed_by = NULL, claim_token = NULL,"
	    " next_attempt_at = NOW(3) + INTERVAL ? MICROSECOND,"
	    " completed_at = IF(?, NOW(3), NULL)"
	    " WHERE id = ? AND claim_token = ? AND status = 'pending'",
	    "sissiiiuu",
	    status_names[r->r_status], -us_from_now(r->r_started), codep,
	    r->r_error, (long long)r->r_duration,
	    r->r_status == RS_PENDING ? us_from_now(r->r_due) : 0LL,
	    (long long)(r->r_status != RS_PENDING), r->r_id, r->r_token);
	if (n == -1)
		return -1;
	if (n == 0 && r->r_uncertain)
		return 0;	/* that cut-off COMMIT had written it */
	if (n == 0)
		log_info("delivery %llu: its lease ended before the result "
		    "was written; recording the attempt only", r->r_id);
	if (db_exec(db, "INSERT INTO attempts (delivery_id, endpoint_id,"
	    " started_at, duration_ms, status_code, error, response_snippet,"
	    " request_headers, dispatcher) VALUES (?, ?,"
	    " NOW(3) - INTERVAL ? MICROSECOND, ?, ?, ?, ?, ?, ?)", "uuiissbss",
	    r->r_id, r->r_endpoint, -us_from_now(r->r_started),
	    (long long)r->r_duration, codep, r->r_error, r->r_snippet,
	    r->r_snippet_len, r->r_headers, rc->rc_dispatcher) == -1)
		return -1;
	if (!r->r_gone)
		return 0;
	if (db_exec(db, "UPDATE endpoints SET enabled = 0,"
	    " disabled_reason = ? WHERE id = ? AND enabled = 1", "su",
	    GONE_REASON, r->r_endpoint) == -1)
		return -1;
	/* Claimed rows are left to their dispatchers, which find the
	 * endpoint disabled when they claim them next. */
	if (delivery_pause_endpoint(db, r->r_endpoint) == -1)
		return -1;
	log_info("endpoint %llu answered 410 Gone: disabled", r->r_endpoint);
	return 0;
}

static int
write_one(struct recorder *rc, struct rec *r)
{
	long long	 delay;

	switch (r->r_kind) {
	case RK_ATTEMPT:
		return write_attempt(rc, r);
	case RK_RELEASE:
		delay = us_from_now(r->r_due);
		return db_exec(rc->rc_db, "UPDATE deliveries SET"
		    " claimed_by = NULL, claim_token = NULL,"
		    " next_attempt_at = NOW(3) + INTERVAL ? MICROSECOND"
		    " WHERE id = ? AND claim_token = ? AND status = 'pending'",
		    "iuu",
		    delay > 0 ? delay : 0LL, r->r_id, r->r_token) == -1 ? -1 :
		    0;
	case RK_PAUSE:
		/* Checked against the endpoint as it is now, so an enable
		 * that resumed paused rows meanwhile is not undone. */
		return db_exec(rc->rc_db, "UPDATE deliveries d JOIN endpoints e"
		    " ON e.id = d.endpoint_id SET"
		    " d.status = IF(e.enabled = 1, 'pending', 'paused'),"
		    " d.claimed_by = NULL, d.claim_token = NULL,"
		    " d.next_attempt_at = NOW(3)"
		    " WHERE d.id = ? AND d.claim_token = ?", "uu", r->r_id,
		    r->r_token) == -1 ? -1 : 0;
	}
	return -1;
}

/* One transaction for recs [from, to). */
static int
write_batch(struct recorder *rc, size_t from, size_t to)
{
	struct db	*db = rc->rc_db;
	size_t		 i;

	if (db_exec(db, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "")
	    == -1 || db_begin(db) == -1)
		return -1;
	for (i = from; i < to; i++)
		if (write_one(rc, &rc->rc_recs[i]) == -1) {
			db_rollback(db);
			return -1;
		}
	if (db_commit(db) == -1) {
		/* Written or not, we cannot tell: the retry must not
		 * record these attempts twice. */
		for (i = from; i < to; i++)
			rc->rc_recs[i].r_uncertain = 1;
		return -1;
	}
	return 0;
}

static void
drop_front(struct recorder *rc, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		rec_clear(&rc->rc_recs[i]);
	memmove(rc->rc_recs, rc->rc_recs + n, (rc->rc_n - n) *
	    sizeof(*rc->rc_recs));
	rc->rc_n -= n;
	rc->rc_oldest = util_mono_ms();
}

int
record_flush(struct recorder *rc)
{
	struct db	*db = rc->rc_db;
	int		 try;

	if (rc->rc_n == 0)
		return 0;
	for (try = 0; try < REC_TRIES; try++) {
		if (write_batch(rc, 0, rc->rc_n) == 0) {
			drop_front(rc, rc->rc_n);
			return 0;
		}
		if (!db_err_is_retry(db))
			break;
	}
	if (db_err_is_gone(db) || db_err_is_retry(db))
		return -1;
	/* Some result the database will not take: write them one by one
	 * so that one cannot hold back the others for ever. */
	while (rc->rc_n > 0) {
		if (write_batch(rc, 0, 1) == -1) {
			if (db_err_is_gone(db) || db_err_is_retry(db))
				return -1;
			log_err("delivery %llu: result not recorded: %s",
			    rc->rc_recs[0].r_id, db_error(db));
		}
		drop_front(rc, 1);
	}
	return 0;
}

int
record_retention(struct db *db, unsigned days)
{
	struct dbres	*r;
	struct buf	 ids;
	long long	 nd = 0, ne;
	int		 rc = -1;

	buf_init(&ids);
	if (db_query(db, &r, "SELECT id FROM deliveries"
	    " WHERE created_at < NOW(3) - INTERVAL ? DAY"
	    " AND status IN ('delivered', 'failed', 'dropped')"
	    " ORDER BY created_at LIMIT 1000", "i", (long long)days) == -1)
		goto out;
	if (r->r_nrow > 0) {
		claim_ids_json(r, &ids);
		if (db_exec(db, "DELETE a FROM " CLAIM_IDS_TABLE
		    " STRAIGHT_JOIN attempts a ON a.delivery_id = ids.id", "s",
		    buf_cstr(&ids)) == -1 ||
		    (nd = db_exec(db, "DELETE d FROM " CLAIM_IDS_TABLE
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
	if (nd > 0 || ne > 0)
		log_info("retention: purged %lld deliveries and %lld events "
		    "older than %u days", nd, ne, days);
	rc = nd >= RETENTION_ROWS || ne >= RETENTION_ROWS;
out:
	buf_free(&ids);
	return rc;
}

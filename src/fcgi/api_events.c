/* POST /api/v1/events: one event or a batch, all or nothing, with
 * Idempotency-Key. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "emit.h"
#include "json.h"
#include "jsonw.h"
#include "log.h"
#include "quotas.h"
#include "req.h"
#include "routes.h"
#include "wake.h"

/* A deadlock is the database asking for the transaction again. */
#define INGEST_TRIES	4
#define IDEM_KEY_MAX	255

enum ingest_rc {
	ING_OK,		/* committed; the answer is in out */
	ING_REPLAY,	/* a stored answer for the key is in out */
	ING_RETRY,	/* deadlock or a lost race: run it again */
	ING_GONE,	/* no database before COMMIT: nothing stored */
	ING_UNKNOWN,	/* the COMMIT's answer was lost: stored or not */
	ING_DB		/* database error */
};

/* What a failed ingest transaction comes to: run again when that is
 * safe (a conflict, a Galera certification failure, a connection lost
 * before COMMIT, which took the transaction with it), otherwise an
 * answer that tells the caller whether anything may have been stored. */
static enum ingest_rc
tx_failed(struct db *db, int at_commit)
{
	if (db_tx_again(db))
		return ING_RETRY;
	if (db_err_is_gone(db))
		return at_commit ? ING_UNKNOWN : ING_GONE;
	return ING_DB;
}

static int
idem_key_ok(const char *k)
{
	size_t	 n = strlen(k), i;

	if (n == 0 || n > IDEM_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (k[i] < 0x20 || k[i] > 0x7e)
			return 0;
	return 1;
}

static void
answer(struct buf *out, int batch, const unsigned long long *ids,
    const long long *nd, size_t n, long long total)
{
	size_t	 i;

	buf_reset(out);
	if (!batch) {
		buf_putc(out, '{');
		jw_key(out, "id");
		jw_int(out, (long long)ids[0]);
		buf_putc(out, ',');
		jw_key(out, "deliveries");
		jw_int(out, nd[0]);
		buf_putc(out, '}');
		return;
	}
	buf_putc(out, '{');
	jw_key(out, "events");
	buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_putc(out, '{');
		jw_key(out, "id");
		jw_int(out, (long long)ids[i]);
		buf_putc(out, ',');
		jw_key(out, "deliveries");
		jw_int(out, nd[i]);
		buf_putc(out, '}');
	}
	buf_puts(out, "],");
	jw_key(out, "deliveries");
	jw_int(out, total);
	buf_putc(out, '}');
}

/* One request's events and where their ids and delivery counts go: a job
 * of a group commit (see ingest_grouped), or the keyed path's only one. */
struct gjob {
	unsigned long long	 g_tenant;
	const struct emit_event	*g_ev;
	size_t			 g_n;
	unsigned long long	*g_ids;
	long long		*g_nd;
	enum ingest_rc		 g_rc;
	int			 g_done;
	pthread_cond_t		 g_cv;		/* done, or lead */
	struct gjob		*g_next;
};

static void
job_init(struct gjob *j, const struct req *r, const struct emit_event *ev,
    size_t n, unsigned long long *ids, long long *nd)
{
	memset(j, 0, sizeof(*j));
	j->g_tenant = r->r_tenant;
	j->g_ev = ev;
	j->g_n = n;
	j->g_ids = ids;
	j->g_nd = nd;
}

/* Insert and fan out the events of every job in list, in the caller's
 * transaction, and give each job its ids and delivery counts. */
static enum emit_err
jobs_insert(struct db *db, struct gjob *list)
{
	const struct emit_event **evp;
	unsigned long long	*tenants, *ids;
	long long		*nd;
	struct gjob		*j;
	size_t			 n = 0, i, k;
	enum emit_err		 rc;

	for (j = list; j != NULL; j = j->g_next)
		n += j->g_n;
	evp = xcalloc(n, sizeof(*evp));
	tenants = xcalloc(n, sizeof(*tenants));
	ids = xcalloc(n, sizeof(*ids));
	nd = xcalloc(n, sizeof(*nd));
	for (j = list, k = 0; j != NULL; j = j->g_next)
		for (i = 0; i < j->g_n; i++, k++) {
			evp[k] = &j->g_ev[i];
			tenants[k] = j->g_tenant;
		}
	if ((rc = emit_insert_many(db, tenants, evp, n, ids, nd)) == EMIT_OK)
		for (j = list, k = 0; j != NULL; j = j->g_next)
			for (i = 0; i < j->g_n; i++, k++) {
				j->g_ids[i] = ids[k];
				j->g_nd[i] = nd[k];
			}
	free(evp);
	free(tenants);
	free(ids);
	free(nd);
	return rc;
}

/*
 * One try of the whole ingest transaction.  With a key, its row is
 * inserted last, with the answer, in the same transaction: of two
 * concurrent requests with one key, the second insert waits for the
 * first to commit and then fails as a duplicate, its events roll back,
 * and it returns the first one's stored answer.
 */
static enum ingest_rc
ingest_once(struct req *r, const struct emit_event *ev, size_t n, int batch,
    const char *key, unsigned long long *ids, long long *nd, int *status,
    struct buf *out, long long *total)
{
	struct db	*db = r->r_db;
	struct gjob	 job;
	size_t		 i;
	int		 stale;

	*total = 0;
	if (db_begin(db) == -1)
		return tx_failed(db, 0);
	if (key != NULL) {
		switch (emit_idem_lookup(db, r->r_tenant, key,
		    r->r_cf->cf_idempotency_ms, status, out, &stale)) {
		case 1:
			db_rollback(db);
			return ING_REPLAY;
		case -1:
			goto fail;
		}
		/* An expired key is as good as absent. */
		if (stale && emit_idem_forget(db, r->r_tenant, key,
		    r->r_cf->cf_idempotency_ms) == -1)
			goto fail;
	}
	job_init(&job, r, ev, n, ids, nd);
	if (jobs_insert(db, &job) != EMIT_OK)
		goto fail;
	for (i = 0; i < n; i++)
		*total += nd[i];
	*status = 202;
	answer(out, batch, ids, nd, n, *total);
	if (key != NULL && emit_idem_store(db, r->r_tenant, key, *status,
	    out) == -1) {
		if (!db_err_is_dup(db))
			goto fail;
		db_rollback(db);
		/* Read outside the failed transaction: the winner's
		 * committed row is visible now. */
		switch (emit_idem_lookup(db, r->r_tenant, key,
		    r->r_cf->cf_idempotency_ms, status, out, &stale)) {
		case 1:
			return ING_REPLAY;
		case 0:
			return ING_RETRY;
		default:
			return tx_failed(db, 0);
		}
	}
	if (db_commit(db) == -1)
		return tx_failed(db, 1);
	return ING_OK;
fail:
	{
		enum ingest_rc rc = tx_failed(db, 0);

		db_rollback(db);
		return rc;
	}
}

/*
 * Group commit.  Without an Idempotency-Key, concurrent requests of this
 * process (webhooks.fcgi runs several request threads under lighttpd)
 * share one transaction: a request at the head of the queue, when fewer
 * than GROUP_LEADERS commits are under way, takes every request queued so
 * far, up to GROUP_MAX events, inserts and fans them out together and
 * commits once; the others wait for its answer, or lead the next group.
 * A durable commit costs a log flush whatever it holds, so this turns
 * many flushes into one; a lone request simply commits its own.  Each
 * request is answered only after the commit that holds its events.
 */
#define GROUP_MAX	1000
/* Commits under way at once: while one waits for its log flush the next
 * group is already being written, and InnoDB flushes both together. */
#define GROUP_LEADERS	2

/* group_mu guards the queue, group_leaders and every job's g_done and
 * g_rc.  A waiting thread sleeps on its own job's g_cv: it is signalled
 * when its job is done, or when it is at the head of the queue and may
 * lead, so a commit wakes only the threads it concerns. */
static pthread_mutex_t	 group_mu = PTHREAD_MUTEX_INITIALIZER;
static struct gjob	*group_head;
static struct gjob	**group_tail = &group_head;
static int		 group_leaders;

/* Commit the events of the jobs in list in one transaction.  *at_commit
 * tells a failure of the COMMIT itself, whose outcome may be unknown (a
 * lost connection), from one before it, which rolled everything back. */
static enum ingest_rc
group_commit(struct db *db, struct gjob *list, int *at_commit)
{
	int		 tries;
	enum ingest_rc	 rc = ING_RETRY;

	*at_commit = 0;
	for (tries = 0; tries < INGEST_TRIES && rc == ING_RETRY; tries++) {
		*at_commit = 0;
		if (db_begin(db) == -1) {
			rc = tx_failed(db, 0);
			if (rc == ING_RETRY)
				rc = ING_GONE;	/* begin retried */
			break;
		}
		if (jobs_insert(db, list) != EMIT_OK) {
			rc = tx_failed(db, 0);
			db_rollback(db);
		} else if (db_commit(db) == 0) {
			rc = ING_OK;
			break;
		} else {
			*at_commit = 1;		/* ended either way */
			rc = tx_failed(db, 1);
		}
	}
	return rc;
}

static enum ingest_rc
ingest_grouped(struct req *r, const struct emit_event *ev, size_t n,
    unsigned long long *ids, long long *nd)
{
	struct gjob	 me, *take, *j, **tail;
	size_t		 events, i;
	long long	 total;
	int		 at_commit;
	enum ingest_rc	 rc;

	job_init(&me, r, ev, n, ids, nd);
	pthread_cond_init(&me.g_cv, NULL);
	pthread_mutex_lock(&group_mu);
	*group_tail = &me;
	group_tail = &me.g_next;
	while (!me.g_done) {
		if (group_leaders == GROUP_LEADERS || group_head != &me) {
			pthread_cond_wait(&me.g_cv, &group_mu);
			continue;
		}
		/* At the head with a commit free: lead.  Take the queue's
		 * jobs, at least this one. */
		take = group_head;
		tail = &take;
		for (events = 0; *tail != NULL && (events == 0 ||
		    events + (*tail)->g_n <= GROUP_MAX); tail = &(*tail)->g_next)
			events += (*tail)->g_n;
		group_head = *tail;
		if (group_head == NULL)
			group_tail = &group_head;
		*tail = NULL;
		group_leaders++;
		/* Jobs queued past GROUP_MAX may form the next group now. */
		if (group_head != NULL && group_leaders < GROUP_LEADERS)
			pthread_cond_signal(&group_head->g_cv);
		pthread_mutex_unlock(&group_mu);
		rc = group_commit(r->r_db, take, &at_commit);
		log_debug("ingest: %zu events in one commit", events);
		/* A database error other than a lost race, met before the
		 * COMMIT (so nothing was stored), is tried once more job by
		 * job, so one request's trouble is its own.  Not after a
		 * failed COMMIT, which may have stored everything. */
		if ((rc == ING_DB || rc == ING_GONE) && !at_commit &&
		    take->g_next != NULL)
			for (j = take; j != NULL; j = j->g_next) {
				struct gjob *next = j->g_next;

				j->g_next = NULL;
				j->g_rc = group_commit(r->r_db, j, &at_commit);
				j->g_next = next;
			}
		else
			for (j = take; j != NULL; j = j->g_next)
				j->g_rc = rc;
		/* One wake-up datagram for the group. */
		for (j = take, total = 0; j != NULL; j = j->g_next)
			for (i = 0; j->g_rc == ING_OK && i < j->g_n; i++)
				total += j->g_nd[i];
		if (total > 0)
			wake_send(r->r_cf);
		pthread_mutex_lock(&group_mu);
		while ((j = take) != NULL) {
			take = j->g_next;
			j->g_done = 1;
			if (j != &me)
				pthread_cond_signal(&j->g_cv);
		}
		group_leaders--;
		if (group_head != NULL)
			pthread_cond_signal(&group_head->g_cv);
	}
	pthread_mutex_unlock(&group_mu);
	pthread_cond_destroy(&me.g_cv);
	return me.g_rc;
}

static void
ingest(struct req *r, const struct emit_event *ev, size_t n, int batch,
    const char *key)
{
	unsigned long long	*ids;
	long long		*nd, total = 0;
	struct buf		 out;
	enum ingest_rc		 rc = ING_RETRY;
	int			 tries, status = 202;

	ids = xcalloc(n, sizeof(*ids));
	nd = xcalloc(n, sizeof(*nd));
	buf_init(&out);
	if (key == NULL) {
		size_t i;

		if ((rc = ingest_grouped(r, ev, n, ids, nd)) == ING_OK) {
			for (i = 0; i < n; i++)
				total += nd[i];
			answer(&out, batch, ids, nd, n, total);
		}
	} else
		for (tries = 0; tries < INGEST_TRIES && rc == ING_RETRY;
		    tries++)
			rc = ingest_once(r, ev, n, batch, key, ids, nd, &status,
			    &out, &total);
	switch (rc) {
	case ING_OK:
		/* A group's leader has sent the wake-up already. */
		if (total > 0 && key != NULL)
			wake_send(r->r_cf);
		req_json(r, status, &out);
		break;
	case ING_REPLAY:
		req_add_header(r, "Idempotent-Replayed", "true");
		req_json(r, status, &out);
		break;
	case ING_RETRY:
		req_add_header(r, "Retry-After", "1");
		req_json_error(r, 503, "busy", "the database stayed busy; "
		    "nothing was stored: retry shortly");
		break;
	case ING_GONE:
		req_add_header(r, "Retry-After", "5");
		req_json_error(r, 503, "database_unavailable", "the database "
		    "is unreachable; nothing was stored: retry shortly");
		break;
	case ING_UNKNOWN:
		/* Never 202 for what may not be stored; a retry with the
		 * same Idempotency-Key stores the events once either way. */
		req_add_header(r, "Retry-After", "5");
		req_json_error(r, 503, "database_unavailable", "the database "
		    "connection was lost while committing, so the events may "
		    "or may not be stored: retry (with an Idempotency-Key, to "
		    "store them once either way)");
		break;
	case ING_DB:
		req_db_error(r);
		break;
	}
	buf_free(&out);
	free(ids);
	free(nd);
}

void
api_events_post(struct req *r)
{
	struct json_doc		 doc;
	struct emit_event	*ev = NULL;
	const char		*key;
	char			 err[512], where[48];
	size_t			 n = 0, i;
	int			 tok, batch;

	key = req_header(r, "Idempotency-Key");
	if (key != NULL && !idem_key_ok(key)) {
		req_json_error(r, 400, "invalid_idempotency_key", "the "
		    "Idempotency-Key header must be 1 to %d printable ASCII "
		    "characters, such as a UUID", IDEM_KEY_MAX);
		return;
	}
	if (!quotas_ingest(r))
		return;
	if (api_body(r, &doc, 0) == -1)
		return;
	batch = doc.d_tok[0].t_type == JSON_ARRAY;
	if (!batch && doc.d_tok[0].t_type != JSON_OBJECT) {
		req_json_error(r, 422, "invalid_event", "the body must be an "
		    "event object {\"event\": ..., \"data\": {...}} or an array"
		    " of them");
		goto out;
	}
	n = batch ? (size_t)doc.d_tok[0].t_size : 1;
	if (n == 0 || n > r->r_cf->cf_max_batch) {
		req_json_error(r, 422, "invalid_batch", "a batch holds 1 to %u"
		    " events (this one has %zu): split it into several "
		    "requests", r->r_cf->cf_max_batch, n);
		goto out;
	}
	ev = xcalloc(n, sizeof(*ev));
	for (i = 0, tok = batch ? 1 : 0; i < n; i++, tok = json_skip(&doc,
	    tok)) {
		switch (emit_parse(r->r_db, &doc, tok, &ev[i], err,
		    sizeof(err))) {
		case EMIT_OK:
			continue;
		case EMIT_INVALID:
			where[0] = '\0';
			if (batch)
				snprintf(where, sizeof(where), "event at index "
				    "%zu: ", i);
			/* emit_parse words the message; its start says
			 * which kind it is. */
			req_json_error(r, 422, strncmp(err, "unknown event type",
			    18) == 0 ? "unknown_event_type" : "invalid_event",
			    "%s%s", where, err);
			break;
		default:
			req_db_error(r);
			break;
		}
		n = i + 1;
		goto out;
	}
	ingest(r, ev, n, batch, key);
out:
	for (i = 0; ev != NULL && i < n; i++)
		emit_event_free(&ev[i]);
	free(ev);
	json_free(&doc);
}

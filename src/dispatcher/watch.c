/* Endpoint health and mail, beside the send loop (see watch.h). */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "log.h"
#include "notice.h"
#include "util.h"
#include "version.h"
#include "watch.h"

#define WATCH_ROWS	100	/* endpoints per step and round */
#define MAIL_ROWS	10	/* mails per round */
#define MAIL_TIMEOUT_MS	20000
#define MAIL_GIVE_UP	32	/* attempts, about a day of backoff */

struct watch {
	const struct conf	*w_cf;
	struct db		*w_db;
	pthread_t		 w_thread;
	pthread_mutex_t		 w_mu;
	pthread_cond_t		 w_cv;
	int			 w_stop;
};

/* Endpoints that started failing and were not reported yet. */
static const char failing_sql[] =
    "SELECT id FROM endpoints WHERE failing_since IS NOT NULL"
    " AND failing_noticed = 0 AND enabled = 1"
    " AND (fail_streak >= ? OR (fail_streak > 0 AND"
    " failing_since <= NOW(3) - INTERVAL ? MICROSECOND)) LIMIT ?";
static const char failing_claim_sql[] =
    "UPDATE endpoints SET failing_noticed = 1 WHERE id = ?"
    " AND failing_noticed = 0 AND failing_since IS NOT NULL";

/* Endpoints with no success for disable_after. */
static const char stale_sql[] =
    "SELECT id, " DB_SQL_TIME("failing_since") " FROM endpoints"
    " WHERE failing_since <= NOW(3) - INTERVAL ? MICROSECOND"
    " AND enabled = 1 LIMIT ?";
static const char disable_sql[] =
    "UPDATE endpoints SET enabled = 0, disabled_reason = ?,"
    " disabled_at = NOW(3), disabled_notice = 1, updated_at = NOW(3)"
    " WHERE id = ? AND enabled = 1"
    " AND failing_since <= NOW(3) - INTERVAL ? MICROSECOND";

/* Disabled endpoints whose notice is due (auto-disable, 410). */
static const char disabled_sql[] =
    "SELECT id FROM endpoints WHERE disabled_notice = 1 LIMIT ?";
static const char disabled_claim_sql[] =
    "UPDATE endpoints SET disabled_notice = 0 WHERE id = ?"
    " AND disabled_notice = 1";

static const char mail_pick_sql[] =
    "SELECT id, recipients, subject, body, attempts FROM mail_outbox"
    " WHERE next_at <= NOW(3) ORDER BY next_at LIMIT ?"
    " FOR UPDATE SKIP LOCKED";

/* Run the claim statement; when it changed the row, the notice too, in
 * one transaction. */
static void
claim_and_notice(const struct conf *cf, struct db *db, const char *claim,
    enum notice_kind kind, unsigned long long id)
{
	long long	 n;
	int		 tries;

	/* Run again after a conflict or a connection lost before COMMIT
	 * (both rolled it back); a lost COMMIT is left to the next round,
	 * whose claim statement sees whether it took. */
	for (tries = 0; tries < DB_TX_TRIES; tries++) {
		if (db_begin(db) == -1)
			return;
		if ((n = db_exec(db, claim, "u", id)) == -1)
			goto fail;
		if (n == 1 && notice_endpoint(db, cf, kind, id) == -1)
			goto fail;
		if (db_commit(db) == 0)
			return;
fail:
		db_rollback(db);
		if (!db_tx_again(db))
			break;
	}
	log_warn("endpoint %llu: %s notice not recorded: %s", id,
	    kind == NK_FAILING ? "failing" : "disabled", db_error(db));
}

static void
find_failing(const struct conf *cf, struct db *db)
{
	struct dbres	*r;
	size_t		 i;

	if (db_query(db, &r, failing_sql, "iii",
	    (long long)NOTICE_FAILING_STREAK,
	    (long long)NOTICE_FAILING_MS * 1000, (long long)WATCH_ROWS) == -1)
		return;
	for (i = 0; i < r->r_nrow; i++)
		claim_and_notice(cf, db, failing_claim_sql, NK_FAILING,
		    (unsigned long long)dbres_int(r, i, 0));
	dbres_free(r);
}

static void
disable_stale(const struct conf *cf, struct db *db)
{
	struct dbres		*r;
	unsigned long long	 id;
	char			 span[32], reason[255];
	long long		 n;
	size_t			 i;
	int			 tries;

	if (db_query(db, &r, stale_sql, "ii", cf->cf_disable_after_ms * 1000,
	    (long long)WATCH_ROWS) == -1)
		return;
	util_span_text(cf->cf_disable_after_ms, span, sizeof(span));
	for (i = 0; i < r->r_nrow; i++) {
		id = (unsigned long long)dbres_int(r, i, 0);
		snprintf(reason, sizeof(reason), "no successful delivery for "
		    "%s: failing since %s", span, dbres_get(r, i, 1));
		for (tries = 0; tries < DB_TX_TRIES; tries++) {
			if (db_begin(db) == -1)
				break;
			if ((n = db_exec(db, disable_sql, "sui", reason, id,
			    cf->cf_disable_after_ms * 1000)) == -1 ||
			    (n == 1 && delivery_pause_endpoint(db, id) == -1)) {
				db_rollback(db);
				if (db_tx_again(db))
					continue;
				break;
			}
			if (db_commit(db) == 0) {
				if (n == 1)
					log_info("endpoint %llu disabled: %s",
					    id, reason);
				break;
			}
			if (!db_tx_again(db))
				break;
		}
	}
	dbres_free(r);
}

static void
report_disabled(const struct conf *cf, struct db *db)
{
	struct dbres	*r;
	size_t		 i;

	if (db_query(db, &r, disabled_sql, "i", (long long)WATCH_ROWS) == -1)
		return;
	for (i = 0; i < r->r_nrow; i++)
		claim_and_notice(cf, db, disabled_claim_sql, NK_DISABLED,
		    (unsigned long long)dbres_int(r, i, 0));
	dbres_free(r);
}

struct mailsrc {
	const char	*ms_p;
	size_t		 ms_left;
};

static size_t
mail_read(char *dst, size_t size, size_t n, void *arg)
{
	struct mailsrc	*m = arg;
	size_t		 k = size * n;

	if (k > m->ms_left)
		k = m->ms_left;
	memcpy(dst, m->ms_p, k);
	m->ms_p += k;
	m->ms_left -= k;
	return k;
}

/* Header values come from our own text, but a subject holds an
 * endpoint URL: nothing in it may end the header. */
static void
header_text(struct buf *b, const char *v)
{
	for (; *v != '\0'; v++)
		buf_putc(b, (unsigned char)*v < 0x20 ? ' ' : *v);
}

/* Send one mail.  0, or -1 with the reason in err. */
static int
mail_send(const struct conf *cf, const char *to, const char *subject,
    const char *body, char *err, size_t errsz)
{
	CURL			*e;
	struct curl_slist	*rcpt = NULL;
	struct buf		 msg, addr;
	struct mailsrc		 src;
	char			 date[64], from[300];
	const char		*p, *nl;
	unsigned char		 rnd[8];
	time_t			 now = time(NULL);
	struct tm		 tm;
	CURLcode		 rc;

	if ((e = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	buf_init(&msg);
	buf_init(&addr);
	for (p = to; *p != '\0'; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		buf_reset(&addr);
		buf_printf(&addr, "<%.*s>", (int)(nl - p), p);
		rcpt = curl_slist_append(rcpt, buf_cstr(&addr));
	}
	snprintf(from, sizeof(from), "<%s>", cf->cf_mail_from != NULL &&
	    *cf->cf_mail_from != '\0' ? cf->cf_mail_from :
	    "webhooks@localhost");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (cr_random(rnd, sizeof(rnd)) == -1)
		memset(rnd, 0, sizeof(rnd));
	buf_printf(&msg, "Date: %s\r\nFrom: Momentumpro webhooks %s\r\nTo: ",
	    date, from);
	for (p = to; *p != '\0'; p++)
		buf_putc(&msg, *p == '\n' ? ',' : (unsigned char)*p < 0x20 ?
		    ' ' : *p);
	buf_puts(&msg, "\r\nSubject: ");
	header_text(&msg, subject);
	buf_printf(&msg, "\r\nMessage-ID: <%02x%02x%02x%02x%02x%02x%02x%02x."
	    "%lld@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n", rnd[0], rnd[1], rnd[2],
	    rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], (long long)now,
	    WH_PRODUCT);
	buf_puts(&msg, body);
	src.ms_p = msg.b_data;
	src.ms_left = msg.b_len;
	curl_easy_setopt(e, CURLOPT_URL, cf->cf_smtp_url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#endif
	if (strncmp(cf->cf_smtp_url, "smtp://", 7) == 0)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (cf->cf_smtp_user != NULL && *cf->cf_smtp_user != '\0') {
		curl_easy_setopt(e, CURLOPT_USERNAME, cf->cf_smtp_user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, cf->cf_smtp_password ?
		    cf->cf_smtp_password : "");
	}
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, mail_read);
	curl_easy_setopt(e, CURLOPT_READDATA, &src);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)MAIL_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(e);
	if (rc != CURLE_OK)
		snprintf(err, errsz, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(e);
	buf_free(&msg);
	buf_free(&addr);
	return rc == CURLE_OK ? 0 : -1;
}

static void
send_mail(const struct conf *cf, struct db *db)
{
	struct dbres	*r;
	char		 err[256];
	long long	 id, tries;
	size_t		 i;

	if (cf->cf_smtp_url == NULL || *cf->cf_smtp_url == '\0')
		return;
	if (db_begin(db) == -1)
		return;
	if (db_query(db, &r, mail_pick_sql, "i", (long long)MAIL_ROWS) == -1) {
		db_rollback(db);
		return;
	}
	for (i = 0; i < r->r_nrow; i++) {
		id = dbres_int(r, i, 0);
		tries = dbres_int(r, i, 4) + 1;
		if (mail_send(cf, dbres_get(r, i, 1), dbres_get(r, i, 2),
		    dbres_get(r, i, 3), err, sizeof(err)) == 0) {
			log_info("mail %lld sent: %s", id, dbres_get(r, i, 2));
			if (db_exec(db, "DELETE FROM mail_outbox WHERE id = ?",
			    "i", id) == -1)
				break;
			continue;
		}
		if (tries >= MAIL_GIVE_UP) {
			log_err("mail %lld dropped after %lld attempts: %s", id,
			    tries, err);
			if (db_exec(db, "DELETE FROM mail_outbox WHERE id = ?",
			    "i", id) == -1)
				break;
			continue;
		}
		log_warn("mail %lld not sent (attempt %lld): %s", id, tries,
		    err);
		/* 10 s, 20 s, 40 s, ... up to an hour apart. */
		if (db_exec(db, "UPDATE mail_outbox SET attempts = ?,"
		    " last_error = ?, next_at = NOW(3) + INTERVAL"
		    " LEAST(10 * POW(2, ? - 1), 3600) SECOND WHERE id = ?",
		    "isii", tries, err, tries, id) == -1)
			break;
	}
	dbres_free(r);
	if (db_commit(db) == -1)
		db_rollback(db);
}

void
watch_round(const struct conf *cf, struct db *db)
{
	find_failing(cf, db);
	disable_stale(cf, db);
	report_disabled(cf, db);
	send_mail(cf, db);
}

static void *
watch_main(void *arg)
{
	struct watch	*w = arg;
	struct timespec	 ts;
	int		 stop;

	for (;;) {
		pthread_mutex_lock(&w->w_mu);
		stop = w->w_stop;
		pthread_mutex_unlock(&w->w_mu);
		if (stop)
			break;
		watch_round(w->w_cf, w->w_db);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += w->w_cf->cf_heartbeat_ms / 1000;
		ts.tv_nsec += (w->w_cf->cf_heartbeat_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&w->w_mu);
		while (!w->w_stop && pthread_cond_timedwait(&w->w_cv, &w->w_mu,
		    &ts) == 0)
			;
		pthread_mutex_unlock(&w->w_mu);
	}
	return NULL;
}

struct watch *
watch_start(const struct conf *cf, struct db *db)
{
	struct watch		*w;
	pthread_condattr_t	 ca;
	sigset_t		 block, old;
	int			 rc;

	w = xcalloc(1, sizeof(*w));
	w->w_cf = cf;
	w->w_db = db;
	pthread_mutex_init(&w->w_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->w_cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Signals are the send loop's. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&w->w_thread, NULL, watch_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_err("watcher: pthread_create: %s", strerror(rc));
		pthread_cond_destroy(&w->w_cv);
		pthread_mutex_destroy(&w->w_mu);
		free(w);
		return NULL;
	}
	return w;
}

void
watch_stop(struct watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->w_mu);
	w->w_stop = 1;
	pthread_cond_broadcast(&w->w_cv);
	pthread_mutex_unlock(&w->w_mu);
	pthread_join(w->w_thread, NULL);
	pthread_cond_destroy(&w->w_cv);
	pthread_mutex_destroy(&w->w_mu);
	free(w);
}

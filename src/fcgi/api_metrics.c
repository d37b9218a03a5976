/*
 * GET /metrics: the Prometheus text format for the addresses of
 * [metrics] allow or the bearer token of [metrics] token; off (404, as
 * for any unknown path) when neither is set, so the endpoint says
 * nothing about the queue or even its own existence until an operator
 * turns it on.
 *
 * The ingest counts are kept in memory by each process and written to
 * metric_counters by metrics_flush, which fcgi_main calls about once a
 * second from its main thread (and before a scrape and at exit): a
 * statement per second per process instead of one per ingest, which
 * would add a write, and a hot row, to every event.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "metric.h"
#include "metrics.h"
#include "netguard.h"
#include "req.h"
#include "routes.h"
#include "version.h"

#define STATUS_MIN	100
#define STATUS_MAX	599

static pthread_mutex_t	 ingest_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long ingest_n[STATUS_MAX + 1];
static int		 ingest_any;

void
metrics_count_ingest(int status)
{
	if (status < STATUS_MIN || status > STATUS_MAX)
		return;
	pthread_mutex_lock(&ingest_mu);
	ingest_n[status]++;
	ingest_any = 1;
	pthread_mutex_unlock(&ingest_mu);
}

int
metrics_pending(void)
{
	int	 any;

	pthread_mutex_lock(&ingest_mu);
	any = ingest_any;
	pthread_mutex_unlock(&ingest_mu);
	return any;
}

int
metrics_flush(struct db *db)
{
	static unsigned long long taken[STATUS_MAX + 1];
	static pthread_mutex_t	 flush_mu = PTHREAD_MUTEX_INITIALIZER;
	struct metric_acc	 a;
	char			 label[16];
	int			 s, rc = 0;

	/* One flush at a time: taken is the flusher's. */
	pthread_mutex_lock(&flush_mu);
	pthread_mutex_lock(&ingest_mu);
	memcpy(taken, ingest_n, sizeof(taken));
	memset(ingest_n, 0, sizeof(ingest_n));
	ingest_any = 0;
	pthread_mutex_unlock(&ingest_mu);
	metric_acc_init(&a);
	for (s = STATUS_MIN; s <= STATUS_MAX; s++)
		if (taken[s] > 0) {
			snprintf(label, sizeof(label), "%d", s);
			metric_acc_add(&a, MC_INGEST, label, taken[s]);
		}
	if (a.ma_n > 0 && metric_acc_write(db, (unsigned)getpid(), &a)
	    == -1) {
		/* Kept for the next flush: a count is late, never lost
		 * while the process lives. */
		pthread_mutex_lock(&ingest_mu);
		for (s = STATUS_MIN; s <= STATUS_MAX; s++)
			ingest_n[s] += taken[s];
		ingest_any = 1;
		pthread_mutex_unlock(&ingest_mu);
		rc = -1;
	}
	pthread_mutex_unlock(&flush_mu);
	return rc;
}

/* The token compared in constant time: both sides hashed first, so
 * neither the length nor a common prefix shows in the timing. */
static int
token_ok(const char *given, const char *want)
{
	unsigned char	 g[CR_SHA256_LEN], w[CR_SHA256_LEN];

	cr_sha256(given, strlen(given), g);
	cr_sha256(want, strlen(want), w);
	return CRYPTO_memcmp(g, w, sizeof(g)) == 0;
}

/* 1 if the client may read the metrics; otherwise it has its answer. */
static int
metrics_access(struct req *r)
{
	const struct conf	*cf = r->r_cf;
	const char		*auth;

	if (cf->cf_metrics_allow.nn_n == 0 && cf->cf_metrics_token == NULL) {
		req_json_error(r, 404, "not_found", "no such resource: %s",
		    r->r_path);
		return 0;
	}
	if (ng_nets_match(&cf->cf_metrics_allow, req_param(r, "REMOTE_ADDR")))
		return 1;
	if (cf->cf_metrics_token == NULL) {
		req_json_error(r, 403, "forbidden", "this client address may "
		    "not read /metrics (see [metrics] allow)");
		return 0;
	}
	auth = req_header(r, "Authorization");
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0 &&
	    token_ok(auth + 7, cf->cf_metrics_token))
		return 1;
	req_add_header(r, "WWW-Authenticate", "Bearer realm=\"metrics\"");
	req_json_error(r, 401, "unauthorized", "/metrics needs "
	    "\"Authorization: Bearer\" with the [metrics] token");
	return 0;
}

void
metrics_get(struct req *r)
{
	struct buf	 b;

	if (!metrics_access(r))
		return;
	/* This process's own counts are as fresh as can be. */
	(void)metrics_flush(r->r_db);
	buf_init(&b);
	if (metric_render(r->r_db, r->r_cf->cf_heartbeat_timeout_ms,
	    WH_VERSION, &b) == -1) {
		buf_free(&b);
		req_db_error(r);
		return;
	}
	req_respond(r, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.b_data, b.b_len);
	buf_free(&b);
}

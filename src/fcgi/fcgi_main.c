/*
 * webhooks.fcgi: the FastCGI program for the JSON API, event ingest and
 * the admin pages.
 *
 * WORKERS threads accept requests on the one listening socket.  Apache's
 * mod_fcgid sends a process one request at a time, so there one thread
 * works and the rest wait; lighttpd sends a process as many as it has,
 * and concurrent ingests then share a commit (api_events.c).  A request
 * borrows a database connection from the process's pool and gives it
 * back: the pool opens one only when every one it has is in use, so a
 * process under mod_fcgid holds one connection.  The only state kept
 * between requests is those connections and the catalog cache.
 *
 * The main thread only waits for SIGTERM or SIGINT (blocked in every
 * thread, taken with sigwait); it then shuts the listening socket down,
 * which ends the waiting accepts at once, and lets requests under way
 * finish.  Both web servers give each process a socket of its own
 * (mod_fcgid one per process, lighttpd "socket-N"), so this stops no
 * other process.
 */
#include "config.h"

#include <sys/socket.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jsonw.h"
#include "log.h"
#include "metrics.h"
#include "req.h"
#include "routes.h"
#include "session.h"
#include "html.h"
#include "util.h"

#define WORKERS		8

/* The main thread writes the ingest counts once a second (metrics.h). */
#define FLUSH_SECONDS	1

struct pool {
	pthread_mutex_t	 p_mu;
	const struct conf *p_cf;
	/* The workers' and the main thread's flush. */
	struct db	*p_free[WORKERS + 1];
	size_t		 p_nfree;
};

struct worker {
	pthread_t	 w_thread;
	struct pool	*w_pool;
	const struct conf *w_cf;
	pthread_t	 w_main;
};

static volatile sig_atomic_t	 stopping;

void
health_get(struct req *r)
{
	struct buf	 b;
	int		 ok;

	ok = db_ping(r->r_db) == 0;
	buf_init(&b);
	buf_puts(&b, "{\"status\":");
	jw_str(&b, ok ? "ok" : "unavailable");
	buf_puts(&b, ",\"database\":");
	jw_str(&b, ok ? "reachable" : "unreachable");
	buf_putc(&b, '}');
	if (!ok)
		req_add_header(r, "Retry-After", "5");
	req_json(r, ok ? 200 : 503, &b);
	buf_free(&b);
}

static int	auth_api(struct req *);

/* Weak hook: the API module provides the real check. */
int	wh_auth_api(struct req *) __attribute__((weak));

static int
auth_api(struct req *r)
{
	if (wh_auth_api != NULL)
		return wh_auth_api(r);
	req_json_error(r, 401, "unauthorized", "API keys are not enabled");
	return -1;
}


static void
handle(struct req *r)
{
	const struct route	*rt;
	const char		*uri;
	char			*q;
	size_t			 len;
	int			 mismatch;

	r->r_method = req_param(r, "REQUEST_METHOD");
	if (r->r_method == NULL)
		r->r_method = "GET";
	/* REQUEST_URI is the one parameter lighttpd and Apache agree on. */
	uri = req_param(r, "REQUEST_URI");
	if (uri == NULL)
		uri = "/";
	r->r_path = xstrdup(uri);
	if ((q = strchr(r->r_path, '?')) != NULL)
		*q = '\0';
	len = strlen(r->r_path);
	if (req_urldecode(r->r_path, &len) == -1 || r->r_path[0] != '/') {
		req_json_error(r, 400, "bad_request", "malformed request path");
		return;
	}
	/* '+' is literal in a path, but req_urldecode maps it to space:
	 * no route has either, so both simply fail to match. */
	r->r_query = req_param(r, "QUERY_STRING");
	if (r->r_query == NULL)
		r->r_query = "";
	{
		const char *https = req_param(r, "HTTPS");

		r->r_https = https != NULL && (strcasecmp(https, "on") == 0 ||
		    strcmp(https, "1") == 0);
	}
	if ((rt = route_match(r, &mismatch)) == NULL) {
		if (strncmp(r->r_path, "/admin", 6) == 0) {
			if (strcmp(r->r_path, "/admin") == 0 ||
			    strcmp(r->r_path, "/admin/") == 0)
				req_redirect(r, "/admin/webhooks");
			else
				html_error(r, mismatch ? 405 : 404, mismatch ?
				    "That action is not available here." :
				    "There is no such page.");
		} else if (mismatch)
			req_json_error(r, 405, "method_not_allowed", "%s is not "
			    "allowed on %s", r->r_method, r->r_path);
		else
			req_json_error(r, 404, "not_found", "no such resource:"
			    " %s", r->r_path);
		return;
	}
	if (rt->rt_auth == AUTH_API && auth_api(r) == -1)
		return;
	if (rt->rt_auth == AUTH_SESSION && wh_auth_session(r) == -1)
		return;
	rt->rt_fn(r);
	if (!r->r_sent)
		req_json_error(r, 500, "internal_error", "no response");
}

static struct db *
pool_get(struct pool *p)
{
	struct db	*db = NULL;

	pthread_mutex_lock(&p->p_mu);
	if (p->p_nfree > 0)
		db = p->p_free[--p->p_nfree];
	pthread_mutex_unlock(&p->p_mu);
	return db != NULL ? db : db_new(p->p_cf);
}

static void
pool_put(struct pool *p, struct db *db)
{
	pthread_mutex_lock(&p->p_mu);
	/* At most WORKERS + 1 are ever out at once, so there is room. */
	p->p_free[p->p_nfree++] = db;
	pthread_mutex_unlock(&p->p_mu);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	FCGX_Request	 fr;
	struct req	 r;
	struct db	*db;

	FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping && FCGX_Accept_r(&fr) >= 0) {
		db = pool_get(w->w_pool);
		memset(&r, 0, sizeof(r));
		r.r_fcgx = &fr;
		r.r_cf = w->w_cf;
		r.r_db = db;
		r.r_start_ms = util_mono_ms();
		buf_init(&r.r_hdrs);
		handle(&r);
		if (r.r_status != 0 && strcmp(r.r_method, "POST") == 0 &&
		    r.r_path != NULL && strcmp(r.r_path, "/api/v1/events") == 0)
			metrics_count_ingest(r.r_status);
		log_info("%s %s %d %lldms tenant=%llu", r.r_method,
		    r.r_path ? r.r_path : "-", r.r_status,
		    (long long)(util_mono_ms() - r.r_start_ms), r.r_tenant);
		/* An aborted transaction must not leak into the next request. */
		db_rollback(db);
		pool_put(w->w_pool, db);
		free(r.r_path);
		free(r.r_body);
		free(r.r_csrf);
		buf_free(&r.r_hdrs);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 0);
	/* The socket failed, or the process is stopping: either way the
	 * main thread ends the others. */
	pthread_kill(w->w_main, SIGTERM);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct conf	 cf;
	struct pool	 pool;
	struct worker	 w[WORKERS];
	sigset_t	 set;
	const char	*cfile = NULL;
	char		 err[1024];
	struct db	*db;
	size_t		 i, started = 0;
	int		 c, sig;

	log_init("webhooks.fcgi", LOG_INFO);
	while ((c = getopt(argc, argv, "c:")) != -1)
		switch (c) {
		case 'c': cfile = optarg; break;
		default:
			fprintf(stderr, "usage: webhooks.fcgi [-c file]\n");
			return 2;
		}
	if (conf_load(&cf, conf_default_path(cfile), err, sizeof(err))) {
		log_err("%s", err);
		return 2;
	}
	log_set_level((enum log_level)cf.cf_log_level);
	/* Secrets are sealed with the master key; create it if this is the
	 * first program to run. */
	if (cr_master_load(cf.cf_master_key_file, 1) == -1)
		log_warn("no master key: endpoints cannot be created until "
		    "%s is readable", cf.cf_master_key_file);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	memset(&pool, 0, sizeof(pool));
	pthread_mutex_init(&pool.p_mu, NULL);
	pool.p_cf = &cf;
	/* The first connection, before any thread: it also initialises the
	 * client library, which is not safe to do from two at once. */
	pool.p_free[pool.p_nfree++] = db_new(&cf);
	(void)db_connect(pool.p_free[0]);	/* retried per request */
	if (FCGX_Init() != 0) {
		log_err("FCGX_Init failed");
		return 1;
	}
	for (i = 0; i < WORKERS; i++) {
		w[i].w_pool = &pool;
		w[i].w_cf = &cf;
		w[i].w_main = pthread_self();
		if (pthread_create(&w[i].w_thread, NULL, worker_main, &w[i])
		    != 0) {
			log_warn("cannot start a request thread; %zu running",
			    started);
			break;
		}
		started++;
	}
	if (started == 0)
		return 1;
	/* Between signals, the ingest counts go to the database: from here
	 * rather than after a request, so a process that gets no more
	 * requests still writes its last ones. */
	for (;;) {
		struct timespec	 ts = { FLUSH_SECONDS, 0 };

		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (metrics_pending()) {
			db = pool_get(&pool);
			(void)metrics_flush(db);
			pool_put(&pool, db);
		}
	}
	stopping = 1;
	/* Ends every accept() waiting on it, with EINVAL. */
	(void)shutdown(0, SHUT_RDWR);
	for (i = 0; i < started; i++)
		pthread_join(w[i].w_thread, NULL);
	if (metrics_pending()) {
		db = pool_get(&pool);
		if (metrics_flush(db) == -1)
			log_warn("ingest counts not written at exit: %s",
			    db_error(db));
		pool_put(&pool, db);
	}
	for (i = 0; i < pool.p_nfree; i++)
		db_free(pool.p_free[i]);
	pthread_mutex_destroy(&pool.p_mu);
	conf_free(&cf);
	return 0;
}

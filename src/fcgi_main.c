/* webhooks.fcgi: the FastCGI program for the JSON API, event ingest and
 * the admin pages.  One request at a time per process (mod_fcgid's
 * model); lighttpd may run several processes.  The only state kept
 * between requests is the database connection and the catalog cache. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "jsonw.h"
#include "log.h"
#include "req.h"
#include "routes.h"
#include "session.h"
#include "html.h"
#include "util.h"

static volatile sig_atomic_t	 stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

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

int
main(int argc, char **argv)
{
	struct conf	 cf;
	struct db	*db;
	FCGX_Request	 fr;
	struct req	 r;
	const char	*cfile = NULL;
	char		 err[1024];
	int		 c;

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
	/* No SA_RESTART, and FCGI_FAIL_ACCEPT_ON_INTR below: a SIGTERM
	 * while waiting for a request must end the wait, or the web server
	 * that stops us is left with orphans.  One in the middle of a
	 * request lets it finish first. */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	db = db_new(&cf);
	(void)db_connect(db);	/* failures are retried per request */
	if (FCGX_Init() != 0) {
		log_err("FCGX_Init failed");
		return 1;
	}
	FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping && FCGX_Accept_r(&fr) >= 0) {
		memset(&r, 0, sizeof(r));
		r.r_fcgx = &fr;
		r.r_cf = &cf;
		r.r_db = db;
		r.r_start_ms = util_mono_ms();
		buf_init(&r.r_hdrs);
		handle(&r);
		log_info("%s %s %d %lldms tenant=%llu", r.r_method,
		    r.r_path ? r.r_path : "-", r.r_status,
		    (long long)(util_mono_ms() - r.r_start_ms), r.r_tenant);
		/* An aborted transaction must not leak into the next request. */
		db_rollback(db);
		free(r.r_path);
		free(r.r_body);
		free(r.r_csrf);
		buf_free(&r.r_hdrs);
		FCGX_Finish_r(&fr);
	}
	db_free(db);
	conf_free(&cf);
	return 0;
}

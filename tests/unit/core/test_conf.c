/* conf: good files, and every kind of broken file with its message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "t.h"

static char	 path[64];

static int
load(const char *text, struct conf *cf, char *err, size_t errsz)
{
	FILE	*f;

	snprintf(path, sizeof(path), "/tmp/whconf-%ld.conf", (long)getpid());
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return conf_load(cf, path, err, errsz);
}

#define MIN "[database]\nuser = u\nname = n\n"

int
main(void)
{
	static const struct { const char *text; const char *want; } bad[] = {
		{ MIN "[delivery]\nretry_schedul = 1m\n",
		    ":5: unknown key 'retry_schedul' in [delivery]" },
		{ MIN "[delivery]\nretry_schedule = 1m fast\n",
		    ":5: bad value for 'retry_schedule' in [delivery]: expected" },
		{ MIN "[delivery]\ntimeout = 10 seconds\n",
		    ":5: bad value for 'timeout'" },
		{ MIN "[delivery]\nconcurrency = 0\n",
		    "expected a number from 1 to 4096" },
		{ MIN "[delivery]\nallow_private_networks = maybe\n",
		    "expected yes or no" },
		{ MIN "[ingest]\nmax_body = 1MB\n", "bad value for 'max_body'" },
		{ MIN "[database]\nport = 99999\n", ":5: bad value for 'port'" },
		{ MIN "[delivery\n", ":4: malformed section header" },
		{ MIN "[nosuch]\n", ":4: unknown section [nosuch]" },
		{ MIN "just words\n", ":4: expected key = value" },
		{ "user = u\n", ":1: key 'user' before any [section]" },
		{ "[database]\nuser = u\n", "needs at least 'user' and 'name'" },
		{ MIN "[log]\nlevel = loud\n", "expected error, warning, info" },
		{ MIN "[delivery]\nuser_agent = a\rb\n", ":5: control character" },
		{ MIN "[delivery]\nallowed_ports = 22 ssh\n",
		    ":5: bad value for 'allowed_ports' in [delivery]: expected "
		    "ports or ranges" },
		{ MIN "[delivery]\nallowed_ports = 0\n", "'allowed_ports'" },
		{ MIN "[delivery]\nallowed_ports = 70000\n", "'allowed_ports'" },
		{ MIN "[delivery]\nallowed_ports = 30-20\n", "'allowed_ports'" },
		{ MIN "[delivery]\nallowed_ports = 22-\n", "'allowed_ports'" },
		{ MIN "[security]\nsecure_cookies = yes\n",
		    ":5: bad value for 'secure_cookies' in [security]: expected "
		    "auto, always or never" },
		{ MIN "[security]\nsession_idle = 10s\n",
		    "bad value for 'session_idle'" },
		{ MIN "[security]\nadmin_link_lifetime = 0s\n",
		    "bad value for 'admin_link_lifetime'" },
		{ MIN "[security]\nadmin_link_lifetime = 2h\n",
		    ":5: bad value for 'admin_link_lifetime' in [security]: "
		    "expected a duration from 1s to 1h" },
		{ MIN "[security]\nlogin_max_failures_per_address = 0\n",
		    "bad value for 'login_max_failures_per_address'" },
		{ MIN "[limits]\nendpoints_per_tenant = -1\n",
		    ":5: bad value for 'endpoints_per_tenant' in [limits]" },
		{ MIN "[limits]\ningest_per_second = lots\n",
		    "bad value for 'ingest_per_second'" },
		{ MIN "[limits]\nnosuch = 1\n", "unknown key 'nosuch' in [limits]" },
		{ MIN "[metrics]\nallow = 127.0.0.1 prometheus.local\n",
		    ":5: bad value for 'allow' in [metrics]: expected addresses" },
		{ MIN "[metrics]\nallow = 10.0.0.0/33\n", "bad value for 'allow'" },
		{ MIN "[metrics]\nallow = ::1/129\n", "bad value for 'allow'" },
		{ MIN "[metrics]\ntoken = short\n",
		    ":5: bad value for 'token' in [metrics]: expected a bearer "
		    "token of 16" },
		{ MIN "[metrics]\ntoken = \"sixteen chars and a space\"\n",
		    "bad value for 'token'" },
		{ MIN "[delivery]\nretry_schedule = 1s 1s 1s 1s 1s 1s 1s 1s 1s "
		    "1s 1s 1s 1s 1s 1s 1s 1s\n", "bad value for 'retry_schedule'" },
	};
	struct conf	 cf;
	char		 err[512];
	size_t		 i;
	int		 rc;

	rc = load("; comment\n# comment\n[database]\nhost = db.example\n"
	    "port = 3307\nuser = webhooks\npassword = \"p;a#ss\" ; quoted\n"
	    "name = webhooks\n\n[delivery]\nretry_schedule = 1s 2s 3s 4s 5s"
	    "   ; tests\ntimeout = 1500ms\nconcurrency = 256\n"
	    "allow_private_networks = yes\n[ingest]\nmax_body = 64KiB\n",
	    &cf, err, sizeof(err));
	T_CHECK(rc == 0, "a full file loads (%s)", rc ? err : "ok");
	if (rc == 0) {
		T_CHECK(strcmp(cf.cf_db_host, "db.example") == 0 &&
		    cf.cf_db_port == 3307, "database host and port read");
		T_CHECK(strcmp(cf.cf_db_password, "p;a#ss") == 0,
		    "a quoted value keeps ; and #");
		T_CHECK(cf.cf_retry_n == 5 && cf.cf_retry_ms[0] == 1000 &&
		    cf.cf_retry_ms[4] == 5000, "retry schedule with inline "
		    "comment");
		T_CHECK(cf.cf_timeout_ms == 1500, "timeout in ms");
		T_CHECK(cf.cf_concurrency == 256 && cf.cf_allow_private == 1,
		    "concurrency and allow_private_networks");
		T_CHECK(cf.cf_max_body == 65536, "max_body in KiB");
		T_CHECK(cf.cf_master_key_file != NULL &&
		    strcmp(cf.cf_master_key_file, "/tmp/webhooks.key") == 0,
		    "master key defaults beside the config file");
		conf_free(&cf);
	}

	rc = load(MIN, &cf, err, sizeof(err));
	T_CHECK(rc == 0, "only user and name are required");
	if (rc == 0) {
		T_CHECK(cf.cf_retry_n == 5 && cf.cf_retry_ms[0] == 60000 &&
		    cf.cf_retry_ms[1] == 300000 && cf.cf_retry_ms[2] == 1800000
		    && cf.cf_retry_ms[3] == 7200000 &&
		    cf.cf_retry_ms[4] == 43200000,
		    "default retry schedule is the seed's 1m 5m 30m 2h 12h");
		T_CHECK(cf.cf_timeout_ms == 10000 && cf.cf_concurrency == 64 &&
		    cf.cf_allow_private == 0 && cf.cf_max_body == 1048576,
		    "defaults match DESIGN.md");
		T_CHECK(strcmp(cf.cf_db_host, "127.0.0.1") == 0,
		    "host defaults to 127.0.0.1");
		T_CHECK(cf.cf_allowed_ports.np_n == 0 &&
		    cf.cf_session_idle_ms == 3600000 &&
		    cf.cf_secure_cookies == CONF_COOKIES_AUTO &&
		    cf.cf_login_addr_max_failures == 50,
		    "hardening defaults: no extra ports, 1h idle, auto cookies, "
		    "50 failures per address");
		T_CHECK(cf.cf_admin_link_ms == 300000,
		    "a sign-in link lasts 5m by default");
		T_CHECK(cf.cf_endpoints_per_tenant == 100 &&
		    cf.cf_manual_per_minute == 10 &&
		    cf.cf_ingest_per_second == 0,
		    "limits default to 100 endpoints, 10 manual sends a minute, "
		    "ingest unlimited");
		conf_free(&cf);
	}

	rc = load(MIN "[delivery]\nallowed_ports = 22, 2000-2100 873\n"
	    "[security]\nsecure_cookies = always\nsession_idle = 30m\n"
	    "admin_link_lifetime = 90s\n"
	    "[limits]\nendpoints_per_tenant = 0\ningest_per_second = 50\n",
	    &cf, err, sizeof(err));
	T_CHECK(rc == 0, "hardening keys load (%s)", rc ? err : "ok");
	if (rc == 0) {
		T_CHECK(cf.cf_allowed_ports.np_n == 3 &&
		    cf.cf_allowed_ports.np_lo[1] == 2000 &&
		    cf.cf_allowed_ports.np_hi[1] == 2100 &&
		    cf.cf_allowed_ports.np_lo[2] == 873,
		    "allowed_ports: ports and ranges, spaces or commas");
		T_CHECK(cf.cf_secure_cookies == CONF_COOKIES_ALWAYS &&
		    cf.cf_session_idle_ms == 1800000 &&
		    cf.cf_endpoints_per_tenant == 0 &&
		    cf.cf_ingest_per_second == 50 &&
		    cf.cf_admin_link_ms == 90000,
		    "secure_cookies, session_idle, admin_link_lifetime and "
		    "[limits] read");
		conf_free(&cf);
	}

	rc = load(MIN, &cf, err, sizeof(err));
	T_CHECK(rc == 0 && cf.cf_metrics_allow.nn_n == 0 &&
	    cf.cf_metrics_token == NULL, "[metrics] is off by default");
	if (rc == 0)
		conf_free(&cf);
	rc = load(MIN "[metrics]\nallow = 127.0.0.1, 10.1.0.0/16 ::1\n"
	    "token = 0123456789abcdef-scrape\n", &cf, err, sizeof(err));
	T_CHECK(rc == 0, "[metrics] keys load (%s)", rc ? err : "ok");
	if (rc == 0) {
		T_CHECK(cf.cf_metrics_allow.nn_n == 3 &&
		    ng_nets_match(&cf.cf_metrics_allow, "10.1.200.7") &&
		    !ng_nets_match(&cf.cf_metrics_allow, "10.2.0.1") &&
		    strcmp(cf.cf_metrics_token, "0123456789abcdef-scrape") == 0,
		    "[metrics] allow takes addresses and networks, token read");
		conf_free(&cf);
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = load(bad[i].text, &cf, err, sizeof(err));
		T_CHECK(rc == -1 && strstr(err, bad[i].want) != NULL &&
		    strstr(err, path) != NULL, "broken file %zu is refused "
		    "naming file, line and key: %s", i + 1, err);
		if (rc == 0)
			conf_free(&cf);
	}
	rc = conf_load(&cf, "/nonexistent/webhooks.conf", err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "cannot open") != NULL,
	    "a missing file is reported");

	setenv("WEBHOOKS_CONFIG", "/from/env.conf", 1);
	T_CHECK(strcmp(conf_default_path("/opt.conf"), "/opt.conf") == 0,
	    "-c wins over the environment");
	T_CHECK(strcmp(conf_default_path(NULL), "/from/env.conf") == 0,
	    "WEBHOOKS_CONFIG is used without -c");
	unsetenv("WEBHOOKS_CONFIG");
	T_CHECK(strstr(conf_default_path(NULL), "/webhooks.conf") != NULL,
	    "sysconfdir is the fallback");
	unlink(path);
	return t_done();
}

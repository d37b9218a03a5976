/* INI configuration reader.  A table lists every key with its parser,
 * so an unknown key or a bad value is reported with file, line, key and
 * what was expected, and the sample config documents the same table. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "util.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

enum ckind {
	C_STR, C_UINT, C_PORT, C_BOOL, C_DUR, C_SIZE, C_RETRY, C_LOG, C_SMTP,
	C_PORTS, C_COOKIES, C_NETS, C_TOKEN
};

struct ckey {
	const char	*k_section;
	const char	*k_name;
	enum ckind	 k_kind;
	size_t		 k_off;
	long long	 k_min, k_max;	/* C_UINT, C_DUR (ms), C_SIZE */
	const char	*k_expect;
};

#define O(f)	offsetof(struct conf, f)
static const struct ckey ckeys[] = {
	{ "database", "host", C_STR, O(cf_db_host), 0, 0, "a host name" },
	{ "database", "port", C_PORT, O(cf_db_port), 1, 65535,
	    "a port number from 1 to 65535" },
	{ "database", "socket", C_STR, O(cf_db_socket), 0, 0, "a path" },
	{ "database", "user", C_STR, O(cf_db_user), 0, 0, "a user name" },
	{ "database", "password", C_STR, O(cf_db_password), 0, 0, "a password" },
	{ "database", "name", C_STR, O(cf_db_name), 0, 0, "a database name" },
	{ "database", "connect_timeout", C_DUR, O(cf_db_connect_timeout_ms),
	    1000, 3600000, "a duration from 1s to 1h, e.g. 5s" },

	{ "delivery", "retry_schedule", C_RETRY, O(cf_retry_ms), 0, 0,
	    "1 to 16 durations separated by spaces, e.g. 1m 5m 30m 2h 12h" },
	{ "delivery", "timeout", C_DUR, O(cf_timeout_ms), 100, 3600000,
	    "a duration from 100ms to 1h, e.g. 10s" },
	{ "delivery", "connect_timeout", C_DUR, O(cf_connect_timeout_ms),
	    100, 3600000, "a duration from 100ms to 1h, e.g. 5s" },
	{ "delivery", "concurrency", C_UINT, O(cf_concurrency), 1, 4096,
	    "a number from 1 to 4096" },
	{ "delivery", "endpoint_concurrency", C_UINT,
	    O(cf_endpoint_concurrency), 1, 4096, "a number from 1 to 4096" },
	{ "delivery", "tenant_concurrency", C_UINT,
	    O(cf_tenant_concurrency), 1, 4096, "a number from 1 to 4096" },
	{ "delivery", "heartbeat_interval", C_DUR, O(cf_heartbeat_ms), 100,
	    60000, "a duration from 100ms to 1m, e.g. 1s" },
	{ "delivery", "heartbeat_timeout", C_DUR, O(cf_heartbeat_timeout_ms),
	    1000, 3600000, "a duration from 1s to 1h, e.g. 5s" },
	{ "delivery", "allow_private_networks", C_BOOL, O(cf_allow_private),
	    0, 0, "yes or no" },
	{ "delivery", "response_capture", C_SIZE, O(cf_response_capture),
	    0, 1048576, "a size up to 1MiB, e.g. 4KiB" },
	{ "delivery", "user_agent", C_STR, O(cf_user_agent), 0, 0, "a string" },
	{ "delivery", "poll_interval", C_DUR, O(cf_poll_ms), 10, 60000,
	    "a duration from 10ms to 1m, e.g. 1s" },
	{ "delivery", "lease", C_DUR, O(cf_lease_ms), 1000, 86400000,
	    "a duration from 1s to 1d, e.g. 2m" },
	{ "delivery", "claim_batch", C_UINT, O(cf_claim_batch), 1, 10000,
	    "a number from 1 to 10000" },
	{ "delivery", "retry_after_max", C_DUR, O(cf_retry_after_max_ms), 0,
	    604800000, "a duration up to 7d, e.g. 1h" },
	{ "delivery", "drain_budget", C_DUR, O(cf_drain_budget_ms), 1000,
	    86400000, "a duration from 1s to 1d, e.g. 55s" },
	{ "delivery", "disable_after", C_DUR, O(cf_disable_after_ms), 1000,
	    31536000000LL, "a duration from 1s to 365d, e.g. 5d" },
	{ "delivery", "wake_address", C_STR, O(cf_wake_addr), 0, 0,
	    "host:port of the dispatcher's wake-up socket, or empty" },
	{ "delivery", "allowed_ports", C_PORTS, O(cf_allowed_ports), 0, 0,
	    "ports or ranges from 1 to 65535 separated by spaces, at most 32, "
	    "e.g. 22 2000-2100" },

	{ "ingest", "max_body", C_SIZE, O(cf_max_body), 1024, 1073741824,
	    "a size from 1KiB to 1GiB, e.g. 1MiB" },
	{ "ingest", "max_batch", C_UINT, O(cf_max_batch), 1, 100000,
	    "a number from 1 to 100000" },
	{ "ingest", "idempotency_window", C_DUR, O(cf_idempotency_ms), 60000,
	    2592000000LL, "a duration from 1m to 30d, e.g. 24h" },

	{ "security", "master_key_file", C_STR, O(cf_master_key_file), 0, 0,
	    "a path" },
	{ "security", "session_lifetime", C_DUR, O(cf_session_ms), 60000,
	    2592000000LL, "a duration from 1m to 30d, e.g. 12h" },
	{ "security", "session_idle", C_DUR, O(cf_session_idle_ms), 60000,
	    2592000000LL, "a duration from 1m to 30d, e.g. 1h" },
	{ "security", "secure_cookies", C_COOKIES, O(cf_secure_cookies), 0, 0,
	    "auto, always or never" },
	{ "security", "login_max_failures", C_UINT, O(cf_login_max_failures),
	    1, 1000, "a number from 1 to 1000" },
	{ "security", "login_max_failures_per_address", C_UINT,
	    O(cf_login_addr_max_failures), 1, 100000,
	    "a number from 1 to 100000" },
	{ "security", "login_lockout", C_DUR, O(cf_login_lockout_ms), 1000,
	    86400000, "a duration from 1s to 1d, e.g. 15m" },
	{ "security", "admin_link_lifetime", C_DUR, O(cf_admin_link_ms), 1000,
	    3600000, "a duration from 1s to 1h, e.g. 5m" },

	{ "notify", "smtp_url", C_SMTP, O(cf_smtp_url), 0, 0,
	    "smtp://host:port or smtps://host:port" },
	{ "notify", "from", C_STR, O(cf_mail_from), 0, 0,
	    "an address, e.g. webhooks@example.com" },
	{ "notify", "user", C_STR, O(cf_smtp_user), 0, 0, "a user name" },
	{ "notify", "password", C_STR, O(cf_smtp_password), 0, 0,
	    "a password" },
	{ "notify", "interval", C_DUR, O(cf_notify_interval_ms), 1000,
	    2592000000LL, "a duration from 1s to 30d, e.g. 24h" },
	{ "notify", "admin_url", C_STR, O(cf_admin_url), 0, 0,
	    "the admin's base URL, e.g. https://hooks.example.com" },
	{ "limits", "endpoints_per_tenant", C_UINT,
	    O(cf_endpoints_per_tenant), 0, 1000000,
	    "a number from 0 (no limit) to 1000000" },
	{ "limits", "manual_deliveries_per_minute", C_UINT,
	    O(cf_manual_per_minute), 0, 1000000,
	    "a number from 0 (no limit) to 1000000" },
	{ "limits", "ingest_per_second", C_UINT, O(cf_ingest_per_second), 0,
	    10000000, "a number from 0 (no limit) to 10000000" },

	{ "metrics", "allow", C_NETS, O(cf_metrics_allow), 0, 0,
	    "addresses or networks separated by spaces, at most 32, e.g. "
	    "127.0.0.1 10.0.0.0/8 ::1" },
	{ "metrics", "token", C_TOKEN, O(cf_metrics_token), 16, 256,
	    "a bearer token of 16 to 256 printable characters without spaces" },

	{ "retention", "days", C_UINT, O(cf_retention_days), 1, 3650,
	    "a number of days from 1 to 3650" },

	{ "log", "level", C_LOG, O(cf_log_level), 0, 0,
	    "error, warning, info or debug" },
};
#undef O

const char *
conf_default_path(const char *opt)
{
	const char	*env;

	if (opt != NULL)
		return opt;
	if ((env = getenv("WEBHOOKS_CONFIG")) != NULL && *env != '\0')
		return env;
	return SYSCONFDIR "/webhooks.conf";
}

void
conf_defaults(struct conf *cf)
{
	static const long long retry[] = {
		60000, 300000, 1800000, 7200000, 43200000
	};

	memset(cf, 0, sizeof(*cf));
	cf->cf_db_port = 3306;
	cf->cf_db_connect_timeout_ms = 5000;
	memcpy(cf->cf_retry_ms, retry, sizeof(retry));
	cf->cf_retry_n = sizeof(retry) / sizeof(retry[0]);
	cf->cf_timeout_ms = 10000;
	cf->cf_connect_timeout_ms = 5000;
	cf->cf_concurrency = 64;
	cf->cf_endpoint_concurrency = 8;
	cf->cf_tenant_concurrency = 0;	/* half of concurrency */
	cf->cf_heartbeat_ms = 1000;
	cf->cf_heartbeat_timeout_ms = 5000;
	cf->cf_allow_private = 0;
	cf->cf_response_capture = 4096;
	cf->cf_poll_ms = 1000;
	cf->cf_lease_ms = 120000;
	cf->cf_claim_batch = 100;
	cf->cf_retry_after_max_ms = 3600000;
	cf->cf_drain_budget_ms = 55000;
	cf->cf_wake_addr = xstrdup("127.0.0.1:8799");
	cf->cf_max_body = 1048576;
	cf->cf_max_batch = 1000;
	cf->cf_idempotency_ms = 86400000;
	cf->cf_session_ms = 43200000;
	cf->cf_session_idle_ms = 3600000;
	cf->cf_secure_cookies = CONF_COOKIES_AUTO;
	cf->cf_login_max_failures = 5;
	cf->cf_login_addr_max_failures = 50;
	cf->cf_endpoints_per_tenant = 100;
	cf->cf_manual_per_minute = 10;
	cf->cf_ingest_per_second = 0;
	cf->cf_login_lockout_ms = 900000;
	cf->cf_admin_link_ms = 300000;
	cf->cf_retention_days = 30;
	cf->cf_disable_after_ms = 432000000;
	cf->cf_notify_interval_ms = 86400000;
	cf->cf_log_level = LOG_INFO;
}

void
conf_free(struct conf *cf)
{
	size_t	 i;

	if (cf == NULL)
		return;
	for (i = 0; i < sizeof(ckeys) / sizeof(ckeys[0]); i++)
		if (ckeys[i].k_kind == C_STR || ckeys[i].k_kind == C_SMTP ||
		    ckeys[i].k_kind == C_TOKEN)
			free(*(char **)((char *)cf + ckeys[i].k_off));
	free(cf->cf_path);
	memset(cf, 0, sizeof(*cf));
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* A value ends at an inline comment (" ;" or " #"); quotes keep it. */
static char *
value_text(char *v)
{
	char	*p;

	v = trim(v);
	/* A quoted value ends at its closing quote; what follows may only
	 * be an inline comment. */
	if (v[0] == '"' || v[0] == '\'') {
		char	*close = strchr(v + 1, v[0]);

		if (close != NULL) {
			p = trim(close + 1);
			if (*p == '\0' || *p == ';' || *p == '#') {
				*close = '\0';
				return v + 1;
			}
		}
	}
	for (p = v; *p != '\0'; p++)
		if ((*p == ';' || *p == '#') && (p == v ||
		    isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	return trim(v);
}

static int
set_key(struct conf *cf, const struct ckey *k, const char *v)
{
	void		*field = (char *)cf + k->k_off;
	long long	 n, ms;
	const char	*errstr;
	size_t		 sz, cnt, len, i;
	char		*copy, *tok, *save;
	enum log_level	 lvl;

	switch (k->k_kind) {
	case C_SMTP:
		if (strncmp(v, "smtp://", 7) != 0 &&
		    strncmp(v, "smtps://", 8) != 0 && *v != '\0')
			return -1;
		/* FALLTHROUGH */
	case C_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return 0;
	case C_UINT:
	case C_PORT:
		n = util_strtonum(v, k->k_min, k->k_max, &errstr);
		if (errstr != NULL)
			return -1;
		*(unsigned *)field = (unsigned)n;
		return 0;
	case C_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
		    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
		    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
			*(int *)field = 0;
		else
			return -1;
		return 0;
	case C_DUR:
		if (util_parse_duration_ms(v, &ms) == -1 || ms < k->k_min ||
		    ms > k->k_max)
			return -1;
		*(long long *)field = ms;
		return 0;
	case C_SIZE:
		if (util_parse_size(v, &sz) == -1 ||
		    (long long)sz < k->k_min || (long long)sz > k->k_max)
			return -1;
		*(size_t *)field = sz;
		return 0;
	case C_RETRY:
		copy = xstrdup(v);
		cnt = 0;
		for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t,", &save)) {
			if (cnt == CONF_RETRY_MAX ||
			    util_parse_duration_ms(tok, &ms) == -1 ||
			    ms < 100 || ms > 30LL * 86400000) {
				free(copy);
				return -1;
			}
			cf->cf_retry_ms[cnt++] = ms;
		}
		free(copy);
		if (cnt == 0)
			return -1;
		cf->cf_retry_n = cnt;
		return 0;
	case C_PORTS:
		return ng_ports_parse(v, (struct ng_ports *)field);
	case C_NETS:
		return ng_nets_parse(v, (struct ng_nets *)field);
	case C_TOKEN:
		/* It travels in an Authorization header: visible ASCII. */
		len = strlen(v);
		if ((long long)len < k->k_min || (long long)len > k->k_max)
			return -1;
		for (i = 0; i < len; i++)
			if ((unsigned char)v[i] <= 0x20 ||
			    (unsigned char)v[i] >= 0x7f)
				return -1;
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return 0;
	case C_COOKIES:
		if (strcmp(v, "auto") == 0)
			*(int *)field = CONF_COOKIES_AUTO;
		else if (strcmp(v, "always") == 0)
			*(int *)field = CONF_COOKIES_ALWAYS;
		else if (strcmp(v, "never") == 0)
			*(int *)field = CONF_COOKIES_NEVER;
		else
			return -1;
		return 0;
	case C_LOG:
		if (log_level_parse(v, &lvl) == -1)
			return -1;
		*(int *)field = (int)lvl;
		return 0;
	}
	return -1;
}

int
conf_load(struct conf *cf, const char *path, char *err, size_t errsz)
{
	FILE		*f;
	char		*line = NULL, *p, *eq, *key, *val, section[64] = "";
	size_t		 cap = 0, i, lineno = 0;
	ssize_t		 len;
	const struct ckey *k;
	int		 rc = -1, have_name = 0, have_user = 0;

	conf_defaults(cf);
	cf->cf_path = xstrdup(path);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: cannot open: %s", path,
		    strerror(errno));
		conf_free(cf);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if ((size_t)len != strlen(line)) {
			snprintf(err, errsz, "%s:%zu: NUL byte in line", path,
			    lineno);
			goto out;
		}
		p = trim(line);
		if (*p == '\0' || *p == ';' || *p == '#')
			continue;
		if (*p == '[') {
			if ((eq = strchr(p, ']')) == NULL ||
			    (size_t)(eq - p - 1) >= sizeof(section) ||
			    *trim(eq + 1) != '\0') {
				snprintf(err, errsz, "%s:%zu: malformed section"
				    " header, expected [name]", path, lineno);
				goto out;
			}
			memcpy(section, p + 1, (size_t)(eq - p - 1));
			section[eq - p - 1] = '\0';
			for (i = 0; i < sizeof(ckeys) / sizeof(ckeys[0]); i++)
				if (strcmp(ckeys[i].k_section, section) == 0)
					break;
			if (i == sizeof(ckeys) / sizeof(ckeys[0])) {
				snprintf(err, errsz, "%s:%zu: unknown section "
				    "[%s]; expected [database], [delivery], "
				    "[ingest], [security], [limits], [notify], "
				    "[metrics], [retention] or [log]",
				    path, lineno, section);
				goto out;
			}
			continue;
		}
		if ((eq = strchr(p, '=')) == NULL) {
			snprintf(err, errsz, "%s:%zu: expected key = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(p);
		val = value_text(eq + 1);
		/* Values end up in headers and log lines: no control bytes. */
		for (p = val; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				break;
		if (*p != '\0') {
			snprintf(err, errsz, "%s:%zu: control character in the "
			    "value of '%s'", path, lineno, key);
			goto out;
		}
		if (section[0] == '\0') {
			snprintf(err, errsz, "%s:%zu: key '%s' before any "
			    "[section]", path, lineno, key);
			goto out;
		}
		k = NULL;
		for (i = 0; i < sizeof(ckeys) / sizeof(ckeys[0]); i++)
			if (strcmp(ckeys[i].k_section, section) == 0 &&
			    strcmp(ckeys[i].k_name, key) == 0) {
				k = &ckeys[i];
				break;
			}
		if (k == NULL) {
			snprintf(err, errsz, "%s:%zu: unknown key '%s' in "
			    "[%s]", path, lineno, key, section);
			goto out;
		}
		if (set_key(cf, k, val) == -1) {
			snprintf(err, errsz, "%s:%zu: bad value for '%s' in "
			    "[%s]: expected %s", path, lineno, key, section,
			    k->k_expect);
			goto out;
		}
		if (k->k_off == offsetof(struct conf, cf_db_name))
			have_name = 1;
		if (k->k_off == offsetof(struct conf, cf_db_user))
			have_user = 1;
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	if (!have_name || !have_user) {
		snprintf(err, errsz, "%s: [database] needs at least 'user' "
		    "and 'name'", path);
		goto out;
	}
	if (cf->cf_db_host == NULL && cf->cf_db_socket == NULL)
		cf->cf_db_host = xstrdup("127.0.0.1");
	if (cf->cf_master_key_file == NULL) {
		/* Beside the config file: readable by whoever may read it. */
		p = strrchr(path, '/');
		if (p == NULL)
			cf->cf_master_key_file = xstrdup("webhooks.key");
		else {
			struct buf b;

			buf_init(&b);
			buf_add(&b, path, (size_t)(p - path));
			buf_puts(&b, "/webhooks.key");
			cf->cf_master_key_file = buf_release(&b);
		}
	}
	rc = 0;
out:
	free(line);
	fclose(f);
	if (rc == -1) {
		char *saved = cf->cf_path;

		cf->cf_path = NULL;
		conf_free(cf);
		free(saved);
	}
	return rc;
}

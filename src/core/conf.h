/* The INI configuration shared by all three programs.  See
 * webhooks.conf.sample for every key, its default and its meaning. */
#ifndef WH_CONF_H
#define WH_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "netguard.h"

#define CONF_RETRY_MAX	16

/* [security] secure_cookies: when the session cookie is Secure (and
 * named with the __Host- prefix). */
enum conf_cookies {
	CONF_COOKIES_AUTO = 0,	/* when the request came over HTTPS */
	CONF_COOKIES_ALWAYS,	/* behind a TLS-terminating proxy */
	CONF_COOKIES_NEVER	/* plain-http development */
};

struct conf {
	char		*cf_path;		/* file it was read from */

	/* [database] */
	char		*cf_db_host;
	unsigned	 cf_db_port;
	char		*cf_db_socket;
	char		*cf_db_user;
	char		*cf_db_password;
	char		*cf_db_name;
	long long	 cf_db_connect_timeout_ms;

	/* [delivery] */
	long long	 cf_retry_ms[CONF_RETRY_MAX];
	size_t		 cf_retry_n;
	long long	 cf_timeout_ms;
	long long	 cf_connect_timeout_ms;
	unsigned	 cf_concurrency;
	unsigned	 cf_endpoint_concurrency;
	unsigned	 cf_tenant_concurrency;	/* 0: half of concurrency */
	long long	 cf_heartbeat_ms;
	long long	 cf_heartbeat_timeout_ms;
	int		 cf_allow_private;
	size_t		 cf_response_capture;
	char		*cf_user_agent;		/* NULL: product and version */
	long long	 cf_poll_ms;
	long long	 cf_lease_ms;
	unsigned	 cf_claim_batch;
	long long	 cf_retry_after_max_ms;
	long long	 cf_drain_budget_ms;	/* --drain time budget */
	char		*cf_wake_addr;		/* "127.0.0.1:8799", "" = off */
	long long	 cf_disable_after_ms;	/* failing this long: disabled */
	struct ng_ports	 cf_allowed_ports;	/* besides 80, 443, >= 1024 */

	/* [ingest] */
	size_t		 cf_max_body;
	unsigned	 cf_max_batch;
	long long	 cf_idempotency_ms;

	/* [security] */
	char		*cf_master_key_file;
	long long	 cf_session_ms;
	long long	 cf_session_idle_ms;
	int		 cf_secure_cookies;	/* enum conf_cookies */
	unsigned	 cf_login_max_failures;	/* per email and address */
	unsigned	 cf_login_addr_max_failures;	/* per address */
	long long	 cf_login_lockout_ms;
	long long	 cf_admin_link_ms;	/* sign-in links */

	/* [notify] */
	char		*cf_smtp_url;		/* NULL or "": no mail */
	char		*cf_mail_from;
	char		*cf_smtp_user;
	char		*cf_smtp_password;
	long long	 cf_notify_interval_ms;
	char		*cf_admin_url;		/* base of links, "" none */
	/* [limits] (0: no limit) */
	unsigned	 cf_endpoints_per_tenant;
	unsigned	 cf_manual_per_minute;	/* tests and redelivers */
	unsigned	 cf_ingest_per_second;	/* per tenant */

	/* [metrics]: GET /metrics for these clients or this bearer token;
	 * neither set: off (404). */
	struct ng_nets	 cf_metrics_allow;
	char		*cf_metrics_token;	/* NULL: none */

	/* [retention] */
	unsigned	 cf_retention_days;

	/* [log] */
	int		 cf_log_level;
};

/* -c FILE, else $WEBHOOKS_CONFIG, else the compiled-in sysconfdir path. */
const char	*conf_default_path(const char *opt);
/* 0 on success; -1 with a message naming file, line and key in err. */
int		 conf_load(struct conf *, const char *path, char *err, size_t);
void		 conf_defaults(struct conf *);
void		 conf_free(struct conf *);

#endif

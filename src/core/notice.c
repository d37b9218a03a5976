/* Operational events and mail about failing endpoints (see notice.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "emit.h"
#include "jsonw.h"
#include "notice.h"
#include "util.h"

static const char *const kind_names[] = {
	[NK_FAILING] = "failing", [NK_DISABLED] = "disabled"
};
static const char *const kind_types[] = {
	[NK_FAILING] = "webhook.endpoint_failing",
	[NK_DISABLED] = "webhook.endpoint_disabled"
};

/* The endpoint and its latest attempt (attempts_endpoint_time). */
enum { E_TENANT, E_URL, E_SINCE, E_STREAK, E_REASON, E_DISABLED_AT,
	E_CODE, E_ERROR };
static const char endpoint_sql[] =
    "SELECT e.tenant_id, e.url, " DB_SQL_TIME("e.failing_since") ","
    " e.fail_streak, e.disabled_reason, " DB_SQL_TIME("e.disabled_at") ","
    " a.status_code, a.error FROM endpoints e"
    " LEFT JOIN attempts a ON a.id = (SELECT id FROM attempts"
    " WHERE endpoint_id = e.id ORDER BY started_at DESC LIMIT 1)"
    " WHERE e.id = ?";

enum { D_TENANT, D_EVENT, D_TYPE, D_TEST, D_ENDPOINT, D_URL, D_ATTEMPTS,
	D_CODE, D_ERROR };
static const char dropped_sql[] =
    "SELECT d.tenant_id, d.event_id, ev.event_type, ev.test, d.endpoint_id,"
    " e.url, d.attempts, d.last_status_code, d.last_error"
    " FROM deliveries d JOIN events ev ON ev.id = d.event_id"
    " JOIN endpoints e ON e.id = d.endpoint_id"
    " WHERE d.id = ? AND d.status = 'dropped'";

void
notice_link(const struct conf *cf, const char *path, char *out,
    size_t outsz)
{
	const char	*base = cf->cf_admin_url != NULL ? cf->cf_admin_url : "";
	size_t		 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(out, outsz, "%.*s%s", (int)n, base, path);
}

static void
key_str(struct buf *b, const char *key, const char *v)
{
	buf_putc(b, ',');
	jw_key(b, key);
	jw_str(b, v);
}

static void
key_num(struct buf *b, const char *key, const char *v)
{
	buf_putc(b, ',');
	jw_key(b, key);
	buf_puts(b, v != NULL ? v : "null");
}

static int
emit_op(struct db *db, unsigned long long tenant, const char *type,
    unsigned long long about, const struct buf *data)
{
	struct emit_event	 ev;
	unsigned long long	 id;
	long long		 n;

	memset(&ev, 0, sizeof(ev));
	ev.e_type = (char *)type;
	snprintf(ev.e_category, sizeof(ev.e_category), "webhook");
	util_rfc3339_fmt(util_now_ms(), 0, ev.e_occurred_at);
	ev.e_data = data->b_data;
	ev.e_data_len = data->b_len;
	return emit_insert_except(db, tenant, &ev, about, &id, &n) ==
	    EMIT_OK ? 0 : -1;
}

/* "HTTP 500", "HTTP 500: error text", or the error alone. */
static void
last_error(const char *code, const char *error, char *out, size_t outsz)
{
	if (code != NULL && error != NULL && *error != '\0')
		snprintf(out, outsz, "HTTP %s: %s", code, error);
	else if (code != NULL)
		snprintf(out, outsz, "HTTP %s", code);
	else
		snprintf(out, outsz, "%s", error != NULL && *error != '\0' ?
		    error : "(none recorded)");
}

/* Mail text: CRLF line ends, no line starting with a dot that curl would
 * have to stuff (it does), headers added by the sender. */
static void
mail_failing(const struct conf *cf, const char *url, const char *since,
    const char *streak, const char *err, const char *link, struct buf *b)
{
	char	 span[32];
	size_t	 i;

	buf_printf(b, "Your Momentumpro webhook endpoint\r\n\r\n    %s\r\n\r\n"
	    "is failing: every delivery attempt since %s has failed (%s in "
	    "a row).\r\n\r\nLast error: %s\r\n\r\n", url, since, streak, err);
	buf_puts(b, "What happens next: each delivery is retried after");
	for (i = 0; i < cf->cf_retry_n; i++) {
		util_span_text(cf->cf_retry_ms[i], span, sizeof(span));
		buf_printf(b, "%s %s", i == 0 ? "" : ",", span);
	}
	util_span_text(cf->cf_disable_after_ms, span, sizeof(span));
	buf_printf(b, ", then dropped.  If the endpoint has no successful "
	    "delivery for %s, it is disabled and its deliveries are paused "
	    "until it is enabled again.\r\n\r\nFix the receiver, then "
	    "check the endpoint's Health dashboard: deliveries that failed "
	    "or were dropped meanwhile can be recovered there.\r\n\r\n%s\r\n",
	    span, link);
}

static void
mail_disabled(const char *url, const char *at, const char *reason,
    const char *link, struct buf *b)
{
	buf_printf(b, "Your Momentumpro webhook endpoint\r\n\r\n    %s\r\n\r\n"
	    "was disabled at %s.\r\n\r\nReason: %s\r\n\r\nIts deliveries "
	    "are paused, not lost: enable the endpoint again once the "
	    "receiver works, and they resume.  Deliveries that failed or "
	    "were dropped before can be recovered from the endpoint's "
	    "page.\r\n\r\n%s\r\n", url, at, reason, link);
}

/* Queue the mail unless one of this kind went out within the interval.
 * The row lock on endpoint_notices makes two dispatchers agree. */
static int
queue_mail(struct db *db, const struct conf *cf, enum notice_kind kind,
    unsigned long long endpoint, unsigned long long tenant,
    const char *url, const struct buf *body)
{
	struct dbres	*r = NULL;
	struct buf	 to;
	char		 subject[300];
	size_t		 i;
	int		 rc = -1;

	if (cf->cf_smtp_url == NULL || *cf->cf_smtp_url == '\0')
		return 0;
	buf_init(&to);
	if (db_query(db, &r, "SELECT sent_at > NOW(3) - INTERVAL ? MICROSECOND"
	    " FROM endpoint_notices WHERE endpoint_id = ? AND kind = ?"
	    " FOR UPDATE", "ius", cf->cf_notify_interval_ms * 1000, endpoint,
	    kind_names[kind]) == -1)
		goto out;
	if (r->r_nrow > 0 && dbres_int(r, 0, 0) == 1) {
		rc = 0;
		goto out;
	}
	dbres_free(r);
	if (db_query(db, &r, "SELECT email FROM users WHERE tenant_id = ?"
	    " ORDER BY id LIMIT 50", "u", tenant) == -1)
		goto out;
	for (i = 0; i < r->r_nrow; i++)
		buf_printf(&to, "%s%s", i > 0 ? "\n" : "", dbres_get(r, i, 0));
	if (r->r_nrow == 0) {
		rc = 0;
		goto out;
	}
	snprintf(subject, sizeof(subject), "Webhook endpoint %s: %.200s",
	    kind_names[kind], url);
	if (db_exec(db, "INSERT INTO endpoint_notices (endpoint_id, kind,"
	    " sent_at) VALUES (?, ?, NOW(3)) ON DUPLICATE KEY UPDATE"
	    " sent_at = NOW(3)", "us", endpoint, kind_names[kind]) == -1 ||
	    db_exec(db, "INSERT INTO mail_outbox (tenant_id, recipients,"
	    " subject, body) VALUES (?, ?, ?, ?)", "usss", tenant,
	    buf_cstr(&to), subject, buf_cstr((struct buf *)body)) == -1)
		goto out;
	rc = 0;
out:
	dbres_free(r);
	buf_free(&to);
	return rc;
}

int
notice_endpoint(struct db *db, const struct conf *cf, enum notice_kind kind,
    unsigned long long endpoint)
{
	struct dbres		*r = NULL;
	struct buf		 data, mail;
	unsigned long long	 tenant;
	char			 path[64], link[600], err[700];
	const char		*url;
	int			 rc = -1;

	buf_init(&data);
	buf_init(&mail);
	if (db_query(db, &r, endpoint_sql, "u", endpoint) == -1)
		goto out;
	if (r->r_nrow == 0) {
		rc = 0;
		goto out;
	}
	tenant = (unsigned long long)dbres_int(r, 0, E_TENANT);
	url = dbres_get(r, 0, E_URL);
	snprintf(path, sizeof(path), "/admin/webhooks/%llu", endpoint);
	notice_link(cf, path, link, sizeof(link));
	last_error(dbres_get(r, 0, E_CODE), dbres_get(r, 0, E_ERROR), err,
	    sizeof(err));
	buf_printf(&data, "{\"endpoint_id\":%llu", endpoint);
	key_str(&data, "endpoint_url", url);
	if (kind == NK_DISABLED) {
		key_str(&data, "reason", dbres_get(r, 0, E_REASON));
		key_str(&data, "disabled_at", dbres_get(r, 0, E_DISABLED_AT));
	}
	key_str(&data, "failing_since", dbres_get(r, 0, E_SINCE));
	if (kind == NK_FAILING)
		key_num(&data, "failed_attempts", dbres_get(r, 0, E_STREAK));
	key_num(&data, "last_status_code", dbres_get(r, 0, E_CODE));
	key_str(&data, "last_error", err);
	key_str(&data, "admin_url", link);
	buf_putc(&data, '}');
	if (emit_op(db, tenant, kind_types[kind], endpoint, &data) == -1)
		goto out;
	if (kind == NK_FAILING)
		mail_failing(cf, url, dbres_get(r, 0, E_SINCE) != NULL ?
		    dbres_get(r, 0, E_SINCE) : "(unknown)",
		    dbres_get(r, 0, E_STREAK), err, link, &mail);
	else
		mail_disabled(url, dbres_get(r, 0, E_DISABLED_AT) != NULL ?
		    dbres_get(r, 0, E_DISABLED_AT) : "(unknown)",
		    dbres_get(r, 0, E_REASON) != NULL ?
		    dbres_get(r, 0, E_REASON) : "disabled", link, &mail);
	rc = queue_mail(db, cf, kind, endpoint, tenant, url, &mail);
out:
	dbres_free(r);
	buf_free(&data);
	buf_free(&mail);
	return rc;
}

int
notice_dropped(struct db *db, const struct conf *cf,
    unsigned long long delivery)
{
	struct dbres	*r = NULL;
	struct buf	 data;
	const char	*type;
	char		 path[64], link[600], err[700];
	int		 rc = -1;

	buf_init(&data);
	if (db_query(db, &r, dropped_sql, "u", delivery) == -1)
		goto out;
	rc = 0;
	if (r->r_nrow == 0)
		goto out;
	type = dbres_get(r, 0, D_TYPE);
	if (dbres_int(r, 0, D_TEST) != 0 || strncmp(type, "webhook.", 8) == 0)
		goto out;
	snprintf(path, sizeof(path), "/admin/deliveries/%llu", delivery);
	notice_link(cf, path, link, sizeof(link));
	last_error(dbres_get(r, 0, D_CODE), dbres_get(r, 0, D_ERROR), err,
	    sizeof(err));
	buf_printf(&data, "{\"delivery_id\":%llu", delivery);
	key_num(&data, "event_id", dbres_get(r, 0, D_EVENT));
	key_str(&data, "event_type", type);
	key_num(&data, "endpoint_id", dbres_get(r, 0, D_ENDPOINT));
	key_str(&data, "endpoint_url", dbres_get(r, 0, D_URL));
	key_num(&data, "attempts", dbres_get(r, 0, D_ATTEMPTS));
	key_num(&data, "last_status_code", dbres_get(r, 0, D_CODE));
	key_str(&data, "last_error", err);
	key_str(&data, "admin_url", link);
	buf_putc(&data, '}');
	rc = emit_op(db, (unsigned long long)dbres_int(r, 0, D_TENANT),
	    "webhook.delivery_dropped",
	    (unsigned long long)dbres_int(r, 0, D_ENDPOINT), &data);
out:
	dbres_free(r);
	buf_free(&data);
	return rc;
}

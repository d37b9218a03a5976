/* The endpoint model: secrets and the sealed integrations (PagerDuty
 * routing key, custom headers), opened and sealed with the master key. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "catalog.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "json.h"
#include "jsonw.h"
#include "log.h"
#include "payload.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

#include "endpoint_priv.h"

char *
endpoint_secret_new(void)
{
	unsigned char	 raw[32];
	struct buf	 b;

	if (cr_random(raw, sizeof(raw)) == -1)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "whsec_");
	cr_b64_encode(raw, sizeof(raw), 0, &b);
	OPENSSL_cleanse(raw, sizeof(raw));
	return buf_release(&b);
}

void
ep_bind(struct cr_bind *cb, const char *column, unsigned long long id,
    unsigned long long tenant)
{
	cb->cb_table = "endpoints";
	cb->cb_column = column;
	cb->cb_row = id;
	cb->cb_tenant = tenant;
}

/* Seal plain for column of endpoint id: 0, or -1 (no master key). */
int
ep_seal(const char *column, unsigned long long id, unsigned long long tenant,
    const char *plain, size_t len, struct buf *out)
{
	struct cr_bind	 cb;

	ep_bind(&cb, column, id, tenant);
	buf_reset(out);
	return cr_seal(&cb, plain, len, out);
}

/* The value of header name in "Name: value\n" lines, or NULL. */
static const char *
lines_find(const char *lines, const char *name, size_t *vlen)
{
	const char	*p = lines, *eol, *colon;

	for (; *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL && (size_t)(colon - p) == strlen(name) &&
		    strncasecmp(p, name, strlen(name)) == 0 && colon[1] == ' ') {
			*vlen = (size_t)(eol - colon - 2);
			return colon + 2;
		}
		if (*eol == '\0')
			break;
	}
	return NULL;
}

/* Open the sealed value of column (named colname) of endpoint id into
 * out: 0, or -1 (master key, or a value that is not this row's). */
int
ep_open_col(const struct dbres *r, size_t row, unsigned col,
    const char *colname, unsigned long long id, unsigned long long tenant,
    struct buf *out)
{
	struct cr_bind	 cb;

	ep_bind(&cb, colname, id, tenant);
	buf_reset(out);
	return cr_open(&cb, dbres_get(r, row, col), dbres_len(r, row, col),
	    out);
}

/* The integration columns an endpoint gets from es over what it has now
 * (cur: a row of format, pagerduty_key_sealed, headers_sealed; NULL on
 * create), endpoint id of tenant.  Sealed values come back malloc'd or
 * NULL. */
enum ep_err
ep_integ_prepare(const struct endpoint_set *es, const struct dbres *cur,
    unsigned long long id, unsigned long long tenant, struct integ *out,
    struct ep_fault *fault)
{
	struct buf	 sealed, lines, old;
	const char	*v, *curfmt = cur ? dbres_get(cur, 0, 0) : NULL;
	size_t		 i, vlen;
	int		 pd, oldopen = 0;
	enum ep_err	 rc = EP_INVALID;

	memset(out, 0, sizeof(*out));
	buf_init(&sealed);
	buf_init(&lines);
	buf_init(&old);
	out->in_format = es->es_format != NULL ? es->es_format :
	    curfmt != NULL ? curfmt : "momentumpro";
	pd = strcmp(out->in_format, "pagerduty") == 0;
	if (es->es_routing_key != NULL && !pd) {
		ep_fault_set(fault, "pagerduty_routing_key",
		    "invalid_routing_key", "pagerduty_routing_key: only used when "
		    "format is \"pagerduty\"; set that format too, or leave "
		    "the key out");
		goto out;
	}
	if (pd && es->es_routing_key != NULL) {
		if (ep_seal("pagerduty_key_sealed", id, tenant,
		    es->es_routing_key, strlen(es->es_routing_key),
		    &sealed) == -1) {
			rc = EP_SEAL;
			goto out;
		}
		out->in_pdkey = xstrdup(buf_cstr(&sealed));
	} else if (pd && cur != NULL && dbres_get(cur, 0, 1) != NULL)
		out->in_pdkey = xstrdup(dbres_get(cur, 0, 1));
	else if (pd) {
		ep_fault_set(fault, "pagerduty_routing_key",
		    "invalid_routing_key", "pagerduty_routing_key: required with "
		    "format \"pagerduty\": the %d-character integration key "
		    "of an Events API v2 integration on your PagerDuty service",
		    EP_PDKEY_LEN);
		goto out;
	}
	if (!es->es_headers_set) {
		if (cur != NULL && dbres_get(cur, 0, 2) != NULL)
			out->in_headers = xstrdup(dbres_get(cur, 0, 2));
		rc = EP_OK;
		goto out;
	}
	for (i = 0; i < es->es_nheaders; i++) {
		v = es->es_headers[i].eh_value;
		vlen = v != NULL ? strlen(v) : 0;
		if (v == NULL) {
			/* "Leave blank to keep": the value stored under
			 * this name. */
			if (!oldopen && cur != NULL && dbres_get(cur, 0, 2) !=
			    NULL) {
				if (ep_open_col(cur, 0, 2, "headers_sealed",
				    id, tenant, &old) == -1) {
					rc = EP_SEAL;
					goto out;
				}
				oldopen = 1;
			}
			if (!oldopen || (v = lines_find(buf_cstr(&old),
			    es->es_headers[i].eh_name, &vlen)) == NULL) {
				ep_fault_set(fault, "headers",
				    "invalid_headers", "headers: %s has no value "
				    "yet; give one", es->es_headers[i].eh_name);
				goto out;
			}
		}
		buf_puts(&lines, es->es_headers[i].eh_name);
		buf_puts(&lines, ": ");
		buf_add(&lines, v, vlen);
		buf_putc(&lines, '\n');
	}
	if (lines.b_len > 0) {
		if (ep_seal("headers_sealed", id, tenant, lines.b_data,
		    lines.b_len, &sealed) == -1) {
			rc = EP_SEAL;
			goto out;
		}
		out->in_headers = xstrdup(buf_cstr(&sealed));
	}
	rc = EP_OK;
out:
	if (rc != EP_OK) {
		free(out->in_pdkey);
		free(out->in_headers);
		memset(out, 0, sizeof(*out));
	}
	buf_free(&sealed);
	cr_wipe(&lines);
	cr_wipe(&old);
	return rc;
}

void
ep_integ_free(struct integ *in)
{
	free(in->in_pdkey);
	free(in->in_headers);
}

void
ep_fault_set(struct ep_fault *f, const char *field, const char *code,
    const char *fmt, ...)
{
	va_list	 ap;

	f->ef_field = field;
	f->ef_code = code;
	va_start(ap, fmt);
	vsnprintf(f->ef_msg, sizeof(f->ef_msg), fmt, ap);
	va_end(ap);
}

/* The sealed columns of endpoints, each with its statements (names are
 * ours, never values, so each statement is written out). */
static const struct {
	const char	*rs_col;
	const char	*rs_select;
	const char	*rs_update;
} reseal_cols[] = {
	{ "secret_sealed",
	  "SELECT id, tenant_id, secret_sealed FROM endpoints"
	  " WHERE secret_sealed LIKE 'v1:%'",
	  "UPDATE endpoints SET secret_sealed = ? WHERE id = ?"
	  " AND secret_sealed = ?" },
	{ "prev_secret_sealed",
	  "SELECT id, tenant_id, prev_secret_sealed FROM endpoints"
	  " WHERE prev_secret_sealed LIKE 'v1:%'",
	  "UPDATE endpoints SET prev_secret_sealed = ? WHERE id = ?"
	  " AND prev_secret_sealed = ?" },
	{ "pagerduty_key_sealed",
	  "SELECT id, tenant_id, pagerduty_key_sealed FROM endpoints"
	  " WHERE pagerduty_key_sealed LIKE 'v1:%'",
	  "UPDATE endpoints SET pagerduty_key_sealed = ? WHERE id = ?"
	  " AND pagerduty_key_sealed = ?" },
	{ "headers_sealed",
	  "SELECT id, tenant_id, headers_sealed FROM endpoints"
	  " WHERE headers_sealed LIKE 'v1:%'",
	  "UPDATE endpoints SET headers_sealed = ? WHERE id = ?"
	  " AND headers_sealed = ?" },
};

int
endpoint_reseal_v1(struct db *db, unsigned long *done, unsigned long *bad)
{
	struct dbres		*r;
	struct buf		 clear, sealed;
	unsigned long long	 id, tenant;
	size_t			 c, i;
	long long		 n;
	int			 rc = -1;

	*done = *bad = 0;
	buf_init(&clear);
	buf_init(&sealed);
	for (c = 0; c < sizeof(reseal_cols) / sizeof(reseal_cols[0]); c++) {
		/* migrate --sql-dir may stop at an older schema. */
		if (db_query(db, &r, "SELECT 1 FROM information_schema.COLUMNS"
		    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME ="
		    " 'endpoints' AND COLUMN_NAME = ?", "s",
		    reseal_cols[c].rs_col) == -1)
			goto out;
		n = (long long)r->r_nrow;
		dbres_free(r);
		if (n == 0)
			continue;
		if (db_query(db, &r, reseal_cols[c].rs_select, "") == -1)
			goto out;
		for (i = 0; i < r->r_nrow; i++) {
			id = (unsigned long long)dbres_int(r, i, 0);
			tenant = (unsigned long long)dbres_int(r, i, 1);
			buf_reset(&clear);
			if (cr_open_v1(dbres_get(r, i, 2), dbres_len(r, i, 2),
			    &clear) == -1) {
				log_err("endpoint %llu: %s does not open with "
				    "this master key; left as it is", id,
				    reseal_cols[c].rs_col);
				(*bad)++;
				continue;
			}
			if (ep_seal(reseal_cols[c].rs_col, id, tenant,
			    clear.b_data, clear.b_len, &sealed) == -1) {
				dbres_free(r);
				goto out;
			}
			/* Only if unchanged since read: a value written
			 * meanwhile is already v2. */
			if ((n = db_exec(db, reseal_cols[c].rs_update, "sus",
			    buf_cstr(&sealed), id, dbres_get(r, i, 2))) == -1) {
				dbres_free(r);
				goto out;
			}
			*done += (unsigned long)n;
		}
		dbres_free(r);
	}
	rc = 0;
out:
	cr_wipe(&clear);
	buf_free(&sealed);
	return rc;
}

enum ep_err
endpoint_seal_value(struct db *db, unsigned long long id, const char *column,
    const char *plain, size_t len, struct buf *out)
{
	struct dbres	*r;
	size_t		 c;
	enum ep_err	 rc = EP_NOTFOUND;

	for (c = 0; c < sizeof(reseal_cols) / sizeof(reseal_cols[0]); c++)
		if (strcmp(column, reseal_cols[c].rs_col) == 0)
			break;
	if (c == sizeof(reseal_cols) / sizeof(reseal_cols[0]))
		return EP_INVALID;
	if (db_query(db, &r, "SELECT tenant_id FROM endpoints WHERE id = ?",
	    "u", id) == -1)
		return EP_DB;
	if (r->r_nrow == 1)
		rc = ep_seal(reseal_cols[c].rs_col, id, (unsigned long long)
		    dbres_int(r, 0, 0), plain, len, out) == 0 ? EP_OK : EP_SEAL;
	dbres_free(r);
	return rc;
}

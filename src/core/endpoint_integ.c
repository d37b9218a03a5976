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

/* Seal secret for endpoints.secret_sealed: 0, or -1 (no master key). */
int
ep_seal(const char *secret, struct buf *out)
{
	buf_reset(out);
	return cr_seal(secret, strlen(secret), out);
}

/* The secret to store: given (copied) or generated, in *secret, and its
 * sealed form.  0, or -1 with *secret NULL. */
int
ep_secret_prepare(const char *given, char **secret, struct buf *sealed)
{
	*secret = given != NULL ? xstrdup(given) : endpoint_secret_new();
	if (*secret != NULL && ep_seal(*secret, sealed) == 0)
		return 0;
	endpoint_secret_free(secret);
	return -1;
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

/* Open a sealed column value into out: 0, or -1 (master key). */
int
ep_open_col(const struct dbres *r, size_t row, unsigned col, struct buf *out)
{
	buf_reset(out);
	return cr_open(dbres_get(r, row, col), dbres_len(r, row, col), out);
}

/* The integration columns an endpoint gets from es over what it has now
 * (cur: a row of format, pagerduty_key_sealed, headers_sealed; NULL on
 * create).  Sealed values come back malloc'd or NULL. */
enum ep_err
ep_integ_prepare(const struct endpoint_set *es, const struct dbres *cur,
    struct integ *out, struct ep_fault *fault)
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
		if (cr_seal(es->es_routing_key, strlen(es->es_routing_key),
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
				if (ep_open_col(cur, 0, 2, &old) == -1) {
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
		buf_reset(&sealed);
		if (cr_seal(lines.b_data, lines.b_len, &sealed) == -1) {
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

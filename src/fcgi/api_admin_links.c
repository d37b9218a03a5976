/* POST /api/v1/admin-links: a single-use sign-in link to the admin, for
 * Momentumpro's own admin to send its users to Admin -> Webhooks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "adminlink.h"
#include "buf.h"
#include "conf.h"
#include "json.h"
#include "jsonw.h"
#include "log.h"
#include "req.h"
#include "routes.h"
#include "utf8.h"

/* A Host header we may put in a URL: a name or address and a port. */
static int
host_ok(const char *h)
{
	size_t	 n;

	if (h == NULL || (n = strlen(h)) == 0 || n > 255)
		return 0;
	return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-:[]") == n;
}

/* The admin's base URL: [notify] admin_url when set, else this
 * request's scheme and Host.  -1 after answering. */
static int
admin_base(struct req *r, struct buf *b)
{
	const char	*base = r->r_cf->cf_admin_url, *host;
	size_t		 n;

	if (base != NULL && *base != '\0') {
		n = strlen(base);
		while (n > 0 && base[n - 1] == '/')
			n--;
		buf_add(b, base, n);
		return 0;
	}
	host = req_header(r, "Host");
	if (!host_ok(host)) {
		req_json_error(r, 400, "invalid_host", "the request has no "
		    "usable Host header to build the link from; send one, or "
		    "ask the operator to set [notify] admin_url");
		return -1;
	}
	buf_puts(b, r->r_https ? "https://" : "http://");
	buf_puts(b, host);
	return 0;
}

void
api_admin_links_post(struct req *r)
{
	struct json_doc		 doc;
	struct buf		 b, url;
	char			*email = NULL, *to = NULL, *token = NULL;
	char			 expires[32];
	const char		*raw;
	size_t			 rawlen;
	int			 i, k, v;

	if (api_body(r, &doc, 0) == -1)
		return;
	buf_init(&url);
	if (doc.d_tok[0].t_type != JSON_OBJECT) {
		req_json_error(r, 422, "invalid_body", "the body must be a JSON"
		    " object such as {\"email\": \"ann@example.com\", "
		    "\"redirect\": \"/admin/webhooks\"}");
		goto out;
	}
	for (i = 0, k = 1; i < doc.d_tok[0].t_size; i++, k = json_skip(&doc,
	    k)) {
		v = k + 1;
		if (json_streq(&doc, k, "email") && email == NULL) {
			if (doc.d_tok[v].t_type != JSON_STRING ||
			    (email = json_strdup(&doc, v)) == NULL ||
			    !adminlink_email_ok(email)) {
				req_json_error(r, 422, "invalid_email", "email "
				    "must be the user's email address, such as "
				    "\"ann@example.com\"");
				goto out;
			}
		} else if (json_streq(&doc, k, "redirect") && to == NULL) {
			if (doc.d_tok[v].t_type == JSON_NULL)
				continue;
			if (doc.d_tok[v].t_type != JSON_STRING ||
			    (to = json_strdup(&doc, v)) == NULL ||
			    !adminlink_redirect_ok(to)) {
				req_json_error(r, 422, "invalid_redirect",
				    "redirect must be a path of the webhooks "
				    "admin such as \"/admin/webhooks\" or "
				    "\"/admin/webhooks/12\" (no other site, no "
				    "\"..\", at most %d characters)",
				    ADMINLINK_REDIRECT_MAX);
				goto out;
			}
		} else {
			raw = json_raw(&doc, k, &rawlen);
			rawlen = utf8_clip_bytes(raw, rawlen, 64);
			req_json_error(r, 422, "unknown_field", "unknown or "
			    "repeated field %.*s; a sign-in link takes email "
			    "and redirect", (int)rawlen, raw);
			goto out;
		}
	}
	if (email == NULL) {
		req_json_error(r, 422, "invalid_email", "email is required: the "
		    "address of the user to sign in");
		goto out;
	}
	if (admin_base(r, &url) == -1)
		goto out;
	switch (adminlink_create(r->r_db, r->r_tenant, email, to != NULL ? to :
	    ADMINLINK_REDIRECT_DEFAULT, r->r_cf->cf_admin_link_ms, &token,
	    expires)) {
	case AL_OK:
		break;
	case AL_OTHER_TENANT:
		req_json_error(r, 409, "user_of_another_tenant", "%s is the "
		    "email of a user of another tenant; a link can only sign in"
		    " a user of your own tenant: use another address", email);
		goto out;
	default:
		req_db_error(r);
		goto out;
	}
	buf_puts(&url, "/admin/link?token=");
	buf_puts(&url, token);
	log_info("tenant %llu made a sign-in link", r->r_tenant);
	buf_init(&b);
	buf_putc(&b, '{');
	jw_key(&b, "url");
	jw_str(&b, buf_cstr(&url));
	buf_putc(&b, ',');
	jw_key(&b, "expires_at");
	jw_str(&b, expires);
	buf_putc(&b, '}');
	req_json(r, 201, &b);
	buf_free(&b);
out:
	buf_free(&url);
	free(email);
	free(to);
	free(token);
	json_free(&doc);
}

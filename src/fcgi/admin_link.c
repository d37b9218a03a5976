/*
 * /admin/link: where a sign-in link (POST /api/v1/admin-links) lands.
 *
 * GET only shows the link's state and a button; the POST of that button
 * uses the link.  Mail scanners, chat previews and browser prefetchers
 * open links with GET, and a link used up by one of them would greet its
 * user with "already used": so nothing changes on GET, as on every other
 * admin page.  The POST must come from this site (Origin), so another
 * site cannot sign a visitor in to an account of its choosing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "adminlink.h"
#include "buf.h"
#include "html.h"
#include "log.h"
#include "req.h"
#include "routes.h"
#include "session.h"

/* cr_token("", 32): 43 characters of base64url. */
#define LINK_TOKEN_LEN	43

static int
token_ok(const char *t)
{
	size_t	 i;

	if (t == NULL || strlen(t) != LINK_TOKEN_LEN)
		return 0;
	for (i = 0; i < LINK_TOKEN_LEN; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '_'))
			return 0;
	return 1;
}

/* A page that says why the link cannot sign in, and what to do. */
static void
link_failed(struct req *r, enum adminlink_err rc)
{
	struct buf	 b;
	const char	*title, *msg;
	int		 status;

	switch (rc) {
	case AL_USED:
		status = 410;
		title = "This sign-in link has been used";
		msg = "Each sign-in link works once. Go back to Momentumpro and "
		    "open Admin → Webhooks again for a new link, or sign in "
		    "with your email and password.";
		break;
	case AL_EXPIRED:
		status = 410;
		title = "This sign-in link has expired";
		msg = "Sign-in links work for a few minutes only. Go back to "
		    "Momentumpro and open Admin → Webhooks again for a new "
		    "link, or sign in with your email and password.";
		break;
	case AL_UNKNOWN:
		status = 404;
		title = "This sign-in link is not valid";
		msg = "Check that you opened the whole link, or go back to "
		    "Momentumpro and open Admin → Webhooks again for a new "
		    "link.";
		break;
	default:
		html_error(r, 503, "The database is unreachable; the link was "
		    "not used. Try again in a moment.");
		return;
	}
	buf_init(&b);
	html_begin(&b, r, title);
	html_printf(&b, "<section class=\"narrow\">\n<h1>%s</h1>\n"
	    "<p role=\"alert\">%s</p>\n<p><a href=\"/admin/login\">Sign in"
	    "</a></p>\n</section>\n", title, msg);
	html_end(&b);
	html_send(r, status, &b);
	buf_free(&b);
}

void
admin_link_get(struct req *r)
{
	struct buf		 b;
	char			*tok;
	enum adminlink_err	 rc;

	tok = req_form_get(r->r_query, strlen(r->r_query), "token");
	rc = token_ok(tok) ? adminlink_state(r->r_db, tok) : AL_UNKNOWN;
	if (rc != AL_OK) {
		link_failed(r, rc);
		free(tok);
		return;
	}
	/* The token is in this page's URL (never cached: see req_respond):
	 * a Referer of anything the page loads carries the origin alone.
	 * Not "no-referrer", which makes browsers send "Origin: null" with
	 * the button's POST, and the same-origin check refuse it. */
	req_add_header(r, "Referrer-Policy", "strict-origin");
	buf_init(&b);
	html_begin(&b, r, "Continue to Admin → Webhooks");
	html_printf(&b, "<section class=\"narrow\">\n"
	    "<h1>Continue to Admin → Webhooks</h1>\n"
	    "<p>This link signs you in to your Webhooks admin. It works once."
	    "</p>\n<form method=\"post\" action=\"/admin/link\">\n"
	    "<input type=\"hidden\" name=\"token\" value=\"%s\">\n"
	    "<button type=\"submit\">Continue to Admin → Webhooks</button>\n"
	    "</form>\n</section>\n", tok);
	html_end(&b);
	html_send(r, 200, &b);
	buf_free(&b);
	free(tok);
}

void
admin_link_post(struct req *r)
{
	char			*tok;
	char			 to[ADMINLINK_REDIRECT_MAX + 1];
	unsigned long long	 user = 0, tenant = 0;
	enum adminlink_err	 rc;

	if (req_read_body(r) == -1)
		return;
	if (!session_same_origin(r)) {
		html_error(r, 403, "This form was not sent from this site. "
		    "Open the sign-in link again.");
		return;
	}
	tok = req_form_get(r->r_body, r->r_bodylen, "token");
	rc = token_ok(tok) ? adminlink_consume(r->r_db, tok, &user, &tenant,
	    to, sizeof(to)) : AL_UNKNOWN;
	free(tok);
	if (rc != AL_OK) {
		link_failed(r, rc);
		return;
	}
	if (session_start(r, user, tenant) == -1) {
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
		return;
	}
	log_info("user %llu signed in with a sign-in link", user);
	/* Checked by adminlink_redirect_ok when the link was made. */
	req_redirect(r, to);
}

/* Admin sign-in, sessions, CSRF and login throttling. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "account.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "html.h"
#include "log.h"
#include "req.h"
#include "session.h"
#include "util.h"

/* The login form has no session yet, so its CSRF token is stateless:
 * "<unix time>.<MAC of it>", valid for an hour. */
#define LOGIN_TOKEN_TTL	3600

/* Value of cookie name in the Cookie header, copied into out. */
static int
cookie_get(const struct req *r, const char *name, char *out, size_t outsz)
{
	const char	*c = req_header(r, "Cookie"), *p, *e;
	size_t		 nl = strlen(name), vl;

	for (p = c; p != NULL && *p != '\0'; p = e) {
		while (*p == ' ' || *p == ';')
			p++;
		e = strchr(p, ';');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > nl && strncmp(p, name, nl) == 0 &&
		    p[nl] == '=') {
			vl = (size_t)(e - p) - nl - 1;
			if (vl >= outsz)
				return -1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
	}
	return -1;
}

/* A POST must come from our own pages: when the browser says where the
 * form was, it must be this host. */
int
session_same_origin(const struct req *r)
{
	const char	*origin = req_header(r, "Origin");
	const char	*host = req_header(r, "Host"), *p;

	if (origin == NULL || strcmp(origin, "null") == 0)
		return origin == NULL;
	if (host == NULL)
		return 0;
	if ((p = strstr(origin, "://")) == NULL)
		return 0;
	return strcmp(p + 3, host) == 0;
}

/*
 * Is the session cookie Secure?  "auto" trusts the FastCGI HTTPS
 * parameter, which a web server behind a TLS-terminating proxy does not
 * set: such sites say "always".  A Secure cookie carries the __Host-
 * prefix, so a browser takes it only from HTTPS, for this host alone
 * (no Domain) and the whole site (Path=/).
 */
static int
cookie_secure(const struct req *r)
{
	switch (r->r_cf->cf_secure_cookies) {
	case CONF_COOKIES_ALWAYS:
		return 1;
	case CONF_COOKIES_NEVER:
		return 0;
	default:
		return r->r_https;
	}
}

static void
set_cookie(struct req *r, const char *value, long long max_age)
{
	struct buf	 c;

	buf_init(&c);
	if (cookie_secure(r))
		buf_printf(&c, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; "
		    "SameSite=Lax; Secure", SESSION_COOKIE_SECURE, value,
		    max_age);
	else
		buf_printf(&c, "%s=%s; Path=/admin; Max-Age=%lld; HttpOnly; "
		    "SameSite=Lax", SESSION_COOKIE, value, max_age);
	req_add_header(r, "Set-Cookie", buf_cstr(&c));
	buf_free(&c);
}

/*
 * The one-time view of a new endpoint's secret: the create handler marks
 * the session with the endpoint's id, and that endpoint's page shows the
 * secret once and clears the mark in the same statement, so a reload, a
 * later visit or a second tab shows it masked.  Kept in the session row,
 * so the session cookie stays the only cookie.
 */
void
session_once_set(struct req *r, unsigned long long id)
{
	/* Failing, the page shows the secret masked with Reveal beside it. */
	(void)account_session_once_set(r->r_db, r->r_session, id);
}

int
session_once_take(struct req *r, unsigned long long id)
{
	return account_session_once_take(r->r_db, r->r_session, id) == 1;
}

/* The session token from the cookie this configuration sets. */
static int
session_token(const struct req *r, char *out, size_t outsz)
{
	return cookie_get(r, cookie_secure(r) ? SESSION_COOKIE_SECURE :
	    SESSION_COOKIE, out, outsz);
}

int
wh_auth_session(struct req *r)
{
	char			 tok[128], *form_csrf = NULL;
	struct account_session	 s;
	int			 rc = -1;

	if (session_token(r, tok, sizeof(tok)) == -1)
		goto login;
	switch (account_session_find(r->r_db, tok, r->r_cf->cf_session_idle_ms,
	    &s)) {
	case -1:
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
		return -1;
	case 0:
		goto login;
	}
	r->r_session = s.as_id;
	r->r_user = s.as_user;
	r->r_tenant = s.as_tenant;
	r->r_csrf = s.as_csrf;
	if (strcmp(r->r_method, "POST") == 0) {
		if (req_read_body(r) == -1)
			goto out;
		form_csrf = req_form_get(r->r_body, r->r_bodylen, "csrf");
		if (form_csrf == NULL || !util_ct_streq(form_csrf, r->r_csrf) ||
		    !session_same_origin(r)) {
			log_warn("CSRF check failed for user %llu", r->r_user);
			html_error(r, 403, "This form has expired or was not sent "
			    "from this site. Go back, reload the page and try "
			    "again.");
			goto out;
		}
	}
	rc = 0;
	goto out;
login:
	/* A lost session on a POST is answered the same way: sign in again. */
	req_redirect(r, "/admin/login");
out:
	free(form_csrf);
	return rc;
}

static void
login_page(struct req *r, int status, const char *email, const char *msg,
    const char *notice)
{
	struct buf	 b;
	char		 mac[65], token[96], ts[24];

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	if (cr_master_mac(ts, mac) == -1) {
		html_error(r, 500, "The master key is not readable by the web "
		    "server; see README, Configuration.");
		return;
	}
	snprintf(token, sizeof(token), "%s.%s", ts, mac);
	buf_init(&b);
	html_begin(&b, r, "Sign in");
	buf_puts(&b, "<section class=\"narrow\">\n<h1>Sign in</h1>\n");
	if (msg != NULL)
		html_printf(&b, "<p class=\"error\" id=\"login-error\" "
		    "role=\"alert\">%s</p>\n", msg);
	if (notice != NULL)
		html_printf(&b, "<p class=\"notice\" role=\"status\">%s</p>\n",
		    notice);
	/* After a wrong password (401) the email is kept: the cursor goes
	 * where the next thing is to type. */
	html_printf(&b, "<form method=\"post\" action=\"/admin/login\">\n"
	    "<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n"
	    "<label for=\"email\">Email</label>\n"
	    "<input id=\"email\" name=\"email\" type=\"email\" required "
	    "autocomplete=\"username\"%s value=\"%s\">\n"
	    "<label for=\"password\">Password</label>\n"
	    "<input id=\"password\" name=\"password\" type=\"password\" "
	    "required autocomplete=\"current-password\"%s",
	    token, status == 401 ? "" : " autofocus", email ? email : "",
	    status == 401 ? " autofocus" : "");
	if (msg != NULL)
		buf_puts(&b, " aria-describedby=\"login-error\"");
	buf_puts(&b, ">\n<button type=\"submit\">Sign in</button>\n</form>\n"
	    "</section>\n");
	html_end(&b);
	html_send(r, status, &b);
	buf_free(&b);
}

static void
login_form(struct req *r, int status, const char *email, const char *msg)
{
	login_page(r, status, email, msg, NULL);
}

void
admin_login_get(struct req *r)
{
	char	*done = req_form_get(r->r_query, strlen(r->r_query), "done");

	login_page(r, 200, NULL, NULL, done != NULL &&
	    strcmp(done, "signed-out-everywhere") == 0 ? "You are signed out "
	    "on every device and browser." : NULL);
	free(done);
}

static int
login_token_ok(const char *tok)
{
	const char	*dot, *errstr;
	char		 ts[24], mac[65];
	long long	 t;

	if (tok == NULL || (dot = strchr(tok, '.')) == NULL ||
	    (size_t)(dot - tok) >= sizeof(ts))
		return 0;
	memcpy(ts, tok, (size_t)(dot - tok));
	ts[dot - tok] = '\0';
	t = util_strtonum(ts, 0, INT64_MAX, &errstr);
	if (errstr != NULL || t > (long long)time(NULL) + 60 ||
	    t < (long long)time(NULL) - LOGIN_TOKEN_TTL)
		return 0;
	if (cr_master_mac(ts, mac) == -1)
		return 0;
	return util_ct_streq(mac, dot + 1);
}

/* "try again in 3 minutes" */
static void
login_locked(struct req *r, const char *email, const char *what,
    long long left_ms)
{
	char		 msg[256], ra[24];
	long long	 min = (left_ms + 59999) / 60000;

	if (min < 1)
		min = 1;
	snprintf(ra, sizeof(ra), "%lld", left_ms > 0 ? (left_ms + 999) / 1000 :
	    1);
	snprintf(msg, sizeof(msg), "Too many wrong passwords %s. Sign-in is "
	    "locked; try again in %lld minute%s.", what, min,
	    min == 1 ? "" : "s");
	req_add_header(r, "Retry-After", ra);
	login_form(r, 429, email, msg);
}

void
admin_login_post(struct req *r)
{
	const struct conf *cf = r->r_cf;
	char		*email = NULL, *pw = NULL, *csrf = NULL;
	char		 addr[46];
	const char	*ra;
	long long	 failures = 0, left_ms = 0;
	unsigned long long user = 0, tenant = 0;
	struct account_limits lim;
	int		 ok = 0;

	if (req_read_body(r) == -1)
		return;
	email = req_form_get(r->r_body, r->r_bodylen, "email");
	pw = req_form_get(r->r_body, r->r_bodylen, "password");
	csrf = req_form_get(r->r_body, r->r_bodylen, "csrf");
	if (!login_token_ok(csrf) || !session_same_origin(r)) {
		login_form(r, 403, email, "This sign-in form expired or was not "
		    "sent from this site. Try again.");
		goto out;
	}
	if (email == NULL || pw == NULL || *email == '\0' || *pw == '\0' ||
	    strlen(email) > 254) {
		login_form(r, 400, email, "Enter your email and password.");
		goto out;
	}
	/* The client address as the web server saw it.  Behind a proxy the
	 * web server must set it from X-Forwarded-For (mod_remoteip,
	 * mod_extforward); a header a client can write is never trusted
	 * here. */
	ra = req_param(r, "REMOTE_ADDR");
	account_addr_key(ra, addr, sizeof(addr));
	lim.al_pair_max = cf->cf_login_max_failures;
	lim.al_addr_max = cf->cf_login_addr_max_failures;
	lim.al_window_ms = cf->cf_login_lockout_ms;
	switch (account_throttle_claim(r->r_db, email, addr, &lim, &failures,
	    &left_ms)) {
	case ACCOUNT_CLAIMED:
		break;
	case ACCOUNT_LOCKED_PAIR:
		log_warn("sign-in refused for %s from %s: locked", email, addr);
		login_locked(r, email, "for this account from your network",
		    left_ms);
		goto out;
	case ACCOUNT_LOCKED_ADDR:
		log_warn("sign-in refused from %s: address locked", addr);
		login_locked(r, email, "from your network", left_ms);
		goto out;
	default:
		goto dberr;
	}
	if ((ok = account_verify(r->r_db, email, pw, &user, &tenant)) == -1)
		goto dberr;
	if (!ok) {
		/* One line per password checked, so the work the throttle
		 * allowed can be counted. */
		log_info("sign-in: wrong password for %s from %s (%lld of %u)",
		    email, addr, failures, cf->cf_login_max_failures);
		/* Slow down guessing: a quarter second per recent failure. */
		util_sleep_ms(failures * 250 > 2000 ? 2000 :
		    (long)failures * 250);
		login_form(r, 401, email, "Wrong email or password.");
		goto out;
	}
	account_throttle_refund(r->r_db, email, addr);
	/* Counts whose window is over: a few at each sign-in, the rest by
	 * the dispatchers' retention. */
	(void)account_throttle_purge(r->r_db, 100);
	if (session_start(r, user, tenant) == -1)
		goto dberr;
	log_info("user %llu signed in from %s", user, addr);
	req_redirect(r, "/admin/webhooks");
	goto out;
dberr:
	html_error(r, 503, "The database is unreachable; try again in a "
	    "moment.");
out:
	if (pw != NULL)
		OPENSSL_cleanse(pw, strlen(pw));
	free(email);
	free(pw);
	free(csrf);
}

int
session_start(struct req *r, unsigned long long user,
    unsigned long long tenant)
{
	const struct conf *cf = r->r_cf;
	char		*tok = NULL, *csrftok = NULL;

	if (account_session_open(r->r_db, user, tenant, cf->cf_session_ms,
	    cf->cf_session_idle_ms, &tok, &csrftok) == -1)
		return -1;
	set_cookie(r, tok, cf->cf_session_ms / 1000);
	free(tok);
	free(csrftok);
	return 0;
}

void
admin_logout_post(struct req *r)
{
	char		 tok[128];

	/* wh_auth_session has checked the session and the CSRF token. */
	if (session_token(r, tok, sizeof(tok)) == 0)
		account_session_close(r->r_db, tok);
	set_cookie(r, "", 0);
	req_redirect(r, "/admin/login");
}

void
admin_logout_everywhere_post(struct req *r)
{
	long long	 n;

	/* wh_auth_session has checked the session and the CSRF token. */
	if ((n = account_session_close_all(r->r_db, r->r_user)) == -1) {
		html_error(r, 503, "The database is unreachable; no session "
		    "was ended. Try again in a moment.");
		return;
	}
	log_info("user %llu signed out everywhere (%lld sessions)", r->r_user,
	    n);
	set_cookie(r, "", 0);
	req_redirect(r, "/admin/login?done=signed-out-everywhere");
}

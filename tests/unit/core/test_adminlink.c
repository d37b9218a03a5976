/* The validators of POST /api/v1/admin-links: a sign-in link may only
 * lead to our own admin pages, whatever a caller (or someone who got
 * hold of its API key) puts in "redirect". */
#include "config.h"

#include <string.h>

#include "adminlink.h"
#include "t.h"

int
main(void)
{
	static const struct { const char *name, *in; int ok; } redirects[] = {
		{ "the default", "/admin/webhooks", 1 },
		{ "the admin root", "/admin", 1 },
		{ "an endpoint", "/admin/webhooks/12", 1 },
		{ "the catalog", "/admin/webhooks/event-catalog", 1 },
		{ "a delivery", "/admin/deliveries/7", 1 },
		{ "with a query", "/admin/webhooks/12?status=failed&x=a%20b", 1 },
		{ "a trailing slash", "/admin/webhooks/", 1 },
		{ "a dot inside a name", "/admin/webhooks/a.b", 1 },
		{ "empty", "", 0 },
		{ "another site, protocol-relative", "//evil.example/admin", 0 },
		{ "a backslash (browsers read /\\ as //)", "/\\evil.example", 0 },
		{ "a backslash under /admin", "/admin/\\evil.example", 0 },
		{ "an absolute URL", "https://evil.example/admin/webhooks", 0 },
		{ "an absolute URL of ours", "http://127.0.0.1/admin/webhooks", 0 },
		{ "javascript:", "javascript:alert(1)", 0 },
		{ "a relative path", "admin/webhooks", 0 },
		{ "outside /admin", "/api/v1/endpoints", 0 },
		{ "a prefix of /admin", "/administrator", 0 },
		{ "/admin/../", "/admin/../api/v1/endpoints", 0 },
		{ "a trailing ..", "/admin/..", 0 },
		{ "a . segment", "/admin/./webhooks", 0 },
		{ "%2e%2e", "/admin/%2e%2e/x", 0 },
		{ "%2f", "/admin/%2f%2fevil.example", 0 },
		{ "// inside", "/admin//evil.example", 0 },
		{ "a newline (header splitting)", "/admin/webhooks\r\nSet-Cookie: x=1", 0 },
		{ "a tab", "/admin/web\thooks", 0 },
		{ "a NUL-free control character", "/admin/\x01", 0 },
		{ "a space", "/admin/web hooks", 0 },
		{ "a fragment", "/admin/webhooks#x", 0 },
		{ "a quote in the query", "/admin/webhooks?x=\"", 0 },
		{ "a < in the query", "/admin/webhooks?x=<script>", 0 },
		{ "a backslash in the query", "/admin/webhooks?x=\\", 0 },
		{ "non-ASCII", "/admin/w\xc3\xa9""bhooks", 0 },
		{ "a DEL in the query", "/admin/webhooks?\x7f", 0 },
	};
	static const struct { const char *name, *in; int ok; } emails[] = {
		{ "an address", "ann@example.com", 1 },
		{ "plus addressing", "ann+hooks@example.com", 1 },
		{ "no @", "ann.example.com", 0 },
		{ "two @", "a@b@example.com", 0 },
		{ "nothing before @", "@example.com", 0 },
		{ "nothing after @", "ann@", 0 },
		{ "a space", "ann @example.com", 0 },
		{ "a newline", "ann@example.com\n", 0 },
		{ "angle brackets", "<ann@example.com>", 0 },
		{ "empty", "", 0 },
	};
	char	 longp[600];
	size_t	 i;

	for (i = 0; i < sizeof(redirects) / sizeof(redirects[0]); i++)
		T_CHECK(adminlink_redirect_ok(redirects[i].in) == redirects[i].ok,
		    "redirect: %s is %s", redirects[i].name, redirects[i].ok ?
		    "accepted" : "refused");
	memcpy(longp, "/admin/", 7);
	memset(longp + 7, 'a', sizeof(longp) - 8);
	longp[sizeof(longp) - 1] = '\0';
	T_CHECK(!adminlink_redirect_ok(longp), "redirect: longer than %d is "
	    "refused", ADMINLINK_REDIRECT_MAX);
	longp[ADMINLINK_REDIRECT_MAX] = '\0';
	T_CHECK(adminlink_redirect_ok(longp), "redirect: %d characters is "
	    "accepted", ADMINLINK_REDIRECT_MAX);
	for (i = 0; i < sizeof(emails) / sizeof(emails[0]); i++)
		T_CHECK(adminlink_email_ok(emails[i].in) == emails[i].ok,
		    "email: %s is %s", emails[i].name, emails[i].ok ?
		    "accepted" : "refused");
	return t_done();
}

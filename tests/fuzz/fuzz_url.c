/*
 * libFuzzer harness for endpoint URL vetting: url_parse and
 * url_validate_endpoint (src/core/url.c) with allow_private 0 and 1, and the
 * SSRF address guard ng_text_allowed / ng_addr_allowed (src/core/netguard.c).
 * The input, up to its first NUL, is the URL.
 *
 * Invariants, beyond "no crash, no leak, no UB":
 *   - a parsed URL has a non-empty lower-case host of the allowed
 *     characters, a port in 1..65535, a path starting with '/', and
 *     u_host_is_ip exactly when the host is an IPv4 or IPv6 literal;
 *   - url_validate_endpoint(s, 1) accepts exactly what url_parse does
 *     (up to the 2048-byte cap), and allow_private = 0 never accepts
 *     what allow_private = 1 refuses;
 *   - with allow_private = 0, an accepted URL's host
 *       - passes ng_text_allowed when it is an IP literal,
 *       - is, if inet_aton(3) or getaddrinfo(AI_NUMERICHOST) reads it
 *         as an address (127.1, 0x7f000001, 2130706433), an allowed
 *         address,
 *       - is not localhost or under .localhost, .local, .internal,
 *         .localdomain or .home.arpa, and has a dot;
 *   - a URL either setting accepts means the same to libcurl, which
 *     the dispatcher hands it to: curl_url() parses it too, with the
 *     same scheme, host and port (this is the check that would catch
 *     a parser differential such as "http://example.com\@127.0.0.1/");
 *   - ng_text_allowed agrees with ng_addr_allowed on the same address,
 *     and sets a reason exactly when it refuses.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "netguard.h"
#include "url.h"
#include "fuzz.h"

#define URL_MAXLEN	2048

static int
ends_with_zone(const char *h, const char *zone)
{
	size_t	 hl = strlen(h), zl = strlen(zone);

	if (strcmp(h, zone) == 0)
		return 1;
	return hl > zl && h[hl - zl - 1] == '.' &&
	    strcmp(h + hl - zl, zone) == 0;
}

/* ng_text_allowed against ng_addr_allowed on the same bytes. */
static void
check_guard_text(const char *s)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	const char		*why = "unset", *why2;
	int			 rc, rc2;

	rc = ng_text_allowed(s, &why);
	FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1, "ng_text_allowed = %d",
	    rc);
	if (rc == -1) {
		FUZZ_CHECK(inet_pton(AF_INET, s, &sin.sin_addr) != 1 &&
		    inet_pton(AF_INET6, s, &sin6.sin6_addr) != 1,
		    "ng_text_allowed(%s) says not an address", s);
		return;
	}
	FUZZ_CHECK((rc == 0) == (why != NULL), "ng_text_allowed(%s) = %d "
	    "with reason %s", s, rc, why ? why : "(null)");
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, s, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		rc2 = ng_addr_allowed((struct sockaddr *)&sin, sizeof(sin),
		    &why2);
	} else {
		FUZZ_CHECK(inet_pton(AF_INET6, s, &sin6.sin6_addr) == 1,
		    "ng_text_allowed(%s) = %d for a non-address", s, rc);
		sin6.sin6_family = AF_INET6;
		rc2 = ng_addr_allowed((struct sockaddr *)&sin6, sizeof(sin6),
		    &why2);
	}
	FUZZ_CHECK(rc == rc2, "ng_text_allowed(%s) = %d but "
	    "ng_addr_allowed = %d", s, rc, rc2);
}

/* Every address getaddrinfo reads from host without DNS is allowed. */
static void
check_numeric_forms(const char *host)
{
	struct addrinfo	 hints, *res, *ai;
	struct in_addr	 a4;
	struct sockaddr_in sin;
	const char	*why;

	if (inet_aton(host, &a4) == 1) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = a4;
		FUZZ_CHECK(ng_addr_allowed((struct sockaddr *)&sin,
		    sizeof(sin), &why) == 1, "host %s is inet_aton address "
		    "%s, refused as %s", host, inet_ntoa(a4), why);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		FUZZ_CHECK(ng_addr_allowed(ai->ai_addr, ai->ai_addrlen,
		    &why) == 1, "host %s is a numeric address refused as %s",
		    host, why);
	freeaddrinfo(res);
}

/* The same scheme, host and port according to libcurl. */
static void
check_curl_agrees(const char *s, const struct url *u)
{
	CURLU		*cu;
	CURLUcode	 rc;
	char		*scheme = NULL, *host = NULL, *port = NULL, *h;
	size_t		 hl;
	struct in6_addr	 a, b;
	struct in_addr	 a4;

	cu = curl_url();
	FUZZ_CHECK(cu != NULL, "curl_url");
	rc = curl_url_set(cu, CURLUPART_URL, s, 0);
	FUZZ_CHECK(rc == CURLUE_OK, "url.c accepts %s, libcurl refuses it "
	    "(%d)", s, (int)rc);
	FUZZ_CHECK(curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) ==
	    CURLUE_OK && curl_url_get(cu, CURLUPART_HOST, &host, 0) ==
	    CURLUE_OK && curl_url_get(cu, CURLUPART_PORT, &port,
	    CURLU_DEFAULT_PORT) == CURLUE_OK, "libcurl parts of %s", s);
	FUZZ_CHECK(strcasecmp(scheme, u->u_https ? "https" : "http") == 0,
	    "%s: scheme %s, url.c says https=%d", s, scheme, u->u_https);
	FUZZ_CHECK((unsigned)strtoul(port, NULL, 10) == u->u_port,
	    "%s: libcurl port %s, url.c %u", s, port, u->u_port);
	h = host;
	hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
		FUZZ_CHECK(inet_pton(AF_INET6, h, &a) == 1 &&
		    inet_pton(AF_INET6, u->u_host, &b) == 1 &&
		    memcmp(&a, &b, sizeof(a)) == 0, "%s: libcurl host [%s], "
		    "url.c %s", s, h, u->u_host);
	} else {
		if (hl > 1 && h[hl - 1] == '.')
			h[hl - 1] = '\0';
		/* libcurl writes 127.1 or 0x7f000001 as 127.0.0.1: the same
		 * address, which only allow_private = 1 lets through. */
		FUZZ_CHECK(strcasecmp(h, u->u_host) == 0 ||
		    (inet_aton(u->u_host, &a4) == 1 &&
		    strcmp(h, inet_ntoa(a4)) == 0), "%s: libcurl host %s, "
		    "url.c %s", s, h, u->u_host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(cu);
}

static void
check_parsed(const char *s, const struct url *u)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	const char	*p;
	int		 lit;

	FUZZ_CHECK(u->u_host != NULL && u->u_host[0] != '\0', "empty host");
	FUZZ_CHECK(u->u_path != NULL && u->u_path[0] == '/', "path %s",
	    u->u_path ? u->u_path : "(null)");
	FUZZ_CHECK(u->u_port >= 1 && u->u_port <= 65535, "port %u",
	    u->u_port);
	for (p = u->u_host; *p != '\0'; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' &&
		    *p <= '9') || *p == '.' || *p == '-' || *p == ':',
		    "host %s holds 0x%02x", u->u_host, (unsigned char)*p);
	for (p = u->u_path; *p != '\0'; p++)
		FUZZ_CHECK((unsigned char)*p > 0x20 &&
		    (unsigned char)*p < 0x7f && *p != '#',
		    "path holds 0x%02x", (unsigned char)*p);
	lit = inet_pton(AF_INET, u->u_host, &a4) == 1 ||
	    inet_pton(AF_INET6, u->u_host, &a6) == 1;
	FUZZ_CHECK(lit == (u->u_host_is_ip != 0), "host %s: literal %d, "
	    "u_host_is_ip %d", u->u_host, lit, u->u_host_is_ip);
	(void)s;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_NOTHING);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = {
		"localhost", "localdomain", "local", "internal", "home.arpa",
	};
	struct url	 u;
	char		*s, err[512];
	int		 prc, v0, v1;
	size_t		 i;

	s = malloc(size + 1);
	FUZZ_CHECK(s != NULL, "malloc");
	memcpy(s, data, size);
	s[size] = '\0';

	check_guard_text(s);

	err[0] = '\0';
	prc = url_parse(s, &u, err, sizeof(err));
	if (prc == 0)
		check_parsed(s, &u);
	else
		FUZZ_CHECK(err[0] != '\0' && u.u_host == NULL &&
		    u.u_path == NULL, "url_parse failure state");

	err[0] = '\0';
	v1 = url_validate_endpoint(s, 1, err, sizeof(err));
	FUZZ_CHECK(v1 == 0 || err[0] != '\0', "refusal without a message");
	FUZZ_CHECK((v1 == 0) == (prc == 0 && strlen(s) <= URL_MAXLEN),
	    "allow_private=1 %s what url_parse %s", v1 ? "refuses" :
	    "accepts", prc ? "refuses" : "accepts");
	err[0] = '\0';
	v0 = url_validate_endpoint(s, 0, err, sizeof(err));
	FUZZ_CHECK(v0 == 0 || err[0] != '\0', "refusal without a message");
	FUZZ_CHECK(v0 == -1 || v1 == 0, "allow_private=0 accepts what "
	    "allow_private=1 refuses");

	if (v0 == 0) {
		if (u.u_host_is_ip)
			FUZZ_CHECK(ng_text_allowed(u.u_host, NULL) == 1,
			    "accepted IP literal %s fails ng_text_allowed",
			    u.u_host);
		check_numeric_forms(u.u_host);
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
			FUZZ_CHECK(!ends_with_zone(u.u_host, zones[i]),
			    "accepted internal host %s", u.u_host);
		FUZZ_CHECK(u.u_host_is_ip || strchr(u.u_host, '.') != NULL,
		    "accepted single-label host %s", u.u_host);
	}
	if (v1 == 0)
		check_curl_agrees(s, &u);
	if (prc == 0)
		check_guard_text(u.u_host);
	url_free(&u);
	free(s);
	return 0;
}

/*
 * Endpoint URL parsing and validation.  The URL is later handed to
 * libcurl as the tenant wrote it, so the parser is deliberately
 * narrower than curl's: whatever passes here must mean one thing to
 * both, and every refusal tells the tenant what to change.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "netguard.h"
#include "url.h"

#define URL_MAXLEN	2048
#define URL_HOSTMAX	253	/* longest DNS name, without the root dot */
#define URL_LABELMAX	63

static const char URL_PRIVATE_TAIL[] =
    "private and internal addresses are not allowed";
static const char URL_BAD_V6[] = "URL has an invalid IPv6 address; write it "
    "in brackets without a zone, such as https://[2001:db8::1]/";

static void	url_seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
url_seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* ASCII only: the locale must not change what a host name is. */
static int
url_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int
url_isxdigit(char c)
{
	return url_isdigit(c) || (c >= 'a' && c <= 'f');
}

static int
url_isalnum(char c)
{
	return url_isdigit(c) || (c >= 'a' && c <= 'z');
}

static char
url_tolower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void
url_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = url_tolower(*s);
}

/* Letters, digits and inner hyphens, 1..63 per dot-separated label. */
static int
url_hostname_ok(const char *h)
{
	const char	*p, *label = h;

	for (p = h;; p++) {
		if (*p == '.' || *p == '\0') {
			if (p == label || p - label > URL_LABELMAX ||
			    *label == '-' || p[-1] == '-')
				return 0;
			if (*p == '\0')
				return 1;
			label = p + 1;
		} else if (!url_isalnum(*p) && *p != '-')
			return 0;
	}
}

/*
 * True if every label is a number the way inet_aton(3) reads one:
 * decimal, octal with a leading 0, or hex after 0x.  glibc's resolver
 * and curl both turn "127.1", "0x7f000001" or "2130706433" into an
 * address without asking DNS, so such a host is an IP literal in all
 * but spelling.
 */
static int
url_host_numeric(const char *h)
{
	const char	*p = h;

	while (*p != '\0') {
		if (p[0] == '0' && p[1] == 'x') {
			for (p += 2; url_isxdigit(*p); p++)
				continue;
		} else {
			if (!url_isdigit(*p))
				return 0;
			while (url_isdigit(*p))
				p++;
		}
		if (*p == '.')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return 1;
}

/* Names that resolve to this host or the local network by convention
 * (RFC 6761, RFC 6762, RFC 8375) or cloud practice (.internal). */
static int
url_host_internal(const char *h)
{
	static const char *const zones[] = {
		"localhost", "localdomain", "local", "internal", "home.arpa",
	};
	size_t		 i, hl = strlen(h), zl;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		zl = strlen(zones[i]);
		if (strcmp(h, zones[i]) == 0)
			return 1;
		if (hl > zl && h[hl - zl - 1] == '.' &&
		    strcmp(h + hl - zl, zones[i]) == 0)
			return 1;
	}
	return 0;
}

static int
url_unbracketed_v6(const char *p, const char *end)
{
	int	 colons = 0;

	for (; p < end; p++) {
		if (*p == ':')
			colons++;
		else if (!url_isxdigit(url_tolower(*p)) && *p != '.')
			return 0;
	}
	return colons >= 2;
}

/* "a loopback address", "an unspecified address". */
static const char *
url_article(const char *w)
{
	if ((w[0] != '\0' && strchr("aeio", w[0]) != NULL) ||
	    (w[0] == 'u' && strncmp(w, "uni", 3) != 0))
		return "an";
	return "a";
}

int
url_parse(const char *s, struct url *u, char *err, size_t errsz)
{
	const char	*p, *auth, *aend, *host, *hend, *after, *msg;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		 v6[INET6_ADDRSTRLEN];
	size_t		 hlen, plen;
	unsigned	 port;
	int		 ipv6 = 0;

	memset(u, 0, sizeof(*u));
	if (s == NULL || *s == '\0') {
		msg = "URL is required";
		goto fail;
	}
	/* Nothing outside printable ASCII: depending on its version curl
	 * refuses such bytes or sends them raw, and CR LF could split the
	 * request line. */
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			msg = "URL must not contain spaces, control characters "
			    "or non-ASCII characters; percent-encode them in "
			    "the path, and write an international host name "
			    "in its xn-- form";
			goto fail;
		}
		/* RFC 3986 never allows these unencoded; a URL holding them
		 * is a paste error or an attempt at markup injection. */
		if (strchr("\"<>\\^`{|}", *p) != NULL) {
			msg = "URL must not contain \" < > \\ ^ ` { | or }; "
			    "percent-encode them";
			goto fail;
		}
	}
	/* A fragment is never sent to the receiver, so accepting one
	 * would store a URL that does not say what is requested. */
	if (strchr(s, '#') != NULL) {
		msg = "URL must not contain a #fragment";
		goto fail;
	}
	if (strncasecmp(s, "https://", 8) == 0) {
		u->u_https = 1;
		auth = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0)
		auth = s + 7;
	else {
		msg = "URL must start with http:// or https://";
		goto fail;
	}

	/* The authority ends where curl ends it: at '/', '?' or the end
	 * ('#' is gone already). */
	aend = auth + strcspn(auth, "/?");
	if (memchr(auth, '@', (size_t)(aend - auth)) != NULL) {
		msg = "URL must not contain a user name or password; "
		    "remove the part before the @ (receivers verify "
		    "deliveries with the signing secret)";
		goto fail;
	}
	if (*auth == '[') {
		ipv6 = 1;
		host = auth + 1;
		hend = memchr(host, ']', (size_t)(aend - host));
		after = hend == NULL ? NULL : hend + 1;
		if (hend == NULL || (after < aend && *after != ':')) {
			msg = URL_BAD_V6;
			goto fail;
		}
	} else {
		/* Two colons and nothing but hex: an IPv6 literal that
		 * lacks its brackets, not a host with a strange port. */
		if (url_unbracketed_v6(auth, aend)) {
			msg = URL_BAD_V6;
			goto fail;
		}
		host = auth;
		hend = memchr(auth, ':', (size_t)(aend - auth));
		if (hend == NULL)
			hend = aend;
		after = hend;
	}
	hlen = (size_t)(hend - host);
	if (hlen == 0) {
		msg = "URL must include a host name";
		goto fail;
	}

	if (after < aend) {
		/* *after is ':'.  Digits only and capped as we go, so
		 * "+80", " 80" or a huge value cannot slip through. */
		port = 0;
		for (p = after + 1; p < aend; p++) {
			if (!url_isdigit(*p))
				break;
			port = port * 10 + (unsigned)(*p - '0');
			if (port > 65535)
				break;
		}
		if (p == after + 1 || p < aend || port == 0) {
			msg = "URL port must be a number from 1 to 65535";
			goto fail;
		}
		u->u_port = port;
	} else
		u->u_port = u->u_https ? 443 : 80;

	if (ipv6) {
		if (hlen >= sizeof(v6)) {
			msg = URL_BAD_V6;
			goto fail;
		}
		memcpy(v6, host, hlen);
		v6[hlen] = '\0';
		/* inet_pton refuses a zone ("%eth0"), which is right: a
		 * zone only makes sense for a link-local address. */
		if (inet_pton(AF_INET6, v6, &a6) != 1) {
			msg = URL_BAD_V6;
			goto fail;
		}
		u->u_host = xstrndup(host, hlen);
		url_lower(u->u_host);
		u->u_host_is_ip = 1;
	} else {
		u->u_host = xstrndup(host, hlen);
		url_lower(u->u_host);
		/* "example.com." is the same name; store it one way. */
		if (hlen > 1 && u->u_host[hlen - 1] == '.')
			u->u_host[--hlen] = '\0';
		if (hlen > URL_HOSTMAX) {
			msg = "URL host name is too long (at most 253 "
			    "characters)";
			goto fail;
		}
		if (!url_hostname_ok(u->u_host)) {
			msg = "URL host name is not valid; use letters, digits, "
			    "hyphens and dots, each part 1 to 63 characters "
			    "and not starting or ending with a hyphen";
			goto fail;
		}
		u->u_host_is_ip = inet_pton(AF_INET, u->u_host, &a4) == 1;
	}

	/* What curl puts on the request line: "/" when the path is
	 * empty, also in front of a bare query. */
	plen = strlen(aend);
	u->u_path = xmalloc(plen + 2);
	if (*aend == '/')
		memcpy(u->u_path, aend, plen + 1);
	else {
		u->u_path[0] = '/';
		memcpy(u->u_path + 1, aend, plen + 1);
	}
	return 0;

fail:
	url_free(u);
	url_seterr(err, errsz, "%s", msg);
	return -1;
}

void
url_free(struct url *u)
{
	if (u == NULL)
		return;
	free(u->u_host);
	free(u->u_path);
	memset(u, 0, sizeof(*u));
}

int
url_validate_endpoint(const char *s, int allow_private, char *err,
    size_t errsz)
{
	struct url	 u;
	const char	*why;
	int		 rc = -1;

	memset(&u, 0, sizeof(u));
	if (s == NULL || *s == '\0') {
		url_seterr(err, errsz, "URL is required");
		goto out;
	}
	if (strnlen(s, URL_MAXLEN + 1) > URL_MAXLEN) {
		url_seterr(err, errsz, "URL is too long (at most %d "
		    "characters)", URL_MAXLEN);
		goto out;
	}
	if (url_parse(s, &u, err, errsz) == -1)
		goto out;
	if (allow_private) {
		rc = 0;
		goto out;
	}

	/*
	 * Only the URL text is judged here; the dispatcher judges the
	 * address it actually connects to.  This catches the obvious
	 * cases while the tenant is still looking at the form.
	 */
	if (u.u_host_is_ip) {
		if (ng_text_allowed(u.u_host, &why) != 1) {
			if (why == NULL)
				why = "address that is not allowed";
			url_seterr(err, errsz, "URL points to %s %s; %s",
			    url_article(why), why, URL_PRIVATE_TAIL);
			goto out;
		}
	} else if (url_host_numeric(u.u_host)) {
		url_seterr(err, errsz, "URL host looks like an IP address in "
		    "a non-standard form; use the dotted form a.b.c.d with "
		    "four decimal numbers");
		goto out;
	} else if (url_host_internal(u.u_host)) {
		url_seterr(err, errsz, "URL points to an internal host name "
		    "(localhost, .local, .internal, .localdomain, .home.arpa); "
		    "%s", URL_PRIVATE_TAIL);
		goto out;
	} else if (strchr(u.u_host, '.') == NULL) {
		/* A single label is completed from the resolver's search
		 * list: "metadata" reaches the metadata server on GCE. */
		url_seterr(err, errsz, "URL host must be a fully qualified "
		    "domain name, such as hooks.example.com; single-label "
		    "names are internal");
		goto out;
	}
	rc = 0;

out:
	url_free(&u);
	return rc;
}

int
url_check_port(const char *s, int allow_private, const struct ng_ports *ports,
    char *err, size_t errsz)
{
	struct url	 u;
	int		 rc = -1;

	memset(&u, 0, sizeof(u));
	if (url_parse(s, &u, err, errsz) == -1)
		goto out;
	/* The dispatcher lets an allowed private address use any port;
	 * only an IP literal tells already that it is one. */
	if (ng_port_allowed(u.u_port, ports) || (allow_private &&
	    u.u_host_is_ip && ng_text_allowed(u.u_host, NULL) == 0)) {
		rc = 0;
		goto out;
	}
	url_seterr(err, errsz, "URL port %u is not allowed: use port 80 or "
	    "443, or a port from 1024 to 65535 (ports below 1024 serve "
	    "other protocols such as SSH and mail; the operator can allow "
	    "more with [delivery] allowed_ports)", u.u_port);
out:
	url_free(&u);
	return rc;
}

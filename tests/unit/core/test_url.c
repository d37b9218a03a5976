/* Endpoint URL parsing and validation. */
#include "config.h"

#include <string.h>

#include "netguard.h"
#include "url.h"
#include "t.h"

struct good_case {
	const char	*gc_url;
	int		 gc_https;
	const char	*gc_host;
	int		 gc_is_ip;
	unsigned	 gc_port;
	const char	*gc_path;
	const char	*gc_name;
};

static const struct good_case good[] = {
	{ "https://hooks.example.com:8443/in/momentum?x=1&y=2", 1,
	    "hooks.example.com", 0, 8443, "/in/momentum?x=1&y=2",
	    "https with port, path and query is kept" },
	{ "http://hooks.example.com/in", 0, "hooks.example.com", 0, 80,
	    "/in", "http defaults to port 80" },
	{ "https://hooks.example.com", 1, "hooks.example.com", 0, 443, "/",
	    "https defaults to port 443 and path /" },
	{ "https://hooks.example.com?token=abc", 1, "hooks.example.com", 0,
	    443, "/?token=abc", "a bare query gets a leading /" },
	{ "HTTPS://Hooks.EXAMPLE.com/Path/Kept", 1, "hooks.example.com", 0,
	    443, "/Path/Kept", "scheme and host are case-normalised, "
	    "path is not" },
	{ "HtTp://example.com:80/", 0, "example.com", 0, 80, "/",
	    "mixed-case scheme is accepted" },
	{ "https://example.com./x", 1, "example.com", 0, 443, "/x",
	    "trailing dot of the host is stripped" },
	{ "https://[2606:4700::1111]/hook", 1, "2606:4700::1111", 1, 443,
	    "/hook", "public IPv6 literal loses its brackets" },
	{ "https://[2A00:1450::1]:8443/", 1, "2a00:1450::1", 1, 8443, "/",
	    "IPv6 literal with port is lowercased" },
	{ "http://8.8.8.8/", 0, "8.8.8.8", 1, 80, "/",
	    "dotted-quad host is an IP literal" },
	{ "https://a-b.c-d.example:65535/", 1, "a-b.c-d.example", 0, 65535,
	    "/", "inner hyphens and port 65535 are accepted" },
	{ "https://example.com:00443/", 1, "example.com", 0, 443, "/",
	    "leading zeros in the port are read as decimal" },
	{ "https://example.com/@me/%20x", 1, "example.com", 0, 443,
	    "/@me/%20x", "an @ and percent-escapes in the path are fine" },
};

struct bad_case {
	const char	*bc_url;
	int		 bc_allow_private;
	const char	*bc_msg;	/* substring of the tenant message */
	const char	*bc_name;
};

static const struct bad_case bad[] = {
	{ "", 1, "URL is required", "an empty URL is refused" },
	{ "ftp://example.com/", 1, "must start with http:// or https://",
	    "a non-http scheme is refused" },
	{ "example.com/hook", 1, "must start with http:// or https://",
	    "a URL without a scheme is refused" },
	{ "https:/example.com/", 1, "must start with http:// or https://",
	    "a scheme without // is refused" },
	{ "javascript://example.com/%0aalert(1)", 1, "must start with http",
	    "javascript: is refused" },
	{ "https://user:pw@example.com/", 1,
	    "must not contain a user name or password",
	    "userinfo with a password is refused" },
	{ "https://user@example.com/", 1,
	    "must not contain a user name or password",
	    "userinfo without a password is refused" },
	{ "https://example.com@127.0.0.1/", 1,
	    "must not contain a user name or password",
	    "userinfo used to disguise the host is refused" },
	{ "https:///path", 1, "must include a host name",
	    "an empty host is refused" },
	{ "https://:8443/", 1, "must include a host name",
	    "a port without a host is refused" },
	{ "https://[]/", 1, "must include a host name",
	    "empty brackets are refused" },
	{ "https://example.com:0/", 1, "port must be a number from 1 to 65535",
	    "port 0 is refused" },
	{ "https://example.com:65536/", 1, "port must be a number from 1 to",
	    "port 65536 is refused" },
	{ "https://example.com:99999999999999999999/", 1, "port must be",
	    "a port that overflows is refused" },
	{ "https://example.com:/", 1, "port must be",
	    "an empty port is refused" },
	{ "https://example.com:+80/", 1, "port must be",
	    "a signed port is refused" },
	{ "https://example.com:80x/", 1, "port must be",
	    "a port with trailing letters is refused" },
	{ "https://example.com:443:80/", 1, "port must be",
	    "two ports are refused" },
	{ "https://exa mple.com/", 1, "must not contain spaces",
	    "a space in the host is refused" },
	{ "https://example.com/a b", 1, "must not contain spaces",
	    "a space in the path is refused" },
	{ "https://example.com/\"><script>alert(1)</script>", 1,
	    "percent-encode them", "markup characters in the path are refused" },
	{ "https://example.com/a{b}|c", 1, "percent-encode them",
	    "braces and pipes are refused" },
	{ "https://example.com/a\r\nX-Injected: 1", 1,
	    "control characters", "CR LF is refused" },
	{ "https://example.com/\t", 1, "control characters",
	    "a tab is refused" },
	{ "https://example.com/\x7f", 1, "control characters",
	    "DEL is refused" },
	{ "https://b\xc3\xbc" "cher.example/", 1, "non-ASCII",
	    "a UTF-8 host is refused and xn-- is suggested" },
	{ "https://example.com/#frag", 1, "must not contain a #fragment",
	    "a fragment is refused" },
	{ "https://example.com#", 1, "must not contain a #fragment",
	    "an empty fragment is refused" },
	{ "https://exa_mple.com/", 1, "host name is not valid",
	    "an underscore in the host is refused" },
	{ "https://-example.com/", 1, "host name is not valid",
	    "a label starting with a hyphen is refused" },
	{ "https://example-.com/", 1, "host name is not valid",
	    "a label ending with a hyphen is refused" },
	{ "https://example..com/", 1, "host name is not valid",
	    "an empty label is refused" },
	{ "https://.example.com/", 1, "host name is not valid",
	    "a leading dot is refused" },
	{ "https://./", 1, "host name is not valid",
	    "a host of only a dot is refused" },
	{ "https://example.com\\@evil.com/", 1,
	    "percent-encode them",
	    "a backslash-and-@ trick is refused" },
	{ "https://%31%32%37.0.0.1/", 1, "host name is not valid",
	    "a percent-encoded host is refused" },
	{ "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaa.example.com/", 1, "each part 1 to 63 characters",
	    "a 64-character label is refused" },
	{ "https://[::1/", 1, "invalid IPv6 address",
	    "an unclosed bracket is refused" },
	{ "https://[::1]x/", 1, "invalid IPv6 address",
	    "junk after the bracket is refused" },
	{ "https://[1.2.3.4]/", 1, "invalid IPv6 address",
	    "IPv4 in brackets is refused" },
	{ "https://[fe80::1%25eth0]/", 1, "invalid IPv6 address",
	    "an IPv6 zone is refused" },
	{ "https://[gggg::1]/", 1, "invalid IPv6 address",
	    "a malformed IPv6 literal is refused" },
	{ "https://2606:4700::1111/", 1, "write it in brackets",
	    "an unbracketed IPv6 literal is refused" },
	{ "https://::1/", 1, "write it in brackets",
	    "an unbracketed ::1 is refused" },

	/* The SSRF guard on the URL text. */
	{ "http://127.0.0.1/", 0, "URL points to a loopback address; "
	    "private and internal addresses are not allowed",
	    "IPv4 loopback literal is refused with the reason" },
	{ "http://127.0.0.1.:8080/", 0, "loopback address",
	    "loopback literal with a trailing dot is refused" },
	{ "http://[::1]/", 0, "loopback address",
	    "IPv6 loopback literal is refused" },
	{ "http://[::ffff:127.0.0.1]/", 0, "loopback address",
	    "IPv4-mapped loopback literal is refused" },
	{ "http://[::FFFF:7F00:1]/", 0, "loopback address",
	    "IPv4-mapped loopback in upper-case hex is refused" },
	{ "http://169.254.169.254/latest/meta-data/", 0,
	    "cloud metadata address",
	    "metadata literal is refused and named" },
	{ "http://[fd00:ec2::254]/", 0, "cloud metadata address",
	    "IPv6 metadata literal is refused and named" },
	{ "https://10.0.0.1/", 0, "private address (RFC 1918)",
	    "RFC 1918 literal is refused" },
	{ "https://192.168.1.1/", 0, "private address (RFC 1918)",
	    "192.168 literal is refused" },
	{ "https://100.64.0.1/", 0, "a carrier-grade NAT address",
	    "CGNAT literal is refused" },
	{ "https://0.0.0.0/", 0, "an unspecified address",
	    "0.0.0.0 is refused with the right article" },
	{ "https://[fc00::1]/", 0, "a unique local address",
	    "ULA literal is refused" },
	{ "https://[fe80::1]/", 0, "link-local address",
	    "IPv6 link-local literal is refused" },
	{ "https://224.0.0.1/", 0, "multicast address",
	    "multicast literal is refused" },
	{ "https://127.1/", 0, "looks like an IP address in a non-standard "
	    "form; use the dotted form", "short form 127.1 is refused" },
	{ "https://0x7f000001/", 0, "non-standard form",
	    "hex form 0x7f000001 is refused" },
	{ "https://0X7F000001/", 0, "non-standard form",
	    "upper-case hex form is refused" },
	{ "https://0x7f.1/", 0, "non-standard form",
	    "mixed hex form 0x7f.1 is refused" },
	{ "https://2130706433/", 0, "non-standard form",
	    "decimal form 2130706433 is refused" },
	{ "https://017700000001/", 0, "non-standard form",
	    "octal form 017700000001 is refused" },
	{ "https://0177.0.0.1/", 0, "non-standard form",
	    "octal dotted form is refused" },
	{ "https://8.8.8.8.8/", 0, "non-standard form",
	    "five numeric parts are refused" },
	{ "https://localhost/", 0, "internal host name",
	    "localhost is refused" },
	{ "https://LOCALHOST./", 0, "internal host name",
	    "LOCALHOST. is refused after normalising" },
	{ "https://api.localhost/", 0, "internal host name",
	    "*.localhost is refused" },
	{ "https://localhost.localdomain/", 0, "internal host name",
	    "localhost.localdomain is refused" },
	{ "https://printer.local/", 0, "internal host name",
	    ".local is refused" },
	{ "http://metadata.google.internal/", 0, "internal host name",
	    ".internal is refused" },
	{ "https://box.localdomain/", 0, "internal host name",
	    ".localdomain is refused" },
	{ "https://nas.home.arpa/", 0, "internal host name",
	    ".home.arpa is refused" },
	{ "http://metadata/", 0, "fully qualified domain name",
	    "a single-label host is refused" },
};

static void
test_good(void)
{
	const struct good_case	*c;
	struct url		 u;
	char			 err[256];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		c = &good[i];
		err[0] = '\0';
		rc = url_parse(c->gc_url, &u, err, sizeof(err));
		T_CHECK(rc == 0 && u.u_https == c->gc_https &&
		    strcmp(u.u_host, c->gc_host) == 0 &&
		    u.u_host_is_ip == c->gc_is_ip &&
		    u.u_port == c->gc_port &&
		    strcmp(u.u_path, c->gc_path) == 0,
		    "%s (%s -> %s)", c->gc_name, c->gc_url,
		    rc == 0 ? u.u_host : err);
		url_free(&u);
		rc = url_validate_endpoint(c->gc_url, 0, err, sizeof(err));
		T_CHECK(rc == 0, "validates without private networks: %s (%s)",
		    c->gc_name, rc == 0 ? "ok" : err);
	}
}

static void
test_bad(void)
{
	const struct bad_case	*c;
	char			 err[512];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = &bad[i];
		err[0] = '\0';
		rc = url_validate_endpoint(c->bc_url, c->bc_allow_private, err,
		    sizeof(err));
		T_CHECK(rc == -1 && strstr(err, c->bc_msg) != NULL,
		    "%s (%s)", c->bc_name, err);
	}
}

/* allow_private_networks = yes is how tests reach a local receiver. */
static void
test_allow_private(void)
{
	static const char *const ok[] = {
		"http://127.0.0.1:8080/hook", "http://[::1]:8080/",
		"http://localhost:8080/", "http://receiver/",
		"http://10.0.0.1/", "http://169.254.169.254/",
		"http://127.1:8080/",
	};
	char	 err[256];
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err[0] = '\0';
		rc = url_validate_endpoint(ok[i], 1, err, sizeof(err));
		T_CHECK(rc == 0, "allow_private accepts %s (%s)", ok[i], err);
	}
}

static void
test_length(void)
{
	char	 long_url[2100], err[256];
	size_t	 pre;

	/* Exactly 2048 characters passes, 2049 does not. */
	pre = strlen("https://example.com/");
	memcpy(long_url, "https://example.com/", pre);
	memset(long_url + pre, 'a', 2048 - pre);
	long_url[2048] = '\0';
	T_CHECK(url_validate_endpoint(long_url, 0, err, sizeof(err)) == 0,
	    "a 2048-character URL is accepted");
	long_url[2048] = 'a';
	long_url[2049] = '\0';
	err[0] = '\0';
	T_CHECK(url_validate_endpoint(long_url, 0, err, sizeof(err)) == -1 &&
	    strstr(err, "too long (at most 2048") != NULL,
	    "a 2049-character URL is refused (%s)", err);
}

static void
test_edges(void)
{
	struct url	 u;
	char		 small[8];

	T_CHECK(url_parse("ftp://x/", &u, small, sizeof(small)) == -1 &&
	    strlen(small) == sizeof(small) - 1,
	    "a message is truncated to the error buffer");
	T_CHECK(u.u_host == NULL && u.u_path == NULL,
	    "a failed parse leaves nothing to free");
	T_CHECK(url_parse("ftp://x/", &u, NULL, 0) == -1,
	    "a NULL error buffer is accepted");
	T_CHECK(url_validate_endpoint(NULL, 0, NULL, 0) == -1,
	    "a NULL URL is refused");
	T_CHECK(url_parse("https://example.com:8443x", &u, NULL, 0) == -1 &&
	    u.u_host == NULL, "a failed port leaves nothing allocated");
	url_free(&u);
	url_free(NULL);
	T_CHECK(1, "url_free accepts a freed url and NULL");
}

/* The port rule: 80, 443, 1024 and up, the operator's allowed_ports,
 * and any port for a private IP literal when private networks are on. */
static void
test_port(void)
{
	static const struct {
		const char	*name, *url;
		int		 allow_private, ok;
	} cases[] = {
		{ "https on its default port", "https://example.com/h", 0, 1 },
		{ "http on its default port", "http://example.com/h", 0, 1 },
		{ "explicit 80", "http://example.com:80/h", 0, 1 },
		{ "explicit 443", "https://example.com:443/h", 0, 1 },
		{ "n8n on 5678", "https://n8n.example.com:5678/webhook/x", 0, 1 },
		{ "1024, the first unprivileged port", "https://example.com:1024/", 0, 1 },
		{ "65535", "https://example.com:65535/", 0, 1 },
		{ "SSH on 22 is refused", "https://example.com:22/h", 0, 0 },
		{ "SMTP on 25 is refused", "http://example.com:25/h", 0, 0 },
		{ "1023 is refused", "http://example.com:1023/h", 0, 0 },
		{ "a public IP literal on 25 is refused", "http://8.8.8.8:25/", 1, 0 },
		{ "a host name on 25 is refused with private networks on", "http://db.example.com:25/", 1, 0 },
		{ "a loopback literal may use 9 with private networks on", "http://127.0.0.1:9/", 1, 1 },
		{ "a private literal may use 25 with private networks on", "http://10.1.2.3:25/", 1, 1 },
		{ "an IPv6 loopback may use 22 with private networks on", "http://[::1]:22/", 1, 1 },
		{ "a loopback literal on 22 without private networks", "http://127.0.0.1:22/", 0, 0 },
	};
	struct ng_ports	 extra;
	char		 err[512];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = url_check_port(cases[i].url, cases[i].allow_private, NULL,
		    err, sizeof(err));
		T_CHECK(cases[i].ok ? rc == 0 : rc == -1 &&
		    strstr(err, "port") != NULL && strstr(err, "1024") != NULL,
		    "port rule: %s (%s)", cases[i].name, err);
	}
	T_CHECK(ng_ports_parse("22 8000-8100", &extra) == 0,
	    "allowed_ports parses");
	T_CHECK(url_check_port("https://example.com:22/", 0, &extra, err,
	    sizeof(err)) == 0 && url_check_port("https://example.com:8050/", 0,
	    &extra, err, sizeof(err)) == 0, "allowed_ports lets 22 through");
	T_CHECK(url_check_port("https://example.com:23/", 0, &extra, err,
	    sizeof(err)) == -1 && strstr(err, "port 23 is not allowed") != NULL,
	    "allowed_ports lets no other port through: %s", err);
	T_CHECK(ng_port_allowed(0, NULL) == 0 && ng_port_allowed(65536, NULL)
	    == 0, "ports 0 and 65536 are never allowed");
}

int
main(void)
{
	test_port();
	test_good();
	test_bad();
	test_allow_private();
	test_length();
	test_edges();
	return t_done();
}

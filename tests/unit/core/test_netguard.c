/* The SSRF guard: which addresses a delivery may connect to. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "netguard.h"
#include "t.h"

struct ng_case {
	const char	*nc_addr;
	int		 nc_want;	/* 1 allowed, 0 refused */
	const char	*nc_why;	/* substring of the reason, if refused */
	const char	*nc_name;	/* the behaviour guarded */
};

static const struct ng_case cases[] = {
	/* Loopback, in every spelling the kernel would route there. */
	{ "127.0.0.1", 0, "loopback", "IPv4 loopback is refused" },
	{ "127.255.255.254", 0, "loopback", "all of 127/8 is loopback" },
	{ "::1", 0, "loopback", "IPv6 loopback is refused" },
	{ "::ffff:127.0.0.1", 0, "loopback",
	    "IPv4-mapped loopback is judged as IPv4" },
	{ "::ffff:7f00:1", 0, "loopback",
	    "IPv4-mapped loopback in hex is judged as IPv4" },
	{ "::127.0.0.1", 0, "loopback",
	    "IPv4-compatible loopback is judged as IPv4" },
	{ "::ffff:0:127.0.0.1", 0, "loopback",
	    "IPv4-translated loopback is judged as IPv4" },
	{ "64:ff9b::7f00:1", 0, "loopback",
	    "NAT64 loopback is judged as IPv4" },
	{ "64:ff9b:1::a00:1", 0, "RFC 1918",
	    "local-use NAT64 private address is judged as IPv4" },
	{ "2002:7f00:1::", 0, "loopback", "6to4 loopback is judged as IPv4" },
	{ "2002:a9fe:a9fe::1", 0, "metadata",
	    "6to4 metadata address is judged as IPv4" },
	/* Cloud metadata, named as such. */
	{ "169.254.169.254", 0, "cloud metadata",
	    "EC2/GCP/Azure metadata address is named as metadata" },
	{ "fd00:ec2::254", 0, "cloud metadata",
	    "EC2 IPv6 metadata address is named as metadata" },
	{ "::ffff:169.254.169.254", 0, "cloud metadata",
	    "IPv4-mapped metadata address is named as metadata" },
	{ "100.100.100.200", 0, "cloud metadata",
	    "Alibaba metadata address is named as metadata" },
	{ "168.63.129.16", 0, "cloud metadata",
	    "Azure WireServer address is refused" },
	/* RFC 1918. */
	{ "10.0.0.1", 0, "RFC 1918", "10/8 is private" },
	{ "10.255.255.255", 0, "RFC 1918", "top of 10/8 is private" },
	{ "172.16.0.1", 0, "RFC 1918", "172.16/12 is private" },
	{ "172.31.255.255", 0, "RFC 1918", "top of 172.16/12 is private" },
	{ "192.168.1.1", 0, "RFC 1918", "192.168/16 is private" },
	{ "::ffff:10.0.0.1", 0, "RFC 1918",
	    "IPv4-mapped private address is judged as IPv4" },
	{ "100.64.0.1", 0, "carrier-grade NAT", "100.64/10 is CGNAT" },
	{ "100.127.255.255", 0, "carrier-grade NAT",
	    "top of 100.64/10 is CGNAT" },
	{ "169.254.1.1", 0, "link-local", "169.254/16 is link-local" },
	{ "169.254.169.253", 0, "link-local",
	    "metadata neighbour is link-local, not metadata" },
	{ "fe80::1", 0, "link-local", "fe80::/10 is link-local" },
	{ "febf::1", 0, "link-local", "top of fe80::/10 is link-local" },
	{ "fc00::1", 0, "unique local", "fc00::/7 is unique local" },
	{ "fd12::1", 0, "unique local", "fd00::/8 is unique local" },
	{ "fec0::1", 0, "site-local", "fec0::/10 is site-local" },
	{ "0.0.0.0", 0, "unspecified", "0.0.0.0 is refused" },
	{ "0.1.2.3", 0, "unspecified", "all of 0/8 is refused" },
	{ "::", 0, "unspecified", "IPv6 unspecified is refused" },
	{ "224.0.0.1", 0, "multicast", "224/4 is multicast" },
	{ "239.255.255.250", 0, "multicast", "top of 224/4 is multicast" },
	{ "ff02::1", 0, "multicast", "ff00::/8 is multicast" },
	{ "255.255.255.255", 0, "broadcast", "limited broadcast is refused" },
	{ "240.0.0.1", 0, "reserved", "240/4 is reserved" },
	{ "192.0.0.8", 0, "reserved", "192.0.0/24 is reserved" },
	{ "192.0.2.1", 0, "reserved", "TEST-NET-1 is reserved" },
	{ "198.18.0.1", 0, "reserved", "198.18/15 benchmark is reserved" },
	{ "198.19.255.255", 0, "reserved", "top of 198.18/15 is reserved" },
	{ "198.51.100.1", 0, "reserved", "TEST-NET-2 is reserved" },
	{ "203.0.113.1", 0, "reserved", "TEST-NET-3 is reserved" },
	{ "2001:db8::1", 0, "reserved", "2001:db8::/32 is reserved" },
	{ "100::1", 0, "reserved", "100::/64 discard is reserved" },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", 0, "reserved",
	    "Teredo is refused outright" },
	{ "5f00::1", 0, "reserved", "outside 2000::/3 is reserved" },
	/* Public unicast. */
	{ "8.8.8.8", 1, NULL, "public IPv4 is allowed" },
	{ "1.1.1.1", 1, NULL, "public IPv4 1.1.1.1 is allowed" },
	{ "172.32.0.1", 1, NULL, "just above 172.16/12 is allowed" },
	{ "172.15.255.255", 1, NULL, "just below 172.16/12 is allowed" },
	{ "100.128.0.1", 1, NULL, "just above 100.64/10 is allowed" },
	{ "11.0.0.1", 1, NULL, "just above 10/8 is allowed" },
	{ "223.255.255.255", 1, NULL, "just below 224/4 is allowed" },
	{ "2606:4700::1111", 1, NULL, "public IPv6 is allowed" },
	{ "2a00:1450::1", 1, NULL, "public IPv6 2a00:1450::1 is allowed" },
	{ "2001:200::1", 1, NULL, "2001:200::/23 above Teredo is allowed" },
	{ "::ffff:8.8.8.8", 1, NULL,
	    "IPv4-mapped public address is allowed" },
	{ "64:ff9b::808:808", 1, NULL, "NAT64 public address is allowed" },
	{ "2002:808:808::1", 1, NULL, "6to4 public address is allowed" },
};

static void
test_text(void)
{
	const struct ng_case	*c;
	const char		*why;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		why = "unset";
		rc = ng_text_allowed(c->nc_addr, &why);
		if (c->nc_want)
			T_CHECK(rc == 1 && why == NULL, "%s (%s)", c->nc_name,
			    c->nc_addr);
		else
			T_CHECK(rc == 0 && why != NULL &&
			    strstr(why, c->nc_why) != NULL,
			    "%s (%s: %s)", c->nc_name, c->nc_addr,
			    why == NULL ? "(null)" : why);
	}
}

static void
test_text_not_literal(void)
{
	static const char *const bad[] = {
		"0x7f.1", "127.1", "2130706433", "017700000001",
		"0x7f000001", "127.0.0.1.", "localhost", "", "[::1]",
		"fe80::1%eth0", "127.0.0.1 ", "1.2.3.4.5", "::1::",
	};
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = "unset";
		T_CHECK(ng_text_allowed(bad[i], &why) == -1 && why == NULL,
		    "\"%s\" is not an IP literal for inet_pton", bad[i]);
	}
	T_CHECK(ng_text_allowed(NULL, NULL) == -1,
	    "NULL text is not an IP literal");
	T_CHECK(ng_text_allowed("127.0.0.1", NULL) == 0,
	    "refusal works without a reason pointer");
}

static void
test_sockaddr(void)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_un	 sun;
	size_t			 i;
	const char		*why;
	static const struct {
		const char	*a;
		int		 want;
		const char	*why;
	} v4[] = {
		{ "127.0.0.1", 0, "loopback" },
		{ "169.254.169.254", 0, "cloud metadata" },
		{ "10.1.2.3", 0, "RFC 1918" },
		{ "8.8.8.8", 1, NULL },
	}, v6[] = {
		{ "::1", 0, "loopback" },
		{ "::ffff:127.0.0.1", 0, "loopback" },
		{ "::ffff:192.168.0.1", 0, "RFC 1918" },
		{ "fd00:ec2::254", 0, "cloud metadata" },
		{ "fe80::1", 0, "link-local" },
		{ "2606:4700::1111", 1, NULL },
	};

	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(443);
		inet_pton(AF_INET, v4[i].a, &sin.sin_addr);
		why = NULL;
		if (v4[i].want)
			T_CHECK(ng_addr_allowed((struct sockaddr *)&sin,
			    sizeof(sin), &why) == 1 && why == NULL,
			    "sockaddr_in %s is allowed", v4[i].a);
		else
			T_CHECK(ng_addr_allowed((struct sockaddr *)&sin,
			    sizeof(sin), &why) == 0 && why != NULL &&
			    strstr(why, v4[i].why) != NULL,
			    "sockaddr_in %s is refused as %s", v4[i].a,
			    v4[i].why);
	}
	for (i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(443);
		inet_pton(AF_INET6, v6[i].a, &sin6.sin6_addr);
		why = NULL;
		if (v6[i].want)
			T_CHECK(ng_addr_allowed((struct sockaddr *)&sin6,
			    sizeof(sin6), &why) == 1 && why == NULL,
			    "sockaddr_in6 %s is allowed", v6[i].a);
		else
			T_CHECK(ng_addr_allowed((struct sockaddr *)&sin6,
			    sizeof(sin6), &why) == 0 && why != NULL &&
			    strstr(why, v6[i].why) != NULL,
			    "sockaddr_in6 %s is refused as %s", v6[i].a,
			    v6[i].why);
	}

	/* Fail closed on anything that is not a whole inet address. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "8.8.8.8", &sin.sin_addr);
	T_CHECK(ng_addr_allowed((struct sockaddr *)&sin, sizeof(sin) - 1,
	    &why) == 0, "a truncated sockaddr_in is refused");
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2606:4700::1111", &sin6.sin6_addr);
	T_CHECK(ng_addr_allowed((struct sockaddr *)&sin6, sizeof(sin), &why)
	    == 0, "a sockaddr_in6 passed with an IPv4 length is refused");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	why = NULL;
	T_CHECK(ng_addr_allowed((struct sockaddr *)&sun, sizeof(sun), &why)
	    == 0 && why != NULL, "an AF_UNIX address is refused");
	T_CHECK(ng_addr_allowed(NULL, 0, NULL) == 0,
	    "a NULL address is refused");
}

/* [metrics] allow: who may read /metrics, by REMOTE_ADDR. */
static void
test_nets(void)
{
	static const struct {
		const char	*nets, *addr;
		int		 want;
	} nets[] = {
		{ "127.0.0.1", "127.0.0.1", 1 },
		{ "127.0.0.1", "127.0.0.2", 0 },
		{ "127.0.0.1", "::ffff:127.0.0.1", 1 },
		{ "10.0.0.0/8", "10.255.1.2", 1 },
		{ "10.0.0.0/8", "11.0.0.1", 0 },
		{ "10.17.0.0/12", "10.31.255.255", 1 },
		{ "10.17.0.0/12", "10.32.0.0", 0 },
		{ "192.0.2.0/24, 198.51.100.7", "198.51.100.7", 1 },
		{ "192.0.2.0/24 198.51.100.7", "198.51.100.8", 0 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "0.0.0.0/0", "2001:db8::1", 0 },
		{ "::1", "::1", 1 },
		{ "::1", "127.0.0.1", 0 },
		{ "2001:db8::/32", "2001:db8:ffff::1", 1 },
		{ "2001:db8::/32", "2001:db9::1", 0 },
		{ "2001:db8::/33", "2001:db8:8000::1", 0 },
		{ "127.0.0.1", "localhost", 0 },
		{ "127.0.0.1", "", 0 },
	};
	static const char *const bad[] = {
		"localhost", "10.0.0.0/", "10.0.0.0/33", "::/129", "1.2.3.4/-1",
		"1.2.3.4/8x", "127.1",
	};
	struct ng_nets	 nn;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
		rc = ng_nets_parse(nets[i].nets, &nn);
		T_CHECK(rc == 0 && ng_nets_match(&nn, nets[i].addr) ==
		    nets[i].want, "allow %s %s %s", nets[i].nets,
		    nets[i].want ? "admits" : "refuses", nets[i].addr);
	}
	T_CHECK(ng_nets_parse("127.0.0.1", &nn) == 0 &&
	    ng_nets_match(&nn, NULL) == 0, "no REMOTE_ADDR is refused");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_CHECK(ng_nets_parse(bad[i], &nn) == -1,
		    "allow refuses \"%s\"", bad[i]);
	T_CHECK(ng_nets_parse("", &nn) == 0 && nn.nn_n == 0,
	    "an empty allow list admits nobody");
}

int
main(void)
{
	test_nets();
	test_text();
	test_text_not_literal();
	test_sockaddr();
	return t_done();
}

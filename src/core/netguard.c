/*
 * The SSRF guard.  A delivery may only reach public unicast addresses
 * unless allow_private_networks is set.  The dispatcher asks this about
 * the address it is about to connect to, so a name that resolves (or
 * re-resolves, DNS rebinding) to an internal address is still caught;
 * url.c asks it about IP literals so the tenant hears about it early.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netguard.h"

static const char NG_LOOPBACK[] = "loopback address";
static const char NG_PRIVATE[] = "private address (RFC 1918)";
static const char NG_LINKLOCAL[] = "link-local address";
static const char NG_METADATA[] = "cloud metadata address";
static const char NG_CGNAT[] = "carrier-grade NAT address";
static const char NG_UNSPEC[] = "unspecified address";
static const char NG_MULTICAST[] = "multicast address";
static const char NG_BROADCAST[] = "broadcast address";
static const char NG_ULA[] = "unique local address (fc00::/7)";
static const char NG_SITELOCAL[] = "site-local address (fec0::/10)";
static const char NG_RESERVED[] = "reserved address";
static const char NG_FAMILY[] = "unsupported address family";

struct ng_net4 {
	uint32_t	 n4_net;	/* host byte order */
	unsigned	 n4_plen;
	const char	*n4_why;
};

/*
 * First match wins, so a single address that sits inside a wider range
 * comes before that range: the metadata host is link-local, but the
 * tenant (and the operator reading logs) should be told what it really
 * is, and the limited broadcast address is inside 240/4.
 */
static const struct ng_net4 ng_net4[] = {
	{ 0xa9fea9feU, 32, NG_METADATA },	/* 169.254.169.254 */
	/* Alibaba Cloud's metadata service lives inside CGNAT space. */
	{ 0x646464c8U, 32, NG_METADATA },	/* 100.100.100.200 */
	/* Azure's WireServer is a public-looking address that only
	 * answers from inside Azure, where it hands out VM secrets. */
	{ 0xa83f8110U, 32, NG_METADATA },	/* 168.63.129.16 */
	{ 0xffffffffU, 32, NG_BROADCAST },	/* 255.255.255.255 */
	/* Linux connects 0.0.0.0 to the local host. */
	{ 0x00000000U,  8, NG_UNSPEC },		/* 0.0.0.0/8 */
	{ 0x0a000000U,  8, NG_PRIVATE },	/* 10.0.0.0/8 */
	{ 0x64400000U, 10, NG_CGNAT },		/* 100.64.0.0/10 */
	{ 0x7f000000U,  8, NG_LOOPBACK },	/* 127.0.0.0/8 */
	{ 0xa9fe0000U, 16, NG_LINKLOCAL },	/* 169.254.0.0/16 */
	{ 0xac100000U, 12, NG_PRIVATE },	/* 172.16.0.0/12 */
	{ 0xc0000000U, 24, NG_RESERVED },	/* 192.0.0.0/24 */
	{ 0xc0000200U, 24, NG_RESERVED },	/* 192.0.2.0/24 */
	{ 0xc0586300U, 24, NG_RESERVED },	/* 192.88.99.0/24, RFC 7526 */
	{ 0xc0a80000U, 16, NG_PRIVATE },	/* 192.168.0.0/16 */
	{ 0xc6120000U, 15, NG_RESERVED },	/* 198.18.0.0/15 */
	{ 0xc6336400U, 24, NG_RESERVED },	/* 198.51.100.0/24 */
	{ 0xcb007100U, 24, NG_RESERVED },	/* 203.0.113.0/24 */
	{ 0xe0000000U,  4, NG_MULTICAST },	/* 224.0.0.0/4 */
	{ 0xf0000000U,  4, NG_RESERVED },	/* 240.0.0.0/4 */
};

struct ng_net6 {
	uint8_t		 n6_net[16];
	unsigned	 n6_plen;
	const char	*n6_why;
};

/* ::, ::1 and the forms carrying an IPv4 address are handled before
 * this table is consulted; see ng_v6_allowed(). */
static const struct ng_net6 ng_net6[] = {
	/* fd00:ec2::254, the EC2 metadata service on Nitro instances. */
	{ { 0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54 }, 128,
	    NG_METADATA },
	{ { 0xfc }, 7, NG_ULA },
	{ { 0xfe, 0x80 }, 10, NG_LINKLOCAL },
	{ { 0xfe, 0xc0 }, 10, NG_SITELOCAL },
	{ { 0xff }, 8, NG_MULTICAST },
	{ { 0x01, 0x00 }, 64, NG_RESERVED },		/* 100::/64 discard */
	/* 2001::/23 holds Teredo (2001::/32), whose client address is
	 * obfuscated and would tunnel to wherever it says, and ORCHID;
	 * nothing in it is a webhook receiver. */
	{ { 0x20, 0x01, 0x00, 0x00 }, 23, NG_RESERVED },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, NG_RESERVED },	/* doc */
	{ { 0x3f, 0xff }, 20, NG_RESERVED },		/* doc, RFC 9637 */
};

static int
ng_v4_allowed(uint32_t a, const char **why)
{
	uint32_t	 mask;
	size_t		 i;

	for (i = 0; i < sizeof(ng_net4) / sizeof(ng_net4[0]); i++) {
		mask = ng_net4[i].n4_plen == 0 ? 0 :
		    0xffffffffU << (32 - ng_net4[i].n4_plen);
		if ((a & mask) == ng_net4[i].n4_net) {
			*why = ng_net4[i].n4_why;
			return 0;
		}
	}
	return 1;
}

static int
ng_prefix_match(const uint8_t a[16], const uint8_t net[16], unsigned plen)
{
	unsigned	 full = plen / 8, rest = plen % 8;
	uint8_t		 mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == net[full];
}

static int
ng_zero(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static uint32_t
ng_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * An IPv6 address that the kernel or a translator turns into an IPv4
 * connection must be judged as that IPv4 address, or ::ffff:127.0.0.1
 * walks straight past an IPv6-only list.  Sets *v4 and returns 1 for
 * such a form.
 */
static int
ng_embedded_v4(const uint8_t a[16], uint32_t *v4)
{
	static const uint8_t nat64[4] = { 0x00, 0x64, 0xff, 0x9b };
	int		 low32;

	/* 2002:aabb:ccdd::/48, 6to4: the address follows the prefix. */
	if (a[0] == 0x20 && a[1] == 0x02) {
		*v4 = ng_get32(a + 2);
		return 1;
	}
	low32 =
	    /* ::ffff:a.b.c.d, mapped. */
	    (ng_zero(a, 10) && a[10] == 0xff && a[11] == 0xff) ||
	    /* ::ffff:0:a.b.c.d, translated (RFC 2765). */
	    (ng_zero(a, 8) && a[8] == 0xff && a[9] == 0xff &&
	    a[10] == 0 && a[11] == 0) ||
	    /* ::a.b.c.d, compatible; the caller has taken :: and ::1. */
	    ng_zero(a, 12) ||
	    /* 64:ff9b::/96, the well-known NAT64 prefix. */
	    (memcmp(a, nat64, 4) == 0 && ng_zero(a + 4, 8)) ||
	    /*
	     * 64:ff9b:1::/48, local-use NAT64 (RFC 8215).  The operator
	     * picks the prefix length; /96, with the address in the low
	     * 32 bits, is what translators use in practice, and the
	     * dispatcher still vets what it connects to.
	     */
	    (memcmp(a, nat64, 4) == 0 && a[4] == 0x00 && a[5] == 0x01);
	if (!low32)
		return 0;
	*v4 = ng_get32(a + 12);
	return 1;
}

static int
ng_v6_allowed(const uint8_t a[16], const char **why)
{
	uint32_t	 v4;
	size_t		 i;

	if (ng_zero(a, 16)) {
		*why = NG_UNSPEC;
		return 0;
	}
	if (ng_zero(a, 15) && a[15] == 1) {
		*why = NG_LOOPBACK;
		return 0;
	}
	if (ng_embedded_v4(a, &v4))
		return ng_v4_allowed(v4, why);
	for (i = 0; i < sizeof(ng_net6) / sizeof(ng_net6[0]); i++) {
		if (ng_prefix_match(a, ng_net6[i].n6_net,
		    ng_net6[i].n6_plen)) {
			*why = ng_net6[i].n6_why;
			return 0;
		}
	}
	/* Only 2000::/3 is handed out as global unicast; anything else
	 * left at this point is unassigned or special-purpose. */
	if ((a[0] & 0xe0) != 0x20) {
		*why = NG_RESERVED;
		return 0;
	}
	return 1;
}

int
ng_addr_allowed(const struct sockaddr *sa, socklen_t salen, const char **why)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const char			*dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	/* A short or unknown address is refused: failing closed is the
	 * point of this module. */
	if (sa == NULL || salen < (socklen_t)sizeof(sa_family_t)) {
		*why = NG_FAMILY;
		return 0;
	}
	switch (sa->sa_family) {
	case AF_INET:
		if (salen < (socklen_t)sizeof(*sin))
			break;
		sin = (const struct sockaddr_in *)(const void *)sa;
		return ng_v4_allowed(ntohl(sin->sin_addr.s_addr), why);
	case AF_INET6:
		if (salen < (socklen_t)sizeof(*sin6))
			break;
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return ng_v6_allowed(sin6->sin6_addr.s6_addr, why);
	default:
		break;
	}
	*why = NG_FAMILY;
	return 0;
}

int
ng_text_allowed(const char *s, const char **why)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	const char	*dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (s == NULL)
		return -1;
	/*
	 * inet_pton only: it takes the dotted quad and nothing else, where
	 * inet_aton would also read "127.1" or "0x7f000001".  Those forms
	 * are not IP literals here; url.c refuses them on its own.
	 */
	if (inet_pton(AF_INET, s, &a4) == 1)
		return ng_v4_allowed(ntohl(a4.s_addr), why);
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return ng_v6_allowed(a6.s6_addr, why);
	return -1;
}

int
ng_ports_parse(const char *s, struct ng_ports *np)
{
	struct ng_ports	 out;
	const char	*p = s;
	char		*end;
	unsigned long	 lo, hi;

	memset(&out, 0, sizeof(out));
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		if (*p < '0' || *p > '9' || out.np_n == NG_PORTS_MAX)
			return -1;
		lo = hi = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (lo < 1 || hi > 65535 || lo > hi ||
		    (*p != '\0' && *p != ' ' && *p != '\t' && *p != ','))
			return -1;
		out.np_lo[out.np_n] = (unsigned)lo;
		out.np_hi[out.np_n] = (unsigned)hi;
		out.np_n++;
	}
	*np = out;
	return 0;
}

int
ng_port_allowed(unsigned port, const struct ng_ports *np)
{
	size_t	 i;

	if (port == 80 || port == 443 || (port >= 1024 && port <= 65535))
		return 1;
	for (i = 0; np != NULL && i < np->np_n; i++)
		if (port >= np->np_lo[i] && port <= np->np_hi[i])
			return 1;
	return 0;
}

/* addr as 16 bytes, IPv4 mapped; *bits is 32 or 128.  -1 if not one. */
static int
ng_addr16(const char *s, uint8_t out[16], unsigned *bits)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4.s_addr, 4);
		*bits = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out, a6.s6_addr, 16);
		*bits = 128;
		return 0;
	}
	return -1;
}

int
ng_nets_parse(const char *s, struct ng_nets *nn)
{
	struct ng_nets	 out;
	char		 tok[64], *slash, *end;
	const char	*p = s, *q;
	unsigned long	 plen;
	unsigned	 bits;
	size_t		 len;

	memset(&out, 0, sizeof(out));
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t' && *q != ',';
		    q++)
			;
		len = (size_t)(q - p);
		if (len >= sizeof(tok) || out.nn_n == NG_NETS_MAX)
			return -1;
		memcpy(tok, p, len);
		tok[len] = '\0';
		p = q;
		if ((slash = strchr(tok, '/')) != NULL)
			*slash++ = '\0';
		if (ng_addr16(tok, out.nn_addr[out.nn_n], &bits) == -1)
			return -1;
		plen = bits;
		if (slash != NULL) {
			if (*slash < '0' || *slash > '9')
				return -1;
			plen = strtoul(slash, &end, 10);
			if (*end != '\0' || plen > bits)
				return -1;
		}
		/* An IPv4 prefix counts within the mapped form's last 32. */
		plen += bits == 32 ? 96 : 0;
		out.nn_plen[out.nn_n] = (unsigned)plen;
		/* Host bits count for nothing: 10.1.2.3/8 is 10.0.0.0/8. */
		if (plen % 8 != 0)
			out.nn_addr[out.nn_n][plen / 8] &=
			    (uint8_t)(0xff << (8 - plen % 8));
		for (len = (plen + 7) / 8; len < 16; len++)
			out.nn_addr[out.nn_n][len] = 0;
		out.nn_n++;
	}
	*nn = out;
	return 0;
}

int
ng_nets_match(const struct ng_nets *nn, const char *addr)
{
	uint8_t		 a[16];
	unsigned	 bits;
	size_t		 i;

	if (addr == NULL || ng_addr16(addr, a, &bits) == -1)
		return 0;
	for (i = 0; i < nn->nn_n; i++)
		if (ng_prefix_match(a, nn->nn_addr[i], nn->nn_plen[i]))
			return 1;
	return 0;
}

/* The SSRF guard: which addresses a delivery may connect to. */
#ifndef WH_NETGUARD_H
#define WH_NETGUARD_H

#include <stddef.h>
#include <sys/socket.h>

/* 1 if a public unicast address, 0 if refused.  On refusal why (if not
 * NULL) is set to a static text such as "loopback address",
 * "private address (RFC 1918)", "link-local address",
 * "cloud metadata address", "carrier-grade NAT address",
 * "unspecified address", "multicast address", "broadcast address",
 * "unique local address (fc00::/7)", "reserved address".
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible, NAT64 (64:ff9b::/96)
 * and 6to4 (2002::/16) forms are judged by the IPv4 address inside. */
int	ng_addr_allowed(const struct sockaddr *, socklen_t, const char **why);
/* Same for a textual IPv4 or IPv6 address; -1 if it is not one. */
int	ng_text_allowed(const char *, const char **why);

/*
 * Ports a delivery to a public address may use: 80, 443, 1024 and up,
 * and the operator's [delivery] allowed_ports (so a receiver cannot be
 * made to talk to SSH, SMTP and the like of some Internet host).
 */
#define NG_PORTS_MAX	32
struct ng_ports {
	unsigned	 np_lo[NG_PORTS_MAX];
	unsigned	 np_hi[NG_PORTS_MAX];
	size_t		 np_n;
};
/* "22 2000-2100, 873": up to NG_PORTS_MAX ports or ranges from 1 to
 * 65535, separated by spaces or commas.  0, or -1 (*np unchanged). */
int	ng_ports_parse(const char *, struct ng_ports *np);
/* 1 if port may be connected to on a public address, else 0. */
int	ng_port_allowed(unsigned port, const struct ng_ports *np);

/*
 * A list of client addresses and networks ([metrics] allow): IPv4 and
 * IPv6 addresses, each with an optional /prefix.  IPv4 is kept as
 * IPv4-mapped IPv6, so 127.0.0.1 also matches a client seen as
 * ::ffff:127.0.0.1 (a dual-stack socket).
 */
#define NG_NETS_MAX	32
struct ng_nets {
	unsigned char	 nn_addr[NG_NETS_MAX][16];
	unsigned	 nn_plen[NG_NETS_MAX];
	size_t		 nn_n;
};
/* "127.0.0.1 10.0.0.0/8, ::1": up to NG_NETS_MAX, separated by spaces or
 * commas.  0, or -1 (*nn unchanged). */
int	ng_nets_parse(const char *, struct ng_nets *nn);
/* 1 if the textual address (REMOTE_ADDR) is in one of them, else 0. */
int	ng_nets_match(const struct ng_nets *, const char *addr);

#endif

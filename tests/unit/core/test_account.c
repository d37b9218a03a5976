/* account_addr_key: what the sign-in throttle counts a client address
 * as.  An IPv6 subscriber has a whole /64 to pick addresses from, so
 * the count is per /64. */
#include "config.h"

#include <string.h>

#include "account.h"
#include "t.h"

int
main(void)
{
	static const struct { const char *name, *in, *out; } cases[] = {
		{ "IPv4 as is", "203.0.113.7", "203.0.113.7" },
		{ "loopback as is", "127.0.0.2", "127.0.0.2" },
		{ "IPv6 counts per /64", "2001:db8:1:2:a:b:c:d", "2001:db8:1:2::/64" },
		{ "another address of the same /64 is the same client",
		    "2001:db8:1:2::99", "2001:db8:1:2::/64" },
		{ "another /64 is another client", "2001:db8:1:3::1", "2001:db8:1:3::/64" },
		{ "IPv4-mapped IPv6 is the IPv4 client", "::ffff:198.51.100.4", "198.51.100.4" },
		{ "IPv6 loopback", "::1", "::/64" },
		{ "no REMOTE_ADDR", "", "unknown" },
		{ "not an address is kept (a Unix socket peer)", "unix:/run/x", "unix:/run/x" },
	};
	char	 out[46];
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		account_addr_key(cases[i].in, out, sizeof(out));
		T_CHECK(strcmp(out, cases[i].out) == 0, "account_addr_key: %s "
		    "(%s -> %s)", cases[i].name, cases[i].in, out);
	}
	account_addr_key(NULL, out, sizeof(out));
	T_CHECK(strcmp(out, "unknown") == 0, "account_addr_key: NULL is unknown");
	account_addr_key("x-very-long-value-that-is-not-an-address-at-all-"
	    "really", out, sizeof(out));
	T_CHECK(strlen(out) == 45, "account_addr_key: cut to the column's 45 "
	    "characters");
	return t_done();
}

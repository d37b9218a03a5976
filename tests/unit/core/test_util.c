/* util: numbers, durations, sizes, RFC 3339 and SQL times. */
#include "config.h"

#include <string.h>

#include "util.h"
#include "t.h"

int
main(void)
{
	static const struct { const char *s; int ok; long long ms; } dur[] = {
		{ "1m", 1, 60000 }, { "5m", 1, 300000 }, { "30m", 1, 1800000 },
		{ "2h", 1, 7200000 }, { "12h", 1, 43200000 }, { "1d", 1, 86400000 },
		{ "1500ms", 1, 1500 }, { "10", 1, 10000 }, { "10s", 1, 10000 },
		{ "", 0, 0 }, { "s", 0, 0 }, { "1x", 0, 0 }, { "-1s", 0, 0 },
		{ "1 s", 0, 0 }, { "99999999999999999999s", 0, 0 },
	};
	static const struct { const char *s; int ok; size_t n; } sizes[] = {
		{ "1MiB", 1, 1048576 }, { "64KiB", 1, 65536 }, { "512B", 1, 512 },
		{ "100", 1, 100 }, { "1MB", 0, 0 }, { "KiB", 0, 0 }, { "1.5MiB", 0, 0 },
	};
	static const struct { const char *in; const char *out; } ts[] = {
		{ "2026-04-29T14:32:11Z", "2026-04-29T14:32:11Z" },
		{ "2026-04-29t14:32:11z", "2026-04-29T14:32:11Z" },
		{ "2026-04-29T14:32:11+00:00", "2026-04-29T14:32:11Z" },
		{ "2026-04-29T14:32:11.5Z", "2026-04-29T14:32:11.500Z" },
		{ "2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z" },
		{ "2026-02-29T00:00:00Z", NULL }, { "2026-04-29T14:32:11+02:00", NULL },
		{ "2026-04-29 14:32:11Z", NULL }, { "2026-13-01T00:00:00Z", NULL },
		{ "2026-04-29T24:00:00Z", NULL }, { "2026-04-29T14:32:11", NULL },
		{ "yesterday", NULL }, { "2026-04-29T14:32:11.Z", NULL },
	};
	const char	*errstr;
	long long	 ms, v;
	size_t		 i, n;
	char		 out[32];
	int64_t		 e;

	for (i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		int rc = util_parse_duration_ms(dur[i].s, &ms);

		T_CHECK(dur[i].ok ? rc == 0 && ms == dur[i].ms : rc == -1,
		    "duration '%s' %s", dur[i].s,
		    dur[i].ok ? "parses" : "is refused");
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int rc = util_parse_size(sizes[i].s, &n);

		T_CHECK(sizes[i].ok ? rc == 0 && n == sizes[i].n : rc == -1,
		    "size '%s' %s", sizes[i].s,
		    sizes[i].ok ? "parses" : "is refused");
	}
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		int rc = util_rfc3339_parse(ts[i].in, strlen(ts[i].in), out,
		    &e);

		T_CHECK(ts[i].out ? rc == 0 && strcmp(out, ts[i].out) == 0 :
		    rc == -1, "RFC 3339 '%s' %s", ts[i].in,
		    ts[i].out ? "normalises" : "is refused");
	}
	util_rfc3339_parse("2026-04-29T14:32:11Z", 20, out, &e);
	T_CHECK(e == 1777473131000LL, "RFC 3339 converts to epoch ms");
	util_sqltime_fmt(e + 7, out);
	T_CHECK(strcmp(out, "2026-04-29 14:32:11.007") == 0,
	    "SQL time formats with milliseconds");
	T_CHECK(util_sqltime_parse("2026-04-29 14:32:11.007", &e) == 0 &&
	    e == 1777473131007LL, "SQL time parses back");

	v = util_strtonum("42", 1, 100, &errstr);
	T_CHECK(v == 42 && errstr == NULL, "strtonum accepts in range");
	util_strtonum("0", 1, 100, &errstr);
	T_CHECK(errstr && strcmp(errstr, "too small") == 0, "strtonum below");
	util_strtonum("101", 1, 100, &errstr);
	T_CHECK(errstr && strcmp(errstr, "too large") == 0, "strtonum above");
	util_strtonum(" 5", 1, 100, &errstr);
	T_CHECK(errstr != NULL, "strtonum refuses leading space");
	util_strtonum("+5", 1, 100, &errstr);
	T_CHECK(errstr != NULL, "strtonum refuses a plus sign");
	util_strtonum("5x", 1, 100, &errstr);
	T_CHECK(errstr != NULL, "strtonum refuses trailing junk");
	util_strtonum("99999999999999999999999", 1, INT64_MAX, &errstr);
	T_CHECK(errstr != NULL, "strtonum refuses overflow");
	v = util_strntonum("123abc", 3, 0, 999, &errstr);
	T_CHECK(v == 123 && errstr == NULL, "strntonum reads a prefix");

	T_CHECK(util_ct_streq("abc", "abc"), "ct_streq equal");
	T_CHECK(!util_ct_streq("abc", "abd"), "ct_streq differs");
	T_CHECK(!util_ct_streq("abc", "abcd"), "ct_streq length differs");
	return t_done();
}

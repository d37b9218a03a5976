/* log_escape, which every log line goes through: a request path or a
 * receiver's error text can never start a forged line or put bytes that
 * are not UTF-8 into the log. */
#include "config.h"

#include <string.h>

#include "log.h"
#include "t.h"

struct esc_case {
	const char	*name;
	const char	*in;
	const char	*out;
	size_t		 outsz;
};

static const struct esc_case esc_cases[] = {
	{ "plain text passes", "GET /admin/webhooks 200", "GET /admin/webhooks 200", 64 },
	{ "a newline from %0a becomes \\n, one line", "GET /x\nfake: line", "GET /x\\nfake: line", 64 },
	{ "carriage return and tab are escaped", "a\rb\tc", "a\\rb\\tc", 64 },
	{ "a backslash is doubled, so escapes are unambiguous", "a\\nb", "a\\\\nb", 64 },
	{ "other control bytes become \\xNN", "a\x1b[31mb\x01", "a\\x1b[31mb\\x01", 64 },
	{ "DEL is escaped", "a\x7f", "a\\x7f", 64 },
	{ "valid UTF-8 passes", "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac", 64 },
	{ "a stray continuation byte is escaped", "a\x80z", "a\\x80z", 64 },
	{ "a truncated sequence is escaped byte by byte", "a\xe2\x82", "a\\xe2\\x82", 64 },
	{ "an overlong form is escaped", "\xc0\xaf", "\\xc0\\xaf", 64 },
	{ "an encoded surrogate is escaped", "\xed\xa0\x80", "\\xed\\xa0\\x80", 64 },
	{ "cut at a whole escape, never half of one", "ab\n", "ab", 4 },
	{ "cut at a whole character, never half of one", "a\xc3\xa9", "a", 3 },
	{ "an empty message stays empty", "", "", 8 },
};

int
main(void)
{
	char	 out[128];
	size_t	 i, n;

	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		const struct esc_case *c = &esc_cases[i];

		memset(out, 'X', sizeof(out));
		n = log_escape(c->in, out, c->outsz);
		T_CHECK(strcmp(out, c->out) == 0 && n == strlen(c->out) &&
		    n < c->outsz, "log_escape: %s", c->name);
	}
	T_CHECK(log_escape("abc", out, 0) == 0,
	    "log_escape: no room writes nothing");
	return t_done();
}

/* utf8_clean, which makes a receiver's bytes fit the recorder's utf8mb4
 * columns: well-formed sequences kept, every other byte U+FFFD. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "utf8.h"

struct clean_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
	const char	*todo;		/* a known bug, not fixed yet */
};

#define S(s)	s, sizeof(s) - 1
#define FFFD	"\xef\xbf\xbd"
/* utf8_clean reserves before the loop, so its "b_data == NULL" test for
 * empty input never holds and buf_release hands back 64 bytes never
 * written.  Harmless today: the recorder's one empty input, an empty
 * response body, is read by its length (r_snippet_len), never as a
 * string. */
/* The bytes never written are garbage only where malloc fills new
 * memory, as AddressSanitizer does (0xbe); elsewhere they may be 0 by
 * chance, so the check runs in the sanitizer build only. */
#if defined(__SANITIZE_ADDRESS__)
#define MALLOC_FILLS	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MALLOC_FILLS	1
#endif
#endif

static const struct clean_case clean_cases[] = {
	{ "empty stays empty, NUL-terminated", S(""), S(""), NULL },
	{ "ASCII passes", S("ok: 200"), S("ok: 200"), NULL },
	{ "valid 2-, 3- and 4-byte sequences pass", S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), NULL },
	{ "a stray continuation byte becomes U+FFFD", S("a\x80z"), S("a" FFFD "z"), NULL },
	{ "Latin-1 bytes become U+FFFD each", S("caf\xe9 \xff"), S("caf" FFFD " " FFFD), NULL },
	{ "a sequence cut at the end becomes U+FFFD per byte", S("x\xe2\x82"), S("x" FFFD FFFD), NULL },
	{ "an overlong NUL (C0 80) is refused", S("\xc0\x80"), S(FFFD FFFD), NULL },
	{ "an encoded surrogate (ED A0 80) is refused", S("\xed\xa0\x80"), S(FFFD FFFD FFFD), NULL },
	{ "a code point above U+10FFFF is refused", S("\xf4\x90\x80\x80"), S(FFFD FFFD FFFD FFFD), NULL },
	{ "a NUL byte is kept, with the length", S("a\0b"), S("a\0b"), NULL },
	{ "a valid sequence after a bad byte is kept", S("\xfe\xc3\xa9"), S(FFFD "\xc3\xa9"), NULL },
};

static void
run_clean(const struct clean_case *c)
{
	char	*s;
	size_t	 n = (size_t)-1;
	int	 ok;

	s = utf8_clean(c->in, c->inlen, &n);
	ok = s != NULL && n == c->outlen && memcmp(s, c->out, n) == 0 &&
	    s[n] == '\0';
#ifndef MALLOC_FILLS
	if (c->todo != NULL)
		T_SKIP("needs AddressSanitizer's malloc fill",
		    "utf8_clean: %s", c->name);
	else
#endif
	if (c->todo != NULL)
		T_TODO(c->todo, ok, "utf8_clean: %s (%zu bytes)", c->name, n);
	else
		T_CHECK(ok, "utf8_clean: %s (%zu bytes)", c->name, n);
	free(s);
}

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(clean_cases) / sizeof(clean_cases[0]); i++)
		run_clean(&clean_cases[i]);
	return t_done();
}

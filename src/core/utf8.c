/* UTF-8 helpers (see utf8.h): the JSON validator, the dispatcher's
 * recorder, the endpoint validators and the payload formats share them. */
#include "config.h"

#include <stddef.h>

#include "buf.h"
#include "utf8.h"

/*
 * Length of the well-formed UTF-8 sequence at s, or 0 with *why set.
 * The ranges are those of RFC 3629 section 4: narrowing the second byte
 * after E0, ED, F0 and F4 is what excludes overlongs, encoded surrogates
 * and code points above U+10FFFF.
 */
size_t
utf8_seq(const unsigned char *s, size_t avail, const char **why)
{
	unsigned char	 c = s[0], lo = 0x80, hi = 0xbf, b;
	size_t		 n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c == 0xe0) {
		n = 3;
		lo = 0xa0;
	} else if (c == 0xed) {
		n = 3;
		hi = 0x9f;
	} else if (c >= 0xe1 && c <= 0xef)
		n = 3;
	else if (c == 0xf0) {
		n = 4;
		lo = 0x90;
	} else if (c >= 0xf1 && c <= 0xf3)
		n = 4;
	else if (c == 0xf4) {
		n = 4;
		hi = 0x8f;
	} else {
		if (c >= 0x80 && c <= 0xbf)
			*why = "UTF-8 continuation byte without a lead byte";
		else if (c == 0xc0 || c == 0xc1)
			*why = "overlong UTF-8 sequence";
		else
			*why = "invalid UTF-8 lead byte";
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (i >= avail) {
			*why = "truncated UTF-8 sequence";
			return 0;
		}
		b = s[i];
		if (b < 0x80 || b > 0xbf)
			*why = "truncated UTF-8 sequence";
		else if (b < lo)
			*why = "overlong UTF-8 sequence";
		else if (b > hi && c == 0xed)
			*why = "surrogate code point encoded in UTF-8";
		else if (b > hi)
			*why = "code point above U+10FFFF";
		else {
			lo = 0x80;
			hi = 0xbf;
			continue;
		}
		return 0;
	}
	return n;
}

size_t
utf8_put(unsigned int cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The delivery columns are utf8mb4 in strict mode: a receiver's bytes
 * (or a text cut in the middle of a character) must become valid UTF-8,
 * with U+FFFD for what is not. */
char *
utf8_clean(const char *p, size_t n, size_t *outlen)
{
	const unsigned char	*s = (const unsigned char *)p;
	const char		*why;
	struct buf		 b;
	size_t			 i = 0, len;

	buf_init(&b);
	buf_reserve(&b, n);
	while (i < n) {
		len = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i, &why);
		if (len == 0) {
			buf_puts(&b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		buf_add(&b, s + i, len);
		i += len;
	}
	if (outlen != NULL)
		*outlen = b.b_len;
	/* Reserved but nothing written: terminate it as well. */
	if (b.b_len == 0)
		buf_puts(&b, "");
	return buf_release(&b);
}

/* Every byte that does not continue a sequence starts a character. */
size_t
utf8_count(const char *s, size_t n)
{
	size_t	 i, chars = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	return chars;
}

size_t
utf8_clip_chars(const char *s, size_t n, size_t max, int *cut)
{
	size_t	 i, chars = 0;

	*cut = 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == max) {
			*cut = 1;
			return i;
		}
	return n;
}

size_t
utf8_clip_bytes(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	for (n = max; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return n;
}

int
utf8_valid(const char *p, size_t n)
{
	const unsigned char	*s = (const unsigned char *)p;
	const char		*why;
	size_t			 i = 0, len;

	while (i < n) {
		len = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i, &why);
		if (len == 0)
			return 0;
		i += len;
	}
	return 1;
}

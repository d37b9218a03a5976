/* UTF-8 (RFC 3629): checking a sequence, encoding a code point, making
 * arbitrary bytes valid, and counting or cutting text by characters.
 * The counting and cutting functions take text that is already valid
 * UTF-8 and tell characters apart by their lead bytes only. */
#ifndef WH_UTF8_H
#define WH_UTF8_H

#include <stddef.h>

/* Length of the well-formed multi-byte UTF-8 sequence at s (its first
 * byte >= 0x80), or 0 with *why set (RFC 3629: no overlongs, encoded
 * surrogates or code points above U+10FFFF). */
size_t	 utf8_seq(const unsigned char *s, size_t avail, const char **why);
/* Encode cp (at most U+10FFFF, not a surrogate) into 1 to 4 bytes of o;
 * returns how many. */
size_t	 utf8_put(unsigned int cp, unsigned char *o);
/* A valid UTF-8 copy of n bytes at p, each byte that is not part of a
 * well-formed sequence replaced by U+FFFD (malloc'd; its length in
 * *outlen when not NULL). */
char	*utf8_clean(const char *p, size_t n, size_t *outlen);
/* Characters in n bytes of s. */
size_t	 utf8_count(const char *s, size_t n);
/* Is it valid UTF-8 (no overlong form, surrogate or code point past
 * U+10FFFF)? */
int	 utf8_valid(const char *s, size_t n);
/* Bytes of the first max characters of n bytes at s; *cut says whether
 * some were left out. */
size_t	 utf8_clip_chars(const char *s, size_t n, size_t max, int *cut);
/* Bytes of s to keep for at most max bytes: n when it fits, else max
 * moved back to the start of the character it falls in. */
size_t	 utf8_clip_bytes(const char *s, size_t n, size_t max);

#endif

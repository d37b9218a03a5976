/* JSON writer: the one place strings are escaped for JSON output. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "jsonw.h"

void
jw_strn(struct buf *b, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	size_t		 i, run = 0;
	unsigned char	 c;

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':  buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		default:
			buf_puts(b, "\\u00");
			buf_putc(b, hexd[c >> 4]);
			buf_putc(b, hexd[c & 15]);
			break;
		}
	}
	buf_add(b, s + run, n - run);
	buf_putc(b, '"');
}

void
jw_str(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_puts(b, "null");
	else
		jw_strn(b, s, strlen(s));
}

void
jw_key(struct buf *b, const char *k)
{
	jw_str(b, k);
	buf_putc(b, ':');
}

void
jw_int(struct buf *b, long long v)
{
	buf_printf(b, "%lld", v);
}

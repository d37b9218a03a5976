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

static void
newline(struct buf *b, int depth)
{
	int	 i;

	buf_putc(b, '\n');
	/* Indentation grows with depth, so a deep document would grow by
	 * its depth times its size: past JW_PRETTY_MAXDEPTH levels lines
	 * stay at that indentation, and the output is at most about
	 * 2 * JW_PRETTY_MAXDEPTH + 3 times the input. */
	if (depth > JW_PRETTY_MAXDEPTH)
		depth = JW_PRETTY_MAXDEPTH;
	for (i = 0; i < depth; i++)
		buf_puts(b, "  ");
}

void
jw_pretty(struct buf *b, const char *s, size_t n)
{
	size_t	 i;
	int	 depth = 0, instr = 0, esc = 0;
	char	 c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (instr) {
			buf_putc(b, c);
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				instr = 0;
			continue;
		}
		switch (c) {
		case ' ': case '\t': case '\n': case '\r':
			break;
		case '"':
			instr = 1;
			buf_putc(b, c);
			break;
		case '{': case '[':
			buf_putc(b, c);
			/* Keep empty containers on one line. */
			{
				size_t j = i + 1;

				while (j < n && (s[j] == ' ' || s[j] == '\n' ||
				    s[j] == '\t' || s[j] == '\r'))
					j++;
				if (j < n && (s[j] == '}' || s[j] == ']')) {
					buf_putc(b, s[j]);
					i = j;
					break;
				}
			}
			newline(b, ++depth);
			break;
		case '}': case ']':
			newline(b, depth > 0 ? --depth : 0);
			buf_putc(b, c);
			break;
		case ',':
			buf_putc(b, c);
			newline(b, depth);
			break;
		case ':':
			buf_puts(b, ": ");
			break;
		default:
			buf_putc(b, c);
		}
	}
}

/* JSON reader, the parsing half (the accessors are in json_get.c).  A
 * strict RFC 8259 validator of our own runs first and owns every error
 * message; jsmn then only tokenises text that is known to be well formed.
 * jsmn alone would accept several top-level values, "tru", "01", raw
 * control characters, broken UTF-8 and lone surrogates, and its errors
 * carry no position. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "buf.h"
#include "json.h"
#include "json_priv.h"
#include "utf8.h"

/* Validator state: what the grammar expects at the next non-blank byte. */
enum vstate {
	V_VALUE,	/* any value */
	V_KEY,		/* an object key (after '{' or ',') */
	V_NEXT		/* ',' or the closing bracket, or end of input */
};

struct vctx {
	const char	*v_js;
	size_t		 v_len;
	size_t		 v_pos;
	char		*v_err;
	size_t		 v_errsz;
};

static int	 vfail(struct vctx *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static const char *vfound(const struct vctx *, size_t, char *, size_t);
static int	 scan_string(struct vctx *);
static int	 scan_number(struct vctx *);
static int	 scan_literal(struct vctx *);
static int	 validate(const char *, size_t, int, size_t *, size_t *,
		    char *, size_t);

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Format "line L, column C: ..." for byte offset at.  The line and column
 * are found by rescanning only here, on failure, so the accepting path
 * pays nothing for them.
 */
static int
vfail(struct vctx *v, size_t at, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 i, line = 1, col = 1;
	int	 n;

	if (v->v_err == NULL || v->v_errsz == 0)
		return -1;
	for (i = 0; i < at && i < v->v_len; i++) {
		if (v->v_js[i] == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	n = snprintf(v->v_err, v->v_errsz, "line %zu, column %zu: ",
	    line, col);
	if (n < 0 || (size_t)n >= v->v_errsz)
		return -1;
	va_start(ap, fmt);
	vsnprintf(v->v_err + n, v->v_errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Printable description of the byte at offset at, for "found ..." text. */
static const char *
vfound(const struct vctx *v, size_t at, char *buf, size_t sz)
{
	unsigned char	 c;

	if (at >= v->v_len)
		return "end of input";
	c = (unsigned char)v->v_js[at];
	if (c == '\0')
		return "NUL byte";
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, sz, "'%c'", c);
	else
		snprintf(buf, sz, "byte 0x%02x", c);
	return buf;
}

/* Four hex digits at s, of which avail bytes exist. */
int
json_hex4(const char *s, size_t avail, unsigned int *out)
{
	unsigned int	 cp = 0;
	size_t		 i;
	char		 c;

	if (avail < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = s[i];
		cp <<= 4;
		if (c >= '0' && c <= '9')
			cp |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			cp |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			cp |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	*out = cp;
	return 0;
}

/* Scan a string whose opening quote is at v_pos; leave v_pos after it. */
static int
scan_string(struct vctx *v)
{
	const unsigned char	*s = (const unsigned char *)v->v_js;
	const char		*why;
	size_t			 p = v->v_pos + 1, len = v->v_len, n;
	unsigned int		 cp, lo;

	for (;;) {
		if (p >= len)
			return vfail(v, v->v_pos, "unterminated string");
		if (s[p] == '"')
			break;
		if (s[p] == '\\') {
			if (p + 1 >= len)
				return vfail(v, v->v_pos,
				    "unterminated string");
			switch (s[p + 1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p += 2;
				continue;
			case 'u':
				break;
			default:
				return vfail(v, p, "invalid escape '\\%c' "
				    "in string", s[p + 1] >= 0x20 &&
				    s[p + 1] < 0x7f ? s[p + 1] : '?');
			}
			if (json_hex4(v->v_js + p + 2, len - p - 2, &cp) == -1)
				return vfail(v, p, "\\u escape needs four "
				    "hex digits");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return vfail(v, p, "low surrogate \\u%04X "
				    "without a high surrogate before it", cp);
			if (cp < 0xd800 || cp > 0xdbff) {
				p += 6;
				continue;
			}
			/* A high surrogate is only meaningful as the first
			 * half of a pair; alone it is not a character. */
			if (len - p < 8 || s[p + 6] != '\\' || s[p + 7] != 'u')
				return vfail(v, p, "high surrogate \\u%04X "
				    "not followed by a low surrogate", cp);
			if (json_hex4(v->v_js + p + 8, len - p - 8, &lo) == -1)
				return vfail(v, p + 6, "\\u escape needs four "
				    "hex digits");
			if (lo < 0xdc00 || lo > 0xdfff)
				return vfail(v, p + 6, "expected a low "
				    "surrogate after \\u%04X, found \\u%04X",
				    cp, lo);
			p += 12;
			continue;
		}
		if (s[p] == '\0')
			return vfail(v, p, "NUL byte in string");
		if (s[p] < 0x20)
			return vfail(v, p, "raw control character 0x%02x in "
			    "string (must be escaped)", s[p]);
		if (s[p] < 0x80) {
			p++;
			continue;
		}
		n = utf8_seq(s + p, len - p, &why);
		if (n == 0)
			return vfail(v, p, "%s in string", why);
		p += n;
	}
	v->v_pos = p + 1;
	return 0;
}

/* number = [ "-" ] int [ frac ] [ exp ], RFC 8259 section 6. */
static int
scan_number(struct vctx *v)
{
	const char	*js = v->v_js;
	size_t		 p = v->v_pos, len = v->v_len;

	if (js[p] == '-')
		p++;
	if (p >= len || js[p] < '0' || js[p] > '9')
		return vfail(v, p, "expected a digit in number");
	if (js[p] == '0') {
		p++;
		if (p < len && js[p] >= '0' && js[p] <= '9')
			return vfail(v, p - 1, "leading zero in number");
	} else
		while (p < len && js[p] >= '0' && js[p] <= '9')
			p++;
	if (p < len && js[p] == '.') {
		p++;
		if (p >= len || js[p] < '0' || js[p] > '9')
			return vfail(v, p, "expected a digit after '.' in "
			    "number");
		while (p < len && js[p] >= '0' && js[p] <= '9')
			p++;
	}
	if (p < len && (js[p] == 'e' || js[p] == 'E')) {
		p++;
		if (p < len && (js[p] == '+' || js[p] == '-'))
			p++;
		if (p >= len || js[p] < '0' || js[p] > '9')
			return vfail(v, p, "expected a digit in exponent");
		while (p < len && js[p] >= '0' && js[p] <= '9')
			p++;
	}
	v->v_pos = p;
	return 0;
}

static int
scan_literal(struct vctx *v)
{
	static const char *const lits[] = { "true", "false", "null" };
	const char	*lit;
	size_t		 i, n;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		lit = lits[i];
		if (lit[0] != v->v_js[v->v_pos])
			continue;
		n = strlen(lit);
		if (v->v_len - v->v_pos < n ||
		    memcmp(v->v_js + v->v_pos, lit, n) != 0)
			return vfail(v, v->v_pos, "invalid literal, "
			    "expected '%s'", lit);
		v->v_pos += n;
		return 0;
	}
	return vfail(v, v->v_pos, "invalid literal");
}

/*
 * Walk the whole document as the RFC 8259 grammar.  Nesting is an explicit
 * stack of bracket bytes, never recursion, so hostile depth costs one byte
 * per level up to max_depth and then fails.  On success *rstart and *rend
 * delimit the top-level value without surrounding blanks.
 */
static int
validate(const char *js, size_t len, int max_depth, size_t *rstart,
    size_t *rend, char *err, size_t errsz)
{
	struct vctx	 v;
	unsigned char	 stkbuf[256], *stk = stkbuf;
	size_t		 depth = 0, cap, stksz;
	enum vstate	 st = V_VALUE;
	char		 fb[16];
	char		 c, close;
	int		 rc = -1;

	v.v_js = js;
	v.v_len = len;
	v.v_pos = 0;
	v.v_err = err;
	v.v_errsz = errsz;

	/* Every level consumes one input byte, so the stack never needs
	 * more than len entries whatever max_depth the caller asks for. */
	cap = (size_t)max_depth;
	stksz = cap < len ? cap : len;
	if (stksz > sizeof(stkbuf))
		stk = xmalloc(stksz);

	*rstart = *rend = 0;
	for (;;) {
		while (v.v_pos < len && is_ws(js[v.v_pos]))
			v.v_pos++;

		if (st == V_NEXT) {
			if (depth == 0) {
				if (v.v_pos < len) {
					vfail(&v, v.v_pos, "expected end of "
					    "input after the top-level value, "
					    "found %s",
					    vfound(&v, v.v_pos, fb, sizeof(fb)));
					goto out;
				}
				break;
			}
			close = stk[depth - 1] == '{' ? '}' : ']';
			c = v.v_pos < len ? js[v.v_pos] : '\0';
			if (v.v_pos < len && c == close) {
				v.v_pos++;
				if (--depth == 0)
					*rend = v.v_pos;
				continue;
			}
			if (v.v_pos < len && c == ',') {
				v.v_pos++;
				st = close == '}' ? V_KEY : V_VALUE;
				continue;
			}
			vfail(&v, v.v_pos, "expected ',' or '%c' after %s, "
			    "found %s", close, close == '}' ?
			    "object member" : "array element",
			    vfound(&v, v.v_pos, fb, sizeof(fb)));
			goto out;
		}

		if (st == V_KEY) {
			if (v.v_pos >= len || js[v.v_pos] != '"') {
				vfail(&v, v.v_pos, "expected a string key, "
				    "found %s",
				    vfound(&v, v.v_pos, fb, sizeof(fb)));
				goto out;
			}
			if (scan_string(&v) == -1)
				goto out;
			while (v.v_pos < len && is_ws(js[v.v_pos]))
				v.v_pos++;
			if (v.v_pos >= len || js[v.v_pos] != ':') {
				vfail(&v, v.v_pos, "expected ':' after object "
				    "key, found %s",
				    vfound(&v, v.v_pos, fb, sizeof(fb)));
				goto out;
			}
			v.v_pos++;
			st = V_VALUE;
			continue;
		}

		/* V_VALUE */
		if (depth == 0)
			*rstart = v.v_pos;
		c = v.v_pos < len ? js[v.v_pos] : '\0';
		if (v.v_pos < len && (c == '{' || c == '[')) {
			if (depth >= cap) {
				vfail(&v, v.v_pos, "nesting deeper than %d "
				    "levels", max_depth);
				goto out;
			}
			stk[depth++] = (unsigned char)c;
			v.v_pos++;
			while (v.v_pos < len && is_ws(js[v.v_pos]))
				v.v_pos++;
			close = c == '{' ? '}' : ']';
			if (v.v_pos < len && js[v.v_pos] == close) {
				v.v_pos++;
				if (--depth == 0)
					*rend = v.v_pos;
				st = V_NEXT;
			} else
				st = c == '{' ? V_KEY : V_VALUE;
			continue;
		}
		if (v.v_pos < len && c == '"') {
			if (scan_string(&v) == -1)
				goto out;
		} else if (v.v_pos < len && (c == '-' ||
		    (c >= '0' && c <= '9'))) {
			if (scan_number(&v) == -1)
				goto out;
		} else if (v.v_pos < len && (c == 't' || c == 'f' ||
		    c == 'n')) {
			if (scan_literal(&v) == -1)
				goto out;
		} else {
			vfail(&v, v.v_pos, "expected a value, found %s",
			    vfound(&v, v.v_pos, fb, sizeof(fb)));
			goto out;
		}
		if (depth == 0)
			*rend = v.v_pos;
		st = V_NEXT;
	}
	rc = 0;
out:
	if (stk != stkbuf)
		free(stk);
	return rc;
}

int
json_parse(struct json_doc *doc, const char *js, size_t len, int max_depth,
    char *err, size_t errsz)
{
	jsmn_parser	 p;
	jsmntok_t	*jt = NULL, jk;
	struct json_tok	 t;
	size_t		 rstart, rend, i;
	int		 n, r, rc = -1;

	memset(doc, 0, sizeof(*doc));
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (max_depth <= 0)
		max_depth = JSON_MAX_DEPTH;
	if (js == NULL)
		len = 0;
	/* jsmn keeps offsets in int and its position in unsigned int. */
	if (len > INT_MAX) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "document too large");
		goto out;
	}
	if (validate(js == NULL ? "" : js, len, max_depth, &rstart, &rend,
	    err, errsz) == -1)
		goto out;

	if (js[rstart] != '{' && js[rstart] != '[') {
		/* Strict jsmn insists on a delimiter after a primitive and
		 * so refuses a bare top-level "42"; a scalar root is one
		 * token whose bounds the validator already knows. */
		t.t_parent = -1;
		t.t_size = 0;
		t.t_start = (int)rstart;
		t.t_end = (int)rend;
		if (js[rstart] == '"') {
			t.t_type = JSON_STRING;
			t.t_start++;
			t.t_end--;
		} else if (js[rstart] == 't')
			t.t_type = JSON_TRUE;
		else if (js[rstart] == 'f')
			t.t_type = JSON_FALSE;
		else if (js[rstart] == 'n')
			t.t_type = JSON_NULL;
		else
			t.t_type = JSON_NUMBER;
		doc->d_tok = xmalloc(sizeof(*doc->d_tok));
		doc->d_tok[0] = t;
		n = 1;
		goto done;
	}

	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, NULL, 0);
	if (n <= 0) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "jsmn rejected a validated "
			    "document (%d)", n);
		goto out;
	}
	if ((size_t)n > SIZE_MAX / sizeof(*jt)) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "document too large");
		goto out;
	}
	jt = xmalloc((size_t)n * sizeof(*jt));
	jsmn_init(&p);
	r = jsmn_parse(&p, js, len, jt, (unsigned int)n);
	if (r != n) {
		if (err != NULL && errsz > 0)
			snprintf(err, errsz, "jsmn rejected a validated "
			    "document (%d)", r);
		goto out;
	}

	/*
	 * Convert in place rather than into a second array: this runs on
	 * every ingested event and halves peak memory.  It is safe because
	 * entry i of the result ends at or before entry i + 1 of the source,
	 * so no jsmn token is overwritten before it has been read; memcpy
	 * gives the bytes their new type without aliasing questions.
	 */
	_Static_assert(sizeof(struct json_tok) <= sizeof(jsmntok_t),
	    "in-place token conversion needs json_tok <= jsmntok_t");
	for (i = 0; i < (size_t)n; i++) {
		jk = jt[i];
		t.t_start = jk.start;
		t.t_end = jk.end;
		t.t_size = jk.size;
		t.t_parent = jk.parent;
		switch (jk.type) {
		case JSMN_OBJECT:
			t.t_type = JSON_OBJECT;
			break;
		case JSMN_ARRAY:
			t.t_type = JSON_ARRAY;
			break;
		case JSMN_STRING:
			t.t_type = JSON_STRING;
			break;
		case JSMN_PRIMITIVE:
			if (js[jk.start] == 't')
				t.t_type = JSON_TRUE;
			else if (js[jk.start] == 'f')
				t.t_type = JSON_FALSE;
			else if (js[jk.start] == 'n')
				t.t_type = JSON_NULL;
			else
				t.t_type = JSON_NUMBER;
			break;
		default:
			if (err != NULL && errsz > 0)
				snprintf(err, errsz, "jsmn returned an "
				    "untyped token");
			goto out;
		}
		memcpy((char *)jt + i * sizeof(t), &t, sizeof(t));
	}
	doc->d_tok = (struct json_tok *)(void *)jt;
	jt = NULL;
done:
	doc->d_js = js;
	doc->d_len = len;
	doc->d_ntok = n;
	rc = 0;
out:
	free(jt);
	return rc;
}

void
json_free(struct json_doc *doc)
{
	if (doc == NULL)
		return;
	free(doc->d_tok);
	memset(doc, 0, sizeof(*doc));
}

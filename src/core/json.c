/* JSON reader.  A strict RFC 8259 validator of our own runs first and
 * owns every error message; jsmn then only tokenises text that is known
 * to be well formed.  jsmn alone would accept several top-level values,
 * "tru", "01", raw control characters, broken UTF-8 and lone surrogates,
 * and its errors carry no position. */
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
static int	 hex4(const char *, size_t, unsigned int *);
static int	 scan_string(struct vctx *);
static int	 scan_number(struct vctx *);
static int	 scan_literal(struct vctx *);
static int	 validate(const char *, size_t, int, size_t *, size_t *,
		    char *, size_t);
static int	 tok_ok(const struct json_doc *, int, enum json_type);
static int	 tok_is_key(const struct json_doc *, int);
static size_t	 str_char(const char *, size_t *, unsigned char *);

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
static int
hex4(const char *s, size_t avail, unsigned int *out)
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
			if (hex4(v->v_js + p + 2, len - p - 2, &cp) == -1)
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
			if (hex4(v->v_js + p + 8, len - p - 8, &lo) == -1)
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

/* Is tok a token of doc, and of type want (0: any type)? */
static int
tok_ok(const struct json_doc *doc, int tok, enum json_type want)
{
	if (doc == NULL || doc->d_tok == NULL || tok < 0 ||
	    tok >= doc->d_ntok)
		return 0;
	return want == 0 || doc->d_tok[tok].t_type == want;
}

/* jsmn makes a key the parent of its value, so a key is a string whose
 * parent is an object. */
static int
tok_is_key(const struct json_doc *doc, int tok)
{
	const struct json_tok	*t = &doc->d_tok[tok];

	return t->t_type == JSON_STRING && t->t_parent >= 0 &&
	    doc->d_tok[t->t_parent].t_type == JSON_OBJECT;
}

/*
 * Tokens are in document order and a subtree is exactly the run of tokens
 * that start before its last byte, so the end is found by binary search
 * over t_start: O(log n), not O(subtree).  A key's subtree includes its
 * value (jsmn's parent links say so), which lets json_get step from key
 * to key.
 */
int
json_skip(const struct json_doc *doc, int tok)
{
	const struct json_tok	*t;
	int			 lo, hi, mid, end;

	if (!tok_ok(doc, tok, 0))
		return -1;
	t = &doc->d_tok[tok];
	if (tok_is_key(doc, tok)) {
		/* The validator guarantees every key has a value. */
		t = &doc->d_tok[tok + 1];
	}
	if (t->t_type != JSON_OBJECT && t->t_type != JSON_ARRAY)
		return (int)(t - doc->d_tok) + 1;
	end = t->t_end;
	lo = (int)(t - doc->d_tok) + 1;
	hi = doc->d_ntok;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (doc->d_tok[mid].t_start < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First match wins if a key repeats; RFC 8259 leaves that undefined. */
int
json_get(const struct json_doc *doc, int obj, const char *key)
{
	int	 i, k;

	if (key == NULL || !tok_ok(doc, obj, JSON_OBJECT))
		return -1;
	k = obj + 1;
	for (i = 0; i < doc->d_tok[obj].t_size; i++) {
		if (json_streq(doc, k, key))
			return k + 1;
		k = json_skip(doc, k);
	}
	return -1;
}

int
json_index(const struct json_doc *doc, int arr, int idx)
{
	int	 i, k;

	if (!tok_ok(doc, arr, JSON_ARRAY) || idx < 0 ||
	    idx >= doc->d_tok[arr].t_size)
		return -1;
	k = arr + 1;
	for (i = 0; i < idx; i++)
		k = json_skip(doc, k);
	return k;
}

/*
 * Decode the string character at js[*p] into 1 to 4 bytes of UTF-8 and
 * advance *p.  Only text that passed the validator reaches here, so every
 * escape is complete and every surrogate is paired.  Raw bytes are copied
 * one at a time: they are already valid UTF-8.
 */
static size_t
str_char(const char *js, size_t *p, unsigned char *out)
{
	unsigned int	 cp = 0, lo = 0;
	char		 c;

	if (js[*p] != '\\') {
		out[0] = (unsigned char)js[*p];
		(*p)++;
		return 1;
	}
	c = js[*p + 1];
	*p += 2;
	switch (c) {
	case 'b':
		out[0] = '\b';
		return 1;
	case 'f':
		out[0] = '\f';
		return 1;
	case 'n':
		out[0] = '\n';
		return 1;
	case 'r':
		out[0] = '\r';
		return 1;
	case 't':
		out[0] = '\t';
		return 1;
	case 'u':
		break;
	default:	/* '"', '\\' and '/' stand for themselves */
		out[0] = (unsigned char)c;
		return 1;
	}
	(void)hex4(js + *p, 4, &cp);
	*p += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		(void)hex4(js + *p + 2, 4, &lo);
		*p += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return utf8_put(cp, out);
}

/* Unescaping never lengthens a string (the longest expansion, a surrogate
 * pair, is 12 bytes in and 4 out), so the raw length bounds the copy. */
char *
json_strdup(const struct json_doc *doc, int tok)
{
	const struct json_tok	*t;
	unsigned char		*o, ch[4];
	size_t			 p, end, olen = 0, n;

	if (!tok_ok(doc, tok, JSON_STRING))
		return NULL;
	t = &doc->d_tok[tok];
	p = (size_t)t->t_start;
	end = (size_t)t->t_end;
	o = xmalloc(end - p + 1);
	while (p < end) {
		n = str_char(doc->d_js, &p, ch);
		if (n == 1 && ch[0] == '\0') {
			free(o);
			return NULL;
		}
		memcpy(o + olen, ch, n);
		olen += n;
	}
	o[olen] = '\0';
	return (char *)o;
}

int
json_streq(const struct json_doc *doc, int tok, const char *s)
{
	const struct json_tok	*t;
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		 ch[4];
	size_t			 p, end, n, i;

	if (s == NULL || !tok_ok(doc, tok, JSON_STRING))
		return 0;
	t = &doc->d_tok[tok];
	p = (size_t)t->t_start;
	end = (size_t)t->t_end;
	while (p < end) {
		n = str_char(doc->d_js, &p, ch);
		for (i = 0; i < n; i++) {
			/* s ending first also refuses a \u0000 in the
			 * token, which no C string can equal. */
			if (*u == '\0' || *u != ch[i])
				return 0;
			u++;
		}
	}
	return *u == '\0';
}

int
json_int(const struct json_doc *doc, int tok, long long min, long long max,
    long long *out)
{
	const struct json_tok	*t;
	const char		*s, *e;
	long long		 v = 0;
	int			 neg = 0, d;

	if (!tok_ok(doc, tok, JSON_NUMBER))
		return -1;
	t = &doc->d_tok[tok];
	s = doc->d_js + t->t_start;
	e = doc->d_js + t->t_end;
	if (s < e && *s == '-') {
		neg = 1;
		s++;
	}
	if (s == e)
		return -1;
	/* Accumulate as a negative number: -LLONG_MIN does not fit. */
	for (; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;	/* fraction or exponent */
		d = *s - '0';
		if (v < (LLONG_MIN + d) / 10)
			return -1;
		v = v * 10 - d;
	}
	if (!neg) {
		if (v < -LLONG_MAX)
			return -1;
		v = -v;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
json_bool(const struct json_doc *doc, int tok, int *out)
{
	if (tok_ok(doc, tok, JSON_TRUE))
		*out = 1;
	else if (tok_ok(doc, tok, JSON_FALSE))
		*out = 0;
	else
		return -1;
	return 0;
}

const char *
json_raw(const struct json_doc *doc, int tok, size_t *len)
{
	const struct json_tok	*t;

	*len = 0;
	if (!tok_ok(doc, tok, 0))
		return NULL;
	t = &doc->d_tok[tok];
	if (t->t_type == JSON_STRING) {
		*len = (size_t)(t->t_end - t->t_start) + 2;
		return doc->d_js + t->t_start - 1;
	}
	*len = (size_t)(t->t_end - t->t_start);
	return doc->d_js + t->t_start;
}

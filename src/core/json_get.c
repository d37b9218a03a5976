/* JSON reader, the accessors: walking the tokens json_parse made and
 * reading their values.  Every function checks that the token it is
 * given belongs to the document. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "json_priv.h"
#include "utf8.h"

static int	 tok_ok(const struct json_doc *, int, enum json_type);
static int	 tok_is_key(const struct json_doc *, int);
static size_t	 str_char(const char *, size_t *, unsigned char *);

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
	(void)json_hex4(js + *p, 4, &cp);
	*p += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		(void)json_hex4(js + *p + 2, 4, &lo);
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

/*
 * libFuzzer harness for the JSON reader (src/core/json.c): json_parse on
 * arbitrary bytes, then every accessor on every token.
 *
 * Invariants checked, beyond "no crash, no leak, no UB":
 *   - on failure the message is set, and it is never jsmn disagreeing
 *     with the validator ("jsmn rejected a validated document");
 *   - on success: one root (token 0, parent -1), parents precede their
 *     children, every token's bytes lie inside the input, a string
 *     token is bounded by quotes, json_skip(0) covers the whole
 *     document, and walking members with json_skip agrees with
 *     json_index, json_get and t_size;
 *   - the container depth limit is exact: a document whose deepest
 *     nesting is D parses with max_depth D and fails with D - 1;
 *   - json_strdup yields valid UTF-8 that json_streq matches, and that
 *     survives a round trip through the JSON writer (jw_strn);
 *   - json_int agrees with strtoll on plain integers.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "jsonw.h"
#include "fuzz.h"

static void	check_string(const struct json_doc *, int);
static void	check_number(const struct json_doc *, int);
static void	check_container(const struct json_doc *, int);
static int	container_depth(const struct json_doc *, int);

static void
check_string(const struct json_doc *doc, int i)
{
	const struct json_tok	*t = &doc->d_tok[i];
	struct json_doc		 again;
	struct buf		 b;
	const char		*raw;
	char			*s, *s2, err[256];
	size_t			 rawlen, n;

	raw = json_raw(doc, i, &rawlen);
	FUZZ_CHECK(raw != NULL && rawlen >= 2 && raw[0] == '"' &&
	    raw[rawlen - 1] == '"', "string token %d not quoted", i);
	FUZZ_CHECK(raw >= doc->d_js && raw + rawlen <= doc->d_js + doc->d_len,
	    "string token %d raw bytes outside the input", i);

	if ((s = json_strdup(doc, i)) == NULL)
		return;		/* holds \u0000: refused by design */
	n = strlen(s);
	FUZZ_CHECK(n <= (size_t)(t->t_end - t->t_start),
	    "unescaped string longer than its source");
	FUZZ_CHECK(fuzz_utf8_ok((const unsigned char *)s, n),
	    "json_strdup of token %d is not valid UTF-8", i);
	FUZZ_CHECK(json_streq(doc, i, s), "json_streq disagrees with "
	    "json_strdup on token %d", i);

	/* Write it back out and read it again: the same text. */
	buf_init(&b);
	jw_strn(&b, s, n);
	FUZZ_CHECK(json_parse(&again, b.b_data, b.b_len, 0, err,
	    sizeof(err)) == 0, "jw_strn output does not parse: %s", err);
	FUZZ_CHECK(again.d_ntok == 1 && again.d_tok[0].t_type == JSON_STRING,
	    "jw_strn output is not one string");
	s2 = json_strdup(&again, 0);
	FUZZ_CHECK(s2 != NULL && strcmp(s, s2) == 0,
	    "string changed in a write/read round trip");
	free(s2);
	json_free(&again);
	buf_free(&b);
	free(s);
}

static void
check_number(const struct json_doc *doc, int i)
{
	const char	*raw, *p;
	char		 tmp[64], *end;
	size_t		 len;
	long long	 v = 0, w;
	int		 plain = 1, rc;

	raw = json_raw(doc, i, &len);
	FUZZ_CHECK(raw != NULL && len > 0, "empty number token %d", i);
	for (p = raw; p < raw + len; p++)
		if (!((*p >= '0' && *p <= '9') || (p == raw && *p == '-')))
			plain = 0;
	rc = json_int(doc, i, LLONG_MIN, LLONG_MAX, &v);
	if (!plain || len >= sizeof(tmp)) {
		/* A fraction or exponent is never an integer here; a long
		 * plain number can only be out of range. */
		if (!plain)
			FUZZ_CHECK(rc == -1, "json_int accepted %.*s",
			    (int)len, raw);
		return;
	}
	memcpy(tmp, raw, len);
	tmp[len] = '\0';
	errno = 0;
	w = strtoll(tmp, &end, 10);
	if (errno == ERANGE)
		FUZZ_CHECK(rc == -1, "json_int accepted out-of-range %s", tmp);
	else
		FUZZ_CHECK(rc == 0 && v == w && *end == '\0',
		    "json_int(%s) = %d/%lld, strtoll says %lld", tmp, rc, v, w);
	/* The range check is inclusive at both ends. */
	if (rc == 0) {
		FUZZ_CHECK(json_int(doc, i, v, v, &w) == 0 && w == v,
		    "json_int refuses its own value as [v, v]");
		if (v < LLONG_MAX)
			FUZZ_CHECK(json_int(doc, i, v + 1, LLONG_MAX, &w) == -1,
			    "json_int ignores the lower bound");
	}
}

/* Members through json_skip, elements through json_index, keys
 * through json_get: three routes to the same tokens. */
static void
check_container(const struct json_doc *doc, int i)
{
	const struct json_tok	*t = &doc->d_tok[i];
	char			*key;
	int			 k, m, g;

	k = i + 1;
	for (m = 0; m < t->t_size; m++) {
		FUZZ_CHECK(k < doc->d_ntok, "member %d of %d runs off the end",
		    m, i);
		FUZZ_CHECK(doc->d_tok[k].t_parent == i, "member %d of token "
		    "%d has parent %d", k, i, doc->d_tok[k].t_parent);
		if (t->t_type == JSON_ARRAY)
			FUZZ_CHECK(json_index(doc, i, m) == k,
			    "json_index(%d, %d) != %d", i, m, k);
		else {
			FUZZ_CHECK(doc->d_tok[k].t_type == JSON_STRING &&
			    doc->d_tok[k].t_size == 1, "key %d is not a "
			    "string with one value", k);
			FUZZ_CHECK(doc->d_tok[k + 1].t_parent == k,
			    "value of key %d has parent %d", k,
			    doc->d_tok[k + 1].t_parent);
			if ((key = json_strdup(doc, k)) != NULL) {
				g = json_get(doc, i, key);
				/* First match wins, so g is this value or
				 * the value of an earlier equal key. */
				FUZZ_CHECK(g != -1 && g <= k + 1 &&
				    json_streq(doc, g - 1, key),
				    "json_get(%d, key %d) = %d", i, k, g);
				free(key);
			}
		}
		k = json_skip(doc, k);
		FUZZ_CHECK(k > 0, "json_skip failed inside container %d", i);
	}
	FUZZ_CHECK(k == json_skip(doc, i), "members of %d end at %d, "
	    "json_skip says %d", i, k, json_skip(doc, i));
	if (t->t_type == JSON_ARRAY)
		FUZZ_CHECK(json_index(doc, i, t->t_size) == -1 &&
		    json_index(doc, i, -1) == -1, "json_index out of range");
	else
		FUZZ_CHECK(json_index(doc, i, 0) == -1,
		    "json_index on an object");
}

/* Containers on the way from token i to the root, i included. */
static int
container_depth(const struct json_doc *doc, int i)
{
	int	 d = 0;

	for (; i >= 0; i = doc->d_tok[i].t_parent)
		if (doc->d_tok[i].t_type == JSON_OBJECT ||
		    doc->d_tok[i].t_type == JSON_ARRAY)
			d++;
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc		 doc, d2;
	const struct json_tok	*t;
	const char		*js = (const char *)data;
	char			 err[256];
	int			 i, rc, depth = 0, d, bval;
	long long		 ll;

	err[0] = 'x';
	rc = json_parse(&doc, js, size, JSON_MAX_DEPTH, err, sizeof(err));
	if (rc == -1) {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof(err)),
		    "failure without a message");
		FUZZ_CHECK(strstr(err, "jsmn") == NULL, "validator and jsmn "
		    "disagree: %s", err);
		FUZZ_CHECK(doc.d_tok == NULL && doc.d_ntok == 0,
		    "failed parse left tokens behind");
		json_free(&doc);
		return 0;
	}

	FUZZ_CHECK(doc.d_ntok >= 1 && (size_t)doc.d_ntok <= size,
	    "%d tokens for %zu bytes", doc.d_ntok, size);
	FUZZ_CHECK(doc.d_tok[0].t_parent == -1, "root has a parent");
	FUZZ_CHECK(json_skip(&doc, 0) == doc.d_ntok,
	    "more than one top-level value");
	for (i = 0; i < doc.d_ntok; i++) {
		t = &doc.d_tok[i];
		FUZZ_CHECK(t->t_start >= 0 && t->t_start <= t->t_end &&
		    (size_t)t->t_end <= size, "token %d [%d, %d) outside %zu "
		    "bytes", i, t->t_start, t->t_end, size);
		FUZZ_CHECK(i == 0 || (t->t_parent >= 0 && t->t_parent < i),
		    "token %d has parent %d", i, t->t_parent);
		FUZZ_CHECK(t->t_size >= 0 && t->t_size < doc.d_ntok,
		    "token %d has size %d", i, t->t_size);
		if (i > 0)
			FUZZ_CHECK(t->t_start >= doc.d_tok[i - 1].t_start,
			    "tokens out of document order at %d", i);
		FUZZ_CHECK(json_skip(&doc, i) > i &&
		    json_skip(&doc, i) <= doc.d_ntok, "json_skip(%d) = %d",
		    i, json_skip(&doc, i));
		switch (t->t_type) {
		case JSON_OBJECT:
		case JSON_ARRAY:
			FUZZ_CHECK(js[t->t_start] == (t->t_type == JSON_OBJECT ?
			    '{' : '[') && js[t->t_end - 1] == (t->t_type ==
			    JSON_OBJECT ? '}' : ']'), "container %d bounds", i);
			check_container(&doc, i);
			d = container_depth(&doc, i);
			if (d > depth)
				depth = d;
			break;
		case JSON_STRING:
			check_string(&doc, i);
			break;
		case JSON_NUMBER:
			check_number(&doc, i);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			FUZZ_CHECK(json_bool(&doc, i, &bval) == 0 &&
			    bval == (t->t_type == JSON_TRUE), "json_bool %d", i);
			break;
		case JSON_NULL:
			FUZZ_CHECK(json_bool(&doc, i, &bval) == -1,
			    "json_bool took null");
			break;
		default:
			FUZZ_CHECK(0, "token %d has type %d", i, t->t_type);
		}
		if (t->t_type != JSON_NUMBER)
			FUZZ_CHECK(json_int(&doc, i, LLONG_MIN, LLONG_MAX,
			    &ll) == -1, "json_int took a non-number");
	}
	/* Out-of-range indices are refused, not read. */
	FUZZ_CHECK(json_skip(&doc, -1) == -1 &&
	    json_skip(&doc, doc.d_ntok) == -1, "json_skip out of range");
	FUZZ_CHECK(json_get(&doc, doc.d_ntok, "a") == -1 &&
	    json_strdup(&doc, -1) == NULL, "accessors out of range");

	/* The depth limit is exact. */
	if (depth > 0) {
		FUZZ_CHECK(json_parse(&d2, js, size, depth, err,
		    sizeof(err)) == 0, "depth %d refused at max_depth %d: %s",
		    depth, depth, err);
		json_free(&d2);
		if (depth > 1) {
			FUZZ_CHECK(json_parse(&d2, js, size, depth - 1, err,
			    sizeof(err)) == -1 && strstr(err, "nesting"),
			    "depth %d accepted at max_depth %d", depth,
			    depth - 1);
			json_free(&d2);
		}
	}
	json_free(&doc);
	return 0;
}

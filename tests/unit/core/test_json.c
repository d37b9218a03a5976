/* Unit tests for the JSON reader: accepted documents, every class of
 * rejected document with its position, hostile input, and accessors. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "t.h"

/* A literal and its length, so inputs may hold NUL bytes. */
#define J(s)	s, sizeof(s) - 1

struct valid_case {
	const char	*name;
	const char	*js;
	size_t		 len;
	int		 ntok;
	enum json_type	 root;
};

static const struct valid_case valid_cases[] = {
	{ "empty object", J("{}"), 1, JSON_OBJECT },
	{ "empty array", J("[]"), 1, JSON_ARRAY },
	{ "empty object with blanks", J(" \t{ \r\n}\n "), 1, JSON_OBJECT },
	{ "empty array with blanks", J("[ ]"), 1, JSON_ARRAY },
	{ "top-level integer", J("42"), 1, JSON_NUMBER },
	{ "top-level zero", J("0"), 1, JSON_NUMBER },
	{ "top-level negative zero", J("-0"), 1, JSON_NUMBER },
	{ "top-level number with fraction and exponent", J("-12.5e+10"), 1,
	    JSON_NUMBER },
	{ "top-level number with capital E and negative exponent",
	    J("1E-7"), 1, JSON_NUMBER },
	{ "top-level number 0.0", J("0.0"), 1, JSON_NUMBER },
	{ "top-level number with blanks", J("  7 \n"), 1, JSON_NUMBER },
	{ "top-level true", J("true"), 1, JSON_TRUE },
	{ "top-level false", J("false"), 1, JSON_FALSE },
	{ "top-level null with blanks", J(" null\n"), 1, JSON_NULL },
	{ "top-level empty string", J("\"\""), 1, JSON_STRING },
	{ "top-level string", J("\"hello\""), 1, JSON_STRING },
	{ "one member", J("{\"a\":1}"), 3, JSON_OBJECT },
	{ "nested objects and arrays",
	    J("{\"a\":{\"b\":[1,2,{\"c\":null}]}}"), 10, JSON_OBJECT },
	{ "nested empty arrays", J("[[[[]]]]"), 4, JSON_ARRAY },
	{ "array of every kind", J("[1,\"a\",true,false,null,{},[]]"), 8,
	    JSON_ARRAY },
	{ "every simple escape", J("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), 1,
	    JSON_STRING },
	{ "unicode escapes", J("\"\\u0041\\u00e9\\u20ac\""), 1,
	    JSON_STRING },
	{ "surrogate pair escape", J("[\"\\ud83d\\ude00\"]"), 2,
	    JSON_ARRAY },
	{ "surrogate pair escape upper-case hex",
	    J("\"\\uD83D\\uDE00\""), 1, JSON_STRING },
	{ "escaped \\u0000 parses", J("\"a\\u0000b\""), 1, JSON_STRING },
	{ "raw UTF-8 of every length",
	    J("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""), 1, JSON_STRING },
	{ "UTF-8 boundaries U+D7FF U+E000 U+10FFFF and DEL",
	    J("\"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\x7f\""), 1,
	    JSON_STRING },
	{ "empty containers as values",
	    J("{\"a\":[],\"b\":{},\"c\":\"\"}"), 7, JSON_OBJECT },
	{ "every kind of blank", J(" \t\r\n[ 1 ,\r\n 2 ]\t"), 3,
	    JSON_ARRAY },
	{ "empty key", J("{\"\":0}"), 3, JSON_OBJECT },
	{ "numbers with exponents in array",
	    J("[1e5,-0.5E-3,0e0,1E+2,123456789012345678901234567890]"), 6,
	    JSON_ARRAY },
	{ "escaped key", J("{\"k\\u00e9y\":1}"), 3, JSON_OBJECT },
	{ "string value after nested object",
	    J("{\"a\":{\"b\":1},\"c\":\"d\"}"), 7, JSON_OBJECT },
};

struct invalid_case {
	const char	*name;
	const char	*js;
	size_t		 len;
	const char	*where;	/* expected "line L, column C:" or NULL */
	const char	*what;	/* expected substring of the message or NULL */
};

static const struct invalid_case invalid_cases[] = {
	/* empty */
	{ "empty input", J(""), "line 1, column 1:", "end of input" },
	{ "blanks only", J("  \n "), "line 2, column 2:", "expected a value" },

	/* trailing garbage and several top-level values */
	{ "trailing garbage after object", J("{} x"), "line 1, column 4:",
	    "expected end of input" },
	{ "second top-level array", J("[1] [2]"), "line 1, column 5:",
	    "expected end of input" },
	{ "second top-level number", J("1 2"), "line 1, column 3:", NULL },
	{ "second top-level string", J("\"a\"\"b\""), NULL, NULL },
	{ "extra closing brace", J("{}}"), "line 1, column 3:", NULL },
	{ "trailing comma at top level", J("1,"), NULL, NULL },

	/* literals */
	{ "bad literal tru", J("tru"), "line 1, column 1:", "'true'" },
	{ "bad literal nul", J("nul"), "line 1, column 1:", "'null'" },
	{ "bad literal tru in array", J("[tru]"), "line 1, column 2:",
	    "literal" },
	{ "bad literal nul in object", J("{\"a\":nul}"), "line 1, column 6:",
	    "literal" },
	{ "bad literal falsy", J("falsy"), NULL, "'false'" },
	{ "capitalised literal True", J("True"), NULL, "expected a value" },
	{ "literal with suffix truex", J("[truex]"), NULL, NULL },
	{ "literal nulll", J("nulll"), NULL, NULL },
	{ "NaN is not JSON", J("NaN"), NULL, NULL },
	{ "Infinity is not JSON", J("[Infinity]"), NULL, NULL },

	/* numbers */
	{ "leading zero 01", J("01"), "line 1, column 1:", "leading zero" },
	{ "leading zero in array", J("[01]"), "line 1, column 2:",
	    "leading zero" },
	{ "leading zero -01", J("-01"), "line 1, column 2:",
	    "leading zero" },
	{ "fraction without digits 1.", J("1."), "line 1, column 3:",
	    "after '.'" },
	{ "fraction without digits in array", J("[1.]"), "line 1, column 4:",
	    "after '.'" },
	{ "fraction before exponent 1.e5", J("[1.e5]"), NULL, "after '.'" },
	{ "no integer part .5", J(".5"), "line 1, column 1:",
	    "expected a value" },
	{ "no integer part -.5", J("-.5"), "line 1, column 2:", "digit" },
	{ "lone minus", J("-"), "line 1, column 2:", "digit" },
	{ "lone minus in array", J("[-]"), "line 1, column 3:", "digit" },
	{ "double minus", J("--1"), NULL, "digit" },
	{ "exponent without digits 1e", J("1e"), "line 1, column 3:",
	    "exponent" },
	{ "exponent sign without digits 1e+", J("1e+"), NULL, "exponent" },
	{ "exponent without digits 1.5E", J("[1.5E]"), NULL, "exponent" },
	{ "plus sign +1", J("+1"), "line 1, column 1:", "expected a value" },
	{ "plus sign in array", J("[+1]"), "line 1, column 2:", NULL },
	{ "hex number", J("0x10"), "line 1, column 2:", NULL },

	/* raw control characters */
	{ "raw tab in string", J("\"a\tb\""), "line 1, column 3:",
	    "control character 0x09" },
	{ "raw newline in string", J("[\"a\nb\"]"), "line 1, column 4:",
	    "control character" },
	{ "raw 0x01 in string", J("\"\x01\""), NULL, "control character" },
	{ "raw 0x1f in key", J("{\"\x1f\":1}"), NULL, "control character" },

	/* escapes */
	{ "invalid escape \\x", J("\"\\x41\""), "line 1, column 2:",
	    "invalid escape" },
	{ "invalid escape \\a", J("\"\\a\""), NULL, "invalid escape" },
	{ "invalid escape \\'", J("\"\\'\""), NULL, "invalid escape" },
	{ "invalid escape \\U", J("\"\\U0041\""), NULL, "invalid escape" },
	{ "backslash at end of input", J("\"\\"), NULL, "unterminated" },
	{ "escaped quote leaves string open", J("\"\\\""), NULL,
	    "unterminated" },
	{ "\\u with two digits", J("\"\\u12\""), "line 1, column 2:",
	    "four hex digits" },
	{ "\\u with non-hex digit", J("\"\\u12g4\""), NULL,
	    "four hex digits" },
	{ "\\u at end of input", J("\"\\u00"), NULL, "four hex digits" },
	{ "lone high surrogate", J("\"\\ud800\""), "line 1, column 2:",
	    "high surrogate" },
	{ "lone high surrogate at end of input", J("\"\\ud83d"), NULL,
	    "high surrogate" },
	{ "high surrogate then text", J("\"\\ud800x\""), NULL,
	    "high surrogate" },
	{ "lone low surrogate", J("\"\\udc00\""), "line 1, column 2:",
	    "low surrogate" },
	{ "mis-ordered surrogates", J("\"\\udc00\\ud800\""), NULL,
	    "low surrogate" },
	{ "high surrogate then non-surrogate", J("\"\\ud800\\u0041\""),
	    "line 1, column 8:", "expected a low surrogate" },
	{ "two high surrogates", J("\"\\ud800\\ud800\""), NULL,
	    "expected a low surrogate" },
	{ "high surrogate then bad \\u", J("\"\\ud800\\u12\""),
	    "line 1, column 8:", "four hex digits" },

	/* UTF-8 */
	{ "overlong 2-byte C0 AF", J("\"ab\xc0\xaf\""), "line 1, column 4:",
	    "overlong" },
	{ "overlong 2-byte C1 BF", J("\"\xc1\xbf\""), NULL, "overlong" },
	{ "overlong 3-byte E0 80 AF", J("\"\xe0\x80\xaf\""), NULL,
	    "overlong" },
	{ "overlong 4-byte F0 80 80 AF", J("\"\xf0\x80\x80\xaf\""), NULL,
	    "overlong" },
	{ "UTF-8 encoded high surrogate", J("\"\xed\xa0\x80\""), NULL,
	    "surrogate" },
	{ "UTF-8 encoded low surrogate", J("\"\xed\xbf\xbf\""), NULL,
	    "surrogate" },
	{ "code point above U+10FFFF (F4 90)", J("\"\xf4\x90\x80\x80\""),
	    NULL, "U+10FFFF" },
	{ "lead byte F5", J("\"\xf5\x80\x80\x80\""), NULL, "lead byte" },
	{ "byte FF", J("\"\xff\""), NULL, "lead byte" },
	{ "lone continuation byte", J("\"\x80\""), NULL, "continuation" },
	{ "truncated 2-byte sequence", J("\"\xc3\""), NULL, "truncated" },
	{ "truncated 3-byte sequence", J("\"\xe2\x82\""), NULL,
	    "truncated" },
	{ "truncated 4-byte sequence", J("[\"\xf0\x9f\x98\"]"), NULL,
	    "truncated" },
	{ "truncated sequence at end of input", J("\"\xe2\x82"), NULL,
	    "truncated" },
	{ "UTF-8 outside a string", J("\xc3\xa9"), "line 1, column 1:",
	    "byte 0xc3" },
	{ "byte order mark", J("\xef\xbb\xbf{}"), "line 1, column 1:",
	    NULL },

	/* NUL bytes */
	{ "NUL alone", J("\0"), "line 1, column 1:", "NUL" },
	{ "NUL inside object", J("{\0}"), "line 1, column 2:", "NUL" },
	{ "NUL inside string", J("\"a\0b\""), "line 1, column 3:", "NUL" },
	{ "NUL after document", J("{}\0"), "line 1, column 3:", "NUL" },
	{ "NUL between elements", J("[1,\0 2]"), NULL, "NUL" },
	{ "NUL after number", J("1\0"), NULL, "NUL" },

	/* trailing commas */
	{ "trailing comma in array", J("[1,]"), "line 1, column 4:",
	    "expected a value" },
	{ "trailing comma in object", J("{\"a\":1,}"), "line 1, column 8:",
	    "expected a string key" },
	{ "comma alone in array", J("[,]"), "line 1, column 2:", NULL },
	{ "double comma in array", J("[1,,2]"), "line 1, column 4:", NULL },
	{ "comma alone in object", J("{,}"), "line 1, column 2:",
	    "string key" },

	/* colons */
	{ "missing colon", J("{\"a\" 1}"), "line 1, column 6:",
	    "expected ':'" },
	{ "key without value", J("{\"a\"}"), NULL, "expected ':'" },
	{ "comma instead of colon", J("{\"a\",1}"), NULL, "expected ':'" },
	{ "colon without value", J("{\"a\":}"), NULL, "expected a value" },
	{ "colon in array", J("[1:2]"), NULL, "expected ',' or ']'" },
	{ "double colon", J("{\"a\"::1}"), NULL, "expected a value" },

	/* keys */
	{ "number key", J("{1:2}"), "line 1, column 2:", "string key" },
	{ "bare word key", J("{a:1}"), NULL, "string key" },
	{ "single-quoted key", J("{'a':1}"), NULL, "string key" },
	{ "null key", J("{null:1}"), NULL, "string key" },
	{ "object key", J("{{}:1}"), NULL, "string key" },
	{ "array key", J("{[]:1}"), NULL, "string key" },

	/* unbalanced */
	{ "unclosed array", J("["), "line 1, column 2:", "end of input" },
	{ "unclosed object", J("{"), NULL, "end of input" },
	{ "unclosed array after element", J("[1"), NULL, "end of input" },
	{ "unclosed object after colon", J("{\"a\":"), NULL,
	    "end of input" },
	{ "unclosed object after member", J("{\"a\":1"), NULL,
	    "end of input" },
	{ "unterminated string", J("\"abc"), "line 1, column 1:",
	    "unterminated string" },
	{ "array closed by brace", J("[1}"), NULL, "expected ',' or ']'" },
	{ "object closed by bracket", J("{\"a\":1]"), NULL,
	    "expected ',' or '}'" },
	{ "lone closing bracket", J("]"), NULL, "expected a value" },
	{ "lone closing brace", J("}"), NULL, "expected a value" },
	{ "single-quoted string", J("'a'"), NULL, NULL },

	/* depth, at the caller's limit of 2 (see depth_cases) */

	/* positions on later lines */
	{ "position on line 3", J("{\n  \"a\": 1,\n  \"b\" 2\n}"),
	    "line 3, column 7:", "expected ':'" },
	{ "position after blank lines", J("\n\n  tru"), "line 3, column 3:",
	    NULL },
	{ "CRLF counts one line", J("[\r\n1,\r\n]"), "line 3, column 1:",
	    NULL },
};

static int
parse(struct json_doc *doc, const char *js, size_t len, int depth,
    char *err, size_t errsz)
{
	return json_parse(doc, js, len, depth, err, errsz);
}

static int
has_pos(const char *err)
{
	return strstr(err, "line ") != NULL && strstr(err, "column ") != NULL;
}

/* Parse from an exactly sized heap copy so any read past len is caught by
 * the address sanitizer rather than hidden by the rest of a literal. */
static int
parse_exact(const char *js, size_t len, int depth, char *err, size_t errsz,
    struct json_doc *doc)
{
	char	*copy;
	int	 rc;

	copy = malloc(len == 0 ? 1 : len);
	if (copy == NULL)
		abort();
	memcpy(copy, js, len);
	/* An empty input gets a buffer too, but it must not be read. */
	rc = parse(doc, len == 0 ? copy + 1 : copy, len, depth, err, errsz);
	json_free(doc);
	free(copy);
	return rc;
}

static void
test_valid(void)
{
	struct json_doc	 doc;
	char		 err[256];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];

		rc = parse(&doc, c->js, c->len, 0, err, sizeof(err));
		T_CHECK(rc == 0, "valid: %s parses%s%s", c->name,
		    rc ? ": " : "", rc ? err : "");
		if (rc != 0)
			continue;
		T_CHECK(doc.d_ntok == c->ntok && doc.d_tok[0].t_type == c->root &&
		    doc.d_tok[0].t_parent == -1,
		    "valid: %s gives %d tokens, root type %d (got %d, %d)",
		    c->name, c->ntok, c->root, doc.d_ntok,
		    doc.d_tok[0].t_type);
		T_CHECK(json_skip(&doc, 0) == doc.d_ntok,
		    "valid: %s root subtree spans every token", c->name);
		json_free(&doc);
		T_CHECK(parse_exact(c->js, c->len, 0, err, sizeof(err),
		    &doc) == 0, "valid: %s parses from an exact-size buffer",
		    c->name);
	}
}

static void
test_invalid(void)
{
	struct json_doc	 doc;
	char		 err[256];
	size_t		 i;
	int		 rc, ok;

	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]);
	    i++) {
		const struct invalid_case *c = &invalid_cases[i];

		rc = parse_exact(c->js, c->len, 0, err, sizeof(err), &doc);
		ok = rc == -1 && has_pos(err);
		if (ok && c->where != NULL)
			ok = strncmp(err, c->where, strlen(c->where)) == 0;
		if (ok && c->what != NULL)
			ok = strstr(err, c->what) != NULL;
		T_CHECK(ok, "invalid: %s is rejected with position%s%s "
		    "(got \"%s\")", c->name, c->where ? " " : "",
		    c->where ? c->where : "", rc == -1 ? err : "accepted");
		T_CHECK(doc.d_tok == NULL && doc.d_ntok == 0,
		    "invalid: %s leaves an empty document", c->name);
	}
}

static void
test_depth(void)
{
	struct json_doc	 doc;
	char		 err[256], *js;
	size_t		 n, i;
	int		 rc;

	js = malloc(2 * 10000 + 16);
	if (js == NULL)
		abort();

	/* Exactly at the default limit, then one past it. */
	memset(js, '[', 64);
	memset(js + 64, ']', 64);
	rc = parse(&doc, js, 128, 0, err, sizeof(err));
	T_CHECK(rc == 0 && doc.d_ntok == 64,
	    "depth: 64 nested arrays parse at the default limit");
	json_free(&doc);
	memset(js, '[', 65);
	memset(js + 65, ']', 65);
	rc = parse(&doc, js, 130, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "nesting deeper than 64") &&
	    strncmp(err, "line 1, column 65:", 18) == 0,
	    "depth: 65 nested arrays fail at column 65 (%s)", err);
	rc = parse(&doc, js, 130, JSON_MAX_DEPTH, err, sizeof(err));
	T_CHECK(rc == -1, "depth: explicit JSON_MAX_DEPTH equals default");

	rc = parse(&doc, J("[[1]]"), 2, err, sizeof(err));
	T_CHECK(rc == 0, "depth: caller limit 2 accepts depth 2");
	json_free(&doc);
	rc = parse(&doc, J("[[[1]]]"), 2, err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "nesting"),
	    "depth: caller limit 2 rejects depth 3 (%s)", err);
	json_free(&doc);
	rc = parse(&doc, J("{\"a\":{\"b\":{}}}"), 2, err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "nesting"),
	    "depth: objects count towards depth");

	/* Hostile: 10,000 levels, balanced and unbalanced, arrays and
	 * objects.  Must fail cleanly and quickly with the default limit. */
	n = 10000;
	memset(js, '[', n);
	memset(js + n, ']', n);
	rc = parse(&doc, js, 2 * n, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "nesting deeper than 64"),
	    "hostile: 10,000 nested arrays fail with a depth message (%s)",
	    err);
	rc = parse(&doc, js, n, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "nesting"),
	    "hostile: 10,000 unclosed arrays fail with a depth message");
	for (i = 0; i + 5 <= 2 * n; i += 5)
		memcpy(js + i, "{\"a\":", 5);
	rc = parse(&doc, js, i, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strstr(err, "nesting"),
	    "hostile: 4,000 nested objects fail with a depth message");

	/* A caller may allow deep documents; the validator's stack is
	 * then on the heap and jsmn must agree. */
	n = 2000;
	memset(js, '[', n);
	memset(js + n, ']', n);
	rc = parse(&doc, js, 2 * n, (int)n, err, sizeof(err));
	T_CHECK(rc == 0 && doc.d_ntok == (int)n &&
	    doc.d_tok[n - 1].t_parent == (int)n - 2 &&
	    json_skip(&doc, 1) == (int)n,
	    "depth: 2,000 nested arrays parse with max_depth 2000");
	json_free(&doc);
	rc = parse(&doc, js, 2 * n, INT_MAX, err, sizeof(err));
	T_CHECK(rc == 0, "depth: max_depth INT_MAX does not allocate "
	    "INT_MAX bytes");
	json_free(&doc);
	free(js);
}

static void
test_large(void)
{
	struct json_doc	 doc;
	char		 err[256], *js, *s;
	size_t		 n, i;
	int		 rc, tok;

	/* An opening quote and 20 MB that never close the string. */
	n = 20 * 1024 * 1024;
	js = malloc(n);
	if (js == NULL)
		abort();
	js[0] = '"';
	memset(js + 1, 'a', n - 1);
	rc = parse(&doc, js, n, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strcmp(err, "line 1, column 1: unterminated "
	    "string") == 0, "hostile: 20 MB unterminated string fails "
	    "at its opening quote (%s)", err);

	/* Closing it makes a 20 MB string that parses and copies. */
	js[n - 1] = '"';
	rc = parse(&doc, js, n, 0, err, sizeof(err));
	T_CHECK(rc == 0 && doc.d_ntok == 1, "large: 20 MB string parses");
	s = json_strdup(&doc, 0);
	T_CHECK(s != NULL && strlen(s) == n - 2,
	    "large: 20 MB string copies whole");
	free(s);
	json_free(&doc);

	/* A claimed length past INT_MAX is refused before any byte is read
	 * (the buffer is only 20 MB; ASan would see a read). */
	rc = parse(&doc, js, (size_t)INT_MAX + 1, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strcmp(err, "document too large") == 0,
	    "hostile: length over INT_MAX is \"document too large\"");
	rc = parse(&doc, js, SIZE_MAX, 0, err, sizeof(err));
	T_CHECK(rc == -1 && strcmp(err, "document too large") == 0,
	    "hostile: length SIZE_MAX is \"document too large\"");

	/* Many tokens: [0,0,...,0] with about 2 million elements in 4 MB;
	 * the token array (20 bytes a token) dominates memory. */
	n = 4 * 1024 * 1024;
	js[0] = '[';
	for (i = 1; i + 2 < n; i += 2)
		memcpy(js + i, "0,", 2);
	js[i - 1] = ']';
	n = i;
	rc = parse(&doc, js, n, 0, err, sizeof(err));
	T_CHECK(rc == 0 && doc.d_tok[0].t_size == doc.d_ntok - 1,
	    "large: array of %d numbers parses", doc.d_ntok - 1);
	tok = json_skip(&doc, 0);
	T_CHECK(tok == doc.d_ntok,
	    "large: json_skip over millions of tokens lands at the end");
	json_free(&doc);
	free(js);
}

static const char medium[] =
    "{\"id\":\"evt_01HX\",\"type\":\"order.created\",\"created\":"
    "1714400000,\n\"data\":{\"order\":{\"total\":-12.5e-3,\"items\":"
    "[1,2,{\"sku\":\"A\\u00e9\\ud83d\\ude00\",\"qty\":3}],\"paid\":true,"
    "\"note\":null,\"flags\":[],\"meta\":{}},\"name\":\"caf\xc3\xa9 "
    "\xe2\x82\xac \xf0\x9f\x98\x80\",\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"},"
    "\"ok\":false}";

/* Walk every token with every accessor; nothing may crash. */
static void
touch_all(const struct json_doc *doc)
{
	long long	 v;
	size_t		 len;
	int		 i, b;
	char		*s;

	for (i = 0; i < doc->d_ntok; i++) {
		(void)json_skip(doc, i);
		(void)json_int(doc, i, LLONG_MIN, LLONG_MAX, &v);
		(void)json_bool(doc, i, &b);
		(void)json_raw(doc, i, &len);
		(void)json_streq(doc, i, "x");
		(void)json_get(doc, i, "x");
		(void)json_index(doc, i, 0);
		s = json_strdup(doc, i);
		free(s);
	}
}

static void
test_truncation(void)
{
	static const unsigned char subst[] = { '"', '\\', '{', '}', '[', ']',
	    ',', ':', '0', '-', 'e', '.', 'u', '\0', '\n', 0x7f, 0x80, 0xc3,
	    0xed, 0xf4, 0xff, ' ' };
	struct json_doc	 doc;
	char		 err[256], *copy;
	size_t		 len = sizeof(medium) - 1, k, j;
	int		 accepted = 0, nopos = 0, rc, mutants = 0;

	for (k = 0; k < len; k++) {
		rc = parse_exact(medium, k, 0, err, sizeof(err), &doc);
		if (rc == 0)
			accepted++;
		else if (!has_pos(err))
			nopos++;
	}
	T_CHECK(accepted == 0, "truncation: all %zu proper prefixes of a "
	    "medium document fail (%d accepted)", len, accepted);
	T_CHECK(nopos == 0, "truncation: every prefix error names line and "
	    "column");
	rc = parse_exact(medium, len, 0, err, sizeof(err), &doc);
	T_CHECK(rc == 0, "truncation: the full medium document parses%s%s",
	    rc ? ": " : "", rc ? err : "");

	/* Each byte replaced by each interesting byte: no crash, and
	 * whatever is accepted survives every accessor. */
	copy = malloc(len);
	if (copy == NULL)
		abort();
	for (k = 0; k < len; k++) {
		for (j = 0; j < sizeof(subst); j++) {
			memcpy(copy, medium, len);
			copy[k] = (char)subst[j];
			if (parse(&doc, copy, len, 0, err, sizeof(err)) == 0) {
				touch_all(&doc);
				json_free(&doc);
			} else if (!has_pos(err))
				nopos++;
			mutants++;
		}
	}
	free(copy);
	T_CHECK(nopos == 0, "mutation: %d single-byte mutants parse or fail "
	    "with a position, never crash", mutants);
}

static void
test_err_buffer(void)
{
	struct json_doc	 doc;
	char		 small[12];
	int		 rc;

	memset(small, 'X', sizeof(small));
	rc = json_parse(&doc, J("[1,]"), 0, small, 8);
	T_CHECK(rc == -1 && small[7] == '\0' && small[8] == 'X',
	    "errors: a short error buffer is truncated, not overrun");
	rc = json_parse(&doc, J("[1,]"), 0, NULL, 0);
	T_CHECK(rc == -1, "errors: a NULL error buffer is allowed");
	rc = json_parse(&doc, NULL, 0, 0, small, sizeof(small));
	T_CHECK(rc == -1, "errors: NULL input is refused");
	json_free(&doc);
	json_free(NULL);
	T_CHECK(1, "json_free accepts a failed document and NULL");
}

static const char acc[] =
    "{\"id\":\"evt_1\",\"n\":42,\"neg\":-9223372036854775808,"
    "\"max\":9223372036854775807,\"big\":9223372036854775808,"
    "\"small\":-9223372036854775809,\"huge\":99999999999999999999999,"
    "\"f\":1.5,\"e\":1e3,\"mz\":-0,\"t\":true,\"fa\":false,\"nu\":null,"
    "\"arr\":[1,[2,3],{\"x\":\"y\"},\"s\"],"
    "\"esc\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\","
    "\"nul\":\"a\\u0000b\",\"obj\":{\"deep\":{\"k\":\"v\"}},"
    "\"dup\":1,\"dup\":2,\"empty\":\"\",\"eo\":{},\"ea\":[],"
    "\"k\\u00e9y\":\"escaped key\",\"raw\":\"caf\xc3\xa9\"}";

static void
test_accessors(void)
{
	struct json_doc	 doc;
	char		 err[256], *s;
	const char	*r;
	size_t		 len;
	long long	 v;
	int		 rc, b, a, o, t, i;

	rc = json_parse(&doc, acc, sizeof(acc) - 1, 0, err, sizeof(err));
	T_CHECK(rc == 0, "accessors: document parses%s%s", rc ? ": " : "",
	    rc ? err : "");
	if (rc != 0)
		return;

	/* json_get */
	t = json_get(&doc, 0, "id");
	T_CHECK(t > 0 && json_streq(&doc, t, "evt_1"),
	    "json_get finds a string member");
	T_CHECK(json_get(&doc, 0, "missing") == -1,
	    "json_get returns -1 for a missing key");
	T_CHECK(json_get(&doc, 0, "i") == -1 && json_get(&doc, 0, "idx") == -1,
	    "json_get does not match a key prefix or extension");
	o = json_get(&doc, 0, "obj");
	o = json_get(&doc, o, "deep");
	t = json_get(&doc, o, "k");
	T_CHECK(t > 0 && json_streq(&doc, t, "v"),
	    "json_get walks nested objects");
	a = json_get(&doc, 0, "arr");
	T_CHECK(a > 0 && doc.d_tok[a].t_type == JSON_ARRAY &&
	    json_get(&doc, a, "x") == -1, "json_get on an array returns -1");
	T_CHECK(json_get(&doc, json_get(&doc, 0, "id"), "x") == -1,
	    "json_get on a string returns -1");
	T_CHECK(json_get(&doc, -1, "id") == -1 &&
	    json_get(&doc, doc.d_ntok, "id") == -1 &&
	    json_get(&doc, 0, NULL) == -1,
	    "json_get refuses bad token indexes and a NULL key");
	t = json_get(&doc, 0, "dup");
	T_CHECK(json_int(&doc, t, 0, 9, &v) == 0 && v == 1,
	    "json_get returns the first of duplicate keys");
	t = json_get(&doc, 0, "k\xc3\xa9y");
	T_CHECK(t > 0 && json_streq(&doc, t, "escaped key"),
	    "json_get matches a key written with \\u escapes");
	t = json_get(&doc, 0, "raw");
	T_CHECK(t > 0 && json_streq(&doc, t, "caf\xc3\xa9"),
	    "json_get finds the last member (after the escaped key)");
	T_CHECK(json_get(&doc, json_get(&doc, 0, "eo"), "x") == -1,
	    "json_get on an empty object returns -1");

	/* json_index */
	T_CHECK(json_index(&doc, a, 0) == a + 1 &&
	    json_int(&doc, json_index(&doc, a, 0), 0, 9, &v) == 0 && v == 1,
	    "json_index 0 is the first element");
	t = json_index(&doc, a, 1);
	T_CHECK(t > 0 && doc.d_tok[t].t_type == JSON_ARRAY &&
	    json_int(&doc, json_index(&doc, t, 1), 0, 9, &v) == 0 && v == 3,
	    "json_index reaches into a nested array");
	t = json_index(&doc, a, 2);
	T_CHECK(t > 0 && json_streq(&doc, json_get(&doc, t, "x"), "y"),
	    "json_index skips a nested array to reach an object");
	t = json_index(&doc, a, 3);
	T_CHECK(t > 0 && json_streq(&doc, t, "s"),
	    "json_index reaches the last element");
	T_CHECK(json_index(&doc, a, 4) == -1 && json_index(&doc, a, -1) == -1,
	    "json_index out of range returns -1");
	T_CHECK(json_index(&doc, 0, 0) == -1,
	    "json_index on an object returns -1");
	T_CHECK(json_index(&doc, json_get(&doc, 0, "ea"), 0) == -1,
	    "json_index on an empty array returns -1");

	/* json_skip */
	T_CHECK(json_skip(&doc, 0) == doc.d_ntok,
	    "json_skip of the root is the token count");
	T_CHECK(json_skip(&doc, a) == a + 9 &&
	    json_streq(&doc, json_skip(&doc, a), "esc"),
	    "json_skip of an array value lands on the next key");
	T_CHECK(json_skip(&doc, a - 1) == a + 9,
	    "json_skip of a key skips its value too");
	t = json_get(&doc, 0, "n");
	T_CHECK(json_skip(&doc, t) == t + 1,
	    "json_skip of a scalar value is the next token");
	t = json_get(&doc, 0, "eo");
	T_CHECK(json_skip(&doc, t) == t + 1,
	    "json_skip of an empty object is the next token");
	T_CHECK(json_skip(&doc, -1) == -1 && json_skip(&doc, doc.d_ntok) == -1,
	    "json_skip refuses bad token indexes");
	for (i = 0, b = 1; i < doc.d_ntok; i++) {
		int	 e = json_skip(&doc, i), j;

		for (j = i + 1; j < e; j++) {
			int	 p = doc.d_tok[j].t_parent;

			while (p != -1 && p != i)
				p = doc.d_tok[p].t_parent;
			if (p != i)
				b = 0;
		}
		if (e < doc.d_ntok && doc.d_tok[e].t_parent != -1) {
			int	 p = doc.d_tok[e].t_parent;

			while (p != -1 && p != i)
				p = doc.d_tok[p].t_parent;
			if (p == i)
				b = 0;
		}
	}
	T_CHECK(b, "json_skip covers exactly each token's descendants");

	/* json_strdup */
	s = json_strdup(&doc, json_get(&doc, 0, "esc"));
	T_CHECK(s != NULL && strcmp(s, "a\"b\\c/d\b\f\n\r\t\xc3\xa9"
	    "\xf0\x9f\x98\x80") == 0,
	    "json_strdup decodes escapes and a surrogate pair to UTF-8");
	free(s);
	s = json_strdup(&doc, json_get(&doc, 0, "raw"));
	T_CHECK(s != NULL && strcmp(s, "caf\xc3\xa9") == 0,
	    "json_strdup copies raw UTF-8 unchanged");
	free(s);
	s = json_strdup(&doc, json_get(&doc, 0, "empty"));
	T_CHECK(s != NULL && s[0] == '\0', "json_strdup of \"\" is \"\"");
	free(s);
	s = json_strdup(&doc, json_get(&doc, 0, "nul"));
	T_CHECK(s == NULL, "json_strdup refuses a string holding \\u0000");
	s = json_strdup(&doc, json_get(&doc, 0, "n"));
	T_CHECK(s == NULL, "json_strdup refuses a number");
	s = json_strdup(&doc, 1);
	T_CHECK(s != NULL && strcmp(s, "id") == 0,
	    "json_strdup copies a key");
	free(s);

	/* json_streq */
	t = json_get(&doc, 0, "esc");
	T_CHECK(json_streq(&doc, t, "a\"b\\c/d\b\f\n\r\t\xc3\xa9"
	    "\xf0\x9f\x98\x80"), "json_streq compares the unescaped value");
	T_CHECK(!json_streq(&doc, t, "a\"b"),
	    "json_streq refuses a prefix of the value");
	T_CHECK(!json_streq(&doc, t, "a\"b\\c/d\b\f\n\r\t\xc3\xa9"
	    "\xf0\x9f\x98\x80!"), "json_streq refuses a longer string");
	T_CHECK(!json_streq(&doc, t, "a\\\"b\\\\c"),
	    "json_streq does not compare the escaped text");
	t = json_get(&doc, 0, "nul");
	T_CHECK(!json_streq(&doc, t, "a") && !json_streq(&doc, t, "ab"),
	    "json_streq never matches a string holding \\u0000");
	T_CHECK(json_streq(&doc, json_get(&doc, 0, "empty"), ""),
	    "json_streq matches the empty string");
	T_CHECK(!json_streq(&doc, json_get(&doc, 0, "n"), "42"),
	    "json_streq refuses a number token");
	T_CHECK(!json_streq(&doc, json_get(&doc, 0, "id"), NULL),
	    "json_streq refuses NULL");

	/* json_int */
	v = 7;
	T_CHECK(json_int(&doc, json_get(&doc, 0, "n"), 0, 100, &v) == 0 &&
	    v == 42, "json_int reads an integer in range");
	v = 7;
	T_CHECK(json_int(&doc, json_get(&doc, 0, "n"), 0, 41, &v) == -1 &&
	    v == 7, "json_int refuses above max and leaves out alone");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "n"), 43, 100, &v) == -1,
	    "json_int refuses below min");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "neg"), LLONG_MIN,
	    LLONG_MAX, &v) == 0 && v == LLONG_MIN,
	    "json_int reads LLONG_MIN");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "max"), LLONG_MIN,
	    LLONG_MAX, &v) == 0 && v == LLONG_MAX,
	    "json_int reads LLONG_MAX");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "big"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses LLONG_MAX + 1");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "small"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses LLONG_MIN - 1");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "huge"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses a 23-digit number");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "f"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses a fraction");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "e"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses an exponent");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "mz"), 0, 0, &v) == 0 &&
	    v == 0, "json_int reads -0 as 0");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "id"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses a string");
	T_CHECK(json_int(&doc, json_get(&doc, 0, "t"), LLONG_MIN,
	    LLONG_MAX, &v) == -1, "json_int refuses true");

	/* json_bool */
	b = 7;
	T_CHECK(json_bool(&doc, json_get(&doc, 0, "t"), &b) == 0 && b == 1,
	    "json_bool reads true");
	T_CHECK(json_bool(&doc, json_get(&doc, 0, "fa"), &b) == 0 && b == 0,
	    "json_bool reads false");
	b = 7;
	T_CHECK(json_bool(&doc, json_get(&doc, 0, "nu"), &b) == -1 && b == 7,
	    "json_bool refuses null");
	T_CHECK(json_bool(&doc, json_get(&doc, 0, "n"), &b) == -1,
	    "json_bool refuses a number");
	T_CHECK(json_bool(&doc, -1, &b) == -1, "json_bool refuses index -1");

	/* json_raw */
	r = json_raw(&doc, json_get(&doc, 0, "id"), &len);
	T_CHECK(r != NULL && len == 7 && memcmp(r, "\"evt_1\"", 7) == 0,
	    "json_raw of a string includes its quotes");
	r = json_raw(&doc, json_get(&doc, 0, "f"), &len);
	T_CHECK(r != NULL && len == 3 && memcmp(r, "1.5", 3) == 0,
	    "json_raw of a number is its text");
	r = json_raw(&doc, json_get(&doc, 0, "obj"), &len);
	T_CHECK(r != NULL && len == 18 &&
	    memcmp(r, "{\"deep\":{\"k\":\"v\"}}", 18) == 0,
	    "json_raw of an object spans its braces");
	r = json_raw(&doc, a, &len);
	T_CHECK(r != NULL && len == 23 &&
	    memcmp(r, "[1,[2,3],{\"x\":\"y\"},\"s\"]", 23) == 0,
	    "json_raw of an array spans its brackets");
	r = json_raw(&doc, json_get(&doc, 0, "nu"), &len);
	T_CHECK(r != NULL && len == 4 && memcmp(r, "null", 4) == 0,
	    "json_raw of null is \"null\"");
	r = json_raw(&doc, json_get(&doc, 0, "empty"), &len);
	T_CHECK(r != NULL && len == 2 && memcmp(r, "\"\"", 2) == 0,
	    "json_raw of the empty string is two quotes");
	r = json_raw(&doc, 0, &len);
	T_CHECK(r == acc && len == sizeof(acc) - 1,
	    "json_raw of the root is the whole document");
	r = json_raw(&doc, doc.d_ntok, &len);
	T_CHECK(r == NULL && len == 0, "json_raw refuses a bad index");
	json_free(&doc);
	T_CHECK(doc.d_tok == NULL && doc.d_ntok == 0,
	    "json_free empties the document");
}

static void
test_scalar_roots(void)
{
	struct json_doc	 doc;
	char		 err[256], *s;
	const char	*r;
	size_t		 len;
	long long	 v;
	int		 b;

	T_CHECK(json_parse(&doc, J(" -17 "), 0, err, sizeof(err)) == 0 &&
	    json_int(&doc, 0, -100, 100, &v) == 0 && v == -17,
	    "scalar root: a bare number reads through json_int");
	r = json_raw(&doc, 0, &len);
	T_CHECK(r != NULL && len == 3 && memcmp(r, "-17", 3) == 0,
	    "scalar root: json_raw excludes surrounding blanks");
	json_free(&doc);
	T_CHECK(json_parse(&doc, J("\n\"a\\nb\" "), 0, err, sizeof(err)) == 0,
	    "scalar root: a bare string parses");
	s = json_strdup(&doc, 0);
	T_CHECK(s != NULL && strcmp(s, "a\nb") == 0,
	    "scalar root: a bare string unescapes");
	free(s);
	r = json_raw(&doc, 0, &len);
	T_CHECK(r != NULL && len == 6 && memcmp(r, "\"a\\nb\"", 6) == 0,
	    "scalar root: json_raw of a bare string includes its quotes");
	json_free(&doc);
	T_CHECK(json_parse(&doc, J("false"), 0, err, sizeof(err)) == 0 &&
	    json_bool(&doc, 0, &b) == 0 && b == 0,
	    "scalar root: bare false reads through json_bool");
	json_free(&doc);
}

static void
test_tokens(void)
{
	struct json_doc	 doc;
	char		 err[256];
	int		 rc;

	/* {"a":[1,"x"],"b":{"c":true}}
	 * 0 obj, 1 "a", 2 arr, 3 1, 4 "x", 5 "b", 6 obj, 7 "c", 8 true */
	rc = json_parse(&doc, J("{\"a\":[1,\"x\"],\"b\":{\"c\":true}}"), 0,
	    err, sizeof(err));
	T_CHECK(rc == 0 && doc.d_ntok == 9, "tokens: document has 9 tokens");
	if (rc != 0)
		return;
	T_CHECK(doc.d_tok[0].t_size == 2 && doc.d_tok[2].t_size == 2 &&
	    doc.d_tok[6].t_size == 1,
	    "tokens: t_size counts members and elements");
	T_CHECK(doc.d_tok[1].t_parent == 0 && doc.d_tok[2].t_parent == 1 &&
	    doc.d_tok[3].t_parent == 2 && doc.d_tok[5].t_parent == 0 &&
	    doc.d_tok[8].t_parent == 7,
	    "tokens: a key's parent is its object, a value's is its key");
	T_CHECK(doc.d_tok[3].t_type == JSON_NUMBER &&
	    doc.d_tok[4].t_type == JSON_STRING &&
	    doc.d_tok[8].t_type == JSON_TRUE,
	    "tokens: primitive types are told apart");
	T_CHECK(doc.d_tok[4].t_start == 9 && doc.d_tok[4].t_end == 10,
	    "tokens: string bounds exclude the quotes");
	json_free(&doc);
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_depth();
	test_large();
	test_truncation();
	test_err_buffer();
	test_accessors();
	test_scalar_roots();
	test_tokens();
	return t_done();
}

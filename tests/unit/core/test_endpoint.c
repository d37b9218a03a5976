/* The endpoint validators, one line per case: url, secret, description,
 * format, PagerDuty routing key, a filter (endpoint_filter_make), the
 * admin form's filter box (endpoint_filter_text) and the custom headers.
 * Only the public functions of endpoint.h are called, so the test
 * holds whichever file they live in.  The events check asks the
 * catalog in the database and is left to the integration tests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "endpoint.h"
#include "t.h"
#include "utf8.h"

/* A test input: s, then n times c, then t.  NONE is a NULL input. */
struct txt {
	const char	*s;
	char		 c;
	size_t		 n;
	const char	*t;
};

#define T(s)		{ s, 0, 0, NULL }
#define REP(s, c, n, t)	{ s, c, n, t }
#define NONE		{ NULL, 0, 0, NULL }

static char *
mk(const struct txt *x, size_t *len)
{
	struct buf	 b;
	size_t		 i;

	if (x->s == NULL && x->n == 0 && x->t == NULL)
		return NULL;
	buf_init(&b);
	buf_puts(&b, x->s != NULL ? x->s : "");
	for (i = 0; i < x->n; i++)
		buf_putc(&b, x->c);
	buf_puts(&b, x->t != NULL ? x->t : "");
	if (len != NULL)
		*len = b.b_len;
	return buf_release(&b);
}

/* Every message goes to a tenant as JSON or HTML: valid UTF-8. */
static int
utf8_ok(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	const char		*why;
	size_t			 n = strlen(s), i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i, &why)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* The verdict of a validator against a case: ok, or failed with a
 * message that names the field and holds want; valid UTF-8 when the
 * input was (a message may quote the input, cut on a character). */
static int
verdict(int rc, const char *err, int want_ok, const char *field,
    const char *want, int utf8_in)
{
	if (want_ok)
		return rc == 0;
	return rc == -1 && strncmp(err, field, strlen(field)) == 0 &&
	    (want == NULL || strstr(err, want) != NULL) &&
	    (!utf8_in || utf8_ok(err));
}

struct str_case {
	const char	*name;
	struct txt	 in;
	int		 ok;
	const char	*err;		/* a part of the message */
};

#define PRIV	"private_network"

static const struct str_case secret_cases[] = {
	{ "16 characters, the shortest", REP("", 'k', 16, NULL), 1, NULL },
	{ "200 characters, the longest", REP("", 'k', 200, NULL), 1, NULL },
	{ "15 characters is too short", REP("", 'k', 15, NULL), 0, "it has 15" },
	{ "201 characters is too long", REP("", 'k', 201, NULL), 0, "it has 201" },
	{ "empty is too short", T(""), 0, "16 to 200" },
	{ "a whsec_ secret of 32 bytes in base64", T("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), 1, NULL },
	{ "spaces and symbols are printable", T("a b~c!d@e#f$g%h^i&j*"), 1, NULL },
	{ "a tab is refused", T("abcdefgh\tijklmnop"), 0, "character 9 is not" },
	{ "a newline is refused", T("abcdefghijklmnop\n"), 0, "character 17 is not" },
	{ "DEL (0x7f) is refused", T("\x7f" "bcdefghijklmnopq"), 0, "character 1 is not" },
	{ "UTF-8 letters are refused", T("g\xc3\xa9n\xc3\xa9rateur-secret"), 0, "printable ASCII" },
	{ "bytes that are not UTF-8 are refused", T("\xff\xfe" "abcdefghijklmnop"), 0, "printable ASCII" },
};

static const struct str_case desc_cases[] = {
	{ "empty is fine", T(""), 1, NULL },
	{ "500 ASCII characters, the most", REP("", 'd', 500, NULL), 1, NULL },
	{ "501 ASCII characters is too long", REP("", 'd', 501, NULL), 0, "it has 501" },
	{ "500 two-byte characters (1000 bytes) count as 500", REP("\xc3\xa9", 'd', 498, "\xc3\xa9"), 1, NULL },
	{ "500 four-byte characters count as 500", REP("\xf0\x9f\x98\x80", 'x', 499, NULL), 1, NULL },
	{ "501 characters with one emoji is too long", REP("\xf0\x9f\x98\x80", 'x', 500, NULL), 0, "it has 501" },
	{ "markup is text here, escaped on output", T("<script>alert(1)</script>"), 1, NULL },
	{ "a newline is allowed", T("line one\nline two"), 1, NULL },
};

static const struct str_case format_cases[] = {
	{ "momentumpro, the default", T("momentumpro"), 1, NULL },
	{ "slack", T("slack"), 1, NULL },
	{ "pagerduty", T("pagerduty"), 1, NULL },
	{ "empty is refused", T(""), 0, "\"slack\"" },
	{ "names are lower case: Slack is refused", T("Slack"), 0, NULL },
	{ "an unknown format is refused", T("teams"), 0, NULL },
	{ "a prefix of a format is refused", T("slac"), 0, NULL },
	{ "a format with a trailing space is refused", T("slack "), 0, NULL },
	{ "a long name is refused", REP("", 's', 5000, NULL), 0, NULL },
};

static const struct str_case pdkey_cases[] = {
	{ "32 letters and digits", T("R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12"), 1, NULL },
	{ "32 digits", REP("", '7', 32, NULL), 1, NULL },
	{ "31 characters is the wrong length", REP("", 'a', 31, NULL), 0, "wrong length" },
	{ "33 characters is the wrong length", REP("", 'a', 33, NULL), 0, "wrong length" },
	{ "empty is the wrong length", T(""), 0, "wrong length" },
	{ "a dash is another character", REP("", 'a', 31, "-"), 0, "other characters" },
	{ "a space is another character", REP(" ", 'a', 31, NULL), 0, "other characters" },
	{ "an underscore is another character", REP("_", 'a', 31, NULL), 0, "other characters" },
	{ "16 two-byte letters (32 bytes) are other characters", REP("", 0, 0, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 0, "other characters" },
};

static void
run_str(const char *what, const struct str_case *c, const char *field,
    int (*fn)(const char *, char *, size_t))
{
	char	*s, err[1024];
	int	 rc;

	s = mk(&c->in, NULL);
	err[0] = '\0';
	rc = fn(s, err, sizeof(err));
	T_CHECK(verdict(rc, err, c->ok, field, c->err, utf8_ok(s)), "%s: %s",
	    what, c->name);
	free(s);
}

struct url_case {
	const char	*name;
	struct txt	 url;
	int		 allow_private;
	int		 ok;
	const char	*err;
};

static const struct url_case url_cases[] = {
	{ "https on a public name", T("https://hooks.example.com/momentumpro"), 0, 1, NULL },
	{ "http with a port and a query", T("http://hooks.example.com:8080/a?b=c"), 0, 1, NULL },
	{ "empty is required", T(""), 0, 0, "required" },
	{ "another scheme is refused", T("ftp://hooks.example.com/"), 0, 0, NULL },
	{ "a user and password are refused", T("https://u:p@hooks.example.com/"), 0, 0, NULL },
	{ "a loopback address is refused", T("http://127.0.0.1/"), 0, 0, NULL },
	{ "a private address is refused", T("http://10.1.2.3/"), 0, 0, NULL },
	{ "a private address with allow_private", T("http://10.1.2.3/"), 1, 1, NULL },
	{ "localhost is refused", T("http://localhost/"), 0, 0, "internal host name" },
	{ "a single-label name is refused", T("http://metadata/"), 0, 0, "fully qualified" },
	{ "an IP in a non-standard form (decimal) is refused", T("http://2130706433/"), 0, 0, "non-standard form" },
	{ "2048 characters, the longest", REP("https://hooks.example.com/", 'p', 2022, NULL), 0, 1, NULL },
	{ "2049 characters is too long", REP("https://hooks.example.com/", 'p', 2023, NULL), 0, 0, "too long" },
	{ "a space in the URL is refused", T("https://hooks.example.com/a b"), 0, 0, NULL },
	{ "a newline in the URL is refused", T("https://hooks.example.com/\r\nX: y"), 0, 0, NULL },
	{ "bytes that are not UTF-8 are refused", T("https://hooks.example.com/\xff"), 0, 0, NULL },
};

static void
run_url(const struct url_case *c)
{
	char	*s, err[1024];
	int	 rc;

	s = mk(&c->url, NULL);
	err[0] = '\0';
	rc = endpoint_check_url(s, c->allow_private, NULL, err, sizeof(err));
	T_CHECK(verdict(rc, err, c->ok, "url: ", c->err, utf8_ok(s)),
	    "url: %s", c->name);
	free(s);
}

struct filter_case {
	const char	*name;
	struct txt	 path;
	const char	*op;
	struct txt	 value;
	const char	*want;		/* canonical value, or a part of the
					   message; NULL: no value */
	int		 ok;
};

#define OK	1
#define BAD	0
#define DATA	"data.priority"

static const struct filter_case filter_cases[] = {
	/* path */
	{ "a path of one level", T(DATA), "eq", T("\"high\""), "\"high\"", OK },
	{ "a path of 10 levels, the deepest", T("data.a.b.c.d.e.f.g.h.i.j"), "exists", NONE, NULL, OK },
	{ "a path of 11 levels is too deep", T("data.a.b.c.d.e.f.g.h.i.j.k"), "exists", NONE, "is not valid", BAD },
	{ "letters, digits and _ in names", T("data.Employee_2.dept_ID"), "exists", NONE, NULL, OK },
	{ "a path of 200 characters, the longest", REP("data.", 'p', 195, NULL), "exists", NONE, NULL, OK },
	{ "a path of 201 characters is too long", REP("data.", 'p', 196, NULL), "exists", NONE, "is not valid", BAD },
	{ "a path of 100 KB is refused", REP("data.", 'p', 100000, NULL), "exists", NONE, "is not valid", BAD },
	{ "an empty path is required", T(""), "eq", T("1"), "path is required", BAD },
	{ "no path is required", NONE, "eq", T("1"), "path is required", BAD },
	{ "a path outside data. is refused", T("priority"), "eq", T("1"), "is not valid", BAD },
	{ "Data. is not data.", T("Data.priority"), "eq", T("1"), "is not valid", BAD },
	{ "data. alone is refused", T("data."), "eq", T("1"), "is not valid", BAD },
	{ "data without the dot is refused", T("data"), "eq", T("1"), "is not valid", BAD },
	{ "an empty segment is refused", T("data.a..b"), "eq", T("1"), "is not valid", BAD },
	{ "a trailing dot is refused", T("data.a."), "eq", T("1"), "is not valid", BAD },
	{ "a dash in a name is refused", T("data.a-b"), "eq", T("1"), "is not valid", BAD },
	{ "a space in a name is refused", T("data.a b"), "eq", T("1"), "is not valid", BAD },
	{ "a quote in a name (JSON path syntax) is refused", T("data.a\"b"), "eq", T("1"), "is not valid", BAD },
	{ "a $ or [ (JSON path syntax) is refused", T("data.a[0]"), "eq", T("1"), "is not valid", BAD },
	{ "a UTF-8 letter in a name is refused", T("data.priorit\xc3\xa9"), "eq", T("1"), "is not valid", BAD },
	{ "bytes that are not UTF-8 are refused", REP("data.", '\xff', 300, NULL), "eq", T("1"), "is not valid", BAD },
	{ "a long UTF-8 path is cut in the message on a character", REP("data.ab", 0, 0, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), "eq", T("1"), "is not valid", BAD },
	/* op */
	{ "no op is refused", T(DATA), NULL, T("1"), "op must be one of", BAD },
	{ "an unknown op is refused", T(DATA), "contains", T("1"), "(not that one)", BAD },
	{ "ops are lower case: EQ is refused", T(DATA), "EQ", T("1"), "(not that one)", BAD },
	{ "an empty op is refused", T(DATA), "", T("1"), "(not that one)", BAD },
	{ "ne compares one value", T(DATA), "ne", T("\"low\""), "\"low\"", OK },
	/* exists */
	{ "exists takes no value", T(DATA), "exists", NONE, NULL, OK },
	{ "exists with a value is refused", T(DATA), "exists", T("true"), "exists takes no value", BAD },
	/* eq: one JSON scalar, made canonical */
	{ "eq without a value is refused", T(DATA), "eq", NONE, "value is required for eq", BAD },
	{ "eq a number", T(DATA), "eq", T("5"), "5", OK },
	{ "eq a number with spaces around, trimmed", T(DATA), "eq", T("  5 "), "5", OK },
	{ "eq true", T(DATA), "eq", T("true"), "true", OK },
	{ "eq null", T(DATA), "eq", T("null"), "null", OK },
	{ "eq a string with \\u escapes, unescaped", T(DATA), "eq", T("\"\\u00e9t\\u00e9\""), "\"\xc3\xa9t\xc3\xa9\"", OK },
	{ "eq a string with a quote and a backslash, escaped", T(DATA), "eq", T("\"a\\\"b\\\\c\""), "\"a\\\"b\\\\c\"", OK },
	{ "eq a string with \\/ written plainly", T(DATA), "eq", T("\"<\\/script>\""), "\"</script>\"", OK },
	{ "eq an empty string", T(DATA), "eq", T("\"\""), "\"\"", OK },
	{ "eq a huge number is kept as written", T(DATA), "eq", T("1e400"), "1e400", OK },
	{ "eq a string with a control character is refused", T(DATA), "eq", T("\"a\\nb\""), "control character", BAD },
	{ "eq a string with \\u0000 is refused", T(DATA), "eq", T("\"a\\u0000b\""), "\\u0000", BAD },
	{ "eq an object is refused", T(DATA), "eq", T("{\"a\":1}"), "an object or an array", BAD },
	{ "eq a list is refused and points to in", T(DATA), "eq", T("[\"a\"]"), "(or op \"in\" for a list)", BAD },
	{ "eq text that is not JSON is refused", T(DATA), "eq", T("high"), "value is not JSON", BAD },
	{ "eq two values is not JSON", T(DATA), "eq", T("1 2"), "value is not JSON", BAD },
	{ "eq a number with a leading zero is not JSON", T(DATA), "eq", T("01"), "value is not JSON", BAD },
	{ "eq an empty value is not JSON", T(DATA), "eq", T(""), "value is not JSON", BAD },
	{ "eq a string that is not UTF-8 is not JSON", T(DATA), "eq", T("\"\xc3\x28\""), "value is not JSON", BAD },
	{ "eq a string with a raw NUL is not JSON", T(DATA), "eq", { "\"a", 0, 1, "b\"" }, "value is not JSON", BAD },
	{ "eq a value of 4000 bytes, the most", T(DATA), "eq", REP("\"", 'v', 3998, "\""), NULL, OK },
	{ "eq a value of 4001 bytes is too long", T(DATA), "eq", REP("\"", 'v', 3999, "\""), "too long", BAD },
	{ "eq a value made longer by escaping is measured canonical", T(DATA), "eq", REP("\"", 'v', 3990, "\\u0022\\u0022\\u0022\\u0022\\u0022\""), "too long", BAD },
	/* in: a list of 1 to 100 scalars */
	{ "in a list, spaces dropped", T(DATA), "in", T("[ \"high\" , \"critical\" ]"), "[\"high\",\"critical\"]", OK },
	{ "in a list of mixed scalars", T(DATA), "in", T("[1,\"a\",true,null]"), "[1,\"a\",true,null]", OK },
	{ "in a list of 100 values, the most", T(DATA), "in", REP("[0", 0, 0, ",1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99]"), NULL, OK },
	{ "in a list of 101 values is refused", T(DATA), "in", REP("[0", 0, 0, ",1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100]"), "1 to 100 values", BAD },
	{ "in an empty list is refused", T(DATA), "in", T("[]"), "1 to 100 values", BAD },
	{ "in a scalar is refused", T(DATA), "in", T("\"high\""), "1 to 100 values", BAD },
	{ "in a list holding a list is refused", T(DATA), "in", T("[\"a\",[\"b\"]]"), "value 2 of the list", BAD },
	{ "in a list holding an object is refused", T(DATA), "in", T("[{\"a\":1}]"), "value 1 of the list", BAD },
	{ "in a list with a control character is refused", T(DATA), "in", T("[\"ok\",\"a\\tb\"]"), "value 2 of the list is a string with a control", BAD },
	{ "in without a value is refused", T(DATA), "in", NONE, "value is required for in", BAD },
	{ "duplicates in a list are kept", T(DATA), "in", T("[\"a\",\"a\"]"), "[\"a\",\"a\"]", OK },
	/* gt, lt: numbers the filter SQL can compare */
	{ "gt an integer", T(DATA), "gt", T("1000"), "1000", OK },
	{ "lt a negative decimal", T(DATA), "lt", T("-2.5"), "-2.5", OK },
	{ "gt with an exponent of 2 digits", T(DATA), "gt", T("1.5e-10"), "1.5e-10", OK },
	{ "gt with an exponent of 3 digits is refused", T(DATA), "gt", T("1e100"), "compares numbers", BAD },
	{ "gt 30 digits before the point, the most", T(DATA), "gt", REP("", '9', 30, NULL), NULL, OK },
	{ "gt 31 digits before the point is refused", T(DATA), "gt", REP("", '9', 31, NULL), "compares numbers", BAD },
	{ "gt 30 digits after the point, the most", T(DATA), "gt", REP("0.", '1', 30, NULL), NULL, OK },
	{ "gt 31 digits after the point is refused", T(DATA), "gt", REP("0.", '1', 31, NULL), "compares numbers", BAD },
	{ "gt a string of digits is refused", T(DATA), "gt", T("\"5\""), "compares numbers", BAD },
	{ "lt true is refused", T(DATA), "lt", T("true"), "compares numbers", BAD },
	{ "gt without a value is refused", T(DATA), "gt", NONE, "value is required for gt", BAD },
};

static void
run_filter(const struct filter_case *c, size_t i)
{
	struct ep_filter	 f;
	char			*path, *value, err[1024];
	size_t			 vlen = 0;
	int			 rc, ok;

	path = mk(&c->path, NULL);
	value = mk(&c->value, &vlen);
	memset(&f, 0x5a, sizeof(f));
	err[0] = '\0';
	rc = endpoint_filter_make(path, c->op, value, vlen, i, &f, err,
	    sizeof(err));
	if (c->ok) {
		ok = rc == 0 && f.ef_path != NULL && f.ef_op != NULL &&
		    strcmp(f.ef_path, path) == 0 && strcmp(f.ef_op, c->op) == 0;
		if (strcmp(c->op, "exists") == 0)
			ok = ok && f.ef_value == NULL;
		else
			ok = ok && f.ef_value != NULL && (c->want == NULL ||
			    strcmp(f.ef_value, c->want) == 0);
		endpoint_filters_free(&f, 1);
	} else {
		char	 field[32];

		snprintf(field, sizeof(field), "filters[%zu]: ", i);
		ok = verdict(rc, err, 0, field, c->want, path == NULL ||
		    utf8_ok(path)) &&
		    f.ef_path == NULL && f.ef_op == NULL && f.ef_value == NULL;
	}
	T_CHECK(ok, "filter: %s", c->name);
	free(path);
	free(value);
}

/* The admin form's value box: text as typed, to JSON for the filter. */
struct text_case {
	const char	*name;
	const char	*op;
	const char	*text;
	const char	*json;
};

static const struct text_case text_cases[] = {
	{ "a word becomes a string", "eq", "high", "\"high\"" },
	{ "a number stays a number", "eq", "5", "5" },
	{ "a quoted number stays a string", "eq", "\"5\"", "\"5\"" },
	{ "true stays true", "eq", "true", "true" },
	{ "null stays null", "ne", "null", "null" },
	{ "spaces and tabs around are trimmed", "eq", " \t high \t", "\"high\"" },
	{ "spaces inside are kept", "eq", "very high", "\"very high\"" },
	{ "quotes and backslashes are escaped", "eq", "say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"" },
	{ "a newline is escaped (the filter refuses it next)", "eq", "a\nb", "\"a\\nb\"" },
	{ "a JSON list is passed on (the filter says use in)", "eq", "[1,2]", "[1,2]" },
	{ "a JSON object is passed on (the filter refuses it)", "eq", "{\"a\":1}", "{\"a\":1}" },
	{ "no op is read as a single value", NULL, "high", "\"high\"" },
	{ "empty text is an empty string", "eq", "", "\"\"" },
	{ "UTF-8 text is kept as is", "eq", "\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"" },
	{ "in: words by commas become a list of strings", "in", "high, critical", "[\"high\",\"critical\"]" },
	{ "in: each value is trimmed", "in", "  a ,\tb  ", "[\"a\",\"b\"]" },
	{ "in: numbers and literals stay JSON", "in", "1, two, true", "[1,\"two\",true]" },
	{ "in: a JSON list is passed on", "in", "[\"a,b\", \"c\"]", "[\"a,b\", \"c\"]" },
	{ "in: one word is a list of one", "in", "high", "[\"high\"]" },
	{ "in: an empty value between commas is kept", "in", "a,,b", "[\"a\",\"\",\"b\"]" },
	{ "in: a trailing comma gives an empty last value", "in", "a,", "[\"a\",\"\"]" },
	{ "in: duplicates are kept", "in", "a, a", "[\"a\",\"a\"]" },
	{ "in: an object inside the commas is a string", "in", "{\"a\":1}", "[\"{\\\"a\\\":1}\"]" },
	{ "in: a list inside the commas is a string", "in", "[1]x, y", "[\"[1]x\",\"y\"]" },
	{ "in: empty text is a list of one empty string", "in", "", "[\"\"]" },
};

static void
run_text(const struct text_case *c)
{
	struct buf	 b;

	buf_init(&b);
	endpoint_filter_text(c->op, c->text, &b);
	T_CHECK(strcmp(buf_cstr(&b), c->json) == 0, "filter box: %s (%s)",
	    c->name, buf_cstr(&b));
	buf_free(&b);
}

/* The box and the filter together: what an admin types is accepted, or
 * refused with a message. */
static void
check_box_to_filter(void)
{
	static const struct {
		const char	*name, *op, *text, *canon;
	} cases[] = {
		{ "in high, critical", "in", "high, critical", "[\"high\",\"critical\"]" },
		{ "eq 5 compares the number", "eq", "5", "5" },
		{ "gt 1000", "gt", "1000", "1000" },
		{ "gt a word is refused", "gt", "lots", NULL },
		{ "eq [1,2] is refused", "eq", "[1,2]", NULL },
		{ "eq a newline is refused", "eq", "a\nb", NULL },
		{ "in a comma inside quotes, as JSON", "in", "[\"a,b\"]", "[\"a,b\"]" },
	};
	struct ep_filter	 f;
	struct buf		 b;
	char			 err[512];
	size_t			 i;
	int			 rc;

	buf_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		endpoint_filter_text(cases[i].op, cases[i].text, &b);
		rc = endpoint_filter_make(DATA, cases[i].op, buf_cstr(&b),
		    b.b_len, 0, &f, err, sizeof(err));
		T_CHECK(cases[i].canon != NULL ? rc == 0 &&
		    strcmp(f.ef_value, cases[i].canon) == 0 : rc == -1,
		    "filter box then filter: %s", cases[i].name);
		if (rc == 0)
			endpoint_filters_free(&f, 1);
	}
	buf_free(&b);
}

struct header_case {
	const char	*name;
	struct txt	 hname;
	struct txt	 hvalue;
	int		 ok;
	const char	*err;
};

static const struct header_case header_cases[] = {
	{ "Authorization with a bearer token", T("Authorization"), T("Bearer abc.def"), OK, NULL },
	{ "X-Api-Key", T("X-Api-Key"), T("k-123"), OK, NULL },
	{ "every token character of RFC 9110 in a name", T("a!#$%&'*+-.^_`|~Z9"), T("v"), OK, NULL },
	{ "no value keeps the stored one", T("X-Api-Key"), NONE, OK, NULL },
	{ "a name of 100 characters, the longest", REP("X-", 'n', 98, NULL), T("v"), OK, NULL },
	{ "a name of 101 characters is refused", REP("X-", 'n', 99, NULL), T("v"), BAD, "is not a header name" },
	{ "an empty name is refused", T(""), T("v"), BAD, "is not a header name" },
	{ "a name with a space is refused", T("X Api"), T("v"), BAD, "is not a header name" },
	{ "a name with a colon is refused", T("X-Api:"), T("v"), BAD, "is not a header name" },
	{ "a name with CR LF (header injection) is refused", T("X-A\r\nHost"), T("v"), BAD, "is not a header name" },
	{ "a name with a UTF-8 letter is refused", T("X-Cl\xc3\xa9"), T("v"), BAD, "is not a header name" },
	{ "a name that is not UTF-8 is refused", REP("", '\xff', 200, NULL), T("v"), BAD, "is not a header name" },
	{ "a name with brackets or quotes is refused", T("X-\"a\""), T("v"), BAD, "is not a header name" },
	{ "Host is refused", T("Host"), T("evil.example"), BAD, "cannot be replaced" },
	{ "host, lower case, is refused", T("host"), T("evil.example"), BAD, "cannot be replaced" },
	{ "Content-Type is refused", T("Content-Type"), T("text/plain"), BAD, "cannot be replaced" },
	{ "CONTENT-LENGTH is refused", T("CONTENT-LENGTH"), T("0"), BAD, "cannot be replaced" },
	{ "Content-Encoding is refused", T("Content-Encoding"), T("gzip"), BAD, "cannot be replaced" },
	{ "Transfer-Encoding is refused", T("Transfer-Encoding"), T("chunked"), BAD, "cannot be replaced" },
	{ "Connection is refused", T("Connection"), T("close"), BAD, "cannot be replaced" },
	{ "Keep-Alive is refused", T("Keep-Alive"), T("5"), BAD, "cannot be replaced" },
	{ "TE is refused", T("te"), T("trailers"), BAD, "cannot be replaced" },
	{ "Trailer is refused", T("Trailer"), T("x"), BAD, "cannot be replaced" },
	{ "Upgrade is refused", T("Upgrade"), T("h2c"), BAD, "cannot be replaced" },
	{ "Proxy-Authorization is refused", T("Proxy-Authorization"), T("Basic x"), BAD, "cannot be replaced" },
	{ "Proxy-Connection is refused", T("Proxy-Connection"), T("close"), BAD, "cannot be replaced" },
	{ "Proxy-Authenticate is refused", T("Proxy-Authenticate"), T("x"), BAD, "cannot be replaced" },
	{ "User-Agent is refused", T("User-Agent"), T("x"), BAD, "cannot be replaced" },
	{ "Expect is refused", T("Expect"), T("100-continue"), BAD, "cannot be replaced" },
	{ "refused even without a value", T("Host"), NONE, BAD, "cannot be replaced" },
	{ "X-Momentumpro-Signature is ours", T("X-Momentumpro-Signature"), T("forged"), BAD, "are ours" },
	{ "x-momentumpro-anything is ours, any case", T("x-MOMENTUMPRO-anything"), T("v"), BAD, "are ours" },
	{ "the bare prefix X-Momentumpro- is ours", T("X-Momentumpro-"), T("v"), BAD, "are ours" },
	{ "webhook-signature is ours", T("webhook-signature"), T("v1,forged"), BAD, "are ours" },
	{ "Webhook-Id is ours, any case", T("Webhook-Id"), T("msg_1"), BAD, "are ours" },
	{ "X-Momentumpro without the dash is not ours", T("X-Momentumpro"), T("v"), OK, NULL },
	{ "Webhooks (no dash) is not ours", T("Webhooks"), T("v"), OK, NULL },
	{ "Hosts, beside Host, is allowed", T("Hosts"), T("v"), OK, NULL },
	{ "a value of 2000 characters, the longest", T("X-Long"), REP("", 'v', 2000, NULL), OK, NULL },
	{ "a value of 2001 characters is refused", T("X-Long"), REP("", 'v', 2001, NULL), BAD, "1 to 2000" },
	{ "an empty value is refused", T("X-Api-Key"), T(""), BAD, "1 to 2000" },
	{ "a value with CR LF (header injection) is refused", T("X-Api-Key"), T("k\r\nHost: evil"), BAD, "on one line" },
	{ "a value with a bare LF is refused", T("X-Api-Key"), T("k\nx"), BAD, "on one line" },
	{ "a value with a tab is refused", T("X-Api-Key"), T("a\tb"), BAD, "printable ASCII" },
	{ "a value with DEL is refused", T("X-Api-Key"), T("a\x7f"), BAD, "printable ASCII" },
	{ "a value in UTF-8 is refused", T("X-Api-Key"), T("cl\xc3\xa9"), BAD, "printable ASCII" },
	{ "a value that is not UTF-8 is refused", T("X-Api-Key"), T("\xff"), BAD, "printable ASCII" },
	{ "a value with spaces and a colon is fine", T("X-Api-Key"), T(" a: b "), OK, NULL },
};

static void
run_header(const struct header_case *c)
{
	struct ep_header	 h;
	char			 err[1024];
	int			 rc;

	h.eh_name = mk(&c->hname, NULL);
	h.eh_value = mk(&c->hvalue, NULL);
	err[0] = '\0';
	rc = endpoint_check_header(&h, err, sizeof(err));
	T_CHECK(verdict(rc, err, c->ok, "headers: ", c->err,
	    utf8_ok(h.eh_name)), "header: %s", c->name);
	free(h.eh_name);
	free(h.eh_value);
}

/* The list: its length, names given twice, the first bad one. */
static void
check_header_list(void)
{
	struct ep_header	 h[EP_HEADERS_MAX + 1];
	char			 names[EP_HEADERS_MAX + 1][16], err[512];
	size_t			 i;
	int			 rc;

	for (i = 0; i <= EP_HEADERS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "X-H%zu", i);
		h[i].eh_name = names[i];
		h[i].eh_value = "v";
	}
	T_CHECK(endpoint_check_headers(h, 0, err, sizeof(err)) == 0,
	    "headers: none is fine");
	T_CHECK(endpoint_check_headers(h, EP_HEADERS_MAX, err, sizeof(err))
	    == 0, "headers: %d, the most", EP_HEADERS_MAX);
	rc = endpoint_check_headers(h, EP_HEADERS_MAX + 1, err, sizeof(err));
	T_CHECK(verdict(rc, err, 0, "headers: ", "at most 20", 1),
	    "headers: %d is too many", EP_HEADERS_MAX + 1);
	h[3].eh_name = "x-h1";
	rc = endpoint_check_headers(h, 5, err, sizeof(err));
	T_CHECK(verdict(rc, err, 0, "headers: ", "x-h1 is given twice", 1),
	    "headers: a name given twice, in another case, is refused");
	h[3].eh_name = "X-H1";
	h[3].eh_value = NULL;
	rc = endpoint_check_headers(h, 5, err, sizeof(err));
	T_CHECK(verdict(rc, err, 0, "headers: ", "given twice", 1),
	    "headers: a name given twice is refused, kept value or not");
	h[3].eh_name = names[3];
	h[3].eh_value = "v";
	h[2].eh_name = "Host";
	h[4].eh_name = "X Bad";
	rc = endpoint_check_headers(h, 5, err, sizeof(err));
	T_CHECK(verdict(rc, err, 0, "headers: ", "Host is set by", 1),
	    "headers: the first bad header is the one reported");
}

/* A message longer than the caller's buffer is cut, never written past
 * it. */
static void
check_small_err(void)
{
	struct ep_header	 h = { "Host", "x" };
	char			 err[12];
	int			 rc;

	memset(err, 'z', sizeof(err));
	rc = endpoint_check_header(&h, err, 8);
	T_CHECK(rc == -1 && strcmp(err, "headers") == 0 && err[8] == 'z',
	    "a message is cut to the caller's buffer (%s)", err);
	memset(err, 'z', sizeof(err));
	rc = endpoint_check_secret("short", err, 1);
	T_CHECK(rc == -1 && err[0] == '\0' && err[1] == 'z',
	    "a buffer of 1 byte gets an empty message");
}

/* A rotation's overlap: whole seconds from 0 to 7d. */
static void
check_overlap(void)
{
	static const struct {
		const char	*in;
		long long	 want;	/* -1: refused */
	} cases[] = {
		{ "24h", 86400 }, { "0", 0 }, { "0s", 0 }, { "2s", 2 },
		{ "90", 90 }, { "30m", 1800 }, { "7d", 604800 },
		{ "168h", 604800 }, { "2000ms", 2 },
		{ "8d", -1 }, { "604801", -1 }, { "1500ms", -1 }, { "-5", -1 },
		{ "", -1 }, { "soon", -1 }, { "1 h", -1 }, { "24H", -1 },
		{ "99999999999999999999d", -1 },
	};
	char		 err[300];
	long long	 got;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = -2;
		err[0] = '\0';
		rc = endpoint_check_overlap(cases[i].in, &got, err,
		    sizeof(err));
		if (cases[i].want == -1)
			T_CHECK(rc == -1 && strncmp(err, "overlap: ", 9) == 0,
			    "overlap \"%s\" is refused, naming the field",
			    cases[i].in);
		else
			T_CHECK(rc == 0 && got == cases[i].want,
			    "overlap \"%s\" is %lld s (got %lld)", cases[i].in,
			    cases[i].want, got);
	}
}

int
main(void)
{
	size_t	 i;

#define RUN(tbl, what, field, fn)					\
	for (i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)		\
		run_str(what, &tbl[i], field, fn)
	RUN(secret_cases, "secret", "secret: ", endpoint_check_secret);
	RUN(desc_cases, "description", "description: ",
	    endpoint_check_description);
	RUN(format_cases, "format", "format: ", endpoint_check_format);
	RUN(pdkey_cases, "routing key", "pagerduty_routing_key: ",
	    endpoint_check_routing_key);
	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++)
		run_url(&url_cases[i]);
	for (i = 0; i < sizeof(filter_cases) / sizeof(filter_cases[0]); i++)
		run_filter(&filter_cases[i], i % 3);
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++)
		run_text(&text_cases[i]);
	check_box_to_filter();
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++)
		run_header(&header_cases[i]);
	check_header_list();
	check_small_err();
	check_overlap();
	return t_done();
}

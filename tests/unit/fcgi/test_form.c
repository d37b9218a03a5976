/* The admin endpoint form, one line per case: the urlencoded helpers of
 * req.c (req_form_get, req_form_all, req_urldecode, req_urlencode), then
 * read_form, which reads the new/edit form into a struct epform with a
 * message per field, and form_to_set, which turns it into what the
 * model stores.  admin_form_read.c is included, as lighttpd's src/t/
 * does, to reach its static helpers as well.  The events check asks the
 * catalog in the database, so no case here subscribes to an event: the
 * form is then never valid as a whole, and each case looks at one
 * field. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/fcgi/admin_form_read.c"
#include "t.h"

/* Test data: s, then n times rep, then t. */
struct txt {
	const char	*s;
	const char	*rep;
	size_t		 n;
	const char	*t;
};

#define T(s)		{ s, NULL, 0, NULL }
#define REP(s, r, n, t)	{ s, r, n, t }

static char *
mk(const struct txt *x, size_t *len)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	buf_puts(&b, x->s != NULL ? x->s : "");
	for (i = 0; i < x->n; i++)
		buf_puts(&b, x->rep);
	buf_puts(&b, x->t != NULL ? x->t : "");
	if (len != NULL)
		*len = b.b_len;
	return buf_release(&b);
}

/* req_form_get: the first value of a name, decoded; NULL if absent. */
struct get_case {
	const char	*name;
	const char	*data;
	size_t		 len;		/* 0: strlen(data) */
	const char	*key;
	const char	*want;		/* NULL: absent */
};

static const struct get_case get_cases[] = {
	{ "a value among others", "a=1&b=2&c=3", 0, "b", "2" },
	{ "the first of two values", "a=1&a=2", 0, "a", "1" },
	{ "a name that is absent", "a=1&b=2", 0, "c", NULL },
	{ "a name is matched whole, not as a prefix", "ab=1", 0, "a", NULL },
	{ "a name is matched whole, not as a suffix", "ba=1", 0, "a", NULL },
	{ "names are case-sensitive", "A=1", 0, "a", NULL },
	{ "+ is a space", "a=x+y", 0, "a", "x y" },
	{ "%XX escapes, upper and lower case hex", "a=%41%4a%4A", 0, "a", "AJJ" },
	{ "%2B is a plus, %26 an ampersand, %3D an equals sign", "a=%2B%26%3D", 0, "a", "+&=" },
	{ "an encoded name matches", "%61=1", 0, "a", "1" },
	{ "a name with + matches its space", "a+b=1", 0, "a b", "1" },
	{ "an equals sign in a value is kept", "a=b=c", 0, "a", "b=c" },
	{ "a name without = has the empty value", "a&b=2", 0, "a", "" },
	{ "a name with = and nothing has the empty value", "a=&b=2", 0, "a", "" },
	{ "empty pairs are skipped", "&&a=1&&", 0, "a", "1" },
	{ "a trailing & is fine", "a=1&", 0, "a", "1" },
	{ "; does not separate pairs", "a=1;b=2", 0, "a", "1;b=2" },
	{ "the empty name matches =value", "=1", 0, "", "1" },
	{ "empty data has nothing", "", 0, "a", NULL },
	{ "the length is respected, not the NUL", "a=12345", 4, "a", "12" },
	{ "a truncated escape at the end makes the value absent", "a=%4", 0, "a", NULL },
	{ "a lone % makes the value absent", "a=%", 0, "a", NULL },
	{ "a non-hex escape makes the value absent", "a=%zz", 0, "a", NULL },
	{ "%00 makes the value absent", "a=x%00y", 0, "a", NULL },
	{ "a raw NUL makes the value absent", "a=x\0y&b=2", 9, "a", NULL },
	{ "a raw NUL in one pair leaves the next one readable", "a=x\0y&b=2", 9, "b", "2" },
	{ "a name with %00 matches nothing", "a%00=1", 0, "a", NULL },
	{ "an absent (malformed) first value lets the second count", "a=%zz&a=2", 0, "a", "2" },
	{ "%FF decodes to the byte 0xff (no UTF-8 check here)", "a=%FF", 0, "a", "\xff" },
	{ "UTF-8 escapes decode to UTF-8", "a=%C3%A9t%C3%A9", 0, "a", "\xc3\xa9t\xc3\xa9" },
	{ "CR LF decode (the field validators refuse them)", "a=x%0D%0Ay", 0, "a", "x\r\ny" },
};

static void
run_get(const struct get_case *c)
{
	char	*v;

	v = req_form_get(c->data, c->len ? c->len : strlen(c->data), c->key);
	T_CHECK(c->want == NULL ? v == NULL : v != NULL &&
	    strcmp(v, c->want) == 0, "req_form_get: %s", c->name);
	free(v);
}

static void
check_form_helpers(void)
{
	struct buf	 b;
	char		**vals, *v, all[256], *big;
	size_t		 n, i, len;
	int		 ok;

	T_CHECK(req_form_get(NULL, 10, "a") == NULL,
	    "req_form_get: no data has nothing");
	n = req_form_all("events=a&x=1&events=b&events=%zz&events=a", 41,
	    "events", &vals);
	T_CHECK(n == 3 && strcmp(vals[0], "a") == 0 &&
	    strcmp(vals[1], "b") == 0 && strcmp(vals[2], "a") == 0,
	    "req_form_all: every value in order, duplicates kept, a "
	    "malformed one left out (%zu)", n);
	req_form_free_all(vals, n);
	vals = (char **)&n;
	n = req_form_all("x=1", 3, "events", &vals);
	T_CHECK(n == 0 && vals == NULL, "req_form_all: none gives 0 and NULL");
	vals = (char **)&n;
	n = req_form_all(NULL, 0, "events", &vals);
	T_CHECK(n == 0 && vals == NULL, "req_form_all: no data gives 0 and "
	    "NULL");
	req_form_free_all(NULL, 0);

	/* A value of 1 MiB comes back whole. */
	len = 1 << 20;
	big = malloc(len + 3);
	memcpy(big, "a=", 2);
	memset(big + 2, 'x', len);
	big[len + 2] = '\0';
	v = req_form_get(big, len + 2, "a");
	T_CHECK(v != NULL && strlen(v) == len, "req_form_get: a value of "
	    "1 MiB comes back whole");
	free(v);
	/* 8 KiB of pairs "a&": each one a value.  (Not more: the array
	 * grows one entry at a time, and AddressSanitizer's realloc always
	 * copies, so the time grows with the square.) */
	for (i = 0; i + 1 < 8192; i += 2) {
		big[i] = 'a';
		big[i + 1] = '&';
	}
	n = req_form_all(big, 8192, "a", &vals);
	T_CHECK(n == 4096, "req_form_all: 4096 values of one name, each "
	    "read (%zu)", n);
	req_form_free_all(vals, n);
	free(big);

	/* req_urlencode then req_urldecode gives back every byte but NUL;
	 * what is encoded is only unreserved characters and %XX. */
	for (i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = '\0';
	buf_init(&b);
	req_urlencode(&b, all);
	buf_cstr(&b);
	ok = strspn(b.b_data, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
	    "xyz0123456789-_.~%") == b.b_len;
	n = b.b_len;
	T_CHECK(ok && req_urldecode(b.b_data, &n) == 0 && n == 255 &&
	    memcmp(b.b_data, all, 255) == 0, "req_urlencode: bytes 1 to 255 "
	    "survive the round trip, encoded with unreserved characters only");
	buf_reset(&b);
	req_urlencode(&b, "a b&c=d/\xc3\xa9~");
	T_CHECK(strcmp(buf_cstr(&b), "a%20b%26c%3Dd%2F%C3%A9~") == 0,
	    "req_urlencode: space as %%20, reserved and UTF-8 bytes as %%XX "
	    "(%s)", buf_cstr(&b));
	buf_free(&b);
	strcpy(all, "a%41+%4");
	n = strlen(all);
	T_CHECK(req_urldecode(all, &n) == -1, "req_urldecode: a truncated "
	    "escape fails");
	memcpy(all, "%41", 4);
	n = 2;
	T_CHECK(req_urldecode(all, &n) == -1, "req_urldecode: an escape cut "
	    "by the length fails, whatever bytes follow");
	strcpy(all, "%41%42");
	n = strlen(all);
	T_CHECK(req_urldecode(all, &n) == 0 && n == 2 &&
	    strcmp(all, "AB") == 0, "req_urldecode: decodes in place, the "
	    "length shrinks");
}

/* read_form and form_to_set. */
enum what {
	RC,		/* read_form's return */
	F_URL, F_SECRET_MODE, F_SECRET, F_DESC, F_FORMAT, F_PDKEY,
	F_ENABLED, F_STANDARD, F_NEVENTS,
	F_NFILTERS, F_FILTER,	/* idx: "path op value" */
	F_NFROWS, E_FROW,	/* rows shown; idx: the row's message */
	F_NHEADERS, F_HEADER,	/* idx: "name: value" or "name (kept)" */
	F_NHROWS, E_HROW,
	E_URL, E_EVENTS, E_SECRET, E_DESC, E_FORMAT, E_PDKEY, E_HEADERS,
	E_FORM,
	S_SECRET, S_PDKEY, S_DESC, S_ENABLED, S_FORMAT, S_SETS
};

struct form_case {
	const char	*name;
	int		 creating;
	struct txt	 body;
	enum what	 what;
	size_t		 idx;
	const char	*want;	/* E_*: "" no message, else a part of it;
				   else the value, NULL for none */
	const char	*todo;	/* a known bug, not fixed yet */
};

#define NEW	1
#define EDIT	0
#define NOBUG	NULL
#define URL	"url=https%3A%2F%2Fhooks.example.com%2Fx"
#define FR(i, p, o, v) "&filter_path_" #i "=" p "&filter_op_" #i "=" o \
	"&filter_value_" #i "=" v
#define HR(i, n, v) "&header_name_" #i "=" n "&header_value_" #i "=" v

static const struct form_case form_cases[] = {
	/* the form as a whole */
	{ "no event: the form is not valid", NEW, T(URL), RC, 0, "-1", NOBUG },
	{ "no event: its message", NEW, T(URL), E_EVENTS, 0, "Pick at least one event", NOBUG },
	{ "a field with a message: the message atop the form", NEW, T(URL), E_FORM, 0, "Some fields need attention", NOBUG },
	{ "501 events: at most 500, before the catalog is asked", NEW, REP(URL, "&events=leave.approved", 501, NULL), E_EVENTS, 0, "At most 500 entries", NOBUG },
	{ "501 events are all read", NEW, REP(URL, "&events=x", 501, NULL), F_NEVENTS, 0, "501", NOBUG },
	{ "an empty body: every field at its default", NEW, T(""), F_FORMAT, 0, "momentumpro", NOBUG },
	{ "a body of junk is no field", NEW, T("\xff\xfe&&==%%"), F_URL, 0, NULL, NOBUG },
	/* url */
	{ "the url is read", NEW, T(URL), F_URL, 0, "https://hooks.example.com/x", NOBUG },
	{ "a valid url has no message", NEW, T(URL), E_URL, 0, "", NOBUG },
	{ "no url: asked for", NEW, T("format=slack"), E_URL, 0, "Enter the URL", NOBUG },
	{ "an empty url: asked for", NEW, T("url="), E_URL, 0, "Enter the URL", NOBUG },
	{ "a url with %00 is no url", NEW, T("url=https%3A%2F%2Fa.example.com%2F%00"), E_URL, 0, "Enter the URL", NOBUG },
	{ "a private address: the model's message, field name cut", NEW, T("url=http%3A%2F%2F10.0.0.1%2F"), E_URL, 0, "URL points to", NOBUG },
	{ "two urls: the first counts", NEW, T(URL "&url=http%3A%2F%2F10.0.0.1%2F"), E_URL, 0, "", NOBUG },
	/* secret */
	{ "paste a short secret on create: refused", NEW, T("secret_mode=paste&secret=short"), E_SECRET, 0, "Must be 16 to 200", NOBUG },
	{ "paste and no secret on create: refused", NEW, T("secret_mode=paste"), E_SECRET, 0, "it has 0", NOBUG },
	{ "paste a good secret on create: no message", NEW, T("secret_mode=paste&secret=0123456789abcdef"), E_SECRET, 0, "", NOBUG },
	{ "paste a good secret on create: it is stored", NEW, T("secret_mode=paste&secret=0123456789abcdef"), S_SECRET, 0, "0123456789abcdef", NOBUG },
	{ "generate ignores a typed secret", NEW, T("secret_mode=generate&secret=short"), E_SECRET, 0, "", NOBUG },
	{ "generate stores no typed secret", NEW, T("secret_mode=generate&secret=0123456789abcdef"), S_SECRET, 0, NULL, NOBUG },
	{ "no secret_mode: generated", NEW, T("secret=0123456789abcdef"), S_SECRET, 0, NULL, NOBUG },
	{ "PASTE in capitals is not paste", NEW, T("secret_mode=PASTE&secret=x"), E_SECRET, 0, "", NOBUG },
	{ "the secret is not read on edit", EDIT, T("secret_mode=paste&secret=short"), E_SECRET, 0, "", NOBUG },
	{ "the secret is not stored on edit", EDIT, T("secret_mode=paste&secret=0123456789abcdef"), S_SECRET, 0, NULL, NOBUG },
	/* description */
	{ "the description is read, + as a space", NEW, T("description=Leave+requests"), F_DESC, 0, "Leave requests", NOBUG },
	{ "500 characters of description: no message", NEW, REP("description=", "%C3%A9", 500, NULL), E_DESC, 0, "", NOBUG },
	{ "501 characters of description: refused", NEW, REP("description=", "d", 501, NULL), E_DESC, 0, "At most 500 characters (it has 501)", NOBUG },
	{ "no description is stored as empty", NEW, T(""), S_DESC, 0, "", NOBUG },
	{ "a description that is not UTF-8 gets a message", NEW, T("description=caf%E9"), E_DESC, 0, "UTF-8", NOBUG },
	/* checkboxes */
	{ "enabled checked", NEW, T("enabled=on"), F_ENABLED, 0, "1", NOBUG },
	{ "enabled with an empty value is checked", NEW, T("enabled="), F_ENABLED, 0, "1", NOBUG },
	{ "enabled absent is unchecked", NEW, T("standard_webhooks=on"), F_ENABLED, 0, "0", NOBUG },
	{ "enabled with a malformed value is unchecked", NEW, T("enabled=%zz"), F_ENABLED, 0, "0", NOBUG },
	{ "unchecked enabled is stored as disabled", EDIT, T(""), S_ENABLED, 0, "0", NOBUG },
	{ "standard_webhooks checked", NEW, T("standard_webhooks=1"), F_STANDARD, 0, "1", NOBUG },
	/* format and the PagerDuty key */
	{ "no format is momentumpro", NEW, T(URL), F_FORMAT, 0, "momentumpro", NOBUG },
	{ "slack is read", NEW, T("format=slack"), F_FORMAT, 0, "slack", NOBUG },
	{ "an unknown format: refused", NEW, T("format=teams"), E_FORMAT, 0, "Must be \"momentumpro\"", NOBUG },
	{ "an empty format: refused", NEW, T("format="), E_FORMAT, 0, "Must be", NOBUG },
	{ "pagerduty without a key on create: asked for", NEW, T("format=pagerduty"), E_PDKEY, 0, "Enter the 32-character", NOBUG },
	{ "pagerduty with a blank key on create: asked for", NEW, T("format=pagerduty&pagerduty_routing_key=+++"), E_PDKEY, 0, "Enter the 32-character", NOBUG },
	{ "pagerduty without a key on edit: the stored one is kept", EDIT, T("format=pagerduty"), E_PDKEY, 0, "", NOBUG },
	{ "pagerduty without a key on edit: none is sent to the model", EDIT, T("format=pagerduty"), S_PDKEY, 0, NULL, NOBUG },
	{ "pagerduty with a short key: refused", EDIT, T("format=pagerduty&pagerduty_routing_key=abc"), E_PDKEY, 0, "wrong length", NOBUG },
	{ "pagerduty with a good key: stored", NEW, T("format=pagerduty&pagerduty_routing_key=0123456789abcdef0123456789ABCDEF"), S_PDKEY, 0, "0123456789abcdef0123456789ABCDEF", NOBUG },
	{ "another format ignores a bad key", NEW, T("format=slack&pagerduty_routing_key=abc"), E_PDKEY, 0, "", NOBUG },
	{ "another format stores no key", NEW, T("format=slack&pagerduty_routing_key=0123456789abcdef0123456789ABCDEF"), S_PDKEY, 0, NULL, NOBUG },
	{ "the format is stored as read", NEW, T("format=slack"), S_FORMAT, 0, "slack", NOBUG },
	/* filter rows */
	{ "no filter row: no filter", NEW, T(URL), F_NFILTERS, 0, "0", NOBUG },
	{ "no filter row: 5 empty rows shown", NEW, T(URL), F_NFROWS, 0, "5", NOBUG },
	{ "a filter row becomes a filter", NEW, T(URL FR(0, "data.priority", "eq", "high")), F_FILTER, 0, "data.priority eq \"high\"", NOBUG },
	{ "a number in the box stays a number", NEW, T(URL FR(0, "data.n", "gt", "1000")), F_FILTER, 0, "data.n gt 1000", NOBUG },
	{ "in with words by commas", NEW, T(URL FR(0, "data.p", "in", "high%2C+critical")), F_FILTER, 0, "data.p in [\"high\",\"critical\"]", NOBUG },
	{ "exists with no value", NEW, T(URL FR(0, "data.p", "exists", "")), F_FILTER, 0, "data.p exists (none)", NOBUG },
	{ "exists with a value: refused on its row", NEW, T(URL FR(0, "data.p", "exists", "x")), E_FROW, 0, "Exists takes no value", NOBUG },
	{ "a path with leading spaces is trimmed", NEW, T(URL FR(0, "++data.p", "eq", "1")), F_FILTER, 0, "data.p eq 1", NOBUG },
	{ "a value without a path: asked for on its row", NEW, T(URL FR(0, "", "eq", "high")), E_FROW, 0, "Enter the field to test", NOBUG },
	{ "a path of spaces with a value: asked for", NEW, T(URL FR(0, "+%09+", "eq", "high")), E_FROW, 0, "Enter the field to test", NOBUG },
	{ "a row of blanks is skipped", NEW, T(URL FR(0, "+", "eq", "+")), F_NFILTERS, 0, "0", NOBUG },
	{ "a bad path: its message, the field name cut", NEW, T(URL FR(0, "priority", "eq", "1")), E_FROW, 0, "Path \"priority\" is not valid", NOBUG },
	{ "no op: refused on its row", NEW, T(URL "&filter_path_0=data.p&filter_value_0=1"), E_FROW, 0, "Op must be one of", NOBUG },
	{ "gt a word: refused on its row", NEW, T(URL FR(0, "data.p", "gt", "lots")), E_FROW, 0, "compares numbers", NOBUG },
	{ "a bad row then a good one: one filter", NEW, T(URL FR(0, "bad", "eq", "1") FR(1, "data.ok", "eq", "1")), F_NFILTERS, 0, "1", NOBUG },
	{ "a bad row then a good one: the good one is filter 0", NEW, T(URL FR(0, "bad", "eq", "1") FR(1, "data.ok", "eq", "1")), F_FILTER, 0, "data.ok eq 1", NOBUG },
	{ "a row left empty between two: both read", NEW, T(URL FR(0, "data.a", "eq", "1") FR(2, "data.c", "eq", "3")), F_FILTER, 1, "data.c eq 3", NOBUG },
	{ "rows shown: the last used plus two", NEW, T(URL FR(5, "data.a", "eq", "1")), F_NFROWS, 0, "8", NOBUG },
	{ "row 19, the last, is read", NEW, T(URL FR(19, "data.last", "eq", "1")), F_FILTER, 0, "data.last eq 1", NOBUG },
	{ "row 19 used: 20 rows shown, no more", NEW, T(URL FR(19, "data.last", "eq", "1")), F_NFROWS, 0, "20", NOBUG },
	{ "row 20 is beyond the form: ignored", NEW, T(URL FR(20, "data.x", "eq", "1")), F_NFILTERS, 0, "0", NOBUG },
	{ "a row number with a leading zero is another field", NEW, T(URL FR(01, "data.x", "eq", "1")), F_NFILTERS, 0, "0", NOBUG },
	{ "a row given twice: the first counts", NEW, T(URL FR(0, "data.a", "eq", "1") FR(0, "data.b", "eq", "2")), F_FILTER, 0, "data.a eq 1", NOBUG },
	{ "20 filters, the most", NEW, T(URL FR(0, "data.a", "eq", "0") FR(1, "data.a", "eq", "1") FR(2, "data.a", "eq", "2") FR(3, "data.a", "eq", "3") FR(4, "data.a", "eq", "4") FR(5, "data.a", "eq", "5") FR(6, "data.a", "eq", "6") FR(7, "data.a", "eq", "7") FR(8, "data.a", "eq", "8") FR(9, "data.a", "eq", "9") FR(10, "data.a", "eq", "10") FR(11, "data.a", "eq", "11") FR(12, "data.a", "eq", "12") FR(13, "data.a", "eq", "13") FR(14, "data.a", "eq", "14") FR(15, "data.a", "eq", "15") FR(16, "data.a", "eq", "16") FR(17, "data.a", "eq", "17") FR(18, "data.a", "eq", "18") FR(19, "data.a", "eq", "19")), F_NFILTERS, 0, "20", NOBUG },
	{ "filters are replaced as a whole", EDIT, T(URL), S_SETS, 0, "filters headers", NOBUG },
	/* header rows */
	{ "a header row becomes a header", NEW, T(URL HR(0, "Authorization", "Bearer+t0k")), F_HEADER, 0, "Authorization: Bearer t0k", NOBUG },
	{ "a header name with leading spaces is trimmed", NEW, T(URL HR(0, "++X-Key", "v")), F_HEADER, 0, "X-Key: v", NOBUG },
	{ "no value on create: asked for", NEW, T(URL HR(0, "X-Key", "")), E_HROW, 0, "Enter the value to send with X-Key", NOBUG },
	{ "no value on edit: the stored one is kept", EDIT, T(URL HR(0, "X-Key", "")), F_HEADER, 0, "X-Key (kept)", NOBUG },
	{ "no value on edit: no message", EDIT, T(URL HR(0, "X-Key", "")), E_HROW, 0, "", NOBUG },
	{ "a value without a name: asked for", NEW, T(URL HR(0, "", "v")), E_HROW, 0, "Enter the header's name", NOBUG },
	{ "Host: refused on its row", NEW, T(URL HR(0, "Host", "evil.example")), E_HROW, 0, "Host is set by the connection", NOBUG },
	{ "a signature header: refused on its row", NEW, T(URL HR(0, "X-Momentumpro-Signature", "x")), E_HROW, 0, "are ours", NOBUG },
	{ "CR LF in a value: refused on its row", NEW, T(URL HR(0, "X-Key", "a%0D%0AHost%3A+evil")), E_HROW, 0, "on one line", NOBUG },
	{ "a header name of a space: refused", NEW, T(URL HR(0, "X+Key", "v")), E_HROW, 0, "is not a header name", NOBUG },
	{ "the same name twice, in another case: refused", NEW, T(URL HR(0, "X-Key", "a") HR(1, "x-key", "b")), E_HEADERS, 0, "given twice", NOBUG },
	{ "two different headers: no message", NEW, T(URL HR(0, "X-A", "a") HR(1, "X-B", "b")), E_HEADERS, 0, "", NOBUG },
	{ "row 19, the last, is read", NEW, T(URL HR(19, "X-Last", "v")), F_HEADER, 0, "X-Last: v", NOBUG },
	{ "header row 20 is beyond the form: ignored", NEW, T(URL HR(20, "X-Over", "v")), F_NHEADERS, 0, "0", NOBUG },
	{ "no header row: 3 empty rows shown", NEW, T(URL), F_NHROWS, 0, "3", NOBUG },
	{ "header rows shown: the last used plus two", NEW, T(URL HR(2, "X-A", "v")), F_NHROWS, 0, "5", NOBUG },
};

static const char *
seen(const struct form_case *c, struct req *r, char *tmp, size_t tmpsz)
{
	struct epform		 f;
	struct endpoint_set	 es;
	const struct ep_filter	*ef;
	const struct ep_header	*eh;
	const char		*v = NULL;
	int			 rc;

	rc = read_form(r, &f, c->creating);
	form_to_set(&f, &es, c->creating);
	switch (c->what) {
	case RC: snprintf(tmp, tmpsz, "%d", rc); v = tmp; break;
	case F_URL: v = f.f_url; break;
	case F_SECRET_MODE: v = f.f_secret_mode; break;
	case F_SECRET: v = f.f_secret; break;
	case F_DESC: v = f.f_description; break;
	case F_FORMAT: v = f.f_format; break;
	case F_PDKEY: v = f.f_pdkey; break;
	case F_ENABLED: v = f.f_enabled ? "1" : "0"; break;
	case F_STANDARD: v = f.f_standard ? "1" : "0"; break;
	case F_NEVENTS: snprintf(tmp, tmpsz, "%zu", f.f_nevents); v = tmp; break;
	case F_NFILTERS: snprintf(tmp, tmpsz, "%zu", f.f_nfilters); v = tmp; break;
	case F_FILTER:
		if (c->idx >= f.f_nfilters)
			break;
		ef = &f.f_filters[c->idx];
		snprintf(tmp, tmpsz, "%s %s %s", ef->ef_path, ef->ef_op,
		    ef->ef_value != NULL ? ef->ef_value : "(none)");
		v = tmp;
		break;
	case F_NFROWS: snprintf(tmp, tmpsz, "%zu", f.f_nfrows); v = tmp; break;
	case E_FROW: v = f.f_frows[c->idx].fr_err; break;
	case F_NHEADERS: snprintf(tmp, tmpsz, "%zu", f.f_nheaders); v = tmp; break;
	case F_HEADER:
		if (c->idx >= f.f_nheaders)
			break;
		eh = &f.f_headers[c->idx];
		if (eh->eh_value != NULL)
			snprintf(tmp, tmpsz, "%s: %s", eh->eh_name, eh->eh_value);
		else
			snprintf(tmp, tmpsz, "%s (kept)", eh->eh_name);
		v = tmp;
		break;
	case F_NHROWS: snprintf(tmp, tmpsz, "%zu", f.f_nhrows); v = tmp; break;
	case E_HROW: v = f.f_hrows[c->idx].hr_err; break;
	case E_URL: v = f.f_err_url; break;
	case E_EVENTS: v = f.f_err_events; break;
	case E_SECRET: v = f.f_err_secret; break;
	case E_DESC: v = f.f_err_description; break;
	case E_FORMAT: v = f.f_err_format; break;
	case E_PDKEY: v = f.f_err_pdkey; break;
	case E_HEADERS: v = f.f_err_headers; break;
	case E_FORM: v = f.f_err_form; break;
	case S_SECRET: v = es.es_secret; break;
	case S_PDKEY: v = es.es_routing_key; break;
	case S_DESC: v = es.es_description; break;
	case S_ENABLED: v = es.es_enabled ? "1" : "0"; break;
	case S_FORMAT: v = es.es_format; break;
	case S_SETS:
		snprintf(tmp, tmpsz, "%s%s", es.es_filters_set ? "filters" : "",
		    es.es_headers_set ? " headers" : "");
		v = tmp;
		break;
	}
	/* Copied out before the form is freed. */
	if (v != NULL && v != tmp)
		snprintf(tmp, tmpsz, "%s", v);
	epform_free(&f);
	return v != NULL ? tmp : NULL;
}

static void
run_form(const struct conf *cf, const struct form_case *c)
{
	struct req	 r;
	char		 tmp[1024];
	const char	*v;
	int		 ok;

	memset(&r, 0, sizeof(r));
	r.r_cf = cf;
	r.r_body = mk(&c->body, &r.r_bodylen);
	v = seen(c, &r, tmp, sizeof(tmp));
	if ((c->what >= E_URL && c->what <= E_FORM) || c->what == E_FROW ||
	    c->what == E_HROW)
		ok = v != NULL && (c->want[0] == '\0' ? v[0] == '\0' :
		    strstr(v, c->want) != NULL);
	else
		ok = c->want == NULL ? v == NULL : v != NULL &&
		    strcmp(v, c->want) == 0;
	if (c->todo != NULL)
		T_TODO(c->todo, ok, "form: %s", c->name);
	else
		T_CHECK(ok, "form: %s", c->name);
	free(r.r_body);
}

int
main(void)
{
	struct conf	 cf;
	size_t		 i;

	for (i = 0; i < sizeof(get_cases) / sizeof(get_cases[0]); i++)
		run_get(&get_cases[i]);
	check_form_helpers();
	conf_defaults(&cf);
	for (i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++)
		run_form(&cf, &form_cases[i]);
	conf_free(&cf);
	return t_done();
}

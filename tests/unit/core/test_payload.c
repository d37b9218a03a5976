/* payload_build: what each format sends, byte for byte where that is the
 * contract (momentumpro), field by field where a service's rules decide
 * (Slack, PagerDuty Events API v2); signatures over the exact bytes;
 * custom headers sent in full but recorded masked. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "json.h"
#include "payload.h"
#include "t.h"
#include "util.h"

#define SECRET	"whsec_unit_test_secret_0123456789"
#define PDKEY	"R0123456789abcdefABCDEF012345678"

static const char incident[] =
    "{\"id\": 612, \"title\": \"Forklift collision with racking\","
    " \"incident_type\": \"safety\", \"priority\": \"high\","
    " \"severity\": \"major\","
    " \"location\": \"Madrid Warehouse - Loading Dock 2\","
    " \"reported_by\": 52, \"reported_by_name\": \"Jonas Berg\","
    " \"incident_at\": \"2026-04-29T13:50:00Z\", \"injuries\": false,"
    " \"url\": \"https://acme.momentumpro.pro/incidents/612\"}";

struct built {
	struct payload		 pl;
	struct json_doc		 doc;
	int			 ok;	/* built and parsed */
	char			 err[256];
};

static void
build(const char *format, const char *type, const char *data,
    const char *key, const char *headers, struct built *out)
{
	struct payload_src	 ps;

	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	ps.ps_delivery = 99;
	ps.ps_format = format;
	ps.ps_type = type;
	ps.ps_occurred_at = "2026-04-29T14:32:11Z";
	ps.ps_data = data;
	ps.ps_data_len = strlen(data);
	ps.ps_secret = SECRET;
	ps.ps_timestamp = 1777473131;
	ps.ps_tenant = 7;
	ps.ps_routing_key = key;
	ps.ps_headers = headers;
	if (payload_build(&ps, &out->pl, out->err, sizeof(out->err)) == -1)
		return;
	out->ok = json_parse(&out->doc, out->pl.pl_body.b_data,
	    out->pl.pl_body.b_len, 0, out->err, sizeof(out->err)) == 0;
}

static void
built_free(struct built *b)
{
	payload_free(&b->pl);
	json_free(&b->doc);
}

/* Token at a path of member names and array indexes ("blocks", "0",
 * "text"), or -1. */
static int
at(const struct json_doc *d, const char *const *path)
{
	const char	*errstr;
	int		 t = 0;

	for (; t != -1 && *path != NULL; path++)
		t = d->d_tok[t].t_type == JSON_ARRAY ? json_index(d, t,
		    (int)util_strtonum(*path, 0, 1000, &errstr)) :
		    json_get(d, t, *path);
	return t;
}

/* The string at path, unescaped (static buffer), or "". */
static const char *
str_at(const struct json_doc *d, const char *const *path)
{
	static char	 buf[4096];
	char		*s;
	int		 t = at(d, path);

	buf[0] = '\0';
	if (t != -1 && d->d_tok[t].t_type == JSON_STRING &&
	    (s = json_strdup(d, t)) != NULL) {
		snprintf(buf, sizeof(buf), "%s", s);
		free(s);
	}
	return buf;
}

static const char *
header(const struct payload *pl, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < pl->pl_nhdr; i++)
		if (strncmp(pl->pl_hdr[i], name, n) == 0 &&
		    pl->pl_hdr[i][n] == ':')
			return pl->pl_hdr[i] + n + 2;
	return "";
}

static int
signed_right(const struct payload *pl)
{
	char	 sig[65];

	cr_sign_hex(SECRET, pl->pl_body.b_data, pl->pl_body.b_len, sig);
	return strcmp(header(pl, "X-Momentumpro-Signature"), sig) == 0;
}

static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
test_momentumpro(void)
{
	struct built	 b;
	const char	*data = "{ \"a\" : 1.50, \"b\":\"\\u00e9\" }";

	build(NULL, "leave.approved", data, NULL, NULL, &b);
	T_CHECK(b.ok && strcmp(b.pl.pl_body.b_data, "{\"event\":\"leave.approved"
	    "\",\"occurred_at\":\"2026-04-29T14:32:11Z\",\"data\":{ \"a\" : 1.50,"
	    " \"b\":\"\\u00e9\" }}") == 0, "momentumpro: the seed's shape, data "
	    "byte for byte (%s)", b.pl.pl_body.b_data);
	T_CHECK(signed_right(&b.pl), "momentumpro: signed over the body");
	built_free(&b);
}

static void
test_slack(void)
{
	static const char *const text[] = { "text", NULL };
	static const char *const h0[] = { "blocks", "0", "type", NULL };
	static const char *const h0t[] = { "blocks", "0", "text", "text",
	    NULL };
	static const char *const s1[] = { "blocks", "1", "text", "text",
	    NULL };
	static const char *const f0[] = { "blocks", "2", "fields", "0",
	    "text", NULL };
	static const char *const fields[] = { "blocks", "2", "fields", NULL };
	static const char *const ctx[] = { "blocks", "3", "elements", "0",
	    "text", NULL };
	struct built	 b;
	struct buf	 big;
	const char	*s;
	int		 t, i;

	build("slack", "incident.reported", incident, NULL, NULL, &b);
	T_CHECK(b.ok, "slack: the body is JSON (%s)", b.err);
	if (!b.ok)
		return;
	s = str_at(&b.doc, text);
	T_CHECK(strcmp(s, "Incident reported: Forklift collision with racking "
	    "(Jonas Berg)") == 0, "slack: text says what, about what and who "
	    "(%s)", s);
	T_CHECK(strcmp(str_at(&b.doc, h0), "header") == 0 &&
	    strcmp(str_at(&b.doc, h0t), "Incident reported") == 0,
	    "slack: a header block with what happened");
	s = str_at(&b.doc, s1);
	T_CHECK(strstr(s, "*Forklift collision with racking*") != NULL &&
	    strstr(s, "<https://acme.momentumpro.pro/incidents/612|Open in "
	    "Momentumpro>") != NULL, "slack: the subject and a link to the "
	    "record (%s)", s);
	T_CHECK(strcmp(str_at(&b.doc, f0), "*Reported by*\nJonas Berg") == 0,
	    "slack: who comes first among the fields (%s)", str_at(&b.doc,
	    f0));
	t = at(&b.doc, fields);
	T_CHECK(t != -1 && b.doc.d_tok[t].t_size >= 4 &&
	    b.doc.d_tok[t].t_size <= 10, "slack: key fields, at most 10");
	for (i = 0; t != -1 && i < b.doc.d_tok[t].t_size; i++) {
		const char *p[] = { "blocks", "2", "fields", NULL, "text",
		    NULL };
		char n[16];

		snprintf(n, sizeof(n), "%d", i);
		p[3] = n;
		s = str_at(&b.doc, p);
		T_CHECK(strstr(s, "612") == NULL && strstr(s, "https:") ==
		    NULL && strstr(s, "*Reported by*\n52") == NULL,
		    "slack: field %d is not an id or the link (%s)", i, s);
	}
	s = str_at(&b.doc, ctx);
	T_CHECK(strstr(s, "<!date^1777473131^") != NULL && strstr(s,
	    "|2026-04-29T14:32:11Z>") != NULL && strstr(s, "incident.reported")
	    != NULL, "slack: when, in each reader's time zone (%s)", s);
	T_CHECK(signed_right(&b.pl), "slack: signed over the exact body");
	built_free(&b);

	/* Values are text, never Slack markup. */
	build("slack", "incident.reported", "{\"title\":\"<!channel> & <@U1>"
	    "\",\"note\":\"a>b\",\"url\":\"javascript:alert(1)\"}", NULL, NULL,
	    &b);
	T_CHECK(b.ok && strstr(b.pl.pl_body.b_data, "<!channel>") == NULL &&
	    strstr(b.pl.pl_body.b_data, "&lt;!channel&gt; &amp; &lt;@U1&gt;")
	    != NULL && strstr(b.pl.pl_body.b_data, "a&gt;b") != NULL,
	    "slack: & < > in values are escaped");
	T_CHECK(b.ok && strstr(b.pl.pl_body.b_data, "javascript:") == NULL,
	    "slack: only http(s) links are made");
	built_free(&b);

	/* A link too long for a section is left out, and no section is
	 * left empty (Slack refuses one). */
	buf_init(&big);
	buf_puts(&big, "{\"url\":\"https://x.example/?");
	for (i = 0; i < 1900; i++)
		buf_putc(&big, '&');
	buf_puts(&big, "\"}");
	build("slack", "incident.reported", big.b_data, NULL, NULL, &b);
	T_CHECK(b.ok && strstr(b.pl.pl_body.b_data, "x.example") == NULL &&
	    strstr(b.pl.pl_body.b_data, "\"text\":\"\"") == NULL,
	    "slack: an overlong link is dropped, no empty text is sent");
	built_free(&b);
	buf_free(&big);

	build("slack", "payroll.locked", "{}", NULL, NULL, &b);
	T_CHECK(b.ok && strcmp(str_at(&b.doc, text), "Payroll locked") == 0,
	    "slack: empty data still makes a message (%s)", b.err);
	built_free(&b);

	/* A long multi-byte title is cut on a character boundary. */
	buf_init(&big);
	buf_puts(&big, "{\"title\":\"");
	for (i = 0; i < 700; i++)
		buf_puts(&big, "é");
	buf_puts(&big, "\"}");
	build("slack", "incident.reported", big.b_data, NULL, NULL, &b);
	s = str_at(&b.doc, s1);
	T_CHECK(b.ok && utf8_chars(s) <= 503 && strstr(s, "…*") != NULL,
	    "slack: a long subject is cut, marked and stays UTF-8 (%zu)",
	    utf8_chars(s));
	built_free(&b);
	buf_free(&big);
}

static void
test_pagerduty(void)
{
	static const char *const rk[] = { "routing_key", NULL };
	static const char *const act[] = { "event_action", NULL };
	static const char *const dk[] = { "dedup_key", NULL };
	static const char *const sum[] = { "payload", "summary", NULL };
	static const char *const src[] = { "payload", "source", NULL };
	static const char *const sev[] = { "payload", "severity", NULL };
	static const char *const ts[] = { "payload", "timestamp", NULL };
	static const char *const cd[] = { "payload", "custom_details", NULL };
	static const char *const pl[] = { "payload", NULL };
	static const struct {
		const char	*data, *want;
	} sevs[] = {
		{ "{\"severity\":\"critical\"}", "critical" },
		{ "{\"severity\":\"CRITICAL\"}", "critical" },
		{ "{\"severity\":\"major\",\"priority\":\"low\"}", "error" },
		{ "{\"priority\":\"high\"}", "error" },
		{ "{\"priority\":\"medium\"}", "warning" },
		{ "{\"severity\":\"minor\"}", "warning" },
		{ "{\"priority\":\"low\"}", "info" },
		{ "{\"priority\":\"whatever\"}", "info" },
		{ "{}", "info" },
	};
	struct built	 b;
	struct buf	 big;
	char		 dedup[256];
	const char	*raw;
	size_t		 len, i;
	int		 t;

	build("pagerduty", "incident.reported", incident, PDKEY, NULL, &b);
	T_CHECK(b.ok, "pagerduty: the body is JSON (%s)", b.err);
	if (!b.ok)
		return;
	T_CHECK(strcmp(str_at(&b.doc, rk), PDKEY) == 0 &&
	    strcmp(str_at(&b.doc, act), "trigger") == 0,
	    "pagerduty: incident.reported triggers with the routing key");
	snprintf(dedup, sizeof(dedup), "%s", str_at(&b.doc, dk));
	T_CHECK(strcmp(dedup, "momentumpro-incident-7-612") == 0,
	    "pagerduty: the dedup_key names tenant and incident (%s)", dedup);
	T_CHECK(strcmp(str_at(&b.doc, sum), "Incident reported: Forklift "
	    "collision with racking (Madrid Warehouse - Loading Dock 2)") == 0,
	    "pagerduty: summary (%s)", str_at(&b.doc, sum));
	T_CHECK(strcmp(str_at(&b.doc, src), "Madrid Warehouse - Loading Dock "
	    "2") == 0 && strcmp(str_at(&b.doc, sev), "error") == 0 &&
	    strcmp(str_at(&b.doc, ts), "2026-04-29T14:32:11Z") == 0,
	    "pagerduty: source, severity (major is error) and timestamp");
	t = at(&b.doc, cd);
	raw = t != -1 ? json_raw(&b.doc, t, &len) : "";
	T_CHECK(t != -1 && len == strlen(incident) &&
	    memcmp(raw, incident, len) == 0,
	    "pagerduty: custom_details is the data, byte for byte");
	T_CHECK(signed_right(&b.pl), "pagerduty: signed over the exact body");
	built_free(&b);

	build("pagerduty", "incident.closed", incident, PDKEY, NULL, &b);
	T_CHECK(b.ok && strcmp(str_at(&b.doc, act), "resolve") == 0 &&
	    strcmp(str_at(&b.doc, dk), dedup) == 0 && at(&b.doc, pl) == -1,
	    "pagerduty: incident.closed resolves the same dedup_key");
	built_free(&b);

	build("pagerduty", "invoice.paid", "{\"id\":7301}", PDKEY, NULL, &b);
	T_CHECK(b.ok && strcmp(str_at(&b.doc, act), "trigger") == 0 &&
	    strcmp(str_at(&b.doc, dk), "momentumpro-7-delivery-99") == 0 &&
	    strcmp(str_at(&b.doc, src), "momentumpro") == 0,
	    "pagerduty: another event triggers with a key of its own (%s)",
	    str_at(&b.doc, dk));
	built_free(&b);

	for (i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++) {
		build("pagerduty", "incident.reported", sevs[i].data, PDKEY,
		    NULL, &b);
		T_CHECK(b.ok && strcmp(str_at(&b.doc, sev), sevs[i].want) == 0,
		    "pagerduty: %s has severity %s (%s)", sevs[i].data,
		    sevs[i].want, str_at(&b.doc, sev));
		built_free(&b);
	}

	buf_init(&big);
	buf_puts(&big, "{\"title\":\"");
	for (i = 0; i < 2000; i++)
		buf_puts(&big, "€");
	buf_puts(&big, "\"}");
	build("pagerduty", "incident.reported", big.b_data, PDKEY, NULL, &b);
	T_CHECK(b.ok && utf8_chars(str_at(&b.doc, sum)) <= 1024,
	    "pagerduty: summary at most 1024 characters (%zu)",
	    utf8_chars(str_at(&b.doc, sum)));
	built_free(&b);
	buf_free(&big);

	build("pagerduty", "incident.reported", incident, NULL, NULL, &b);
	T_CHECK(!b.ok && strstr(b.err, "routing key") != NULL,
	    "pagerduty: no routing key, no body (%s)", b.err);
	built_free(&b);
}

static void
test_headers(void)
{
	struct built	 b;
	struct buf	 text, m;

	build("slack", "incident.reported", incident, NULL,
	    "Authorization: Bearer s3cr3t-token-value\nX-Team: ops\n", &b);
	T_CHECK(b.ok && strcmp(header(&b.pl, "Authorization"),
	    "Bearer s3cr3t-token-value") == 0 && strcmp(header(&b.pl,
	    "X-Team"), "ops") == 0, "custom headers are sent as given");
	buf_init(&text);
	payload_headers_text(&b.pl, &text);
	T_CHECK(strstr(buf_cstr(&text), "s3cr3t") == NULL &&
	    strstr(text.b_data, "Authorization: Bear…\n") != NULL &&
	    strstr(text.b_data, "X-Team: …\n") != NULL &&
	    strstr(text.b_data, "X-Momentumpro-Signature: ") != NULL,
	    "recorded headers mask custom values (%s)", text.b_data);
	buf_free(&text);
	built_free(&b);

	build("unknown", "incident.reported", incident, NULL, NULL, &b);
	T_CHECK(!b.ok && strstr(b.err, "unknown payload format") != NULL,
	    "an unknown format is refused");
	built_free(&b);

	buf_init(&m);
	payload_mask("12345678", 8, &m);
	T_CHECK(strcmp(buf_cstr(&m), "12…") == 0, "an 8-character value "
	    "shows 2 (%s)", m.b_data);
	buf_reset(&m);
	payload_mask("1234567", 7, &m);
	T_CHECK(strcmp(buf_cstr(&m), "…") == 0, "a short value shows none");
	buf_free(&m);
}

/* During a rotation's overlap both secrets sign, in each scheme; the
 * seed's header keeps its one hex value. */
static void
test_rotation(void)
{
	struct payload_src	 ps;
	struct payload		 one, two, off;
	char			 err[256], sig[65], prev[65], first[80];
	const char		*ws, *sp;

	memset(&ps, 0, sizeof(ps));
	ps.ps_delivery = 99;
	ps.ps_format = "momentumpro";
	ps.ps_type = "leave.approved";
	ps.ps_occurred_at = "2026-04-29T14:32:11Z";
	ps.ps_data = "{\"id\": 1}";
	ps.ps_data_len = strlen(ps.ps_data);
	ps.ps_secret = SECRET;
	ps.ps_standard = 1;
	ps.ps_timestamp = 1777473131;
	T_CHECK(payload_build(&ps, &one, err, sizeof(err)) == 0,
	    "rotation: built with one secret");
	ps.ps_prev_secret = "whsec_b2xkIHNlY3JldCBvbGQgc2VjcmV0IG9sZCBzZWNyZXQ=";
	T_CHECK(payload_build(&ps, &two, err, sizeof(err)) == 0,
	    "rotation: built with the previous secret too");
	cr_sign_hex(SECRET, two.pl_body.b_data, two.pl_body.b_len, sig);
	cr_sign_hex(ps.ps_prev_secret, two.pl_body.b_data, two.pl_body.b_len,
	    prev);
	T_CHECK(strcmp(header(&two, "X-Momentumpro-Signature"), sig) == 0,
	    "rotation: X-Momentumpro-Signature is the new secret's, alone");
	T_CHECK(strcmp(header(&two, "X-Momentumpro-Signature-Previous"),
	    prev) == 0, "rotation: -Previous is the old secret's body HMAC");
	T_CHECK(header(&one, "X-Momentumpro-Signature-Previous")[0] == '\0',
	    "rotation: no -Previous header without an overlap");
	ws = header(&two, "webhook-signature");
	sp = strchr(ws, ' ');
	snprintf(first, sizeof(first), "%.*s", sp ? (int)(sp - ws) : 0, ws);
	T_CHECK(sp != NULL && strcmp(first, header(&one, "webhook-signature"))
	    == 0 && strncmp(sp + 1, "v1,", 3) == 0 && strchr(sp + 1, ' ') ==
	    NULL && strcmp(sp + 1, first) != 0, "rotation: webhook-signature "
	    "is \"v1,<new> v1,<old>\" (%s)", ws);
	ps.ps_standard = 0;
	T_CHECK(payload_build(&ps, &off, err, sizeof(err)) == 0 &&
	    header(&off, "webhook-signature")[0] == '\0' &&
	    strcmp(header(&off, "X-Momentumpro-Signature-Previous"), prev) ==
	    0, "rotation: without Standard Webhooks, -Previous still comes");
	payload_free(&one);
	payload_free(&two);
	payload_free(&off);
}

int
main(void)
{
	test_rotation();
	test_momentumpro();
	test_slack();
	test_pagerduty();
	test_headers();
	return t_done();
}

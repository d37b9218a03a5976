/* The endpoint model: field validation and tenant-scoped storage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "catalog.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "json.h"
#include "jsonw.h"
#include "payload.h"
#include "url.h"
#include "utf8.h"
#include "util.h"

#define EP_COLS \
	"id, tenant_id, url, description, enabled, disabled_reason," \
	" standard_webhooks, " DB_SQL_TIME("created_at") ", " \
	DB_SQL_TIME("updated_at") ", format, pagerduty_key_sealed," \
	" headers_sealed"
enum { EC_FORMAT = 9, EC_PDKEY, EC_HEADERS };

static const char *const filter_ops[] = {
	"eq", "ne", "in", "exists", "gt", "lt"
};

/* Headers a tenant may not set: hop-by-hop ones, what describes the body
 * we send, and our own (a receiver must be able to trust them). */
static const char *const header_refused[] = {
	"Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade", "Content-Type", "Content-Length",
	"Content-Encoding", "Host", "User-Agent", "Expect"
};
static const char *const header_refused_prefix[] = {
	"X-Momentumpro-", "webhook-"
};

void
endpoint_set_init(struct endpoint_set *es)
{
	memset(es, 0, sizeof(*es));
	es->es_enabled = -1;
	es->es_standard_webhooks = -1;
}

int
endpoint_check_url(const char *url, int allow_private, char *err,
    size_t errsz)
{
	char	 why[512];

	if (url_validate_endpoint(url, allow_private, why, sizeof(why)) == 0)
		return 0;
	snprintf(err, errsz, "url: %s", why);
	return -1;
}

/* Is pattern p a catalog type, a catalog category's "c.*" or "*"? */
static int
pattern_known(const struct dbres *cat, const char *p)
{
	size_t	 i, n = strlen(p);
	int	 wild = n > 2 && strcmp(p + n - 2, ".*") == 0;

	if (strcmp(p, "*") == 0)
		return 1;
	for (i = 0; i < cat->r_nrow; i++) {
		if (wild ? strncmp(dbres_get(cat, i, 1), p, n - 2) == 0 &&
		    dbres_get(cat, i, 1)[n - 2] == '\0' :
		    strcmp(dbres_get(cat, i, 0), p) == 0)
			return 1;
	}
	return 0;
}

enum ep_err
endpoint_check_events(struct db *db, char **ev, size_t n, char *err,
    size_t errsz)
{
	struct dbres	*cat;
	size_t		 i;
	enum ep_err	 rc = EP_INVALID;

	if (n == 0) {
		snprintf(err, errsz, "events: list at least one event type, "
		    "such as [\"leave.approved\"], [\"leave.*\"] or [\"*\"]");
		return EP_INVALID;
	}
	if (n > EP_EVENTS_MAX) {
		snprintf(err, errsz, "events: at most %d entries; subscribe "
		    "to \"category.*\" or \"*\" instead", EP_EVENTS_MAX);
		return EP_INVALID;
	}
	/* The catalog is a few dozen rows: one query checks every entry. */
	if (catalog_names(db, &cat) == -1)
		return EP_DB;
	for (i = 0; i < n; i++) {
		if (strlen(ev[i]) > 100) {
			snprintf(err, errsz, "events: entry %zu is too long "
			    "for an event type", i + 1);
			goto out;
		}
		if (!catalog_pattern_ok(ev[i])) {
			snprintf(err, errsz, "events: \"%s\" is not an event "
			    "type; use a type such as \"leave.approved\", a "
			    "category such as \"leave.*\", or \"*\"", ev[i]);
			goto out;
		}
		if (!pattern_known(cat, ev[i])) {
			snprintf(err, errsz, "events: unknown event %s \"%s\";"
			    " see GET /api/v1/event-types",
			    strchr(ev[i], '*') ? "category in" : "type", ev[i]);
			goto out;
		}
	}
	rc = EP_OK;
out:
	dbres_free(cat);
	return rc;
}

int
endpoint_check_secret(const char *s, char *err, size_t errsz)
{
	size_t	 i, n = strlen(s);

	if (n < EP_SECRET_MIN || n > EP_SECRET_MAX) {
		snprintf(err, errsz, "secret: must be %d to %d characters long"
		    " (it has %zu); leave it out to have a strong one "
		    "generated", EP_SECRET_MIN, EP_SECRET_MAX, n);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e) {
			snprintf(err, errsz, "secret: only printable ASCII "
			    "characters are allowed (character %zu is not)",
			    i + 1);
			return -1;
		}
	return 0;
}

int
endpoint_check_description(const char *s, char *err, size_t errsz)
{
	size_t	 chars;

	/* JSON is UTF-8 already; a form field is whatever bytes its
	 * %XX escapes said, and the column (strict utf8mb4) would refuse
	 * the rest with an error that reads like an outage. */
	if (!utf8_valid(s, strlen(s))) {
		snprintf(err, errsz, "description: must be UTF-8 text");
		return -1;
	}
	/* The column counts characters. */
	chars = utf8_count(s, strlen(s));
	if (chars > EP_DESC_MAX) {
		snprintf(err, errsz, "description: at most %d characters (it "
		    "has %zu)", EP_DESC_MAX, chars);
		return -1;
	}
	return 0;
}

int
endpoint_check_format(const char *s, char *err, size_t errsz)
{
	if (*s != '\0' && payload_format_known(s))
		return 0;
	snprintf(err, errsz, "format: must be \"momentumpro\" (the default: "
	    "our JSON, for Zapier, n8n and your own code), \"slack\" (a Slack "
	    "incoming webhook) or \"pagerduty\" (PagerDuty Events API v2)");
	return -1;
}

int
endpoint_check_routing_key(const char *s, char *err, size_t errsz)
{
	size_t	 i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			break;
	if (n == EP_PDKEY_LEN && i == n)
		return 0;
	snprintf(err, errsz, "pagerduty_routing_key: must be the %d-character "
	    "integration key (letters and digits) of an Events API v2 "
	    "integration on your PagerDuty service; %s", EP_PDKEY_LEN,
	    n != EP_PDKEY_LEN ? "this one has the wrong length" :
	    "this one has other characters");
	return -1;
}

/* Bytes of s to show in a message: at most max, cut on a UTF-8
 * character boundary so the answer stays valid UTF-8. */
static int
clip(const char *s, size_t max)
{
	return (int)utf8_clip_bytes(s, strlen(s), max);
}

/* "data.a.b" as the JSON path '$."a"."b"'.  Segments are [A-Za-z0-9_]+,
 * so quoting them needs no escape and nothing the tenant writes becomes
 * path syntax. */
static int
filter_path(const char *path, struct buf *jp)
{
	const char	*p;
	size_t		 seg = 0, n = 0;

	if (strncmp(path, "data.", 5) != 0 || strlen(path) > EP_PATH_MAX)
		return -1;
	buf_puts(jp, "$.");
	for (p = path + 5; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (n == 0 || ++seg > EP_PATH_DEPTH)
				return -1;
			buf_add(jp, "\"", 1);
			buf_add(jp, p - n, n);
			buf_add(jp, "\"", 1);
			if (*p == '\0')
				return 0;
			buf_putc(jp, '.');
			n = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
		    *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')
			n++;
		else
			return -1;
	}
}

/* A number gt and lt can compare: what the filter SQL's REGEXP accepts
 * (EMIT_FILTER_NUM), so CAST never overflows. */
static int
number_ok(const char *s, size_t n)
{
	size_t	 i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (d < 1 || d > 30)
		return 0;
	if (i < n && s[i] == '.') {
		for (i++, d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d < 1 || d > 30)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d < 1 || d > 2)
			return 0;
	}
	return i == n;
}

/* Scalar token tok in canonical form: strings unescaped and written by
 * jw_str, which escapes what MariaDB's JSON_QUOTE escapes as long as
 * there is no control character, so those are refused. */
static int
canon_scalar(const struct json_doc *doc, int tok, struct buf *out,
    char *why, size_t whysz)
{
	const char	*raw;
	char		*str;
	size_t		 len, i;

	switch (doc->d_tok[tok].t_type) {
	case JSON_STRING:
		if ((str = json_strdup(doc, tok)) == NULL) {
			snprintf(why, whysz, "a string with \\u0000");
			return -1;
		}
		for (i = 0; str[i] != '\0'; i++)
			if ((unsigned char)str[i] < 0x20)
				break;
		if (str[i] != '\0') {
			free(str);
			snprintf(why, whysz, "a string with a control "
			    "character");
			return -1;
		}
		jw_str(out, str);
		free(str);
		return 0;
	case JSON_NUMBER:
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		raw = json_raw(doc, tok, &len);
		buf_add(out, raw, len);
		return 0;
	default:
		snprintf(why, whysz, "an object or an array");
		return -1;
	}
}

int
endpoint_filter_make(const char *path, const char *op, const char *value,
    size_t valuelen, size_t i, struct ep_filter *out, char *err,
    size_t errsz)
{
	struct json_doc	 doc;
	struct buf	 jp, canon;
	const char	*raw;
	char		 why[128], jerr[200];
	size_t		 k, len;
	int		 e, t, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&doc, 0, sizeof(doc));
	buf_init(&jp);
	buf_init(&canon);
	if (path == NULL || *path == '\0') {
		snprintf(err, errsz, "filters[%zu]: path is required: the field "
		    "of the event's data to test, such as \"data.priority\"",
		    i);
		goto out;
	}
	if (filter_path(path, &jp) == -1) {
		snprintf(err, errsz, "filters[%zu]: path \"%.*s\" is not "
		    "valid: write \"data.\" and the field's name, with a dot "
		    "between nested names, such as \"data.priority\" or "
		    "\"data.employee.department\" (letters, digits and _ only, "
		    "at most %d levels and %d characters)", i, clip(path, 80), path,
		    EP_PATH_DEPTH, EP_PATH_MAX);
		goto out;
	}
	for (k = 0; op != NULL && k < sizeof(filter_ops) /
	    sizeof(filter_ops[0]); k++)
		if (strcmp(op, filter_ops[k]) == 0)
			break;
	if (op == NULL || k == sizeof(filter_ops) / sizeof(filter_ops[0])) {
		snprintf(err, errsz, "filters[%zu]: op must be one of eq, ne, "
		    "in, exists, gt, lt%s", i, op == NULL ? "" : " (not that "
		    "one)");
		goto out;
	}
	if (strcmp(op, "exists") == 0) {
		if (value != NULL) {
			snprintf(err, errsz, "filters[%zu]: exists takes no "
			    "value; leave value out", i);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (value == NULL) {
		snprintf(err, errsz, "filters[%zu]: value is required for %s%s",
		    i, op, strcmp(op, "in") == 0 ? ": a list such as "
		    "[\"high\", \"critical\"]" : strcmp(op, "gt") == 0 ||
		    strcmp(op, "lt") == 0 ? ": a number such as 1000" :
		    ": such as \"high\", 5 or true");
		goto out;
	}
	if (json_parse(&doc, value, valuelen, 0, jerr, sizeof(jerr)) == -1) {
		snprintf(err, errsz, "filters[%zu]: value is not JSON (%s)", i,
		    jerr);
		goto out;
	}
	t = doc.d_tok[0].t_type;
	if (strcmp(op, "gt") == 0 || strcmp(op, "lt") == 0) {
		raw = json_raw(&doc, 0, &len);
		if (t != JSON_NUMBER || !number_ok(raw, len)) {
			snprintf(err, errsz, "filters[%zu]: %s compares numbers: "
			    "value must be a JSON number such as 1000 or 2.5 "
			    "(at most 30 digits before and after the point)",
			    i, op);
			goto out;
		}
		buf_add(&canon, raw, len);
	} else if (strcmp(op, "in") == 0) {
		if (t != JSON_ARRAY || doc.d_tok[0].t_size < 1 ||
		    doc.d_tok[0].t_size > EP_IN_MAX) {
			snprintf(err, errsz, "filters[%zu]: in needs a list of "
			    "1 to %d values, such as [\"high\", \"critical\"]",
			    i, EP_IN_MAX);
			goto out;
		}
		buf_putc(&canon, '[');
		for (k = 0, e = 1; k < (size_t)doc.d_tok[0].t_size; k++,
		    e = json_skip(&doc, e)) {
			if (k > 0)
				buf_putc(&canon, ',');
			if (canon_scalar(&doc, e, &canon, why, sizeof(why))
			    == -1) {
				snprintf(err, errsz, "filters[%zu]: value %zu of "
				    "the list is %s; use strings, numbers, "
				    "true, false or null", i, k + 1, why);
				goto out;
			}
		}
		buf_putc(&canon, ']');
	} else if (canon_scalar(&doc, 0, &canon, why, sizeof(why)) == -1) {
		snprintf(err, errsz, "filters[%zu]: %s compares one value and "
		    "this one is %s; use a string, a number, true, false or "
		    "null%s", i, op, why, t == JSON_ARRAY ? " (or op \"in\" "
		    "for a list)" : "");
		goto out;
	}
	if (canon.b_len > EP_VALUE_MAX) {
		snprintf(err, errsz, "filters[%zu]: value is too long (at most "
		    "%d bytes of JSON)", i, EP_VALUE_MAX);
		goto out;
	}
	out->ef_value = xstrdup(buf_cstr(&canon));
	rc = 0;
out:
	if (rc == 0) {
		out->ef_path = xstrdup(path);
		out->ef_op = xstrdup(op);
	} else
		endpoint_filters_free(out, 1);
	json_free(&doc);
	buf_free(&jp);
	buf_free(&canon);
	return rc;
}

/* One value of the admin form's box as JSON: itself if it is a JSON
 * scalar (or, with arrays, any JSON), else a string. */
static void
text_value(const char *s, size_t n, int arrays, struct buf *out)
{
	struct json_doc	 doc;

	if (json_parse(&doc, s, n, 0, NULL, 0) == 0) {
		if (arrays || (doc.d_tok[0].t_type != JSON_OBJECT &&
		    doc.d_tok[0].t_type != JSON_ARRAY)) {
			buf_add(out, s, n);
			json_free(&doc);
			return;
		}
		json_free(&doc);
	}
	jw_strn(out, s, n);
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

void
endpoint_filter_text(const char *op, const char *text, struct buf *json)
{
	struct json_doc	 doc;
	const char	*s = text, *c;
	size_t		 n = strlen(text), k;

	trim(&s, &n);
	if (op == NULL || strcmp(op, "in") != 0) {
		text_value(s, n, 1, json);
		return;
	}
	if (json_parse(&doc, s, n, 0, NULL, 0) == 0) {
		k = doc.d_tok[0].t_type == JSON_ARRAY;
		json_free(&doc);
		if (k) {
			buf_add(json, s, n);
			return;
		}
	}
	/* high, critical: a list by commas (a comma inside a value needs
	 * the JSON form ["a,b"]). */
	buf_putc(json, '[');
	for (k = 0; ; k++) {
		c = memchr(s, ',', n);
		if (k > 0)
			buf_putc(json, ',');
		{
			const char	*v = s;
			size_t		 vn = c != NULL ? (size_t)(c - s) : n;

			trim(&v, &vn);
			text_value(v, vn, 0, json);
		}
		if (c == NULL)
			break;
		n -= (size_t)(c - s) + 1;
		s = c + 1;
	}
	buf_putc(json, ']');
}

static int
header_name_ok(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$%&'*+-.^_`|~", *s)
		    != NULL))
			return 0;
	return n > 0 && n <= EP_HNAME_MAX;
}

int
endpoint_check_header(const struct ep_header *h, char *err, size_t errsz)
{
	const char	*v;
	size_t		 k, n;

	if (!header_name_ok(h->eh_name)) {
		snprintf(err, errsz, "headers: \"%.*s\" is not a header name; "
		    "use letters, digits and - (1 to %d characters), such as "
		    "\"Authorization\" or \"X-Api-Key\"", clip(h->eh_name, 80),
		    h->eh_name, EP_HNAME_MAX);
		return -1;
	}
	for (k = 0; k < sizeof(header_refused) / sizeof(header_refused[0]);
	    k++)
		if (strcasecmp(h->eh_name, header_refused[k]) == 0) {
			snprintf(err, errsz, "headers: %s is set by the "
			    "connection or by us and cannot be replaced; "
			    "remove it", h->eh_name);
			return -1;
		}
	for (k = 0; k < sizeof(header_refused_prefix) /
	    sizeof(header_refused_prefix[0]); k++) {
		n = strlen(header_refused_prefix[k]);
		if (strncasecmp(h->eh_name, header_refused_prefix[k], n) == 0) {
			snprintf(err, errsz, "headers: names starting with %s "
			    "are ours (signatures and delivery ids); pick "
			    "another name for %s", header_refused_prefix[k],
			    h->eh_name);
			return -1;
		}
	}
	if ((v = h->eh_value) == NULL)
		return 0;
	n = strlen(v);
	for (k = 0; k < n; k++)
		if (v[k] < 0x20 || v[k] > 0x7e)
			break;
	if (n == 0 || n > EP_HVALUE_MAX || k < n) {
		snprintf(err, errsz, "headers: the value of %s must be 1 to %d "
		    "printable ASCII characters, on one line", h->eh_name,
		    EP_HVALUE_MAX);
		return -1;
	}
	return 0;
}

int
endpoint_check_headers(const struct ep_header *h, size_t n, char *err,
    size_t errsz)
{
	size_t	 i, j;

	if (n > EP_HEADERS_MAX) {
		snprintf(err, errsz, "headers: at most %d custom headers",
		    EP_HEADERS_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (endpoint_check_header(&h[i], err, errsz) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcasecmp(h[i].eh_name, h[j].eh_name) == 0) {
				snprintf(err, errsz, "headers: %s is given "
				    "twice (names are case-insensitive); keep "
				    "one", h[i].eh_name);
				return -1;
			}
	}
	return 0;
}

char *
endpoint_secret_new(void)
{
	unsigned char	 raw[32];
	struct buf	 b;

	if (cr_random(raw, sizeof(raw)) == -1)
		return NULL;
	buf_init(&b);
	buf_puts(&b, "whsec_");
	cr_b64_encode(raw, sizeof(raw), 0, &b);
	OPENSSL_cleanse(raw, sizeof(raw));
	return buf_release(&b);
}

/* Seal secret for endpoints.secret_sealed: 0, or -1 (no master key). */
static int
seal(const char *secret, struct buf *out)
{
	buf_reset(out);
	return cr_seal(secret, strlen(secret), out);
}

/* The secret to store: given (copied) or generated, in *secret, and its
 * sealed form.  0, or -1 with *secret NULL. */
static int
secret_prepare(const char *given, char **secret, struct buf *sealed)
{
	*secret = given != NULL ? xstrdup(given) : endpoint_secret_new();
	if (*secret != NULL && seal(*secret, sealed) == 0)
		return 0;
	endpoint_secret_free(secret);
	return -1;
}

/* Replace the endpoint's subscriptions; inside the caller's transaction. */
static int
set_events(struct db *db, unsigned long long tenant, unsigned long long id,
    char **ev, size_t n)
{
	size_t	 i;

	if (db_exec(db, "DELETE FROM endpoint_events WHERE endpoint_id = ?",
	    "u", id) == -1)
		return -1;
	/* A repeated pattern is harmless: keep one. */
	for (i = 0; i < n; i++)
		if (db_exec(db, "INSERT INTO endpoint_events (endpoint_id,"
		    " tenant_id, pattern) VALUES (?, ?, ?) ON DUPLICATE KEY"
		    " UPDATE pattern = pattern", "uus", id, tenant, ev[i])
		    == -1)
			return -1;
	return 0;
}

/* Replace the endpoint's filters; inside the caller's transaction. */
static int
set_filters(struct db *db, unsigned long long tenant, unsigned long long id,
    const struct ep_filter *f, size_t n)
{
	struct buf	 jp;
	size_t		 i;
	int		 gtlt, rc = -1;

	if (db_exec(db, "DELETE FROM endpoint_filters WHERE endpoint_id = ?",
	    "u", id) == -1)
		return -1;
	buf_init(&jp);
	for (i = 0; i < n; i++) {
		buf_reset(&jp);
		/* Checked by endpoint_filter_make already. */
		if (filter_path(f[i].ef_path, &jp) == -1)
			goto out;
		gtlt = strcmp(f[i].ef_op, "gt") == 0 ||
		    strcmp(f[i].ef_op, "lt") == 0;
		if (db_exec(db, "INSERT INTO endpoint_filters (endpoint_id,"
		    " position, tenant_id, path, json_path, op, value, num)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS DOUBLE))",
		    "uiusssss", id, (long long)i, tenant, f[i].ef_path,
		    buf_cstr(&jp), f[i].ef_op, f[i].ef_value,
		    gtlt ? f[i].ef_value : NULL) == -1)
			goto out;
	}
	/* The filtered-events counter's slots exist from now on, so ingest
	 * only updates rows (record locks) and never inserts them (gap
	 * locks, which concurrent inserts can deadlock on). */
	if (n > 0 && db_exec(db, "INSERT INTO endpoint_stats (endpoint_id,"
	    " slot, filtered) SELECT ?, s.n, 0 FROM JSON_TABLE("
	    "'[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]', '$[*]' COLUMNS"
	    " (n TINYINT UNSIGNED PATH '$')) s ON DUPLICATE KEY UPDATE"
	    " filtered = endpoint_stats.filtered", "u", id) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&jp);
	return rc;
}

/* The value of header name in "Name: value\n" lines, or NULL. */
static const char *
lines_find(const char *lines, const char *name, size_t *vlen)
{
	const char	*p = lines, *eol, *colon;

	for (; *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon != NULL && (size_t)(colon - p) == strlen(name) &&
		    strncasecmp(p, name, strlen(name)) == 0 && colon[1] == ' ') {
			*vlen = (size_t)(eol - colon - 2);
			return colon + 2;
		}
		if (*eol == '\0')
			break;
	}
	return NULL;
}

/* Open a sealed column value into out: 0, or -1 (master key). */
static int
open_col(const struct dbres *r, size_t row, unsigned col, struct buf *out)
{
	buf_reset(out);
	return cr_open(dbres_get(r, row, col), dbres_len(r, row, col), out);
}

/* The integration columns an endpoint gets from es over what it has now
 * (cur: a row of format, pagerduty_key_sealed, headers_sealed; NULL on
 * create).  Sealed values come back malloc'd or NULL. */
struct integ {
	const char	*in_format;
	char		*in_pdkey;
	char		*in_headers;
};

static enum ep_err
integ_prepare(const struct endpoint_set *es, const struct dbres *cur,
    struct integ *out, char *err, size_t errsz)
{
	struct buf	 sealed, lines, old;
	const char	*v, *curfmt = cur ? dbres_get(cur, 0, 0) : NULL;
	size_t		 i, vlen;
	int		 pd, oldopen = 0;
	enum ep_err	 rc = EP_INVALID;

	memset(out, 0, sizeof(*out));
	buf_init(&sealed);
	buf_init(&lines);
	buf_init(&old);
	out->in_format = es->es_format != NULL ? es->es_format :
	    curfmt != NULL ? curfmt : "momentumpro";
	pd = strcmp(out->in_format, "pagerduty") == 0;
	if (es->es_routing_key != NULL && !pd) {
		snprintf(err, errsz, "pagerduty_routing_key: only used when "
		    "format is \"pagerduty\"; set that format too, or leave "
		    "the key out");
		goto out;
	}
	if (pd && es->es_routing_key != NULL) {
		if (cr_seal(es->es_routing_key, strlen(es->es_routing_key),
		    &sealed) == -1) {
			rc = EP_SEAL;
			goto out;
		}
		out->in_pdkey = xstrdup(buf_cstr(&sealed));
	} else if (pd && cur != NULL && dbres_get(cur, 0, 1) != NULL)
		out->in_pdkey = xstrdup(dbres_get(cur, 0, 1));
	else if (pd) {
		snprintf(err, errsz, "pagerduty_routing_key: required with "
		    "format \"pagerduty\": the %d-character integration key "
		    "of an Events API v2 integration on your PagerDuty service",
		    EP_PDKEY_LEN);
		goto out;
	}
	if (!es->es_headers_set) {
		if (cur != NULL && dbres_get(cur, 0, 2) != NULL)
			out->in_headers = xstrdup(dbres_get(cur, 0, 2));
		rc = EP_OK;
		goto out;
	}
	for (i = 0; i < es->es_nheaders; i++) {
		v = es->es_headers[i].eh_value;
		vlen = v != NULL ? strlen(v) : 0;
		if (v == NULL) {
			/* "Leave blank to keep": the value stored under
			 * this name. */
			if (!oldopen && cur != NULL && dbres_get(cur, 0, 2) !=
			    NULL) {
				if (open_col(cur, 0, 2, &old) == -1) {
					rc = EP_SEAL;
					goto out;
				}
				oldopen = 1;
			}
			if (!oldopen || (v = lines_find(buf_cstr(&old),
			    es->es_headers[i].eh_name, &vlen)) == NULL) {
				snprintf(err, errsz, "headers: %s has no value "
				    "yet; give one", es->es_headers[i].eh_name);
				goto out;
			}
		}
		buf_puts(&lines, es->es_headers[i].eh_name);
		buf_puts(&lines, ": ");
		buf_add(&lines, v, vlen);
		buf_putc(&lines, '\n');
	}
	if (lines.b_len > 0) {
		buf_reset(&sealed);
		if (cr_seal(lines.b_data, lines.b_len, &sealed) == -1) {
			rc = EP_SEAL;
			goto out;
		}
		out->in_headers = xstrdup(buf_cstr(&sealed));
	}
	rc = EP_OK;
out:
	if (rc != EP_OK) {
		free(out->in_pdkey);
		free(out->in_headers);
		memset(out, 0, sizeof(*out));
	}
	buf_free(&sealed);
	cr_wipe(&lines);
	cr_wipe(&old);
	return rc;
}

static void
integ_free(struct integ *in)
{
	free(in->in_pdkey);
	free(in->in_headers);
}

enum ep_err
endpoint_owned(struct db *db, unsigned long long tenant,
    unsigned long long id, int lock)
{
	struct dbres	*r;
	int		 found;

	if (db_query(db, &r, lock ? "SELECT id FROM endpoints WHERE id = ? AND"
	    " tenant_id = ? FOR UPDATE" : "SELECT id FROM endpoints WHERE"
	    " id = ? AND tenant_id = ?", "uu", id, tenant) == -1)
		return EP_DB;
	found = r->r_nrow == 1;
	dbres_free(r);
	return found ? EP_OK : EP_NOTFOUND;
}

static enum ep_err
finish(struct db *db, enum ep_err rc)
{
	if (rc == EP_OK && db_commit(db) == -1)
		rc = EP_DB;
	if (rc != EP_OK)
		db_rollback(db);
	return rc;
}

enum ep_err
endpoint_create(struct db *db, unsigned long long tenant,
    const struct endpoint_set *es, unsigned long long *id, char **secret,
    char *err, size_t errsz)
{
	struct buf	 sealed;
	struct integ	 in;
	enum ep_err	 rc = EP_DB;

	buf_init(&sealed);
	memset(&in, 0, sizeof(in));
	if (secret_prepare(es->es_secret, secret, &sealed) == -1) {
		rc = EP_SEAL;
		goto out;
	}
	if ((rc = integ_prepare(es, NULL, &in, err, errsz)) != EP_OK)
		goto out;
	rc = EP_DB;
	if (db_begin(db) == -1)
		goto out;
	if (db_exec(db, "INSERT INTO endpoints (tenant_id, url, description,"
	    " enabled, standard_webhooks, secret_sealed, format,"
	    " pagerduty_key_sealed, headers_sealed) VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?)", "ussiissss", tenant, es->es_url,
	    es->es_description != NULL ? es->es_description : "",
	    (long long)(es->es_enabled != 0),
	    (long long)(es->es_standard_webhooks == 1), buf_cstr(&sealed),
	    in.in_format, in.in_pdkey, in.in_headers) != -1) {
		*id = db_insert_id(db);
		if (set_events(db, tenant, *id, es->es_events,
		    es->es_nevents) == 0 && (!es->es_filters_set ||
		    set_filters(db, tenant, *id, es->es_filters,
		    es->es_nfilters) == 0))
			rc = EP_OK;
	}
	rc = finish(db, rc);
out:
	if (rc != EP_OK)
		endpoint_secret_free(secret);
	integ_free(&in);
	buf_free(&sealed);
	return rc;
}

static void
from_row(const struct dbres *r, size_t i, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->ep_id = (unsigned long long)dbres_int(r, i, 0);
	ep->ep_tenant = (unsigned long long)dbres_int(r, i, 1);
	ep->ep_url = xstrdup(dbres_get(r, i, 2));
	ep->ep_description = xstrdup(dbres_get(r, i, 3));
	ep->ep_enabled = dbres_int(r, i, 4) != 0;
	if (dbres_get(r, i, 5) != NULL)
		ep->ep_disabled_reason = xstrdup(dbres_get(r, i, 5));
	ep->ep_standard_webhooks = dbres_int(r, i, 6) != 0;
	snprintf(ep->ep_created_at, sizeof(ep->ep_created_at), "%s",
	    dbres_get(r, i, 7));
	snprintf(ep->ep_updated_at, sizeof(ep->ep_updated_at), "%s",
	    dbres_get(r, i, 8));
	ep->ep_format = xstrdup(dbres_get(r, i, EC_FORMAT));
}

/* The routing key as "••••" and its last four characters, and each
 * custom header with its value masked: enough to recognise them, not
 * to use them.  -1 if they do not open with the master key. */
static int
masks_from_row(const struct dbres *r, size_t i, struct endpoint *ep)
{
	struct buf	 clear, m;
	const char	*p, *eol, *colon;
	int		 rc = -1;

	buf_init(&clear);
	buf_init(&m);
	if (dbres_get(r, i, EC_PDKEY) != NULL) {
		if (open_col(r, i, EC_PDKEY, &clear) == -1)
			goto out;
		buf_puts(&m, "••••");
		if (clear.b_len >= 4)
			buf_add(&m, clear.b_data + clear.b_len - 4, 4);
		ep->ep_routing_key = buf_release(&m);
	}
	if (dbres_get(r, i, EC_HEADERS) != NULL) {
		if (open_col(r, i, EC_HEADERS, &clear) == -1)
			goto out;
		for (p = buf_cstr(&clear); *p != '\0'; p = eol + 1) {
			if ((eol = strchr(p, '\n')) == NULL)
				break;
			if ((colon = memchr(p, ':', (size_t)(eol - p))) ==
			    NULL || colon + 1 >= eol)
				continue;
			ep->ep_headers = xrealloc(ep->ep_headers,
			    (ep->ep_nheaders + 1) * sizeof(*ep->ep_headers));
			ep->ep_headers[ep->ep_nheaders].eh_name = xstrndup(p,
			    (size_t)(colon - p));
			buf_init(&m);
			payload_mask(colon + 2, (size_t)(eol - colon - 2), &m);
			ep->ep_headers[ep->ep_nheaders++].eh_value =
			    buf_release(&m);
		}
	}
	rc = 0;
out:
	cr_wipe(&clear);
	buf_free(&m);
	return rc;
}

static void
add_filter(struct endpoint *ep, const struct dbres *r, size_t i,
    unsigned col)
{
	struct ep_filter	*f;
	const char		*v = dbres_get(r, i, col + 2);

	ep->ep_filters = xrealloc(ep->ep_filters, (ep->ep_nfilters + 1) *
	    sizeof(*ep->ep_filters));
	f = &ep->ep_filters[ep->ep_nfilters++];
	f->ef_path = xstrdup(dbres_get(r, i, col));
	f->ef_op = xstrdup(dbres_get(r, i, col + 1));
	f->ef_value = v != NULL ? xstrdup(v) : NULL;
}

/* Add row i of r, from column col on, to ep: a pattern, or a filter's
 * path, op and value. */
typedef void	(*row_add_fn)(struct endpoint *, const struct dbres *,
		    size_t i, unsigned col);

static void
add_event(struct endpoint *ep, const struct dbres *r, size_t i, unsigned col)
{
	ep->ep_events = xrealloc(ep->ep_events, (ep->ep_nevents + 1) *
	    sizeof(char *));
	ep->ep_events[ep->ep_nevents++] = xstrdup(dbres_get(r, i, col));
}

/* The rows of query sql (column 0 the endpoint id, in id order; bound to
 * the page's first and last id and the tenant) added to the endpoints of
 * the page, which are in id order too. */
static int
page_rows(struct db *db, const char *sql, unsigned long long tenant,
    struct endpoint *eps, size_t n, row_add_fn add)
{
	struct dbres		*r;
	size_t			 i, j;
	unsigned long long	 eid;

	if (db_query(db, &r, sql, "uuu", eps[0].ep_id, eps[n - 1].ep_id,
	    tenant) == -1)
		return -1;
	for (i = 0, j = 0; i < r->r_nrow; i++) {
		eid = (unsigned long long)dbres_int(r, i, 0);
		while (j < n && eps[j].ep_id < eid)
			j++;
		if (j < n && eps[j].ep_id == eid)
			add(&eps[j], r, i, 1);
	}
	dbres_free(r);
	return 0;
}

enum ep_err
endpoint_get(struct db *db, unsigned long long tenant, unsigned long long id,
    struct endpoint *ep)
{
	struct dbres	*r;
	size_t		 i;

	memset(ep, 0, sizeof(*ep));
	if (db_query(db, &r, "SELECT " EP_COLS " FROM endpoints WHERE id = ?"
	    " AND tenant_id = ?", "uu", id, tenant) == -1)
		return EP_DB;
	if (r->r_nrow != 1) {
		dbres_free(r);
		return EP_NOTFOUND;
	}
	from_row(r, 0, ep);
	if (masks_from_row(r, 0, ep) == -1) {
		dbres_free(r);
		endpoint_free(ep);
		return EP_SEAL;
	}
	dbres_free(r);
	if (db_query(db, &r, "SELECT pattern FROM endpoint_events WHERE"
	    " endpoint_id = ? ORDER BY pattern", "u", id) == -1) {
		endpoint_free(ep);
		return EP_DB;
	}
	for (i = 0; i < r->r_nrow; i++)
		add_event(ep, r, i, 0);
	dbres_free(r);
	if (db_query(db, &r, "SELECT path, op, value FROM endpoint_filters"
	    " WHERE endpoint_id = ? ORDER BY position", "u", id) == -1) {
		endpoint_free(ep);
		return EP_DB;
	}
	for (i = 0; i < r->r_nrow; i++)
		add_filter(ep, r, i, 0);
	dbres_free(r);
	return EP_OK;
}

enum ep_err
endpoint_list(struct db *db, unsigned long long tenant,
    unsigned long long after, size_t limit, struct endpoint **out,
    size_t *n, int *more)
{
	struct dbres		*r;
	struct endpoint		*eps;
	size_t			 i;

	*out = NULL;
	*n = 0;
	*more = 0;
	if (db_query(db, &r, "SELECT " EP_COLS " FROM endpoints WHERE"
	    " tenant_id = ? AND id > ? ORDER BY id LIMIT ?", "uui", tenant,
	    after, (long long)limit + 1) == -1)
		return EP_DB;
	if (r->r_nrow > limit)
		*more = 1;
	*n = r->r_nrow > limit ? limit : r->r_nrow;
	eps = xcalloc(*n ? *n : 1, sizeof(*eps));
	for (i = 0; i < *n; i++) {
		from_row(r, i, &eps[i]);
		if (masks_from_row(r, i, &eps[i]) == -1) {
			dbres_free(r);
			endpoint_free_list(eps, i + 1);
			*n = 0;
			return EP_SEAL;
		}
	}
	dbres_free(r);
	/* Every subscription and filter of the page in one query each,
	 * merged by id. */
	if (*n > 0 && (page_rows(db, "SELECT endpoint_id, pattern FROM"
	    " endpoint_events WHERE endpoint_id BETWEEN ? AND ? AND"
	    " tenant_id = ? ORDER BY endpoint_id, pattern", tenant, eps, *n,
	    add_event) == -1 || page_rows(db, "SELECT endpoint_id, path, op,"
	    " value FROM endpoint_filters WHERE endpoint_id BETWEEN ? AND ?"
	    " AND tenant_id = ? ORDER BY endpoint_id, position", tenant, eps,
	    *n, add_filter) == -1)) {
		endpoint_free_list(eps, *n);
		*n = 0;
		return EP_DB;
	}
	*out = eps;
	return EP_OK;
}

/* A tri-state flag as SQL text: NULL keeps the column (COALESCE). */
static const char *
flag(int v)
{
	return v == -1 ? NULL : v ? "1" : "0";
}

enum ep_err
endpoint_update(struct db *db, unsigned long long tenant,
    unsigned long long id, const struct endpoint_set *es, char *err,
    size_t errsz)
{
	struct buf	 sealed;
	struct dbres	*cur = NULL;
	struct integ	 in;
	enum ep_err	 rc = EP_DB;
	int		 integ = es->es_format != NULL ||
			    es->es_routing_key != NULL || es->es_headers_set;

	buf_init(&sealed);
	memset(&in, 0, sizeof(in));
	if (es->es_secret != NULL && seal(es->es_secret, &sealed) == -1) {
		buf_free(&sealed);
		return EP_SEAL;
	}
	if (db_begin(db) == -1)
		goto out;
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		goto out;
	rc = EP_DB;
	if (db_exec(db, "UPDATE endpoints SET url = COALESCE(?, url),"
	    " description = COALESCE(?, description),"
	    " secret_sealed = COALESCE(?, secret_sealed),"
	    " enabled = COALESCE(?, enabled),"
	    " disabled_reason = IF(? = '1', NULL, disabled_reason),"
	    " standard_webhooks = COALESCE(?, standard_webhooks),"
	    " updated_at = NOW(3) WHERE id = ?", "ssssssu", es->es_url,
	    es->es_description, es->es_secret != NULL ? buf_cstr(&sealed) :
	    NULL, flag(es->es_enabled), flag(es->es_enabled),
	    flag(es->es_standard_webhooks), id) == -1)
		goto out;
	/* What the integration columns become depends on what they hold:
	 * read under the row lock taken above. */
	if (integ) {
		if (db_query(db, &cur, "SELECT format, pagerduty_key_sealed,"
		    " headers_sealed FROM endpoints WHERE id = ?", "u", id)
		    == -1)
			goto out;
		if ((rc = integ_prepare(es, cur, &in, err, errsz)) != EP_OK)
			goto out;
		rc = EP_DB;
		if (db_exec(db, "UPDATE endpoints SET format = ?,"
		    " pagerduty_key_sealed = ?, headers_sealed = ? WHERE id = ?",
		    "sssu", in.in_format, in.in_pdkey, in.in_headers, id) == -1)
			goto out;
	}
	if (es->es_enabled == 0 && delivery_pause_endpoint(db, id) == -1)
		goto out;
	if (es->es_enabled == 1 && delivery_resume_endpoint(db, id) == -1)
		goto out;
	if (es->es_events != NULL && set_events(db, tenant, id, es->es_events,
	    es->es_nevents) == -1)
		goto out;
	if (es->es_filters_set && set_filters(db, tenant, id, es->es_filters,
	    es->es_nfilters) == -1)
		goto out;
	rc = EP_OK;
out:
	integ_free(&in);
	dbres_free(cur);
	buf_free(&sealed);
	return finish(db, rc);
}

enum ep_err
endpoint_delete(struct db *db, unsigned long long tenant,
    unsigned long long id)
{
	enum ep_err	 rc;

	if (db_begin(db) == -1)
		return EP_DB;
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		return finish(db, rc);
	/* Deliveries keep their history; only waiting ones are closed, so
	 * no dispatcher goes looking for an endpoint that is gone. */
	rc = EP_DB;
	if (delivery_fail_endpoint(db, id, "endpoint deleted") != -1 &&
	    db_exec(db, "DELETE FROM endpoint_events WHERE endpoint_id = ?",
	    "u", id) != -1 &&
	    db_exec(db, "DELETE FROM endpoints WHERE id = ?", "u", id) != -1)
		rc = EP_OK;
	return finish(db, rc);
}

enum ep_err
endpoint_rotate_secret(struct db *db, unsigned long long tenant,
    unsigned long long id, char **secret)
{
	struct buf	 sealed;
	long long	 n;

	buf_init(&sealed);
	if (secret_prepare(NULL, secret, &sealed) == -1) {
		buf_free(&sealed);
		return EP_SEAL;
	}
	/* The sealed text has a fresh nonce, so a match always changes. */
	n = db_exec(db, "UPDATE endpoints SET secret_sealed = ?,"
	    " updated_at = NOW(3) WHERE id = ? AND tenant_id = ?", "suu",
	    buf_cstr(&sealed), id, tenant);
	buf_free(&sealed);
	if (n == 1)
		return EP_OK;
	endpoint_secret_free(secret);
	return n == -1 ? EP_DB : EP_NOTFOUND;
}

enum ep_err
endpoint_secret_get(struct db *db, unsigned long long tenant,
    unsigned long long id, char **secret)
{
	struct dbres	*r;
	struct buf	 b;
	enum ep_err	 rc;

	*secret = NULL;
	if (db_query(db, &r, "SELECT secret_sealed FROM endpoints WHERE id = ?"
	    " AND tenant_id = ?", "uu", id, tenant) == -1)
		return EP_DB;
	buf_init(&b);
	if (r->r_nrow != 1)
		rc = EP_NOTFOUND;
	else if (open_col(r, 0, 0, &b) == -1)
		rc = EP_SEAL;
	else {
		*secret = buf_release(&b);
		rc = EP_OK;
	}
	cr_wipe(&b);
	dbres_free(r);
	return rc;
}

enum ep_err
endpoint_test(struct db *db, unsigned long long tenant,
    unsigned long long id, const char *type, unsigned long long *event_id,
    unsigned long long *delivery_id, char *err, size_t errsz)
{
	struct dbres	*r = NULL;
	char		*deftype = NULL, *example = NULL, at[32];
	long long	 n;
	enum ep_err	 rc;

	if (db_begin(db) == -1)
		return EP_DB;
	/* Locked so a concurrent delete cannot orphan the delivery. */
	if ((rc = endpoint_owned(db, tenant, id, 1)) != EP_OK)
		goto out;
	rc = EP_DB;
	if (type != NULL && strlen(type) > 100) {
		snprintf(err, errsz, "event: not an event type (too long)");
		rc = EP_INVALID;
		goto out;
	}
	if (type == NULL) {
		if (db_query(db, &r, "SELECT pattern FROM endpoint_events"
		    " WHERE endpoint_id = ? AND pattern NOT LIKE '%*'"
		    " ORDER BY pattern LIMIT 1", "u", id) == -1)
			goto out;
		deftype = xstrdup(r->r_nrow == 1 ? dbres_get(r, 0, 0) :
		    "leave.approved");
		type = deftype;
	}
	util_rfc3339_fmt(util_now_ms(), 0, at);
	if (catalog_example(db, type, &example) == -1)
		goto out;
	if (example == NULL) {
		snprintf(err, errsz, "event: unknown event type \"%s\"; see "
		    "GET /api/v1/event-types", type);
		rc = EP_INVALID;
		goto out;
	}
	n = db_exec(db, "INSERT INTO events (tenant_id, event_type,"
	    " occurred_at, data) VALUES (?, ?, ?, ?)", "usss", tenant, type,
	    at, example);
	if (n == -1)
		goto out;
	*event_id = db_insert_id(db);
	if (db_exec(db, "INSERT INTO deliveries (tenant_id, event_id,"
	    " endpoint_id, status, next_attempt_at) VALUES (?, ?, ?,"
	    " 'pending', NOW(3))", "uuu", tenant, *event_id, id) == -1)
		goto out;
	*delivery_id = db_insert_id(db);
	rc = EP_OK;
out:
	dbres_free(r);
	free(deftype);
	free(example);
	return finish(db, rc);
}

void
endpoint_secret_free(char **secret)
{
	if (*secret != NULL)
		OPENSSL_cleanse(*secret, strlen(*secret));
	free(*secret);
	*secret = NULL;
}

void
endpoint_filters_free(struct ep_filter *f, size_t n)
{
	size_t	 i;

	for (i = 0; f != NULL && i < n; i++) {
		free(f[i].ef_path);
		free(f[i].ef_op);
		free(f[i].ef_value);
		memset(&f[i], 0, sizeof(f[i]));
	}
}

void
endpoint_headers_free(struct ep_header *h, size_t n)
{
	size_t	 i;

	for (i = 0; h != NULL && i < n; i++) {
		free(h[i].eh_name);
		if (h[i].eh_value != NULL)
			OPENSSL_cleanse(h[i].eh_value, strlen(h[i].eh_value));
		free(h[i].eh_value);
		memset(&h[i], 0, sizeof(h[i]));
	}
}

void
endpoint_free(struct endpoint *ep)
{
	size_t	 i;

	if (ep == NULL)
		return;
	free(ep->ep_url);
	free(ep->ep_description);
	free(ep->ep_disabled_reason);
	for (i = 0; i < ep->ep_nevents; i++)
		free(ep->ep_events[i]);
	free(ep->ep_events);
	free(ep->ep_format);
	free(ep->ep_routing_key);
	endpoint_filters_free(ep->ep_filters, ep->ep_nfilters);
	free(ep->ep_filters);
	endpoint_headers_free(ep->ep_headers, ep->ep_nheaders);
	free(ep->ep_headers);
	memset(ep, 0, sizeof(*ep));
}

void
endpoint_free_list(struct endpoint *eps, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		endpoint_free(&eps[i]);
	free(eps);
}

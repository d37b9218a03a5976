/* The endpoint model: validation of every field (see endpoint.h). */
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

#include "endpoint_priv.h"

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

int
endpoint_check_url(const char *url, int allow_private,
    const struct ng_ports *ports, char *err, size_t errsz)
{
	char	 why[512];

	if (url_validate_endpoint(url, allow_private, why, sizeof(why)) == 0 &&
	    url_check_port(url, allow_private, ports, why, sizeof(why)) == 0)
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
endpoint_check_overlap(const char *s, long long *seconds, char *err,
    size_t errsz)
{
	long long	 ms;

	if (util_parse_duration_ms(s, &ms) == -1 || ms % 1000 != 0 ||
	    ms > (long long)EP_OVERLAP_MAX * 1000) {
		snprintf(err, errsz, "overlap: a duration in whole seconds "
		    "from 0 (the old secret stops signing at once) to 7d, "
		    "e.g. \"24h\", \"30m\" or \"0\"");
		return -1;
	}
	*seconds = ms / 1000;
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
int
ep_filter_path(const char *path, struct buf *jp)
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
	if (ep_filter_path(path, &jp) == -1) {
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

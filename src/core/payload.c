/* The body and headers of one delivery attempt (see payload.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "crypto.h"
#include "json.h"
#include "jsonw.h"
#include "payload.h"
#include "utf8.h"
#include "util.h"
#include "version.h"

typedef int	(*payload_body_fn)(const struct payload_src *, struct buf *,
		    char *err, size_t errsz);

/* Slack's limits for the pieces of a message, and PagerDuty's. */
#define SLACK_FIELDS	10	/* fields of a section */
#define SLACK_VALUE	200	/* characters of a field's value (ours) */
#define SLACK_SUBJECT	500
#define SLACK_TEXT	3000	/* bytes here, a safe bound on characters */
#define PD_SUMMARY	1024
#define PD_SOURCE	255

/* The seed's shape, contract: data goes out byte for byte as ingested,
 * so a producer's number formatting and escapes survive untouched. */
static int
body_momentumpro(const struct payload_src *ps, struct buf *b, char *err,
    size_t errsz)
{
	(void)err;
	(void)errsz;
	buf_puts(b, "{\"event\":");
	jw_str(b, ps->ps_type);
	buf_puts(b, ",\"occurred_at\":");
	jw_str(b, ps->ps_occurred_at);
	buf_puts(b, ",\"data\":");
	buf_add(b, ps->ps_data, ps->ps_data_len);
	buf_putc(b, '}');
	return 0;
}

/* ---------------------------------------------------------------- the event, for people */

/* What the Slack and PagerDuty bodies say about an event, read from its
 * data: the subject ("Forklift collision with racking"), who is
 * concerned and the link to the record, when the data has them. */
struct summary {
	struct json_doc	 sm_doc;
	int		 sm_ok;		/* data parsed */
	char		 sm_headline[128];	/* "Incident reported" */
	int		 sm_subject;	/* tokens, or -1 */
	int		 sm_subject_key;
	int		 sm_who;
	int		 sm_who_key;
	char		*sm_url;	/* safe http(s) URL, or NULL */
};

static const char *const subject_keys[] = {
	"title", "subject", "number", "name", "course_title", "task_title",
	"plan_name", "cycle_name"
};
static const char *const who_keys[] = {
	"employee_name", "reported_by_name", "candidate_name",
	"customer_name", "supplier_name", "requested_by_name", "user_name"
};

/* Value token of top-level string member key, or -1. */
static int
str_member(const struct summary *sm, const char *key, int *keytok)
{
	const struct json_doc	*d = &sm->sm_doc;
	int			 i, k;

	if (!sm->sm_ok)
		return -1;
	for (i = 0, k = 1; i < d->d_tok[0].t_size; i++, k = json_skip(d,
	    k + 1))
		if (json_streq(d, k, key)) {
			if (d->d_tok[k + 1].t_type != JSON_STRING ||
			    d->d_tok[k + 1].t_end == d->d_tok[k + 1].t_start)
				return -1;
			if (keytok != NULL)
				*keytok = k;
			return k + 1;
		}
	return -1;
}

/* Does string token k end with suffix (raw, ASCII keys)? */
static int
key_ends(const struct json_doc *d, int k, const char *suffix)
{
	size_t	 n = (size_t)(d->d_tok[k].t_end - d->d_tok[k].t_start);
	size_t	 m = strlen(suffix);

	return n > m && memcmp(d->d_js + d->d_tok[k].t_end - m, suffix, m)
	    == 0;
}

/* "incident.reported" as "Incident reported". */
static void
headline(const char *type, char *out, size_t outsz)
{
	size_t	 i;

	if (strncmp(type, "po.", 3) == 0)
		snprintf(out, outsz, "Purchase order %s", type + 3);
	else
		snprintf(out, outsz, "%s", type);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == '.' || out[i] == '_')
			out[i] = ' ';
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

/* A link we can put in a message: http(s), printable ASCII, none of
 * the characters that end a Slack link. */
static char *
safe_url(const struct summary *sm)
{
	char	*u;
	size_t	 i;
	int	 v;

	if ((v = str_member(sm, "url", NULL)) == -1 ||
	    (u = json_strdup(&sm->sm_doc, v)) == NULL)
		return NULL;
	if ((strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
	    || strlen(u) > 2000)
		goto bad;
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f ||
		    strchr("<>|\"", u[i]) != NULL)
			goto bad;
	return u;
bad:
	free(u);
	return NULL;
}

static void
summary_init(const struct payload_src *ps, struct summary *sm)
{
	size_t	 i;
	int	 k;

	memset(sm, 0, sizeof(*sm));
	sm->sm_subject = sm->sm_who = -1;
	headline(ps->ps_type, sm->sm_headline, sizeof(sm->sm_headline));
	/* Data that only MariaDB accepted (webhooks_emit) still goes out,
	 * summarised by its type alone. */
	sm->sm_ok = json_parse(&sm->sm_doc, ps->ps_data, ps->ps_data_len, 0,
	    NULL, 0) == 0 && sm->sm_doc.d_tok[0].t_type == JSON_OBJECT;
	for (i = 0; sm->sm_subject == -1 &&
	    i < sizeof(subject_keys) / sizeof(subject_keys[0]); i++)
		sm->sm_subject = str_member(sm, subject_keys[i],
		    &sm->sm_subject_key);
	for (i = 0; sm->sm_who == -1 &&
	    i < sizeof(who_keys) / sizeof(who_keys[0]); i++)
		sm->sm_who = str_member(sm, who_keys[i], &sm->sm_who_key);
	/* Else any other "..._name". */
	for (i = 0, k = 1; sm->sm_ok && sm->sm_who == -1 &&
	    i < (size_t)sm->sm_doc.d_tok[0].t_size; i++,
	    k = json_skip(&sm->sm_doc, k + 1))
		if (key_ends(&sm->sm_doc, k, "_name") &&
		    sm->sm_doc.d_tok[k + 1].t_type == JSON_STRING &&
		    k != sm->sm_subject_key) {
			sm->sm_who = k + 1;
			sm->sm_who_key = k;
		}
	if (sm->sm_who != -1 && sm->sm_who == sm->sm_subject)
		sm->sm_who = -1;
	sm->sm_url = safe_url(sm);
}

static void
summary_free(struct summary *sm)
{
	json_free(&sm->sm_doc);
	free(sm->sm_url);
}

/* Unescaped text of string token tok, at most max characters, with "…"
 * when cut. */
static void
tok_text(const struct summary *sm, int tok, size_t max, struct buf *out)
{
	char	*s;
	size_t	 n;
	int	 cut;

	if ((s = json_strdup(&sm->sm_doc, tok)) == NULL)
		return;
	n = utf8_clip_chars(s, strlen(s), max, &cut);
	buf_add(out, s, n);
	if (cut)
		buf_puts(out, "…");
	free(s);
}

/* Key token k as a label: "reported_by_name" is "Reported by". */
static void
key_label(const struct summary *sm, int k, struct buf *out)
{
	size_t	 start = out->b_len, i;

	tok_text(sm, k, 60, out);
	if (out->b_len - start > 5 && memcmp(out->b_data + out->b_len - 5,
	    "_name", 5) == 0) {
		out->b_len -= 5;
		out->b_data[out->b_len] = '\0';
	}
	for (i = start; i < out->b_len; i++)
		if (out->b_data[i] == '_')
			out->b_data[i] = ' ';
	if (out->b_len > start && out->b_data[start] >= 'a' &&
	    out->b_data[start] <= 'z')
		out->b_data[start] = (char)(out->b_data[start] - 'a' + 'A');
}

/* ---------------------------------------------------------------- slack */

/* Slack's mrkdwn gives &, < and > a meaning ("<!channel>", links):
 * written as entities, a value is only ever text. */
static void
slack_esc(struct buf *b, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		switch (s[i]) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		default:
			buf_putc(b, s[i]);
		}
}

/* tok_text, escaped for mrkdwn. */
static void
slack_tok(const struct summary *sm, int tok, size_t max, struct buf *out)
{
	struct buf	 t;

	buf_init(&t);
	tok_text(sm, tok, max, &t);
	slack_esc(out, t.b_data != NULL ? t.b_data : "", t.b_len);
	buf_free(&t);
}

/* Should member k (a key token) be a field of the message?  The
 * subject, the link and ids are said elsewhere or mean nothing to a
 * reader; nested values do not fit a field. */
static int
slack_field_ok(const struct summary *sm, int k)
{
	const struct json_doc	*d = &sm->sm_doc;
	enum json_type		 t = d->d_tok[k + 1].t_type;

	if (k == sm->sm_subject_key || k == sm->sm_who_key ||
	    json_streq(d, k, "id") || json_streq(d, k, "url") ||
	    key_ends(d, k, "_id") || t == JSON_OBJECT || t == JSON_ARRAY ||
	    t == JSON_NULL)
		return 0;
	/* "approved_by": 12 is a user id. */
	if (key_ends(d, k, "_by") && t == JSON_NUMBER)
		return 0;
	return 1;
}

/* One "*Label*\nvalue" field. */
static void
slack_field(const struct summary *sm, int k, struct buf *b, int first)
{
	const struct json_doc	*d = &sm->sm_doc;
	struct buf		 t;
	const char		*raw;
	size_t			 len;

	buf_init(&t);
	buf_putc(&t, '*');
	key_label(sm, k, &t);
	buf_puts(&t, "*\n");
	switch (d->d_tok[k + 1].t_type) {
	case JSON_STRING:
		slack_tok(sm, k + 1, SLACK_VALUE, &t);
		break;
	case JSON_TRUE:
		buf_puts(&t, "yes");
		break;
	case JSON_FALSE:
		buf_puts(&t, "no");
		break;
	default:
		raw = json_raw(d, k + 1, &len);
		buf_add(&t, raw, len);
		break;
	}
	if (!first)
		buf_putc(b, ',');
	buf_puts(b, "{\"type\":\"mrkdwn\",\"text\":");
	jw_strn(b, t.b_data, t.b_len);
	buf_putc(b, '}');
	buf_free(&t);
}

/*
 * A Slack incoming-webhook message: "text" for notifications and
 * clients without blocks, and blocks for people: a header with what
 * happened, the subject and a link to the record, the key fields (who
 * first), and when, as a date Slack shows in each reader's time zone.
 */
static int
body_slack(const struct payload_src *ps, struct buf *b, char *err,
    size_t errsz)
{
	struct summary	 sm;
	struct buf	 t, link;
	int64_t		 ms;
	char		 norm[32];
	size_t		 i, nf = 0;
	int		 k;

	(void)err;
	(void)errsz;
	summary_init(ps, &sm);
	buf_init(&t);

	/* text: "Incident reported: Forklift collision (Jonas Berg)" */
	slack_esc(&t, sm.sm_headline, strlen(sm.sm_headline));
	if (sm.sm_subject != -1) {
		buf_puts(&t, ": ");
		slack_tok(&sm, sm.sm_subject, 150, &t);
	}
	if (sm.sm_who != -1) {
		buf_puts(&t, " (");
		slack_tok(&sm, sm.sm_who, 80, &t);
		buf_putc(&t, ')');
	}
	buf_puts(b, "{\"text\":");
	jw_strn(b, t.b_data, t.b_len);

	buf_puts(b, ",\"blocks\":[{\"type\":\"header\",\"text\":{\"type\":"
	    "\"plain_text\",\"text\":");
	jw_str(b, sm.sm_headline);
	buf_puts(b, ",\"emoji\":true}}");

	if (sm.sm_subject != -1 || sm.sm_url != NULL) {
		buf_reset(&t);
		if (sm.sm_subject != -1) {
			buf_putc(&t, '*');
			slack_tok(&sm, sm.sm_subject, SLACK_SUBJECT, &t);
			buf_putc(&t, '*');
		}
		if (sm.sm_url != NULL) {
			buf_init(&link);
			buf_puts(&link, t.b_len > 0 ? "\n<" : "<");
			slack_esc(&link, sm.sm_url, strlen(sm.sm_url));
			buf_puts(&link, "|Open in Momentumpro>");
			/* A section's text is at most 3000 characters:
			 * a link that would not fit is left out. */
			if (t.b_len + link.b_len <= SLACK_TEXT)
				buf_add(&t, link.b_data, link.b_len);
			buf_free(&link);
		}
		if (t.b_len > 0) {
			buf_puts(b, ",{\"type\":\"section\",\"text\":{"
			    "\"type\":\"mrkdwn\",\"text\":");
			jw_strn(b, t.b_data, t.b_len);
			buf_puts(b, "}}");
		}
	}

	if (sm.sm_ok && (sm.sm_who != -1 || sm.sm_doc.d_tok[0].t_size > 0)) {
		buf_reset(&t);
		if (sm.sm_who != -1)
			slack_field(&sm, sm.sm_who_key, &t, nf++ == 0);
		for (i = 0, k = 1; nf < SLACK_FIELDS &&
		    i < (size_t)sm.sm_doc.d_tok[0].t_size; i++,
		    k = json_skip(&sm.sm_doc, k + 1))
			if (slack_field_ok(&sm, k))
				slack_field(&sm, k, &t, nf++ == 0);
		if (nf > 0) {
			buf_puts(b, ",{\"type\":\"section\",\"fields\":[");
			buf_add(b, t.b_data, t.b_len);
			buf_puts(b, "]}");
		}
	}

	buf_reset(&t);
	if (util_rfc3339_parse(ps->ps_occurred_at, strlen(ps->ps_occurred_at),
	    norm, &ms) == 0)
		buf_printf(&t, "<!date^%lld^{date_short_pretty} at {time}|%s>",
		    (long long)(ms / 1000), norm);
	else
		slack_esc(&t, ps->ps_occurred_at, strlen(ps->ps_occurred_at));
	buf_puts(&t, " · `");
	slack_esc(&t, ps->ps_type, strlen(ps->ps_type));
	buf_puts(&t, "` · Momentumpro");
	buf_puts(b, ",{\"type\":\"context\",\"elements\":[{\"type\":"
	    "\"mrkdwn\",\"text\":");
	jw_strn(b, t.b_data, t.b_len);
	buf_puts(b, "}]}]}");

	buf_free(&t);
	summary_free(&sm);
	return 0;
}

/* ---------------------------------------------------------------- pagerduty */

/* PagerDuty's four severities from data.severity, else data.priority. */
static const char *
pd_severity(const struct summary *sm)
{
	static const struct {
		const char	*s_word;
		const char	*s_sev;
	} map[] = {
		{ "critical", "critical" }, { "urgent", "critical" },
		{ "blocker", "critical" }, { "fatal", "critical" },
		{ "major", "error" }, { "high", "error" },
		{ "error", "error" }, { "severe", "error" },
		{ "minor", "warning" }, { "medium", "warning" },
		{ "moderate", "warning" }, { "warning", "warning" },
		{ "normal", "warning" },
	};
	const char	*keys[] = { "severity", "priority" };
	const char	*sev = "info";
	char		*w;
	size_t		 i, j;
	int		 v;

	for (i = 0; i < 2; i++) {
		if ((v = str_member(sm, keys[i], NULL)) == -1 ||
		    (w = json_strdup(&sm->sm_doc, v)) == NULL)
			continue;
		for (j = 0; j < sizeof(map) / sizeof(map[0]); j++)
			if (strcasecmp(w, map[j].s_word) == 0)
				sev = map[j].s_sev;
		free(w);
		break;
	}
	return sev;
}

/*
 * One dedup_key per incident, so incident.reported opens the PagerDuty
 * alert and incident.closed resolves that same alert: the tenant and
 * the incident's data.id.  Every other event is an alert of its own,
 * keyed by the delivery (the same on every retry, so a retry never pages
 * twice).
 */
static void
pd_dedup_key(const struct payload_src *ps, const struct summary *sm,
    struct buf *out)
{
	const struct json_doc	*d = &sm->sm_doc;
	const char		*raw;
	size_t			 len, i, start, kept = 0;
	int			 v;

	if (strncmp(ps->ps_type, "incident.", 9) == 0 && sm->sm_ok &&
	    (v = json_get(d, 0, "id")) != -1 &&
	    (d->d_tok[v].t_type == JSON_NUMBER ||
	    d->d_tok[v].t_type == JSON_STRING)) {
		raw = json_raw(d, v, &len);
		start = out->b_len;
		buf_printf(out, "momentumpro-incident-%llu-", ps->ps_tenant);
		/* Only characters that need no thought anywhere; an id
		 * with others keeps its safe ones. */
		for (i = 0; i < len && kept < 100; i++)
			if ((raw[i] >= '0' && raw[i] <= '9') || (raw[i] >= 'a' &&
			    raw[i] <= 'z') || (raw[i] >= 'A' && raw[i] <= 'Z') ||
			    raw[i] == '-' || raw[i] == '_' || raw[i] == '.') {
				buf_putc(out, raw[i]);
				kept++;
			}
		if (kept > 0)
			return;
		out->b_len = start;
		out->b_data[start] = '\0';
	}
	buf_printf(out, "momentumpro-%llu-delivery-%llu", ps->ps_tenant,
	    ps->ps_delivery);
}

/*
 * A PagerDuty Events API v2 event.  incident.closed resolves; anything
 * else triggers, with summary, source and severity from the data and the
 * data itself, byte for byte, as custom_details.
 */
static int
body_pagerduty(const struct payload_src *ps, struct buf *b, char *err,
    size_t errsz)
{
	struct summary	 sm;
	struct buf	 t;
	size_t		 n;
	int		 v, cut, rc = -1;

	if (ps->ps_routing_key == NULL || *ps->ps_routing_key == '\0') {
		snprintf(err, errsz, "format pagerduty needs the endpoint's "
		    "PagerDuty routing key; set pagerduty_routing_key");
		return -1;
	}
	summary_init(ps, &sm);
	buf_init(&t);
	buf_puts(b, "{\"routing_key\":");
	jw_str(b, ps->ps_routing_key);
	buf_puts(b, ",\"event_action\":");
	jw_str(b, strcmp(ps->ps_type, "incident.closed") == 0 ? "resolve" :
	    "trigger");
	buf_puts(b, ",\"dedup_key\":");
	pd_dedup_key(ps, &sm, &t);
	jw_strn(b, t.b_data, t.b_len);
	if (strcmp(ps->ps_type, "incident.closed") == 0) {
		buf_putc(b, '}');
		rc = 0;
		goto out;
	}

	/* "Incident reported: Forklift collision (Madrid Warehouse)" */
	buf_reset(&t);
	buf_puts(&t, sm.sm_headline);
	if (sm.sm_subject != -1) {
		buf_puts(&t, ": ");
		tok_text(&sm, sm.sm_subject, 600, &t);
	}
	if ((v = str_member(&sm, "location", NULL)) != -1) {
		buf_puts(&t, " (");
		tok_text(&sm, v, 200, &t);
		buf_putc(&t, ')');
	} else if (sm.sm_who != -1) {
		buf_puts(&t, " (");
		tok_text(&sm, sm.sm_who, 100, &t);
		buf_putc(&t, ')');
	}
	n = utf8_clip_chars(buf_cstr(&t), t.b_len, PD_SUMMARY - 1, &cut);
	buf_puts(b, ",\"payload\":{\"summary\":");
	if (cut) {
		t.b_len = n;
		t.b_data[n] = '\0';
		buf_puts(&t, "…");
	}
	jw_strn(b, t.b_data, t.b_len);

	/* source: where it happened, else the Momentumpro site. */
	buf_reset(&t);
	if (v != -1)
		tok_text(&sm, v, PD_SOURCE - 1, &t);
	else if (sm.sm_url != NULL) {
		const char	*h = strstr(sm.sm_url, "://") + 3;

		buf_add(&t, h, strcspn(h, "/?#:"));
	}
	if (t.b_len == 0)
		buf_puts(&t, "momentumpro");
	buf_puts(b, ",\"source\":");
	jw_strn(b, t.b_data, t.b_len);
	buf_puts(b, ",\"severity\":");
	jw_str(b, pd_severity(&sm));
	buf_puts(b, ",\"timestamp\":");
	jw_str(b, ps->ps_occurred_at);
	buf_puts(b, ",\"component\":");
	buf_reset(&t);
	buf_add(&t, ps->ps_type, strcspn(ps->ps_type, "."));
	jw_strn(b, t.b_data, t.b_len);
	buf_puts(b, ",\"class\":");
	jw_str(b, ps->ps_type);
	buf_puts(b, ",\"custom_details\":");
	buf_add(b, ps->ps_data, ps->ps_data_len);
	buf_puts(b, "},\"client\":\"Momentumpro\"");
	if (sm.sm_url != NULL) {
		buf_puts(b, ",\"client_url\":");
		jw_str(b, sm.sm_url);
		buf_puts(b, ",\"links\":[{\"href\":");
		jw_str(b, sm.sm_url);
		buf_puts(b, ",\"text\":\"Open in Momentumpro\"}]");
	}
	buf_putc(b, '}');
	rc = 0;
out:
	buf_free(&t);
	summary_free(&sm);
	return rc;
}

static const struct {
	const char	*f_name;
	payload_body_fn	 f_body;
} formats[] = {
	{ "momentumpro", body_momentumpro },
	{ "slack", body_slack },
	{ "pagerduty", body_pagerduty },
};

static payload_body_fn
format_find(const char *name)
{
	size_t	 i;

	if (name == NULL || *name == '\0')
		name = "momentumpro";
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].f_name, name) == 0)
			return formats[i].f_body;
	return NULL;
}

int
payload_format_known(const char *name)
{
	return format_find(name) != NULL;
}

static void
add_header(struct payload *pl, const char *name, const char *value)
{
	struct buf	 h;

	/* The fixed set below never reaches the bound. */
	if (pl->pl_nhdr == PAYLOAD_MAXHDR)
		abort();
	buf_init(&h);
	buf_printf(&h, "%s: %s", name, value);
	pl->pl_hdr[pl->pl_nhdr++] = buf_release(&h);
}

/* Standard Webhooks signs "id.timestamp.body" with the base64-decoded
 * part of a "whsec_" secret, as that spec's libraries do; any other
 * secret is used as its bytes, so every secret works with both. */
static int
standard_signature(const struct payload_src *ps, const char *id,
    const char *ts, const struct buf *body, struct buf *out)
{
	const char	*s = ps->ps_secret;
	unsigned char	*key, mac[CR_SHA256_LEN];
	size_t		 slen = strlen(s), klen;
	long		 n = -1;
	struct buf	 msg;
	int		 rc;

	key = xmalloc(slen + 1);
	if (strncmp(s, "whsec_", 6) == 0)
		n = cr_b64_decode(s + 6, slen - 6, key, slen);
	if (n > 0)
		klen = (size_t)n;
	else {
		memcpy(key, s, slen);
		klen = slen;
	}
	buf_init(&msg);
	buf_printf(&msg, "%s.%s.", id, ts);
	buf_add(&msg, body->b_data, body->b_len);
	rc = cr_hmac_sha256(key, klen, msg.b_data, msg.b_len, mac);
	OPENSSL_cleanse(key, slen + 1);
	free(key);
	buf_free(&msg);
	if (rc == -1)
		return -1;
	buf_puts(out, "v1,");
	cr_b64_encode(mac, sizeof(mac), 0, out);
	return 0;
}

int
payload_build(const struct payload_src *ps, struct payload *pl, char *err,
    size_t errsz)
{
	payload_body_fn	 body;
	char		 id[24], ts[24], sig[65];
	const char	*p, *eol;
	struct buf	 std;

	memset(pl, 0, sizeof(*pl));
	buf_init(&pl->pl_body);
	if ((body = format_find(ps->ps_format)) == NULL) {
		snprintf(err, errsz, "unknown payload format '%s'",
		    ps->ps_format);
		return -1;
	}
	if (body(ps, &pl->pl_body, err, errsz) == -1)
		return -1;
	if (cr_sign_hex(ps->ps_secret, pl->pl_body.b_data, pl->pl_body.b_len,
	    sig) == -1) {
		snprintf(err, errsz, "cannot compute the signature");
		return -1;
	}
	snprintf(id, sizeof(id), "%llu", ps->ps_delivery);
	snprintf(ts, sizeof(ts), "%" PRId64, ps->ps_timestamp);
	add_header(pl, "Content-Type", "application/json");
	add_header(pl, "User-Agent", ps->ps_user_agent != NULL ?
	    ps->ps_user_agent : WH_USER_AGENT);
	add_header(pl, "X-Momentumpro-Event", ps->ps_type);
	add_header(pl, "X-Momentumpro-Delivery", id);
	add_header(pl, "X-Momentumpro-Timestamp", ts);
	add_header(pl, "X-Momentumpro-Signature", sig);
	if (ps->ps_standard) {
		buf_init(&std);
		if (standard_signature(ps, id, ts, &pl->pl_body, &std) == -1) {
			buf_free(&std);
			snprintf(err, errsz, "cannot compute the signature");
			return -1;
		}
		add_header(pl, "webhook-id", id);
		add_header(pl, "webhook-timestamp", ts);
		add_header(pl, "webhook-signature", buf_cstr(&std));
		buf_free(&std);
	}
	/* The endpoint's own headers come last: validated when saved
	 * (names that are tokens and not ours, values on one line). */
	pl->pl_custom = pl->pl_nhdr;
	for (p = ps->ps_headers; p != NULL && *p != '\0'; p = eol + 1) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if (eol > p) {
			if (pl->pl_nhdr == PAYLOAD_MAXHDR) {
				snprintf(err, errsz, "too many custom headers");
				return -1;
			}
			pl->pl_hdr[pl->pl_nhdr++] = xstrndup(p,
			    (size_t)(eol - p));
		}
		if (*eol == '\0')
			break;
	}
	return 0;
}

void
payload_mask(const char *v, size_t n, struct buf *out)
{
	size_t	 show = n >= 16 ? 4 : n >= 8 ? 2 : 0;
	int	 cut;

	buf_add(out, v, utf8_clip_chars(v, n, show, &cut));
	buf_puts(out, "…");
}

void
payload_headers_text(const struct payload *pl, struct buf *out)
{
	const char	*colon;
	size_t		 i;

	for (i = 0; i < pl->pl_nhdr; i++) {
		if (i >= pl->pl_custom && pl->pl_custom > 0 &&
		    (colon = strchr(pl->pl_hdr[i], ':')) != NULL) {
			buf_add(out, pl->pl_hdr[i], (size_t)(colon -
			    pl->pl_hdr[i]) + 1);
			buf_putc(out, ' ');
			colon += colon[1] == ' ' ? 2 : 1;
			payload_mask(colon, strlen(colon), out);
		} else
			buf_puts(out, pl->pl_hdr[i]);
		buf_putc(out, '\n');
	}
}

void
payload_free(struct payload *pl)
{
	size_t	 i;

	if (pl == NULL)
		return;
	/* A PagerDuty body holds the routing key, custom headers are
	 * often credentials: neither lingers in freed memory. */
	cr_wipe(&pl->pl_body);
	for (i = 0; i < pl->pl_nhdr; i++) {
		if (i >= pl->pl_custom && pl->pl_custom > 0)
			OPENSSL_cleanse(pl->pl_hdr[i], strlen(pl->pl_hdr[i]));
		free(pl->pl_hdr[i]);
	}
	pl->pl_nhdr = 0;
}

/* The "slack" format: a Slack incoming-webhook message (see payload.h). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "jsonw.h"
#include "payload.h"
#include "payload_format.h"
#include "util.h"

/* Slack's limits for the pieces of a message. */
#define SLACK_FIELDS	10	/* fields of a section */
#define SLACK_VALUE	200	/* characters of a field's value (ours) */
#define SLACK_SUBJECT	500
#define SLACK_TEXT	3000	/* bytes here, a safe bound on characters */

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

/* summary_text, escaped for mrkdwn. */
static void
slack_tok(const struct summary *sm, int tok, size_t max, struct buf *out)
{
	struct buf	 t;

	buf_init(&t);
	summary_text(sm, tok, max, &t);
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
	    summary_key_ends(d, k, "_id") || t == JSON_OBJECT ||
	    t == JSON_ARRAY || t == JSON_NULL)
		return 0;
	/* "approved_by": 12 is a user id. */
	if (summary_key_ends(d, k, "_by") && t == JSON_NUMBER)
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
	summary_label(sm, k, &t);
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
int
slack_body(const struct payload_src *ps, struct buf *b, char *err,
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

/* The event, for people: what the Slack and PagerDuty bodies say about
 * it, read from its data (see payload_format.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "payload.h"
#include "payload_format.h"
#include "utf8.h"

static const char *const subject_keys[] = {
	"title", "subject", "number", "name", "course_title", "task_title",
	"plan_name", "cycle_name"
};
static const char *const who_keys[] = {
	"employee_name", "reported_by_name", "candidate_name",
	"customer_name", "supplier_name", "requested_by_name", "user_name"
};

/* Value token of top-level string member key, or -1. */
int
summary_str(const struct summary *sm, const char *key, int *keytok)
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
int
summary_key_ends(const struct json_doc *d, int k, const char *suffix)
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

	if ((v = summary_str(sm, "url", NULL)) == -1 ||
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

void
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
		sm->sm_subject = summary_str(sm, subject_keys[i],
		    &sm->sm_subject_key);
	for (i = 0; sm->sm_who == -1 &&
	    i < sizeof(who_keys) / sizeof(who_keys[0]); i++)
		sm->sm_who = summary_str(sm, who_keys[i], &sm->sm_who_key);
	/* Else any other "..._name". */
	for (i = 0, k = 1; sm->sm_ok && sm->sm_who == -1 &&
	    i < (size_t)sm->sm_doc.d_tok[0].t_size; i++,
	    k = json_skip(&sm->sm_doc, k + 1))
		if (summary_key_ends(&sm->sm_doc, k, "_name") &&
		    sm->sm_doc.d_tok[k + 1].t_type == JSON_STRING &&
		    k != sm->sm_subject_key) {
			sm->sm_who = k + 1;
			sm->sm_who_key = k;
		}
	if (sm->sm_who != -1 && sm->sm_who == sm->sm_subject)
		sm->sm_who = -1;
	sm->sm_url = safe_url(sm);
}

void
summary_free(struct summary *sm)
{
	json_free(&sm->sm_doc);
	free(sm->sm_url);
}

/* Unescaped text of string token tok, at most max characters, with "…"
 * when cut. */
void
summary_text(const struct summary *sm, int tok, size_t max, struct buf *out)
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
void
summary_label(const struct summary *sm, int k, struct buf *out)
{
	size_t	 start = out->b_len, i;

	summary_text(sm, k, 60, out);
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

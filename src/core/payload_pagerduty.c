/* The "pagerduty" format: a PagerDuty Events API v2 event (see
 * payload.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "json.h"
#include "jsonw.h"
#include "payload.h"
#include "payload_format.h"
#include "utf8.h"

/* PagerDuty's limits. */
#define PD_SUMMARY	1024
#define PD_SOURCE	255

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
		if ((v = summary_str(sm, keys[i], NULL)) == -1 ||
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
int
pd_body(const struct payload_src *ps, struct buf *b, char *err,
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
		summary_text(&sm, sm.sm_subject, 600, &t);
	}
	if ((v = summary_str(&sm, "location", NULL)) != -1) {
		buf_puts(&t, " (");
		summary_text(&sm, v, 200, &t);
		buf_putc(&t, ')');
	} else if (sm.sm_who != -1) {
		buf_puts(&t, " (");
		summary_text(&sm, sm.sm_who, 100, &t);
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
		summary_text(&sm, v, PD_SOURCE - 1, &t);
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

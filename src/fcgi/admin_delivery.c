/* /admin/deliveries/{id}: the exact body and headers sent, every attempt
 * with its time, duration, status or error and captured response, and a
 * Redeliver button. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "db.h"
#include "delivery.h"
#include "emit.h"
#include "endpoint.h"
#include "html.h"
#include "jsonw.h"
#include "payload.h"
#include "quotas.h"
#include "req.h"
#include "utf8.h"
#include "wake.h"

/*
 * The page is built in memory on every view, so what it shows of a body
 * is bounded whatever the stored event (max_body may be large): the
 * exact bytes in full up to BODY_INLINE_MAX, else the first
 * BODY_HEAD_MAX and a download link; the indented view only up to
 * PRETTY_MAX (with jw_pretty's bounded indentation it stays a small
 * multiple of that).
 */
#define BODY_INLINE_MAX	(256 * 1024)
#define BODY_HEAD_MAX	(64 * 1024)
#define PRETTY_MAX	(64 * 1024)

/* The body this delivery sends (the same bytes whatever the secret; a
 * PagerDuty routing key masked as the endpoint page shows it): 1 built,
 * 0 when the event was purged. */
static int
body_build(struct req *r, const struct dbres *row, struct payload *pl,
    struct endpoint *ep)
{
	struct payload_src	 ps;
	char			 err[256];

	memset(&ps, 0, sizeof(ps));
	memset(pl, 0, sizeof(*pl));
	memset(ep, 0, sizeof(*ep));
	ps.ps_delivery = r->r_ids[0];
	ps.ps_type = dbres_get(row, 0, DC_EVENT);
	ps.ps_occurred_at = dbres_get(row, 0, DC_OCCURRED_AT);
	ps.ps_data = dbres_get(row, 0, DC_DATA);
	ps.ps_data_len = dbres_len(row, 0, DC_DATA);
	ps.ps_format = dbres_get(row, 0, DC_FORMAT);
	ps.ps_secret = "";
	ps.ps_tenant = r->r_tenant;
	ps.ps_routing_key = "••••";
	if (ps.ps_format != NULL && strcmp(ps.ps_format, "pagerduty") == 0 &&
	    endpoint_get(r->r_db, r->r_tenant, (unsigned long long)dbres_int(
	    row, 0, DC_ENDPOINT_ID), ep) == EP_OK && ep->ep_routing_key != NULL)
		ps.ps_routing_key = ep->ep_routing_key;
	return ps.ps_type != NULL && ps.ps_data != NULL &&
	    payload_build(&ps, pl, err, sizeof(err)) == 0;
}

static void
body_section(struct buf *b, struct req *r, const struct payload *pl)
{
	struct buf	 pretty;
	size_t		 len = pl->pl_body.b_len, head;

	buf_puts(b, "<h3>Body (exact bytes)</h3>\n");
	if (len <= BODY_INLINE_MAX) {
		buf_puts(b, "<pre tabindex=\"0\"><code>");
		html_escn(b, pl->pl_body.b_data, len);
		buf_puts(b, "</code></pre>\n");
	} else {
		head = utf8_clip_bytes(pl->pl_body.b_data, len, BODY_HEAD_MAX);
		html_printf(b, "<p class=\"notice\">This body is %zu KiB: the "
		    "first %zu KiB are shown. <a href=\"/admin/deliveries/"
		    "%llu/body\" download>Download the whole body</a> (the exact "
		    "bytes sent).</p>\n<pre tabindex=\"0\"><code>", len / 1024,
		    head / 1024,
		    r->r_ids[0]);
		html_escn(b, pl->pl_body.b_data, head);
		buf_puts(b, "</code></pre>\n");
	}
	if (len > PRETTY_MAX) {
		html_printf(b, "<p>The indented view is shown for bodies up to "
		    "%d KiB; this one is %zu KiB.</p>\n", PRETTY_MAX / 1024,
		    len / 1024);
		return;
	}
	buf_init(&pretty);
	jw_pretty(&pretty, pl->pl_body.b_data, len);
	buf_puts(b, "<details><summary>Body, indented</summary>"
	    "<pre tabindex=\"0\"><code>");
	html_escn(b, pretty.b_data, pretty.b_len);
	buf_puts(b, "</code></pre></details>\n");
	buf_free(&pretty);
}

void
admin_delivery_get(struct req *r)
{
	struct dbres		*row = NULL, *att = NULL;
	struct payload		 pl;
	struct endpoint		 ep;
	struct buf		 b;
	const char		*st, *v, *hdrs = NULL, *ps_type, *occurred;
	char			 title[48];
	size_t			 i;
	int			 built;

	switch (delivery_get(r->r_db, r->r_tenant, r->r_ids[0], &row, &att)) {
	case DL_OK:
		break;
	case DL_NOTFOUND:
		html_error(r, 404, "There is no such delivery.");
		return;
	default:
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
		return;
	}
	/* The body does not depend on the secret, only the signatures do;
	 * the signatures actually sent are in each attempt's headers. */
	built = body_build(r, row, &pl, &ep);
	ps_type = dbres_get(row, 0, DC_EVENT);
	occurred = dbres_get(row, 0, DC_OCCURRED_AT);

	buf_init(&b);
	snprintf(title, sizeof(title), "Delivery %s", dbres_get(row, 0,
	    DC_ID));
	html_begin(&b, r, title);
	st = dbres_get(row, 0, DC_STATUS);
	html_printf(&b, "<p><a href=\"/admin/webhooks/%s\">← Back to the "
	    "endpoint</a></p>\n<div class=\"actions\"><h1>Delivery %s</h1>",
	    dbres_get(row, 0, DC_ENDPOINT_ID), dbres_get(row, 0, DC_ID));
	html_printf(&b, "<form method=\"post\" action=\"/admin/deliveries/%s/"
	    "redeliver\">", dbres_get(row, 0, DC_ID));
	html_csrf(&b, r);
	buf_puts(&b, "<button type=\"submit\">Redeliver</button></form></div>"
	    "\n");
	v = req_form_get(r->r_query, strlen(r->r_query), "done");
	if (v != NULL && strcmp(v, "redelivered") == 0)
		buf_puts(&b, "<p class=\"notice\" role=\"status\">The delivery "
		    "will be sent again now; the new attempt appears below."
		    "</p>\n");
	free((char *)v);
	html_printf(&b, "<div class=\"card\"><dl>\n<dt>Event</dt><dd><code>%s"
	    "</code> (event %s, occurred %s)</dd>\n<dt>Status</dt><dd><span "
	    "class=\"status status-%s\">%s</span></dd>\n<dt>Attempts</dt><dd>"
	    "%s</dd>\n", ps_type ? ps_type : "(purged)",
	    dbres_get(row, 0, DC_EVENT_ID), occurred ? occurred : "—", st, st,
	    dbres_get(row, 0, DC_ATTEMPTS));
	if (dbres_get(row, 0, DC_NEXT_ATTEMPT_AT) != NULL)
		html_printf(&b, "<dt>Next attempt</dt><dd>%s</dd>\n",
		    dbres_get(row, 0, DC_NEXT_ATTEMPT_AT));
	html_printf(&b, "<dt>Created</dt><dd>%s</dd>\n</dl></div>\n",
	    dbres_get(row, 0, DC_CREATED_AT));

	buf_puts(&b, "<section><h2>Request</h2>\n");
	for (i = att->r_nrow; i > 0; i--)
		if ((hdrs = dbres_get(att, i - 1, AC_HEADERS)) != NULL)
			break;
	if (hdrs != NULL) {
		buf_puts(&b, "<h3>Headers of the last attempt</h3>\n"
		    "<pre tabindex=\"0\"><code>");
		html_esc(&b, "POST ");
		html_esc(&b, dbres_get(row, 0, DC_URL));
		html_esc(&b, "\n");
		html_esc(&b, hdrs);
		buf_puts(&b, "</code></pre>\n");
	} else
		buf_puts(&b, "<p>Not sent yet: the headers appear with the first "
		    "attempt.</p>\n");
	if (built)
		body_section(&b, r, &pl);
	else
		buf_puts(&b, "<p>The event's data was purged after the "
		    "retention period.</p>\n");
	buf_puts(&b, "</section>\n<section><h2>Attempts</h2>\n");
	if (att->r_nrow == 0)
		buf_puts(&b, "<p>No attempt yet.</p>\n");
	for (i = 0; i < att->r_nrow; i++) {
		v = dbres_get(att, i, AC_STATUS_CODE);
		html_printf(&b, "<article class=\"card\"><h3>Attempt %llu — %s"
		    "</h3>\n<dl><dt>Duration</dt><dd>%s ms</dd>\n<dt>Result</dt>"
		    "<dd>", (unsigned long long)i + 1,
		    dbres_get(att, i, AC_STARTED_AT),
		    dbres_get(att, i, AC_DURATION_MS));
		if (v != NULL)
			html_printf(&b, "HTTP %s", v);
		if (dbres_get(att, i, AC_ERROR) != NULL)
			html_printf(&b, "%s%s", v ? " — " : "",
			    dbres_get(att, i, AC_ERROR));
		buf_puts(&b, "</dd></dl>\n");
		if (dbres_len(att, i, AC_RESPONSE) > 0) {
			buf_puts(&b, "<details><summary>Response body (first "
			    "bytes)</summary><pre tabindex=\"0\"><code>");
			html_escn(&b, dbres_get(att, i, AC_RESPONSE),
			    dbres_len(att, i, AC_RESPONSE));
			buf_puts(&b, "</code></pre></details>\n");
		}
		buf_puts(&b, "</article>\n");
	}
	buf_puts(&b, "</section>\n");
	html_end(&b);
	html_send(r, 200, &b);
	buf_free(&b);
	payload_free(&pl);
	endpoint_free(&ep);
	dbres_free(row);
	dbres_free(att);
}

/* The exact body, as a download: the page shows large ones in part. */
void
admin_delivery_body_get(struct req *r)
{
	struct dbres	*row = NULL, *att = NULL;
	struct payload	 pl;
	struct endpoint	 ep;
	char		 disp[96];

	switch (delivery_get(r->r_db, r->r_tenant, r->r_ids[0], &row, &att)) {
	case DL_OK:
		break;
	case DL_NOTFOUND:
		html_error(r, 404, "There is no such delivery.");
		return;
	default:
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
		return;
	}
	if (body_build(r, row, &pl, &ep)) {
		snprintf(disp, sizeof(disp), "attachment; filename=\"delivery-"
		    "%llu.json\"", r->r_ids[0]);
		req_add_header(r, "Content-Disposition", disp);
		req_add_header(r, "X-Content-Type-Options", "nosniff");
		req_respond(r, 200, "application/json", pl.pl_body.b_data,
		    pl.pl_body.b_len);
	} else
		html_error(r, 404, "The event's data was purged after the "
		    "retention period.");
	payload_free(&pl);
	endpoint_free(&ep);
	dbres_free(row);
	dbres_free(att);
}

void
admin_delivery_redeliver_post(struct req *r)
{
	char			 loc[96];
	unsigned long long	 ep;

	switch (delivery_endpoint(r->r_db, r->r_tenant, r->r_ids[0], &ep)) {
	case DL_OK:
		break;
	case DL_NOTFOUND:
		html_error(r, 404, "There is no such delivery.");
		return;
	default:
		html_error(r, 503, "The database is unreachable; nothing was "
		    "changed. Try again in a moment.");
		return;
	}
	if (!quotas_manual(r, ep, 1))
		return;
	switch (delivery_redeliver(r->r_db, r->r_tenant, r->r_ids[0])) {
	case DL_OK:
		wake_send(r->r_cf);
		snprintf(loc, sizeof(loc), "/admin/deliveries/%llu?done="
		    "redelivered", r->r_ids[0]);
		req_redirect(r, loc);
		return;
	case DL_NOTFOUND:
		html_error(r, 404, "There is no such delivery.");
		return;
	case DL_BUSY:
		html_error(r, 409, "This delivery is being sent right now; "
		    "wait for the attempt to finish, then try again.");
		return;
	case DL_GONE:
		html_error(r, 409, "This delivery's endpoint was deleted, so it "
		    "cannot be sent again.");
		return;
	default:
		html_error(r, 503, "The database is unreachable; nothing was "
		    "changed. Try again in a moment.");
	}
}

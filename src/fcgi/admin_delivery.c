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
#include "req.h"
#include "wake.h"

void
admin_delivery_get(struct req *r)
{
	struct dbres		*row = NULL, *att = NULL;
	struct payload_src	 ps;
	struct payload		 pl;
	struct endpoint		 ep;
	struct buf		 b, pretty;
	const char		*st, *v, *hdrs = NULL;
	char			 err[256];
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
	memset(&ps, 0, sizeof(ps));
	memset(&pl, 0, sizeof(pl));
	ps.ps_delivery = r->r_ids[0];
	ps.ps_type = dbres_get(row, 0, DC_EVENT);
	ps.ps_occurred_at = dbres_get(row, 0, DC_OCCURRED_AT);
	ps.ps_data = dbres_get(row, 0, DC_DATA);
	ps.ps_data_len = dbres_len(row, 0, DC_DATA);
	ps.ps_format = dbres_get(row, 0, DC_FORMAT);
	ps.ps_secret = "";
	ps.ps_tenant = r->r_tenant;
	/* A PagerDuty body carries the routing key: shown masked, as the
	 * endpoint page shows it. */
	memset(&ep, 0, sizeof(ep));
	ps.ps_routing_key = "••••";
	if (ps.ps_format != NULL && strcmp(ps.ps_format, "pagerduty") == 0 &&
	    endpoint_get(r->r_db, r->r_tenant, (unsigned long long)dbres_int(
	    row, 0, DC_ENDPOINT_ID), &ep) == EP_OK && ep.ep_routing_key != NULL)
		ps.ps_routing_key = ep.ep_routing_key;
	built = ps.ps_type != NULL && ps.ps_data != NULL &&
	    payload_build(&ps, &pl, err, sizeof(err)) == 0;

	buf_init(&b);
	buf_init(&pretty);
	html_begin(&b, r, "Delivery");
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
	    "%s</dd>\n", ps.ps_type ? ps.ps_type : "(purged)",
	    dbres_get(row, 0, DC_EVENT_ID), ps.ps_occurred_at ?
	    ps.ps_occurred_at : "—", st, st, dbres_get(row, 0, DC_ATTEMPTS));
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
		buf_puts(&b, "<h3>Headers of the last attempt</h3>\n<pre><code>");
		html_esc(&b, "POST ");
		html_esc(&b, dbres_get(row, 0, DC_URL));
		html_esc(&b, "\n");
		html_esc(&b, hdrs);
		buf_puts(&b, "</code></pre>\n");
	} else
		buf_puts(&b, "<p>Not sent yet: the headers appear with the first "
		    "attempt.</p>\n");
	if (built) {
		buf_puts(&b, "<h3>Body (exact bytes)</h3>\n<pre><code>");
		html_escn(&b, pl.pl_body.b_data, pl.pl_body.b_len);
		buf_puts(&b, "</code></pre>\n<details><summary>Body, "
		    "indented</summary><pre><code>");
		jw_pretty(&pretty, pl.pl_body.b_data, pl.pl_body.b_len);
		html_escn(&b, pretty.b_data, pretty.b_len);
		buf_puts(&b, "</code></pre></details>\n");
	} else
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
			    "bytes)</summary><pre><code>");
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
	buf_free(&pretty);
	payload_free(&pl);
	endpoint_free(&ep);
	dbres_free(row);
	dbres_free(att);
}

void
admin_delivery_redeliver_post(struct req *r)
{
	char	 loc[96];

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

/* /admin/deliveries/{id}: the exact body sent, every attempt (newest
 * first) with its time, duration, request headers, status or error and
 * the response's headers and first bytes, and a Redeliver button. */
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
#include "util.h"
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
		buf_puts(b, "<pre class=\"wrap\" role=\"region\" tabindex="
		    "\"0\" aria-label=\"Request body\"><code>");
		html_escn(b, pl->pl_body.b_data, len);
		buf_puts(b, "</code></pre>\n");
	} else {
		head = utf8_clip_bytes(pl->pl_body.b_data, len, BODY_HEAD_MAX);
		html_printf(b, "<p class=\"notice\">This body is %zu KiB: the "
		    "first %zu KiB are shown. <a href=\"/admin/deliveries/"
		    "%llu/body\" download>Download the whole body</a> (the exact "
		    "bytes sent).</p>\n<pre class=\"wrap\" role=\"region\" "
		    "tabindex=\"0\" aria-label=\"Request body\"><code>",
		    len / 1024,
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
	    "<pre class=\"wrap\" role=\"region\" tabindex=\"0\" "
	    "aria-label=\"Request body, indented\"><code>");
	html_escn(b, pretty.b_data, pretty.b_len);
	buf_puts(b, "</code></pre></details>\n");
	buf_free(&pretty);
}

/* A block of text the keyboard can reach and scroll (tabindex), named
 * for screen readers; long lines wrap (.wrap in www/style.css). */
static void
pre_block(struct buf *b, const char *label, unsigned long long n,
    const char *text, size_t len)
{
	html_printf(b, "<pre class=\"wrap\" role=\"region\" tabindex=\"0\" "
	    "aria-label=\"%s, attempt %llu\"><code>", label, n);
	html_escn(b, text, len);
	buf_puts(b, "</code></pre>\n");
}

/* One attempt as GitHub's Recent deliveries shows it: a disclosure
 * whose summary says when and how it went, holding the request headers
 * as sent, the response's status, headers and body. */
static void
attempt_section(struct buf *b, const struct dbres *att, size_t i,
    unsigned long long n, const char *url, int open)
{
	const char	*code = dbres_get(att, i, AC_STATUS_CODE);
	const char	*err = dbres_get(att, i, AC_ERROR);
	const char	*v;
	long long	 c = code != NULL ? dbres_int(att, i, AC_STATUS_CODE) : 0;
	struct buf	 req;

	html_printf(b, "<details class=\"attempt card\" id=\"attempt-%llu\"%s>"
	    "<summary><h3>Attempt %llu — ", n, open ? " open" : "", n);
	html_time(b, dbres_get(att, i, AC_STARTED_AT));
	html_printf(b, "</h3> <span class=\"status status-%s\">",
	    c >= 200 && c < 300 ? "delivered" : "failed");
	if (code != NULL)
		html_printf(b, "HTTP %s", code);
	else
		buf_puts(b, "no response");
	html_printf(b, "</span> <span class=\"muted\">%s ms</span></summary>\n",
	    dbres_get(att, i, AC_DURATION_MS));

	buf_puts(b, "<h4>Request headers</h4>\n");
	if ((v = dbres_get(att, i, AC_HEADERS)) != NULL) {
		buf_init(&req);
		buf_printf(&req, "POST %s\n%s", url != NULL ? url : "", v);
		pre_block(b, "Request headers", n, req.b_data, req.b_len);
		buf_free(&req);
	} else
		buf_puts(b, "<p>Not recorded for this attempt.</p>\n");

	buf_puts(b, "<h4>Response</h4>\n<p>");
	if (code != NULL)
		html_printf(b, "HTTP %s", code);
	if (err != NULL)
		html_printf(b, "%s%s", code != NULL ? " — " : "", err);
	if (code == NULL && err == NULL)
		buf_puts(b, "No response.");
	html_printf(b, " (%s ms)</p>\n", dbres_get(att, i, AC_DURATION_MS));
	if (code == NULL) {
		buf_puts(b, "</details>\n");
		return;
	}
	buf_puts(b, "<h4>Response headers</h4>\n");
	if (dbres_len(att, i, AC_RESP_HEADERS) > 0)
		pre_block(b, "Response headers", n, dbres_get(att, i,
		    AC_RESP_HEADERS), dbres_len(att, i, AC_RESP_HEADERS));
	else
		buf_puts(b, "<p>None recorded.</p>\n");
	buf_puts(b, "<h4>Response body (first bytes)</h4>\n");
	if (dbres_len(att, i, AC_RESPONSE) > 0)
		pre_block(b, "Response body", n, dbres_get(att, i,
		    AC_RESPONSE), dbres_len(att, i, AC_RESPONSE));
	else
		buf_puts(b, "<p>Empty.</p>\n");
	buf_puts(b, "</details>\n");
}

void
admin_delivery_get(struct req *r)
{
	struct dbres		*row = NULL, *att = NULL;
	struct payload		 pl;
	struct endpoint		 ep;
	struct buf		 b;
	const char		*st, *v, *ps_type, *occurred, *next;
	char			 title[48], span[32], norm[32];
	int64_t			 ms;
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
	    "endpoint</a> · <a href=\"/admin/deliveries\">All deliveries</a>"
	    "</p>\n<div class=\"actions\"><h1>Delivery %s</h1>",
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
	    "</code> (event %s, occurred <code>%s</code>)</dd>\n<dt>Endpoint"
	    "</dt><dd><a href=\"/admin/webhooks/%s\"><code>%s</code></a></dd>"
	    "\n<dt>Status</dt><dd><span class=\"status status-%s\">%s</span>"
	    "</dd>\n<dt>Attempts</dt><dd>%s</dd>\n",
	    ps_type ? ps_type : "(purged)", dbres_get(row, 0, DC_EVENT_ID),
	    occurred ? occurred : "—", dbres_get(row, 0, DC_ENDPOINT_ID),
	    dbres_get(row, 0, DC_URL) ? dbres_get(row, 0, DC_URL) :
	    "(deleted)", st, st, dbres_get(row, 0, DC_ATTEMPTS));
	/* Said in words without JavaScript too ("next retry in 4 min"). */
	if ((next = dbres_get(row, 0, DC_NEXT_ATTEMPT_AT)) != NULL &&
	    util_rfc3339_parse(next, strlen(next), norm, &ms) == 0) {
		ms -= util_now_ms();
		util_span_text(ms, span, sizeof(span));
		html_printf(&b, "<dt>Next attempt</dt><dd>");
		html_time(&b, next);
		html_printf(&b, " (%s%s%s)</dd>\n", strcmp(st, "retrying") == 0 ?
		    "next retry " : "", ms > 0 ? "in " : "due now",
		    ms > 0 ? span : "");
	}
	buf_puts(&b, "<dt>Created</dt><dd>");
	html_time(&b, dbres_get(row, 0, DC_CREATED_AT));
	buf_puts(&b, "</dd>\n</dl></div>\n");

	buf_puts(&b, "<section><h2>Request body</h2>\n<p>The same bytes in "
	    "every attempt; each attempt's headers below carry its own "
	    "timestamp and signatures.</p>\n");
	if (built)
		body_section(&b, r, &pl);
	else
		buf_puts(&b, "<p>The event's data was purged after the "
		    "retention period.</p>\n");
	buf_puts(&b, "</section>\n<section><h2>Attempts</h2>\n");
	if (att->r_nrow == 0)
		buf_puts(&b, "<p>No attempt yet: the request headers appear "
		    "with the first attempt.</p>\n");
	else
		buf_puts(&b, "<p>Newest first.</p>\n");
	/* Newest first, the newest open. */
	for (i = att->r_nrow; i > 0; i--)
		attempt_section(&b, att, i - 1, (unsigned long long)i,
		    dbres_get(row, 0, DC_URL), i == att->r_nrow);
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

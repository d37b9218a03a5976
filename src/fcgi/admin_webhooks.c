/* Admin → Webhooks: the endpoint list, and the handlers of the new/edit
 * form (admin_form_read.c reads it, admin_form_page.c renders it).
 * Plain HTML forms; every value goes through html_esc. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin.h"
#include "buf.h"
#include "catalog.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "html.h"
#include "json.h"
#include "log.h"
#include "req.h"
#include "session.h"
#include "util.h"
#include "admin_form.h"

#define PAGE_SIZE	50

void
admin_webhooks_new_get(struct req *r)
{
	struct epform	 f;

	memset(&f, 0, sizeof(f));
	f.f_enabled = 1;
	f.f_standard = 1;	/* signs the timestamp too: see README */
	f.f_nfrows = FILTER_ROWS;
	f.f_nhrows = HEADER_ROWS;
	form_page(r, 200, 0, &f, NULL);
}

static void
ep_error(struct req *r, enum ep_err e)
{
	if (e == EP_NOTFOUND)
		html_error(r, 404, "There is no such endpoint.");
	else if (e == EP_SEAL)
		html_error(r, 500, "Secrets cannot be stored: the master key is "
		    "not readable by the web server.");
	else
		html_error(r, 503, "The database is unreachable; nothing was "
		    "changed. Try again in a moment.");
}

void
admin_webhooks_create_post(struct req *r)
{
	struct epform		 f;
	struct endpoint_set	 es;
	unsigned long long	 id;
	char			*secret = NULL, loc[96];
	struct ep_fault		 fault;
	enum ep_err		 e;
	int			 rc;

	rc = read_form(r, &f, 1);
	if (rc == -2) {
		ep_error(r, EP_DB);
		goto out;
	}
	if (rc == -1) {
		form_page(r, 422, 0, &f, NULL);
		goto out;
	}
	form_to_set(&f, &es, 1);
	if ((e = endpoint_create(r->r_db, r->r_tenant,
	    r->r_cf->cf_endpoints_per_tenant, &es, &id, &secret,
	    &fault)) == EP_INVALID) {
		model_msg(&f, &fault);
		form_page(r, 422, 0, &f, NULL);
		goto out;
	}
	if (e == EP_LIMIT) {
		snprintf(f.f_err_form, sizeof(f.f_err_form), "This tenant "
		    "already has %u endpoints, the most it may have. Delete one "
		    "it no longer needs, or ask the operator to raise [limits] "
		    "endpoints_per_tenant.", r->r_cf->cf_endpoints_per_tenant);
		form_page(r, 409, 0, &f, NULL);
		goto out;
	}
	if (e != EP_OK) {
		ep_error(r, e);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/admin/webhooks/%llu?done=created", id);
	session_once_set(r, id);
	req_redirect(r, loc);
out:
	free(secret);
	epform_free(&f);
}

void
admin_webhooks_edit_get(struct req *r)
{
	struct endpoint	 ep;
	struct epform	 f;
	enum ep_err	 e;
	size_t		 i;

	if ((e = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep))
	    != EP_OK) {
		ep_error(r, e);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.f_url = xstrdup(ep.ep_url);
	f.f_description = xstrdup(ep.ep_description);
	f.f_enabled = ep.ep_enabled;
	f.f_standard = ep.ep_standard_webhooks;
	f.f_events = xcalloc(ep.ep_nevents ? ep.ep_nevents : 1,
	    sizeof(char *));
	for (i = 0; i < ep.ep_nevents; i++)
		f.f_events[i] = xstrdup(ep.ep_events[i]);
	f.f_nevents = ep.ep_nevents;
	f.f_format = xstrdup(ep.ep_format);
	/* Filters as typed in the form: a string value without its quotes
	 * unless it would read as something else (5, true, "a,b"). */
	for (i = 0; i < ep.ep_nfilters && i < EP_FILTERS_MAX; i++) {
		f.f_frows[i].fr_path = xstrdup(ep.ep_filters[i].ef_path);
		f.f_frows[i].fr_op = xstrdup(ep.ep_filters[i].ef_op);
		f.f_frows[i].fr_value = filter_box(&ep.ep_filters[i]);
	}
	f.f_nfrows = rows_shown(ep.ep_nfilters, FILTER_ROWS, EP_FILTERS_MAX);
	/* Header values are never sent back: the boxes show the masked
	 * value as a placeholder, and blank keeps it. */
	for (i = 0; i < ep.ep_nheaders && i < EP_HEADERS_MAX; i++)
		f.f_hrows[i].hr_name = xstrdup(ep.ep_headers[i].eh_name);
	f.f_nhrows = rows_shown(ep.ep_nheaders, HEADER_ROWS, EP_HEADERS_MAX);
	form_page(r, 200, ep.ep_id, &f, &ep);
	epform_free(&f);
	endpoint_free(&ep);
}

void
admin_webhooks_update_post(struct req *r)
{
	struct epform		 f;
	struct endpoint_set	 es;
	struct endpoint		 ep;
	char			 loc[96];
	struct ep_fault		 fault;
	enum ep_err		 e;
	int			 rc, have = 0;

	rc = read_form(r, &f, 0);
	if (rc == -2) {
		ep_error(r, EP_DB);
		goto out;
	}
	if (rc == -1) {
		/* Another tenant's id must not get a form either. */
		if ((e = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep))
		    != EP_OK) {
			ep_error(r, e);
			goto out;
		}
		have = 1;
		form_page(r, 422, r->r_ids[0], &f, &ep);
		goto out;
	}
	form_to_set(&f, &es, 0);
	if ((e = endpoint_update(r->r_db, r->r_tenant, r->r_ids[0], &es,
	    &fault)) == EP_INVALID) {
		if ((e = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep))
		    != EP_OK) {
			ep_error(r, e);
			goto out;
		}
		have = 1;
		model_msg(&f, &fault);
		form_page(r, 422, r->r_ids[0], &f, &ep);
		goto out;
	}
	if (e != EP_OK) {
		ep_error(r, e);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/admin/webhooks/%llu?done=saved",
	    r->r_ids[0]);
	req_redirect(r, loc);
out:
	if (have)
		endpoint_free(&ep);
	epform_free(&f);
}

/* Index of endpoint id in a result whose column 0 is the endpoint id. */
static long
row_of(const struct dbres *res, unsigned long long id)
{
	size_t	 i;

	for (i = 0; res != NULL && i < res->r_nrow; i++)
		if ((unsigned long long)dbres_int(res, i, 0) == id)
			return (long)i;
	return -1;
}

static void
status_badge(struct buf *b, const char *status)
{
	html_printf(b, "<span class=\"status status-%s\">%s</span>", status,
	    status);
}

void
admin_webhooks_list_get(struct req *r)
{
	struct endpoint		*eps = NULL;
	struct dbres		*last = NULL, *rate = NULL;
	struct buf		 b;
	size_t			 n = 0, i, j;
	unsigned long long	 after = 0;
	const char		*errstr;
	char			*v;
	int			 more = 0;
	long			 k;
	enum ep_err		 e;

	if ((v = req_form_get(r->r_query, strlen(r->r_query), "after"))
	    != NULL) {
		after = (unsigned long long)util_strtonum(v, 0, INT64_MAX,
		    &errstr);
		if (errstr != NULL)
			after = 0;
		free(v);
	}
	if ((e = endpoint_list(r->r_db, r->r_tenant, after, PAGE_SIZE, &eps,
	    &n, &more)) != EP_OK) {
		ep_error(r, e);
		return;
	}
	/* Two queries for the whole page, never one per row. */
	if (delivery_overview(r->r_db, r->r_tenant, &last, &rate) == -1) {
		ep_error(r, EP_DB);
		goto out;
	}
	buf_init(&b);
	html_begin(&b, r, "Webhooks");
	buf_puts(&b, "<div class=\"actions\"><h1>Webhooks</h1>"
	    "<a class=\"button\" href=\"/admin/webhooks/new\">New endpoint</a>"
	    "</div>\n<p>Momentumpro sends each event you subscribe to as an "
	    "HMAC-signed JSON POST to your endpoints, and retries after 1 "
	    "minute, 5 minutes, 30 minutes, 2 hours and 12 hours if your "
	    "endpoint returns a 5xx error or times out.</p>\n");
	if (n == 0 && after == 0)
		buf_puts(&b, "<p class=\"card\">No endpoints yet. Choose "
		    "<strong>New endpoint</strong> to add your first one.</p>\n");
	else {
		buf_puts(&b, "<table>\n<thead><tr><th scope=\"col\">URL</th>"
		    "<th scope=\"col\">Events</th><th scope=\"col\">Enabled"
		    "</th><th scope=\"col\">Last delivery</th><th scope=\"col\""
		    " class=\"num\">Success (24 h)</th></tr></thead>\n<tbody>\n");
		for (i = 0; i < n; i++) {
			html_printf(&b, "<tr><td data-label=\"URL\"><a class=\""
			    "url\" href=\"/admin/webhooks/%llu\">%s</a>",
			    eps[i].ep_id, eps[i].ep_url);
			if (eps[i].ep_description[0] != '\0')
				html_printf(&b, "<br><small>%s</small>",
				    eps[i].ep_description);
			/* Only a format other than the default is worth a
			 * line. */
			if (strcmp(eps[i].ep_format, "momentumpro") != 0)
				html_printf(&b, "<br><small class=\"format\">%s"
				    "</small>", admin_format_label(
				    eps[i].ep_format));
			buf_puts(&b, "</td><td data-label=\"Events\">");
			for (j = 0; j < eps[i].ep_nevents && j < 6; j++)
				html_printf(&b, "%s<code>%s</code>", j ? ", " :
				    "", eps[i].ep_events[j]);
			if (eps[i].ep_nevents > 6)
				html_printf(&b, " and %llu more",
				    (unsigned long long)eps[i].ep_nevents - 6);
			buf_puts(&b, "</td><td data-label=\"Enabled\">");
			/* Disabled by hand is grey; disabled by the
			 * dispatcher (a reason is stored) is red and says
			 * so in words, not only in colour. */
			if (eps[i].ep_enabled)
				status_badge(&b, "enabled");
			else if (eps[i].ep_disabled_reason != NULL)
				html_printf(&b, "<span class=\"status status-"
				    "auto-disabled\" title=\"%s\">disabled "
				    "automatically</span>",
				    eps[i].ep_disabled_reason);
			else
				status_badge(&b, "disabled");
			if (eps[i].ep_enabled && eps[i].ep_failing)
				html_printf(&b, " <span class=\"status status-"
				    "failing\" title=\"every attempt has failed "
				    "since %s\">failing</span><br><small>since "
				    "<time datetime=\"%s\">%s</time></small>",
				    eps[i].ep_failing_since,
				    eps[i].ep_failing_since,
				    eps[i].ep_failing_since);
			buf_puts(&b, "</td><td data-label=\"Last delivery\">");
			if ((k = row_of(last, eps[i].ep_id)) >= 0) {
				status_badge(&b, dbres_get(last, (size_t)k,
				    DO_STATUS));
				if (dbres_get(last, (size_t)k, DO_CODE) != NULL)
					html_printf(&b, " HTTP %s",
					    dbres_get(last, (size_t)k, DO_CODE));
				buf_puts(&b, "<br><small>");
				html_time(&b, dbres_get(last, (size_t)k,
				    DO_AT));
				buf_puts(&b, "</small>");
			} else
				buf_puts(&b, "none yet");
			buf_puts(&b, "</td><td data-label=\"Success (24 h)\" "
			    "class=\"num\">");
			if ((k = row_of(rate, eps[i].ep_id)) >= 0 &&
			    dbres_int(rate, (size_t)k, DR_TOTAL) > 0)
				html_printf(&b, "%lld%%", dbres_int(rate,
				    (size_t)k, DR_OK) * 100 / dbres_int(rate,
				    (size_t)k, DR_TOTAL));
			else
				buf_puts(&b, "—");
			buf_puts(&b, "</td></tr>\n");
		}
		buf_puts(&b, "</tbody></table>\n");
		if (more)
			html_printf(&b, "<nav class=\"pager\"><a href=\"/admin/"
			    "webhooks?after=%llu\">Next page →</a></nav>\n",
			    eps[n - 1].ep_id);
	}
	html_end(&b);
	html_send(r, 200, &b);
	buf_free(&b);
out:
	dbres_free(last);
	dbres_free(rate);
	endpoint_free_list(eps, n);
}

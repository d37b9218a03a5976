/* Admin → Webhooks: the endpoint list, the new/edit form with its event
 * picker, and the endpoint page with its Health dashboard and actions.
 * Plain HTML forms; every value goes through html_esc. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "html.h"
#include "log.h"
#include "req.h"
#include "util.h"

#define PAGE_SIZE	50

/* The submitted or stored values of the endpoint form, and a message per
 * field when validation failed. */
struct epform {
	char	*f_url;
	char	**f_events;
	size_t	 f_nevents;
	char	*f_secret_mode;		/* "generate" or "paste" */
	char	*f_secret;
	char	*f_description;
	int	 f_enabled;
	int	 f_standard;
	char	 f_err_url[512];
	char	 f_err_events[512];
	char	 f_err_secret[512];
	char	 f_err_description[512];
	char	 f_err_form[512];
};

static void
epform_free(struct epform *f)
{
	free(f->f_url);
	req_form_free_all(f->f_events, f->f_nevents);
	free(f->f_secret_mode);
	free(f->f_secret);
	free(f->f_description);
}

/* endpoint.c's messages start with the field name ("url: ..."); next to
 * the field itself the name is redundant. */
static void
field_msg(char *dst, size_t dstsz, const char *msg)
{
	const char	*p = strstr(msg, ": ");

	snprintf(dst, dstsz, "%s", p != NULL && p - msg < 20 ? p + 2 : msg);
	if (dst[0] >= 'a' && dst[0] <= 'z')
		dst[0] = (char)(dst[0] - 'a' + 'A');
}

static int
has_event(const struct epform *f, const char *p)
{
	size_t	 i;

	for (i = 0; i < f->f_nevents; i++)
		if (strcmp(f->f_events[i], p) == 0)
			return 1;
	return 0;
}

static void
field_error(struct buf *b, const char *id, const char *msg)
{
	if (msg[0] != '\0')
		html_printf(b, "<p class=\"field-error\" id=\"%s-error\">%s"
		    "</p>\n", id, msg);
}

static const char *
invalid_attr(const char *msg, const char *id, char *out, size_t outsz)
{
	if (msg[0] == '\0')
		return "";
	snprintf(out, outsz, " aria-invalid=\"true\" aria-describedby=\""
	    "%s-error\"", id);
	return out;
}

/* The new/edit form.  id is 0 for a new endpoint. */
static void
form_page(struct req *r, int status, unsigned long long id,
    const struct epform *f)
{
	struct dbres	*cat = NULL;
	struct buf	 b;
	const char	*c, *prev = NULL, *name;
	char		 attr[128], allcat[80];
	size_t		 i;

	if (db_query(r->r_db, &cat, "SELECT name, category, description "
	    "FROM event_types ORDER BY category, name", "") == -1) {
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
		return;
	}
	buf_init(&b);
	html_begin(&b, r, id ? "Edit endpoint" : "New endpoint");
	if (id)
		html_printf(&b, "<p><a href=\"/admin/webhooks/%llu\">← Back to "
		    "the endpoint</a></p>\n<h1>Edit endpoint</h1>\n", id);
	else
		buf_puts(&b, "<p><a href=\"/admin/webhooks\">← Webhooks</a></p>"
		    "\n<h1>New endpoint</h1>\n");
	if (f->f_err_form[0] != '\0')
		html_printf(&b, "<p class=\"error\" role=\"alert\">%s</p>\n",
		    f->f_err_form);
	if (id)
		html_printf(&b, "<form method=\"post\" action=\"/admin/"
		    "webhooks/%llu\" novalidate>\n", id);
	else
		buf_puts(&b, "<form method=\"post\" action=\"/admin/webhooks\" "
		    "novalidate>\n");
	html_csrf(&b, r);

	html_printf(&b, "<label for=\"url\">URL <span class=\"hint\">Your "
	    "endpoint: http:// or https://, reachable from the internet."
	    "</span></label>\n<input id=\"url\" name=\"url\" type=\"url\" "
	    "required value=\"%s\"", f->f_url ? f->f_url : "");
	buf_puts(&b, invalid_attr(f->f_err_url, "url", attr, sizeof(attr)));
	buf_puts(&b, ">\n");
	field_error(&b, "url", f->f_err_url);

	buf_puts(&b, "<fieldset id=\"events\"><legend>Events</legend>\n"
	    "<p class=\"hint\">Pick which events trigger this endpoint. "
	    "<a href=\"/admin/webhooks/event-catalog\">What each event "
	    "carries</a>.</p>\n");
	field_error(&b, "events", f->f_err_events);
	html_printf(&b, "<label class=\"check\"><input type=\"checkbox\" "
	    "name=\"events\" value=\"*\"%s> <span><strong>All events"
	    "</strong>, including types added later</span></label>\n",
	    has_event(f, "*") ? " checked" : "");
	for (i = 0; i < cat->r_nrow; i++) {
		name = dbres_get(cat, i, 0);
		c = dbres_get(cat, i, 1);
		if (prev == NULL || strcmp(prev, c) != 0) {
			if (prev != NULL)
				buf_puts(&b, "</div></fieldset>\n");
			snprintf(allcat, sizeof(allcat), "%s.*", c);
			html_printf(&b, "<fieldset class=\"category\"><legend>%s"
			    "</legend>\n<label class=\"check\"><input "
			    "type=\"checkbox\" name=\"events\" value=\"%s\"%s> "
			    "<span>All of this category (<code>%s</code>)"
			    "</span></label>\n<div class=\"events-grid\">\n",
			    c, allcat, has_event(f, allcat) ? " checked" : "",
			    allcat);
		}
		prev = c;
		html_printf(&b, "<label class=\"check\" title=\"%s\"><input "
		    "type=\"checkbox\" name=\"events\" value=\"%s\"%s> <code>%s"
		    "</code></label>\n", dbres_get(cat, i, 2), name,
		    has_event(f, name) ? " checked" : "", name);
	}
	if (prev != NULL)
		buf_puts(&b, "</div></fieldset>\n");
	buf_puts(&b, "</fieldset>\n");

	if (id == 0) {
		int paste = f->f_secret_mode != NULL &&
		    strcmp(f->f_secret_mode, "paste") == 0;

		buf_puts(&b, "<fieldset id=\"secret\"><legend>Secret</legend>\n"
		    "<p class=\"hint\">Used to sign every delivery "
		    "(HMAC-SHA256), so your receiver can check it came from "
		    "us.</p>\n");
		html_printf(&b, "<label class=\"check\"><input type=\"radio\" "
		    "name=\"secret_mode\" value=\"generate\"%s> <span>Generate "
		    "a strong secret for me</span></label>\n<label class="
		    "\"check\"><input type=\"radio\" name=\"secret_mode\" "
		    "value=\"paste\"%s> <span>Use my own secret</span></label>\n"
		    "<label for=\"secret-value\">Your secret <span class=\""
		    "hint\">At least 16 characters; used only if you chose "
		    "your own.</span></label>\n<input id=\"secret-value\" "
		    "name=\"secret\" type=\"password\" autocomplete=\"off\" "
		    "value=\"%s\"", paste ? "" : " checked", paste ? " checked" :
		    "", f->f_secret ? f->f_secret : "");
		buf_puts(&b, invalid_attr(f->f_err_secret, "secret", attr,
		    sizeof(attr)));
		buf_puts(&b, ">\n");
		field_error(&b, "secret", f->f_err_secret);
		buf_puts(&b, "</fieldset>\n");
	}

	html_printf(&b, "<label for=\"description\">Description <span "
	    "class=\"hint\">Optional, for you: what this endpoint is for."
	    "</span></label>\n<textarea id=\"description\" name=\""
	    "description\" rows=\"2\"%s>%s</textarea>\n",
	    f->f_err_description[0] ? " aria-invalid=\"true\" "
	    "aria-describedby=\"description-error\"" : "",
	    f->f_description ? f->f_description : "");
	field_error(&b, "description", f->f_err_description);
	html_printf(&b, "<label class=\"check\"><input type=\"checkbox\" "
	    "name=\"enabled\" value=\"1\"%s> <span>Enabled</span></label>\n"
	    "<label class=\"check\"><input type=\"checkbox\" name=\""
	    "standard_webhooks\" value=\"1\"%s> <span>Also send Standard "
	    "Webhooks headers (<code>webhook-id</code>, <code>webhook-"
	    "timestamp</code>, <code>webhook-signature</code>)</span></label>"
	    "\n<button type=\"submit\">Save</button>\n</form>\n",
	    f->f_enabled ? " checked" : "", f->f_standard ? " checked" : "");
	html_end(&b);
	html_send(r, status, &b);
	buf_free(&b);
	dbres_free(cat);
}

void
admin_webhooks_new_get(struct req *r)
{
	struct epform	 f;

	memset(&f, 0, sizeof(f));
	f.f_enabled = 1;
	form_page(r, 200, 0, &f);
}

/* Read the form into f and validate each field; 0 if all are valid. */
static int
read_form(struct req *r, struct epform *f, int creating)
{
	const char	*body = r->r_body;
	size_t		 len = r->r_bodylen;
	char		*v, err[512];
	int		 bad = 0;

	memset(f, 0, sizeof(*f));
	f->f_url = req_form_get(body, len, "url");
	f->f_nevents = req_form_all(body, len, "events", &f->f_events);
	f->f_secret_mode = req_form_get(body, len, "secret_mode");
	f->f_secret = req_form_get(body, len, "secret");
	f->f_description = req_form_get(body, len, "description");
	v = req_form_get(body, len, "enabled");
	f->f_enabled = v != NULL;
	free(v);
	v = req_form_get(body, len, "standard_webhooks");
	f->f_standard = v != NULL;
	free(v);

	if (f->f_url == NULL || f->f_url[0] == '\0') {
		snprintf(f->f_err_url, sizeof(f->f_err_url), "Enter the URL "
		    "of your endpoint, e.g. https://hooks.example.com/momentum"
		    "pro");
		bad = 1;
	} else if (endpoint_check_url(f->f_url, r->r_cf->cf_allow_private,
	    err, sizeof(err)) == -1) {
		field_msg(f->f_err_url, sizeof(f->f_err_url), err);
		bad = 1;
	}
	if (f->f_nevents == 0) {
		snprintf(f->f_err_events, sizeof(f->f_err_events), "Pick at "
		    "least one event, a whole category or all events.");
		bad = 1;
	} else {
		switch (endpoint_check_events(r->r_db, f->f_events,
		    f->f_nevents, err, sizeof(err))) {
		case EP_OK:
			break;
		case EP_INVALID:
			field_msg(f->f_err_events, sizeof(f->f_err_events),
			    err);
			bad = 1;
			break;
		default:
			return -2;
		}
	}
	if (creating && f->f_secret_mode != NULL &&
	    strcmp(f->f_secret_mode, "paste") == 0 &&
	    endpoint_check_secret(f->f_secret ? f->f_secret : "", err,
	    sizeof(err)) == -1) {
		field_msg(f->f_err_secret, sizeof(f->f_err_secret), err);
		bad = 1;
	}
	if (f->f_description != NULL && endpoint_check_description(
	    f->f_description, err, sizeof(err)) == -1) {
		field_msg(f->f_err_description, sizeof(f->f_err_description),
		    err);
		bad = 1;
	}
	if (bad)
		snprintf(f->f_err_form, sizeof(f->f_err_form), "Some fields "
		    "need attention; see the messages below.");
	return bad ? -1 : 0;
}

static void
form_to_set(const struct epform *f, struct endpoint_set *es, int creating)
{
	endpoint_set_init(es);
	es->es_url = f->f_url;
	es->es_events = f->f_events;
	es->es_nevents = f->f_nevents;
	es->es_description = f->f_description ? f->f_description : "";
	es->es_enabled = f->f_enabled;
	es->es_standard_webhooks = f->f_standard;
	if (creating && f->f_secret_mode != NULL &&
	    strcmp(f->f_secret_mode, "paste") == 0)
		es->es_secret = f->f_secret;
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
	enum ep_err		 e;
	int			 rc;

	rc = read_form(r, &f, 1);
	if (rc == -2) {
		ep_error(r, EP_DB);
		goto out;
	}
	if (rc == -1) {
		form_page(r, 422, 0, &f);
		goto out;
	}
	form_to_set(&f, &es, 1);
	if ((e = endpoint_create(r->r_db, r->r_tenant, &es, &id, &secret))
	    != EP_OK) {
		ep_error(r, e);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/admin/webhooks/%llu?done=created", id);
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
	form_page(r, 200, ep.ep_id, &f);
	epform_free(&f);
	endpoint_free(&ep);
}

void
admin_webhooks_update_post(struct req *r)
{
	struct epform		 f;
	struct endpoint_set	 es;
	char			 loc[96];
	enum ep_err		 e;
	int			 rc;

	rc = read_form(r, &f, 0);
	if (rc == -2) {
		ep_error(r, EP_DB);
		goto out;
	}
	if (rc == -1) {
		struct endpoint ep;

		/* Another tenant's id must not get a form either. */
		if ((e = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep))
		    != EP_OK) {
			ep_error(r, e);
			goto out;
		}
		endpoint_free(&ep);
		form_page(r, 422, r->r_ids[0], &f);
		goto out;
	}
	form_to_set(&f, &es, 0);
	if ((e = endpoint_update(r->r_db, r->r_tenant, r->r_ids[0], &es))
	    != EP_OK) {
		ep_error(r, e);
		goto out;
	}
	snprintf(loc, sizeof(loc), "/admin/webhooks/%llu?done=saved",
	    r->r_ids[0]);
	req_redirect(r, loc);
out:
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
	if (db_query(r->r_db, &last, "SELECT d.endpoint_id, d.status, "
	    "d.last_status_code FROM deliveries d JOIN (SELECT endpoint_id, "
	    "MAX(id) AS m FROM deliveries WHERE tenant_id = ? GROUP BY "
	    "endpoint_id) x ON d.id = x.m", "u", r->r_tenant) == -1 ||
	    db_query(r->r_db, &rate, "SELECT a.endpoint_id, COUNT(*), "
	    "SUM(a.status_code BETWEEN 200 AND 299) FROM attempts a JOIN "
	    "endpoints e ON e.id = a.endpoint_id WHERE e.tenant_id = ? AND "
	    "a.started_at > NOW(3) - INTERVAL 1 DAY GROUP BY a.endpoint_id",
	    "u", r->r_tenant) == -1) {
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
			buf_puts(&b, "</td><td data-label=\"Events\">");
			for (j = 0; j < eps[i].ep_nevents && j < 6; j++)
				html_printf(&b, "%s<code>%s</code>", j ? ", " :
				    "", eps[i].ep_events[j]);
			if (eps[i].ep_nevents > 6)
				html_printf(&b, " and %llu more",
				    (unsigned long long)eps[i].ep_nevents - 6);
			buf_puts(&b, "</td><td data-label=\"Enabled\">");
			status_badge(&b, eps[i].ep_enabled ? "enabled" :
			    "disabled");
			buf_puts(&b, "</td><td data-label=\"Last delivery\">");
			if ((k = row_of(last, eps[i].ep_id)) >= 0) {
				status_badge(&b, dbres_get(last, (size_t)k, 1));
				if (dbres_get(last, (size_t)k, 2) != NULL)
					html_printf(&b, " HTTP %s",
					    dbres_get(last, (size_t)k, 2));
			} else
				buf_puts(&b, "none yet");
			buf_puts(&b, "</td><td data-label=\"Success (24 h)\" "
			    "class=\"num\">");
			if ((k = row_of(rate, eps[i].ep_id)) >= 0 &&
			    dbres_int(rate, (size_t)k, 1) > 0)
				html_printf(&b, "%lld%%", dbres_int(rate,
				    (size_t)k, 2) * 100 / dbres_int(rate,
				    (size_t)k, 1));
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

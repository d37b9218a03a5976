/* Admin → Webhooks: the endpoint list, the new/edit form with its event
 * picker, and the endpoint page with its Health dashboard and actions.
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
#include "util.h"

#define PAGE_SIZE	50
#define FILTER_ROWS	5	/* empty rows offered, at least */
#define HEADER_ROWS	3

/* A filter row of the form (filter_path_N, filter_op_N, filter_value_N)
 * and a header row (header_name_N, header_value_N): numbered names, so a
 * row's fields stay together whatever the browser leaves out. */
struct frow {
	char	*fr_path;
	char	*fr_op;
	char	*fr_value;
	char	 fr_err[512];
};

struct hrow {
	char	*hr_name;
	char	*hr_value;
	char	 hr_err[512];
};

/* The submitted or stored values of the endpoint form, and a message per
 * field when validation failed. */
struct epform {
	char		*f_url;
	char		**f_events;
	size_t		 f_nevents;
	char		*f_secret_mode;		/* "generate" or "paste" */
	char		*f_secret;
	char		*f_description;
	int		 f_enabled;
	int		 f_standard;
	char		*f_format;
	char		*f_pdkey;
	struct frow	 f_frows[EP_FILTERS_MAX];
	size_t		 f_nfrows;		/* rows shown */
	struct hrow	 f_hrows[EP_HEADERS_MAX];
	size_t		 f_nhrows;
	struct ep_filter f_filters[EP_FILTERS_MAX];	/* checked */
	size_t		 f_nfilters;
	struct ep_header f_headers[EP_HEADERS_MAX];
	size_t		 f_nheaders;
	char		 f_err_url[512];
	char		 f_err_events[512];
	char		 f_err_secret[512];
	char		 f_err_description[512];
	char		 f_err_format[512];
	char		 f_err_pdkey[512];
	char		 f_err_filters[512];
	char		 f_err_headers[512];
	char		 f_err_form[512];
};

static void
epform_free(struct epform *f)
{
	size_t	 i;

	free(f->f_url);
	req_form_free_all(f->f_events, f->f_nevents);
	free(f->f_secret_mode);
	free(f->f_secret);
	free(f->f_description);
	free(f->f_format);
	endpoint_secret_free(&f->f_pdkey);
	for (i = 0; i < EP_FILTERS_MAX; i++) {
		free(f->f_frows[i].fr_path);
		free(f->f_frows[i].fr_op);
		free(f->f_frows[i].fr_value);
	}
	for (i = 0; i < EP_HEADERS_MAX; i++) {
		free(f->f_hrows[i].hr_name);
		endpoint_secret_free(&f->f_hrows[i].hr_value);
	}
	endpoint_filters_free(f->f_filters, f->f_nfilters);
	endpoint_headers_free(f->f_headers, f->f_nheaders);
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

static const struct {
	const char	*o_op;
	const char	*o_label;
} op_labels[] = {
	{ "eq", "equals" },
	{ "ne", "does not equal" },
	{ "in", "is one of" },
	{ "exists", "is present" },
	{ "gt", "is greater than" },
	{ "lt", "is less than" },
};

static const struct {
	const char	*fm_name;
	const char	*fm_label;
	const char	*fm_hint;
} format_labels[] = {
	{ "momentumpro", "Momentumpro JSON", "the event as documented, "
	    "signed; for Zapier, n8n and your own code" },
	{ "slack", "Slack message", "for a Slack incoming webhook URL: a "
	    "summary people can read, with a link to the record" },
	{ "pagerduty", "PagerDuty event", "Events API v2: incident.reported "
	    "opens an alert, incident.closed resolves it" },
};

const char *
admin_format_label(const char *format)
{
	size_t	 k;

	for (k = 0; k < sizeof(format_labels) / sizeof(format_labels[0]); k++)
		if (strcmp(format_labels[k].fm_name, format) == 0)
			return format_labels[k].fm_label;
	return format;
}

/* The stored, masked value of header name (edit form placeholders). */
static const char *
stored_header(const struct endpoint *cur, const char *name)
{
	size_t	 i;

	for (i = 0; cur != NULL && name != NULL && i < cur->ep_nheaders; i++)
		if (strcasecmp(cur->ep_headers[i].eh_name, name) == 0)
			return cur->ep_headers[i].eh_value;
	return NULL;
}

/* Format, PagerDuty routing key, filters and custom headers.  Every
 * value goes through html_printf's %s (escaped); markup never does. */
static void
form_integrations(struct buf *b, const struct epform *f,
    const struct endpoint *cur)
{
	const char	*fmt = f->f_format != NULL ? f->f_format : "momentumpro";
	const char	*ph;
	char		 attr[128], id[32];
	size_t		 i, k;
	int		 n;

	buf_puts(b, "<fieldset id=\"format\"><legend>Payload format</legend>"
	    "\n<p class=\"hint\">What each delivery's body looks like. Every "
	    "format is signed the same way.</p>\n");
	field_error(b, "format", f->f_err_format);
	for (k = 0; k < sizeof(format_labels) / sizeof(format_labels[0]); k++)
		html_printf(b, "<label class=\"check\"><input type=\"radio\" "
		    "name=\"format\" value=\"%s\"%s> <span><strong>%s</strong>"
		    " — %s</span></label>\n", format_labels[k].fm_name,
		    strcmp(fmt, format_labels[k].fm_name) == 0 ? " checked" : "",
		    format_labels[k].fm_label, format_labels[k].fm_hint);
	ph = cur != NULL ? cur->ep_routing_key : NULL;
	buf_puts(b, "<label for=\"pagerduty-routing-key\">PagerDuty routing "
	    "key <span class=\"hint\">Only with PagerDuty: the 32-character "
	    "integration key of an Events API v2 integration on your "
	    "service.");
	if (ph != NULL)
		html_printf(b, " Stored: %s — leave blank to keep it.", ph);
	html_printf(b, "</span></label>\n<input id=\"pagerduty-routing-key\" "
	    "name=\"pagerduty_routing_key\" type=\"password\" autocomplete="
	    "\"off\" value=\"%s\" placeholder=\"%s\"", f->f_pdkey != NULL ?
	    f->f_pdkey : "", ph != NULL ? ph : "");
	buf_puts(b, invalid_attr(f->f_err_pdkey, "pagerduty-routing-key",
	    attr, sizeof(attr)));
	buf_puts(b, ">\n");
	field_error(b, "pagerduty-routing-key", f->f_err_pdkey);
	buf_puts(b, "</fieldset>\n");

	buf_puts(b, "<fieldset id=\"filters\"><legend>Filters</legend>\n<p "
	    "class=\"hint\">Send only the events whose data matches every "
	    "row; leave them empty to send all the events picked above. "
	    "Field: <code>data.</code> and a field of the event, such as "
	    "<code>data.priority</code> or <code>data.employee.department"
	    "</code>. Value: text, a number, <code>true</code> or <code>false"
	    "</code>; write <code>\"5\"</code> in quotes for text that looks "
	    "like a number, and separate the values of “is one of” with "
	    "commas. Text must match exactly, capitals included.</p>\n");
	field_error(b, "filters", f->f_err_filters);
	for (i = 0; i < f->f_nfrows; i++) {
		const struct frow *fr = &f->f_frows[i];

		n = (int)i + 1;
		snprintf(id, sizeof(id), "filter-%d", n);
		html_printf(b, "<div class=\"rule\"><div><label for=\"filter-"
		    "path-%d\">Field %d</label><input id=\"filter-path-%d\" "
		    "name=\"filter_path_%d\" type=\"text\" placeholder=\""
		    "data.priority\" value=\"%s\"", n, n, n, n - 1,
		    fr->fr_path != NULL ? fr->fr_path : "");
		buf_puts(b, invalid_attr(fr->fr_err, id, attr, sizeof(attr)));
		html_printf(b, "></div><div><label for=\"filter-op-%d\">"
		    "Condition %d</label><select id=\"filter-op-%d\" name=\""
		    "filter_op_%d\">", n, n, n, n - 1);
		for (k = 0; k < sizeof(op_labels) / sizeof(op_labels[0]); k++)
			html_printf(b, "<option value=\"%s\"%s>%s</option>",
			    op_labels[k].o_op, fr->fr_op != NULL &&
			    strcmp(fr->fr_op, op_labels[k].o_op) == 0 ?
			    " selected" : "", op_labels[k].o_label);
		html_printf(b, "</select></div><div><label for=\"filter-value-"
		    "%d\">Value %d</label><input id=\"filter-value-%d\" name="
		    "\"filter_value_%d\" type=\"text\" placeholder=\"high\" "
		    "value=\"%s\"></div></div>\n", n, n, n, n - 1,
		    fr->fr_value != NULL ? fr->fr_value : "");
		field_error(b, id, fr->fr_err);
	}
	buf_puts(b, "</fieldset>\n");

	buf_puts(b, "<fieldset id=\"headers\"><legend>Custom headers"
	    "</legend>\n<p class=\"hint\">Sent with every delivery, for "
	    "receivers that want a credential of their own, such as <code>"
	    "Authorization: Bearer …</code>. Values are stored encrypted and "
	    "never shown again in full.</p>\n");
	field_error(b, "headers", f->f_err_headers);
	for (i = 0; i < f->f_nhrows; i++) {
		const struct hrow *hr = &f->f_hrows[i];

		n = (int)i + 1;
		ph = stored_header(cur, hr->hr_name);
		snprintf(id, sizeof(id), "header-%d", n);
		html_printf(b, "<div class=\"rule\"><div><label for=\"header-"
		    "name-%d\">Header %d name</label><input id=\"header-name-"
		    "%d\" name=\"header_name_%d\" type=\"text\" placeholder="
		    "\"Authorization\" value=\"%s\"", n, n, n, n - 1,
		    hr->hr_name != NULL ? hr->hr_name : "");
		buf_puts(b, invalid_attr(hr->hr_err, id, attr, sizeof(attr)));
		html_printf(b, "></div><div class=\"wide\"><label for=\"header-"
		    "value-%d\">Header %d value", n, n);
		if (ph != NULL)
			html_printf(b, " <span class=\"hint\">Stored: %s — leave "
			    "blank to keep it</span>", ph);
		html_printf(b, "</label><input id=\"header-value-%d\" name=\""
		    "header_value_%d\" type=\"password\" autocomplete=\"off\" "
		    "placeholder=\"%s\" value=\"%s\"></div></div>\n", n, n - 1,
		    ph != NULL ? ph : "", hr->hr_value != NULL ? hr->hr_value :
		    "");
		field_error(b, id, hr->hr_err);
	}
	buf_puts(b, "</fieldset>\n");
}

/* The new/edit form.  id is 0 for a new endpoint; cur is the endpoint
 * as stored (for the masked values), or NULL. */
static void
form_page(struct req *r, int status, unsigned long long id,
    const struct epform *f, const struct endpoint *cur)
{
	struct dbres	*cat = NULL;
	struct buf	 b;
	const char	*c, *prev = NULL, *name;
	char		 attr[128], allcat[80];
	size_t		 i;

	if (catalog_list(r->r_db, &cat) == -1) {
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

	form_integrations(&b, f, cur);

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

/* A stored filter's value as the form's box shows it: what the box
 * would read back as the same value (endpoint_filter_text). */
static char *
filter_box(const struct ep_filter *ef)
{
	struct json_doc	 doc;
	struct buf	 b, back;
	const char	*raw;
	char		*s;
	size_t		 len;
	int		 i, e, same;

	if (ef->ef_value == NULL)
		return NULL;
	buf_init(&b);
	if (json_parse(&doc, ef->ef_value, strlen(ef->ef_value), 0, NULL, 0)
	    == 0) {
		if (doc.d_tok[0].t_type == JSON_STRING &&
		    (s = json_strdup(&doc, 0)) != NULL) {
			buf_puts(&b, s);
			free(s);
		} else if (doc.d_tok[0].t_type == JSON_ARRAY) {
			/* high, critical */
			for (i = 0, e = 1; i < doc.d_tok[0].t_size; i++,
			    e = json_skip(&doc, e)) {
				if (i > 0)
					buf_puts(&b, ", ");
				if (doc.d_tok[e].t_type == JSON_STRING &&
				    (s = json_strdup(&doc, e)) != NULL) {
					buf_puts(&b, s);
					free(s);
				} else {
					raw = json_raw(&doc, e, &len);
					buf_add(&b, raw, len);
				}
			}
		} else
			buf_puts(&b, ef->ef_value);
		json_free(&doc);
	}
	buf_init(&back);
	endpoint_filter_text(ef->ef_op, buf_cstr(&b), &back);
	same = back.b_len == strlen(ef->ef_value) &&
	    memcmp(back.b_data, ef->ef_value, back.b_len) == 0;
	buf_free(&back);
	if (!same) {
		buf_reset(&b);
		buf_puts(&b, ef->ef_value);
	}
	return buf_release(&b);
}

void
admin_webhooks_new_get(struct req *r)
{
	struct epform	 f;

	memset(&f, 0, sizeof(f));
	f.f_enabled = 1;
	f.f_nfrows = FILTER_ROWS;
	f.f_nhrows = HEADER_ROWS;
	form_page(r, 200, 0, &f, NULL);
}

/* A numbered form field ("filter_path_3"), decoded, or NULL. */
static char *
form_n(struct req *r, const char *name, size_t i)
{
	char	 key[48];

	snprintf(key, sizeof(key), "%s_%zu", name, i);
	return req_form_get(r->r_body, r->r_bodylen, key);
}

static int
blank(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
}

/* Rows to show: those used plus room for more, at least min. */
static size_t
rows_shown(size_t used, size_t min, size_t max)
{
	used += 2;
	if (used < min)
		used = min;
	return used > max ? max : used;
}

/* The filter rows: each row with a field becomes a checked filter, or
 * gets its message.  0 if all are valid. */
static int
read_filters(struct req *r, struct epform *f)
{
	struct frow	*fr;
	struct buf	 json;
	char		 err[512];
	size_t		 i, used = 0;
	int		 bad = 0;

	buf_init(&json);
	for (i = 0; i < EP_FILTERS_MAX; i++) {
		fr = &f->f_frows[i];
		fr->fr_path = form_n(r, "filter_path", i);
		fr->fr_op = form_n(r, "filter_op", i);
		fr->fr_value = form_n(r, "filter_value", i);
		if (blank(fr->fr_path) && blank(fr->fr_value))
			continue;
		used = i + 1;
		if (blank(fr->fr_path)) {
			snprintf(fr->fr_err, sizeof(fr->fr_err), "Enter the "
			    "field to test, such as data.priority, or clear the "
			    "value.");
			bad = 1;
			continue;
		}
		buf_reset(&json);
		if (!blank(fr->fr_value))
			endpoint_filter_text(fr->fr_op, fr->fr_value, &json);
		if (endpoint_filter_make(fr->fr_path + strspn(fr->fr_path,
		    " \t"), fr->fr_op, blank(fr->fr_value) ? NULL :
		    buf_cstr(&json), json.b_len, f->f_nfilters,
		    &f->f_filters[f->f_nfilters], err, sizeof(err)) == -1) {
			field_msg(fr->fr_err, sizeof(fr->fr_err), err);
			bad = 1;
			continue;
		}
		f->f_nfilters++;
	}
	buf_free(&json);
	f->f_nfrows = rows_shown(used, FILTER_ROWS, EP_FILTERS_MAX);
	return bad ? -1 : 0;
}

/* The header rows; a blank value keeps the stored one (on edit). */
static int
read_headers(struct req *r, struct epform *f, int creating)
{
	struct hrow	*hr;
	struct ep_header *h;
	char		 err[512];
	size_t		 i, used = 0;
	int		 bad = 0;

	for (i = 0; i < EP_HEADERS_MAX; i++) {
		hr = &f->f_hrows[i];
		hr->hr_name = form_n(r, "header_name", i);
		hr->hr_value = form_n(r, "header_value", i);
		if (blank(hr->hr_name) && blank(hr->hr_value))
			continue;
		used = i + 1;
		if (blank(hr->hr_name)) {
			snprintf(hr->hr_err, sizeof(hr->hr_err), "Enter the "
			    "header's name, such as Authorization, or clear the "
			    "value.");
			bad = 1;
			continue;
		}
		if (creating && (hr->hr_value == NULL ||
		    hr->hr_value[0] == '\0')) {
			snprintf(hr->hr_err, sizeof(hr->hr_err), "Enter the "
			    "value to send with %s.", hr->hr_name);
			bad = 1;
			continue;
		}
		h = &f->f_headers[f->f_nheaders];
		h->eh_name = xstrdup(hr->hr_name + strspn(hr->hr_name, " \t"));
		h->eh_value = hr->hr_value != NULL && hr->hr_value[0] != '\0' ?
		    xstrdup(hr->hr_value) : NULL;
		f->f_nheaders++;
		if (endpoint_check_header(h, err, sizeof(err)) == -1) {
			field_msg(hr->hr_err, sizeof(hr->hr_err), err);
			bad = 1;
		}
	}
	f->f_nhrows = rows_shown(used, HEADER_ROWS, EP_HEADERS_MAX);
	if (!bad && endpoint_check_headers(f->f_headers, f->f_nheaders, err,
	    sizeof(err)) == -1) {
		field_msg(f->f_err_headers, sizeof(f->f_err_headers), err);
		bad = 1;
	}
	return bad ? -1 : 0;
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
	f->f_format = req_form_get(body, len, "format");
	if (f->f_format == NULL)
		f->f_format = xstrdup("momentumpro");
	f->f_pdkey = req_form_get(body, len, "pagerduty_routing_key");

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
	if (endpoint_check_format(f->f_format, err, sizeof(err)) == -1) {
		field_msg(f->f_err_format, sizeof(f->f_err_format), err);
		bad = 1;
	} else if (strcmp(f->f_format, "pagerduty") == 0) {
		/* Blank: the stored key is kept, and the model says so if
		 * there is none. */
		if (creating && blank(f->f_pdkey)) {
			snprintf(f->f_err_pdkey, sizeof(f->f_err_pdkey), "Enter "
			    "the 32-character integration key of your PagerDuty "
			    "service's Events API v2 integration.");
			bad = 1;
		} else if (!blank(f->f_pdkey) && endpoint_check_routing_key(
		    f->f_pdkey, err, sizeof(err)) == -1) {
			field_msg(f->f_err_pdkey, sizeof(f->f_err_pdkey), err);
			bad = 1;
		}
	}
	if (read_filters(r, f) == -1)
		bad = 1;
	if (read_headers(r, f, creating) == -1)
		bad = 1;
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
	es->es_format = f->f_format;
	/* The key box only counts with PagerDuty; blank keeps it. */
	if (strcmp(f->f_format, "pagerduty") == 0 && !blank(f->f_pdkey))
		es->es_routing_key = f->f_pdkey;
	es->es_filters = f->f_filters;
	es->es_nfilters = f->f_nfilters;
	es->es_filters_set = 1;
	es->es_headers = f->f_headers;
	es->es_nheaders = f->f_nheaders;
	es->es_headers_set = 1;
}

/* A message of the model about more than one field, at its field. */
static void
model_msg(struct epform *f, const char *err)
{
	if (strncmp(err, "pagerduty_routing_key", 21) == 0)
		field_msg(f->f_err_pdkey, sizeof(f->f_err_pdkey), err);
	else if (strncmp(err, "headers", 7) == 0)
		field_msg(f->f_err_headers, sizeof(f->f_err_headers), err);
	else
		field_msg(f->f_err_form, sizeof(f->f_err_form), err);
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
	char			*secret = NULL, loc[96], err[512];
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
	err[0] = '\0';
	if ((e = endpoint_create(r->r_db, r->r_tenant, &es, &id, &secret,
	    err, sizeof(err))) == EP_INVALID) {
		model_msg(&f, err);
		form_page(r, 422, 0, &f, NULL);
		goto out;
	}
	if (e != EP_OK) {
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
	char			 loc[96], err[512];
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
	err[0] = '\0';
	if ((e = endpoint_update(r->r_db, r->r_tenant, r->r_ids[0], &es,
	    err, sizeof(err))) == EP_INVALID) {
		if ((e = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep))
		    != EP_OK) {
			ep_error(r, e);
			goto out;
		}
		have = 1;
		model_msg(&f, err);
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
			status_badge(&b, eps[i].ep_enabled ? "enabled" :
			    "disabled");
			buf_puts(&b, "</td><td data-label=\"Last delivery\">");
			if ((k = row_of(last, eps[i].ep_id)) >= 0) {
				status_badge(&b, dbres_get(last, (size_t)k,
				    DO_STATUS));
				if (dbres_get(last, (size_t)k, DO_CODE) != NULL)
					html_printf(&b, " HTTP %s",
					    dbres_get(last, (size_t)k, DO_CODE));
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

/* Admin → Webhooks: the new/edit endpoint form rendered, with its event
 * picker, integrations and a message at each field.  Every value goes
 * through html_esc. */
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
#include "admin_form.h"

static int
has_event(const struct epform *f, const char *p)
{
	size_t	 i;

	for (i = 0; i < f->f_nevents; i++)
		if (strcmp(f->f_events[i], p) == 0)
			return 1;
	return 0;
}

static int
blank_str(const char *s)
{
	return s == NULL || s[strspn(s, " \t")] == '\0';
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
	    "\"off\" value=\"%s\"%s", f->f_pdkey != NULL ? f->f_pdkey : "",
	    ph != NULL ? " placeholder=\"(stored; blank keeps it)\"" : "");
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
		    "e.g. data.priority\" value=\"%s\"", n, n, n, n - 1,
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
		    "\"filter_value_%d\" type=\"text\" placeholder=\"e.g. high\" "
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
		    "\"e.g. Authorization\" value=\"%s\"", n, n, n, n - 1,
		    hr->hr_name != NULL ? hr->hr_name : "");
		buf_puts(b, invalid_attr(hr->hr_err, id, attr, sizeof(attr)));
		html_printf(b, "></div><div class=\"wide\"><label for=\"header-"
		    "value-%d\">Header %d value", n, n);
		if (ph != NULL)
			html_printf(b, " <span class=\"hint\">Stored: %s — leave "
			    "blank to keep it</span>", ph);
		html_printf(b, "</label><input id=\"header-value-%d\" name=\""
		    "header_value_%d\" type=\"password\" autocomplete=\"off\""
		    "%s value=\"%s\"></div></div>\n", n, n - 1, ph != NULL ?
		    " placeholder=\"(stored; blank keeps it)\"" : "",
		    hr->hr_value != NULL ? hr->hr_value : "");
		field_error(b, id, hr->hr_err);
	}
	buf_puts(b, "</fieldset>\n");
}

/* The message atop a form that comes back: each field's message as a link
 * to the field, in the form's order, and the focus on it (autofocus works
 * on any focusable element, hence tabindex) so a keyboard or screen reader
 * user starts here, without JavaScript. */
static void
error_summary(struct buf *b, const struct epform *f)
{
	char	 href[48], label[48];
	size_t	 i;

	if (f->f_err_form[0] == '\0')
		return;
	html_printf(b, "<div class=\"error error-summary\" id=\"error-"
	    "summary\" role=\"alert\" tabindex=\"-1\" autofocus>\n<p>%s</p>\n"
	    "<ul>\n", f->f_err_form);
	html_summary_item(b, "url", "URL", f->f_err_url);
	html_summary_item(b, "description", "Description",
	    f->f_err_description);
	html_summary_item(b, "events", "Events", f->f_err_events);
	html_summary_item(b, "secret-value", "Secret", f->f_err_secret);
	html_summary_item(b, "format", "Payload format", f->f_err_format);
	html_summary_item(b, "pagerduty-routing-key", "PagerDuty routing key",
	    f->f_err_pdkey);
	html_summary_item(b, "filters", "Filters", f->f_err_filters);
	for (i = 0; i < f->f_nfrows; i++) {
		snprintf(href, sizeof(href), "filter-path-%zu", i + 1);
		snprintf(label, sizeof(label), "Filter %zu", i + 1);
		html_summary_item(b, href, label, f->f_frows[i].fr_err);
	}
	html_summary_item(b, "headers", "Custom headers", f->f_err_headers);
	for (i = 0; i < f->f_nhrows; i++) {
		snprintf(href, sizeof(href), "header-name-%zu", i + 1);
		snprintf(label, sizeof(label), "Header %zu", i + 1);
		html_summary_item(b, href, label, f->f_hrows[i].hr_err);
	}
	buf_puts(b, "</ul>\n</div>\n");
}

/* Does the advanced part hold anything but the defaults, or a message?
 * Then it starts open, so nothing set or wrong is out of sight. */
static int
advanced_open(const struct epform *f)
{
	size_t	 i;

	if (f->f_err_secret[0] != '\0' || f->f_err_format[0] != '\0' ||
	    f->f_err_pdkey[0] != '\0' || f->f_err_filters[0] != '\0' ||
	    f->f_err_headers[0] != '\0')
		return 1;
	if ((f->f_secret_mode != NULL && strcmp(f->f_secret_mode, "paste")
	    == 0) || !blank_str(f->f_secret) || !blank_str(f->f_pdkey) ||
	    !f->f_standard || (f->f_format != NULL &&
	    strcmp(f->f_format, "momentumpro") != 0))
		return 1;
	for (i = 0; i < f->f_nfrows; i++)
		if (f->f_frows[i].fr_err[0] != '\0' ||
		    !blank_str(f->f_frows[i].fr_path) ||
		    !blank_str(f->f_frows[i].fr_value))
			return 1;
	for (i = 0; i < f->f_nhrows; i++)
		if (f->f_hrows[i].hr_err[0] != '\0' ||
		    !blank_str(f->f_hrows[i].hr_name) ||
		    !blank_str(f->f_hrows[i].hr_value))
			return 1;
	return 0;
}

/* The chosen events in a line atop the picker; admin.js rewrites it as
 * boxes are ticked. */
static void
chosen_line(struct buf *b, const struct epform *f)
{
	size_t	 i;

	buf_puts(b, "<p class=\"chosen\" id=\"events-chosen\" aria-live="
	    "\"polite\">");
	if (f->f_nevents == 0) {
		buf_puts(b, "No events chosen yet.</p>\n");
		return;
	}
	html_printf(b, "<strong>%zu chosen:</strong> ", f->f_nevents);
	for (i = 0; i < f->f_nevents; i++)
		html_printf(b, "%s<code>%s</code>", i ? ", " : "",
		    f->f_events[i]);
	buf_puts(b, "</p>\n");
}

/* The event picker: a disclosure holding a disclosure per category, each
 * with its count of chosen events and an "all of" box (the category's
 * pattern, leave.*, which also takes types added later), and each event
 * with its description.  A category holding chosen events starts open;
 * the picker starts open when its message needs reading. */
static void
event_picker(struct buf *b, const struct epform *f, struct dbres *cat)
{
	const char	*c, *name;
	char		 allcat[80];
	size_t		 i, j, ncat = 0, nin, nchosen;
	int		 all;

	for (i = 0; i < cat->r_nrow; i++)
		if (i == 0 || strcmp(dbres_get(cat, i, 1),
		    dbres_get(cat, i - 1, 1)) != 0)
			ncat++;
	buf_puts(b, "<fieldset id=\"events\"><legend>Events</legend>\n"
	    "<p class=\"hint\">Pick which events trigger this endpoint. "
	    "<a href=\"/admin/webhooks/event-catalog\" target=\"_blank\" "
	    "rel=\"noopener\">What each event carries<span class=\"visually-"
	    "hidden\"> (opens in a new tab)</span></a></p>\n");
	field_error(b, "events", f->f_err_events);
	chosen_line(b, f);
	html_printf(b, "<details class=\"picker\" id=\"event-picker\"%s>"
	    "<summary>Choose events <span class=\"hint-inline\">%zu types "
	    "in %zu categories</span></summary>\n", f->f_err_events[0] != '\0'
	    ? " open" : "", cat->r_nrow, ncat);
	/* Shown by admin.js: without it, a box that does nothing. */
	buf_puts(b, "<div class=\"event-filter\" hidden><label for=\"event-"
	    "filter\">Filter events <span class=\"hint\">By name or "
	    "description; categories open to show what matches.</span>"
	    "</label><input type=\"search\" id=\"event-filter\" autocomplete="
	    "\"off\" spellcheck=\"false\"></div>\n");
	html_printf(b, "<label class=\"check\"><input type=\"checkbox\" "
	    "name=\"events\" value=\"*\" data-all-events%s> <span><strong>"
	    "All events</strong>, including types added later</span></label>"
	    "\n<div class=\"categories\">\n", has_event(f, "*") ?
	    " checked" : "");
	for (i = 0; i < cat->r_nrow; i = j) {
		c = dbres_get(cat, i, 1);
		snprintf(allcat, sizeof(allcat), "%s.*", c);
		all = has_event(f, allcat);
		for (j = i, nchosen = 0; j < cat->r_nrow &&
		    strcmp(dbres_get(cat, j, 1), c) == 0; j++)
			if (has_event(f, dbres_get(cat, j, 0)))
				nchosen++;
		nin = j - i;
		html_printf(b, "<details class=\"category\" data-category=\"%s\""
		    "%s><summary><span class=\"cat-name\">%s</span> <span "
		    "class=\"cat-count\">", c, all || nchosen ? " open" : "", c);
		if (all)
			html_printf(b, "all %zu chosen", nin);
		else if (nchosen > 0)
			html_printf(b, "%zu of %zu chosen", nchosen, nin);
		else
			html_printf(b, "%zu %s", nin, nin == 1 ? "type" : "types");
		html_printf(b, "</span></summary>\n<label class=\"check\">"
		    "<input type=\"checkbox\" name=\"events\" value=\"%s\" "
		    "data-all-of=\"%s\"%s> <span>All of %s (<code>%s</code>), "
		    "including types added later</span></label>\n<ul class="
		    "\"event-list\">\n", allcat, c, all ? " checked" : "", c,
		    allcat);
		for (; i < j; i++) {
			name = dbres_get(cat, i, 0);
			html_printf(b, "<li><label class=\"check\"><input type="
			    "\"checkbox\" name=\"events\" value=\"%s\" data-in="
			    "\"%s\"%s> <span><code>%s</code> <span class=\""
			    "event-desc\">%s</span></span></label></li>\n", name,
			    c, has_event(f, name) ? " checked" : "", name,
			    dbres_get(cat, i, 2));
		}
		buf_puts(b, "</ul>\n</details>\n");
	}
	buf_puts(b, "</div>\n</details>\n</fieldset>\n");
}

/* Generate a secret, or paste one's own (new endpoints only). */
static void
secret_choice(struct buf *b, const struct epform *f)
{
	char	 attr[128];
	int	 paste = f->f_secret_mode != NULL &&
		    strcmp(f->f_secret_mode, "paste") == 0;

	buf_puts(b, "<fieldset id=\"secret\"><legend>Secret</legend>\n"
	    "<p class=\"hint\">Used to sign every delivery (HMAC-SHA256), so "
	    "your receiver can check it came from us. It is shown once after "
	    "Save, with a Copy button.</p>\n");
	html_printf(b, "<label class=\"check\"><input type=\"radio\" "
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
	buf_puts(b, invalid_attr(f->f_err_secret, "secret", attr,
	    sizeof(attr)));
	buf_puts(b, ">\n");
	field_error(b, "secret", f->f_err_secret);
	buf_puts(b, "</fieldset>\n");
}

/* The new/edit form.  id is 0 for a new endpoint; cur is the endpoint
 * as stored (for the masked values), or NULL.  The form posts to its own
 * address, so one that comes back with messages can be reloaded or
 * bookmarked as the form.  In order: URL, description, events, the
 * advanced part (closed unless it holds a value or a message), Enabled
 * and Save, so Save is a few Tab presses from the top. */
void
form_page(struct req *r, int status, unsigned long long id,
    const struct epform *f, const struct endpoint *cur)
{
	struct dbres	*cat = NULL;
	struct buf	 b;
	char		 attr[128];

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
	error_summary(&b, f);
	if (id)
		html_printf(&b, "<form method=\"post\" class=\"endpoint-form\" "
		    "action=\"/admin/webhooks/%llu/edit\" novalidate>\n", id);
	else
		buf_puts(&b, "<form method=\"post\" class=\"endpoint-form\" "
		    "action=\"/admin/webhooks/new\" novalidate>\n");
	html_csrf(&b, r);

	html_printf(&b, "<label for=\"url\">URL <span class=\"hint\">Your "
	    "endpoint: http:// or https://, reachable from the internet."
	    "</span></label>\n<input id=\"url\" name=\"url\" type=\"url\" "
	    "required value=\"%s\"", f->f_url ? f->f_url : "");
	buf_puts(&b, invalid_attr(f->f_err_url, "url", attr, sizeof(attr)));
	buf_puts(&b, ">\n");
	field_error(&b, "url", f->f_err_url);

	html_printf(&b, "<label for=\"description\">Description <span "
	    "class=\"hint\">Optional, for you: what this endpoint is for."
	    "</span></label>\n<textarea id=\"description\" name=\""
	    "description\" rows=\"2\"%s>%s</textarea>\n",
	    f->f_err_description[0] ? " aria-invalid=\"true\" "
	    "aria-describedby=\"description-error\"" : "",
	    f->f_description ? f->f_description : "");
	field_error(&b, "description", f->f_err_description);

	event_picker(&b, f, cat);

	html_printf(&b, "<details class=\"advanced\" id=\"advanced\"%s>"
	    "<summary>Advanced settings <span class=\"hint-inline\">%s"
	    "payload format, filters, custom headers, Standard Webhooks "
	    "headers</span></summary>\n", advanced_open(f) ? " open" : "",
	    id ? "" : "your own secret, ");
	if (id == 0)
		secret_choice(&b, f);
	form_integrations(&b, f, cur);
	html_printf(&b, "<label class=\"check\"><input type=\"checkbox\" "
	    "name=\"standard_webhooks\" value=\"1\"%s> <span>Also send "
	    "Standard Webhooks headers (<code>webhook-id</code>, <code>"
	    "webhook-timestamp</code>, <code>webhook-signature</code>): their "
	    "signature covers the timestamp, so a captured delivery cannot "
	    "be replayed later</span></label>\n</details>\n",
	    f->f_standard ? " checked" : "");

	if (id == 0)
		buf_puts(&b, "<p class=\"hint\" id=\"secret-note\">Secret: "
		    "one is generated for you and shown once after Save, with "
		    "a Copy button; to use your own, open Advanced settings."
		    "</p>\n");
	html_printf(&b, "<label class=\"check\"><input type=\"checkbox\" "
	    "name=\"enabled\" value=\"1\"%s> <span>Enabled</span></label>\n"
	    "<button type=\"submit\">Save</button>\n</form>\n",
	    f->f_enabled ? " checked" : "");
	html_end(&b);
	html_send(r, status, &b);
	buf_free(&b);
	dbres_free(cat);
}

/* /admin/deliveries: the tenant's deliveries across all its endpoints,
 * newest first, filtered by status, event type, endpoint, creation time
 * and id (a delivery's or an event's), paged by a cursor on the id.
 * A GET form: nothing changes, so no CSRF token; a bad filter value
 * answers 400 with the form and a message at the field. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "buf.h"
#include "catalog.h"
#include "db.h"
#include "delivery.h"
#include "endpoint.h"
#include "html.h"
#include "req.h"
#include "util.h"

#define DELIVERIES_PAGE	50
/* The endpoint filter offers the tenant's endpoints, up to this many
 * (an endpoint id typed in the address works for any). */
#define ENDPOINTS_MAX	500

/* The filters as typed (kept for the form and the pager links) and as
 * checked; each field's message, "" when fine. */
struct dfilt {
	char			*fl_status, *fl_event, *fl_endpoint;
	char			*fl_from, *fl_until, *fl_id, *fl_before;
	char			 fl_from_sql[32], fl_until_sql[32];
	unsigned long long	 fl_before_id;
	struct dl_filter	 fl_f;
	char			 fl_err_status[128], fl_err_event[160];
	char			 fl_err_endpoint[128], fl_err_from[160];
	char			 fl_err_until[160], fl_err_id[128];
	char			 fl_err_before[128];
	int			 fl_bad;
};

static void
dfilt_free(struct dfilt *fl)
{
	free(fl->fl_status);
	free(fl->fl_event);
	free(fl->fl_endpoint);
	free(fl->fl_from);
	free(fl->fl_until);
	free(fl->fl_id);
	free(fl->fl_before);
}

/* A query value, NULL when absent or empty. */
static char *
qget(struct req *r, const char *name)
{
	char	*v = req_form_get(r->r_query, strlen(r->r_query), name);

	if (v != NULL && v[0] == '\0') {
		free(v);
		v = NULL;
	}
	return v;
}

/* n digits at s as a number, -1 if any is not a digit. */
static int
digits(const char *s, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (a space for the T
 * and a final Z accepted), UTC.  The start of what it names in
 * DATETIME(3) text, and with end the start of what follows it (the next
 * day, minute or second), so that "until 2026-11-30" takes in that whole
 * day.  0, or -1 when it is no such time.
 */
static int
time_filter(const char *s, int end, char out[32])
{
	struct tm	 tm;
	size_t		 n = strlen(s);
	int64_t		 step = 86400;
	time_t		 t;
	int		 y, mo, d, h = 0, mi = 0, sec = 0;

	if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
		n--;
	if (n != 10 && n != 16 && n != 19)
		return -1;
	if ((y = digits(s, 4)) < 1970 || y > 9999 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 1 || d > 31)
		return -1;
	if (n >= 16) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
		    (h = digits(s + 11, 2)) < 0 || h > 23 || s[13] != ':' ||
		    (mi = digits(s + 14, 2)) < 0 || mi > 59)
			return -1;
		step = 60;
	}
	if (n == 19) {
		if (s[16] != ':' || (sec = digits(s + 17, 2)) < 0 || sec > 59)
			return -1;
		step = 1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	/* timegm normalises 2026-02-31 to March: refuse it instead. */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	util_sqltime_fmt(((int64_t)t + (end ? step : 0)) * 1000, out);
	return 0;
}

/* A positive id, with or without a leading '#': 0 when it is none. */
static unsigned long long
id_value(const char *s)
{
	const char	*errstr;
	long long	 v;

	if (s[0] == '#')
		s++;
	v = util_strtonum(s, 1, INT64_MAX, &errstr);
	return errstr != NULL ? 0 : (unsigned long long)v;
}

static int
in_catalog(const struct dbres *names, const char *type)
{
	size_t	 i;

	for (i = 0; i < names->r_nrow; i++)
		if (strcmp(dbres_get(names, i, CAT_NAME), type) == 0)
			return 1;
	return 0;
}

/* Read and check every filter; fl_bad when one is wrong. */
static void
dfilt_read(struct req *r, struct dfilt *fl, const struct dbres *names)
{
	memset(fl, 0, sizeof(*fl));
	fl->fl_status = qget(r, "status");
	fl->fl_event = qget(r, "event");
	fl->fl_endpoint = qget(r, "endpoint");
	fl->fl_from = qget(r, "from");
	fl->fl_until = qget(r, "until");
	fl->fl_id = qget(r, "id");
	fl->fl_before = qget(r, "before");

	if (fl->fl_status != NULL) {
		if (delivery_status_ok(fl->fl_status))
			fl->fl_f.df_status = fl->fl_status;
		else
			snprintf(fl->fl_err_status, sizeof(fl->fl_err_status),
			    "Choose a status from the list: pending, retrying, "
			    "paused, delivered, failed or dropped.");
	}
	if (fl->fl_event != NULL) {
		if (strlen(fl->fl_event) <= 100 && names != NULL &&
		    in_catalog(names, fl->fl_event))
			fl->fl_f.df_event = fl->fl_event;
		else
			snprintf(fl->fl_err_event, sizeof(fl->fl_err_event),
			    "There is no event type by that name in the event "
			    "catalog; choose one from the list.");
	}
	if (fl->fl_endpoint != NULL &&
	    (fl->fl_f.df_endpoint = id_value(fl->fl_endpoint)) == 0)
		snprintf(fl->fl_err_endpoint, sizeof(fl->fl_err_endpoint),
		    "Choose an endpoint from the list.");
	if (fl->fl_from != NULL) {
		if (time_filter(fl->fl_from, 0, fl->fl_from_sql) == 0)
			fl->fl_f.df_from = fl->fl_from_sql;
		else
			snprintf(fl->fl_err_from, sizeof(fl->fl_err_from),
			    "Write the time as a date like 2026-11-30, or a date "
			    "and time like 2026-11-30T17:27 (UTC).");
	}
	if (fl->fl_until != NULL) {
		if (time_filter(fl->fl_until, 1, fl->fl_until_sql) == 0)
			fl->fl_f.df_until = fl->fl_until_sql;
		else
			snprintf(fl->fl_err_until, sizeof(fl->fl_err_until),
			    "Write the time as a date like 2026-11-30, or a date "
			    "and time like 2026-11-30T17:27 (UTC).");
	}
	if (fl->fl_f.df_from != NULL && fl->fl_f.df_until != NULL &&
	    strcmp(fl->fl_f.df_from, fl->fl_f.df_until) >= 0)
		snprintf(fl->fl_err_until, sizeof(fl->fl_err_until),
		    "Until must be later than From.");
	if (fl->fl_id != NULL &&
	    (fl->fl_f.df_id = id_value(fl->fl_id)) == 0)
		snprintf(fl->fl_err_id, sizeof(fl->fl_err_id),
		    "An id is a number: a delivery id (as in X-Momentumpro-"
		    "Delivery) or an event id.");
	if (fl->fl_before != NULL &&
	    (fl->fl_before_id = id_value(fl->fl_before)) == 0)
		snprintf(fl->fl_err_before, sizeof(fl->fl_err_before),
		    "This page's address is damaged: start again from the "
		    "newest deliveries.");
	fl->fl_bad = fl->fl_err_status[0] != '\0' ||
	    fl->fl_err_event[0] != '\0' || fl->fl_err_endpoint[0] != '\0' ||
	    fl->fl_err_from[0] != '\0' || fl->fl_err_until[0] != '\0' ||
	    fl->fl_err_id[0] != '\0' || fl->fl_err_before[0] != '\0';
}

/* The filters in a query string, for the pager (values URL-encoded,
 * then HTML-escaped as the href they go in). */
static void
dfilt_query(struct buf *b, const struct dfilt *fl, int first)
{
	struct buf	 q;
	const char	*names[] = { "status", "event", "endpoint", "from",
			    "until", "id" };
	const char	*vals[6];
	size_t		 i;

	vals[0] = fl->fl_status;
	vals[1] = fl->fl_event;
	vals[2] = fl->fl_endpoint;
	vals[3] = fl->fl_from;
	vals[4] = fl->fl_until;
	vals[5] = fl->fl_id;
	buf_init(&q);
	for (i = 0; i < 6; i++) {
		if (vals[i] == NULL)
			continue;
		buf_printf(&q, "%s%s=", first ? "" : "&", names[i]);
		first = 0;
		req_urlencode(&q, vals[i]);
	}
	html_esc(b, buf_cstr(&q));
	buf_free(&q);
}

/* One labelled field of the filter form, its message below it. */
static void
field_open(struct buf *b, const char *id, const char *label,
    const char *hint)
{
	html_printf(b, "<div class=\"field\"><label for=\"%s\">%s</label>",
	    id, label);
	if (hint != NULL)
		html_printf(b, "<span class=\"hint\" id=\"%s-hint\">%s</span>",
		    id, hint);
}

static void
field_close(struct buf *b, const char *id, const char *err)
{
	if (err[0] != '\0')
		html_printf(b, "<p class=\"field-error\" id=\"%s-error\">%s"
		    "</p>", id, err);
	buf_puts(b, "</div>\n");
}

/* aria-describedby and aria-invalid of a field. */
static void
field_aria(struct buf *b, const char *id, int hint, const char *err)
{
	if (hint || err[0] != '\0') {
		buf_puts(b, " aria-describedby=\"");
		if (hint)
			html_printf(b, "%s-hint", id);
		if (err[0] != '\0')
			html_printf(b, "%s%s-error", hint ? " " : "", id);
		buf_putc(b, '"');
	}
	if (err[0] != '\0')
		buf_puts(b, " aria-invalid=\"true\"");
}

static void
text_field(struct buf *b, const char *id, const char *label,
    const char *hint, const char *val, const char *err, int size)
{
	field_open(b, id, label, hint);
	html_printf(b, "<input id=\"%s\" name=\"%s\" value=\"%s\" size=\"%d\""
	    " autocomplete=\"off\"", id, id, val != NULL ? val : "", size);
	field_aria(b, id, hint != NULL, err);
	buf_puts(b, ">");
	field_close(b, id, err);
}

static void
filter_form(struct buf *b, const struct dfilt *fl, const struct dbres *names,
    const struct endpoint *eps, size_t neps)
{
	char		 idv[24];
	size_t		 i;

	if (fl->fl_bad) {
		buf_puts(b, "<div class=\"error error-summary\" id=\"error-"
		    "summary\" role=\"alert\" tabindex=\"-1\" autofocus>\n"
		    "<p>Some filters need attention:</p>\n<ul>\n");
		html_summary_item(b, "status", "Status", fl->fl_err_status);
		html_summary_item(b, "event", "Event type", fl->fl_err_event);
		html_summary_item(b, "endpoint", "Endpoint",
		    fl->fl_err_endpoint);
		html_summary_item(b, "from", "From", fl->fl_err_from);
		html_summary_item(b, "until", "Until", fl->fl_err_until);
		html_summary_item(b, "id", "Delivery or event id",
		    fl->fl_err_id);
		if (fl->fl_err_before[0] != '\0')
			html_printf(b, "<li>%s <a href=\"/admin/deliveries\">"
			    "Newest deliveries</a></li>\n", fl->fl_err_before);
		buf_puts(b, "</ul>\n</div>\n");
	}
	buf_puts(b, "<form class=\"filters\" method=\"get\" action=\"/admin/"
	    "deliveries\" role=\"search\" aria-label=\"Filter deliveries\">\n");

	field_open(b, "status", "Status", NULL);
	buf_puts(b, "<select id=\"status\" name=\"status\"");
	field_aria(b, "status", 0, fl->fl_err_status);
	buf_puts(b, "><option value=\"\">all</option>");
	for (i = 0; i < DL_STATUSES; i++)
		html_printf(b, "<option%s>%s</option>", fl->fl_status != NULL &&
		    strcmp(fl->fl_status, delivery_statuses[i]) == 0 ?
		    " selected" : "", delivery_statuses[i]);
	buf_puts(b, "</select>");
	field_close(b, "status", fl->fl_err_status);

	field_open(b, "event", "Event type", NULL);
	buf_puts(b, "<select id=\"event\" name=\"event\"");
	field_aria(b, "event", 0, fl->fl_err_event);
	buf_puts(b, "><option value=\"\">all</option>");
	for (i = 0; names != NULL && i < names->r_nrow; i++)
		html_printf(b, "<option%s>%s</option>", fl->fl_event != NULL &&
		    strcmp(fl->fl_event, dbres_get(names, i, CAT_NAME)) == 0 ?
		    " selected" : "", dbres_get(names, i, CAT_NAME));
	buf_puts(b, "</select>");
	field_close(b, "event", fl->fl_err_event);

	field_open(b, "endpoint", "Endpoint", NULL);
	buf_puts(b, "<select id=\"endpoint\" name=\"endpoint\"");
	field_aria(b, "endpoint", 0, fl->fl_err_endpoint);
	buf_puts(b, "><option value=\"\">all</option>");
	for (i = 0; i < neps; i++) {
		snprintf(idv, sizeof(idv), "%llu", eps[i].ep_id);
		html_printf(b, "<option value=\"%s\"%s>%s</option>", idv,
		    fl->fl_endpoint != NULL && strcmp(fl->fl_endpoint, idv)
		    == 0 ? " selected" : "", eps[i].ep_url);
	}
	buf_puts(b, "</select>");
	field_close(b, "endpoint", fl->fl_err_endpoint);

	text_field(b, "from", "From", "UTC, 2026-11-30 or 2026-11-30T17:27",
	    fl->fl_from, fl->fl_err_from, 16);
	text_field(b, "until", "Until", "UTC, the day or minute included",
	    fl->fl_until, fl->fl_err_until, 16);
	text_field(b, "id", "Delivery or event id", NULL, fl->fl_id,
	    fl->fl_err_id, 10);
	buf_puts(b, "<div class=\"field\"><button type=\"submit\" class=\""
	    "secondary\">Filter</button></div>\n<div class=\"field\"><a href="
	    "\"/admin/deliveries\">Clear filters</a></div>\n</form>\n");
}

static void
rows_table(struct buf *b, const struct dbres *rows)
{
	const char	*st, *code, *err, *url, *at;
	size_t		 i;

	buf_puts(b, "<table>\n<thead><tr><th scope=\"col\">Time</th><th "
	    "scope=\"col\">Status</th><th scope=\"col\">Event</th><th scope="
	    "\"col\">Endpoint</th><th scope=\"col\">Delivery</th><th scope="
	    "\"col\" class=\"num\">Attempts</th><th scope=\"col\">Last "
	    "response</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < rows->r_nrow; i++) {
		st = dbres_get(rows, i, DC_STATUS);
		/* The delivery's own latest time: its last attempt, else
		 * its creation. */
		at = dbres_get(rows, i, DC_LAST_ATTEMPT_AT);
		buf_puts(b, "<tr><td data-label=\"Time\">");
		html_time(b, at != NULL ? at : dbres_get(rows, i,
		    DC_CREATED_AT));
		html_printf(b, "</td><td data-label=\"Status\"><span class=\""
		    "status status-%s\">%s</span></td><td data-label=\"Event\">"
		    "<code>%s</code> <span class=\"muted\">event %s</span></td>"
		    "<td data-label=\"Endpoint\">", st, st,
		    dbres_get(rows, i, DC_EVENT) ? dbres_get(rows, i,
		    DC_EVENT) : "(purged)", dbres_get(rows, i, DC_EVENT_ID));
		if ((url = dbres_get(rows, i, DS_URL)) != NULL)
			html_printf(b, "<a class=\"url\" href=\"/admin/webhooks/"
			    "%s\">%s</a>", dbres_get(rows, i, DC_ENDPOINT_ID),
			    url);
		else
			buf_puts(b, "(deleted)");
		html_printf(b, "</td><td data-label=\"Delivery\"><a href=\""
		    "/admin/deliveries/%s\">#%s</a></td><td data-label=\""
		    "Attempts\" class=\"num\">%s</td><td data-label=\"Last "
		    "response\">", dbres_get(rows, i, DC_ID),
		    dbres_get(rows, i, DC_ID), dbres_get(rows, i,
		    DC_ATTEMPTS));
		code = dbres_get(rows, i, DC_LAST_STATUS_CODE);
		err = dbres_get(rows, i, DC_LAST_ERROR);
		if (code != NULL)
			html_printf(b, "HTTP %s", code);
		if (err != NULL)
			html_printf(b, "%s<span class=\"muted\">%s</span>",
			    code != NULL ? " " : "", err);
		if (code == NULL && err == NULL)
			buf_puts(b, "—");
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody></table>\n");
}

void
admin_deliveries_get(struct req *r)
{
	struct dfilt		 fl;
	struct dbres		*names = NULL, *rows = NULL;
	struct endpoint		*eps = NULL;
	struct buf		 b;
	size_t			 neps = 0;
	unsigned long long	 next = 0;
	int			 more = 0, filtered;
	enum ep_err		 e;

	memset(&fl, 0, sizeof(fl));
	if (catalog_names(r->r_db, &names) == -1) {
		names = NULL;
		goto dberr;
	}
	dfilt_read(r, &fl, names);
	if ((e = endpoint_list(r->r_db, r->r_tenant, 0, ENDPOINTS_MAX, &eps,
	    &neps, &more)) != EP_OK)
		goto dberr;
	/* Another tenant's endpoint finds nothing, as an unknown one. */
	if (!fl.fl_bad && fl.fl_f.df_endpoint != 0 &&
	    (e = endpoint_owned(r->r_db, r->r_tenant, fl.fl_f.df_endpoint, 0))
	    != EP_OK) {
		if (e != EP_NOTFOUND)
			goto dberr;
		snprintf(fl.fl_err_endpoint, sizeof(fl.fl_err_endpoint),
		    "There is no such endpoint; choose one from the list.");
		fl.fl_bad = 1;
	}
	if (!fl.fl_bad && delivery_search(r->r_db, r->r_tenant, &fl.fl_f,
	    fl.fl_before_id, DELIVERIES_PAGE, &rows, &next) != DL_OK)
		goto dberr;

	buf_init(&b);
	html_begin(&b, r, "Deliveries");
	buf_puts(&b, "<h1>Deliveries</h1>\n<p>Every delivery to your "
	    "endpoints, newest first, at the time of its last attempt (or "
	    "of its creation, before one).</p>\n");
	filter_form(&b, &fl, names, eps, neps);
	filtered = fl.fl_status || fl.fl_event || fl.fl_endpoint ||
	    fl.fl_from || fl.fl_until || fl.fl_id;
	if (rows != NULL && rows->r_nrow == 0 && next != 0)
		html_printf(&b, "<p role=\"status\">No delivery matches these "
		    "filters among the %d read so far; <em>Older deliveries"
		    "</em> searches further back.</p>\n", DS_SCAN);
	else if (rows != NULL && rows->r_nrow == 0)
		html_printf(&b, "<p role=\"status\">%s</p>\n", filtered ?
		    "No delivery matches these filters." : fl.fl_before_id ?
		    "No older deliveries." : "No deliveries yet.");
	else if (rows != NULL) {
		rows_table(&b, rows);
		if (rows->r_nrow < DELIVERIES_PAGE && next != 0)
			html_printf(&b, "<p role=\"status\">These are the "
			    "matches among the %d deliveries read; <em>Older "
			    "deliveries</em> searches further back.</p>\n",
			    DS_SCAN);
	}
	if (fl.fl_before_id != 0 || next != 0) {
		buf_puts(&b, "<nav class=\"pager\" aria-label=\"Pages\">");
		if (fl.fl_before_id != 0) {
			buf_puts(&b, "<a href=\"/admin/deliveries?");
			dfilt_query(&b, &fl, 1);
			buf_puts(&b, "\">← Newest</a>");
		}
		if (next != 0) {
			html_printf(&b, "<a href=\"/admin/deliveries?before=%llu",
			    next);
			dfilt_query(&b, &fl, 0);
			buf_puts(&b, "\" rel=\"next\">Older deliveries →</a>");
		}
		buf_puts(&b, "</nav>\n");
	}
	html_end(&b);
	html_send(r, fl.fl_bad ? 400 : 200, &b);
	buf_free(&b);
	goto out;
dberr:
	html_error(r, 503, "The database is unreachable; try again in a "
	    "moment.");
out:
	dfilt_free(&fl);
	endpoint_free_list(eps, neps);
	dbres_free(names);
	dbres_free(rows);
}

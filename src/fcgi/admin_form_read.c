/* Admin → Webhooks: the new/edit endpoint form read from a request into
 * a struct epform, checked field by field, and turned into what the
 * endpoint model stores. */
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

void
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
void
field_msg(char *dst, size_t dstsz, const char *msg)
{
	const char	*p = strstr(msg, ": ");

	snprintf(dst, dstsz, "%s", p != NULL && p - msg < 20 ? p + 2 : msg);
	if (dst[0] >= 'a' && dst[0] <= 'z')
		dst[0] = (char)(dst[0] - 'a' + 'A');
}

/* A stored filter's value as the form's box shows it: what the box
 * would read back as the same value (endpoint_filter_text). */
char *
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
size_t
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
int
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
	    &r->r_cf->cf_allowed_ports, err, sizeof(err)) == -1) {
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

void
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
void
model_msg(struct epform *f, const struct ep_fault *fault)
{
	if (strcmp(fault->ef_field, "pagerduty_routing_key") == 0)
		field_msg(f->f_err_pdkey, sizeof(f->f_err_pdkey),
		    fault->ef_msg);
	else if (strcmp(fault->ef_field, "headers") == 0)
		field_msg(f->f_err_headers, sizeof(f->f_err_headers),
		    fault->ef_msg);
	else
		field_msg(f->f_err_form, sizeof(f->f_err_form), fault->ef_msg);
}

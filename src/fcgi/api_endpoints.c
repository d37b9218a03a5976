/* /api/v1/endpoints: the JSON layer over the endpoint model. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "crypto.h"
#include "delivery.h"
#include "emit.h"
#include "endpoint.h"
#include "json.h"
#include "jsonw.h"
#include "quotas.h"
#include "req.h"
#include "routes.h"
#include "utf8.h"
#include "util.h"
#include "wake.h"

/* The fields of a create or PATCH body, and the error code of each. */
enum ep_field {
	F_URL, F_EVENTS, F_SECRET, F_DESC, F_ENABLED, F_STDWH, F_FORMAT,
	F_PDKEY, F_FILTERS, F_HEADERS, F_N
};

static const struct {
	const char	*f_name;
	const char	*f_code;
} fields[F_N] = {
	{ "url", "invalid_url" },
	{ "events", "invalid_events" },
	{ "secret", "invalid_secret" },
	{ "description", "invalid_description" },
	{ "enabled", "invalid_field" },
	{ "standard_webhooks", "invalid_field" },
	{ "format", "invalid_format" },
	{ "pagerduty_routing_key", "invalid_routing_key" },
	{ "filters", "invalid_filters" },
	{ "headers", "invalid_headers" },
};

struct ep_in {
	struct endpoint_set	 in_set;
	int			 in_seen[F_N];
	char			*in_url;
	char			*in_secret;
	char			*in_desc;
	char			**in_events;
	size_t			 in_nevents;
	char			*in_format;
	char			*in_pdkey;
	struct ep_filter	*in_filters;
	size_t			 in_nfilters;
	struct ep_header	*in_headers;
	size_t			 in_nheaders;
	char			 in_err[600];	/* a filter's message */
};

static void
in_free(struct ep_in *in)
{
	size_t	 i;

	free(in->in_url);
	endpoint_secret_free(&in->in_secret);
	free(in->in_desc);
	for (i = 0; i < in->in_nevents; i++)
		free(in->in_events[i]);
	free(in->in_events);
	free(in->in_format);
	endpoint_secret_free(&in->in_pdkey);
	endpoint_filters_free(in->in_filters, in->in_nfilters);
	free(in->in_filters);
	endpoint_headers_free(in->in_headers, in->in_nheaders);
	free(in->in_headers);
}

static void
ep_error(struct req *r, enum ep_err rc, const char *code, const char *err)
{
	switch (rc) {
	case EP_INVALID:
		req_json_error(r, 422, code, "%s", err);
		break;
	case EP_NOTFOUND:
		req_json_error(r, 404, "not_found", "endpoint %llu does not "
		    "exist", r->r_ids[0]);
		break;
	case EP_LIMIT:
		req_json_error(r, 409, "endpoint_limit_reached", "this tenant "
		    "already has %u endpoints, the most it may have; delete one "
		    "it no longer needs, or ask the operator to raise [limits] "
		    "endpoints_per_tenant", r->r_cf->cf_endpoints_per_tenant);
		break;
	case EP_SEAL:
		req_json_error(r, 500, "secret_storage_unavailable", "endpoint "
		    "secrets cannot be stored or read because the server's "
		    "master key is missing or unreadable (master_key_file); ask "
		    "the operator to fix it, then retry");
		break;
	default:
		req_db_error(r);
		break;
	}
}

/* A string member (a JSON null counts as absent); -1 if not a string or
 * it holds a NUL. */
static int
get_str(const struct json_doc *doc, int v, char **out)
{
	if (doc->d_tok[v].t_type == JSON_NULL)
		return 0;
	if (doc->d_tok[v].t_type != JSON_STRING ||
	    (*out = json_strdup(doc, v)) == NULL)
		return -1;
	return 0;
}

static int
get_events(const struct json_doc *doc, int v, struct ep_in *in)
{
	int	 i, e;

	if (doc->d_tok[v].t_type != JSON_ARRAY)
		return -1;
	in->in_events = xcalloc((size_t)doc->d_tok[v].t_size + 1,
	    sizeof(char *));
	for (i = 0, e = v + 1; i < doc->d_tok[v].t_size; i++,
	    e = json_skip(doc, e)) {
		if (doc->d_tok[e].t_type != JSON_STRING ||
		    (in->in_events[i] = json_strdup(doc, e)) == NULL)
			return -1;
		in->in_nevents++;
	}
	return 0;
}

/* filters: [{"path": ..., "op": ..., "value": ...}, ...]; -1 with
 * in_err set when an entry is wrong (empty for the generic message). */
static int
get_filters(const struct json_doc *doc, int v, struct ep_in *in)
{
	const char	*raw;
	char		*path = NULL, *op = NULL;
	size_t		 rawlen = 0, i;
	int		 e, k, m, val;

	if (doc->d_tok[v].t_type != JSON_ARRAY)
		return -1;
	if (doc->d_tok[v].t_size > EP_FILTERS_MAX) {
		snprintf(in->in_err, sizeof(in->in_err), "filters: at most %d "
		    "filters; all must hold, so combine conditions with \"in\" "
		    "where you can", EP_FILTERS_MAX);
		return -1;
	}
	in->in_filters = xcalloc((size_t)doc->d_tok[v].t_size + 1,
	    sizeof(*in->in_filters));
	for (i = 0, e = v + 1; i < (size_t)doc->d_tok[v].t_size; i++,
	    e = json_skip(doc, e)) {
		if (doc->d_tok[e].t_type != JSON_OBJECT)
			return -1;
		val = -1;
		for (m = 0, k = e + 1; m < doc->d_tok[e].t_size; m++,
		    k = json_skip(doc, k + 1)) {
			if (json_streq(doc, k, "value"))
				val = k + 1;
			else if (!json_streq(doc, k, "path") &&
			    !json_streq(doc, k, "op")) {
				snprintf(in->in_err, sizeof(in->in_err),
				    "filters[%zu]: unknown member; a filter has "
				    "\"path\", \"op\" and \"value\"", i);
				return -1;
			}
		}
		path = op = NULL;
		if (((k = json_get(doc, e, "path")) != -1 &&
		    get_str(doc, k, &path) == -1) ||
		    ((k = json_get(doc, e, "op")) != -1 &&
		    get_str(doc, k, &op) == -1)) {
			snprintf(in->in_err, sizeof(in->in_err), "filters[%zu]: "
			    "path and op must be strings", i);
			goto out;
		}
		raw = val != -1 ? json_raw(doc, val, &rawlen) : NULL;
		if (endpoint_filter_make(path, op, raw, rawlen, i,
		    &in->in_filters[i], in->in_err, sizeof(in->in_err)) == -1)
			goto out;
		in->in_nfilters++;
		free(path);
		free(op);
	}
	return 0;
out:
	free(path);
	free(op);
	return -1;
}

/* headers: {"Name": "value", ...}; a null value keeps the stored one. */
static int
get_headers(const struct json_doc *doc, int v, struct ep_in *in)
{
	size_t	 i;
	int	 k;

	if (doc->d_tok[v].t_type != JSON_OBJECT)
		return -1;
	in->in_headers = xcalloc((size_t)doc->d_tok[v].t_size + 1,
	    sizeof(*in->in_headers));
	for (i = 0, k = v + 1; i < (size_t)doc->d_tok[v].t_size; i++,
	    k = json_skip(doc, k + 1)) {
		if ((in->in_headers[i].eh_name = json_strdup(doc, k)) == NULL)
			return -1;
		in->in_nheaders++;
		if (doc->d_tok[k + 1].t_type != JSON_NULL &&
		    (doc->d_tok[k + 1].t_type != JSON_STRING ||
		    (in->in_headers[i].eh_value = json_strdup(doc, k + 1)) ==
		    NULL))
			return -1;
	}
	return 0;
}

static const char *const type_msg[F_N] = {
	"url must be a string such as \"https://hooks.example.com/momentumpro\"",
	"events must be an array of strings such as [\"leave.approved\"]",
	"secret must be a string",
	"description must be a string",
	"enabled must be true or false",
	"standard_webhooks must be true or false",
	"format must be a string: \"momentumpro\", \"slack\" or \"pagerduty\"",
	"pagerduty_routing_key must be a string",
	"filters must be an array of objects such as [{\"path\": "
	    "\"data.priority\", \"op\": \"eq\", \"value\": \"high\"}]",
	"headers must be an object of strings such as {\"Authorization\": "
	    "\"Bearer ...\"}",
};

/* Fill in from the body's object; -1 after answering. */
static int
parse_in(struct req *r, const struct json_doc *doc, struct ep_in *in)
{
	const char	*raw;
	size_t		 rawlen;
	int		 i, k, v, f, rc;

	endpoint_set_init(&in->in_set);
	if (doc->d_tok[0].t_type != JSON_OBJECT) {
		req_json_error(r, 422, "invalid_body", "the body must be a JSON"
		    " object such as {\"url\": ..., \"events\": [...]}");
		return -1;
	}
	for (i = 0, k = 1; i < doc->d_tok[0].t_size; i++, k = json_skip(doc,
	    k)) {
		v = k + 1;
		for (f = 0; f < F_N; f++)
			if (json_streq(doc, k, fields[f].f_name))
				break;
		if (f == F_N) {
			raw = json_raw(doc, k, &rawlen);
			/* Cut long names on a UTF-8 character boundary. */
			rawlen = utf8_clip_bytes(raw, rawlen, 64);
			req_json_error(r, 422, "unknown_field", "unknown field "
			    "%.*s; an endpoint has url, events, secret, "
			    "description, enabled, standard_webhooks, format, "
			    "pagerduty_routing_key, filters and headers",
			    (int)rawlen, raw);
			return -1;
		}
		if (in->in_seen[f]++) {
			req_json_error(r, 422, fields[f].f_code, "%s is given "
			    "twice", fields[f].f_name);
			return -1;
		}
		switch (f) {
		case F_URL:
			rc = get_str(doc, v, &in->in_url);
			break;
		case F_EVENTS:
			rc = get_events(doc, v, in);
			break;
		case F_SECRET:
			rc = get_str(doc, v, &in->in_secret);
			break;
		case F_DESC:
			rc = get_str(doc, v, &in->in_desc);
			if (rc == 0 && in->in_desc == NULL)
				in->in_desc = xstrdup("");
			break;
		case F_ENABLED:
			rc = json_bool(doc, v, &in->in_set.es_enabled);
			break;
		case F_STDWH:
			rc = json_bool(doc, v,
			    &in->in_set.es_standard_webhooks);
			break;
		case F_FORMAT:
			rc = get_str(doc, v, &in->in_format);
			break;
		case F_PDKEY:
			rc = get_str(doc, v, &in->in_pdkey);
			break;
		case F_FILTERS:
			rc = get_filters(doc, v, in);
			in->in_set.es_filters_set = 1;
			break;
		default:
			rc = get_headers(doc, v, in);
			in->in_set.es_headers_set = 1;
			break;
		}
		if (rc == -1) {
			req_json_error(r, 422, fields[f].f_code, "%s",
			    in->in_err[0] != '\0' ? in->in_err : type_msg[f]);
			return -1;
		}
	}
	in->in_set.es_url = in->in_url;
	in->in_set.es_events = in->in_events;
	in->in_set.es_nevents = in->in_nevents;
	in->in_set.es_secret = in->in_secret;
	in->in_set.es_description = in->in_desc;
	in->in_set.es_format = in->in_format;
	in->in_set.es_routing_key = in->in_pdkey;
	in->in_set.es_filters = in->in_filters;
	in->in_set.es_nfilters = in->in_nfilters;
	in->in_set.es_headers = in->in_headers;
	in->in_set.es_nheaders = in->in_nheaders;
	return 0;
}

/* Run each field's validator; -1 after answering. */
static int
check_in(struct req *r, struct ep_in *in, int create)
{
	char		 err[600];
	enum ep_err	 rc;

	if (create && in->in_url == NULL) {
		req_json_error(r, 422, "invalid_url", "url is required: the "
		    "http or https URL that receives the events");
		return -1;
	}
	if (create && in->in_events == NULL) {
		req_json_error(r, 422, "invalid_events", "events is required: "
		    "the event types to send, such as [\"leave.approved\"], "
		    "[\"leave.*\"] or [\"*\"]");
		return -1;
	}
	if (in->in_url != NULL && endpoint_check_url(in->in_url,
	    r->r_cf->cf_allow_private, &r->r_cf->cf_allowed_ports, err,
	    sizeof(err)) == -1) {
		req_json_error(r, 422, "invalid_url", "%s", err);
		return -1;
	}
	if (in->in_events != NULL && (rc = endpoint_check_events(r->r_db,
	    in->in_events, in->in_nevents, err, sizeof(err))) != EP_OK) {
		ep_error(r, rc, "invalid_events", err);
		return -1;
	}
	if (in->in_secret != NULL && endpoint_check_secret(in->in_secret,
	    err, sizeof(err)) == -1) {
		req_json_error(r, 422, "invalid_secret", "%s", err);
		return -1;
	}
	if (in->in_desc != NULL && endpoint_check_description(in->in_desc,
	    err, sizeof(err)) == -1) {
		req_json_error(r, 422, "invalid_description", "%s", err);
		return -1;
	}
	if (in->in_format != NULL && endpoint_check_format(in->in_format,
	    err, sizeof(err)) == -1) {
		req_json_error(r, 422, "invalid_format", "%s", err);
		return -1;
	}
	if (in->in_pdkey != NULL && endpoint_check_routing_key(in->in_pdkey,
	    err, sizeof(err)) == -1) {
		req_json_error(r, 422, "invalid_routing_key", "%s", err);
		return -1;
	}
	if (in->in_set.es_headers_set && endpoint_check_headers(
	    in->in_headers, in->in_nheaders, err, sizeof(err)) == -1) {
		req_json_error(r, 422, "invalid_headers", "%s", err);
		return -1;
	}
	return 0;
}

/* ,"key":value */
static void
put_bool(struct buf *b, const char *key, int v)
{
	buf_putc(b, ',');
	jw_key(b, key);
	buf_puts(b, v ? "true" : "false");
}

static void
put_str(struct buf *b, const char *key, const char *v)
{
	buf_putc(b, ',');
	jw_key(b, key);
	jw_str(b, v);
}

/* The endpoint object; the secret only when it was just set.  While a
 * rotation's overlap lasts, previous_secret_expires_at says until when
 * the replaced secret still signs (null otherwise). */
static void
ep_json(struct buf *b, const struct endpoint *ep, const char *secret)
{
	size_t	 i;

	buf_putc(b, '{');
	jw_key(b, "id");
	jw_int(b, (long long)ep->ep_id);
	put_str(b, "url", ep->ep_url);
	put_str(b, "description", ep->ep_description);
	buf_putc(b, ',');
	jw_key(b, "events");
	buf_putc(b, '[');
	for (i = 0; i < ep->ep_nevents; i++) {
		if (i > 0)
			buf_putc(b, ',');
		jw_str(b, ep->ep_events[i]);
	}
	buf_putc(b, ']');
	put_bool(b, "enabled", ep->ep_enabled);
	put_str(b, "disabled_reason", ep->ep_disabled_reason);
	/* Health: failing (delivery_is_failing), the first failed attempt
	 * since the last success and how many failed since. */
	buf_puts(b, ",\"health\":{");
	jw_key(b, "failing");
	buf_puts(b, ep->ep_failing ? "true" : "false");
	put_str(b, "failing_since", ep->ep_failing_since[0] != '\0' ?
	    ep->ep_failing_since : NULL);
	buf_puts(b, ",\"failed_attempts\":");
	jw_int(b, ep->ep_fail_streak);
	buf_putc(b, '}');
	put_bool(b, "standard_webhooks", ep->ep_standard_webhooks);
	put_str(b, "format", ep->ep_format);
	put_str(b, "pagerduty_routing_key", ep->ep_routing_key);
	buf_puts(b, ",\"filters\":[");
	for (i = 0; i < ep->ep_nfilters; i++) {
		buf_puts(b, i > 0 ? ",{" : "{");
		jw_key(b, "path");
		jw_str(b, ep->ep_filters[i].ef_path);
		put_str(b, "op", ep->ep_filters[i].ef_op);
		/* Stored as canonical JSON text, written by us. */
		if (ep->ep_filters[i].ef_value != NULL) {
			buf_puts(b, ",\"value\":");
			buf_puts(b, ep->ep_filters[i].ef_value);
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"headers\":{");
	for (i = 0; i < ep->ep_nheaders; i++) {
		if (i > 0)
			buf_putc(b, ',');
		jw_key(b, ep->ep_headers[i].eh_name);
		jw_str(b, ep->ep_headers[i].eh_value);
	}
	buf_putc(b, '}');
	put_str(b, "created_at", ep->ep_created_at);
	put_str(b, "updated_at", ep->ep_updated_at);
	if (secret != NULL)
		put_str(b, "secret", secret);
	put_str(b, "previous_secret_expires_at", ep->ep_prev_until[0] != '\0' ?
	    ep->ep_prev_until : NULL);
	buf_putc(b, '}');
}

/* Answer with endpoint id as stored now. */
static void
ep_answer(struct req *r, int status, unsigned long long id,
    const char *secret)
{
	struct endpoint	 ep;
	struct buf	 b;
	enum ep_err	 rc;

	if ((rc = endpoint_get(r->r_db, r->r_tenant, id, &ep)) != EP_OK) {
		ep_error(r, rc, NULL, NULL);
		return;
	}
	buf_init(&b);
	ep_json(&b, &ep, secret);
	req_json(r, status, &b);
	cr_wipe(&b);
	endpoint_free(&ep);
}

void
api_endpoints_list(struct req *r)
{
	struct endpoint	*eps;
	struct buf	 b;
	size_t		 limit, n, i;
	unsigned long long cursor;
	int		 more;
	enum ep_err	 rc;

	if (api_page(r, 50, 100, &limit, &cursor) == -1)
		return;
	if ((rc = endpoint_list(r->r_db, r->r_tenant, cursor, limit, &eps,
	    &n, &more)) != EP_OK) {
		ep_error(r, rc, NULL, NULL);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"data\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		ep_json(&b, &eps[i], NULL);
	}
	api_page_end(r, &b, more, n > 0 ? eps[n - 1].ep_id : 0);
	buf_free(&b);
	endpoint_free_list(eps, n);
}

/* Body, fields and validators of a create (create = 1) or a PATCH: 0,
 * or -1 after answering (doc and in are then already freed). */
static int
read_in(struct req *r, struct json_doc *doc, struct ep_in *in, int create)
{
	memset(in, 0, sizeof(*in));
	if (api_body(r, doc, 0) == -1)
		return -1;
	if (parse_in(r, doc, in) == 0 && check_in(r, in, create) == 0)
		return 0;
	in_free(in);
	json_free(doc);
	return -1;
}

void
api_endpoints_create(struct req *r)
{
	struct json_doc		 doc;
	struct ep_in		 in;
	struct buf		 loc;
	char			*secret = NULL;
	struct ep_fault		 fault;
	unsigned long long	 id;
	enum ep_err		 rc;

	if (read_in(r, &doc, &in, 1) == -1)
		return;
	if ((rc = endpoint_create(r->r_db, r->r_tenant,
	    r->r_cf->cf_endpoints_per_tenant, &in.in_set, &id,
	    &secret, &fault)) != EP_OK)
		ep_error(r, rc, fault.ef_code, fault.ef_msg);
	else {
		buf_init(&loc);
		buf_printf(&loc, "/api/v1/endpoints/%llu", id);
		req_add_header(r, "Location", buf_cstr(&loc));
		buf_free(&loc);
		ep_answer(r, 201, id, secret);
	}
	endpoint_secret_free(&secret);
	in_free(&in);
	json_free(&doc);
}

void
api_endpoint_get(struct req *r)
{
	ep_answer(r, 200, r->r_ids[0], NULL);
}

void
api_endpoint_patch(struct req *r)
{
	struct json_doc	 doc;
	struct ep_in	 in;
	struct ep_fault	 fault;
	enum ep_err	 rc;

	if (read_in(r, &doc, &in, 0) == -1)
		return;
	if ((rc = endpoint_update(r->r_db, r->r_tenant, r->r_ids[0],
	    &in.in_set, &fault)) != EP_OK)
		ep_error(r, rc, fault.ef_code, fault.ef_msg);
	else
		ep_answer(r, 200, r->r_ids[0], NULL);
	in_free(&in);
	json_free(&doc);
}

void
api_endpoint_delete(struct req *r)
{
	enum ep_err	 rc;

	if ((rc = endpoint_delete(r->r_db, r->r_tenant, r->r_ids[0])) !=
	    EP_OK)
		ep_error(r, rc, NULL, NULL);
	else
		req_respond(r, 204, NULL, "", 0);
}

/* The overlap of a rotation from the optional body {"overlap": "24h"}
 * (a duration string, or a number of seconds): 0, or -1 answered. */
static int
rotate_overlap(struct req *r, long long *overlap)
{
	struct json_doc	 doc;
	char		*v = NULL, err[300];
	const char	*raw;
	size_t		 len;
	int		 t, rc;

	*overlap = EP_OVERLAP_DEFAULT;
	if ((rc = api_body(r, &doc, 1)) != 0)
		return rc == 1 ? 0 : -1;
	rc = -1;
	t = json_get(&doc, 0, "overlap");
	if (doc.d_tok[0].t_type != JSON_OBJECT ||
	    doc.d_tok[0].t_size != (t == -1 ? 0 : 1)) {
		req_json_error(r, 400, "invalid_body", "the body is optional; "
		    "when given it must be {\"overlap\": \"24h\"}: how long "
		    "the old secret keeps signing beside the new one (0 to "
		    "7d)");
		goto out;
	}
	if (t == -1) {
		rc = 0;
		goto out;
	}
	if (doc.d_tok[t].t_type == JSON_STRING)
		v = json_strdup(&doc, t);
	else if (doc.d_tok[t].t_type == JSON_NUMBER) {
		raw = json_raw(&doc, t, &len);
		v = xstrndup(raw, len);
	}
	if (v == NULL || endpoint_check_overlap(v, overlap, err,
	    sizeof(err)) == -1) {
		req_json_error(r, 400, "invalid_overlap", "%s", v == NULL ?
		    "overlap: a duration string such as \"24h\", or a number "
		    "of seconds" : err);
		goto out;
	}
	rc = 0;
out:
	free(v);
	json_free(&doc);
	return rc;
}

void
api_endpoint_rotate(struct req *r)
{
	char		*secret;
	char		 until[32];
	long long	 overlap;
	enum ep_err	 rc;
	struct endpoint	 ep;
	struct buf	 b;

	if (rotate_overlap(r, &overlap) == -1)
		return;
	if ((rc = endpoint_rotate_secret(r->r_db, r->r_tenant, r->r_ids[0],
	    overlap, &secret, until)) != EP_OK) {
		ep_error(r, rc, NULL, NULL);
		return;
	}
	if ((rc = endpoint_get(r->r_db, r->r_tenant, r->r_ids[0], &ep)) !=
	    EP_OK) {
		endpoint_secret_free(&secret);
		ep_error(r, rc, NULL, NULL);
		return;
	}
	/* The endpoint with its new secret, and until when the one it
	 * replaced still signs (null: it stopped at once). */
	buf_init(&b);
	ep_json(&b, &ep, secret);
	req_json(r, 200, &b);
	cr_wipe(&b);
	endpoint_free(&ep);
	endpoint_secret_free(&secret);
}

void
api_endpoint_test(struct req *r)
{
	struct json_doc		 doc;
	struct buf		 b;
	char			*type = NULL, err[300], sent[101];
	unsigned long long	 eid, did;
	int			 v, rc;

	if ((rc = api_body(r, &doc, 1)) == -1)
		return;
	if (rc == 0) {
		v = json_get(&doc, 0, "event");
		if (doc.d_tok[0].t_type != JSON_OBJECT ||
		    doc.d_tok[0].t_size != (v == -1 ? 0 : 1) ||
		    (v != -1 && get_str(&doc, v, &type) == -1)) {
			req_json_error(r, 422, "invalid_body", "the body is "
			    "optional; when given it must be {\"event\": "
			    "\"leave.approved\"} naming a catalog event type");
			goto out;
		}
	}
	/* Counted once the endpoint is known to be this tenant's. */
	if ((rc = endpoint_owned(r->r_db, r->r_tenant, r->r_ids[0], 0)) !=
	    EP_OK) {
		ep_error(r, rc, NULL, NULL);
		goto out;
	}
	if (!quotas_manual(r, r->r_ids[0], 0))
		goto out;
	if ((rc = endpoint_test(r->r_db, r->r_tenant, r->r_ids[0], type,
	    &eid, &did, sent, err, sizeof(err))) != EP_OK) {
		ep_error(r, rc, "unknown_event_type", err);
		goto out;
	}
	wake_send(r->r_cf);
	buf_init(&b);
	buf_putc(&b, '{');
	jw_key(&b, "event_id");
	jw_int(&b, (long long)eid);
	buf_putc(&b, ',');
	jw_key(&b, "delivery_id");
	jw_int(&b, (long long)did);
	buf_putc(&b, ',');
	jw_key(&b, "event");
	jw_str(&b, sent);
	buf_puts(&b, ",\"test\":true}");
	req_json(r, 202, &b);
	buf_free(&b);
out:
	free(type);
	json_free(&doc);
}

/* RFC 3339 text at token v as DATETIME(3) text; -1 if not one. */
static int
get_time(const struct json_doc *doc, int v, char out[32], int64_t *ms)
{
	char	*t = NULL, norm[32];
	int	 rc = -1;

	if (get_str(doc, v, &t) == 0 && t != NULL &&
	    util_rfc3339_parse(t, strlen(t), norm, ms) == 0) {
		util_sqltime_fmt(*ms, out);
		rc = 0;
	}
	free(t);
	return rc;
}

#define RECOVER_MAX_MS	(14LL * 86400 * 1000)

void
api_endpoint_recover(struct req *r)
{
	struct json_doc	 doc;
	struct buf	 b;
	char		 since[32], until[32], *st = NULL;
	int64_t		 since_ms, until_ms = 0;
	long long	 n;
	int		 v, e, i, statuses = 0, rc, have_until = 0;
	enum ep_err	 er;

	if ((rc = api_body(r, &doc, 0)) == -1)
		return;
	if (doc.d_tok[0].t_type != JSON_OBJECT ||
	    (v = json_get(&doc, 0, "since")) == -1 ||
	    get_time(&doc, v, since, &since_ms) == -1) {
		req_json_error(r, 422, "invalid_body", "since: required, an "
		    "RFC 3339 time at most 14 days back, e.g. "
		    "{\"since\": \"2026-04-29T14:00:00Z\"}");
		goto out;
	}
	if (since_ms < util_now_ms() - RECOVER_MAX_MS) {
		req_json_error(r, 422, "invalid_body", "since: at most 14 "
		    "days back (deliveries older than that may already be "
		    "purged); recover in steps if you need less");
		goto out;
	}
	if ((v = json_get(&doc, 0, "until")) != -1 &&
	    doc.d_tok[v].t_type != JSON_NULL) {
		if (get_time(&doc, v, until, &until_ms) == -1 ||
		    until_ms < since_ms) {
			req_json_error(r, 422, "invalid_body", "until: an RFC "
			    "3339 time after since, or absent for now");
			goto out;
		}
		have_until = 1;
	}
	if ((v = json_get(&doc, 0, "statuses")) != -1) {
		if (doc.d_tok[v].t_type != JSON_ARRAY ||
		    doc.d_tok[v].t_size == 0)
			goto bad_status;
		for (i = 0, e = v + 1; i < doc.d_tok[v].t_size; i++,
		    e = json_skip(&doc, e)) {
			free(st);
			st = NULL;
			if (get_str(&doc, e, &st) == -1 || st == NULL)
				goto bad_status;
			if (strcmp(st, "failed") == 0)
				statuses |= DL_RECOVER_FAILED;
			else if (strcmp(st, "dropped") == 0)
				statuses |= DL_RECOVER_DROPPED;
			else
				goto bad_status;
		}
	} else
		statuses = DL_RECOVER_FAILED | DL_RECOVER_DROPPED;
	if ((er = endpoint_owned(r->r_db, r->r_tenant, r->r_ids[0], 0)) !=
	    EP_OK) {
		ep_error(r, er, NULL, NULL);
		goto out;
	}
	if ((n = delivery_recover(r->r_db, r->r_tenant, r->r_ids[0], statuses,
	    since, have_until ? until : NULL)) == -1) {
		req_db_error(r);
		goto out;
	}
	if (n > 0)
		wake_send(r->r_cf);
	buf_init(&b);
	buf_printf(&b, "{\"recovered\":%lld}", n);
	req_json(r, 202, &b);
	buf_free(&b);
	goto out;
bad_status:
	req_json_error(r, 422, "invalid_body", "statuses: an array of "
	    "\"failed\" and \"dropped\" (default both)");
out:
	free(st);
	json_free(&doc);
}

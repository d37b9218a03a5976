/* Deliveries in the JSON API: per-endpoint list, one delivery with its
 * attempts, redelivery. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "delivery.h"
#include "emit.h"
#include "endpoint.h"
#include "jsonw.h"
#include "quotas.h"
#include "req.h"
#include "routes.h"
#include "wake.h"

enum kind { K_INT, K_STR, K_RAW };

struct col {
	const char	*c_name;
	unsigned	 c_col;
	enum kind	 c_kind;
};

/* The delivery object, in the order of enum dl_col.  K_INT and K_RAW
 * columns are numbers or JSON from our own tables; NULL is null. */
static const struct col dl_cols[] = {
	{ "id", DC_ID, K_INT },
	{ "event_id", DC_EVENT_ID, K_INT },
	{ "event", DC_EVENT, K_STR },
	{ "endpoint_id", DC_ENDPOINT_ID, K_INT },
	{ "status", DC_STATUS, K_STR },
	{ "attempts", DC_ATTEMPTS, K_INT },
	{ "next_attempt_at", DC_NEXT_ATTEMPT_AT, K_STR },
	{ "last_status_code", DC_LAST_STATUS_CODE, K_INT },
	{ "last_error", DC_LAST_ERROR, K_STR },
	{ "last_attempt_at", DC_LAST_ATTEMPT_AT, K_STR },
	{ "created_at", DC_CREATED_AT, K_STR },
	{ "occurred_at", DC_OCCURRED_AT, K_STR },
	{ "data", DC_DATA, K_RAW },
};
#define DL_LIST_COLS	11	/* up to created_at */

static const struct col at_cols[] = {
	{ "id", AC_ID, K_INT },
	{ "started_at", AC_STARTED_AT, K_STR },
	{ "duration_ms", AC_DURATION_MS, K_INT },
	{ "status_code", AC_STATUS_CODE, K_INT },
	{ "error", AC_ERROR, K_STR },
	{ "response_snippet", AC_RESPONSE, K_STR },
	{ "response_headers", AC_RESP_HEADERS, K_STR },
};

/* Members of row i as "name":value pairs, comma-separated, skip
 * excluded. */
static void
put_cols(struct buf *b, const struct dbres *res, size_t i,
    const struct col *cols, size_t n, const char *skip)
{
	const char	*v;
	size_t		 c;
	int		 first = 1;

	for (c = 0; c < n; c++) {
		if (skip != NULL && strcmp(cols[c].c_name, skip) == 0)
			continue;
		if (!first)
			buf_putc(b, ',');
		first = 0;
		jw_key(b, cols[c].c_name);
		v = dbres_get(res, i, cols[c].c_col);
		if (v == NULL)
			buf_puts(b, "null");
		else if (cols[c].c_kind == K_STR)
			jw_strn(b, v, dbres_len(res, i, cols[c].c_col));
		else
			buf_add(b, v, dbres_len(res, i, cols[c].c_col));
	}
}

/* what: the resource r_ids[0] names, "endpoint" or "delivery". */
static void
dl_error(struct req *r, enum dl_err rc, const char *what)
{
	switch (rc) {
	case DL_NOTFOUND:
		req_json_error(r, 404, "not_found", "%s %llu does not exist",
		    what, r->r_ids[0]);
		break;
	case DL_BUSY:
		req_json_error(r, 409, "delivery_in_progress", "a dispatcher "
		    "is sending delivery %llu right now; look at its attempts "
		    "and retry once it has finished", r->r_ids[0]);
		break;
	case DL_GONE:
		req_json_error(r, 409, "endpoint_deleted", "the endpoint of "
		    "delivery %llu was deleted, so it cannot be sent again",
		    r->r_ids[0]);
		break;
	default:
		req_db_error(r);
		break;
	}
}

void
api_endpoint_deliveries(struct req *r)
{
	struct dbres		*res;
	struct buf		 b;
	char			*status;
	size_t			 limit, i;
	unsigned long long	 cursor;
	int			 more;
	enum dl_err		 rc;

	if (api_page(r, 50, 100, &limit, &cursor) == -1)
		return;
	status = req_form_get(r->r_query, strlen(r->r_query), "status");
	if (status != NULL && !delivery_status_ok(status)) {
		req_json_error(r, 400, "invalid_parameter", "status must be "
		    "pending, retrying, paused, delivered, failed or dropped");
		free(status);
		return;
	}
	switch (endpoint_owned(r->r_db, r->r_tenant, r->r_ids[0], 0)) {
	case EP_OK:
		rc = delivery_list(r->r_db, r->r_tenant, r->r_ids[0], status,
		    cursor, limit, &res, &more);
		break;
	case EP_NOTFOUND:
		rc = DL_NOTFOUND;
		break;
	default:
		rc = DL_DB;
		break;
	}
	free(status);
	if (rc != DL_OK) {
		dl_error(r, rc, "endpoint");
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"data\":[");
	for (i = 0; i < res->r_nrow; i++) {
		buf_puts(&b, i > 0 ? ",{" : "{");
		put_cols(&b, res, i, dl_cols, DL_LIST_COLS, NULL);
		buf_putc(&b, '}');
	}
	api_page_end(r, &b, more, res->r_nrow > 0 ? (unsigned long long)
	    dbres_int(res, res->r_nrow - 1, DC_ID) : 0);
	buf_free(&b);
	dbres_free(res);
}

void
api_delivery_get(struct req *r)
{
	struct dbres	*row, *att;
	struct buf	 b;
	size_t		 i;
	enum dl_err	 rc;

	if ((rc = delivery_get(r->r_db, r->r_tenant, r->r_ids[0], &row,
	    &att)) != DL_OK) {
		dl_error(r, rc, "delivery");
		return;
	}
	buf_init(&b);
	buf_putc(&b, '{');
	/* Here "attempts" is the list itself, not its count. */
	put_cols(&b, row, 0, dl_cols, sizeof(dl_cols) / sizeof(dl_cols[0]),
	    "attempts");
	buf_putc(&b, ',');
	jw_key(&b, "attempts");
	buf_putc(&b, '[');
	for (i = 0; i < att->r_nrow; i++) {
		buf_puts(&b, i > 0 ? ",{" : "{");
		put_cols(&b, att, i, at_cols, sizeof(at_cols) /
		    sizeof(at_cols[0]), NULL);
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}");
	req_json(r, 200, &b);
	buf_free(&b);
	dbres_free(row);
	dbres_free(att);
}

void
api_delivery_redeliver(struct req *r)
{
	struct buf		 b;
	unsigned long long	 ep;
	int			 rc;

	if ((rc = delivery_endpoint(r->r_db, r->r_tenant, r->r_ids[0], &ep)) !=
	    DL_OK) {
		dl_error(r, (enum dl_err)rc, "delivery");
		return;
	}
	if (!quotas_manual(r, ep, 0))
		return;
	if ((rc = delivery_redeliver(r->r_db, r->r_tenant, r->r_ids[0])) !=
	    DL_OK) {
		dl_error(r, (enum dl_err)rc, "delivery");
		return;
	}
	wake_send(r->r_cf);
	buf_init(&b);
	buf_putc(&b, '{');
	jw_key(&b, "id");
	jw_int(&b, (long long)r->r_ids[0]);
	buf_putc(&b, ',');
	jw_key(&b, "status");
	jw_str(&b, "pending");
	buf_putc(&b, '}');
	req_json(r, 202, &b);
	buf_free(&b);
}

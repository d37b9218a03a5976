/* The API's front door: who is calling (a tenant's Bearer API key) and
 * the request parts every API handler reads the same way (JSON body,
 * paging). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apikey.h"
#include "buf.h"
#include "json.h"
#include "jsonw.h"
#include "req.h"
#include "routes.h"
#include "util.h"

#define API_KEY_MAX	200

int	wh_auth_api(struct req *);

static int
unauthorized(struct req *r, const char *msg)
{
	req_add_header(r, "WWW-Authenticate", "Bearer realm=\"webhooks\"");
	req_json_error(r, 401, "unauthorized", "%s", msg);
	return -1;
}

int
wh_auth_api(struct req *r)
{
	const char	*h, *key;
	size_t		 n;

	if ((h = req_header(r, "Authorization")) == NULL || *h == '\0')
		return unauthorized(r, "send your API key in the Authorization "
		    "header: \"Authorization: Bearer mpk_...\"");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return unauthorized(r, "the Authorization header must be "
		    "\"Bearer \" followed by your API key (mpk_...)");
	for (key = h + 7; *key == ' '; key++)
		;
	n = strlen(key);
	if (n == 0 || n > API_KEY_MAX || strpbrk(key, " \t") != NULL)
		return unauthorized(r, "the Authorization header must be "
		    "\"Bearer \" followed by your API key (mpk_...)");
	switch (apikey_auth(r->r_db, key, n, &r->r_tenant)) {
	case AK_VALID:
		return 0;
	case AK_INVALID:
		return unauthorized(r, "this API key is not valid: check that "
		    "you copied all of it, or create a new one");
	case AK_REVOKED:
		return unauthorized(r, "this API key has been revoked: use "
		    "another key of your tenant, or create a new one");
	default:
		req_db_error(r);
		return -1;
	}
}

/* "application/json", any case, optionally followed by parameters. */
static int
is_json_type(const char *ct)
{
	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	ct += 16;
	return *ct == '\0' || *ct == ';' || *ct == ' ' || *ct == '\t';
}

int
api_body(struct req *r, struct json_doc *doc, int optional)
{
	char	 err[256];

	memset(doc, 0, sizeof(*doc));
	/* Read (or drain) first: the web server is still sending it. */
	if (req_read_body(r) == -1)
		return -1;
	if (optional && r->r_bodylen == 0)
		return 1;
	if (!is_json_type(req_header(r, "Content-Type"))) {
		req_json_error(r, 415, "unsupported_media_type", "send the "
		    "body as JSON with \"Content-Type: application/json\"");
		return -1;
	}
	if (json_parse(doc, r->r_body, r->r_bodylen, JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1) {
		req_json_error(r, 400, "invalid_json", "the body is not valid "
		    "JSON: %s", err);
		return -1;
	}
	return 0;
}

/* A query parameter as a number in [min, max]: 1 found, 0 absent, -1
 * malformed. */
static int
query_num(struct req *r, const char *name, long long min, long long max,
    long long *out)
{
	char		*v;
	const char	*errstr;

	if ((v = req_form_get(r->r_query, strlen(r->r_query), name)) == NULL)
		return 0;
	*out = util_strtonum(v, min, max, &errstr);
	free(v);
	return errstr == NULL ? 1 : -1;
}

int
api_page(struct req *r, size_t def, size_t max, size_t *limit,
    unsigned long long *cursor)
{
	long long	 v;
	int		 rc;

	*limit = def;
	*cursor = 0;
	if ((rc = query_num(r, "limit", 1, (long long)max, &v)) == -1) {
		req_json_error(r, 400, "invalid_parameter", "limit must be a "
		    "number from 1 to %zu", max);
		return -1;
	}
	if (rc == 1)
		*limit = (size_t)v;
	if ((rc = query_num(r, "cursor", 1, INT64_MAX, &v)) == -1) {
		req_json_error(r, 400, "invalid_parameter", "cursor must be "
		    "the next_cursor value of the previous page");
		return -1;
	}
	if (rc == 1)
		*cursor = (unsigned long long)v;
	return 0;
}

void
api_page_end(struct req *r, struct buf *b, int more, unsigned long long last)
{
	buf_puts(b, "],");
	jw_key(b, "next_cursor");
	if (more)
		jw_int(b, (long long)last);
	else
		buf_puts(b, "null");
	buf_putc(b, '}');
	req_json(r, 200, b);
}

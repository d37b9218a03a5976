/* GET /api/v1/event-types: the event catalog. */
#include "config.h"

#include "buf.h"
#include "catalog.h"
#include "db.h"
#include "jsonw.h"
#include "req.h"
#include "routes.h"

void
api_event_types_get(struct req *r)
{
	struct dbres	*res;
	struct buf	 b;
	size_t		 i;

	if (catalog_list(r->r_db, &res) == -1) {
		req_db_error(r);
		return;
	}
	buf_init(&b);
	buf_puts(&b, "{\"data\":[");
	for (i = 0; i < res->r_nrow; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		buf_putc(&b, '{');
		jw_key(&b, "name");
		jw_str(&b, dbres_get(res, i, 0));
		buf_putc(&b, ',');
		jw_key(&b, "category");
		jw_str(&b, dbres_get(res, i, 1));
		buf_putc(&b, ',');
		jw_key(&b, "description");
		jw_str(&b, dbres_get(res, i, 2));
		buf_putc(&b, ',');
		jw_key(&b, "example");
		/* Raw: migrate loads it only after json_parse accepted it as
		 * an object. */
		buf_add(&b, dbres_get(res, i, CAT_EXAMPLE),
		    dbres_len(res, i, CAT_EXAMPLE));
		buf_putc(&b, ',');
		jw_key(&b, "schema");
		/* Raw too, for the same reason; {} (anything) for a type
		 * that left the catalog before schemas came. */
		if (dbres_get(res, i, CAT_SCHEMA) != NULL)
			buf_add(&b, dbres_get(res, i, CAT_SCHEMA),
			    dbres_len(res, i, CAT_SCHEMA));
		else
			buf_puts(&b, "{}");
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}");
	req_json(r, 200, &b);
	buf_free(&b);
	dbres_free(res);
}

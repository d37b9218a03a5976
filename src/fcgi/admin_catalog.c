/* /admin/webhooks/event-catalog: every event type with its category,
 * description and example payload, with a linkable anchor for each. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "db.h"
#include "html.h"
#include "jsonw.h"
#include "req.h"
#include "admin.h"
#include "catalog.h"

void
admin_catalog_get(struct req *r)
{
	struct dbres	*res;
	struct buf	 b, pretty;
	const char	*cat, *prev = NULL, *name;
	size_t		 i;

	if (catalog_list(r->r_db, &res) == -1) {
		html_error(r, 503, "The database is unreachable; try again in "
		    "a moment.");
		return;
	}
	buf_init(&b);
	buf_init(&pretty);
	html_begin(&b, r, "Event catalog");
	html_printf(&b, "<h1>Event catalog</h1>\n<p>Every event an endpoint "
	    "can subscribe to (%llu types). Subscribe to one type, to a whole "
	    "category with <code>category.*</code>, or to everything with "
	    "<code>*</code>. Each delivery's body is <code>{\"event\", "
	    "\"occurred_at\", \"data\"}</code>, with <code>data</code> as "
	    "shown below, with the JSON Schema (draft 2020-12) it meets; "
	    "producers may add fields the schema does not name.</p>\n<nav class=\"toc\" aria-label=\"Categories\">"
	    "<ul>", (unsigned long long)res->r_nrow);
	for (i = 0; i < res->r_nrow; i++) {
		cat = dbres_get(res, i, 1);
		if (prev == NULL || strcmp(prev, cat) != 0)
			html_printf(&b, "<li><a href=\"#cat-%s\">%s</a></li>",
			    cat, cat);
		prev = cat;
	}
	buf_puts(&b, "</ul></nav>\n");
	prev = NULL;
	for (i = 0; i < res->r_nrow; i++) {
		name = dbres_get(res, i, 0);
		cat = dbres_get(res, i, 1);
		if (prev == NULL || strcmp(prev, cat) != 0) {
			if (prev != NULL)
				buf_puts(&b, "</section>\n");
			html_printf(&b, "<section class=\"category\" "
			    "id=\"cat-%s\">\n<h2>%s</h2>\n", cat, cat);
		}
		prev = cat;
		buf_reset(&pretty);
		jw_pretty(&pretty, dbres_get(res, i, 3), dbres_len(res, i, 3));
		html_printf(&b, "<article class=\"event-type\" id=\"%s\">\n"
		    "<h3><a href=\"#%s\"><code>%s</code></a></h3>\n<p>%s</p>\n"
		    "<details><summary>Example payload</summary>\n"
		    "<pre tabindex=\"0\"><code>",
		    name, name, name, dbres_get(res, i, 2));
		html_escn(&b, pretty.b_data, pretty.b_len);
		buf_puts(&b, "</code></pre></details>\n");
		/* The schema beside the example, closed too: 102 of them
		 * open would bury the descriptions. */
		buf_reset(&pretty);
		if (dbres_get(res, i, CAT_SCHEMA) != NULL)
			jw_pretty(&pretty, dbres_get(res, i, CAT_SCHEMA),
			    dbres_len(res, i, CAT_SCHEMA));
		else
			buf_puts(&pretty, "{}");
		html_printf(&b, "<details class=\"schema\"><summary>JSON "
		    "Schema of <code>data</code></summary>\n"
		    "<pre tabindex=\"0\"><code>");
		html_escn(&b, pretty.b_data, pretty.b_len);
		buf_puts(&b, "</code></pre></details>\n</article>\n");
	}
	if (prev != NULL)
		buf_puts(&b, "</section>\n");
	html_end(&b);
	html_send(r, 200, &b);
	buf_free(&b);
	buf_free(&pretty);
	dbres_free(res);
}

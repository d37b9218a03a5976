/* The event catalog file: well formed, large enough, and holding every
 * event the help page names with the seed's example payload. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "json.h"
#include "t.h"

int
main(void)
{
	static const char *const seed[] = {
		"employee.created", "employee.updated", "employee.terminated",
		"attendance.clock_in", "attendance.clock_out",
		"attendance.exception", "leave.requested", "leave.approved",
		"leave.rejected", "expense.submitted", "expense.approved",
		"expense.paid", "po.issued", "po.received", "po.invoiced",
		"incident.reported", "incident.closed", "payroll.locked",
		"payroll.published", "invoice.paid",
	};
	const char	*top = getenv("TOP_SRCDIR");
	char		 path[1024], err[512];
	struct buf	 b;
	struct json_doc	 doc;
	FILE		*f;
	size_t		 n, count = 0, i;
	int		 t, v, found, rc;

	snprintf(path, sizeof(path), "%s/sql/catalog.json", top ? top : ".");
	buf_init(&b);
	if ((f = fopen(path, "r")) != NULL) {
		char chunk[8192];

		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
	}
	T_CHECK(b.b_len > 0, "catalog.json is readable at %s", path);
	rc = catalog_check(b.b_data, b.b_len, &count, err, sizeof(err));
	T_CHECK(rc == 0, "every catalog entry is well formed (%s)",
	    rc ? err : "ok");
	T_CHECK(count >= 60, "the catalog has at least 60 types (%zu)", count);

	T_CHECK(catalog_pattern_ok("leave.*") && catalog_pattern_ok("*") &&
	    catalog_pattern_ok("leave.approved"), "patterns accepted");
	T_CHECK(!catalog_pattern_ok("leave") && !catalog_pattern_ok("*.x") &&
	    !catalog_pattern_ok("Leave.approved") &&
	    !catalog_pattern_ok("a.b.c") && !catalog_pattern_ok(""),
	    "bad patterns refused");

	if (json_parse(&doc, b.b_data, b.b_len, JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1) {
		T_CHECK(0, "catalog parses: %s", err);
		return t_done();
	}
	for (i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		found = 0;
		for (t = 1; t < doc.d_ntok; t = json_skip(&doc, t))
			if ((v = json_get(&doc, t, "name")) != -1 &&
			    json_streq(&doc, v, seed[i])) {
				found = 1;
				break;
			}
		T_CHECK(found, "the help page's %s is in the catalog", seed[i]);
		if (found && strcmp(seed[i], "leave.approved") == 0) {
			struct json_doc	 ex;
			const char	*raw;
			size_t		 len;
			int		 d;
			long long	 id;

			raw = json_raw(&doc, json_get(&doc, t, "example"), &len);
			rc = json_parse(&ex, raw, len, JSON_MAX_DEPTH, err,
			    sizeof(err));
			T_CHECK(rc == 0 && (d = json_get(&ex, 0, "id")) != -1 &&
			    json_int(&ex, d, 0, 1000000, &id) == 0 && id == 123 &&
			    (d = json_get(&ex, 0, "leave_type")) != -1 &&
			    json_streq(&ex, d, "Annual") &&
			    (d = json_get(&ex, 0, "days")) != -1 &&
			    json_int(&ex, d, 0, 100, &id) == 0 && id == 5,
			    "leave.approved's example is the help page's payload");
			if (rc == 0)
				json_free(&ex);
		}
	}
	json_free(&doc);
	buf_free(&b);
	return t_done();
}

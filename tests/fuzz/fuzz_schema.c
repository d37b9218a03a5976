/*
 * libFuzzer harness for the JSON Schema validator (src/core/schema.c):
 * the input, once json_parse accepts it, is validated as data against
 * every schema of the event catalog, and, when schema_check accepts it
 * as a schema, every catalog example is validated against it.
 *
 * Invariants checked, beyond "no crash, no leak, no UB":
 *   - the count schema_validate returns and the lines it writes agree:
 *     no line for a valid value, one line per violation (up to the
 *     report's cap), each "data...: message\n";
 *   - validating twice gives the same report (no hidden state);
 *   - the catalog examples stay valid against their own schemas;
 *   - a date the format check accepts is 10 bytes, a date-time at
 *     least 20.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "schema.h"
#include "fuzz.h"

#ifndef FUZZ_CATALOG
#define FUZZ_CATALOG "sql/catalog.json"
#endif

static struct buf	 cat;
static struct json_doc	 cd;

static void
check_report(const struct json_doc *sd, int st, const struct json_doc *vd,
    int vt)
{
	struct buf	 a, b;
	size_t		 n, m, lines = 0, i;

	buf_init(&a);
	buf_init(&b);
	n = schema_validate(sd, st, vd, vt, "data", &a);
	m = schema_validate(sd, st, vd, vt, "data", &b);
	FUZZ_CHECK(n == m && a.b_len == b.b_len &&
	    (a.b_len == 0 || memcmp(a.b_data, b.b_data, a.b_len) == 0),
	    "two validations of one value differ");
	for (i = 0; i < a.b_len; i++)
		if (a.b_data[i] == '\n')
			lines++;
	FUZZ_CHECK(n == 0 ? a.b_len == 0 : (lines == n || (n >= 100 &&
	    lines == 100)), "%zu violations but %zu lines", n, lines);
	FUZZ_CHECK(a.b_len == 0 || (strncmp(a.b_data, "data", 4) == 0 &&
	    a.b_data[a.b_len - 1] == '\n'), "a report line without its path");
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE	*f;
	char	 chunk[8192], err[256];
	size_t	 n;

	(void)argc;
	(void)argv;
	buf_init(&cat);
	f = fopen(FUZZ_CATALOG, "r");
	FUZZ_CHECK(f != NULL, "cannot open %s", FUZZ_CATALOG);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&cat, chunk, n);
	fclose(f);
	FUZZ_CHECK(json_parse(&cd, cat.b_data, cat.b_len, JSON_MAX_DEPTH, err,
	    sizeof(err)) == 0, "%s: %s", FUZZ_CATALOG, err);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_doc	 doc;
	char		 err[512];
	int		 t, i, s, ex;

	if (json_parse(&doc, (const char *)data, size, JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1)
		return 0;
	for (t = 1; t < cd.d_ntok; t = json_skip(&cd, t))
		if ((s = json_get(&cd, t, "schema")) != -1)
			check_report(&cd, s, &doc, 0);
	if (schema_check(&doc, 0, err, sizeof(err)) == 0)
		for (t = 1; t < cd.d_ntok; t = json_skip(&cd, t))
			if ((ex = json_get(&cd, t, "example")) != -1)
				check_report(&doc, 0, &cd, ex);
	for (i = 0; i < doc.d_ntok; i++) {
		const char *raw;
		size_t len;

		if (doc.d_tok[i].t_type != JSON_STRING)
			continue;
		raw = json_raw(&doc, i, &len);
		FUZZ_CHECK(!schema_is_date(raw + 1, len - 2) || len - 2 == 10,
		    "a date of %zu bytes", len - 2);
		FUZZ_CHECK(!schema_is_datetime(raw + 1, len - 2) ||
		    len - 2 >= 20, "a date-time of %zu bytes", len - 2);
	}
	json_free(&doc);
	return 0;
}

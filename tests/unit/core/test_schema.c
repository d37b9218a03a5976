/* The JSON Schema validator: each keyword table-driven, the formats, the
 * schema check, and the cross-check with ajv: every catalog example is
 * valid and every sample of tests/schema/samples.json gets the verdict
 * it states, the same samples tests/browser/schema_check.mjs gives ajv
 * (and test_schemas compares the two verdict by verdict). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "json.h"
#include "schema.h"
#include "t.h"

static int
parse(struct json_doc *doc, const char *s)
{
	char	 err[256];

	if (json_parse(doc, s, strlen(s), JSON_MAX_DEPTH, err,
	    sizeof(err)) == -1) {
		printf("# parse %s: %s\n", s, err);
		return -1;
	}
	return 0;
}

/* Validate value against schema: the number of violations (-1 if either
 * does not parse), their text in out. */
static long
run(const char *schema, const char *value, struct buf *out)
{
	struct json_doc	 sd, vd;
	long		 n;

	buf_reset(out);
	if (parse(&sd, schema) == -1)
		return -1;
	if (parse(&vd, value) == -1) {
		json_free(&sd);
		return -1;
	}
	n = (long)schema_validate(&sd, 0, &vd, 0, "data", out);
	json_free(&sd);
	json_free(&vd);
	return n;
}

static int
load(const char *rel, struct buf *b)
{
	const char	*top = getenv("TOP_SRCDIR");
	char		 path[1024], chunk[8192];
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

static const struct {
	const char	*name;
	const char	*schema;
	const char	*value;
	const char	*want;	/* NULL: valid; else the violation text */
} cases[] = {
	{ "an integer is an integer", "{\"type\":\"integer\"}", "45", NULL },
	{ "1.0 is an integer, as JSON Schema counts",
	    "{\"type\":\"integer\"}", "1.0", NULL },
	{ "a string is not an integer", "{\"type\":\"integer\"}", "\"45\"",
	    "data: expected integer, got string\n" },
	{ "a fraction is not an integer", "{\"type\":\"integer\"}", "1.5",
	    "data: expected integer, got number\n" },
	{ "an integer is a number", "{\"type\":\"number\"}", "3", NULL },
	{ "a type list names both", "{\"type\":[\"string\",\"null\"]}", "7",
	    "data: expected string or null, got integer\n" },
	{ "null meets a nullable type", "{\"type\":[\"string\",\"null\"]}",
	    "null", NULL },
	{ "a missing required property is named by its path",
	    "{\"type\":\"object\",\"required\":[\"id\",\"employee_id\"]}",
	    "{\"id\":1}", "data.employee_id: required, missing\n" },
	{ "a property's type is checked at its path",
	    "{\"properties\":{\"employee_id\":{\"type\":\"integer\"}}}",
	    "{\"employee_id\":\"45\"}",
	    "data.employee_id: expected integer, got string\n" },
	{ "properties the schema does not name pass when open",
	    "{\"properties\":{},\"additionalProperties\":true}",
	    "{\"extra\":1}", NULL },
	{ "additionalProperties false refuses them",
	    "{\"properties\":{\"a\":{}},\"additionalProperties\":false}",
	    "{\"a\":1,\"b\":2}", "data.b: not allowed here\n" },
	{ "additionalProperties as a schema checks them",
	    "{\"additionalProperties\":{\"type\":\"string\"}}",
	    "{\"b\":2}", "data.b: expected string, got integer\n" },
	{ "items are checked with their index",
	    "{\"items\":{\"type\":\"integer\",\"minimum\":1}}", "[45,\"7\",0]",
	    "data[1]: expected integer, got string\n"
	    "data[2]: 0 is less than the minimum 1\n" },
	{ "minItems", "{\"type\":\"array\",\"minItems\":1}", "[]",
	    "data: has 0 items, fewer than 1\n" },
	{ "maxItems", "{\"maxItems\":1}", "[1,2]",
	    "data: has 2 items, more than 1\n" },
	{ "enum", "{\"enum\":[\"passed\",\"extended\",\"failed\"]}",
	    "\"maybe\"",
	    "data: \"maybe\" is not one of [\"passed\",\"extended\",\"failed\"]\n" },
	{ "enum compares by value, escapes and all",
	    "{\"enum\":[\"caf\\u00e9\",1]}", "\"caf\xc3\xa9\"", NULL },
	{ "const", "{\"const\":\"draft\"}", "\"issued\"",
	    "data: expected \"draft\", got \"issued\"\n" },
	{ "const compares objects whatever the order",
	    "{\"const\":{\"a\":1,\"b\":[true,null]}}",
	    "{\"b\":[true,null],\"a\":1.0}", NULL },
	{ "minimum", "{\"minimum\":1}", "0",
	    "data: 0 is less than the minimum 1\n" },
	{ "maximum", "{\"maximum\":599}", "700",
	    "data: 700 is more than the maximum 599\n" },
	{ "the bounds themselves pass", "{\"minimum\":1,\"maximum\":599}",
	    "599", NULL },
	{ "minLength counts characters, not bytes", "{\"minLength\":2}",
	    "\"\xc3\xa9\"", "data: \"\xc3\xa9\" is shorter than 2 characters\n" },
	{ "maxLength", "{\"maxLength\":2}", "\"abc\"",
	    "data: \"abc\" is longer than 2 characters\n" },
	{ "pattern", "{\"pattern\":\"^[A-Z]{3}$\"}", "\"eur\"",
	    "data: \"eur\" does not match the pattern ^[A-Z]{3}$\n" },
	{ "pattern match", "{\"pattern\":\"^-?[0-9]+\\\\.[0-9]{2}$\"}",
	    "\"149.90\"", NULL },
	{ "format date", "{\"format\":\"date\"}", "\"10/05/2026\"",
	    "data: expected a date (YYYY-MM-DD), got \"10/05/2026\"\n" },
	{ "format applies to strings only", "{\"format\":\"date\"}", "5",
	    NULL },
	{ "format email", "{\"format\":\"email\"}", "\"lena.novak\"",
	    "data: expected an email address, got \"lena.novak\"\n" },
	{ "anyOf", "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":3}]}",
	    "2", "data: matches none of the 2 anyOf alternatives\n" },
	{ "anyOf met by one", "{\"anyOf\":[{\"type\":\"string\"},"
	    "{\"minimum\":3}]}", "4", NULL },
	{ "oneOf met by two fails",
	    "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}", "4",
	    "data: matches 2 of the oneOf alternatives, not exactly one\n" },
	{ "false refuses everything", "false", "1",
	    "data: not allowed here\n" },
	{ "a wrong type stops the checks below it",
	    "{\"type\":\"string\",\"minLength\":5}", "1",
	    "data: expected string, got integer\n" },
	{ "nested paths",
	    "{\"properties\":{\"a\":{\"properties\":{\"b\":{\"items\":"
	    "{\"required\":[\"c\"]}}}}}}", "{\"a\":{\"b\":[{},{\"c\":1}]}}",
	    "data.a.b[0].c: required, missing\n" },
};

static const struct {
	const char	*s;
	int		 date, datetime, email, uri, uriref;
} formats[] = {
	/* What ajv-formats says of each (tests/browser/node_modules). */
	{ "2026-05-04", 1, 0, 0, 0, 1 },
	{ "2024-02-29", 1, 0, 0, 0, 1 },
	{ "2026-02-29", 0, 0, 0, 0, 1 },
	{ "2026-13-01", 0, 0, 0, 0, 1 },
	{ "2026-5-4", 0, 0, 0, 0, 1 },
	{ "2026-04-29T14:32:11Z", 0, 1, 0, 0, 1 },
	{ "2026-04-29T14:32:11.204Z", 0, 1, 0, 0, 1 },
	{ "2026-04-29t14:32:11+02:00", 0, 1, 0, 0, 1 },
	{ "2026-04-29T14:32:11", 0, 0, 0, 0, 1 },
	{ "2026-04-29T24:00:00Z", 0, 0, 0, 0, 1 },
	{ "2026-04-29 06:58", 0, 0, 0, 0, 0 },
	{ "2026-12-31T23:59:60Z", 0, 1, 0, 0, 1 },
	{ "2026-12-31T12:59:60Z", 0, 0, 0, 0, 1 },
	{ "maria.lopez@acme.example", 0, 0, 1, 0, 1 },
	{ "orders@iberiapack.example", 0, 0, 1, 0, 1 },
	{ "lena@localhost", 0, 0, 0, 0, 1 },
	{ "a..b@acme.example", 0, 0, 0, 0, 1 },
	{ "https://acme.momentumpro.pro/employees/45", 0, 0, 0, 1, 1 },
	{ "mailto:x@y.example", 0, 0, 0, 1, 1 },
	{ "/admin/webhooks/17", 0, 0, 0, 0, 1 },
	{ "employees 45", 0, 0, 0, 0, 0 },
	{ "https://x.example/%zz", 0, 0, 0, 0, 0 },
	{ "2026-04-29T14:32:11+0200", 0, 1, 0, 0, 1 },
	{ "2026-04-29T14:32:11+02", 0, 1, 0, 0, 1 },
	{ "2026-04-29 14:32:11Z", 0, 1, 0, 0, 0 },
	{ "a:b", 0, 0, 0, 1, 1 },
	{ "http:", 0, 0, 0, 0, 1 },
	{ "x", 0, 0, 0, 0, 1 },
	{ "", 0, 0, 0, 0, 1 },
};

static const struct {
	const char	*name;
	const char	*schema;
	const char	*want;	/* NULL: accepted; else err's start */
} checks[] = {
	{ "a catalog-style schema is accepted",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	    "\"title\":\"x\",\"type\":\"object\",\"required\":[\"id\"],"
	    "\"properties\":{\"id\":{\"type\":\"integer\",\"minimum\":1}},"
	    "\"additionalProperties\":true}", NULL },
	{ "an unknown keyword is refused",
	    "{\"properties\":{\"a\":{\"if\":{}}}}",
	    "schema.properties.a: unsupported keyword 'if'" },
	{ "$ref is refused (not implemented)", "{\"$ref\":\"#/x\"}",
	    "schema: unsupported keyword '$ref'" },
	{ "an unknown type name is refused", "{\"type\":\"int\"}",
	    "schema.type: unknown type" },
	{ "an unknown format is refused", "{\"format\":\"ipv4\"}",
	    "schema.format: must be one of" },
	{ "a pattern with \\d is refused (POSIX has no \\d)",
	    "{\"pattern\":\"^\\\\d+$\"}", "schema.pattern: must be" },
	{ "required must hold strings", "{\"required\":[1]}",
	    "schema.required: must be an array of strings" },
	{ "minLength must be a count", "{\"minLength\":-1}",
	    "schema.minLength: must be a non-negative integer" },
	{ "a schema is an object or a boolean", "{\"items\":3}",
	    "schema.items: a schema must be" },
};

int
main(void)
{
	struct buf	 out, cat, samples;
	struct json_doc	 cd, sd;
	char		 err[512];
	size_t		 i, n;
	long		 got;
	int		 t, ex, sc, name, ev, data, valid, typ, found;

	buf_init(&out);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = run(cases[i].schema, cases[i].value, &out);
		T_CHECK(cases[i].want == NULL ? got == 0 :
		    (got > 0 && strcmp(buf_cstr(&out), cases[i].want) == 0),
		    "%s (got %ld: %s)", cases[i].name, got, buf_cstr(&out));
	}
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		const char *s = formats[i].s;
		n = strlen(s);
		T_CHECK(schema_is_date(s, n) == formats[i].date &&
		    schema_is_datetime(s, n) == formats[i].datetime &&
		    schema_is_email(s, n) == formats[i].email &&
		    schema_is_uri(s, n, 0) == formats[i].uri &&
		    schema_is_uri(s, n, 1) == formats[i].uriref,
		    "formats of \"%s\": date %d, date-time %d, email %d, "
		    "uri %d, uri-reference %d", s, formats[i].date,
		    formats[i].datetime, formats[i].email, formats[i].uri,
		    formats[i].uriref);
	}
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct json_doc d;
		int rc;

		if (parse(&d, checks[i].schema) == -1) {
			T_CHECK(0, "%s: parses", checks[i].name);
			continue;
		}
		err[0] = '\0';
		rc = schema_check(&d, 0, err, sizeof(err));
		T_CHECK(checks[i].want == NULL ? rc == 0 : (rc == -1 &&
		    strncmp(err, checks[i].want, strlen(checks[i].want)) == 0),
		    "%s (%s)", checks[i].name, rc ? err : "accepted");
		json_free(&d);
	}

	/* The catalog: every schema accepted, every example valid. */
	buf_init(&cat);
	buf_init(&samples);
	T_CHECK(load("sql/catalog.json", &cat) == 0 &&
	    load("tests/schema/samples.json", &samples) == 0,
	    "catalog.json and samples.json are readable");
	if (cat.b_len == 0 || samples.b_len == 0 ||
	    parse(&cd, cat.b_data) == -1)
		return t_done();
	n = 0;
	for (t = 1; t < cd.d_ntok; t = json_skip(&cd, t)) {
		char *nm;

		sc = json_get(&cd, t, "schema");
		ex = json_get(&cd, t, "example");
		nm = json_strdup(&cd, json_get(&cd, t, "name"));
		buf_reset(&out);
		err[0] = '\0';
		T_CHECK(sc != -1 && ex != -1 &&
		    json_streq(&cd, json_get(&cd, sc, "$schema"),
		    "https://json-schema.org/draft/2020-12/schema") &&
		    schema_check(&cd, sc, err, sizeof(err)) == 0 &&
		    schema_validate(&cd, sc, &cd, ex, "data", &out) == 0,
		    "%s: a draft 2020-12 schema this validator fully checks, "
		    "and the example meets it %s%s", nm ? nm : "?", err,
		    buf_cstr(&out));
		free(nm);
		n++;
	}
	T_CHECK(n == 102, "every one of the 102 types has been checked "
	    "(%zu)", n);
	T_CHECK(catalog_check(cat.b_data, cat.b_len, NULL, err,
	    sizeof(err)) == 0, "catalog_check accepts the catalog (%s)", err);

	/* The samples ajv checks too. */
	if (parse(&sd, samples.b_data) == -1)
		return t_done();
	for (i = 0; i < (size_t)sd.d_tok[0].t_size; i++) {
		char *why, *type;

		t = json_index(&sd, 0, (int)i);
		ev = json_get(&sd, t, "event");
		data = json_get(&sd, t, "data");
		why = json_strdup(&sd, json_get(&sd, t, "why"));
		type = json_strdup(&sd, ev);
		json_bool(&sd, json_get(&sd, t, "valid"), &valid);
		found = 0;
		for (typ = 1; typ < cd.d_ntok; typ = json_skip(&cd, typ))
			if ((name = json_get(&cd, typ, "name")) != -1 &&
			    type != NULL && json_streq(&cd, name, type)) {
				found = 1;
				break;
			}
		buf_reset(&out);
		got = found ? (long)schema_validate(&cd,
		    json_get(&cd, typ, "schema"), &sd, data, "data", &out) : -1;
		T_CHECK(found && (got == 0) == valid,
		    "sample %zu (%s, %s) is %s as ajv says: %s", i,
		    type ? type : "?", why ? why : "?",
		    valid ? "valid" : "invalid", buf_cstr(&out));
		free(why);
		free(type);
	}
	json_free(&sd);

	/* A catalog whose entry lacks a schema, or whose example fails its
	 * schema, is refused: migrate loads nothing from it. */
	{
		static const char *const bad[] = {
			"[{\"name\":\"a.b\",\"category\":\"a\",\"description\":"
			"\"d\",\"example\":{}}]",
			"[{\"name\":\"a.b\",\"category\":\"a\",\"description\":"
			"\"d\",\"example\":{},\"schema\":true}]",
			"[{\"name\":\"a.b\",\"category\":\"a\",\"description\":"
			"\"d\",\"example\":{},\"schema\":{\"required\":"
			"[\"id\"]}}]",
			"[{\"name\":\"a.b\",\"category\":\"a\",\"description\":"
			"\"d\",\"example\":{},\"schema\":{\"if\":{}}}]",
		};
		static const char *const why[] = {
			"without a schema", "with a schema that is not an "
			"object", "whose example fails its schema",
			"with an unsupported keyword",
		};
		for (i = 0; i < 4; i++) {
			err[0] = '\0';
			T_CHECK(catalog_check(bad[i], strlen(bad[i]), NULL,
			    err, sizeof(err)) == -1, "a catalog entry %s is "
			    "refused (%s)", why[i], err);
		}
	}
	json_free(&cd);
	buf_free(&cat);
	buf_free(&samples);
	buf_free(&out);
	return t_done();
}

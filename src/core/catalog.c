/* The event catalog loader. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalog.h"
#include "db.h"
#include "json.h"
#include "schema.h"

static int
seg_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > 50)
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

int
catalog_pattern_ok(const char *p)
{
	const char	*dot;

	if (strcmp(p, "*") == 0)
		return 1;
	if ((dot = strchr(p, '.')) == NULL || strchr(dot + 1, '.') != NULL)
		return 0;
	if (!seg_ok(p, (size_t)(dot - p)))
		return 0;
	return strcmp(dot + 1, "*") == 0 || seg_ok(dot + 1, strlen(dot + 1));
}

/* Walk the catalog; with db set, upsert each entry, its schema too when
 * with_schema says event_types has the column. */
static int
walk(struct db *db, int with_schema, const char *js, size_t len,
    size_t *count, char *err, size_t errsz)
{
	struct json_doc	 doc;
	char		 jerr[256];
	char		*name = NULL, *cat = NULL, *desc = NULL;
	const char	*ex, *sch;
	size_t		 exlen, schlen, n = 0;
	struct buf	 why;
	int		 t, v, s, rc = -1;

	if (json_parse(&doc, js, len, JSON_MAX_DEPTH, jerr, sizeof(jerr))) {
		snprintf(err, errsz, "catalog.json: %s", jerr);
		return -1;
	}
	buf_init(&why);
	if (doc.d_tok[0].t_type != JSON_ARRAY) {
		snprintf(err, errsz, "catalog.json: expected an array");
		goto out;
	}
	for (t = 1; t < doc.d_ntok; t = json_skip(&doc, t), n++) {
		free(name);
		free(cat);
		free(desc);
		name = cat = desc = NULL;
		if (doc.d_tok[t].t_type != JSON_OBJECT ||
		    (v = json_get(&doc, t, "name")) == -1 ||
		    (name = json_strdup(&doc, v)) == NULL ||
		    (v = json_get(&doc, t, "category")) == -1 ||
		    (cat = json_strdup(&doc, v)) == NULL ||
		    (v = json_get(&doc, t, "description")) == -1 ||
		    (desc = json_strdup(&doc, v)) == NULL ||
		    (v = json_get(&doc, t, "example")) == -1 ||
		    doc.d_tok[v].t_type != JSON_OBJECT ||
		    (s = json_get(&doc, t, "schema")) == -1 ||
		    doc.d_tok[s].t_type != JSON_OBJECT) {
			snprintf(err, errsz, "catalog.json: entry %zu needs "
			    "name, category, description, an example object "
			    "and a schema object", n + 1);
			goto out;
		}
		if (!catalog_pattern_ok(name) || strchr(name, '*') != NULL ||
		    strncmp(name, cat, strlen(cat)) != 0 ||
		    name[strlen(cat)] != '.') {
			snprintf(err, errsz, "catalog.json: entry %zu: bad "
			    "name '%s' for category '%s'", n + 1, name, cat);
			goto out;
		}
		/* A schema that uses what schema_validate does not check
		 * would let `webhooksctl catalog check` pass bad events, and
		 * an example its own schema refuses would teach them. */
		if (schema_check(&doc, s, jerr, sizeof(jerr)) == -1) {
			snprintf(err, errsz, "catalog.json: %s: %s", name, jerr);
			goto out;
		}
		buf_reset(&why);
		if (schema_validate(&doc, s, &doc, v, "example", &why) > 0) {
			snprintf(err, errsz, "catalog.json: %s: the example does "
			    "not match the schema: %.*s", name,
			    (int)strcspn(buf_cstr(&why), "\n"), why.b_data);
			goto out;
		}
		ex = json_raw(&doc, v, &exlen);
		sch = json_raw(&doc, s, &schlen);
		if (db != NULL && !with_schema && db_exec(db,
		    "INSERT INTO event_types (name, category, description,"
		    " example) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
		    " category = VALUES(category),"
		    " description = VALUES(description),"
		    " example = VALUES(example)",
		    "sssb", name, cat, desc, ex, exlen) == -1) {
			snprintf(err, errsz, "catalog: %s", db_error(db));
			goto out;
		}
		if (db != NULL && with_schema && db_exec(db,
		    "INSERT INTO event_types (name, category, description,"
		    " example, data_schema) VALUES (?, ?, ?, ?, ?)"
		    " ON DUPLICATE KEY UPDATE"
		    " category = VALUES(category),"
		    " description = VALUES(description),"
		    " example = VALUES(example),"
		    " data_schema = VALUES(data_schema)",
		    "sssbb", name, cat, desc, ex, exlen, sch, schlen) == -1) {
			snprintf(err, errsz, "catalog: %s", db_error(db));
			goto out;
		}
	}
	if (count != NULL)
		*count = n;
	rc = 0;
out:
	free(name);
	free(cat);
	free(desc);
	buf_free(&why);
	json_free(&doc);
	return rc;
}

int
catalog_check(const char *js, size_t len, size_t *count, char *err,
    size_t errsz)
{
	return walk(NULL, 0, js, len, count, err, errsz);
}

int
catalog_load(struct db *db, const char *js, size_t len, char *err,
    size_t errsz)
{
	struct dbres	*r;
	int		 with_schema;

	/* Check it all first, so a bad entry loads none of them. */
	if (walk(NULL, 0, js, len, NULL, err, errsz) == -1)
		return -1;
	/* A migration directory that stops before 009_schemas.sql (an
	 * upgrade done in steps) has no data_schema yet: load the rest,
	 * and the schemas with the migrate that applies 009. */
	if (db_query(db, &r, "SELECT COUNT(*) FROM information_schema.COLUMNS"
	    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'event_types'"
	    " AND COLUMN_NAME = 'data_schema'", "") == -1) {
		snprintf(err, errsz, "catalog: %s", db_error(db));
		return -1;
	}
	with_schema = r->r_nrow == 1 && dbres_int(r, 0, 0) > 0;
	dbres_free(r);
	return walk(db, with_schema, js, len, NULL, err, errsz);
}

int
catalog_list(struct db *db, struct dbres **res)
{
	return db_query(db, res, "SELECT name, category, description,"
	    " example, data_schema FROM event_types"
	    " ORDER BY category, name", "");
}

int
catalog_names(struct db *db, struct dbres **res)
{
	return db_query(db, res, "SELECT name, category FROM event_types"
	    " ORDER BY category, name", "");
}

int
catalog_example(struct db *db, const char *type, char **example)
{
	struct dbres	*r;

	*example = NULL;
	if (db_query(db, &r, "SELECT example FROM event_types WHERE name = ?",
	    "s", type) == -1)
		return -1;
	if (r->r_nrow == 1)
		*example = xstrndup(dbres_get(r, 0, 0), dbres_len(r, 0, 0));
	dbres_free(r);
	return 0;
}

int
catalog_schema(struct db *db, const char *type, char **schema)
{
	struct dbres	*r;

	*schema = NULL;
	if (db_query(db, &r, "SELECT data_schema FROM event_types"
	    " WHERE name = ?", "s", type) == -1)
		return -1;
	if (r->r_nrow == 1 && dbres_get(r, 0, 0) != NULL)
		*schema = xstrndup(dbres_get(r, 0, 0), dbres_len(r, 0, 0));
	dbres_free(r);
	return 0;
}

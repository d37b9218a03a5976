/* The event catalog: sql/catalog.json, checked and upserted into
 * event_types by migrate. */
#ifndef WH_CATALOG_H
#define WH_CATALOG_H

#include <stddef.h>

struct db;

/* Check the catalog document; 0 if every entry is well formed (name,
 * category, description, an example object and a schema object that
 * schema_check accepts and the example meets), else -1
 * with the reason in err.  *count gets the number of types. */
int	catalog_check(const char *js, size_t len, size_t *count, char *err,
	    size_t errsz);
/* Upsert every type; existing rows are updated, none deleted. */
int	catalog_load(struct db *, const char *js, size_t len, char *err,
	    size_t errsz);
/* The one reader of event_types.  Rows of catalog_list, by category
 * then name; catalog_names returns the first two columns only. */
enum catalog_col { CAT_NAME, CAT_CATEGORY, CAT_DESCRIPTION, CAT_EXAMPLE,
	CAT_SCHEMA };

struct dbres;
/* Every type: 0 with *res (dbres_free it), or -1. */
int	catalog_list(struct db *, struct dbres **res);
int	catalog_names(struct db *, struct dbres **res);
/* The example data of one type into *example (free it), NULL when the
 * type is unknown: 0, or -1 on a database error. */
int	catalog_example(struct db *, const char *type, char **example);

/* The JSON Schema of one type's data into *schema (free it), NULL when
 * the type is unknown: 0, or -1 on a database error. */
int	catalog_schema(struct db *, const char *type, char **schema);

/* Is name a valid subscription pattern syntax: "a.b", "a.*" or "*"? */
int	catalog_pattern_ok(const char *);

#endif

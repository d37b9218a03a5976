/* The event catalog: sql/catalog.json, checked and upserted into
 * event_types by migrate. */
#ifndef WH_CATALOG_H
#define WH_CATALOG_H

#include <stddef.h>

struct db;

/* Check the catalog document; 0 if every entry is well formed, else -1
 * with the reason in err.  *count gets the number of types. */
int	catalog_check(const char *js, size_t len, size_t *count, char *err,
	    size_t errsz);
/* Upsert every type; existing rows are updated, none deleted. */
int	catalog_load(struct db *, const char *js, size_t len, char *err,
	    size_t errsz);
/* Is name a valid subscription pattern syntax: "a.b", "a.*" or "*"? */
int	catalog_pattern_ok(const char *);

#endif

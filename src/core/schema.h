/* JSON Schema (draft 2020-12), the subset the event catalog uses: type,
 * properties, required, additionalProperties, items, minItems, maxItems,
 * enum, const, format (date, date-time, email, uri, uri-reference),
 * minimum, maximum, minLength, maxLength, pattern (POSIX extended),
 * anyOf and oneOf; $schema, title, description and $comment are
 * annotations.  Both documents are json_parse'd by the caller; tokens
 * are indexes into them. */
#ifndef WH_SCHEMA_H
#define WH_SCHEMA_H

#include <stddef.h>

#include "buf.h"
#include "json.h"

/* Does the schema at token st use only what schema_validate checks,
 * each keyword with a value of the right kind?  0, else -1 with err
 * naming the place ("schema.properties.id: unsupported keyword 'if'"):
 * a keyword this validator ignored would pass data it should refuse. */
int	schema_check(const struct json_doc *sd, int st, char *err,
	    size_t errsz);

/* Validate the value at token vt of vd against the schema at st of sd.
 * Each violation is appended to out as one line, "PATH: message\n",
 * where PATH starts with root ("data.employee_id: expected integer,
 * got string").  Returns the number of violations: 0 means valid. */
size_t	schema_validate(const struct json_doc *sd, int st,
	    const struct json_doc *vd, int vt, const char *root,
	    struct buf *out);

/* The format checks, exposed for the unit tests. */
int	schema_is_date(const char *, size_t);
int	schema_is_datetime(const char *, size_t);
int	schema_is_email(const char *, size_t);
int	schema_is_uri(const char *, size_t, int reference);

#endif

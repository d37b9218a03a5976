/* What json.c and json_get.c share; not for other modules. */
#ifndef WH_JSON_PRIV_H
#define WH_JSON_PRIV_H

#include <stddef.h>

/* Four hex digits at s, of which avail bytes exist: 0 with the value in
 * *out, else -1.  The validator checks \u escapes with it, the
 * accessors decode them. */
int	 json_hex4(const char *s, size_t avail, unsigned int *out);

#endif

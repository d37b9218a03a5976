/* JSON writer: the one place strings are escaped for JSON output. */
#ifndef WH_JSONW_H
#define WH_JSONW_H

#include <stddef.h>

#include "buf.h"

/* Quoted, escaped string; NULL writes null. */
void	jw_str(struct buf *, const char *);
void	jw_strn(struct buf *, const char *, size_t);
/* "key": with the comma handled by the caller. */
void	jw_key(struct buf *, const char *);
void	jw_int(struct buf *, long long);
/* Re-indent well-formed JSON text (two spaces a level, levels past
 * JW_PRETTY_MAXDEPTH at that level's indentation) for display. */
#define JW_PRETTY_MAXDEPTH	12
void	jw_pretty(struct buf *, const char *, size_t);

#endif

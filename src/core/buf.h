/* Growable byte buffer.  Allocation failure aborts: every caller would
 * otherwise have to unwind on a condition it cannot recover from. */
#ifndef WH_BUF_H
#define WH_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*b_data;	/* always NUL-terminated when b_cap > 0 */
	size_t	 b_len;
	size_t	 b_cap;
};

void		 buf_init(struct buf *);
void		 buf_free(struct buf *);
void		 buf_reset(struct buf *);
void		 buf_reserve(struct buf *, size_t);
void		 buf_add(struct buf *, const void *, size_t);
void		 buf_puts(struct buf *, const char *);
void		 buf_putc(struct buf *, char);
void		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 buf_vprintf(struct buf *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
const char	*buf_cstr(struct buf *);
char		*buf_release(struct buf *);

void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xrealloc(void *, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);

#endif

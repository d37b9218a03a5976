/* HTML output for the admin pages: the one escaper, and the page frame.
 * Every value that is not a literal in our code goes through html_esc. */
#ifndef WH_HTML_H
#define WH_HTML_H

#include "buf.h"

struct req;

/* Escape & < > " ' for text and attribute values alike. */
void	html_esc(struct buf *, const char *);
void	html_escn(struct buf *, const char *, size_t);
/* printf for markup where every %s argument is escaped: use "%s" for
 * values and keep markup in the format string.  Conversions: %s, %d,
 * %lld, %llu, %zu and %%; the attribute lets the compiler check them. */
void	html_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* A time from the database (RFC 3339 UTC) as <time datetime> with the
 * same text, which www/admin.js shows in the viewer's zone and relative
 * to now; "—" when NULL. */
void	html_time(struct buf *, const char *);

/* <!doctype html> ... <main>; nav shows the signed-in state. */
void	html_begin(struct buf *, struct req *, const char *title);
void	html_end(struct buf *);
/* Hidden CSRF field for the current session. */
void	html_csrf(struct buf *, struct req *);
/* One line of a form's error summary, a link to the field id saying
 * "label: msg"; nothing when msg is empty. */
void	html_summary_item(struct buf *, const char *id, const char *label,
	    const char *msg);
/* Send a page with status. */
void	html_send(struct req *, int status, struct buf *);
/* A full error page ("Not found", ...) with a message. */
void	html_error(struct req *, int status, const char *msg);

#endif

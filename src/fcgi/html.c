/* HTML escaping and the page frame of the admin pages. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "html.h"
#include "req.h"

void
html_escn(struct buf *b, const char *s, size_t n)
{
	size_t	 i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '&':  rep = "&amp;"; break;
		case '<':  rep = "&lt;"; break;
		case '>':  rep = "&gt;"; break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:   continue;
		}
		buf_add(b, s + run, i - run);
		buf_puts(b, rep);
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
}

void
html_esc(struct buf *b, const char *s)
{
	if (s != NULL)
		html_escn(b, s, strlen(s));
}

/* A deliberately small printf: %s (escaped), %d, %lld, %llu, %%.  Having
 * no raw %s means a template cannot emit an unescaped value by mistake. */
void
html_printf(struct buf *b, const char *fmt, ...)
{
	va_list		 ap;
	const char	*p;

	va_start(ap, fmt);
	for (p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			const char *q = strchr(p, '%');
			size_t n = q ? (size_t)(q - p) : strlen(p);

			buf_add(b, p, n);
			p += n - 1;
			continue;
		}
		p++;
		if (*p == 's')
			html_esc(b, va_arg(ap, const char *));
		else if (*p == 'd')
			buf_printf(b, "%d", va_arg(ap, int));
		else if (strncmp(p, "lld", 3) == 0) {
			buf_printf(b, "%lld", va_arg(ap, long long));
			p += 2;
		} else if (strncmp(p, "llu", 3) == 0) {
			buf_printf(b, "%llu", va_arg(ap, unsigned long long));
			p += 2;
		} else if (strncmp(p, "zu", 2) == 0) {
			buf_printf(b, "%zu", va_arg(ap, size_t));
			p += 1;
		} else if (*p == '%')
			buf_putc(b, '%');
		else
			break;
	}
	va_end(ap);
}

void
html_csrf(struct buf *b, struct req *r)
{
	html_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
	    r->r_csrf ? r->r_csrf : "");
}

void
html_time(struct buf *b, const char *t)
{
	if (t == NULL)
		buf_puts(b, "—");
	else
		html_printf(b, "<time datetime=\"%s\">%s</time>", t, t);
}

void
html_begin(struct buf *b, struct req *r, const char *title)
{
	html_printf(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<title>%s · Momentumpro</title>\n"
	    "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
	    "<script src=\"/static/admin.js\" defer></script>\n"
	    "</head>\n<body>\n"
	    "<a class=\"skip\" href=\"#content\">Skip to content</a>\n"
	    "<header class=\"top\">\n"
	    "<a class=\"brand\" href=\"/admin/webhooks\">Momentumpro</a>\n",
	    title);
	if (r->r_user != 0) {
		buf_puts(b, "<nav aria-label=\"Admin\"><ul>"
		    "<li><a href=\"/admin/webhooks\">Webhooks</a></li>"
		    "<li><a href=\"/admin/deliveries\">Deliveries</a></li>"
		    "<li><a href=\"/admin/webhooks/event-catalog\">Event "
		    "catalog</a></li></ul></nav>\n"
		    "<form class=\"logout\" method=\"post\" "
		    "action=\"/admin/logout\">");
		html_csrf(b, r);
		buf_puts(b, "<button type=\"submit\" class=\"link\">Sign out"
		    "</button></form>\n"
		    "<form class=\"logout\" method=\"post\" "
		    "action=\"/admin/logout-everywhere\">");
		html_csrf(b, r);
		buf_puts(b, "<button type=\"submit\" class=\"link\" title=\""
		    "End your sessions on every device and browser\">Sign out "
		    "everywhere</button></form>\n");
	}
	/* tabindex: the skip link's target takes the focus in every
	 * browser, so the next Tab goes on from the page's content. */
	buf_puts(b, "</header>\n<main id=\"content\" tabindex=\"-1\">\n");
}

void
html_end(struct buf *b)
{
	buf_puts(b, "</main>\n<footer><p>Essential cookies only: we don't run "
	    "analytics or advertising trackers.</p></footer>\n"
	    "</body>\n</html>\n");
}

void
html_send(struct req *r, int status, struct buf *b)
{
	/* Pages may not be framed by other sites (clickjacking). */
	req_add_header(r, "X-Frame-Options", "DENY");
	req_add_header(r, "Content-Security-Policy", "default-src 'self'; "
	    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
	    "frame-ancestors 'none'; form-action 'self'");
	/* Unless the page chose a stricter one (admin_link.c). */
	if (strstr(buf_cstr(&r->r_hdrs), "Referrer-Policy:") == NULL)
		req_add_header(r, "Referrer-Policy", "same-origin");
	req_respond(r, status, "text/html; charset=utf-8", b->b_data,
	    b->b_len);
}

void
html_error(struct req *r, int status, const char *msg)
{
	struct buf	 b;

	buf_init(&b);
	html_begin(&b, r, status == 404 ? "Not found" : "Error");
	html_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n<p><a href=\"/admin/"
	    "webhooks\">Back to webhooks</a></p>\n", status == 404 ?
	    "Not found" : status == 403 ? "Forbidden" : "Something went wrong",
	    msg);
	html_end(&b);
	html_send(r, status, &b);
	buf_free(&b);
}

void
html_summary_item(struct buf *b, const char *id, const char *label,
    const char *msg)
{
	if (msg[0] != '\0')
		html_printf(b, "<li><a href=\"#%s\">%s: %s</a></li>\n", id,
		    label, msg);
}

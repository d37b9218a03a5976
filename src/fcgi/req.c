/* Request context, body reader and response helpers for webhooks.fcgi. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "jsonw.h"
#include "log.h"
#include "req.h"
#include "util.h"

const char *
req_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->r_fcgx->envp);
}

const char *
req_header(const struct req *r, const char *name)
{
	char	 cgi[128];
	size_t	 i, n = strlen(name);

	/* CONTENT_TYPE and CONTENT_LENGTH have no HTTP_ prefix in CGI. */
	if (strcasecmp(name, "Content-Type") == 0)
		return req_param(r, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return req_param(r, "CONTENT_LENGTH");
	if (n + 6 > sizeof(cgi))
		return NULL;
	memcpy(cgi, "HTTP_", 5);
	for (i = 0; i < n; i++)
		cgi[5 + i] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	cgi[5 + n] = '\0';
	return req_param(r, cgi);
}

int
req_read_body(struct req *r)
{
	const char	*cl = req_param(r, "CONTENT_LENGTH");
	const char	*errstr = NULL;
	long long	 want = 0;
	size_t		 max = r->r_cf->cf_max_body, got = 0;
	int		 n;
	char		 sink[8192];

	if (cl != NULL && *cl != '\0')
		want = util_strtonum(cl, 0, INT64_MAX, &errstr);
	if (errstr != NULL) {
		req_json_error(r, 400, "bad_request", "Content-Length is not a "
		    "number");
		return -1;
	}
	/* Refuse before reading: the limit protects memory, not just us. */
	if ((unsigned long long)want > max) {
		/* Drain what the server forwards so the reply gets through. */
		while (FCGX_GetStr(sink, sizeof(sink), r->r_fcgx->in) > 0)
			;
		req_json_error(r, 413, "payload_too_large", "the request body"
		    " is %lld bytes; the limit is %zu bytes (max_body): send "
		    "fewer events per request", want, max);
		return -1;
	}
	r->r_body = xmalloc((size_t)want + 1);
	while (got < (size_t)want) {
		n = FCGX_GetStr(r->r_body + got, (int)((size_t)want - got),
		    r->r_fcgx->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->r_body[got] = '\0';
	r->r_bodylen = got;
	if (got != (size_t)want) {
		req_json_error(r, 400, "bad_request", "the request body ended "
		    "after %zu of %lld bytes", got, want);
		return -1;
	}
	return 0;
}

void
req_add_header(struct req *r, const char *name, const char *value)
{
	/* Header injection is impossible only if values carry no CR/LF. */
	if (strpbrk(value, "\r\n") != NULL || strpbrk(name, "\r\n:") != NULL)
		return;
	buf_printf(&r->r_hdrs, "%s: %s\r\n", name, value);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

void
req_respond(struct req *r, int status, const char *ctype, const char *body,
    size_t len)
{
	struct buf	 h;

	if (r->r_sent)
		return;
	r->r_sent = 1;
	r->r_status = status;
	/* libfcgi's own printf lacks %zu and friends: format here. */
	buf_init(&h);
	buf_printf(&h, "Status: %d %s\r\n", status, reason(status));
	if (ctype != NULL)
		buf_printf(&h, "Content-Type: %s\r\n", ctype);
	buf_printf(&h, "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n", len);
	buf_add(&h, r->r_hdrs.b_data, r->r_hdrs.b_len);
	buf_puts(&h, "\r\n");
	FCGX_PutStr(h.b_data, (int)h.b_len, r->r_fcgx->out);
	buf_free(&h);
	if (len > 0 && strcmp(r->r_method, "HEAD") != 0)
		FCGX_PutStr(body, (int)len, r->r_fcgx->out);
}

void
req_json(struct req *r, int status, struct buf *body)
{
	buf_putc(body, '\n');
	req_respond(r, status, "application/json", body->b_data, body->b_len);
}

void
req_json_error(struct req *r, int status, const char *code,
    const char *fmt, ...)
{
	struct buf	 b, msg;
	va_list		 ap;

	buf_init(&b);
	buf_init(&msg);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_puts(&b, "{\"error\":{\"code\":");
	jw_str(&b, code);
	buf_puts(&b, ",\"message\":");
	jw_str(&b, buf_cstr(&msg));
	buf_puts(&b, "}}");
	req_json(r, status, &b);
	buf_free(&b);
	buf_free(&msg);
}

void
req_db_error(struct req *r)
{
	if (db_err_is_gone(r->r_db)) {
		req_add_header(r, "Retry-After", "5");
		req_json_error(r, 503, "database_unavailable", "the database "
		    "is unreachable; nothing was stored: retry shortly");
	} else
		req_json_error(r, 500, "internal_error", "a database error "
		    "occurred; nothing was stored: retry, and contact support "
		    "if it persists");
}

void
req_redirect(struct req *r, const char *location)
{
	req_add_header(r, "Location", location);
	req_respond(r, 303, "text/plain", "", 0);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
req_urldecode(char *s, size_t *len)
{
	size_t	 i, o = 0;
	int	 h, l;

	for (i = 0; i < *len; i++) {
		if (s[i] == '+')
			s[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= *len)
				return -1;
			if ((h = hexval((unsigned char)s[i + 1])) < 0 ||
			    (l = hexval((unsigned char)s[i + 2])) < 0)
				return -1;
			s[o++] = (char)(h << 4 | l);
			i += 2;
		} else
			s[o++] = s[i];
		if (o > 0 && s[o - 1] == '\0')
			return -1;
	}
	s[o] = '\0';
	*len = o;
	return 0;
}

void
req_urlencode(struct buf *b, const char *s)
{
	static const char hexd[] = "0123456789ABCDEF";
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hexd[c >> 4]);
			buf_putc(b, hexd[c & 15]);
		}
	}
}

/* Calls fn for each name=value pair whose decoded name equals name. */
static size_t
form_each(const char *data, size_t len, const char *name, char ***vals,
    int first_only)
{
	const char	*p = data, *end = data + len, *amp, *eq;
	char		*k, *v;
	size_t		 kl, vl, n = 0;

	*vals = NULL;
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		kl = (size_t)(eq - p);
		k = xstrndup(p, kl);
		if (req_urldecode(k, &kl) == 0 && strcmp(k, name) == 0) {
			vl = eq < amp ? (size_t)(amp - eq - 1) : 0;
			v = xstrndup(eq < amp ? eq + 1 : eq, vl);
			if (req_urldecode(v, &vl) == 0) {
				*vals = xrealloc(*vals, (n + 1) *
				    sizeof(char *));
				(*vals)[n++] = v;
			} else
				free(v);
		}
		free(k);
		if ((first_only && n > 0) || amp == end)
			break;
		p = amp + 1;
	}
	return n;
}

char *
req_form_get(const char *data, size_t len, const char *name)
{
	char	**vals, *v;

	if (data == NULL || form_each(data, len, name, &vals, 1) == 0)
		return NULL;
	v = vals[0];
	free(vals);
	return v;
}

size_t
req_form_all(const char *data, size_t len, const char *name, char ***vals)
{
	if (data == NULL) {
		*vals = NULL;
		return 0;
	}
	return form_each(data, len, name, vals, 0);
}

void
req_form_free_all(char **vals, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
}

/* The request context of webhooks.fcgi: CGI parameters, a size-capped
 * body, response helpers and the route's captured ids.  Nothing here may
 * outlive FCGX_Finish_r: req_free releases it all. */
#ifndef WH_REQ_H
#define WH_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct conf;
struct db;
struct FCGX_Request;

#define REQ_MAXID	4

struct req {
	struct FCGX_Request *r_fcgx;
	const struct conf *r_cf;
	struct db	*r_db;
	const char	*r_method;	/* REQUEST_METHOD */
	char		*r_path;	/* decoded path, no query */
	const char	*r_query;	/* QUERY_STRING, raw */
	char		*r_body;	/* NUL-terminated copy */
	size_t		 r_bodylen;
	int		 r_https;
	unsigned long long r_ids[REQ_MAXID];	/* ":id" route captures */
	unsigned long long r_tenant;	/* set by authentication */
	unsigned long long r_user;
	unsigned long long r_session;	/* the admin session's row */
	char		*r_csrf;	/* session's CSRF token (admin) */
	struct buf	 r_hdrs;	/* extra response header lines */
	int		 r_status;	/* sent status, for the log line */
	int		 r_sent;
	int64_t		 r_start_ms;
};

/* An HTTP request header by name ("Authorization", "Idempotency-Key"). */
const char	*req_header(const struct req *, const char *name);
const char	*req_param(const struct req *, const char *cgi_name);
/* Read the body up to the configured max_body: 0, or -1 after answering
 * 413 (too large) or 400 (short read) itself. */
int		 req_read_body(struct req *);
void		 req_add_header(struct req *, const char *name,
		    const char *value);
void		 req_respond(struct req *, int status, const char *ctype,
		    const char *body, size_t len);
void		 req_json(struct req *, int status, struct buf *body);
/* {"error":{"code":...,"message":...}} */
void		 req_json_error(struct req *, int status, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* 503 with Retry-After when the database is away, 500 otherwise. */
void		 req_db_error(struct req *);
void		 req_redirect(struct req *, const char *location);

/* Query string and form (application/x-www-form-urlencoded) values:
 * the first value of name, decoded, malloc'd; NULL if absent.  A
 * malformed %-escape or a NUL byte makes the value absent. */
char		*req_form_get(const char *data, size_t len, const char *name);
/* Every value of name (for multi-selects); returns how many. */
size_t		 req_form_all(const char *data, size_t len, const char *name,
		    char ***vals);
void		 req_form_free_all(char **, size_t);
/* Percent-decode in place; -1 on a malformed escape or a NUL. */
int		 req_urldecode(char *, size_t *len);
void		 req_urlencode(struct buf *, const char *);

#endif

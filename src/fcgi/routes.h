/* Every route of webhooks.fcgi and the handlers behind them. */
#ifndef WH_ROUTES_H
#define WH_ROUTES_H

#include <stddef.h>

struct buf;
struct json_doc;
struct req;

enum route_auth {
	AUTH_NONE,	/* public: /healthz, /admin/login */
	AUTH_API,	/* Authorization: Bearer <tenant API key> */
	AUTH_SESSION	/* admin session cookie; POSTs also check CSRF */
};

struct route {
	const char	*rt_method;	/* "GET", "POST", ... */
	const char	*rt_pattern;	/* "/api/v1/endpoints/:id/test" */
	enum route_auth	 rt_auth;
	void		(*rt_fn)(struct req *);
};

extern const struct route	routes[];

/* Match method and path; fills r_ids.  NULL with *allow set when the
 * path exists under another method (405), NULL alone for 404. */
const struct route *route_match(struct req *, int *method_mismatch);

void	health_get(struct req *);
void	metrics_get(struct req *);

/* The JSON API (auth_api.c, api_*.c). */
void	api_events_post(struct req *);
void	api_event_types_get(struct req *);
void	api_endpoints_list(struct req *);
void	api_endpoints_create(struct req *);
void	api_endpoint_get(struct req *);
void	api_endpoint_patch(struct req *);
void	api_endpoint_delete(struct req *);
void	api_endpoint_rotate(struct req *);
void	api_endpoint_test(struct req *);
void	api_endpoint_recover(struct req *);
void	api_endpoint_deliveries(struct req *);
void	api_delivery_get(struct req *);
void	api_delivery_redeliver(struct req *);
void	api_admin_links_post(struct req *);
/* The OpenAPI document of the API, from PKGDATADIR (api_openapi.c). */
void	api_openapi_get(struct req *);

/* Where a sign-in link lands (admin_link.c). */
void	admin_link_get(struct req *);
void	admin_link_post(struct req *);

/* Shared by the API handlers (auth_api.c).  Each returns -1 after it
 * has answered the request itself. */
/* Read and parse a JSON body (415 for another Content-Type, 413, 400
 * with the parser's line and column).  With optional set, an empty
 * body returns 1 and leaves doc empty. */
int	api_body(struct req *, struct json_doc *, int optional);
/* ?limit=1..max (default def) and ?cursor=<id> (0 when absent). */
int	api_page(struct req *, size_t def, size_t max, size_t *limit,
	    unsigned long long *cursor);
/* Append `"next_cursor":id` or null, and answer 200 with
 * {"data":[...],"next_cursor":...}; b holds `{"data":[...]`. */
void	api_page_end(struct req *, struct buf *, int more,
	    unsigned long long last);

#endif

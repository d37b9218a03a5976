/* Every route of webhooks.fcgi and the handlers behind them. */
#ifndef WH_ROUTES_H
#define WH_ROUTES_H

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

#endif

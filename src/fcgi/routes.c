/* The route table and the matcher. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "req.h"
#include "routes.h"
#include "session.h"
#include "admin.h"
#include "util.h"

const struct route routes[] = {
	{ "GET", "/healthz", AUTH_NONE, health_get },
	/* [metrics] allow or token, checked by the handler. */
	{ "GET", "/metrics", AUTH_NONE, metrics_get },
	{ "POST", "/api/v1/events", AUTH_API, api_events_post },
	{ "GET", "/api/v1/event-types", AUTH_API, api_event_types_get },
	{ "GET", "/api/v1/endpoints", AUTH_API, api_endpoints_list },
	{ "POST", "/api/v1/endpoints", AUTH_API, api_endpoints_create },
	{ "GET", "/api/v1/endpoints/:id", AUTH_API, api_endpoint_get },
	{ "PATCH", "/api/v1/endpoints/:id", AUTH_API, api_endpoint_patch },
	{ "DELETE", "/api/v1/endpoints/:id", AUTH_API, api_endpoint_delete },
	{ "POST", "/api/v1/endpoints/:id/rotate-secret", AUTH_API,
	    api_endpoint_rotate },
	{ "POST", "/api/v1/endpoints/:id/test", AUTH_API, api_endpoint_test },
	{ "POST", "/api/v1/endpoints/:id/recover", AUTH_API,
	    api_endpoint_recover },
	{ "GET", "/api/v1/endpoints/:id/deliveries", AUTH_API,
	    api_endpoint_deliveries },
	{ "GET", "/api/v1/deliveries/:id", AUTH_API, api_delivery_get },
	{ "POST", "/api/v1/deliveries/:id/redeliver", AUTH_API,
	    api_delivery_redeliver },
	{ "POST", "/api/v1/admin-links", AUTH_API, api_admin_links_post },
	{ "GET", "/api/v1/openapi.json", AUTH_NONE, api_openapi_get },

	/* JSON API */

	/* Admin pages */
	{ "GET", "/admin/login", AUTH_NONE, admin_login_get },
	{ "POST", "/admin/login", AUTH_NONE, admin_login_post },
	{ "GET", "/admin/link", AUTH_NONE, admin_link_get },
	{ "POST", "/admin/link", AUTH_NONE, admin_link_post },
	{ "POST", "/admin/logout", AUTH_SESSION, admin_logout_post },
	{ "POST", "/admin/logout-everywhere", AUTH_SESSION,
	    admin_logout_everywhere_post },
	{ "GET", "/admin/webhooks/event-catalog", AUTH_SESSION,
	    admin_catalog_get },
	{ "GET", "/admin/webhooks", AUTH_SESSION, admin_webhooks_list_get },
	{ "POST", "/admin/webhooks", AUTH_SESSION, admin_webhooks_create_post },
	{ "GET", "/admin/webhooks/new", AUTH_SESSION, admin_webhooks_new_get },
	/* The forms post to their own address, so a form that comes back
	 * with messages has the address that shows it again; the older
	 * POST /admin/webhooks and /admin/webhooks/:id still work. */
	{ "POST", "/admin/webhooks/new", AUTH_SESSION,
	    admin_webhooks_create_post },
	{ "GET", "/admin/webhooks/:id", AUTH_SESSION, admin_endpoint_get },
	{ "POST", "/admin/webhooks/:id", AUTH_SESSION,
	    admin_webhooks_update_post },
	{ "GET", "/admin/webhooks/:id/edit", AUTH_SESSION,
	    admin_webhooks_edit_get },
	{ "POST", "/admin/webhooks/:id/edit", AUTH_SESSION,
	    admin_webhooks_update_post },
	{ "POST", "/admin/webhooks/:id/reveal-secret", AUTH_SESSION,
	    admin_endpoint_reveal_post },
	{ "GET", "/admin/webhooks/:id/rotate-secret", AUTH_SESSION,
	    admin_endpoint_rotate_get },
	{ "POST", "/admin/webhooks/:id/rotate-secret", AUTH_SESSION,
	    admin_endpoint_rotate_post },
	{ "POST", "/admin/webhooks/:id/test", AUTH_SESSION,
	    admin_endpoint_test_post },
	{ "POST", "/admin/webhooks/:id/recover", AUTH_SESSION,
	    admin_endpoint_recover_post },
	{ "POST", "/admin/webhooks/:id/enable", AUTH_SESSION,
	    admin_endpoint_enable_post },
	{ "POST", "/admin/webhooks/:id/disable", AUTH_SESSION,
	    admin_endpoint_disable_post },
	{ "GET", "/admin/webhooks/:id/delete", AUTH_SESSION,
	    admin_endpoint_delete_get },
	{ "POST", "/admin/webhooks/:id/delete", AUTH_SESSION,
	    admin_endpoint_delete_post },
	{ "GET", "/admin/deliveries", AUTH_SESSION, admin_deliveries_get },
	{ "GET", "/admin/deliveries/:id", AUTH_SESSION, admin_delivery_get },
	{ "GET", "/admin/deliveries/:id/body", AUTH_SESSION,
	    admin_delivery_body_get },
	{ "POST", "/admin/deliveries/:id/redeliver", AUTH_SESSION,
	    admin_delivery_redeliver_post },

	{ NULL, NULL, AUTH_NONE, NULL }
};

/* Segment-wise match; ":id" takes a positive decimal id. */
static int
match(const char *pat, const char *path, unsigned long long *ids)
{
	const char	*ps, *pe, *qs, *qe, *errstr;
	size_t		 nid = 0;
	long long	 v;

	ps = pat;
	qs = path;
	for (;;) {
		if (*ps != '/' || *qs != '/')
			return *ps == *qs;
		ps++;
		qs++;
		pe = strchr(ps, '/');
		qe = strchr(qs, '/');
		if (pe == NULL)
			pe = ps + strlen(ps);
		if (qe == NULL)
			qe = qs + strlen(qs);
		if (pe - ps == 3 && strncmp(ps, ":id", 3) == 0) {
			v = util_strntonum(qs, (size_t)(qe - qs), 1,
			    INT64_MAX, &errstr);
			if (errstr != NULL || nid == REQ_MAXID ||
			    !(*qs >= '1' && *qs <= '9'))
				return 0;
			ids[nid++] = (unsigned long long)v;
		} else if (pe - ps != qe - qs ||
		    strncmp(ps, qs, (size_t)(pe - ps)) != 0)
			return 0;
		ps = pe;
		qs = qe;
		if (*ps == '\0' && *qs == '\0')
			return 1;
	}
}

const struct route *
route_match(struct req *r, int *method_mismatch)
{
	const struct route	*rt;
	unsigned long long	 ids[REQ_MAXID];
	const char		*m = r->r_method;

	*method_mismatch = 0;
	for (rt = routes; rt->rt_pattern != NULL; rt++) {
		memset(ids, 0, sizeof(ids));
		if (!match(rt->rt_pattern, r->r_path, ids))
			continue;
		if (strcmp(rt->rt_method, m) == 0 ||
		    (strcmp(m, "HEAD") == 0 &&
		    strcmp(rt->rt_method, "GET") == 0)) {
			memcpy(r->r_ids, ids, sizeof(ids));
			return rt;
		}
		*method_mismatch = 1;
	}
	return NULL;
}

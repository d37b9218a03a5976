/* The router: which handler route_match picks for a method and a
 * decoded path, the ":id" it captures, and 404 against 405.  routes.c
 * is included, as lighttpd's src/t/ does, and every handler is a stub
 * that says its name, so a case checks the table's wiring too.  A new
 * handler in the table needs a STUB line here. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/fcgi/routes.c"
#include "t.h"

static const char *called;

#define STUB(fn) void fn(struct req *r) { (void)r; called = #fn; }
STUB(health_get)
STUB(metrics_get)
STUB(api_events_post)
STUB(api_event_types_get)
STUB(api_endpoints_list)
STUB(api_endpoints_create)
STUB(api_endpoint_get)
STUB(api_endpoint_patch)
STUB(api_endpoint_delete)
STUB(api_endpoint_rotate)
STUB(api_endpoint_test)
STUB(api_endpoint_recover)
STUB(api_endpoint_deliveries)
STUB(api_delivery_get)
STUB(api_delivery_redeliver)
STUB(admin_login_get)
STUB(admin_login_post)
STUB(admin_logout_post)
STUB(admin_catalog_get)
STUB(admin_webhooks_list_get)
STUB(admin_webhooks_create_post)
STUB(admin_webhooks_new_get)
STUB(admin_endpoint_get)
STUB(admin_webhooks_update_post)
STUB(admin_webhooks_edit_get)
STUB(admin_endpoint_reveal_post)
STUB(admin_endpoint_rotate_post)
STUB(admin_endpoint_rotate_get)
STUB(admin_endpoint_test_post)
STUB(admin_endpoint_recover_post)
STUB(admin_endpoint_enable_post)
STUB(admin_endpoint_disable_post)
STUB(admin_endpoint_delete_get)
STUB(admin_endpoint_delete_post)
STUB(admin_deliveries_get)
STUB(admin_delivery_get)
STUB(admin_delivery_redeliver_post)
STUB(admin_delivery_body_get)
STUB(admin_logout_everywhere_post)
STUB(api_admin_links_post)
STUB(api_openapi_get)
STUB(admin_link_get)
STUB(admin_link_post)

enum { R404 = 404, R405 = 405 };

struct route_case {
	const char		*name;
	const char		*method;
	const char		*path;
	const char		*handler;	/* NULL: R404 or R405 */
	int			 miss;		/* with handler NULL */
	unsigned long long	 id;		/* r_ids[0] */
	enum route_auth		 auth;
};

#define N	AUTH_NONE
#define A	AUTH_API
#define S	AUTH_SESSION
#define MAXID	"9223372036854775807"

static const struct route_case cases[] = {
	/* public */
	{ "GET /healthz is the health check", "GET", "/healthz", "health_get", 0, 0, N },
	{ "GET /metrics is the metrics handler", "GET", "/metrics", "metrics_get", 0, 0, N },
	{ "HEAD is served by the GET route", "HEAD", "/healthz", "health_get", 0, 0, N },
	{ "POST on a GET-only path is 405", "POST", "/healthz", NULL, R405, 0, N },
	{ "a trailing slash is another path (404)", "GET", "/healthz/", NULL, R404, 0, N },
	{ "a doubled slash is another path (404)", "GET", "//healthz", NULL, R404, 0, N },
	{ "paths are case-sensitive (404)", "GET", "/HEALTHZ", NULL, R404, 0, N },
	{ "a longer segment is no match (404)", "GET", "/healthzz", NULL, R404, 0, N },
	{ "a prefix of a segment is no match (404)", "GET", "/health", NULL, R404, 0, N },
	{ "a query left in the path is no match (404)", "GET", "/healthz?x=1", NULL, R404, 0, N },
	{ "the empty path is 404", "GET", "", NULL, R404, 0, N },
	{ "the root is 404", "GET", "/", NULL, R404, 0, N },
	{ "a path without its leading slash is 404", "GET", "healthz", NULL, R404, 0, N },
	{ "methods are case-sensitive: get is 405", "get", "/healthz", NULL, R405, 0, N },
	{ "an empty method is 405", "", "/healthz", NULL, R405, 0, N },
	{ "an unknown method is 405", "BREW", "/healthz", NULL, R405, 0, N },
	/* the JSON API */
	{ "POST /api/v1/events ingests", "POST", "/api/v1/events", "api_events_post", 0, 0, A },
	{ "GET /api/v1/events is 405", "GET", "/api/v1/events", NULL, R405, 0, A },
	{ "HEAD on a POST-only path is 405", "HEAD", "/api/v1/events", NULL, R405, 0, A },
	{ "GET /api/v1/event-types lists the catalog", "GET", "/api/v1/event-types", "api_event_types_get", 0, 0, A },
	{ "GET /api/v1/endpoints lists", "GET", "/api/v1/endpoints", "api_endpoints_list", 0, 0, A },
	{ "POST /api/v1/endpoints creates", "POST", "/api/v1/endpoints", "api_endpoints_create", 0, 0, A },
	{ "PUT /api/v1/endpoints is 405", "PUT", "/api/v1/endpoints", NULL, R405, 0, A },
	{ "GET /api/v1/endpoints/:id reads, with the id", "GET", "/api/v1/endpoints/42", "api_endpoint_get", 0, 42, A },
	{ "HEAD /api/v1/endpoints/:id reads", "HEAD", "/api/v1/endpoints/42", "api_endpoint_get", 0, 42, A },
	{ "PATCH /api/v1/endpoints/:id updates", "PATCH", "/api/v1/endpoints/42", "api_endpoint_patch", 0, 42, A },
	{ "DELETE /api/v1/endpoints/:id deletes", "DELETE", "/api/v1/endpoints/42", "api_endpoint_delete", 0, 42, A },
	{ "PUT /api/v1/endpoints/:id is 405", "PUT", "/api/v1/endpoints/42", NULL, R405, 0, A },
	{ "POST /api/v1/endpoints/:id is 405", "POST", "/api/v1/endpoints/42", NULL, R405, 0, A },
	{ "POST .../rotate-secret rotates", "POST", "/api/v1/endpoints/7/rotate-secret", "api_endpoint_rotate", 0, 7, A },
	{ "POST .../test sends a test event", "POST", "/api/v1/endpoints/7/test", "api_endpoint_test", 0, 7, A },
	{ "POST .../recover recovers failed deliveries", "POST", "/api/v1/endpoints/7/recover", "api_endpoint_recover", 0, 7, A },
	{ "GET .../test is 405", "GET", "/api/v1/endpoints/7/test", NULL, R405, 0, A },
	{ "GET .../deliveries lists an endpoint's deliveries", "GET", "/api/v1/endpoints/7/deliveries", "api_endpoint_deliveries", 0, 7, A },
	{ "GET /api/v1/deliveries/:id reads a delivery", "GET", "/api/v1/deliveries/9", "api_delivery_get", 0, 9, A },
	{ "POST /api/v1/deliveries/:id/redeliver", "POST", "/api/v1/deliveries/9/redeliver", "api_delivery_redeliver", 0, 9, A },
	{ "POST /api/v1/admin-links makes a sign-in link", "POST", "/api/v1/admin-links", "api_admin_links_post", 0, 0, A },
	{ "GET /api/v1/admin-links is 405", "GET", "/api/v1/admin-links", NULL, R405, 0, A },
	{ "GET /api/v1/openapi.json needs no key", "GET", "/api/v1/openapi.json", "api_openapi_get", 0, 0, N },
	{ "GET /admin/link shows a sign-in link's page", "GET", "/admin/link", "admin_link_get", 0, 0, N },
	{ "POST /admin/link uses a sign-in link", "POST", "/admin/link", "admin_link_post", 0, 0, N },
	{ "GET /api/v1/deliveries (no id) is 404", "GET", "/api/v1/deliveries", NULL, R404, 0, A },
	{ "an unknown sub-resource is 404", "POST", "/api/v1/endpoints/7/rotate", NULL, R404, 0, A },
	{ "a segment after the last is 404", "POST", "/api/v1/endpoints/7/test/x", NULL, R404, 0, A },
	{ "another API version is 404", "GET", "/api/v2/endpoints", NULL, R404, 0, A },
	{ "a longer resource name is 404", "GET", "/api/v1/endpointsx", NULL, R404, 0, A },
	{ "an empty segment inside is 404", "GET", "/api//v1/endpoints", NULL, R404, 0, A },
	/* :id takes a positive decimal id and nothing else */
	{ ":id 1, the smallest", "GET", "/api/v1/endpoints/1", "api_endpoint_get", 0, 1, A },
	{ ":id INT64_MAX, the largest", "GET", "/api/v1/endpoints/" MAXID, "api_endpoint_get", 0, INT64_MAX, A },
	{ ":id 0 is 404", "GET", "/api/v1/endpoints/0", NULL, R404, 0, A },
	{ ":id with a leading zero is 404", "GET", "/api/v1/endpoints/042", NULL, R404, 0, A },
	{ ":id INT64_MAX + 1 is 404", "GET", "/api/v1/endpoints/9223372036854775808", NULL, R404, 0, A },
	{ ":id of 30 digits is 404", "GET", "/api/v1/endpoints/123456789012345678901234567890", NULL, R404, 0, A },
	{ ":id negative is 404", "GET", "/api/v1/endpoints/-1", NULL, R404, 0, A },
	{ ":id with a plus sign is 404", "GET", "/api/v1/endpoints/+1", NULL, R404, 0, A },
	{ ":id with a leading space is 404", "GET", "/api/v1/endpoints/ 1", NULL, R404, 0, A },
	{ ":id with a trailing space is 404", "GET", "/api/v1/endpoints/1 ", NULL, R404, 0, A },
	{ ":id with letters after is 404", "GET", "/api/v1/endpoints/1a", NULL, R404, 0, A },
	{ ":id in hex is 404", "GET", "/api/v1/endpoints/0x10", NULL, R404, 0, A },
	{ ":id with an exponent is 404", "GET", "/api/v1/endpoints/1e3", NULL, R404, 0, A },
	{ ":id with a decimal point is 404", "GET", "/api/v1/endpoints/1.0", NULL, R404, 0, A },
	{ ":id empty is 404", "GET", "/api/v1/endpoints/", NULL, R404, 0, A },
	{ ":id empty before a sub-resource is 404", "POST", "/api/v1/endpoints//test", NULL, R404, 0, A },
	{ ":id with a newline is 404", "GET", "/api/v1/endpoints/1\n", NULL, R404, 0, A },
	{ ":id with a non-ASCII digit (U+0661) is 404", "GET", "/api/v1/endpoints/\xd9\xa1", NULL, R404, 0, A },
	{ "bytes that are not UTF-8 are no match (404)", "GET", "/api/v1/\xff\xfe", NULL, R404, 0, A },
	/* the admin pages */
	{ "GET /admin/login shows the form", "GET", "/admin/login", "admin_login_get", 0, 0, N },
	{ "POST /admin/login signs in", "POST", "/admin/login", "admin_login_post", 0, 0, N },
	{ "POST /admin/logout signs out", "POST", "/admin/logout", "admin_logout_post", 0, 0, S },
	{ "GET /admin/logout is 405 (no sign-out by link)", "GET", "/admin/logout", NULL, R405, 0, S },
	{ "GET /admin/webhooks lists", "GET", "/admin/webhooks", "admin_webhooks_list_get", 0, 0, S },
	{ "POST /admin/webhooks creates", "POST", "/admin/webhooks", "admin_webhooks_create_post", 0, 0, S },
	{ "GET /admin/webhooks/new is the form, not an id", "GET", "/admin/webhooks/new", "admin_webhooks_new_get", 0, 0, S },
	{ "POST /admin/webhooks/new saves the new endpoint form", "POST", "/admin/webhooks/new", "admin_webhooks_create_post", 0, 0, S },
	{ "PUT /admin/webhooks/new is 405", "PUT", "/admin/webhooks/new", NULL, R405, 0, S },
	{ "GET /admin/webhooks/event-catalog", "GET", "/admin/webhooks/event-catalog", "admin_catalog_get", 0, 0, S },
	{ "GET /admin/webhooks/:id shows an endpoint", "GET", "/admin/webhooks/5", "admin_endpoint_get", 0, 5, S },
	{ "POST /admin/webhooks/:id saves the edit form", "POST", "/admin/webhooks/5", "admin_webhooks_update_post", 0, 5, S },
	{ "GET /admin/webhooks/:id/edit", "GET", "/admin/webhooks/5/edit", "admin_webhooks_edit_get", 0, 5, S },
	{ "POST /admin/webhooks/:id/edit saves the edit form at its own address", "POST", "/admin/webhooks/5/edit", "admin_webhooks_update_post", 0, 5, S },
	{ "POST .../reveal-secret", "POST", "/admin/webhooks/5/reveal-secret", "admin_endpoint_reveal_post", 0, 5, S },
	{ "GET .../reveal-secret is 405 (POST only)", "GET", "/admin/webhooks/5/reveal-secret", NULL, R405, 0, S },
	{ "GET .../rotate-secret asks to confirm (admin)", "GET", "/admin/webhooks/5/rotate-secret", "admin_endpoint_rotate_get", 0, 5, S },
	{ "POST .../rotate-secret (admin)", "POST", "/admin/webhooks/5/rotate-secret", "admin_endpoint_rotate_post", 0, 5, S },
	{ "POST .../test (admin)", "POST", "/admin/webhooks/5/test", "admin_endpoint_test_post", 0, 5, S },
	{ "POST .../recover (admin)", "POST", "/admin/webhooks/5/recover", "admin_endpoint_recover_post", 0, 5, S },
	{ "POST .../enable", "POST", "/admin/webhooks/5/enable", "admin_endpoint_enable_post", 0, 5, S },
	{ "GET .../enable is 405 (no change by link)", "GET", "/admin/webhooks/5/enable", NULL, R405, 0, S },
	{ "POST .../disable", "POST", "/admin/webhooks/5/disable", "admin_endpoint_disable_post", 0, 5, S },
	{ "GET .../delete asks", "GET", "/admin/webhooks/5/delete", "admin_endpoint_delete_get", 0, 5, S },
	{ "POST .../delete deletes", "POST", "/admin/webhooks/5/delete", "admin_endpoint_delete_post", 0, 5, S },
	{ "GET /admin/deliveries lists all the tenant's deliveries", "GET", "/admin/deliveries", "admin_deliveries_get", 0, 0, S },
	{ "GET /admin/deliveries/:id", "GET", "/admin/deliveries/3", "admin_delivery_get", 0, 3, S },
	{ "POST /admin/deliveries/:id/redeliver", "POST", "/admin/deliveries/3/redeliver", "admin_delivery_redeliver_post", 0, 3, S },
	{ "GET /admin/deliveries/:id/body downloads the body", "GET", "/admin/deliveries/3/body", "admin_delivery_body_get", 0, 3, S },
	{ "POST /admin/logout-everywhere ends every session", "POST", "/admin/logout-everywhere", "admin_logout_everywhere_post", 0, 0, S },
	{ "GET /admin/logout-everywhere is 405", "GET", "/admin/logout-everywhere", NULL, R405, 0, S },
	{ "GET /admin/webhooks/0/edit is 404", "GET", "/admin/webhooks/0/edit", NULL, R404, 0, S },
	{ "GET /admin is 404", "GET", "/admin", NULL, R404, 0, S },
	{ "GET /admin/ is 404", "GET", "/admin/", NULL, R404, 0, S },
};

static void
run_case(const struct route_case *c)
{
	const struct route	*rt;
	struct req		 r;
	size_t			 i;
	int			 miss = -1, ok;

	memset(&r, 0, sizeof(r));
	memset(r.r_ids, 0xff, sizeof(r.r_ids));	/* must be overwritten */
	r.r_method = c->method;
	r.r_path = (char *)c->path;
	called = NULL;
	rt = route_match(&r, &miss);
	if (rt != NULL)
		rt->rt_fn(&r);		/* says which handler it is */
	if (c->handler == NULL) {
		ok = rt == NULL && miss == (c->miss == R405);
		for (i = 0; i < REQ_MAXID; i++)	/* left alone */
			ok = ok && r.r_ids[i] == ULLONG_MAX;
	} else {
		/* *method_mismatch means something only with NULL. */
		ok = rt != NULL && rt->rt_auth == c->auth &&
		    r.r_ids[0] == c->id;
		for (i = 1; i < REQ_MAXID; i++)
			ok = ok && r.r_ids[i] == 0;
		ok = ok && called != NULL && strcmp(called, c->handler) == 0;
	}
	if (rt != NULL)
		T_CHECK(ok, "route: %s (%s, id %llu)", c->name, called ?
		    called : "?", r.r_ids[0]);
	else
		T_CHECK(ok, "route: %s (no route, %s)", c->name, miss == 1 ?
		    "405" : miss == 0 ? "404" : "unset");
}

/* Every route is reached by its own method and pattern: no route is
 * shadowed by one before it. */
static void
check_table(void)
{
	const struct route	*rt, *got;
	struct req		 r;
	struct buf		 path;
	const char		*p, *id;
	size_t			 n = 0, bad = 0;
	int			 miss;

	buf_init(&path);
	for (rt = routes; rt->rt_pattern != NULL; rt++, n++) {
		buf_reset(&path);
		for (p = rt->rt_pattern; (id = strstr(p, ":id")) != NULL;
		    p = id + 3) {
			buf_add(&path, p, (size_t)(id - p));
			buf_puts(&path, "12");
		}
		buf_puts(&path, p);
		memset(&r, 0, sizeof(r));
		r.r_method = rt->rt_method;
		r.r_path = path.b_data;
		got = route_match(&r, &miss);
		if (got != rt) {
			bad++;
			printf("# %s %s reaches %s\n", rt->rt_method,
			    rt->rt_pattern, got ? got->rt_pattern : "nothing");
		}
	}
	buf_free(&path);
	T_CHECK(n > 0 && bad == 0, "route: each of the %zu routes is reached "
	    "by its own method and path, none shadowed (%zu not)", n, bad);
}

/* A long path is walked without harm: no route, no 405. */
static void
check_long(void)
{
	const struct route	*rt;
	struct req		 r;
	size_t			 len = 1 << 20, i;
	char			*p;
	int			 miss;

	p = malloc(len + 1);
	for (i = 0; i < len; i += 2) {
		p[i] = '/';
		p[i + 1] = 'a';
	}
	p[len] = '\0';
	memset(&r, 0, sizeof(r));
	r.r_method = "GET";
	r.r_path = p;
	rt = route_match(&r, &miss);
	T_CHECK(rt == NULL && miss == 0, "route: a 1 MiB path of short "
	    "segments is 404");
	memcpy(p, "/api/v1/endpoints/", 18);
	memset(p + 18, '7', len - 18);
	rt = route_match(&r, &miss);
	T_CHECK(rt == NULL && miss == 0, "route: an :id of a million digits "
	    "is 404");
	free(p);
}

int
main(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	check_table();
	check_long();
	return t_done();
}

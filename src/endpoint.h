/* The endpoint model: validation of each field and the database
 * operations behind the JSON API and the admin pages.  Every operation
 * is scoped to a tenant; another tenant's endpoint is "not found". */
#ifndef WH_ENDPOINT_H
#define WH_ENDPOINT_H

#include <stddef.h>

struct db;

/* DATETIME(3) column as RFC 3339 UTC text ("2026-04-29T14:32:11.123Z");
 * the session time zone is UTC (db.c), and NULL stays NULL. */
#define EP_SQL_TIME(col) \
	"CONCAT(LEFT(DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')"

#define EP_DESC_MAX	500	/* characters */
#define EP_SECRET_MIN	16
#define EP_SECRET_MAX	200
#define EP_EVENTS_MAX	500	/* patterns per endpoint */

enum ep_err {
	EP_OK = 0,
	EP_INVALID,	/* the caller's input: message in err */
	EP_NOTFOUND,	/* no such endpoint for this tenant */
	EP_SEAL,	/* the master key is missing: 500 */
	EP_DB		/* database error: req_db_error */
};

struct endpoint {
	unsigned long long	 ep_id;
	unsigned long long	 ep_tenant;
	char			*ep_url;
	char			*ep_description;
	int			 ep_enabled;
	char			*ep_disabled_reason;	/* NULL if none */
	int			 ep_standard_webhooks;
	char			**ep_events;		/* patterns, sorted */
	size_t			 ep_nevents;
	char			 ep_created_at[32];	/* RFC 3339 */
	char			 ep_updated_at[32];
};

/* What a create or an update sets; NULL or -1 leaves a field alone
 * (on create: the default). */
struct endpoint_set {
	const char		*es_url;
	char			**es_events;
	size_t			 es_nevents;
	const char		*es_secret;
	const char		*es_description;
	int			 es_enabled;
	int			 es_standard_webhooks;
};

void	endpoint_set_init(struct endpoint_set *);

/* One validator per field: 0, or -1 with a message for the tenant that
 * names the field.  Events are checked against the catalog, so that one
 * can also fail with EP_DB. */
int		endpoint_check_url(const char *, int allow_private, char *err,
		    size_t errsz);
enum ep_err	endpoint_check_events(struct db *, char **, size_t,
		    char *err, size_t errsz);
int		endpoint_check_secret(const char *, char *err, size_t errsz);
int		endpoint_check_description(const char *, char *err,
		    size_t errsz);
/* Everything set in es; allow_private as in [delivery]. */
enum ep_err	endpoint_check(struct db *, const struct endpoint_set *,
		    int allow_private, char *err, size_t errsz);

/* "whsec_" + standard base64 of 32 random bytes (malloc'd; NULL if the
 * random generator fails).  Standard base64 with padding is what the
 * Standard Webhooks libraries decode. */
char	*endpoint_secret_new(void);

/* Create from a checked es (es_url and es_events required).  With no
 * es_secret one is generated; *secret gets the secret in clear either
 * way (malloc'd), for the one answer that shows it. */
enum ep_err	endpoint_create(struct db *, unsigned long long tenant,
		    const struct endpoint_set *, unsigned long long *id,
		    char **secret);
/* Is id the tenant's endpoint (EP_OK, EP_NOTFOUND, EP_DB)?  With lock,
 * it is locked for the caller's transaction. */
enum ep_err	endpoint_owned(struct db *, unsigned long long tenant,
		    unsigned long long id, int lock);
enum ep_err	endpoint_get(struct db *, unsigned long long tenant,
		    unsigned long long id, struct endpoint *);
/* Endpoints with id > after, oldest first, at most limit; *more says
 * whether another page follows. */
enum ep_err	endpoint_list(struct db *, unsigned long long tenant,
		    unsigned long long after, size_t limit,
		    struct endpoint **, size_t *n, int *more);
/* Apply a checked es.  Disabling pauses the endpoint's waiting
 * deliveries; enabling resumes them and clears disabled_reason. */
enum ep_err	endpoint_update(struct db *, unsigned long long tenant,
		    unsigned long long id, const struct endpoint_set *);
/* Deletes the endpoint and its subscriptions; its pending and paused
 * deliveries become failed ("endpoint deleted"), and its delivery
 * history stays readable by delivery id. */
enum ep_err	endpoint_delete(struct db *, unsigned long long tenant,
		    unsigned long long id);
/* A new generated secret, in clear in *secret (malloc'd). */
enum ep_err	endpoint_rotate_secret(struct db *, unsigned long long tenant,
		    unsigned long long id, char **secret);
/* An event of type (NULL: the endpoint's first exact subscription, else
 * leave.approved) with the catalog example as data, delivered to this
 * endpoint only, subscribed or not. */
enum ep_err	endpoint_test(struct db *, unsigned long long tenant,
		    unsigned long long id, const char *type,
		    unsigned long long *event_id,
		    unsigned long long *delivery_id, char *err, size_t errsz);

/* Wipe and free a secret in clear; NULL is fine, *secret becomes NULL. */
void	endpoint_secret_free(char **);
void	endpoint_free(struct endpoint *);
void	endpoint_free_list(struct endpoint *, size_t);

#endif

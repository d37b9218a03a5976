/* The endpoint model: validation of each field and the database
 * operations behind the JSON API and the admin pages.  Every operation
 * is scoped to a tenant; another tenant's endpoint is "not found". */
#ifndef WH_ENDPOINT_H
#define WH_ENDPOINT_H

#include <stddef.h>

struct buf;
struct db;

#define EP_DESC_MAX	500	/* characters */
#define EP_SECRET_MIN	16
#define EP_SECRET_MAX	200
#define EP_EVENTS_MAX	500	/* patterns per endpoint */
#define EP_FILTERS_MAX	20
#define EP_IN_MAX	100	/* values of one "in" filter */
#define EP_PATH_MAX	200	/* "data.a.b" */
#define EP_PATH_DEPTH	10	/* segments after "data." */
#define EP_VALUE_MAX	4000	/* a filter value as JSON text, bytes */
#define EP_HEADERS_MAX	20
#define EP_HNAME_MAX	100
#define EP_HVALUE_MAX	2000
#define EP_PDKEY_LEN	32	/* PagerDuty integration keys */
#define EP_OVERLAP_DEFAULT	86400	/* a rotation's overlap, seconds */
#define EP_OVERLAP_MAX		(7 * 86400)

enum ep_err {
	EP_OK = 0,
	EP_INVALID,	/* the caller's input: message in err */
	EP_NOTFOUND,	/* no such endpoint for this tenant */
	EP_SEAL,	/* the master key is missing: 500 */
	EP_DB,		/* database error: req_db_error */
	EP_LIMIT	/* the tenant has [limits] endpoints_per_tenant */
};

/* One condition on the event's data: path "data.priority", op one of
 * eq, ne, in, exists, gt, lt, and value as canonical JSON text (NULL for
 * exists).  All of an endpoint's filters must hold. */
struct ep_filter {
	char			*ef_path;
	char			*ef_op;
	char			*ef_value;
};

/* A custom request header.  In an endpoint_set the value is in clear,
 * or NULL to keep the value stored under that name; in a struct
 * endpoint it is masked ("Bear…"). */
struct ep_header {
	char			*eh_name;
	char			*eh_value;
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
	char			*ep_format;
	char			*ep_routing_key;	/* masked; NULL if none */
	struct ep_filter	*ep_filters;
	size_t			 ep_nfilters;
	struct ep_header	*ep_headers;		/* values masked */
	size_t			 ep_nheaders;
	int			 ep_failing;		/* delivery_is_failing */
	long long		 ep_fail_streak;	/* failed in a row */
	char			 ep_failing_since[32];	/* "" healthy */
	char			 ep_created_at[32];	/* RFC 3339 */
	char			 ep_updated_at[32];
	char			 ep_prev_until[32];	/* "" or RFC 3339:
						   the secret a rotation
						   replaced signs until then */
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
	const char		*es_format;
	const char		*es_routing_key;
	const struct ep_filter	*es_filters;	/* with es_filters_set */
	size_t			 es_nfilters;
	int			 es_filters_set;	/* replace all (0: keep) */
	const struct ep_header	*es_headers;	/* with es_headers_set */
	size_t			 es_nheaders;
	int			 es_headers_set;
};

void	endpoint_set_init(struct endpoint_set *);

/* One validator per field: 0, or -1 with a message for the tenant that
 * names the field.  Events are checked against the catalog, so that one
 * can also fail with EP_DB. */
struct ng_ports;
int		endpoint_check_url(const char *, int allow_private,
		    const struct ng_ports *, char *err, size_t errsz);
enum ep_err	endpoint_check_events(struct db *, char **, size_t,
		    char *err, size_t errsz);
int		endpoint_check_secret(const char *, char *err, size_t errsz);
/* A rotation's overlap: a duration ("24h", "90m", "2s", a number of
 * seconds, "0" for none) of whole seconds up to ENDPOINT_OVERLAP_MAX, in
 * *seconds. */
int		endpoint_check_overlap(const char *, long long *seconds,
		    char *err, size_t errsz);
int		endpoint_check_description(const char *, char *err,
		    size_t errsz);
int		endpoint_check_format(const char *, char *err, size_t errsz);
int		endpoint_check_routing_key(const char *, char *err,
		    size_t errsz);
/* Filter i (from 0, for the message) from its parts; value is JSON text
 * (NULL when absent).  Fills out with the path, the op and the value
 * made canonical (free with endpoint_filters_free). */
int		endpoint_filter_make(const char *path, const char *op,
		    const char *value, size_t valuelen, size_t i,
		    struct ep_filter *out, char *err, size_t errsz);
/* The admin form's value box as JSON text for endpoint_filter_make: what
 * parses as JSON is JSON (5, true, "5", ["a", "b"]), anything else is a
 * string; for in, a comma-separated list of such values. */
void		endpoint_filter_text(const char *op, const char *text,
		    struct buf *json);
/* One header, and the list: count, repeated names. */
int		endpoint_check_header(const struct ep_header *, char *err,
		    size_t errsz);
int		endpoint_check_headers(const struct ep_header *, size_t n,
		    char *err, size_t errsz);

/* "whsec_" + standard base64 of 32 random bytes (malloc'd; NULL if the
 * random generator fails).  Standard base64 with padding is what the
 * Standard Webhooks libraries decode. */
char	*endpoint_secret_new(void);

/* What endpoint_create and endpoint_update say when the caller's input
 * is wrong (EP_INVALID): the field it is about, as the API names it
 * ("pagerduty_routing_key", "headers"; "" for the endpoint as a whole),
 * the API's error code for it, and a message that tells what to fix. */
struct ep_fault {
	const char	*ef_field;
	const char	*ef_code;
	char		 ef_msg[600];
};

/* Create from a checked es (es_url and es_events required).  With no
 * es_secret one is generated; *secret gets the secret in clear either
 * way (malloc'd), for the one answer that shows it.  What depends on
 * more than one field (a routing key for format pagerduty, a header
 * value to keep) fails with EP_INVALID and *fault says which and why. */
/* max: the most endpoints a tenant may have (0: no limit), else
 * EP_LIMIT. */
enum ep_err	endpoint_create(struct db *, unsigned long long tenant,
		    unsigned max,
		    const struct endpoint_set *, unsigned long long *id,
		    char **secret, struct ep_fault *fault);
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
 * deliveries; enabling resumes them and clears disabled_reason.  A
 * format other than pagerduty drops the routing key.  EP_INVALID as for
 * create. */
enum ep_err	endpoint_update(struct db *, unsigned long long tenant,
		    unsigned long long id, const struct endpoint_set *,
		    struct ep_fault *fault);
/* Deletes the endpoint and its subscriptions; its pending and paused
 * deliveries become failed ("endpoint deleted"), and its delivery
 * history stays readable by delivery id. */
enum ep_err	endpoint_delete(struct db *, unsigned long long tenant,
		    unsigned long long id);
/* A new generated secret, in clear in *secret (malloc'd).  With overlap
 * (seconds) > 0 the secret it replaces keeps signing beside it (a second
 * signature in each header scheme) until the time in until (RFC 3339);
 * with 0 it stops at once and until is "".  A rotation during an
 * overlap ends that one: only the secret just replaced still signs. */
enum ep_err	endpoint_rotate_secret(struct db *, unsigned long long tenant,
		    unsigned long long id, long long overlap, char **secret,
		    char until[32]);
/* Re-seal every "v1:" (unbound) sealed value of endpoints as "v2:",
 * bound to its row (webhooksctl migrate).  *done: values re-sealed;
 * *bad: values that do not open with the master key (left as they
 * are, logged).  -1 on a database error or no master key. */
int		endpoint_reseal_v1(struct db *, unsigned long *done,
		    unsigned long *bad);
/* Seal plain for column (secret_sealed, prev_secret_sealed,
 * pagerduty_key_sealed or headers_sealed; else EP_INVALID) of endpoint
 * id, whatever its tenant, into out: for webhooksctl seal. */
enum ep_err	endpoint_seal_value(struct db *, unsigned long long id,
		    const char *column, const char *plain, size_t len,
		    struct buf *out);
/* A test event of type (NULL: the endpoint's first exact subscription,
 * else leave.approved) with the catalog example as data, delivered to
 * this endpoint only, subscribed or not, in a single attempt with the
 * header X-Momentumpro-Test: true.  The type sent goes to sent. */
enum ep_err	endpoint_test(struct db *, unsigned long long tenant,
		    unsigned long long id, const char *type,
		    unsigned long long *event_id,
		    unsigned long long *delivery_id, char sent[101],
		    char *err, size_t errsz);

/* The endpoint's secret in clear in *secret (malloc'd), for the admin's
 * Reveal button; EP_SEAL when this server's master key cannot open it. */
enum ep_err	endpoint_secret_get(struct db *, unsigned long long tenant,
		    unsigned long long id, char **secret);
/* Wipe and free a secret in clear; NULL is fine, *secret becomes NULL. */
void	endpoint_secret_free(char **);
void	endpoint_filters_free(struct ep_filter *, size_t);
void	endpoint_headers_free(struct ep_header *, size_t);
void	endpoint_free(struct endpoint *);
void	endpoint_free_list(struct endpoint *, size_t);

#endif

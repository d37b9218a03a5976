/* Event ingest core shared by POST /api/v1/events and webhooksctl emit:
 * validate an event against the catalog, insert it and fan it out to one
 * pending delivery per enabled, subscribed endpoint, inside the caller's
 * transaction. */
#ifndef WH_EMIT_H
#define WH_EMIT_H

#include <stddef.h>

struct conf;
struct db;
struct json_doc;

struct emit_event {
	char		*e_type;
	char		 e_category[64];
	char		 e_occurred_at[32];	/* normalised RFC 3339 */
	const char	*e_data;		/* raw object text */
	size_t		 e_data_len;
};

enum emit_err {
	EMIT_OK = 0,
	EMIT_INVALID,		/* 422: message in err */
	EMIT_DB			/* 503 or 500: database error */
};

/* Check one event object (token tok of doc).  The caller's buffer must
 * outlive ev, whose e_data points into it. */
enum emit_err	emit_parse(struct db *, const struct json_doc *, int tok,
		    struct emit_event *ev, char *err, size_t errsz);
void		emit_event_free(struct emit_event *);
/* Insert and fan out; the caller holds the transaction. */
enum emit_err	emit_insert(struct db *, unsigned long long tenant,
		    const struct emit_event *, unsigned long long *event_id,
		    long long *deliveries);
/* Tests and fuzzing: fill the catalog cache from these n names and
 * categories instead of the database, and keep it, so emit_parse makes
 * no query (its db may then be NULL). */
void		emit_types_set(const char *const *names,
		    const char *const *cats, size_t n);
/* Wake the dispatchers (best effort, one loopback datagram). */
void		emit_wake(const struct conf *);

#endif

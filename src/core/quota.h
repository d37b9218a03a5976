/* Quotas ([limits]): fixed-window request counters shared by every
 * FastCGI process on every host through MariaDB, one statement each. */
#ifndef WH_QUOTA_H
#define WH_QUOTA_H

struct db;

/* Counter kinds and their windows: the subject is an endpoint or a
 * tenant id. */
#define QUOTA_MANUAL	"manual"	/* tests and redelivers, per endpoint */
#define QUOTA_MANUAL_MS	60000
#define QUOTA_INGEST	"ingest"	/* event requests, per tenant */
#define QUOTA_INGEST_MS	1000

/* Count one request of (kind, subject) in the current window of
 * window_ms (by the database's clock): 1 if it is within limit, 0 if
 * over it (*retry_after set to the seconds until the window ends), -1
 * on a database error.  A limit of 0 counts nothing and allows all. */
int	quota_take(struct db *, const char *kind, unsigned long long subject,
	    unsigned limit, long long window_ms, long long *retry_after);
/* Delete up to max_rows counters untouched for a day (a deleted endpoint,
 * a quiet tenant): how many, or -1. */
long long quota_purge(struct db *, unsigned max_rows);

#endif

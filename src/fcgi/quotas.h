/* The [limits] quotas at the HTTP edge: each check answers the request
 * itself when the quota is used up (429 with Retry-After) or the
 * database is away. */
#ifndef WH_QUOTAS_H
#define WH_QUOTAS_H

struct req;

/* Send test event and Redeliver, per endpoint per minute
 * (manual_deliveries_per_minute); html: answer with an admin page, else
 * the API's JSON.  1 go on, 0 answered. */
int	quotas_manual(struct req *, unsigned long long endpoint, int html);
/* Event ingest requests per tenant per second (ingest_per_second).
 * 1 go on, 0 answered. */
int	quotas_ingest(struct req *);

#endif

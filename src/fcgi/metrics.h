/* GET /metrics and the ingest counts behind webhooks_ingest_requests_total
 * (see api_metrics.c). */
#ifndef WH_METRICS_H
#define WH_METRICS_H

struct db;
struct req;

/* Count an answer to POST /api/v1/events, in memory. */
void	metrics_count_ingest(int status);
/* Add the counts so far to the database (metric_counters), in one
 * statement; counts it could not write are kept for the next time.
 * 0, or -1.  Nothing to write: 0 without a query. */
int	metrics_flush(struct db *);
/* 1 when counts wait to be written. */
int	metrics_pending(void);

#endif

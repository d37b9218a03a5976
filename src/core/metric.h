/*
 * Counters that only go up, kept in metric_counters (sql/008_metrics.sql)
 * apart from the rows retention purges, and what GET /metrics shows.
 *
 * A writer adds its counts up in a struct metric_acc and writes them in
 * one statement (metric_acc_write): the dispatcher once per batch of
 * results, webhooks.fcgi about once a second.  Each writer adds to its
 * own slot's rows, so writers side by side seldom wait on one row; a
 * scrape sums the slots.
 */
#ifndef WH_METRIC_H
#define WH_METRIC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct db;

#define METRIC_SLOTS		16
#define METRIC_ACC_MAX		48
#define METRIC_LABEL_MAX	24

/* Counter names in metric_counters, with their label. */
#define MC_ATTEMPTS		"attempts"	/* label outcome */
#define MC_DELIVERIES		"deliveries"	/* label outcome */
#define MC_DURATION_BUCKET	"attempt_duration_bucket"	/* label le */
#define MC_DURATION_SUM_MS	"attempt_duration_ms_sum"	/* label "" */
#define MC_INGEST		"ingest_requests"	/* label status */

/* webhooks_attempt_duration_seconds's upper bounds, in ms and as le. */
#define METRIC_BUCKETS	13
extern const int64_t	 metric_bucket_ms[METRIC_BUCKETS];
extern const char *const metric_bucket_le[METRIC_BUCKETS + 1]; /* +Inf */

/* Attempt outcomes (label outcome of webhooks_attempts_total). */
extern const char *const metric_attempt_outcomes[3];
/* Final delivery outcomes (webhooks_deliveries_total). */
extern const char *const metric_delivery_outcomes[3];

struct metric_count {
	const char	*m_name;	/* one of MC_*, static */
	char		 m_label[METRIC_LABEL_MAX];
	unsigned long long m_value;
};
struct metric_acc {
	struct metric_count ma_v[METRIC_ACC_MAX];
	size_t		 ma_n;
};

void	metric_acc_init(struct metric_acc *);
/* Add n to (name, label); a full accumulator drops the count (it holds
 * more than any writer uses). */
void	metric_acc_add(struct metric_acc *, const char *name,
	    const char *label, unsigned long long n);
/* An attempt that took ms: its bucket, sum, and outcome counters. */
void	metric_acc_attempt(struct metric_acc *, int delivered, long code,
	    int64_t ms);
/* Add the counts to slot's rows in one statement, in a fixed order so
 * that two writers of one slot never deadlock: 0, or -1. */
int	metric_acc_write(struct db *, unsigned slot, struct metric_acc *);
/* A slot from a writer's name (dispatcher id) or number (pid). */
unsigned metric_slot(const char *);

/*
 * What a scrape shows: the counters summed over slots and the gauges read
 * from the queue, the dispatchers and the endpoints, rendered in the
 * Prometheus text format 0.0.4.  heartbeat_timeout_ms tells live
 * dispatchers from dead ones.  0 with b filled, or -1.
 */
int	metric_render(struct db *, long long heartbeat_timeout_ms,
	    const char *version, struct buf *b);
/* A label value escaped for the text format (\\, \", \n). */
void	metric_label_value(struct buf *, const char *);

#endif

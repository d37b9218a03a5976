/* Counters and the /metrics exposition (see metric.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "delivery.h"
#include "jsonw.h"
#include "metric.h"

const int64_t metric_bucket_ms[METRIC_BUCKETS] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000
};
const char *const metric_bucket_le[METRIC_BUCKETS + 1] = {
	"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
	"5", "10", "30", "60", "+Inf"
};
/* success: a 2xx; http_error: any other answer; transport_error: no
 * answer (timeout, connection, DNS, TLS, refused by the address guard). */
const char *const metric_attempt_outcomes[3] = {
	"success", "http_error", "transport_error"
};
const char *const metric_delivery_outcomes[3] = {
	"delivered", "failed", "dropped"
};

/* Adds to a slot's row, creating it the first time.  Statements in one
 * place: the write and the scrape's reads. */
static const char write_sql[] =
    "INSERT INTO metric_counters (name, label, slot, value)"
    " SELECT c.n, c.l, ?, c.v FROM JSON_TABLE(?, '$[*]' COLUMNS ("
    " n VARCHAR(48) PATH '$.n', l VARCHAR(24) PATH '$.l',"
    " v BIGINT UNSIGNED PATH '$.v')) c"
    " ON DUPLICATE KEY UPDATE value = metric_counters.value + c.v";
static const char counters_sql[] =
    "SELECT name, label, SUM(value) FROM metric_counters"
    " GROUP BY name, label";
enum { MR_NAME, MR_LABEL, MR_VALUE };
/* Along deliveries_claim (status, next_attempt_at): an index range. */
static const char queue_sql[] =
    "SELECT status, COUNT(*) FROM deliveries GROUP BY status";
enum { MQ_STATUS, MQ_COUNT };
/* Two index dives: the earliest next_attempt_at of each queued status.
 * A held delivery's is its lease's end, in the future, so it is not
 * due; 0 when nothing is due. */
static const char oldest_sql[] =
    "SELECT GREATEST(0, TIMESTAMPDIFF(MICROSECOND, LEAST("
    " COALESCE((SELECT MIN(next_attempt_at) FROM deliveries"
    " WHERE status = 'pending'), NOW(3)),"
    " COALESCE((SELECT MIN(next_attempt_at) FROM deliveries"
    " WHERE status = 'retrying'), NOW(3))), NOW(3))) DIV 1000";
static const char dispatchers_sql[] =
    "SELECT id, in_flight, held,"
    " TIMESTAMPDIFF(MICROSECOND, heartbeat_at, NOW(3)) DIV 1000,"
    " heartbeat_at >= NOW(3) - INTERVAL ? MICROSECOND"
    " FROM dispatchers ORDER BY id";
enum { MD_ID, MD_IN_FLIGHT, MD_HELD, MD_AGE_MS, MD_LIVE };
/* Endpoints are few beside deliveries: a scan is fine. */
static const char endpoints_sql[] =
    "SELECT COALESCE(SUM(enabled = 1 AND failing_since IS NOT NULL), 0),"
    " COALESCE(SUM(enabled = 0), 0) FROM endpoints";
enum { ME_FAILING, ME_DISABLED };

void
metric_acc_init(struct metric_acc *a)
{
	memset(a, 0, sizeof(*a));
}

void
metric_acc_add(struct metric_acc *a, const char *name, const char *label,
    unsigned long long n)
{
	size_t	 i;

	if (n == 0)
		return;
	for (i = 0; i < a->ma_n; i++)
		if (a->ma_v[i].m_name == name &&
		    strcmp(a->ma_v[i].m_label, label) == 0) {
			a->ma_v[i].m_value += n;
			return;
		}
	if (a->ma_n == METRIC_ACC_MAX || strlen(label) >= METRIC_LABEL_MAX)
		return;
	a->ma_v[a->ma_n].m_name = name;
	snprintf(a->ma_v[a->ma_n].m_label, METRIC_LABEL_MAX, "%s", label);
	a->ma_v[a->ma_n].m_value = n;
	a->ma_n++;
}

void
metric_acc_attempt(struct metric_acc *a, int delivered, long code,
    int64_t ms)
{
	size_t	 b;

	if (ms < 0)
		ms = 0;
	for (b = 0; b < METRIC_BUCKETS && ms > metric_bucket_ms[b]; b++)
		;
	metric_acc_add(a, MC_DURATION_BUCKET, metric_bucket_le[b], 1);
	metric_acc_add(a, MC_DURATION_SUM_MS, "", (unsigned long long)ms);
	metric_acc_add(a, MC_ATTEMPTS, metric_attempt_outcomes[delivered ? 0 :
	    code != 0 ? 1 : 2], 1);
}

static int
acc_cmp(const void *x, const void *y)
{
	const struct metric_count *a = x, *b = y;
	int	 c;

	if ((c = strcmp(a->m_name, b->m_name)) != 0)
		return c;
	return strcmp(a->m_label, b->m_label);
}

int
metric_acc_write(struct db *db, unsigned slot, struct metric_acc *a)
{
	struct buf	 js;
	size_t		 i;
	long long	 rc;

	if (a->ma_n == 0)
		return 0;
	/* The primary key's order: rows are locked in it. */
	qsort(a->ma_v, a->ma_n, sizeof(a->ma_v[0]), acc_cmp);
	buf_init(&js);
	buf_putc(&js, '[');
	for (i = 0; i < a->ma_n; i++) {
		buf_puts(&js, i > 0 ? ",{\"n\":" : "{\"n\":");
		jw_str(&js, a->ma_v[i].m_name);
		buf_puts(&js, ",\"l\":");
		jw_str(&js, a->ma_v[i].m_label);
		buf_printf(&js, ",\"v\":%llu}", a->ma_v[i].m_value);
	}
	buf_putc(&js, ']');
	rc = db_exec(db, write_sql, "is", (long long)(slot % METRIC_SLOTS),
	    buf_cstr(&js));
	buf_free(&js);
	return rc == -1 ? -1 : 0;
}

unsigned
metric_slot(const char *s)
{
	unsigned	 h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % METRIC_SLOTS;
}

void
metric_label_value(struct buf *b, const char *v)
{
	buf_putc(b, '"');
	for (; *v != '\0'; v++)
		switch (*v) {
		case '\\': buf_puts(b, "\\\\"); break;
		case '"': buf_puts(b, "\\\""); break;
		case '\n': buf_puts(b, "\\n"); break;
		default: buf_putc(b, *v); break;
		}
	buf_putc(b, '"');
}

static void
family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The summed counter (name, label), 0 when it has no row yet. */
static unsigned long long
counter(const struct dbres *r, const char *name, const char *label)
{
	size_t	 i;

	for (i = 0; i < r->r_nrow; i++)
		if (strcmp(dbres_get(r, i, MR_NAME), name) == 0 &&
		    strcmp(dbres_get(r, i, MR_LABEL), label) == 0)
			return strtoull(dbres_get(r, i, MR_VALUE), NULL, 10);
	return 0;
}

static void
render_counters(struct buf *b, const struct dbres *c)
{
	unsigned long long	 cum = 0, v;
	size_t			 i;

	family(b, "webhooks_deliveries_total", "counter", "Deliveries that "
	    "reached a final status, by outcome (dropped: retries "
	    "exhausted).");
	for (i = 0; i < 3; i++)
		buf_printf(b, "webhooks_deliveries_total{outcome=\"%s\"} %llu\n",
		    metric_delivery_outcomes[i], counter(c, MC_DELIVERIES,
		    metric_delivery_outcomes[i]));
	family(b, "webhooks_attempts_total", "counter", "Delivery attempts by "
	    "outcome (http_error: an answer other than 2xx; "
	    "transport_error: no answer).");
	for (i = 0; i < 3; i++)
		buf_printf(b, "webhooks_attempts_total{outcome=\"%s\"} %llu\n",
		    metric_attempt_outcomes[i], counter(c, MC_ATTEMPTS,
		    metric_attempt_outcomes[i]));
	family(b, "webhooks_attempt_duration_seconds", "histogram",
	    "Duration of delivery attempts.");
	for (i = 0; i <= METRIC_BUCKETS; i++) {
		cum += counter(c, MC_DURATION_BUCKET, metric_bucket_le[i]);
		buf_printf(b, "webhooks_attempt_duration_seconds_bucket"
		    "{le=\"%s\"} %llu\n", metric_bucket_le[i], cum);
	}
	v = counter(c, MC_DURATION_SUM_MS, "");
	buf_printf(b, "webhooks_attempt_duration_seconds_sum %llu.%03llu\n",
	    v / 1000, v % 1000);
	buf_printf(b, "webhooks_attempt_duration_seconds_count %llu\n", cum);
	family(b, "webhooks_ingest_requests_total", "counter",
	    "POST /api/v1/events requests by HTTP status of the answer.");
	for (i = 0; i < c->r_nrow; i++) {
		if (strcmp(dbres_get(c, i, MR_NAME), MC_INGEST) != 0)
			continue;
		buf_puts(b, "webhooks_ingest_requests_total{status=");
		metric_label_value(b, dbres_get(c, i, MR_LABEL));
		buf_printf(b, "} %s\n", dbres_get(c, i, MR_VALUE));
	}
}

int
metric_render(struct db *db, long long heartbeat_timeout_ms,
    const char *version, struct buf *b)
{
	struct dbres	*c = NULL, *q = NULL, *o = NULL, *d = NULL, *e = NULL;
	long long	 n, ms;
	size_t		 i, k;
	int		 rc = -1;

	if (db_query(db, &c, counters_sql, "") == -1 ||
	    db_query(db, &q, queue_sql, "") == -1 ||
	    db_query(db, &o, oldest_sql, "") == -1 ||
	    db_query(db, &d, dispatchers_sql, "i",
	    heartbeat_timeout_ms * 1000) == -1 ||
	    db_query(db, &e, endpoints_sql, "") == -1)
		goto out;

	family(b, "webhooks_build_info", "gauge", "Version of the program "
	    "that answered the scrape.");
	buf_puts(b, "webhooks_build_info{version=");
	metric_label_value(b, version);
	buf_puts(b, "} 1\n");

	family(b, "webhooks_queue_deliveries", "gauge",
	    "Deliveries by status, as the deliveries table holds them now.");
	for (k = 0; k < DL_STATUSES; k++) {
		for (n = 0, i = 0; i < q->r_nrow; i++)
			if (strcmp(dbres_get(q, i, MQ_STATUS),
			    delivery_statuses[k]) == 0)
				n = dbres_int(q, i, MQ_COUNT);
		buf_printf(b, "webhooks_queue_deliveries{status=\"%s\"} %lld\n",
		    delivery_statuses[k], n);
	}
	family(b, "webhooks_queue_oldest_due_seconds", "gauge", "How long the "
	    "oldest due delivery has waited past its due time; 0 when none "
	    "is due.");
	ms = dbres_int(o, 0, 0);
	buf_printf(b, "webhooks_queue_oldest_due_seconds %lld.%03lld\n",
	    ms / 1000, ms % 1000);

	render_counters(b, c);

	family(b, "webhooks_dispatchers_live", "gauge", "Dispatchers whose "
	    "heartbeat is younger than heartbeat_timeout.");
	for (n = 0, i = 0; i < d->r_nrow; i++)
		n += dbres_int(d, i, MD_LIVE) != 0;
	buf_printf(b, "webhooks_dispatchers_live %lld\n", n);
	family(b, "webhooks_dispatcher_in_flight", "gauge",
	    "Requests a dispatcher has in flight, from its last heartbeat.");
	for (i = 0; i < d->r_nrow; i++) {
		buf_puts(b, "webhooks_dispatcher_in_flight{dispatcher=");
		metric_label_value(b, dbres_get(d, i, MD_ID));
		buf_printf(b, "} %lld\n", dbres_int(d, i, MD_IN_FLIGHT));
	}
	family(b, "webhooks_dispatcher_held", "gauge", "Deliveries a "
	    "dispatcher holds (in flight and waiting in memory).");
	for (i = 0; i < d->r_nrow; i++) {
		buf_puts(b, "webhooks_dispatcher_held{dispatcher=");
		metric_label_value(b, dbres_get(d, i, MD_ID));
		buf_printf(b, "} %lld\n", dbres_int(d, i, MD_HELD));
	}
	family(b, "webhooks_dispatcher_heartbeat_age_seconds", "gauge",
	    "Time since a dispatcher's last heartbeat.");
	for (i = 0; i < d->r_nrow; i++) {
		ms = dbres_int(d, i, MD_AGE_MS);
		if (ms < 0)
			ms = 0;
		buf_puts(b, "webhooks_dispatcher_heartbeat_age_seconds"
		    "{dispatcher=");
		metric_label_value(b, dbres_get(d, i, MD_ID));
		buf_printf(b, "} %lld.%03lld\n", ms / 1000, ms % 1000);
	}

	family(b, "webhooks_endpoints_failing", "gauge", "Enabled endpoints "
	    "whose every attempt fails since failing_since.");
	buf_printf(b, "webhooks_endpoints_failing %lld\n",
	    dbres_int(e, 0, ME_FAILING));
	family(b, "webhooks_endpoints_disabled", "gauge",
	    "Disabled endpoints (by their tenant or after failing).");
	buf_printf(b, "webhooks_endpoints_disabled %lld\n",
	    dbres_int(e, 0, ME_DISABLED));
	rc = 0;
out:
	dbres_free(c);
	dbres_free(q);
	dbres_free(o);
	dbres_free(d);
	dbres_free(e);
	return rc;
}

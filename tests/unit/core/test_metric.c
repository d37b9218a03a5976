/* The counters' decisions without a database: which histogram bucket and
 * outcome an attempt counts in, how an accumulator adds up and orders
 * what it writes (the primary key's order, so that two writers of one
 * slot lock rows in the same order), and label escaping. */
#include "config.h"

#include <string.h>

#include "buf.h"
#include "metric.h"
#include "t.h"

static unsigned long long
get(const struct metric_acc *a, const char *name, const char *label)
{
	size_t	 i;

	for (i = 0; i < a->ma_n; i++)
		if (strcmp(a->ma_v[i].m_name, name) == 0 &&
		    strcmp(a->ma_v[i].m_label, label) == 0)
			return a->ma_v[i].m_value;
	return 0;
}

static void
test_buckets(void)
{
	static const struct {
		int64_t		 ms;
		const char	*le;
	} cases[] = {
		{ 0, "0.005" }, { 5, "0.005" }, { 6, "0.01" }, { 50, "0.05" },
		{ 51, "0.1" }, { 300, "0.5" }, { 1000, "1" }, { 1001, "2.5" },
		{ 10000, "10" }, { 60000, "60" }, { 60001, "+Inf" },
		{ 3600000, "+Inf" }, { -3, "0.005" },
	};
	struct metric_acc	 a;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metric_acc_init(&a);
		metric_acc_attempt(&a, 1, 200, cases[i].ms);
		T_CHECK(get(&a, MC_DURATION_BUCKET, cases[i].le) == 1 &&
		    get(&a, MC_DURATION_SUM_MS, "") == (unsigned long long)
		    (cases[i].ms < 0 ? 0 : cases[i].ms),
		    "an attempt of %lld ms counts in le=%s and the sum",
		    (long long)cases[i].ms, cases[i].le);
	}
}

static void
test_outcomes(void)
{
	struct metric_acc	 a;

	metric_acc_init(&a);
	metric_acc_attempt(&a, 1, 204, 10);
	metric_acc_attempt(&a, 0, 500, 10);
	metric_acc_attempt(&a, 0, 404, 10);
	metric_acc_attempt(&a, 0, 0, 2000);
	T_CHECK(get(&a, MC_ATTEMPTS, "success") == 1 &&
	    get(&a, MC_ATTEMPTS, "http_error") == 2 &&
	    get(&a, MC_ATTEMPTS, "transport_error") == 1,
	    "attempt outcomes: 2xx success, other answers http_error, no "
	    "answer transport_error");
	T_CHECK(get(&a, MC_DURATION_SUM_MS, "") == 2030 &&
	    get(&a, MC_DURATION_BUCKET, "0.01") == 3,
	    "one row per (name, label), values added up");
}

static void
test_acc(void)
{
	struct metric_acc	 a;
	char			 label[16];
	size_t			 i;

	metric_acc_init(&a);
	metric_acc_add(&a, MC_INGEST, "202", 0);
	T_CHECK(a.ma_n == 0, "a zero count adds no row (no write)");
	metric_acc_add(&a, MC_INGEST, "this label is far too long", 1);
	T_CHECK(a.ma_n == 0, "a label longer than the column is dropped");
	for (i = 0; i < METRIC_ACC_MAX + 5; i++) {
		snprintf(label, sizeof(label), "%zu", i);
		metric_acc_add(&a, MC_INGEST, label, 1);
	}
	T_CHECK(a.ma_n == METRIC_ACC_MAX,
	    "a full accumulator keeps its rows and drops the rest");
	T_CHECK(metric_slot("host-a:42") < METRIC_SLOTS &&
	    metric_slot("host-a:42") == metric_slot("host-a:42"),
	    "a writer's slot is stable and in range");
}

static void
test_labels(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "web1:4242", "\"web1:4242\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "a\nb", "\"a\\nb\"" },
		{ "", "\"\"" },
	};
	struct buf	 b;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b);
		metric_label_value(&b, cases[i].in);
		T_CHECK(strcmp(buf_cstr(&b), cases[i].out) == 0,
		    "label value %zu escaped as the text format wants: %s", i,
		    buf_cstr(&b));
		buf_free(&b);
	}
}

int
main(void)
{
	test_buckets();
	test_outcomes();
	test_acc();
	test_labels();
	return t_done();
}

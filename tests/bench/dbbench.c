/* dbbench: the database's own rates, the physical baselines for ingest
 * and claim.
 *
 *   dbbench insert {-S SOCKET | -h HOST -P PORT} -u USER -p PASSWORD -D DB
 *           -t TENANT -E ENDPOINT[,ENDPOINT...] [-e EVENTS] [-c THREADS]
 *           [-d SECONDS]
 *   dbbench claim  {-S SOCKET | -h HOST -P PORT} -u USER -p PASSWORD -D DB
 *           [-l LIMIT] [-c THREADS] [-d SECONDS] [-s]
 *
 * Connect the way the programs measured against it do (TCP to
 * 127.0.0.1 when their config says host = 127.0.0.1): a TCP round trip
 * costs more than one over the socket.
 *
 * insert: each thread, on its own connection, commits transactions of
 * EVENTS (1) event rows and EVENTS x endpoints delivery rows, the rows an
 * ingest of that many events with that fan-out writes, as fast as it can,
 * with multi-row INSERTs over the text protocol: the least work that
 * stores the same rows.  Prints txns= elapsed= tps= events_per_s=.
 *
 * claim: each thread runs the dispatcher's claim (SELECT ... FOR UPDATE
 * SKIP LOCKED of LIMIT (100) due pending rows, then the lease UPDATE of
 * those ids) and rolls back, so the queue stays as deep as it was: the
 * cost of one claim at that depth; -s runs the SELECT alone.  Prints
 * claims= elapsed= claims_per_s= rows_per_s=. */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#define MAX_ENDPOINTS	64
#define DATA "{\"id\":123,\"employee_id\":45,\"days\":5,\"note\":\"" \
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop" \
    "qrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef" \
    "\"}"

struct opts {
	const char		*o_socket, *o_host, *o_user, *o_pass, *o_db;
	unsigned		 o_port;
	int			 o_claim;
	int			 o_select_only;
	unsigned long long	 o_tenant;
	unsigned long long	 o_ep[MAX_ENDPOINTS];
	size_t			 o_nep;
	unsigned		 o_events;
	unsigned		 o_limit;
	double			 o_end;
};

struct worker {
	pthread_t		 w_thread;
	const struct opts	*w_o;
	unsigned long long	 w_txns;
	unsigned long long	 w_rows;
	int			 w_failed;
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct sbuf {
	char	*s_p;
	size_t	 s_len, s_cap;
};

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s_p + b->s_len, b->s_cap - b->s_len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->s_cap - b->s_len) {
			b->s_len += (size_t)n;
			return;
		}
		b->s_cap = b->s_cap * 2 + (size_t)n + 1;
		if ((b->s_p = realloc(b->s_p, b->s_cap)) == NULL) {
			perror("dbbench: realloc");
			exit(1);
		}
	}
}

static int
q(MYSQL *my, const struct sbuf *b)
{
	if (mysql_real_query(my, b->s_p, (unsigned long)b->s_len) != 0) {
		fprintf(stderr, "dbbench: %s\n", mysql_error(my));
		return -1;
	}
	return 0;
}

static int
insert_txn(MYSQL *my, const struct opts *o, struct sbuf *b,
    unsigned long long *rows)
{
	unsigned long long	 first;
	unsigned		 i;
	size_t			 k;

	b->s_len = 0;
	sb_printf(b, "INSERT INTO events (tenant_id, event_type, occurred_at,"
	    " data) VALUES ");
	for (i = 0; i < o->o_events; i++)
		sb_printf(b, "%s(%llu, 'leave.approved', "
		    "'2026-04-29T14:32:11Z', '%s')", i ? "," : "",
		    o->o_tenant, DATA);
	if (q(my, b) == -1)
		return -1;
	/* innodb_autoinc_lock_mode 1 (MariaDB's default) gives a multi-row
	 * INSERT consecutive ids. */
	first = mysql_insert_id(my);
	b->s_len = 0;
	sb_printf(b, "INSERT INTO deliveries (tenant_id, event_id, endpoint_id,"
	    " status, next_attempt_at) VALUES ");
	for (i = 0; i < o->o_events; i++)
		for (k = 0; k < o->o_nep; k++)
			sb_printf(b, "%s(%llu, %llu, %llu, 'pending', NOW(3))",
			    i || k ? "," : "", o->o_tenant, first + i,
			    o->o_ep[k]);
	if (q(my, b) == -1)
		return -1;
	if (mysql_commit(my) != 0) {
		fprintf(stderr, "dbbench: commit: %s\n", mysql_error(my));
		return -1;
	}
	*rows += o->o_events;
	return 0;
}

static int
claim_txn(MYSQL *my, const struct opts *o, struct sbuf *b,
    unsigned long long *rows)
{
	MYSQL_RES	*res;
	MYSQL_ROW	 row;
	unsigned long long n = 0;

	b->s_len = 0;
	sb_printf(b, "SELECT id FROM deliveries WHERE status = 'pending' AND"
	    " next_attempt_at <= NOW(3) ORDER BY next_attempt_at LIMIT %u"
	    " FOR UPDATE SKIP LOCKED", o->o_limit);
	if (q(my, b) == -1 || (res = mysql_store_result(my)) == NULL)
		return -1;
	b->s_len = 0;
	sb_printf(b, "UPDATE deliveries SET next_attempt_at = NOW(3) +"
	    " INTERVAL 120 SECOND, claimed_by = 'dbbench', claim_token = 1"
	    " WHERE id IN (");
	while ((row = mysql_fetch_row(res)) != NULL)
		sb_printf(b, "%s%s", n++ ? "," : "", row[0]);
	sb_printf(b, ")");
	mysql_free_result(res);
	if (n > 0 && !o->o_select_only && q(my, b) == -1)
		return -1;
	if (mysql_rollback(my) != 0)
		return -1;
	*rows += n;
	return 0;
}

static void *
work(void *arg)
{
	struct worker		*w = arg;
	const struct opts	*o = w->w_o;
	struct sbuf		 b = { NULL, 0, 0 };
	MYSQL			*my;
	int			 rc;

	mysql_thread_init();
	if ((my = mysql_init(NULL)) == NULL ||
	    mysql_real_connect(my, o->o_host, o->o_user, o->o_pass, o->o_db,
	    o->o_port, o->o_socket, 0) == NULL) {
		fprintf(stderr, "dbbench: connect: %s\n",
		    my ? mysql_error(my) : "out of memory");
		w->w_failed = 1;
		goto done;
	}
	mysql_autocommit(my, 0);
	while (now_s() < o->o_end) {
		rc = o->o_claim ? claim_txn(my, o, &b, &w->w_rows) :
		    insert_txn(my, o, &b, &w->w_rows);
		if (rc == -1) {
			w->w_failed = 1;
			break;
		}
		w->w_txns++;
	}
done:
	if (my != NULL)
		mysql_close(my);
	free(b.s_p);
	mysql_thread_end();
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dbbench insert|claim {-S SOCKET | -h HOST "
	    "-P PORT} -u USER -p PASSWORD -D DB [-t TENANT -E ID,...] "
	    "[-e EVENTS] [-l LIMIT] [-c THREADS] [-d SECONDS] [-s]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts		 o;
	struct worker		*w;
	char			*s, *tok, *save;
	unsigned long long	 txns = 0, rows = 0;
	double			 t0, dur = 5, el;
	long			 threads = 1, i;
	int			 ch, failed = 0;

	if (argc < 2)
		usage();
	memset(&o, 0, sizeof(o));
	o.o_events = 1;
	o.o_limit = 100;
	if (strcmp(argv[1], "claim") == 0)
		o.o_claim = 1;
	else if (strcmp(argv[1], "insert") != 0)
		usage();
	optind = 2;
	while ((ch = getopt(argc, argv, "S:h:P:u:p:D:t:E:e:l:c:d:s")) != -1) {
		switch (ch) {
		case 'S': o.o_socket = optarg; break;
		case 'h': o.o_host = optarg; break;
		case 'P': o.o_port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': o.o_user = optarg; break;
		case 'p': o.o_pass = optarg; break;
		case 'D': o.o_db = optarg; break;
		case 't': o.o_tenant = strtoull(optarg, NULL, 10); break;
		case 'E':
			s = optarg;
			for (tok = strtok_r(s, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				if (o.o_nep == MAX_ENDPOINTS)
					usage();
				o.o_ep[o.o_nep++] = strtoull(tok, NULL, 10);
			}
			break;
		case 'e': o.o_events = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': o.o_limit = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': threads = strtol(optarg, NULL, 10); break;
		case 'd': dur = strtod(optarg, NULL); break;
		case 's': o.o_select_only = 1; break;
		default: usage();
		}
	}
	if ((o.o_socket == NULL && o.o_host == NULL) || o.o_user == NULL || o.o_db == NULL ||
	    threads < 1 || threads > 1024 || o.o_events < 1 || o.o_limit < 1 ||
	    (!o.o_claim && (o.o_tenant == 0 || o.o_nep == 0)))
		usage();
	if (o.o_pass == NULL)
		o.o_pass = "";
	if (mysql_library_init(0, NULL, NULL) != 0)
		return 1;
	if ((w = calloc((size_t)threads, sizeof(*w))) == NULL)
		return 1;
	t0 = now_s();
	o.o_end = t0 + dur;
	for (i = 0; i < threads; i++) {
		w[i].w_o = &o;
		if (pthread_create(&w[i].w_thread, NULL, work, &w[i]) != 0)
			return 1;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].w_thread, NULL);
		txns += w[i].w_txns;
		rows += w[i].w_rows;
		failed |= w[i].w_failed;
	}
	el = now_s() - t0;
	if (o.o_claim)
		printf("claims=%llu elapsed=%.3f claims_per_s=%.1f "
		    "rows_per_s=%.1f\n", txns, el, (double)txns / el,
		    (double)rows / el);
	else
		printf("txns=%llu elapsed=%.3f tps=%.1f events_per_s=%.1f\n",
		    txns, el, (double)txns / el, (double)rows / el);
	free(w);
	mysql_library_end();
	return failed;
}

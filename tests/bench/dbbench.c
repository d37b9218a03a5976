/* dbbench: the database's own rates, the physical baselines for ingest
 * and claim.
 *
 *   dbbench insert {-S SOCKET | -h HOST -P PORT} -u USER -p PASSWORD -D DB
 *           -t TENANT -E ENDPOINT[,ENDPOINT...] [-e EVENTS] [-c THREADS]
 *           [-d SECONDS]
 *   dbbench claim  {-S SOCKET | -h HOST -P PORT} -u USER -p PASSWORD -D DB
 *           -q FILE [-l LIMIT] [-c THREADS] [-d SECONDS] [-s]
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
 * claim: each thread, on its own connection set up as the dispatcher's
 * claimer is (utf8mb4, UTC, read committed), runs the dispatcher's claim
 * (src/dispatcher/claim.c) over and over, as prepared statements as
 * db.c runs them, with a fresh look for due endpoints each time:
 *   - claim_due_sql, the CALL of webhooks_due_endpoints (its result set,
 *     then the CALL's status result), and claim_sched_add_sql when it
 *     names endpoints without an endpoint_sched row (committed on its
 *     own, so only the first claims run it);
 *   - START TRANSACTION; claim_lock_sql over all the due endpoints (a
 *     JSON array); claim_others_sql; claim_select8_sql for the first
 *     eight (or fewer) of the locked endpoints in the CALL's order, each
 *     asked for LIMIT (8, endpoint_concurrency's default) rows, unused
 *     arms asking endpoint 0 for none as the dispatcher's do;
 *     claim_mark_sql of the rows it got (lease 2m, the default);
 *   - ROLLBACK instead of the dispatcher's COMMIT, so the queue stays as
 *     it was: the cost of one claim at that depth.
 * -s leaves the mark UPDATE out.  The statements come from FILE, lines
 * NAME=SQL with the names of claim.c's variables (tests/bench/run
 * extracts them from claim.c, so they are the dispatcher's byte for
 * byte); their parameters are bound as claim.c binds them.  Prints
 * claims= elapsed= claims_per_s= rows_per_s= due_endpoints= (what the
 * last CALL found) arms= (endpoints asked in the last claim). */
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
#define ARMS		8	/* claim_select8_sql's */
#define CELL		32	/* a result value: all are integers */
#define CLAIMER		"dbbench"	/* the dispatcher id it claims as */
#define LEASE_US	120000000LL	/* lease, the default 2m */
#define DATA "{\"id\":123,\"employee_id\":45,\"days\":5,\"note\":\"" \
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop" \
    "qrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef" \
    "\"}"

/* The claim's statements, by the names of claim.c's variables, with
 * the number of parameters claim.c binds to each (a statement that
 * changed its parameters fails to prepare here rather than measure
 * something else).  CLAIM_SESSION_SQL (claim.h) is run on connecting. */
enum { S_DUE, S_SCHED_ADD, S_LOCK, S_OTHERS, S_SELECT8, S_MARK, S_NSTMT,
	S_SESSION = S_NSTMT, S_NSQL };
static const char *const sql_name[S_NSQL] = {
	"claim_due_sql", "claim_sched_add_sql", "claim_lock_sql",
	"claim_others_sql", "claim_select8_sql", "claim_mark_sql",
	"CLAIM_SESSION_SQL"
};
static const unsigned sql_nparam[S_NSTMT] = { 0, 1, 1, 1, 2 * ARMS, 4 };

struct opts {
	const char		*o_socket, *o_host, *o_user, *o_pass, *o_db;
	unsigned		 o_port;
	int			 o_claim;
	int			 o_select_only;
	char			*o_sql[S_NSQL];
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
	size_t			 w_due;		/* endpoints the last CALL found */
	unsigned		 w_arms;	/* endpoints the last claim asked */
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

/* Rows of a result, every value as text in CELL bytes (NULL as ""). */
struct rows {
	unsigned	  r_ncol;
	size_t		  r_n, r_cap;
	char		(*r_v)[CELL];
};

static const char *
cell(const struct rows *r, size_t row, unsigned col)
{
	return r->r_v[row * r->r_ncol + col];
}

/* The statements of one claimer, prepared once as db.c caches them. */
struct claimer {
	MYSQL		*c_my;
	MYSQL_STMT	*c_st[S_NSTMT];
	struct rows	 c_due, c_lock, c_others, c_sel;
	struct sbuf	 c_eps, c_add, c_ids;
};

static int
st_fail(MYSQL_STMT *st, const char *what)
{
	fprintf(stderr, "dbbench: %s: %s\n", what, mysql_stmt_error(st));
	return -1;
}

static void
bind_str(MYSQL_BIND *b, const struct sbuf *s, unsigned long *len)
{
	memset(b, 0, sizeof(*b));
	*len = (unsigned long)s->s_len;
	b->buffer_type = MYSQL_TYPE_STRING;
	b->buffer = s->s_p;
	b->buffer_length = *len;
	b->length = len;
}

static void
bind_ll(MYSQL_BIND *b, long long *v, int is_unsigned)
{
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = v;
	b->is_unsigned = is_unsigned;
}

/* Executes statement i with its parameters and reads every row of its
 * result into out (if it has one), then drains whatever results follow,
 * as db.c's fetch_all() does: a CALL sends its result set and then a
 * status result (mysql_stmt_next_result, the prepared statement's
 * mysql_next_result). */
static int
st_run(struct claimer *c, int i, MYSQL_BIND *param, struct rows *out)
{
	MYSQL_STMT	*st = c->c_st[i];
	MYSQL_RES	*meta;
	MYSQL_BIND	 b[8];
	char		 v[8][CELL];
	unsigned long	 len[8];
	my_bool		 isnull[8];
	unsigned	 nc, k;
	int		 rc;

	out->r_n = 0;
	out->r_ncol = 0;
	if ((param != NULL && mysql_stmt_bind_param(st, param) != 0) ||
	    mysql_stmt_execute(st) != 0)
		return st_fail(st, sql_name[i]);
	if ((meta = mysql_stmt_result_metadata(st)) != NULL) {
		nc = mysql_num_fields(meta);
		mysql_free_result(meta);
		if (nc > 8) {
			fprintf(stderr, "dbbench: %s: %u columns\n",
			    sql_name[i], nc);
			return -1;
		}
		if (mysql_stmt_store_result(st) != 0)
			return st_fail(st, sql_name[i]);
		memset(b, 0, sizeof(b));
		for (k = 0; k < nc; k++) {
			b[k].buffer_type = MYSQL_TYPE_STRING;
			b[k].buffer = v[k];
			b[k].buffer_length = CELL;
			b[k].length = &len[k];
			b[k].is_null = &isnull[k];
		}
		if (mysql_stmt_bind_result(st, b) != 0)
			return st_fail(st, sql_name[i]);
		out->r_ncol = nc;
		while ((rc = mysql_stmt_fetch(st)) == 0) {
			if (out->r_n == out->r_cap) {
				out->r_cap = out->r_cap ? out->r_cap * 2 : 64;
				out->r_v = realloc(out->r_v,
				    out->r_cap * 8 * CELL);
				if (out->r_v == NULL) {
					perror("dbbench: realloc");
					exit(1);
				}
			}
			for (k = 0; k < nc; k++) {
				char *d = out->r_v[out->r_n * nc + k];

				if (isnull[k])
					len[k] = 0;
				if (len[k] >= CELL) {
					fprintf(stderr, "dbbench: %s: a value "
					    "longer than %d bytes\n",
					    sql_name[i], CELL - 1);
					return -1;
				}
				memcpy(d, v[k], len[k]);
				d[len[k]] = '\0';
			}
			out->r_n++;
		}
		if (rc != MYSQL_NO_DATA) {
			if (rc == MYSQL_DATA_TRUNCATED)
				fprintf(stderr, "dbbench: %s: a value longer "
				    "than %d bytes\n", sql_name[i], CELL - 1);
			else
				st_fail(st, sql_name[i]);
			return -1;
		}
	}
	mysql_stmt_free_result(st);
	while ((rc = mysql_stmt_next_result(st)) == 0)
		mysql_stmt_free_result(st);
	if (rc > 0)
		return st_fail(st, sql_name[i]);
	return 0;
}

static int
text(MYSQL *my, const char *sql)
{
	if (mysql_query(my, sql) != 0) {
		fprintf(stderr, "dbbench: %s: %s\n", sql, mysql_error(my));
		return -1;
	}
	return 0;
}

static int
claimer_init(struct claimer *c, MYSQL *my, const struct opts *o)
{
	int	 i;

	memset(c, 0, sizeof(*c));
	c->c_my = my;
	for (i = 0; i < S_NSTMT; i++) {
		if ((c->c_st[i] = mysql_stmt_init(my)) == NULL) {
			fprintf(stderr, "dbbench: out of memory\n");
			return -1;
		}
		if (mysql_stmt_prepare(c->c_st[i], o->o_sql[i],
		    strlen(o->o_sql[i])) != 0)
			return st_fail(c->c_st[i], sql_name[i]);
		if (mysql_stmt_param_count(c->c_st[i]) != sql_nparam[i]) {
			fprintf(stderr, "dbbench: %s has %lu parameters, not "
			    "%u: claim.c binds them otherwise now\n",
			    sql_name[i], mysql_stmt_param_count(c->c_st[i]),
			    sql_nparam[i]);
			return -1;
		}
	}
	return 0;
}

static void
claimer_free(struct claimer *c)
{
	int	 i;

	for (i = 0; i < S_NSTMT; i++)
		if (c->c_st[i] != NULL)
			mysql_stmt_close(c->c_st[i]);
	free(c->c_due.r_v);
	free(c->c_lock.r_v);
	free(c->c_others.r_v);
	free(c->c_sel.r_v);
	free(c->c_eps.s_p);
	free(c->c_add.s_p);
	free(c->c_ids.s_p);
}

/* One claim as claim_batch() makes it after a fresh look, rolled back. */
static int
claim_txn(struct claimer *c, const struct opts *o, struct worker *w)
{
	MYSQL_BIND		 p[2 * ARMS];
	unsigned long		 len[4];
	unsigned long long	 ep[ARMS];
	long long		 lim[ARMS], token = 1, lease = LEASE_US;
	struct sbuf		 me = { (char *)CLAIMER, strlen(CLAIMER), 0 };
	size_t			 i, k, nadd = 0;
	unsigned		 a;

	/* due_endpoints(): the CALL, then endpoint_sched rows for the
	 * endpoints that lack one, committed on their own. */
	if (st_run(c, S_DUE, NULL, &c->c_due) == -1)
		return -1;
	if (c->c_due.r_n > 0 && c->c_due.r_ncol < 3) {
		fprintf(stderr, "dbbench: claim_due_sql: %u columns\n",
		    c->c_due.r_ncol);
		return -1;
	}
	w->w_due = c->c_due.r_n;
	c->c_add.s_len = 0;
	c->c_eps.s_len = 0;
	sb_printf(&c->c_add, "[");
	sb_printf(&c->c_eps, "[");
	for (i = 0; i < c->c_due.r_n; i++) {
		sb_printf(&c->c_eps, "%s%s", i ? "," : "", cell(&c->c_due, i, 0));
		if (strcmp(cell(&c->c_due, i, 2), "0") != 0)
			sb_printf(&c->c_add, "%s%s", nadd++ ? "," : "",
			    cell(&c->c_due, i, 0));
	}
	sb_printf(&c->c_add, "]");
	sb_printf(&c->c_eps, "]");
	if (nadd > 0) {
		bind_str(&p[0], &c->c_add, &len[0]);
		if (st_run(c, S_SCHED_ADD, p, &c->c_others) == -1)
			return -1;
	}
	w->w_arms = 0;
	if (c->c_due.r_n == 0)
		return 0;

	/* claim_mark(): lock, count, select, mark. */
	if (text(c->c_my, "START TRANSACTION") == -1)
		return -1;
	bind_str(&p[0], &c->c_eps, &len[0]);
	if (st_run(c, S_LOCK, p, &c->c_lock) == -1)
		goto fail;
	bind_str(&p[0], &me, &len[0]);
	if (st_run(c, S_OTHERS, p, &c->c_others) == -1)
		goto fail;
	/* The first ARMS locked endpoints, oldest due first, LIMIT rows
	 * each; arms left over ask endpoint 0 for nothing. */
	memset(ep, 0, sizeof(ep));
	memset(lim, 0, sizeof(lim));
	for (i = 0, a = 0; i < c->c_due.r_n && a < ARMS; i++)
		for (k = 0; k < c->c_lock.r_n; k++)
			if (strcmp(cell(&c->c_lock, k, 0),
			    cell(&c->c_due, i, 0)) == 0) {
				ep[a] = strtoull(cell(&c->c_due, i, 0), NULL,
				    10);
				lim[a++] = o->o_limit;
				break;
			}
	w->w_arms = a;
	c->c_sel.r_n = 0;
	if (a > 0) {
		for (k = 0; k < ARMS; k++) {
			bind_ll(&p[2 * k], (long long *)&ep[k], 1);
			bind_ll(&p[2 * k + 1], &lim[k], 0);
		}
		if (st_run(c, S_SELECT8, p, &c->c_sel) == -1)
			goto fail;
	}
	c->c_ids.s_len = 0;
	sb_printf(&c->c_ids, "[");
	for (k = 0; k < c->c_sel.r_n; k++)
		sb_printf(&c->c_ids, "%s%s", k ? "," : "", cell(&c->c_sel, k, 0));
	sb_printf(&c->c_ids, "]");
	if (c->c_sel.r_n > 0 && !o->o_select_only) {
		bind_str(&p[0], &c->c_ids, &len[0]);
		bind_str(&p[1], &me, &len[1]);
		bind_ll(&p[2], &token, 1);
		bind_ll(&p[3], &lease, 0);
		if (st_run(c, S_MARK, p, &c->c_others) == -1)
			goto fail;
	}
	if (text(c->c_my, "ROLLBACK") == -1)
		return -1;
	w->w_rows += c->c_sel.r_n;
	return 0;
fail:
	text(c->c_my, "ROLLBACK");
	return -1;
}
static void *
work(void *arg)
{
	struct worker		*w = arg;
	const struct opts	*o = w->w_o;
	struct sbuf		 b = { NULL, 0, 0 };
	struct claimer		 c;
	MYSQL			*my;
	int			 rc;

	memset(&c, 0, sizeof(c));
	mysql_thread_init();
	if ((my = mysql_init(NULL)) == NULL) {
		fprintf(stderr, "dbbench: out of memory\n");
		w->w_failed = 1;
		goto done;
	}
	if (o->o_claim) {
		/* The claimer's connection: db_connect()'s settings (copied
		 * from src/core/db.c), then CLAIM_SESSION_SQL. */
		mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
		mysql_options(my, MYSQL_INIT_COMMAND,
		    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,"
		    "NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'");
		mysql_options(my, MYSQL_INIT_COMMAND, o->o_sql[S_SESSION]);
	}
	if (mysql_real_connect(my, o->o_host, o->o_user, o->o_pass, o->o_db,
	    o->o_port, o->o_socket, 0) == NULL) {
		fprintf(stderr, "dbbench: connect: %s\n", mysql_error(my));
		w->w_failed = 1;
		goto done;
	}
	/* The claim runs START TRANSACTION as the dispatcher does, with
	 * autocommit on for the CALL and endpoint_sched's rows. */
	if (o->o_claim) {
		if (claimer_init(&c, my, o) == -1) {
			w->w_failed = 1;
			goto done;
		}
	} else
		mysql_autocommit(my, 0);
	while (now_s() < o->o_end) {
		rc = o->o_claim ? claim_txn(&c, o, w) :
		    insert_txn(my, o, &b, &w->w_rows);
		if (rc == -1) {
			w->w_failed = 1;
			break;
		}
		w->w_txns++;
	}
done:
	claimer_free(&c);
	if (my != NULL)
		mysql_close(my);
	free(b.s_p);
	mysql_thread_end();
	return NULL;
}

/* -q FILE: NAME=SQL lines, one statement each. */
static void
read_sql(struct opts *o, const char *path)
{
	FILE	*f;
	char	*line = NULL, *eq;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 i;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		for (i = 0; i < S_NSQL; i++)
			if (strcmp(line, sql_name[i]) == 0) {
				free(o->o_sql[i]);
				if ((o->o_sql[i] = strdup(eq + 1)) == NULL) {
					perror("dbbench: strdup");
					exit(1);
				}
			}
	}
	free(line);
	fclose(f);
}

static void
usage(void)
{
	fprintf(stderr, "usage: dbbench insert|claim {-S SOCKET | -h HOST "
	    "-P PORT} -u USER -p PASSWORD -D DB [-t TENANT -E ID,...] "
	    "[-e EVENTS] [-q FILE] [-l LIMIT] [-c THREADS] [-d SECONDS] "
	    "[-s]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts		 o;
	struct worker		*w;
	char			*s, *tok, *save;
	unsigned long long	 txns = 0, rows = 0;
	size_t			 due = 0;
	unsigned		 arms = 0;
	double			 t0, dur = 5, el;
	long			 threads = 1, i;
	int			 ch, failed = 0;

	if (argc < 2)
		usage();
	memset(&o, 0, sizeof(o));
	o.o_events = 1;
	o.o_limit = 8;
	if (strcmp(argv[1], "claim") == 0)
		o.o_claim = 1;
	else if (strcmp(argv[1], "insert") != 0)
		usage();
	optind = 2;
	while ((ch = getopt(argc, argv, "S:h:P:u:p:D:t:E:e:q:l:c:d:s")) != -1) {
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
		case 'q': read_sql(&o, optarg); break;
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
	for (i = 0; o.o_claim && i < S_NSQL; i++)
		if (o.o_sql[i] == NULL) {
			fprintf(stderr, "dbbench: claim needs %s (-q FILE)\n",
			    sql_name[i]);
			return 2;
		}
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
		if (i == 0) {
			due = w[i].w_due;
			arms = w[i].w_arms;
		}
	}
	el = now_s() - t0;
	if (o.o_claim)
		printf("claims=%llu elapsed=%.3f claims_per_s=%.1f "
		    "rows_per_s=%.1f due_endpoints=%zu arms=%u\n", txns, el,
		    (double)txns / el, (double)rows / el, due, arms);
	else
		printf("txns=%llu elapsed=%.3f tps=%.1f events_per_s=%.1f\n",
		    txns, el, (double)txns / el, (double)rows / el);
	free(w);
	mysql_library_end();
	return failed;
}

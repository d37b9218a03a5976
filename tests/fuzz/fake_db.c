/*
 * An in-memory stand-in for src/core/db.c, linked into the harnesses that
 * drive request handlers, so they run without MariaDB and without any
 * network.  It answers the statements of the ingest path by their SQL
 * prefix, fails on purpose as fake_db_mode asks, and keeps the counts
 * the harness checks: every BEGIN ends in COMMIT or ROLLBACK, and
 * nothing is committed unless the request answered 2xx.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "fake_db.h"

struct db {
	int	 d_unused;
};

static struct db	 the_db;
struct fake_db		 fake_db;

enum { E_NONE, E_GONE, E_RETRY, E_DUP, E_OTHER };
static int		 last_err;

struct db *
fake_db_handle(void)
{
	return &the_db;
}

void
fake_db_reset(unsigned mode)
{
	const char *const *n = fake_db.f_type_names;
	const char *const *c = fake_db.f_type_cats;
	size_t		 nt = fake_db.f_ntypes;

	memset(&fake_db, 0, sizeof(fake_db));
	fake_db.f_mode = mode;
	fake_db.f_type_names = n;
	fake_db.f_type_cats = c;
	fake_db.f_ntypes = nt;
	last_err = E_NONE;
}

static int
fail(int e)
{
	last_err = e;
	return -1;
}

static int
prefix(const char *sql, const char *p)
{
	return strncmp(sql, p, strlen(p)) == 0;
}

/* A result of nrow rows of ncol text cells from vals. */
static struct dbres *
res_new(unsigned ncol, size_t nrow, const char *const *vals)
{
	struct dbres	*r;
	size_t		 i;

	r = xcalloc(1, sizeof(*r));
	r->r_ncol = ncol;
	r->r_nrow = nrow;
	r->r_val = xcalloc(nrow * ncol + 1, sizeof(char *));
	r->r_len = xcalloc(nrow * ncol + 1, sizeof(unsigned long));
	for (i = 0; i < nrow * ncol; i++) {
		r->r_val[i] = vals[i] == NULL ? NULL : xstrdup(vals[i]);
		r->r_len[i] = vals[i] == NULL ? 0 : strlen(vals[i]);
	}
	return r;
}

int
db_begin(struct db *db)
{
	(void)db;
	if (fake_db.f_mode & FAKE_BEGIN_GONE)
		return fail(E_GONE);
	fake_db.f_begins++;
	fake_db.f_in_tx = 1;
	fake_db.f_tx_events = 0;
	return 0;
}

int
db_commit(struct db *db)
{
	(void)db;
	fake_db.f_in_tx = 0;
	if (fake_db.f_mode & FAKE_COMMIT_RETRY) {
		/* The server has rolled the transaction back. */
		fake_db.f_commit_fails++;
		return fail(E_RETRY);
	}
	fake_db.f_commits++;
	fake_db.f_committed_events += fake_db.f_tx_events;
	return 0;
}

int
db_rollback(struct db *db)
{
	(void)db;
	fake_db.f_in_tx = 0;
	fake_db.f_rollbacks++;
	return 0;
}

long long
db_exec(struct db *db, const char *sql, const char *types, ...)
{
	(void)db;
	(void)types;
	if (prefix(sql, "INSERT INTO events")) {
		if (fake_db.f_mode & FAKE_INSERT_RETRY)
			return fail(E_RETRY);
		fake_db.f_tx_events++;
		fake_db.f_first_id = ++fake_db.f_insert_id;
		return 1;
	}
	if (prefix(sql, "INSERT INTO deliveries"))
		return 2;
	if (prefix(sql, "INSERT INTO idempotency_keys")) {
		if (fake_db.f_mode & FAKE_IDEM_DUP) {
			/* The racing request has committed its answer. */
			fake_db.f_idem_won = 1;
			return fail(E_DUP);
		}
		return 1;
	}
	if (prefix(sql, "DELETE FROM idempotency_keys"))
		return 1;
	return 0;
}

/* Multi-row inserts: types holds four letters per row. */
long long
db_exec_args(struct db *db, const char *sql, const char *types,
    const struct db_arg *args)
{
	long long	 rows = (long long)strlen(types) / 4;

	(void)db;
	(void)args;
	if (prefix(sql, "INSERT INTO events")) {
		if (fake_db.f_mode & FAKE_INSERT_RETRY)
			return fail(E_RETRY);
		fake_db.f_tx_events += (unsigned)rows;
		/* db_insert_id is the first row's. */
		fake_db.f_first_id = fake_db.f_insert_id + 1;
		fake_db.f_insert_id += (unsigned long long)rows;
		return rows;
	}
	return 0;
}

int
db_query(struct db *db, struct dbres **res, const char *sql,
    const char *types, ...)
{
	static const char *const fresh[] = {
		"202", "{\"id\":7,\"deliveries\":1}", "1"
	};
	static const char *const stale[] = {
		"202", "{\"id\":3,\"deliveries\":0}", "0"
	};
	const char	**v;
	size_t		 i;

	(void)db;
	(void)types;
	*res = NULL;
	if (prefix(sql, "SELECT name, category FROM event_types")) {
		if (fake_db.f_mode & FAKE_TYPES_FAIL)
			return fail(E_GONE);
		v = xcalloc(fake_db.f_ntypes * 2 + 1, sizeof(*v));
		for (i = 0; i < fake_db.f_ntypes; i++) {
			v[2 * i] = fake_db.f_type_names[i];
			v[2 * i + 1] = fake_db.f_type_cats[i];
		}
		*res = res_new(2, fake_db.f_ntypes, v);
		free(v);
		return 0;
	}
	if (prefix(sql, "SELECT status_code, response")) {
		if (fake_db.f_idem_won || (fake_db.f_mode & FAKE_IDEM_FRESH))
			*res = res_new(3, 1, fresh);
		else if (fake_db.f_mode & FAKE_IDEM_STALE)
			*res = res_new(3, 1, stale);
		else
			*res = res_new(3, 0, fresh);
		return 0;
	}
	*res = res_new(1, 0, NULL);
	return 0;
}

unsigned long long
db_insert_id(struct db *db)
{
	(void)db;
	return fake_db.f_first_id;
}

int
db_err_is_gone(const struct db *db)
{
	(void)db;
	return last_err == E_GONE;
}

int
db_err_is_retry(const struct db *db)
{
	(void)db;
	return last_err == E_RETRY;
}

/* As db.c: a conflict, or a connection lost outside a COMMIT (the fake
 * fails no COMMIT). */
int
db_tx_again(const struct db *db)
{
	(void)db;
	return last_err == E_RETRY || last_err == E_GONE;
}

int
db_err_is_dup(const struct db *db)
{
	(void)db;
	return last_err == E_DUP;
}

unsigned
db_errno(const struct db *db)
{
	(void)db;
	return last_err == E_NONE ? 0 : 1000 + (unsigned)last_err;
}

const char *
db_error(const struct db *db)
{
	(void)db;
	return last_err == E_NONE ? "" : "fake database error";
}


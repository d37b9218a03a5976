/* MariaDB Connector/C behind a small prepared-statement helper.
 *
 * Statements are prepared once per connection and kept in a cache keyed
 * by their SQL text, so a hot path such as ingest or claim costs one
 * round trip per execution.  Every column comes back as text. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "log.h"

#define DB_MAXPARAM	256
#define DB_CACHE	96

struct dbcache {
	const char	*c_sql;
	MYSQL_STMT	*c_st;
};

struct db {
	const struct conf *d_cf;
	MYSQL		*d_my;
	int		 d_intx;
	/* The last COMMIT's answer was lost: it may have committed. */
	int		 d_commit_lost;
	int		 d_noconn;	/* the last connect failed */
	unsigned	 d_errno;
	char		 d_error[512];
	struct dbcache	 d_cache[DB_CACHE];
	size_t		 d_ncache;
	unsigned long long d_insert_id;
	const char	*d_session;	/* db_set_session(), or NULL */
};

struct db *
db_new(const struct conf *cf)
{
	struct db	*db;

	db = xcalloc(1, sizeof(*db));
	db->d_cf = cf;
	return db;
}

/* A statement run on every connection db makes from now on (set it before
 * the first), after db_connect()'s own settings: a session setting then
 * survives a reconnect and costs no round trip per transaction.  sql must
 * outlive db. */
void
db_set_session(struct db *db, const char *sql)
{
	db->d_session = sql;
}

static void
db_disconnect(struct db *db)
{
	size_t	 i;

	for (i = 0; i < db->d_ncache; i++)
		mysql_stmt_close(db->d_cache[i].c_st);
	db->d_ncache = 0;
	if (db->d_my != NULL)
		mysql_close(db->d_my);
	db->d_my = NULL;
	db->d_intx = 0;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	db_disconnect(db);
	free(db);
}

static void
set_err(struct db *db, unsigned no, const char *msg)
{
	db->d_errno = no;
	snprintf(db->d_error, sizeof(db->d_error), "%s", msg);
}

int
db_connect(struct db *db)
{
	const struct conf *cf = db->d_cf;
	unsigned	 timeout, rw = 60;
	my_bool		 off = 0;

	if (db->d_my != NULL)
		return 0;
	if ((db->d_my = mysql_init(NULL)) == NULL) {
		set_err(db, CR_OUT_OF_MEMORY, "mysql_init failed");
		return -1;
	}
	timeout = (unsigned)((cf->cf_db_connect_timeout_ms + 999) / 1000);
	mysql_options(db->d_my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* A server that stops answering must not hang a request forever. */
	mysql_options(db->d_my, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(db->d_my, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(db->d_my, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->d_my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* All times are UTC; strict mode turns silent truncation into errors. */
	mysql_options(db->d_my, MYSQL_INIT_COMMAND,
	    "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,"
	    "NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'");
	/* Connector/C runs every init command given, in order. */
	if (db->d_session != NULL)
		mysql_options(db->d_my, MYSQL_INIT_COMMAND, db->d_session);
	if (mysql_real_connect(db->d_my, cf->cf_db_socket ? NULL :
	    cf->cf_db_host, cf->cf_db_user, cf->cf_db_password,
	    cf->cf_db_name, cf->cf_db_socket ? 0 : cf->cf_db_port,
	    cf->cf_db_socket, 0) == NULL) {
		set_err(db, mysql_errno(db->d_my), mysql_error(db->d_my));
		log_err("cannot connect to MariaDB: %s", db->d_error);
		mysql_close(db->d_my);
		db->d_my = NULL;
		db->d_noconn = 1;
		return -1;
	}
	db->d_noconn = 0;
	return 0;
}

int
db_ping(struct db *db)
{
	int	 tries;

	/* A connection left over from before a server restart fails the
	 * first ping: reconnect once before calling the server away. */
	for (tries = 0; tries < 2; tries++) {
		if (db_connect(db) == -1)
			return -1;
		if (mysql_ping(db->d_my) == 0)
			return 0;
		set_err(db, mysql_errno(db->d_my), mysql_error(db->d_my));
		db_disconnect(db);
	}
	return -1;
}

static int
is_gone(unsigned no)
{
	return no == CR_SERVER_GONE_ERROR || no == CR_SERVER_LOST ||
	    no == CR_CONNECTION_ERROR || no == CR_CONN_HOST_ERROR ||
	    no == CR_SERVER_LOST_EXTENDED || no == ER_CONNECTION_KILLED ||
	    no == ER_SERVER_SHUTDOWN || no == CR_UNKNOWN_HOST ||
	    no == CR_COMMANDS_OUT_OF_SYNC ||
	    /* A Galera node outside the primary component (cut off, or
	     * joining) refuses work: another node is the one to ask, which
	     * a new connection through the proxy reaches. */
	    no == ER_UNKNOWN_COM_ERROR;
}

int
db_err_is_gone(const struct db *db)
{
	return is_gone(db->d_errno);
}

int
db_err_is_retry(const struct db *db)
{
	return db->d_errno == ER_LOCK_DEADLOCK ||
	    db->d_errno == ER_LOCK_WAIT_TIMEOUT;
}

int
db_tx_again(const struct db *db)
{
	if (db_err_is_retry(db))
		return 1;
	/* No server to connect to (each try may wait connect_timeout):
	 * the caller answers now rather than try again at once. */
	if (db->d_noconn)
		return 0;
	/* A connection lost before COMMIT took the transaction with it
	 * (the server rolls back what a dead session held); one lost
	 * during COMMIT may have committed, and only the caller knows
	 * whether running it again is harmless. */
	return is_gone(db->d_errno) && !db->d_commit_lost;
}

int
db_err_is_dup(const struct db *db)
{
	return db->d_errno == ER_DUP_ENTRY;
}

unsigned
db_errno(const struct db *db)
{
	return db->d_errno;
}

const char *
db_error(const struct db *db)
{
	return db->d_error;
}

static MYSQL_STMT *
stmt_get(struct db *db, const char *sql)
{
	MYSQL_STMT	*st;
	size_t		 i;
	my_bool		 on = 1;

	for (i = 0; i < db->d_ncache; i++)
		if (db->d_cache[i].c_sql == sql ||
		    strcmp(db->d_cache[i].c_sql, sql) == 0)
			return db->d_cache[i].c_st;
	if ((st = mysql_stmt_init(db->d_my)) == NULL) {
		set_err(db, mysql_errno(db->d_my), mysql_error(db->d_my));
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	/* The cache is bounded; the oldest statement makes room. */
	if (db->d_ncache == DB_CACHE) {
		mysql_stmt_close(db->d_cache[0].c_st);
		memmove(&db->d_cache[0], &db->d_cache[1],
		    (DB_CACHE - 1) * sizeof(db->d_cache[0]));
		db->d_ncache--;
	}
	db->d_cache[db->d_ncache].c_sql = sql;
	db->d_cache[db->d_ncache].c_st = st;
	db->d_ncache++;
	return st;
}

struct params {
	MYSQL_BIND	 p_bind[DB_MAXPARAM];
	long long	 p_ll[DB_MAXPARAM];
	double		 p_d[DB_MAXPARAM];
	unsigned long	 p_len[DB_MAXPARAM];
	my_bool		 p_null[DB_MAXPARAM];
	unsigned	 p_n;
};

/* Parameter i of type t: ll for 'i' and 'u', d for 'd', s (and n for
 * 'b') for 's' and 'b'. */
static int
param_set(struct params *p, unsigned i, char t, long long ll, double d,
    const char *s, size_t n)
{
	MYSQL_BIND *b = &p->p_bind[i];

	/* Only the binds in use are cleared: the array is sized for the
	 * largest multi-row statement, and most have a handful. */
	memset(b, 0, sizeof(*b));
	switch (t) {
	case 'i':
	case 'u':
		p->p_ll[i] = ll;
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &p->p_ll[i];
		b->is_unsigned = t == 'u';
		break;
	case 'd':
		p->p_d[i] = d;
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &p->p_d[i];
		break;
	case 's':
	case 'b':
		if (t == 's')
			n = s ? strlen(s) : 0;
		b->buffer_type = t == 'b' ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
		b->buffer = (void *)s;
		b->buffer_length = (unsigned long)n;
		p->p_len[i] = (unsigned long)n;
		b->length = &p->p_len[i];
		p->p_null[i] = s == NULL;
		b->is_null = &p->p_null[i];
		break;
	default:
		return -1;
	}
	return 0;
}

static int
params_bind(struct params *p, const char *types, va_list ap)
{
	const char	*s = NULL;
	long long	 ll = 0;
	double		 d = 0;
	size_t		 n = 0;
	unsigned	 i;

	p->p_n = 0;
	for (i = 0; types[i] != '\0'; i++) {
		if (i == DB_MAXPARAM)
			return -1;
		switch (types[i]) {
		case 'i':
		case 'u':
			ll = va_arg(ap, long long);
			break;
		case 'd':
			d = va_arg(ap, double);
			break;
		case 's':
			s = va_arg(ap, const char *);
			break;
		case 'b':
			s = va_arg(ap, const char *);
			n = va_arg(ap, size_t);
			break;
		}
		if (param_set(p, i, types[i], ll, d, s, n) == -1)
			return -1;
	}
	p->p_n = i;
	return 0;
}

static int
fetch_all(struct db *db, MYSQL_STMT *st, struct dbres **resp)
{
	MYSQL_RES	*meta;
	MYSQL_FIELD	*f;
	MYSQL_BIND	*bind = NULL;
	unsigned long	*len = NULL;
	my_bool		*isnull = NULL;
	char		**bufs = NULL;
	struct dbres	*res;
	unsigned	 nc, c;
	size_t		 cap = 0, r;
	int		 rc, ret = -1;

	res = xcalloc(1, sizeof(*res));
	if ((meta = mysql_stmt_result_metadata(st)) == NULL) {
		*resp = res;
		return 0;
	}
	if (mysql_stmt_store_result(st) != 0) {
		set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	nc = mysql_num_fields(meta);
	f = mysql_fetch_fields(meta);
	res->r_ncol = nc;
	res->r_name = xcalloc(nc, sizeof(char *));
	bind = xcalloc(nc, sizeof(*bind));
	len = xcalloc(nc, sizeof(*len));
	isnull = xcalloc(nc, sizeof(*isnull));
	bufs = xcalloc(nc, sizeof(char *));
	for (c = 0; c < nc; c++) {
		unsigned long sz = f[c].max_length + 1;

		if (sz < 64)
			sz = 64;
		res->r_name[c] = xstrdup(f[c].name);
		bufs[c] = xmalloc(sz);
		bind[c].buffer_type = MYSQL_TYPE_STRING;
		bind[c].buffer = bufs[c];
		bind[c].buffer_length = sz;
		bind[c].length = &len[c];
		bind[c].is_null = &isnull[c];
	}
	if (mysql_stmt_bind_result(st, bind) != 0) {
		set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		goto out;
	}
	for (r = 0;; r++) {
		rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			break;
		if (rc == 1) {
			set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			goto out;
		}
		if (r == cap) {
			cap = cap ? cap * 2 : 16;
			if (cap > SIZE_MAX / nc / sizeof(char *))
				goto out;
			res->r_val = xrealloc(res->r_val,
			    cap * nc * sizeof(char *));
			res->r_len = xrealloc(res->r_len,
			    cap * nc * sizeof(unsigned long));
		}
		for (c = 0; c < nc; c++) {
			size_t i = r * nc + c;

			res->r_len[i] = 0;
			if (isnull[c]) {
				res->r_val[i] = NULL;
				continue;
			}
			res->r_val[i] = xmalloc(len[c] + 1);
			if (len[c] > bind[c].buffer_length) {
				/* Truncated: fetch the whole column again. */
				MYSQL_BIND one = bind[c];

				one.buffer = res->r_val[i];
				one.buffer_length = len[c] + 1;
				if (mysql_stmt_fetch_column(st, &one, c, 0)) {
					set_err(db, mysql_stmt_errno(st),
					    mysql_stmt_error(st));
					res->r_nrow = r;
					free(res->r_val[i]);
					for (; c > 0; c--)
						free(res->r_val[r * nc + c - 1]);
					goto out;
				}
			} else
				memcpy(res->r_val[i], bufs[c], len[c]);
			res->r_val[i][len[c]] = '\0';
			res->r_len[i] = len[c];
		}
		res->r_nrow = r + 1;
	}
	ret = 0;
out:
	mysql_stmt_free_result(st);
	while (mysql_stmt_next_result(st) == 0)
		mysql_stmt_free_result(st);
	mysql_free_result(meta);
	if (bufs != NULL)
		for (c = 0; c < res->r_ncol; c++)
			free(bufs[c]);
	free(bufs);
	free(bind);
	free(len);
	free(isnull);
	if (ret == -1) {
		dbres_free(res);
		res = NULL;
	}
	*resp = res;
	return ret;
}

/* Execute once; on a lost connection outside a transaction, reconnect and
 * execute again, since nothing of the statement can have taken effect. */
static int
run(struct db *db, const char *sql, struct params *p, struct dbres **resp,
    long long *affected)
{
	MYSQL_STMT	*st;
	int		 tries;

	for (tries = 0; tries < DB_TX_TRIES; tries++) {
		db->d_errno = 0;
		db->d_error[0] = '\0';
		if (db_connect(db) == -1)
			return -1;
		if ((st = stmt_get(db, sql)) == NULL)
			goto fail;
		if (mysql_stmt_param_count(st) != p->p_n) {
			set_err(db, CR_PARAMS_NOT_BOUND,
			    "parameter count mismatch");
			log_err("%s: %s", db->d_error, sql);
			return -1;
		}
		if ((p->p_n > 0 && mysql_stmt_bind_param(st, p->p_bind)) ||
		    mysql_stmt_execute(st) != 0) {
			set_err(db, mysql_stmt_errno(st), mysql_stmt_error(st));
			goto fail;
		}
		if (affected != NULL)
			*affected = (long long)mysql_stmt_affected_rows(st);
		db->d_insert_id = mysql_stmt_insert_id(st);
		if (resp != NULL)
			return fetch_all(db, st, resp);
		mysql_stmt_free_result(st);
		return 0;
fail:
		if (db->d_errno == 0)
			set_err(db, mysql_errno(db->d_my),
			    mysql_error(db->d_my));
		/* A statement of its own (autocommit) that lost a conflict
		 * (a Galera certification failure the server did not retry
		 * itself) was rolled back whole: run it again. */
		if (db_err_is_retry(db) && !db->d_intx)
			continue;
		if (!is_gone(db->d_errno) || tries > 0) {
			if (!db_err_is_dup(db) && !db_err_is_retry(db))
				log_err("%s", db->d_error);
			if (is_gone(db->d_errno))
				db_disconnect(db);
			return -1;
		}
		{
			int intx = db->d_intx;

			db_disconnect(db);
			if (intx) {
				/* The transaction died with the connection. */
				db->d_errno = CR_SERVER_LOST;
				return -1;
			}
		}
	}
	if (!db_err_is_retry(db))
		log_err("%s", db->d_error);
	return -1;
}

long long
db_exec(struct db *db, const char *sql, const char *types, ...)
{
	struct params	 p;
	va_list		 ap;
	long long	 n = 0;

	va_start(ap, types);
	if (params_bind(&p, types, ap) == -1) {
		va_end(ap);
		set_err(db, CR_PARAMS_NOT_BOUND, "bad parameter types");
		return -1;
	}
	va_end(ap);
	if (run(db, sql, &p, NULL, &n) == -1)
		return -1;
	return n;
}

/* Binds args as types says (see db_exec_args): 0, or -1 with the
 * error set. */
static int
args_bind(struct db *db, struct params *p, const char *types,
    const struct db_arg *args)
{
	unsigned	 i;

	for (i = 0; types[i] != '\0'; i++)
		if (i == DB_MAXPARAM || param_set(p, i, types[i],
		    args[i].a_int, 0, args[i].a_str, args[i].a_len) == -1) {
			set_err(db, CR_PARAMS_NOT_BOUND, "bad parameter types");
			return -1;
		}
	p->p_n = i;
	return 0;
}

long long
db_exec_args(struct db *db, const char *sql, const char *types,
    const struct db_arg *args)
{
	struct params	 p;
	long long	 n = 0;

	if (args_bind(db, &p, types, args) == -1)
		return -1;
	if (run(db, sql, &p, NULL, &n) == -1)
		return -1;
	return n;
}

int
db_query_args(struct db *db, struct dbres **res, const char *sql,
    const char *types, const struct db_arg *args)
{
	struct params	 p;

	*res = NULL;
	if (args_bind(db, &p, types, args) == -1)
		return -1;
	return run(db, sql, &p, res, NULL);
}

int
db_query(struct db *db, struct dbres **res, const char *sql,
    const char *types, ...)
{
	struct params	 p;
	va_list		 ap;

	*res = NULL;
	va_start(ap, types);
	if (params_bind(&p, types, ap) == -1) {
		va_end(ap);
		set_err(db, CR_PARAMS_NOT_BOUND, "bad parameter types");
		return -1;
	}
	va_end(ap);
	return run(db, sql, &p, res, NULL);
}

unsigned long long
db_insert_id(struct db *db)
{
	return db->d_insert_id;
}

static int
simple(struct db *db, const char *sql)
{
	if (db_connect(db) == -1)
		return -1;
	if (mysql_real_query(db->d_my, sql, strlen(sql)) != 0) {
		set_err(db, mysql_errno(db->d_my), mysql_error(db->d_my));
		if (is_gone(db->d_errno))
			db_disconnect(db);
		return -1;
	}
	return 0;
}

int
db_begin(struct db *db)
{
	int	 tries;

	/* A connection that went stale between requests fails here, before
	 * any work is done, so one reconnect is safe; no ping round trip
	 * is spent on the common case. */
	for (tries = 0; tries < 2; tries++) {
		db->d_commit_lost = 0;
		if (simple(db, "START TRANSACTION") == 0) {
			db->d_intx = 1;
			return 0;
		}
		if (!is_gone(db->d_errno))
			break;
	}
	return -1;
}

int
db_commit(struct db *db)
{
	int	 rc;

	rc = simple(db, "COMMIT");
	db->d_intx = 0;
	db->d_commit_lost = rc == -1 && is_gone(db->d_errno);
	return rc;
}

int
db_rollback(struct db *db)
{
	int	 rc;

	/* Nothing open (the common case after a request): no round trip. */
	if (db->d_my == NULL || !db->d_intx) {
		db->d_intx = 0;
		return 0;
	}
	rc = simple(db, "ROLLBACK");
	db->d_intx = 0;
	return rc;
}

int
db_script(struct db *db, const char *sql, size_t len)
{
	MYSQL_RES	*r;
	int		 st, rc = -1;

	if (db_connect(db) == -1)
		return -1;
	mysql_set_server_option(db->d_my, MYSQL_OPTION_MULTI_STATEMENTS_ON);
	if (mysql_real_query(db->d_my, sql, (unsigned long)len) != 0)
		goto fail;
	do {
		if ((r = mysql_store_result(db->d_my)) != NULL)
			mysql_free_result(r);
		else if (mysql_field_count(db->d_my) != 0)
			goto fail;
		if ((st = mysql_next_result(db->d_my)) > 0)
			goto fail;
	} while (st == 0);
	rc = 0;
	goto out;
fail:
	set_err(db, mysql_errno(db->d_my), mysql_error(db->d_my));
	log_err("%s", db->d_error);
out:
	if (db->d_my != NULL)
		mysql_set_server_option(db->d_my,
		    MYSQL_OPTION_MULTI_STATEMENTS_OFF);
	return rc;
}

/* MariaDB access through prepared statements only.
 *
 * Parameters are described by a type string, one letter each:
 *   'i' long long, 'u' unsigned long long, 's' const char * (NULL is SQL
 *   NULL), 'b' const char *, size_t (counted bytes), 'd' double.
 * Every result column is fetched as text (NULL stays NULL), which keeps
 * callers free of MYSQL_BIND bookkeeping. */
#ifndef WH_DB_H
#define WH_DB_H

#include <stddef.h>

struct conf;
struct db;

struct dbres {
	unsigned	  r_ncol;
	size_t		  r_nrow;
	char		**r_val;	/* r_nrow * r_ncol, NULL for SQL NULL */
	unsigned long	 *r_len;
	char		**r_name;	/* column names */
};

struct db	*db_new(const struct conf *);
void		 db_free(struct db *);
/* 0 when connected (connecting if needed), -1 when the server is away. */
int		 db_connect(struct db *);
int		 db_ping(struct db *);
/* A static statement (session settings) run on each new connection. */
void		 db_set_session(struct db *, const char *sql);

/* Affected rows (>= 0) or -1.  A lost connection outside a transaction
 * is reconnected and the statement tried once more. */
long long	 db_exec(struct db *, const char *sql, const char *types, ...);
/* DATETIME(3) column as RFC 3339 UTC text ("2026-04-29T14:32:11.123Z");
 * the session time zone is UTC (db.c), and NULL stays NULL. */
#define DB_SQL_TIME(col) \
	"CONCAT(LEFT(DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')"

/* A JSON array of ids ("[3,5,8]", one bound parameter) as a table of
 * ids (alias ids, column id): one statement for any number of rows,
 * primary-key lookups when joined, and never a value in the SQL. */
#define DB_IDS_TABLE \
    "JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$')) ids"

/* db_exec with the parameters in an array, for statements built with a
 * varying number of them (at most 256): args[i] is read as types[i]
 * says, a_int for 'i' and 'u', a_str for 's', a_str and a_len for 'b'. */
struct db_arg {
	long long	 a_int;
	const char	*a_str;
	size_t		 a_len;
};
long long	 db_exec_args(struct db *, const char *sql, const char *types,
		    const struct db_arg *args);
/* db_query with the parameters in an array, as db_exec_args. */
int		 db_query_args(struct db *, struct dbres **res, const char *sql,
		    const char *types, const struct db_arg *args);
/* 0 with *res filled (free with dbres_free), or -1. */
int		 db_query(struct db *, struct dbres **res, const char *sql,
		    const char *types, ...);
unsigned long long db_insert_id(struct db *);

int		 db_begin(struct db *);
int		 db_commit(struct db *);
int		 db_rollback(struct db *);
/* Run a static multi-statement script (migrations only, no values). */
int		 db_script(struct db *, const char *sql, size_t len);

/* The last error: MariaDB's number (0 if none) and text. */
unsigned	 db_errno(const struct db *);
const char	*db_error(const struct db *);
/* The server is unreachable or the connection was lost. */
int		 db_err_is_gone(const struct db *);
/* Deadlock or lock wait timeout: the transaction should be retried. */
int		 db_err_is_retry(const struct db *);
int		 db_err_is_dup(const struct db *);
/* The transaction that just failed may be run again as a whole: a
 * deadlock, a lock wait timeout or a Galera certification conflict (all
 * three roll it back), or a connection lost before its COMMIT.  Not a
 * COMMIT whose answer was lost: it may have committed.  Retries reconnect,
 * which through a proxy reaches the cluster's new writer. */
int		 db_tx_again(const struct db *);
/* How many times a transaction is run before its error is reported. */
#define DB_TX_TRIES	4

const char	*dbres_get(const struct dbres *, size_t row, unsigned col);
unsigned long	 dbres_len(const struct dbres *, size_t row, unsigned col);
long long	 dbres_int(const struct dbres *, size_t row, unsigned col);
void		 dbres_free(struct dbres *);

#endif

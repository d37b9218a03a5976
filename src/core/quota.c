/* Quotas (see quota.h). */
#include "config.h"

#include "db.h"
#include "quota.h"

/*
 * One row per (kind, subject) holds the current window's number and
 * count.  The upsert counts this request and hands the new count back
 * through LAST_INSERT_ID(expr), which the client reads as the insert id
 * (0 when the row was new: the count is then 1), so there is no second
 * statement and no window in which two processes read the same count.
 * Columns are assigned left to right: n still sees the old win.
 */
static const char take_sql[] =
    "INSERT INTO rate_counters (kind, subject, win, n)"
    " VALUES (?, ?, FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000 / ?), 1)"
    " ON DUPLICATE KEY UPDATE"
    " n = LAST_INSERT_ID(IF(win = VALUES(win), n + 1, 1)),"
    " win = VALUES(win)";
static const char left_sql[] =
    "SELECT CEIL((? - MOD(FLOOR(UNIX_TIMESTAMP(NOW(3)) * 1000), ?))"
    " / 1000)";

/* A counter's window number times its length is when it was last
 * counted; win is in units of the kind's window. */
static const char purge_sql[] =
    "DELETE FROM rate_counters WHERE"
    " (kind = '" QUOTA_MANUAL "' AND win < FLOOR(UNIX_TIMESTAMP(NOW(3))"
    " * 1000 / ?) - 86400000 / ?)"
    " OR (kind = '" QUOTA_INGEST "' AND win < FLOOR(UNIX_TIMESTAMP(NOW(3))"
    " * 1000 / ?) - 86400000 / ?) LIMIT ?";

long long
quota_purge(struct db *db, unsigned max_rows)
{
	return db_exec(db, purge_sql, "iiiii", (long long)QUOTA_MANUAL_MS,
	    (long long)QUOTA_MANUAL_MS, (long long)QUOTA_INGEST_MS,
	    (long long)QUOTA_INGEST_MS, (long long)max_rows);
}

int
quota_take(struct db *db, const char *kind, unsigned long long subject,
    unsigned limit, long long window_ms, long long *retry_after)
{
	struct dbres		*res;
	unsigned long long	 n;
	int			 tries;

	*retry_after = 0;
	if (limit == 0)
		return 1;
	/* Upserts of one new row at once can deadlock on its gap lock;
	 * the server rolled the statement back whole, so it is safe to
	 * repeat. */
	for (tries = 0; db_exec(db, take_sql, "sui", kind, subject,
	    window_ms) == -1; tries++)
		if (tries == 2 || !db_err_is_retry(db))
			return -1;
	if ((n = db_insert_id(db)) == 0)
		n = 1;
	if (n <= limit)
		return 1;
	if (db_query(db, &res, left_sql, "ii", window_ms, window_ms) == -1)
		return -1;
	*retry_after = res->r_nrow == 1 ? dbres_int(res, 0, 0) : 1;
	if (*retry_after < 1)
		*retry_after = 1;
	dbres_free(res);
	return 0;
}

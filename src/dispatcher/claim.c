/* Claiming due deliveries (see claim.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "util.h"

#define CLAIM_TRIES	3

/* The one index deliveries_claim (status, next_attempt_at) serves this as
 * a range at any queue depth; SKIP LOCKED lets dispatchers claim side by
 * side without waiting on each other's rows. */
const char claim_select_sql[] =
    "SELECT id FROM deliveries"
    " WHERE status = 'pending' AND next_attempt_at <= NOW(3)"
    " ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED";

/* STRAIGHT_JOIN: the ids drive, each a primary-key lookup, whatever
 * the statistics of a small or skewed table suggest. */
static const char claim_mark_sql[] =
    "UPDATE " DB_IDS_TABLE " STRAIGHT_JOIN deliveries d ON d.id = ids.id"
    " SET d.claimed_by = ?, d.claim_token = ?,"
    " d.next_attempt_at = NOW(3) + INTERVAL ? MICROSECOND";

static const char claim_load_sql[] =
    "SELECT STRAIGHT_JOIN d.id, d.tenant_id, d.endpoint_id, d.attempts,"
    " e.enabled, e.standard_webhooks, e.url, e.format, e.secret_sealed,"
    " ev.event_type, ev.occurred_at, ev.data,"
    " e.pagerduty_key_sealed, e.headers_sealed"
    " FROM " DB_IDS_TABLE
    " JOIN deliveries d ON d.id = ids.id"
    " JOIN endpoints e ON e.id = d.endpoint_id"
    " JOIN events ev ON ev.id = d.event_id"
    " WHERE d.claim_token = ?";

static const char claim_orphans_sql[] =
    "UPDATE " DB_IDS_TABLE " STRAIGHT_JOIN deliveries d ON d.id = ids.id"
    " LEFT JOIN endpoints e ON e.id = d.endpoint_id"
    " SET d.status = 'failed', d.last_error = 'endpoint deleted',"
    " d.claimed_by = NULL, d.claim_token = NULL, d.completed_at = NOW(3)"
    " WHERE d.claim_token = ? AND e.id IS NULL";

enum {
	C_ID, C_TENANT, C_ENDPOINT, C_ATTEMPTS, C_ENABLED, C_STANDARD, C_URL,
	C_FORMAT, C_SECRET, C_TYPE, C_OCCURRED, C_DATA, C_PDKEY, C_HEADERS
};

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->j_sealed);
	free(j->j_pdkey_sealed);
	free(j->j_headers_sealed);
	free(j->j_url);
	free(j->j_format);
	free(j->j_type);
	free(j->j_occurred_at);
	free(j->j_data);
	free(j);
}

/* Random, non-zero and within BIGINT's signed range, so it also fits
 * anything that reads the column as a signed number. */
static unsigned long long
new_token(void)
{
	uint64_t	 t = 0;

	while (t == 0) {
		if (cr_random(&t, sizeof(t)) == -1)
			t = (uint64_t)util_now_ms() ^ (uint64_t)util_mono_ms() << 20;
		t &= INT64_MAX;
	}
	return t;
}

static char *
col_dup(const struct dbres *r, size_t row, unsigned col)
{
	const char	*v = dbres_get(r, row, col);

	return xstrndup(v != NULL ? v : "", dbres_len(r, row, col));
}

static struct job *
job_from_row(const struct dbres *r, size_t i, unsigned long long token)
{
	struct job	*j;

	j = xcalloc(1, sizeof(*j));
	j->j_id = (unsigned long long)dbres_int(r, i, C_ID);
	j->j_tenant = (unsigned long long)dbres_int(r, i, C_TENANT);
	j->j_endpoint = (unsigned long long)dbres_int(r, i, C_ENDPOINT);
	j->j_attempts = (unsigned)dbres_int(r, i, C_ATTEMPTS);
	j->j_token = token;
	j->j_enabled = dbres_int(r, i, C_ENABLED) != 0;
	j->j_standard = dbres_int(r, i, C_STANDARD) != 0;
	j->j_url = col_dup(r, i, C_URL);
	j->j_format = col_dup(r, i, C_FORMAT);
	j->j_type = col_dup(r, i, C_TYPE);
	j->j_occurred_at = col_dup(r, i, C_OCCURRED);
	j->j_data = col_dup(r, i, C_DATA);
	j->j_data_len = dbres_len(r, i, C_DATA);
	j->j_sealed = col_dup(r, i, C_SECRET);
	if (dbres_get(r, i, C_PDKEY) != NULL)
		j->j_pdkey_sealed = col_dup(r, i, C_PDKEY);
	if (dbres_get(r, i, C_HEADERS) != NULL)
		j->j_headers_sealed = col_dup(r, i, C_HEADERS);
	return j;
}

void
claim_ids_json(const struct dbres *r, struct buf *out)
{
	size_t	 i;

	buf_putc(out, '[');
	for (i = 0; i < r->r_nrow; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_puts(out, dbres_get(r, i, 0));
	}
	buf_putc(out, ']');
}

/* Select and mark in one short transaction.  Returns the number of rows
 * claimed (their ids as a JSON array in ids), 0 for none, -1 on error. */
static int
claim_mark(struct db *db, const struct conf *cf, const char *id,
    unsigned max, unsigned long long token, struct buf *ids)
{
	struct dbres	*r = NULL;
	size_t		 i;
	int		 try;

	for (try = 0; try < CLAIM_TRIES; try++) {
		buf_reset(ids);
		/* In read committed (CLAIM_SESSION_SQL): no gap locks, so
		 * ingest inserting new pending rows never waits behind a
		 * claim. */
		if (db_begin(db) == -1)
			return -1;
		if (db_query(db, &r, claim_select_sql, "i", (long long)max)
		    == -1)
			goto fail;
		if (r->r_nrow == 0) {
			dbres_free(r);
			return db_commit(db) == -1 ? -1 : 0;
		}
		claim_ids_json(r, ids);
		if (db_exec(db, claim_mark_sql, "ssui", buf_cstr(ids), id,
		    token, cf->cf_lease_ms * 1000) == -1)
			goto fail;
		if (db_commit(db) == -1)
			goto fail;
		i = r->r_nrow;
		dbres_free(r);
		return (int)i;
fail:
		dbres_free(r);
		r = NULL;
		db_rollback(db);
		if (!db_err_is_retry(db))
			return -1;
		log_debug("claim: %s; trying again", db_error(db));
	}
	return -1;
}

int
claim_batch(struct db *db, const struct conf *cf, const char *id,
    unsigned max, struct job **out)
{
	struct dbres		*r;
	struct buf		 ids;
	struct job		*head = NULL, **tail = &head;
	unsigned long long	 token = new_token();
	size_t			 i;
	int			 n;

	*out = NULL;
	buf_init(&ids);
	if ((n = claim_mark(db, cf, id, max, token, &ids)) <= 0) {
		buf_free(&ids);
		return n;
	}
	/* Committed: these rows are ours until the lease ends.  If the
	 * load fails they fall due again when it does. */
	if (db_query(db, &r, claim_load_sql, "su", buf_cstr(&ids), token)
	    == -1) {
		buf_free(&ids);
		return -1;
	}
	/* A row the join lost belongs to an endpoint deleted since it
	 * was created (the endpoint's delete fails those it finds, but not
	 * one held by a dispatcher): finish it the same way. */
	if (r->r_nrow < (size_t)n && db_exec(db, claim_orphans_sql, "su",
	    buf_cstr(&ids), token) == -1)
		log_warn("claim: %s", db_error(db));
	buf_free(&ids);
	for (i = 0; i < r->r_nrow; i++) {
		*tail = job_from_row(r, i, token);
		tail = &(*tail)->j_next;
	}
	dbres_free(r);
	*out = head;
	return n;
}

/* The admin account model (see account.h). */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "buf.h"
#include "crypto.h"
#include "db.h"

static const char user_create_sql[] =
    "INSERT INTO users (tenant_id, email, password_hash) VALUES (?, ?, ?)";
static const char user_sql[] =
    "SELECT id, tenant_id, password_hash FROM users WHERE email = ?";
enum { US_ID, US_TENANT, US_HASH };

/*
 * The sign-in throttle (login_attempts, see sql/007_hardening.sql).  A
 * claim counts the attempt before the password is checked: the UPDATE
 * matches only while the row is below its limit (or its window is
 * over), so of any number of concurrent guesses at most the limit get
 * to the slow hash.  A missing row is inserted; two inserting at once
 * leave one row and the loser claims through the UPDATE again.
 */
static const char claim_upd_sql[] =
    "UPDATE login_attempts SET failures = IF(reset_at <= NOW(3), 1,"
    " failures + 1), reset_at = NOW(3) + INTERVAL ? MICROSECOND"
    " WHERE addr = ? AND email = ? AND (failures < ? OR reset_at <= NOW(3))";
static const char claim_ins_sql[] =
    "INSERT IGNORE INTO login_attempts (addr, email, failures, reset_at)"
    " VALUES (?, ?, 1, NOW(3) + INTERVAL ? MICROSECOND)";
static const char claim_get_sql[] =
    "SELECT IF(reset_at <= NOW(3), 0, failures), GREATEST(0,"
    " TIMESTAMPDIFF(MICROSECOND, NOW(3), reset_at) DIV 1000)"
    " FROM login_attempts WHERE addr = ? AND email = ?";
enum { CG_FAILURES, CG_LEFT_MS };
static const char claim_refund_sql[] =
    "UPDATE login_attempts SET failures = failures - 1"
    " WHERE addr = ? AND email = ? AND failures > 0";
static const char claim_clear_sql[] =
    "DELETE FROM login_attempts WHERE addr = ? AND email = ?";
static const char throttle_purge_sql[] =
    "DELETE FROM login_attempts WHERE reset_at < NOW(3)"
    " ORDER BY reset_at LIMIT ?";

/* A session ends at expires_at (session_lifetime) or when unused for
 * session_idle; last_seen_at is written at most every SEEN_EVERY
 * seconds, not on every page. */
#define SEEN_EVERY	"30"
static const char session_sql[] =
    "SELECT id, user_id, tenant_id, csrf_token,"
    " last_seen_at < NOW(3) - INTERVAL " SEEN_EVERY " SECOND FROM sessions"
    " WHERE token_hash = ? AND expires_at > NOW(3)"
    " AND last_seen_at > NOW(3) - INTERVAL ? MICROSECOND";
enum { SE_ID, SE_USER, SE_TENANT, SE_CSRF, SE_STALE };
static const char session_seen_sql[] =
    "UPDATE sessions SET last_seen_at = NOW(3) WHERE id = ?";
static const char session_once_set_sql[] =
    "UPDATE sessions SET secret_once = ? WHERE id = ?";
static const char session_once_take_sql[] =
    "UPDATE sessions SET secret_once = NULL WHERE id = ?"
    " AND secret_once = ?";
static const char session_sweep_sql[] =
    "DELETE FROM sessions WHERE expires_at < NOW(3) LIMIT 100";
static const char session_sweep_idle_sql[] =
    "DELETE FROM sessions WHERE last_seen_at < NOW(3) - INTERVAL ?"
    " MICROSECOND LIMIT 100";
static const char session_close_all_sql[] =
    "DELETE FROM sessions WHERE user_id = ?";
static const char session_open_sql[] =
    "INSERT INTO sessions (token_hash, user_id, tenant_id, csrf_token,"
    " expires_at) VALUES (?, ?, ?, ?,"
    " NOW(3) + INTERVAL ? * 1000 MICROSECOND)";
static const char session_close_sql[] =
    "DELETE FROM sessions WHERE token_hash = ?";

enum account_err
account_user_create(struct db *db, unsigned long long tenant,
    const char *email, const char *password, unsigned long long *id)
{
	char			*hash;
	enum account_err	 rc = ACCOUNT_ERR;

	if ((hash = cr_password_hash(password)) == NULL)
		return ACCOUNT_ERR;
	if (db_exec(db, user_create_sql, "uss", tenant, email, hash) == -1) {
		if (db_err_is_dup(db))
			rc = ACCOUNT_DUP;
	} else {
		*id = db_insert_id(db);
		rc = ACCOUNT_OK;
	}
	free(hash);
	return rc;
}

int
account_verify(struct db *db, const char *email, const char *password,
    unsigned long long *user, unsigned long long *tenant)
{
	/* Same work for an unknown email, so timing tells nothing. */
	static const char dummy[] = "$scrypt$ln=15,r=8,p=1$"
	    "AAAAAAAAAAAAAAAAAAAAAA$"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	struct dbres	*res;
	int		 ok = 0;

	if (db_query(db, &res, user_sql, "s", email) == -1)
		return -1;
	if (res->r_nrow == 1) {
		ok = cr_password_verify(password, dbres_get(res, 0, US_HASH));
		*user = (unsigned long long)dbres_int(res, 0, US_ID);
		*tenant = (unsigned long long)dbres_int(res, 0, US_TENANT);
	} else
		(void)cr_password_verify(password, dummy);
	dbres_free(res);
	return ok;
}

void
account_addr_key(const char *remote, char *out, size_t outsz)
{
	unsigned char	 a[16];
	char		 t[INET6_ADDRSTRLEN];
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (remote == NULL || *remote == '\0') {
		snprintf(out, outsz, "unknown");
		return;
	}
	if (inet_pton(AF_INET6, remote, a) != 1) {
		snprintf(out, outsz, "%s", remote);
		return;
	}
	/* An IPv4 client seen through a dual-stack socket is that client. */
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		inet_ntop(AF_INET, a + 12, t, sizeof(t));
		snprintf(out, outsz, "%s", t);
		return;
	}
	/* One IPv6 subscriber holds a whole /64 and may use any address in
	 * it: counting per address would give each guess a fresh count. */
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, t, sizeof(t));
	snprintf(out, outsz, "%s/64", t);
}

/* Claim one attempt on the row (addr, email) with limit max: 1
 * claimed, 0 at its limit, -1 database error. */
static int
claim_row(struct db *db, const char *addr, const char *email, unsigned max,
    long long window_ms)
{
	long long	 n;
	int		 pass, tries = 0;

	/* Each statement stands alone (autocommit): one that deadlocked
	 * was rolled back whole and the claim starts over. */
again:
	for (pass = 0; pass < 2; pass++) {
		if ((n = db_exec(db, claim_upd_sql, "issi", window_ms * 1000,
		    addr, email, (long long)max)) == -1)
			goto fail;
		if (n > 0)
			return 1;
		if (pass == 1)
			break;
		if ((n = db_exec(db, claim_ins_sql, "ssi", addr, email,
		    window_ms * 1000)) == -1)
			goto fail;
		if (n > 0)
			return 1;
	}
	return 0;
fail:
	if (db_err_is_retry(db) && ++tries < 3)
		goto again;
	return -1;
}

/* The row's live count and how long until it resets. */
static int
claim_get(struct db *db, const char *addr, const char *email,
    long long *failures, long long *left_ms)
{
	struct dbres	*res;

	*failures = *left_ms = 0;
	if (db_query(db, &res, claim_get_sql, "ss", addr, email) == -1)
		return -1;
	if (res->r_nrow == 1) {
		*failures = dbres_int(res, 0, CG_FAILURES);
		*left_ms = dbres_int(res, 0, CG_LEFT_MS);
	}
	dbres_free(res);
	return 0;
}

enum account_claim
account_throttle_claim(struct db *db, const char *email, const char *addr,
    const struct account_limits *lim, long long *failures, long long *left_ms)
{
	long long	 dummy;
	int		 rc;

	*failures = *left_ms = 0;
	/* The pair first: a locked (email, address) costs its address
	 * nothing more. */
	if ((rc = claim_row(db, addr, email, lim->al_pair_max,
	    lim->al_window_ms)) == -1)
		return ACCOUNT_CLAIM_ERR;
	if (rc == 0) {
		if (claim_get(db, addr, email, failures, left_ms) == -1)
			return ACCOUNT_CLAIM_ERR;
		return ACCOUNT_LOCKED_PAIR;
	}
	if ((rc = claim_row(db, addr, "", lim->al_addr_max,
	    lim->al_window_ms)) == -1)
		return ACCOUNT_CLAIM_ERR;
	if (rc == 0) {
		(void)db_exec(db, claim_refund_sql, "ss", addr, email);
		if (claim_get(db, addr, "", &dummy, left_ms) == -1)
			return ACCOUNT_CLAIM_ERR;
		return ACCOUNT_LOCKED_ADDR;
	}
	if (claim_get(db, addr, email, failures, &dummy) == -1)
		return ACCOUNT_CLAIM_ERR;
	return ACCOUNT_CLAIMED;
}

void
account_throttle_refund(struct db *db, const char *email, const char *addr)
{
	(void)db_exec(db, claim_clear_sql, "ss", addr, email);
	(void)db_exec(db, claim_refund_sql, "ss", addr, "");
}

long long
account_throttle_purge(struct db *db, unsigned max_rows)
{
	return db_exec(db, throttle_purge_sql, "i", (long long)max_rows);
}

int
account_session_find(struct db *db, const char *token, long long idle_ms,
    struct account_session *s)
{
	unsigned char	 h[CR_SHA256_LEN];
	struct dbres	*res;
	int		 found;

	memset(s, 0, sizeof(*s));
	cr_sha256(token, strlen(token), h);
	if (db_query(db, &res, session_sql, "bi", (const char *)h,
	    sizeof(h), idle_ms * 1000) == -1)
		return -1;
	if ((found = res->r_nrow == 1)) {
		/* A failed write only shortens the session. */
		if (dbres_int(res, 0, SE_STALE) == 1)
			(void)db_exec(db, session_seen_sql, "i",
			    dbres_int(res, 0, SE_ID));
		s->as_id = (unsigned long long)dbres_int(res, 0, SE_ID);
		s->as_user = (unsigned long long)dbres_int(res, 0, SE_USER);
		s->as_tenant = (unsigned long long)dbres_int(res, 0,
		    SE_TENANT);
		s->as_csrf = xstrdup(dbres_get(res, 0, SE_CSRF));
	}
	dbres_free(res);
	return found;
}

int
account_session_open(struct db *db, unsigned long long user,
    unsigned long long tenant, long long ttl_ms, long long idle_ms,
    char **token, char **csrf)
{
	unsigned char	 h[CR_SHA256_LEN];

	*token = *csrf = NULL;
	(void)db_exec(db, session_sweep_sql, "");
	(void)db_exec(db, session_sweep_idle_sql, "i", idle_ms * 1000);
	if ((*token = cr_token("", 32)) == NULL ||
	    (*csrf = cr_token("", 32)) == NULL)
		goto fail;
	cr_sha256(*token, strlen(*token), h);
	if (db_exec(db, session_open_sql, "buusi", (const char *)h,
	    sizeof(h), user, tenant, *csrf, ttl_ms) == -1)
		goto fail;
	return 0;
fail:
	free(*token);
	free(*csrf);
	*token = *csrf = NULL;
	return -1;
}

int
account_session_once_set(struct db *db, unsigned long long sid,
    unsigned long long endpoint)
{
	return db_exec(db, session_once_set_sql, "uu", endpoint, sid) == -1 ?
	    -1 : 0;
}

int
account_session_once_take(struct db *db, unsigned long long sid,
    unsigned long long endpoint)
{
	long long	 n;

	if ((n = db_exec(db, session_once_take_sql, "uu", sid,
	    endpoint)) == -1)
		return -1;
	return n == 1;
}

void
account_session_close(struct db *db, const char *token)
{
	unsigned char	 h[CR_SHA256_LEN];

	cr_sha256(token, strlen(token), h);
	(void)db_exec(db, session_close_sql, "b", (const char *)h, sizeof(h));
}

long long
account_session_close_all(struct db *db, unsigned long long user)
{
	return db_exec(db, session_close_all_sql, "u", user);
}

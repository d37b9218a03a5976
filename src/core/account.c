/* The admin account model (see account.h). */
#include "config.h"

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

static const char throttle_sql[] =
    "SELECT failures, GREATEST(0,"
    " TIMESTAMPDIFF(MICROSECOND, NOW(3), locked_until) DIV 1000)"
    " FROM login_throttle WHERE email = ?";
enum { TH_FAILURES, TH_LOCKED_MS };
static const char throttle_fail_sql[] =
    "INSERT INTO login_throttle (email, failures, locked_until)"
    " VALUES (?, 1, NULL) ON DUPLICATE KEY UPDATE"
    " failures = IF(locked_until IS NOT NULL AND"
    " locked_until <= NOW(3), 1, failures + 1), locked_until ="
    " IF(failures >= ?, NOW(3) + INTERVAL ? * 1000 MICROSECOND,"
    " NULL), updated_at = NOW(3)";
static const char throttle_clear_sql[] =
    "DELETE FROM login_throttle WHERE email = ?";

static const char session_sql[] =
    "SELECT user_id, tenant_id, csrf_token FROM sessions"
    " WHERE token_hash = ? AND expires_at > NOW(3)";
enum { SE_USER, SE_TENANT, SE_CSRF };
static const char session_sweep_sql[] =
    "DELETE FROM sessions WHERE expires_at < NOW(3) LIMIT 100";
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

int
account_throttle_get(struct db *db, const char *email, long long *failures,
    long long *locked_ms)
{
	struct dbres	*res;

	*failures = *locked_ms = 0;
	if (db_query(db, &res, throttle_sql, "s", email) == -1)
		return -1;
	if (res->r_nrow == 1) {
		*failures = dbres_int(res, 0, TH_FAILURES);
		*locked_ms = dbres_int(res, 0, TH_LOCKED_MS);
	}
	dbres_free(res);
	return 0;
}

int
account_throttle_fail(struct db *db, const char *email,
    unsigned max_failures, long long lockout_ms)
{
	return db_exec(db, throttle_fail_sql, "sii", email,
	    (long long)max_failures, lockout_ms) == -1 ? -1 : 0;
}

void
account_throttle_clear(struct db *db, const char *email)
{
	(void)db_exec(db, throttle_clear_sql, "s", email);
}

int
account_session_find(struct db *db, const char *token,
    struct account_session *s)
{
	unsigned char	 h[CR_SHA256_LEN];
	struct dbres	*res;
	int		 found;

	memset(s, 0, sizeof(*s));
	cr_sha256(token, strlen(token), h);
	if (db_query(db, &res, session_sql, "b", (const char *)h,
	    sizeof(h)) == -1)
		return -1;
	if ((found = res->r_nrow == 1)) {
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
    unsigned long long tenant, long long ttl_ms, char **token, char **csrf)
{
	unsigned char	 h[CR_SHA256_LEN];

	*token = *csrf = NULL;
	(void)db_exec(db, session_sweep_sql, "");
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

void
account_session_close(struct db *db, const char *token)
{
	unsigned char	 h[CR_SHA256_LEN];

	cr_sha256(token, strlen(token), h);
	(void)db_exec(db, session_close_sql, "b", (const char *)h, sizeof(h));
}

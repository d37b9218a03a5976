/* The API key model (see apikey.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "apikey.h"
#include "crypto.h"
#include "db.h"

/*
 * Keys are 32 random bytes, so SHA-256 of the key is a safe lookup
 * handle: finding the row by hash reveals nothing a guess would not, and
 * the final comparison is constant-time anyway.
 */
static const char auth_sql[] =
    "SELECT id, tenant_id, key_hash,"
    " revoked_at IS NOT NULL, last_used_at IS NULL OR"
    " last_used_at < NOW(3) - INTERVAL 1 MINUTE"
    " FROM api_keys WHERE key_hash = ?";
enum { AA_ID, AA_TENANT, AA_HASH, AA_REVOKED, AA_STALE };
static const char touch_sql[] =
    "UPDATE api_keys SET last_used_at = NOW(3) WHERE id = ?";
static const char create_sql[] =
    "INSERT INTO api_keys (tenant_id, key_hash, prefix, name)"
    " VALUES (?, ?, ?, ?)";
static const char revoke_sql[] =
    "UPDATE api_keys SET revoked_at = NOW(3)"
    " WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL";

/* The shown part of a key ("mpk_" and 8 more), for telling keys apart. */
#define APIKEY_PREFIX_LEN	12

enum apikey_auth
apikey_auth(struct db *db, const char *key, size_t keylen,
    unsigned long long *tenant)
{
	unsigned char		 hash[CR_SHA256_LEN];
	struct dbres		*res;
	enum apikey_auth	 rc;

	cr_sha256(key, keylen, hash);
	if (db_query(db, &res, auth_sql, "b", (const char *)hash,
	    sizeof(hash)) == -1)
		return AK_DB;
	if (res->r_nrow != 1 ||
	    dbres_len(res, 0, AA_HASH) != sizeof(hash) ||
	    CRYPTO_memcmp(dbres_get(res, 0, AA_HASH), hash, sizeof(hash)) != 0)
		rc = AK_INVALID;
	else if (dbres_int(res, 0, AA_REVOKED) != 0)
		rc = AK_REVOKED;
	else {
		*tenant = (unsigned long long)dbres_int(res, 0, AA_TENANT);
		/* At most one write a minute per key, not one per request;
		 * losing it to an error costs nothing. */
		if (dbres_int(res, 0, AA_STALE) != 0)
			(void)db_exec(db, touch_sql, "u",
			    (unsigned long long)dbres_int(res, 0, AA_ID));
		rc = AK_VALID;
	}
	dbres_free(res);
	return rc;
}

char *
apikey_create(struct db *db, unsigned long long tenant, const char *name,
    unsigned long long *id)
{
	char		*key;
	unsigned char	 h[CR_SHA256_LEN];

	if ((key = cr_token("mpk_", 32)) == NULL)
		return NULL;
	cr_sha256(key, strlen(key), h);
	if (db_exec(db, create_sql, "ubbs", tenant, (const char *)h,
	    sizeof(h), key, (size_t)APIKEY_PREFIX_LEN, name) == -1) {
		free(key);
		return NULL;
	}
	*id = db_insert_id(db);
	return key;
}

int
apikey_revoke(struct db *db, unsigned long long tenant,
    unsigned long long id)
{
	long long	 n;

	if ((n = db_exec(db, revoke_sql, "uu", id, tenant)) == -1)
		return -1;
	return n > 0;
}

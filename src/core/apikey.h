/* API keys: a tenant's Bearer credentials for the JSON API.  Only the
 * SHA-256 of a key and its first 12 characters are stored. */
#ifndef WH_APIKEY_H
#define WH_APIKEY_H

#include <stddef.h>

struct db;

enum apikey_auth {
	AK_VALID = 0,
	AK_INVALID,	/* no such key */
	AK_REVOKED,
	AK_DB		/* database error */
};

/* Whose key is key (keylen bytes)?  AK_VALID sets *tenant and notes the
 * key's use (last_used_at, at most once a minute). */
enum apikey_auth apikey_auth(struct db *, const char *key, size_t keylen,
		    unsigned long long *tenant);
/* A new key for the tenant: the key (free it; it is shown once, never
 * stored) with its row id in *id, or NULL. */
char		*apikey_create(struct db *, unsigned long long tenant,
		    const char *name, unsigned long long *id);
/* Revoke the tenant's active key id: 1 revoked, 0 no such active key of
 * the tenant, -1 database error. */
int		 apikey_revoke(struct db *, unsigned long long tenant,
		    unsigned long long id);

#endif

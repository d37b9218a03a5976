/* Tenants: the accounts that own endpoints, events, API keys and admin
 * users. */
#ifndef WH_TENANT_H
#define WH_TENANT_H

struct db;

/* A tenant and its first API key (named "default"), in one transaction:
 * 0 with *id and *key set (free it; it is shown once), or -1. */
int	tenant_create(struct db *, const char *name, unsigned long long *id,
	    char **key);
/* 1 if the tenant exists, 0 if not, -1 on a database error. */
int	tenant_exists(struct db *, unsigned long long id);

#endif

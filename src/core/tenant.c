/* The tenant model (see tenant.h). */
#include "config.h"

#include <stdlib.h>

#include "apikey.h"
#include "db.h"
#include "tenant.h"

static const char create_sql[] =
    "INSERT INTO tenants (name) VALUES (?)";
static const char exists_sql[] =
    "SELECT id FROM tenants WHERE id = ?";

static int
tenant_create_once(struct db *db, const char *name, unsigned long long *id,
    char **key)
{
	unsigned long long	 kid;

	*key = NULL;
	if (db_begin(db) == -1)
		return -1;
	if (db_exec(db, create_sql, "s", name) == -1)
		goto fail;
	*id = db_insert_id(db);
	if ((*key = apikey_create(db, *id, "default", &kid)) == NULL)
		goto fail;
	if (db_commit(db) == -1) {
		free(*key);
		*key = NULL;
		return -1;
	}
	return 0;
fail:
	db_rollback(db);
	return -1;
}

/* The transaction again after a conflict or a connection lost before
 * its COMMIT, both of which rolled it back. */
int
tenant_create(struct db *db, const char *name, unsigned long long *id,
    char **key)
{
	int	 tries;

	for (tries = 0; tries < DB_TX_TRIES; tries++)
		if (tenant_create_once(db, name, id, key) == 0)
			return 0;
		else if (!db_tx_again(db))
			break;
	return -1;
}

int
tenant_exists(struct db *db, unsigned long long id)
{
	struct dbres	*r;
	int		 ok;

	if (db_query(db, &r, exists_sql, "u", id) == -1)
		return -1;
	ok = r->r_nrow == 1;
	dbres_free(r);
	return ok;
}

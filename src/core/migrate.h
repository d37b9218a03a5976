/* Schema migrations: numbered files NNN_name.sql, applied in order,
 * recorded in schema_migrations, safe to run twice or from two hosts at
 * once (each version is claimed by inserting its row first). */
#ifndef WH_MIGRATE_H
#define WH_MIGRATE_H

#include <stdio.h>

struct db;

/* Directory of the migrations: $WEBHOOKS_SQL_DIR or the installed one. */
const char	*migrate_default_dir(void);
/* 0 on success; prints one line per migration to out. */
int		 migrate_run(struct db *, const char *dir, int dry_run,
		    FILE *out);

#endif

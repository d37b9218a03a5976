/* Schema migrations. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "catalog.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "util.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/share/momentumpro-webhooks"
#endif

/* How long a "running" row may stand before another host assumes its
 * migrator died and takes over. */
#define STALE_MINUTES	"10"

const char *
migrate_default_dir(void)
{
	const char	*env = getenv("WEBHOOKS_SQL_DIR");

	return env != NULL && *env != '\0' ? env : PKGDATADIR "/sql";
}

static int
read_file(const char *path, struct buf *b)
{
	FILE	*f;
	char	 chunk[8192];
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(b, chunk, n);
	if (ferror(f)) {
		log_err("%s: read error", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_migration(const char *n)
{
	size_t	 l = strlen(n);

	return l > 8 && isdigit((unsigned char)n[0]) &&
	    isdigit((unsigned char)n[1]) && isdigit((unsigned char)n[2]) &&
	    n[3] == '_' && strcmp(n + l - 4, ".sql") == 0;
}

/* 1: we own the version and must apply it; 0: already done; -1: error. */
static int
claim(struct db *db, long long ver, const char *name, const char *host)
{
	struct dbres	*r;
	const char	*st;
	int		 i;

	for (i = 0; i < 9000; i++) {
		if (db_exec(db, "INSERT INTO schema_migrations (version, name,"
		    " state, host, started_at) VALUES (?, ?, 'running', ?,"
		    " NOW(3))", "iss", ver, name, host) == 1)
			return 1;
		if (!db_err_is_dup(db) && !db_err_is_retry(db))
			return -1;
		if (db_query(db, &r, "SELECT state FROM schema_migrations"
		    " WHERE version = ?", "i", ver) == -1)
			return -1;
		st = dbres_get(r, 0, 0);
		if (st != NULL && strcmp(st, "done") == 0) {
			dbres_free(r);
			return 0;
		}
		dbres_free(r);
		if (db_exec(db, "UPDATE schema_migrations SET host = ?,"
		    " started_at = NOW(3) WHERE version = ? AND"
		    " state = 'running' AND started_at < NOW(3) - INTERVAL "
		    STALE_MINUTES " MINUTE", "si", host, ver) == 1) {
			log_warn("taking over migration %s from a migrator "
			    "that stopped", name);
			return 1;
		}
		util_sleep_ms(100);
	}
	log_err("migration %s is still being applied by another host",
	    name);
	return -1;
}

int
migrate_run(struct db *db, const char *dir, int dry_run, FILE *out)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, host[256], err[512];
	size_t		 n = 0, i, cap = 0, applied = 0;
	struct buf	 path, sql;
	struct dbres	*r;
	const char	*errstr;
	long long	 ver;
	int		 rc = -1, own;

	buf_init(&path);
	buf_init(&sql);
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if ((d = opendir(dir)) == NULL) {
		log_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_migration(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			names = xrealloc(names, cap * sizeof(char *));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(char *), cmp);

	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
	    " name VARCHAR(255) NOT NULL,"
	    " state ENUM('running','done') NOT NULL,"
	    " host VARCHAR(255) NOT NULL,"
	    " started_at DATETIME(3) NOT NULL,"
	    " finished_at DATETIME(3) NULL"
	    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", "") == -1)
		goto out;

	for (i = 0; i < n; i++) {
		ver = util_strntonum(names[i], 3, 0, 999, &errstr);
		if (errstr != NULL)
			continue;
		if (dry_run) {
			if (db_query(db, &r, "SELECT state FROM "
			    "schema_migrations WHERE version = ?", "i",
			    ver) == -1)
				goto out;
			if (r->r_nrow == 0 || strcmp(dbres_get(r, 0, 0),
			    "done") != 0)
				fprintf(out, "would apply %s\n", names[i]);
			dbres_free(r);
			continue;
		}
		if ((own = claim(db, ver, names[i], host)) == -1)
			goto out;
		if (own == 0)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, names[i]);
		buf_reset(&sql);
		if (read_file(buf_cstr(&path), &sql) == -1 ||
		    db_script(db, sql.b_data, sql.b_len) == -1) {
			log_err("migration %s failed; fix it and run migrate "
			    "again", names[i]);
			db_exec(db, "DELETE FROM schema_migrations WHERE "
			    "version = ? AND state = 'running'", "i", ver);
			goto out;
		}
		if (db_exec(db, "UPDATE schema_migrations SET state = 'done',"
		    " finished_at = NOW(3) WHERE version = ?", "i", ver) == -1)
			goto out;
		fprintf(out, "applied %s\n", names[i]);
		applied++;
	}

	buf_reset(&path);
	buf_printf(&path, "%s/catalog.json", dir);
	buf_reset(&sql);
	if (read_file(buf_cstr(&path), &sql) == -1)
		goto out;
	if (dry_run) {
		size_t cnt;

		if (catalog_check(sql.b_data, sql.b_len, &cnt, err,
		    sizeof(err)) == -1) {
			log_err("%s", err);
			goto out;
		}
		fprintf(out, "would load %zu event types\n", cnt);
	} else {
		/* Two migrators upserting at once can deadlock: retry. */
		for (i = 0; i < 5; i++) {
			if (catalog_load(db, sql.b_data, sql.b_len, err,
			    sizeof(err)) == 0)
				break;
			if (!db_err_is_retry(db)) {
				log_err("%s", err);
				goto out;
			}
		}
		if (i == 5) {
			log_err("%s", err);
			goto out;
		}
		fprintf(out, "schema up to date (%zu applied now)\n", applied);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&path);
	buf_free(&sql);
	return rc;
}

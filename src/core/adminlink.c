/* The sign-in link model (see adminlink.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adminlink.h"
#include "crypto.h"
#include "db.h"

#define TOKEN_BYTES	32

static const char user_find_sql[] =
    "SELECT id, tenant_id FROM users WHERE email = ?";
enum { UF_ID, UF_TENANT };
/* A user made for a link has no password: "!" is no scrypt string, so
 * cr_password_verify never accepts one, and the password form stays
 * closed to it until an operator sets one. */
static const char user_add_sql[] =
    "INSERT INTO users (tenant_id, email, password_hash) VALUES (?, ?, '!')";
static const char link_add_sql[] =
    "INSERT INTO admin_links (token_hash, tenant_id, user_id, redirect,"
    " expires_at) VALUES (?, ?, ?, ?, NOW(3) + INTERVAL ? MICROSECOND)";
static const char link_expiry_sql[] =
    "SELECT " DB_SQL_TIME("expires_at") " FROM admin_links WHERE id = ?";
/* Links past their expiry by a day say nothing useful any more. */
static const char link_purge_sql[] =
    "DELETE FROM admin_links WHERE expires_at < NOW(3) - INTERVAL 1 DAY"
    " LIMIT 100";
/* The use itself: one statement, so of two uses at once one matches. */
static const char link_use_sql[] =
    "UPDATE admin_links SET used_at = NOW(3) WHERE token_hash = ?"
    " AND used_at IS NULL AND expires_at > NOW(3)";
static const char link_get_sql[] =
    "SELECT user_id, tenant_id, redirect, used_at IS NOT NULL,"
    " expires_at <= NOW(3) FROM admin_links WHERE token_hash = ?";
enum { LG_USER, LG_TENANT, LG_REDIRECT, LG_USED, LG_EXPIRED };

int
adminlink_email_ok(const char *email)
{
	const char	*at, *p;
	size_t		 n = strlen(email);

	if (n < 3 || n > 254 || (at = strchr(email, '@')) == NULL ||
	    at == email || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (p = email; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '<' ||
		    *p == '>' || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

int
adminlink_redirect_ok(const char *u)
{
	const char	*p, *seg;
	size_t		 n = strlen(u), len;

	if (n == 0 || n > ADMINLINK_REDIRECT_MAX)
		return 0;
	if (strncmp(u, "/admin", 6) != 0 || (u[6] != '\0' && u[6] != '/' &&
	    u[6] != '?'))
		return 0;
	/* The path: segments of letters, digits and - _ . only.  No "//"
	 * (a browser reads "//host" as another site), no "." or ".."
	 * segment (no way out of /admin), no %-escape or backslash (which
	 * browsers turn into those). */
	for (p = u; *p == '/'; ) {
		seg = ++p;
		while (*p != '\0' && *p != '/' && *p != '?') {
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '_' || *p == '.'))
				return 0;
			p++;
		}
		len = (size_t)(p - seg);
		if (len == 0 && *p == '/')
			return 0;
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
	}
	if (*p == '\0')
		return 1;
	if (*p != '?')
		return 0;
	/* The query: printable ASCII, no fragment, nothing that needs
	 * escaping in an attribute or a Location header. */
	for (p++; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    *p == '#' || *p == '\\' || *p == '"' || *p == '\'' ||
		    *p == '<' || *p == '>' || *p == '`')
			return 0;
	return 1;
}

/* The user of email: 1 (*user and *owner set), 0 none, -1 error. */
static int
user_find(struct db *db, const char *email, unsigned long long *user,
    unsigned long long *owner)
{
	struct dbres	*res;
	int		 found;

	if (db_query(db, &res, user_find_sql, "s", email) == -1)
		return -1;
	if ((found = res->r_nrow == 1)) {
		*user = (unsigned long long)dbres_int(res, 0, UF_ID);
		*owner = (unsigned long long)dbres_int(res, 0, UF_TENANT);
	}
	dbres_free(res);
	return found;
}

enum adminlink_err
adminlink_create(struct db *db, unsigned long long tenant, const char *email,
    const char *redirect, long long lifetime_ms, char **token,
    char expires_at[32])
{
	unsigned char		 h[CR_SHA256_LEN];
	unsigned long long	 user = 0, owner = 0, id;
	struct dbres		*res = NULL;
	int			 found;

	*token = NULL;
	expires_at[0] = '\0';
	if ((found = user_find(db, email, &user, &owner)) == -1)
		return AL_ERR;
	if (found == 0) {
		if (db_exec(db, user_add_sql, "us", tenant, email) == -1) {
			/* Made meanwhile by another request: look again. */
			if (!db_err_is_dup(db) || user_find(db, email, &user,
			    &owner) != 1)
				return AL_ERR;
		} else {
			user = db_insert_id(db);
			owner = tenant;
		}
	}
	/* Never a way into another tenant: the email names one user, and
	 * that user belongs to one tenant. */
	if (owner != tenant)
		return AL_OTHER_TENANT;
	(void)db_exec(db, link_purge_sql, "");
	if ((*token = cr_token("", TOKEN_BYTES)) == NULL)
		return AL_ERR;
	cr_sha256(*token, strlen(*token), h);
	if (db_exec(db, link_add_sql, "buusi", (const char *)h, sizeof(h),
	    tenant, user, redirect, lifetime_ms * 1000) == -1)
		goto fail;
	id = db_insert_id(db);
	if (db_query(db, &res, link_expiry_sql, "u", id) == -1 ||
	    res->r_nrow != 1)
		goto fail;
	snprintf(expires_at, 32, "%s", dbres_get(res, 0, 0));
	dbres_free(res);
	return AL_OK;
fail:
	dbres_free(res);
	free(*token);
	*token = NULL;
	return AL_ERR;
}

/* The row of token: AL_OK with *res (one row), AL_UNKNOWN or AL_ERR. */
static enum adminlink_err
link_get(struct db *db, const char *token, struct dbres **res)
{
	unsigned char	 h[CR_SHA256_LEN];

	cr_sha256(token, strlen(token), h);
	if (db_query(db, res, link_get_sql, "b", (const char *)h, sizeof(h))
	    == -1)
		return AL_ERR;
	if ((*res)->r_nrow != 1) {
		dbres_free(*res);
		*res = NULL;
		return AL_UNKNOWN;
	}
	return AL_OK;
}

enum adminlink_err
adminlink_state(struct db *db, const char *token)
{
	struct dbres		*res;
	enum adminlink_err	 rc;

	if ((rc = link_get(db, token, &res)) != AL_OK)
		return rc;
	if (dbres_int(res, 0, LG_USED))
		rc = AL_USED;
	else if (dbres_int(res, 0, LG_EXPIRED))
		rc = AL_EXPIRED;
	dbres_free(res);
	return rc;
}

enum adminlink_err
adminlink_consume(struct db *db, const char *token, unsigned long long *user,
    unsigned long long *tenant, char *redirect, size_t outsz)
{
	unsigned char		 h[CR_SHA256_LEN];
	struct dbres		*res;
	enum adminlink_err	 rc;
	long long		 n;

	cr_sha256(token, strlen(token), h);
	if ((n = db_exec(db, link_use_sql, "b", (const char *)h, sizeof(h)))
	    == -1)
		return AL_ERR;
	if ((rc = link_get(db, token, &res)) != AL_OK)
		return rc;
	if (n == 1) {
		*user = (unsigned long long)dbres_int(res, 0, LG_USER);
		*tenant = (unsigned long long)dbres_int(res, 0, LG_TENANT);
		snprintf(redirect, outsz, "%s", dbres_get(res, 0,
		    LG_REDIRECT));
	} else if (dbres_int(res, 0, LG_USED))
		rc = AL_USED;
	else
		rc = AL_EXPIRED;
	dbres_free(res);
	return rc;
}

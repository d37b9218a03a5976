/* Sign-in links for embedding: a single-use link, made through the API
 * with a tenant's key, that signs one user in to that tenant's admin.
 * Only the SHA-256 of a link's token is stored. */
#ifndef WH_ADMINLINK_H
#define WH_ADMINLINK_H

#include <stddef.h>

struct db;

#define ADMINLINK_REDIRECT_MAX	512
#define ADMINLINK_REDIRECT_DEFAULT	"/admin/webhooks"

enum adminlink_err {
	AL_OK = 0,
	AL_OTHER_TENANT,	/* the email is a user of another tenant */
	AL_UNKNOWN,		/* no such link */
	AL_USED,		/* used already */
	AL_EXPIRED,		/* not used in time */
	AL_ERR			/* database error */
};

/* Is email a plausible address (what webhooksctl user create takes)?
 * 1 or 0. */
int	adminlink_email_ok(const char *email);
/* Does redirect stay on our admin pages: "/admin" or "/admin/...", a
 * path of plain segments (no "." or ".." segment, no "//", no
 * backslash, no %-escape) and an optional query of printable ASCII
 * without backslash, quotes or angle brackets; no fragment, no control
 * character, at most ADMINLINK_REDIRECT_MAX bytes.  1 or 0. */
int	adminlink_redirect_ok(const char *redirect);

/* A link for the user of tenant with email (created without a password
 * when there is none; AL_OTHER_TENANT when another tenant has it),
 * valid for lifetime_ms: AL_OK with *token (free it) and expires_at
 * (RFC 3339, UTC) set. */
enum adminlink_err adminlink_create(struct db *, unsigned long long tenant,
	    const char *email, const char *redirect, long long lifetime_ms,
	    char **token, char expires_at[32]);
/* What a link is now, without using it: AL_OK (usable), AL_UNKNOWN,
 * AL_USED, AL_EXPIRED or AL_ERR. */
enum adminlink_err adminlink_state(struct db *, const char *token);
/* Use the link: AL_OK once (user, tenant and redirect, of outsz bytes,
 * set), then AL_USED; AL_UNKNOWN, AL_EXPIRED or AL_ERR. */
enum adminlink_err adminlink_consume(struct db *, const char *token,
	    unsigned long long *user, unsigned long long *tenant,
	    char *redirect, size_t outsz);

#endif

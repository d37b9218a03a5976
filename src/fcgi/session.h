/* Admin sign-in: sessions in MariaDB, the session cookie (the only
 * cookie), CSRF tokens and wrong-password throttling. */
#ifndef WH_SESSION_H
#define WH_SESSION_H

struct req;

/* Over plain HTTP "mp_session"; when the cookie is Secure
 * ([security] secure_cookies) "__Host-mp_session", which browsers accept
 * only from a secure origin, with Path=/ and no Domain, so no other
 * host or plain-http page can plant or shadow it. */
#define SESSION_COOKIE	"mp_session"
#define SESSION_COOKIE_SECURE	"__Host-mp_session"

/* For AUTH_SESSION routes: sets r_user, r_tenant and r_csrf, or answers
 * (redirect to the login page, 403 on a bad CSRF token) and returns -1.
 * For POST it reads the body and checks the form's csrf field. */
int	wh_auth_session(struct req *);

/* Open a session for the user of tenant and set its cookie, as a
 * sign-in with a password does: 0, or -1 (database error, nothing
 * answered). */
int	session_start(struct req *, unsigned long long user,
	    unsigned long long tenant);
/* 1 when the request has no Origin or names this host, else 0. */
int	session_same_origin(const struct req *);
/* Show a new endpoint's secret once on its page: set after create, taken
 * (1 if it names id, and cleared) by the page. */
void	session_once_set(struct req *, unsigned long long id);
int	session_once_take(struct req *, unsigned long long id);

void	admin_login_get(struct req *);
void	admin_login_post(struct req *);
void	admin_logout_post(struct req *);
/* "Sign out everywhere": every session of the signed-in user ends. */
void	admin_logout_everywhere_post(struct req *);

#endif

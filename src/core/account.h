/* Admin accounts: users and their passwords, the wrong-password
 * throttle, and sign-in sessions.  A session is found by its token,
 * of which only the SHA-256 is stored; its CSRF token is kept with it. */
#ifndef WH_ACCOUNT_H
#define WH_ACCOUNT_H

struct db;

enum account_err {
	ACCOUNT_OK = 0,
	ACCOUNT_DUP,		/* a user with this email exists */
	ACCOUNT_ERR		/* database or hashing error */
};

/* A new user of the tenant; the password is stored as its slow hash.
 * ACCOUNT_OK sets *id. */
enum account_err account_user_create(struct db *, unsigned long long tenant,
		    const char *email, const char *password,
		    unsigned long long *id);
/* Is password the user's?  1 yes (*user and *tenant set), 0 wrong or no
 * such user (taking as long either way), -1 database error. */
int		 account_verify(struct db *, const char *email,
		    const char *password, unsigned long long *user,
		    unsigned long long *tenant);

/* The email's recent wrong passwords and how long (ms, 0 for not) it
 * stays locked: 0, or -1 on a database error. */
int		 account_throttle_get(struct db *, const char *email,
		    long long *failures, long long *locked_ms);
/* One more wrong password; the max_failures-th locks the email for
 * lockout_ms, and the first after a lock ended counts from 1 again.
 * 0, or -1. */
int		 account_throttle_fail(struct db *, const char *email,
		    unsigned max_failures, long long lockout_ms);
/* The right password: the count starts afresh.  An error is ignored. */
void		 account_throttle_clear(struct db *, const char *email);

struct account_session {
	unsigned long long	 as_user;
	unsigned long long	 as_tenant;
	char			*as_csrf;	/* the caller frees it */
};
/* The unexpired session of token: 1 (*s filled), 0 none, -1 database
 * error. */
int		 account_session_find(struct db *, const char *token,
		    struct account_session *s);
/* A new session of ttl_ms for the user, its token and CSRF token in
 * *token and *csrf (free both): 0, or -1.  Sweeps a few expired ones. */
int		 account_session_open(struct db *, unsigned long long user,
		    unsigned long long tenant, long long ttl_ms, char **token,
		    char **csrf);
/* Sign out: the session of token ends.  An error is ignored. */
void		 account_session_close(struct db *, const char *token);

#endif

/* Admin accounts: users and their passwords, the wrong-password
 * throttle, and sign-in sessions.  A session is found by its token,
 * of which only the SHA-256 is stored; its CSRF token is kept with it. */
#ifndef WH_ACCOUNT_H
#define WH_ACCOUNT_H

#include <stddef.h>

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

/*
 * The wrong-password throttle counts per (email, client address) and per
 * address: a guesser at one address gets al_pair_max tries at an email
 * and al_addr_max in all before waiting al_window_ms, while the owner
 * signing in from another address is not locked out by them.
 */
struct account_limits {
	unsigned	 al_pair_max;	/* login_max_failures */
	unsigned	 al_addr_max;	/* login_max_failures_per_address */
	long long	 al_window_ms;	/* login_lockout */
};
enum account_claim {
	ACCOUNT_CLAIMED = 0,	/* check the password; *failures counts this */
	ACCOUNT_LOCKED_PAIR,	/* this email from this address: wait */
	ACCOUNT_LOCKED_ADDR,	/* anything from this address: wait */
	ACCOUNT_CLAIM_ERR	/* database error */
};
/* The throttle's key for a client address (REMOTE_ADDR): an IPv4
 * address as is (also when IPv4-mapped), an IPv6 address as its /64
 * ("2001:db8:1:2::/64"), "unknown" for none.  outsz of 46 is enough. */
void		 account_addr_key(const char *remote, char *out,
		    size_t outsz);
/* Count this attempt before the password is checked, atomically: at
 * most the limit of concurrent attempts are claimed.  A wrong password
 * leaves the claim counted; *left_ms says how long a lock lasts. */
enum account_claim account_throttle_claim(struct db *, const char *email,
		    const char *addr, const struct account_limits *,
		    long long *failures, long long *left_ms);
/* The right password: the pair's count starts afresh and the address
 * gets this attempt back.  An error is ignored. */
void		 account_throttle_refund(struct db *, const char *email,
		    const char *addr);
/* Delete up to max_rows counts whose window is over: how many, or -1. */
long long	 account_throttle_purge(struct db *, unsigned max_rows);

struct account_session {
	unsigned long long	 as_id;
	unsigned long long	 as_user;
	unsigned long long	 as_tenant;
	char			*as_csrf;	/* the caller frees it */
};
/* The session of token, unexpired and used within idle_ms (which it
 * now is again): 1 (*s filled), 0 none, -1 database error. */
int		 account_session_find(struct db *, const char *token,
		    long long idle_ms, struct account_session *s);
/* A new session of ttl_ms for the user, its token and CSRF token in
 * *token and *csrf (free both): 0, or -1.  Sweeps a few expired ones. */
int		 account_session_open(struct db *, unsigned long long user,
		    unsigned long long tenant, long long ttl_ms,
		    long long idle_ms, char **token, char **csrf);
/* The one-time view of a new endpoint's secret, kept in the session:
 * set names the endpoint (0, or -1); take clears it and answers 1 when
 * it named this endpoint, 0 when not, -1 on a database error. */
int		 account_session_once_set(struct db *, unsigned long long sid,
		    unsigned long long endpoint);
int		 account_session_once_take(struct db *, unsigned long long sid,
		    unsigned long long endpoint);
/* Sign out: the session of token ends.  An error is ignored. */
void		 account_session_close(struct db *, const char *token);
/* Sign out everywhere: every session of user ends.  How many, or -1. */
long long	 account_session_close_all(struct db *, unsigned long long user);

#endif

/* The in-memory database of the fuzz harnesses (fake_db.c). */
#ifndef WH_FAKE_DB_H
#define WH_FAKE_DB_H

#include <stddef.h>

struct db;

/* Failures to act out, as bits of fake_db_reset's mode. */
#define FAKE_BEGIN_GONE		0x01	/* BEGIN: server gone */
#define FAKE_IDEM_FRESH		0x02	/* key lookup finds a fresh answer */
#define FAKE_IDEM_STALE		0x04	/* key lookup finds an expired one */
#define FAKE_IDEM_DUP		0x08	/* key insert loses a race */
#define FAKE_INSERT_RETRY	0x10	/* event insert: deadlock */
#define FAKE_COMMIT_RETRY	0x20	/* COMMIT: deadlock */
#define FAKE_TYPES_FAIL		0x40	/* catalog query: server gone */
#define FAKE_MODE_MASK		0x7f

struct fake_db {
	unsigned		 f_mode;
	/* The catalog that "SELECT name, category FROM event_types"
	 * returns; kept across fake_db_reset. */
	const char *const	*f_type_names;
	const char *const	*f_type_cats;
	size_t			 f_ntypes;
	/* What happened during one request. */
	int			 f_in_tx;
	int			 f_idem_won;
	unsigned		 f_begins, f_commits, f_commit_fails;
	unsigned		 f_rollbacks;
	unsigned		 f_tx_events, f_committed_events;
	unsigned long long	 f_insert_id;	/* the last id given */
	unsigned long long	 f_first_id;	/* the last statement's first */
};

extern struct fake_db	 fake_db;

struct db	*fake_db_handle(void);
void		 fake_db_reset(unsigned mode);

#endif

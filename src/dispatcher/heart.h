/* Heartbeats: every dispatcher has a row in `dispatchers` that it
 * refreshes every heartbeat_interval.  One whose heartbeat is older than
 * heartbeat_timeout is dead; the first live dispatcher to see it deletes
 * its row and makes the deliveries it held due at once, so a SIGKILL or
 * a lost host costs seconds, not the lease.  A dispatcher does the same
 * sooner for dispatchers of its own host whose process is gone, once
 * they have missed two heartbeats. */
#ifndef WH_HEART_H
#define WH_HEART_H

#include <stdint.h>
#include <sys/types.h>

struct conf;
struct db;

/* What a heartbeat reports (webhooksctl status shows it). */
struct heart_stats {
	unsigned		 hs_in_flight;
	unsigned		 hs_held;
	unsigned long long	 hs_claimed;	/* deliveries claimed */
	unsigned long long	 hs_released;	/* given back unsent */
};

struct heart;

struct heart	*heart_new(const struct conf *, struct db *, const char *id,
		    const char *host, pid_t pid);
void		 heart_free(struct heart *);

/* Before the first claim: deliveries this dispatcher's id held in an
 * earlier life (a pid reused after a reboot) are due again.  Run before
 * any claim of this process, since after one it would give back what
 * this process holds.  0, or -1 (logged; they wait for their lease). */
int		 heart_start(struct heart *);

/* One beat at monotonic time now: the own row, then the dead.  Returns
 * the number of deliveries made due again (the caller claims at once
 * when > 0), or -1 when the database failed (tried again next beat). */
long long	 heart_beat(struct heart *, const struct heart_stats *,
		    int64_t now);
/* Live dispatchers (heartbeat younger than heartbeat_timeout) as of
 * the last beat that reached the database; 1 before the first. */
unsigned	 heart_live(const struct heart *);

/* A clean stop: the own row goes. */
void		 heart_stop(struct heart *);

/* Is the process pid of this host gone?  (kill(pid, 0) says ESRCH.) */
int		 heart_pid_gone(long pid);

#endif

/* Heartbeats and the reaping of dead dispatchers (see heart.h). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "db.h"
#include "heart.h"
#include "log.h"
#include "util.h"

struct heart {
	const struct conf	*h_cf;
	struct db		*h_db;
	char			*h_id;
	char			*h_host;
	long			 h_pid;
	int64_t			 h_ok_since;	/* beating without a gap since
						   (mono ms), 0: not now */
	int64_t			 h_last_ok;
	unsigned		 h_live;
};

static const char beat_sql[] =
    "INSERT INTO dispatchers (id, host, pid, started_at, heartbeat_at,"
    " in_flight, held, claimed, released)"
    " VALUES (?, ?, ?, NOW(3), NOW(3), ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE heartbeat_at = NOW(3),"
    " in_flight = VALUES(in_flight), held = VALUES(held),"
    " claimed = VALUES(claimed), released = VALUES(released)";

/* What a dead dispatcher held is due now.  A range of deliveries_held. */
static const char release_sql[] =
    "UPDATE deliveries FORCE INDEX (deliveries_held)"
    " SET claimed_by = NULL, claim_token = NULL, next_attempt_at = NOW(3)"
    " WHERE claimed_by = ? AND status IN ('pending', 'retrying')";

/* Only one reaper wins: the row goes with the heartbeat still stale. */
static const char reap_sql[] =
    "DELETE FROM dispatchers WHERE id = ?"
    " AND heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND";

/* Every dispatcher, and whether its heartbeat is stale: one read of a
 * small table gives the live count and the dead to reap. */
static const char all_sql[] =
    "SELECT id, heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND"
    " FROM dispatchers";

/* This host's other dispatchers that have missed a heartbeat or two,
 * by their rows, and by the rows they hold when they have none (one
 * that died before its first heartbeat).  A fresh heartbeat vouches for
 * a dispatcher whose pid this process cannot see (another pid
 * namespace under the same host name). */
static const char host_sql[] =
    "SELECT id, pid FROM dispatchers WHERE host = ? AND id <> ?"
    " AND heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND"
    " UNION SELECT DISTINCT claimed_by, NULL FROM deliveries"
    " FORCE INDEX (deliveries_held)"
    " WHERE claimed_by LIKE ? AND claimed_by <> ?"
    " AND claimed_by NOT IN (SELECT id FROM dispatchers)";

struct heart *
heart_new(const struct conf *cf, struct db *db, const char *id,
    const char *host, pid_t pid)
{
	struct heart	*h;

	h = xcalloc(1, sizeof(*h));
	h->h_cf = cf;
	h->h_db = db;
	h->h_id = xstrdup(id);
	h->h_host = xstrdup(host);
	h->h_pid = (long)pid;
	return h;
}

void
heart_free(struct heart *h)
{
	if (h == NULL)
		return;
	free(h->h_id);
	free(h->h_host);
	free(h);
}

int
heart_pid_gone(long pid)
{
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
}

/* Delete dispatcher id's row (only while its heartbeat is older than
 * stale_us, unless stale_us is negative) and make what it held due, in
 * one transaction.  Returns the deliveries released, or -1. */
static long long
reap_once(struct heart *h, const char *id, long long stale_us)
{
	long long	 n, rel = 0;

	if (db_begin(h->h_db) == -1)
		return -1;
	if (stale_us >= 0)
		n = db_exec(h->h_db, reap_sql, "si", id, stale_us);
	else
		n = db_exec(h->h_db, "DELETE FROM dispatchers WHERE id = ?",
		    "s", id);
	if (n == -1)
		goto fail;
	/* Without a row (a dispatcher gone before its first heartbeat)
	 * only the start's sweep comes here. */
	if ((n > 0 || stale_us < 0) &&
	    (rel = db_exec(h->h_db, release_sql, "s", id)) == -1)
		goto fail;
	if (db_commit(h->h_db) == -1)
		return -1;
	if (n > 0 || rel > 0)
		log_warn("dispatcher %s is gone (%s): %lld deliveries it "
		    "held are due again", id, stale_us >= 0 ?
		    "no heartbeat" : "its process ended", rel);
	return rel;
fail:
	db_rollback(h->h_db);
	return -1;
}

/* reap_once again after a conflict or a connection lost before COMMIT:
 * a failover of the cluster must not leave a dead dispatcher's leases
 * held until they run out. */
static long long
reap(struct heart *h, const char *id, long long stale_us)
{
	long long	 rel;
	int		 tries;

	for (tries = 0; tries < DB_TX_TRIES; tries++)
		if ((rel = reap_once(h, id, stale_us)) != -1 ||
		    !db_tx_again(h->h_db))
			break;
	return rel;
}

/* Dispatchers of this host whose process is gone need no timeout to be
 * known dead: a dispatcher restarted after a SIGKILL sends what the
 * dead one held at once. */
static long long
host_sweep(struct heart *h)
{
	struct dbres	*r;
	struct buf	 like;
	long long	 n, total = 0;
	const char	*id;
	size_t		 i;

	buf_init(&like);
	/* The host name is ours, but % and _ in it would be wildcards. */
	for (id = h->h_host; *id != '\0'; id++) {
		if (*id == '%' || *id == '_' || *id == '\\')
			buf_putc(&like, '\\');
		buf_putc(&like, *id);
	}
	buf_puts(&like, ":%");
	if (db_query(h->h_db, &r, host_sql, "ssiss", h->h_host, h->h_id,
	    h->h_cf->cf_heartbeat_ms * 2000, buf_cstr(&like), h->h_id) == -1) {
		buf_free(&like);
		return -1;
	}
	buf_free(&like);
	for (i = 0; i < r->r_nrow; i++) {
		const char	*pid, *colon;

		id = dbres_get(r, i, 0);
		if (id == NULL || (colon = strrchr(id, ':')) == NULL)
			continue;
		pid = dbres_get(r, i, 1) != NULL ? dbres_get(r, i, 1) :
		    colon + 1;
		if (!heart_pid_gone(strtol(pid, NULL, 10)))
			continue;
		if ((n = reap(h, id, -1)) == -1) {
			dbres_free(r);
			return -1;
		}
		total += n;
	}
	dbres_free(r);
	return total;
}

long long
heart_beat(struct heart *h, const struct heart_stats *st, int64_t now)
{
	const struct conf	*cf = h->h_cf;
	struct dbres		*r;
	long long		 n, total = 0, stale_us;
	unsigned		 live;
	size_t			 i;

	if ((n = host_sweep(h)) == -1)
		goto fail;
	total += n;
	if ((n = db_exec(h->h_db, beat_sql, "ssiiiuu", h->h_id, h->h_host,
	    (long long)h->h_pid, (long long)st->hs_in_flight,
	    (long long)st->hs_held, st->hs_claimed, st->hs_released)) == -1)
		goto fail;
	/* 1: inserted.  Past the first beat that means another took this
	 * dispatcher for dead (it was cut off for heartbeat_timeout): what
	 * it holds may be sent by others as well meanwhile. */
	if (n == 1 && h->h_last_ok != 0)
		log_warn("heartbeat: this dispatcher was taken for dead and "
		    "registered again; deliveries in flight may be sent "
		    "twice");
	stale_us = cf->cf_heartbeat_timeout_ms * 1000;
	if (db_query(h->h_db, &r, all_sql, "i", stale_us) == -1)
		goto fail;
	for (i = 0, live = 0; i < r->r_nrow; i++)
		live += dbres_int(r, i, 1) == 0;
	h->h_live = live;
	if (h->h_ok_since == 0 || now - h->h_last_ok > 3 * cf->cf_heartbeat_ms)
		h->h_ok_since = now;
	h->h_last_ok = now;
	/* Judge others only after beating without a gap for a whole
	 * timeout: after a database outage every heartbeat is old, and
	 * the others need that long to beat again. */
	for (i = 0; i < r->r_nrow; i++) {
		if (now - h->h_ok_since < cf->cf_heartbeat_timeout_ms ||
		    dbres_int(r, i, 1) == 0 ||
		    strcmp(dbres_get(r, i, 0), h->h_id) == 0)
			continue;
		if ((n = reap(h, dbres_get(r, i, 0), stale_us)) == -1) {
			dbres_free(r);
			goto fail;
		}
		total += n;
	}
	dbres_free(r);
	return total;
fail:
	h->h_ok_since = 0;
	return -1;
}

int
heart_start(struct heart *h)
{
	long long	 n;

	if ((n = db_exec(h->h_db, release_sql, "s", h->h_id)) == -1) {
		log_warn("heartbeat: %s; deliveries an earlier dispatcher of "
		    "this id held wait for their lease", db_error(h->h_db));
		return -1;
	}
	if (n > 0)
		log_warn("%lld deliveries held by an earlier dispatcher with "
		    "this id (%s) are due again", n, h->h_id);
	return 0;
}

unsigned
heart_live(const struct heart *h)
{
	return h->h_live > 0 ? h->h_live : 1;
}

void
heart_stop(struct heart *h)
{
	if (db_exec(h->h_db, "DELETE FROM dispatchers WHERE id = ?", "s",
	    h->h_id) == -1)
		log_warn("heartbeat: %s; the row of this dispatcher stays "
		    "until another finds it stale", db_error(h->h_db));
}

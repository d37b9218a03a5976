/*
 * webhooks-dispatcher: claims due deliveries from MariaDB, sends them
 * concurrently, records every attempt and schedules retries.  Any number
 * may run against one database.
 *
 * One thread, one loop: claim while there are free slots and work is
 * due, run transfers, write finished results in batches, purge old data
 * now and then, and sleep in curl_multi_poll until a transfer moves, a
 * wake-up datagram arrives from ingest, a retry falls due or the poll
 * interval passes.  The database being away only pauses claiming and
 * writing; results wait in memory.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "record.h"
#include "send.h"
#include "util.h"
#include "version.h"

#define RETENTION_EVERY_MS	(5 * 60 * 1000)
#define RETENTION_AGAIN_MS	1000
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
/* How long after the stop deadline results may still wait for the
 * database before they are given up (their leases then expire). */
#define STOP_DB_GRACE_MS	5000
/* A retry is claimed this long after it falls due: next_attempt_at is
 * stored truncated to the millisecond, relative to a NOW(3) a round trip
 * away. */
#define DUE_SLACK_MS		10
#define DUE_MAX			4096

static volatile sig_atomic_t	 got_stop;
static int			 sig_pipe[2] = { -1, -1 };

/* Retry times this dispatcher scheduled, soonest first, so a retry
 * goes out when due and not at the next poll.  When full the rest are
 * found by polling. */
struct dueheap {
	int64_t		 h_v[DUE_MAX];
	size_t		 h_n;
};

struct disp {
	struct conf	 d_cf;
	struct db	*d_db;
	struct sender	*d_snd;
	struct recorder	*d_rec;
	char		 d_id[64];		/* host:pid, claimed_by */
	int		 d_wake_fd;
	int		 d_wake;		/* a datagram: claim now */
	int		 d_more;		/* the last claim was full */
	int64_t		 d_next_poll;
	int64_t		 d_db_at;		/* no database work before */
	int64_t		 d_db_backoff;
	int		 d_db_down;
	int64_t		 d_next_retention;
	int		 d_stopping;
	int64_t		 d_stop_at;		/* then cut transfers off */
	struct dueheap	 d_due;
};

static void
usage(void)
{
	fprintf(stderr, "usage: webhooks-dispatcher [-c file]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	int	 saved = errno;

	(void)sig;
	got_stop = 1;
	(void)write(sig_pipe[1], "s", 1);
	errno = saved;
}

static void
due_push(struct dueheap *h, int64_t v)
{
	size_t	 i, p;
	int64_t	 t;

	if (h->h_n == DUE_MAX)
		return;
	for (i = h->h_n++, h->h_v[i] = v; i > 0; i = p) {
		p = (i - 1) / 2;
		if (h->h_v[p] <= h->h_v[i])
			break;
		t = h->h_v[p];
		h->h_v[p] = h->h_v[i];
		h->h_v[i] = t;
	}
}

static int64_t
due_top(const struct dueheap *h)
{
	return h->h_n > 0 ? h->h_v[0] : INT64_MAX;
}

static void
due_pop(struct dueheap *h)
{
	size_t	 i = 0, c;
	int64_t	 t;

	if (h->h_n == 0)
		return;
	h->h_v[0] = h->h_v[--h->h_n];
	while ((c = 2 * i + 1) < h->h_n) {
		if (c + 1 < h->h_n && h->h_v[c + 1] < h->h_v[c])
			c++;
		if (h->h_v[i] <= h->h_v[c])
			break;
		t = h->h_v[c];
		h->h_v[c] = h->h_v[i];
		h->h_v[i] = t;
		i = c;
	}
}

/* The sender is done with a job. */
static void
on_done(void *arg, struct job *j, enum send_end end, struct attempt *at)
{
	struct disp	*d = arg;
	struct verdict	 v;

	switch (end) {
	case SEND_SENT:
		record_attempt(d->d_rec, j, at, &v);
		if (v.v_status == RS_PENDING)
			due_push(&d->d_due, at->at_ended + v.v_delay_ms +
			    DUE_SLACK_MS);
		if (v.v_gone)
			send_endpoint_gone(d->d_snd, j->j_endpoint);
		break;
	case SEND_PAUSE:
		record_pause(d->d_rec, j);
		break;
	case SEND_RELEASE:
		record_release(d->d_rec, j, 0);
		break;
	}
	attempt_free(at);
	job_free(j);
}

static void
db_failed(struct disp *d, int64_t now)
{
	d->d_db_backoff = d->d_db_backoff == 0 ? BACKOFF_MIN_MS :
	    d->d_db_backoff * 2;
	if (d->d_db_backoff > BACKOFF_MAX_MS)
		d->d_db_backoff = BACKOFF_MAX_MS;
	d->d_db_at = now + d->d_db_backoff;
	if (!d->d_db_down)
		log_warn("database %s (%s); %zu results held, retrying",
		    db_err_is_gone(d->d_db) ? "unavailable" : "error",
		    db_error(d->d_db), record_pending(d->d_rec));
	d->d_db_down = 1;
}

static void
db_ok(struct disp *d)
{
	if (d->d_db_down)
		log_info("database reachable again");
	d->d_db_down = 0;
	d->d_db_backoff = 0;
	d->d_db_at = 0;
}

static size_t
free_slots(const struct disp *d)
{
	size_t	 busy = send_busy(d->d_snd);

	return busy < d->d_cf.cf_concurrency ?
	    d->d_cf.cf_concurrency - busy : 0;
}

/* Claiming in tiny batches costs a transaction each; while a backlog
 * lasts, wait until a quarter of the slots are free. */
static size_t
refill_threshold(const struct disp *d)
{
	size_t	 n = d->d_cf.cf_concurrency < d->d_cf.cf_claim_batch ?
	    d->d_cf.cf_concurrency : d->d_cf.cf_claim_batch;

	return n / 4 > 0 ? n / 4 : 1;
}

static int
claim_wanted(const struct disp *d, int64_t now)
{
	size_t	 slots = free_slots(d);

	if (d->d_stopping || now < d->d_db_at || slots == 0)
		return 0;
	if (d->d_wake || now >= d->d_next_poll || now >= due_top(&d->d_due))
		return 1;
	return d->d_more && (slots >= refill_threshold(d) ||
	    send_busy(d->d_snd) == 0);
}

static void
claim(struct disp *d, int64_t now)
{
	struct job	*list, *j;
	size_t		 max = free_slots(d);
	unsigned	 started = 0;
	int64_t		 defer;
	int		 n;

	if (max > d->d_cf.cf_claim_batch)
		max = d->d_cf.cf_claim_batch;
	d->d_wake = 0;
	d->d_more = 0;
	d->d_next_poll = now + d->d_cf.cf_poll_ms;
	while (due_top(&d->d_due) <= now)
		due_pop(&d->d_due);
	if ((n = claim_batch(d->d_db, &d->d_cf, d->d_id, (unsigned)max,
	    &list)) == -1) {
		db_failed(d, now);
		return;
	}
	db_ok(d);
	while ((j = list) != NULL) {
		list = j->j_next;
		j->j_next = NULL;
		if (!j->j_enabled) {
			record_pause(d->d_rec, j);
			job_free(j);
			continue;
		}
		/* send_take may finish j at once (a bad URL): j is not
		 * touched after it. */
		if (send_take(d->d_snd, j, &defer) == SEND_DEFER) {
			record_release(d->d_rec, j, defer);
			job_free(j);
		} else
			started++;
	}
	/* A full batch means more is due: claim again as slots free up.
	 * Even when all of it was deferred, since deferring moves those
	 * rows back and the next claim reaches what queues behind them. */
	d->d_more = (size_t)n == max;
	if (n > 0)
		log_debug("claimed %d, started or queued %u", n, started);
}

static void
flush(struct disp *d, int64_t now)
{
	if (record_pending(d->d_rec) == 0 || now < d->d_db_at)
		return;
	if (!d->d_stopping && now < record_due(d->d_rec))
		return;
	if (record_flush(d->d_rec) == -1)
		db_failed(d, now);
	else
		db_ok(d);
}

static void
retention(struct disp *d, int64_t now)
{
	int	 more;

	if (d->d_stopping || now < d->d_next_retention || now < d->d_db_at)
		return;
	more = record_retention(d->d_db, d->d_cf.cf_retention_days);
	if (more == -1) {
		log_warn("retention: %s; trying again later",
		    db_error(d->d_db));
		more = 0;
	}
	d->d_next_retention = now + (more ? RETENTION_AGAIN_MS :
	    RETENTION_EVERY_MS);
}

static void
stop_check(struct disp *d, int64_t now)
{
	if (got_stop && !d->d_stopping) {
		d->d_stopping = 1;
		d->d_stop_at = now + d->d_cf.cf_timeout_ms + 1000;
		log_info("stopping: %zu requests in flight, %zu waiting "
		    "(given back)", send_inflight(d->d_snd),
		    send_busy(d->d_snd) - send_inflight(d->d_snd));
		send_stop(d->d_snd, 0);
	}
	if (d->d_stopping && now >= d->d_stop_at &&
	    send_inflight(d->d_snd) > 0) {
		log_warn("stopping: cutting off %zu requests still in flight; "
		    "they will be sent again", send_inflight(d->d_snd));
		send_stop(d->d_snd, 1);
	}
}

/* The loop's exit condition.  (A cron-style --drain run would also end
 * here once nothing is due and nothing is in flight.) */
static int
finished(const struct disp *d, int64_t now)
{
	if (!d->d_stopping || send_busy(d->d_snd) > 0)
		return 0;
	if (record_pending(d->d_rec) == 0)
		return 1;
	if (now < d->d_stop_at + STOP_DB_GRACE_MS)
		return 0;
	log_warn("stopping: %zu results could not be written; their "
	    "deliveries will be sent again when their leases end",
	    record_pending(d->d_rec));
	return 1;
}

/* How long curl_multi_poll may sleep: until the next thing to do.
 * Transfer activity and the datagram socket wake it earlier. */
static int
sleep_ms(const struct disp *d, int64_t now)
{
	int64_t	 t = now + 1000, db = INT64_MAX;

	/* What needs the database, which waits out any backoff. */
	if (!d->d_stopping && free_slots(d) > 0) {
		if (d->d_next_poll < db)
			db = d->d_next_poll;
		if (due_top(&d->d_due) < db)
			db = due_top(&d->d_due);
		if (d->d_wake || (d->d_more && (free_slots(d) >=
		    refill_threshold(d) || send_busy(d->d_snd) == 0)))
			db = now;
	}
	if (record_pending(d->d_rec) > 0) {
		if (d->d_stopping)
			db = now;
		else if (record_due(d->d_rec) < db)
			db = record_due(d->d_rec);
	}
	if (!d->d_stopping && d->d_next_retention < db)
		db = d->d_next_retention;
	if (db < d->d_db_at)
		db = d->d_db_at;
	if (db < t)
		t = db;
	if (d->d_stopping && d->d_stop_at < t)
		t = d->d_stop_at;
	return t <= now ? 0 : (int)(t - now);
}

static void
drain_fd(int fd)
{
	char	 b[64];

	/* Both are non-blocking; read() takes one datagram at a time. */
	while (read(fd, b, sizeof(b)) > 0)
		continue;
}

/* The wake-up socket: ingest sends a datagram after each commit.  Best
 * effort: without it the poll interval alone guarantees progress. */
static int
wake_open(const char *addr)
{
	struct addrinfo	 hints, *res;
	char		 host[256];
	const char	*port;
	size_t		 hlen;
	int		 fd, on = 1, rc;

	if (addr == NULL || *addr == '\0')
		return -1;
	if ((port = strrchr(addr, ':')) == NULL ||
	    (hlen = (size_t)(port - addr)) >= sizeof(host)) {
		log_warn("wake_address %s is not host:port; polling only",
		    addr);
		return -1;
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port + 1, &hints, &res)) != 0) {
		log_warn("wake_address %s: %s; polling only", addr,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	/* Several dispatchers on one host may all bind it; the kernel
	 * hands each datagram to one of them, which is enough. */
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		log_warn("wake_address %s: %s; polling only", addr,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
signals_init(void)
{
	struct sigaction	 sa;

	if (pipe2(sig_pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

static void
run(struct disp *d)
{
	int		 fds[2], readable[2];
	int64_t		 now;

	fds[0] = d->d_wake_fd;
	fds[1] = sig_pipe[0];
	for (;;) {
		now = util_mono_ms();
		stop_check(d, now);
		if (claim_wanted(d, now))
			claim(d, now);
		send_perform(d->d_snd);
		now = util_mono_ms();
		flush(d, now);
		retention(d, now);
		if (finished(d, now))
			break;
		send_wait(d->d_snd, sleep_ms(d, util_mono_ms()), fds,
		    readable, 2);
		if (readable[0]) {
			drain_fd(d->d_wake_fd);
			d->d_wake = 1;
		}
		if (readable[1])
			drain_fd(sig_pipe[0]);
	}
}

int
main(int argc, char **argv)
{
	static struct disp	 d;
	const char		*cfile = NULL;
	char			 err[1024], host[48];
	int			 c;

	log_init("webhooks-dispatcher", LOG_INFO);
	while ((c = getopt(argc, argv, "c:h")) != -1)
		switch (c) {
		case 'c':
			cfile = optarg;
			break;
		default:
			usage();
		}
	if (optind != argc)
		usage();
	if (conf_load(&d.d_cf, conf_default_path(cfile), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "webhooks-dispatcher: %s\n", err);
		return 2;
	}
	log_set_level((enum log_level)d.d_cf.cf_log_level);
	if (cr_master_load(d.d_cf.cf_master_key_file, 1) == -1)
		return 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("curl_global_init failed");
		return 1;
	}
	if (signals_init() == -1) {
		log_err("signals: %s", strerror(errno));
		return 1;
	}
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(d.d_id, sizeof(d.d_id), "%s:%ld", host, (long)getpid());
	if (d.d_cf.cf_lease_ms <= d.d_cf.cf_timeout_ms)
		log_warn("lease (%lld ms) is not longer than timeout (%lld "
		    "ms): a slow request may be sent twice",
		    d.d_cf.cf_lease_ms, d.d_cf.cf_timeout_ms);
	d.d_wake_fd = wake_open(d.d_cf.cf_wake_addr);
	d.d_db = db_new(&d.d_cf);
	d.d_rec = record_new(&d.d_cf, d.d_db, d.d_id);
	if ((d.d_snd = send_new(&d.d_cf, on_done, &d)) == NULL) {
		log_err("curl_multi_init failed");
		return 1;
	}
	log_info("%s %s started as %s: concurrency %u, %u per endpoint, "
	    "lease %lld ms, %s", WH_PRODUCT, WH_VERSION, d.d_id,
	    d.d_cf.cf_concurrency, d.d_cf.cf_endpoint_concurrency,
	    d.d_cf.cf_lease_ms, d.d_wake_fd >= 0 ? "woken by ingest" :
	    "polling only");

	run(&d);

	log_info("stopped");
	send_free(d.d_snd);
	record_free(d.d_rec);
	db_free(d.d_db);
	if (d.d_wake_fd >= 0)
		close(d.d_wake_fd);
	curl_global_cleanup();
	conf_free(&d.d_cf);
	return 0;
}

/*
 * webhooks-dispatcher: claims due deliveries from MariaDB, sends them
 * concurrently, records every attempt and schedules retries.  Any number
 * may run against one database.
 *
 * Four threads.  The sending thread runs curl's multi loop (the
 * pattern of curl's 10-at-a-time.c): it decides when to claim and with
 * how much room, starts transfers, classifies outcomes and queues them,
 * and sleeps in curl_multi_poll until a transfer moves, a wake-up
 * datagram arrives from ingest, a retry falls due or the poll interval
 * passes.  Three database threads, each with its own connection, do the
 * rest: the claimer claims when asked and purges old data now and then,
 * the writer writes the queued outcomes in batches, the heart beats
 * (heart.c) and makes what dead dispatchers held due again.  Each backs
 * off on its own while MariaDB is away.  So a slow or absent database never holds up a
 * transfer or its timeout, a transfer never holds up a write, and a
 * claim's round trips overlap a write's.  The threads meet only in
 * struct dbside (one mutex) and the recorder's queue.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "claim.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "heart.h"
#include "log.h"
#include "record.h"
#include "send.h"
#include "util.h"
#include "watch.h"
#include "version.h"
#include "wake.h"

#define RETENTION_EVERY_MS	(5 * 60 * 1000)
#define RETENTION_AGAIN_MS	1000
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
/* The database thread looks at the result queue this often when nothing
 * else wakes it; a batch waits at most about this plus REC_WAIT_MS. */
#define DB_TICK_MS		20
/* How long results may wait for the database at exit before they are
 * given up (their leases then expire and they are sent again). */
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

/* One database thread. */
struct dbworker {
	const char	*w_name;
	pthread_t	 w_thread;
	struct db	*w_db;
	int64_t		 w_backoff;
	int		 w_down;
};

/* What the threads say to each other, under dbs_mu. */
struct dbside {
	pthread_mutex_t	 dbs_mu;
	pthread_cond_t	 dbs_cv;
	unsigned	 dbs_want;	/* asked: claim up to this many */
	struct claim_room dbs_room;	/* ... with this room */
	int		 dbs_more;	/* the answer left due rows */
	int		 dbs_kick;	/* the heart made rows due: claim */
	int		 dbs_stop;	/* asked: end (the writer: once
					   everything is written) */
	int		 dbs_answered;	/* a claim's answer is ready: */
	int		 dbs_n;		/* rows claimed, or -1 */
	struct job	*dbs_jobs;
	int64_t		 dbs_claim_at;	/* the claimer's backoff */
	int64_t		 dbs_write_at;	/* the writer's */
	int64_t		 dbs_beat_at;	/* the heart's */
};

struct disp {
	struct conf	 d_cf;
	char		 d_id[64];		/* host:pid, claimed_by */
	struct recorder	*d_rec;			/* all threads */
	struct dbside	 d_dbs;

	/* The sending thread's. */
	struct sender	*d_snd;
	int		 d_wake_fd;
	int		 d_wake;		/* a datagram: claim now */
	int		 d_more;		/* the last claim left due rows */
	unsigned	 d_asked;		/* claim asked, unanswered */
	unsigned long long d_finished;		/* jobs done, ever */
	unsigned long long d_finished_at;	/* ... at the last claim */
	int64_t		 d_next_poll;
	int64_t		 d_db_at;		/* no claim before */
	int		 d_stopping;
	int64_t		 d_stop_at;		/* then cut transfers off */
	int64_t		 d_drain_until;		/* --drain: stop claiming then */
	struct dueheap	 d_due;

	/* The database threads'. */
	struct dbworker	 d_claimer;
	struct dbworker	 d_writer;
	struct dbworker	 d_hearter;
	struct heart	*d_heart;
	int64_t		 d_next_retention;	/* the claimer's */
	struct claim_cache d_cache;		/* the claimer's */

	/* Written by the sending thread, read by the heart. */
	atomic_uint	 d_st_in_flight;
	atomic_uint	 d_st_held;
	atomic_ullong	 d_st_claimed;
	atomic_ullong	 d_st_released;
	atomic_uint	 d_live;		/* written by the heart */
};

static void
usage(void)
{
	fprintf(stderr, "usage: webhooks-dispatcher [-c file] [--drain]\n");
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

/* ---------------------------------------------------------------- database threads */

/* Back off after a failure: 100 ms doubling to 5 s; *at gets the time
 * to try again. */
static void
db_failed(struct disp *d, struct dbworker *w, int64_t now, int64_t *at)
{
	w->w_backoff = w->w_backoff == 0 ? BACKOFF_MIN_MS : w->w_backoff * 2;
	if (w->w_backoff > BACKOFF_MAX_MS)
		w->w_backoff = BACKOFF_MAX_MS;
	pthread_mutex_lock(&d->d_dbs.dbs_mu);
	*at = now + w->w_backoff;
	pthread_mutex_unlock(&d->d_dbs.dbs_mu);
	if (!w->w_down)
		log_warn("%s: database %s (%s); %zu results held, retrying",
		    w->w_name, db_err_is_gone(w->w_db) ? "unavailable" :
		    "error", db_error(w->w_db), record_pending(d->d_rec));
	w->w_down = 1;
}

static void
db_ok(struct disp *d, struct dbworker *w, int64_t *at)
{
	if (w->w_down)
		log_info("%s: database reachable again", w->w_name);
	w->w_down = 0;
	w->w_backoff = 0;
	pthread_mutex_lock(&d->d_dbs.dbs_mu);
	*at = 0;
	pthread_mutex_unlock(&d->d_dbs.dbs_mu);
}

static void
abstime(int64_t mono_ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(mono_ms / 1000);
	ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/* Wait on dbs_cv (held) until ready() or mono time t. */
static void
db_sleep(struct dbside *s, int64_t t, int (*ready)(const struct dbside *,
    int64_t))
{
	struct timespec	 ts;
	int64_t		 now;

	while ((now = util_mono_ms()) < t &&
	    (ready == NULL || !ready(s, now))) {
		abstime(t, &ts);
		pthread_cond_timedwait(&s->dbs_cv, &s->dbs_mu, &ts);
	}
}

static int
claimer_ready(const struct dbside *s, int64_t now)
{
	/* A stop does not wait out a backoff: nothing is asked by then. */
	return s->dbs_stop || (now >= s->dbs_claim_at && s->dbs_want > 0);
}

/* The writer and the heart wait for nothing but the stop (the writer
 * also for its next batch, by time). */
static int
stop_asked(const struct dbside *s, int64_t now)
{
	(void)now;
	return s->dbs_stop;
}

static void
retention(struct disp *d, int64_t now)
{
	struct dbworker	*w = &d->d_claimer;
	int		 more;

	if (now < d->d_next_retention)
		return;
	more = record_retention(w->w_db, d->d_cf.cf_retention_days,
	    d->d_cf.cf_idempotency_ms);
	if (more == -1) {
		log_warn("retention: %s; trying again later",
		    db_error(w->w_db));
		more = 0;
	}
	d->d_next_retention = now + (more ? RETENTION_AGAIN_MS :
	    RETENTION_EVERY_MS);
}

/* The claimer: claims when the sending thread asks, answers, and wakes
 * it; between claims, retention. */
static void *
claimer_main(void *arg)
{
	struct disp		*d = arg;
	struct dbside		*s = &d->d_dbs;
	struct dbworker		*w = &d->d_claimer;
	struct job		*jobs;
	struct claim_room	 room;
	unsigned		 want;
	int64_t			 now, t;
	int			 n, more;

	for (;;) {
		pthread_mutex_lock(&s->dbs_mu);
		t = d->d_next_retention;
		if (t < s->dbs_claim_at)
			t = s->dbs_claim_at;
		db_sleep(s, t, claimer_ready);
		now = util_mono_ms();
		if (s->dbs_stop) {
			pthread_mutex_unlock(&s->dbs_mu);
			break;
		}
		want = now >= s->dbs_claim_at ? s->dbs_want : 0;
		s->dbs_want -= want;
		room = s->dbs_room;
		if (want > 0)
			memset(&s->dbs_room, 0, sizeof(s->dbs_room));
		pthread_mutex_unlock(&s->dbs_mu);
		if (want > 0) {
			jobs = NULL;
			more = 0;
			room.cr_total = want;
			if ((n = claim_batch(w->w_db, &d->d_cf, d->d_id, &room,
			    &d->d_cache, &jobs, &more)) == -1)
				db_failed(d, w, now, &s->dbs_claim_at);
			else
				db_ok(d, w, &s->dbs_claim_at);
			free(room.cr_eps);
			free(room.cr_tenants);
			pthread_mutex_lock(&s->dbs_mu);
			s->dbs_answered = 1;
			s->dbs_n = n;
			s->dbs_more = more;
			s->dbs_jobs = jobs;
			pthread_mutex_unlock(&s->dbs_mu);
			send_wakeup(d->d_snd);
		} else if (now >= s->dbs_claim_at)
			retention(d, now);
	}
	return NULL;
}

/* The heart: a beat every heartbeat_interval, on a connection of its
 * own so that a long claim or write never delays it past the timeout;
 * rows it made due wake the sending thread to claim. */
static void *
heart_main(void *arg)
{
	struct disp		*d = arg;
	struct dbside		*s = &d->d_dbs;
	struct dbworker		*w = &d->d_hearter;
	struct heart_stats	 st;
	int64_t			 now, next = 0;
	long long		 n;

	for (;;) {
		pthread_mutex_lock(&s->dbs_mu);
		db_sleep(s, next, stop_asked);
		if (s->dbs_stop) {
			pthread_mutex_unlock(&s->dbs_mu);
			break;
		}
		pthread_mutex_unlock(&s->dbs_mu);
		now = util_mono_ms();
		st.hs_in_flight = atomic_load(&d->d_st_in_flight);
		st.hs_held = atomic_load(&d->d_st_held);
		st.hs_claimed = atomic_load(&d->d_st_claimed);
		st.hs_released = atomic_load(&d->d_st_released);
		if ((n = heart_beat(d->d_heart, &st, now)) == -1) {
			db_failed(d, w, now, &s->dbs_beat_at);
			next = s->dbs_beat_at;
			continue;
		}
		db_ok(d, w, &s->dbs_beat_at);
		atomic_store(&d->d_live, heart_live(d->d_heart));
		if (n > 0) {
			pthread_mutex_lock(&s->dbs_mu);
			s->dbs_kick = 1;
			pthread_mutex_unlock(&s->dbs_mu);
			send_wakeup(d->d_snd);
		}
		next = now + d->d_cf.cf_heartbeat_ms;
	}
	/* A clean stop: the row goes, so no one waits for it to go stale. */
	heart_stop(d->d_heart);
	return NULL;
}

/* The writer: writes queued results when a batch is due, and at the end
 * everything, giving up after STOP_DB_GRACE_MS without a database. */
static void *
writer_main(void *arg)
{
	struct disp	*d = arg;
	struct dbside	*s = &d->d_dbs;
	struct dbworker	*w = &d->d_writer;
	int64_t		 now, t, at, give_up = 0;
	int		 stop;

	for (;;) {
		now = util_mono_ms();
		/* New results do not signal: a tick finds them. */
		t = record_due(d->d_rec);
		if (t > now + DB_TICK_MS)
			t = now + DB_TICK_MS;
		pthread_mutex_lock(&s->dbs_mu);
		if (t < s->dbs_write_at)
			t = s->dbs_write_at;
		db_sleep(s, t, stop_asked);
		stop = s->dbs_stop;
		at = s->dbs_write_at;
		pthread_mutex_unlock(&s->dbs_mu);
		now = util_mono_ms();
		if (stop && give_up == 0)
			give_up = now + STOP_DB_GRACE_MS;
		if (now >= at && record_pending(d->d_rec) > 0 &&
		    (stop || now >= record_due(d->d_rec))) {
			if (record_flush(d->d_rec) == -1)
				db_failed(d, w, now, &s->dbs_write_at);
			else
				db_ok(d, w, &s->dbs_write_at);
		}
		if (stop && record_pending(d->d_rec) == 0)
			break;
		if (stop && now >= give_up) {
			log_warn("stopping: %zu results could not be written; "
			    "their deliveries will be sent again when their "
			    "leases end", record_pending(d->d_rec));
			break;
		}
		if (stop && now < at) {
			/* Wait out the backoff. */
			pthread_mutex_lock(&s->dbs_mu);
			db_sleep(s, at, NULL);
			pthread_mutex_unlock(&s->dbs_mu);
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- sending thread */

/* Give a claimed job back unsent, counted for the heartbeat. */
static void
release(struct disp *d, const struct job *j)
{
	record_release(d->d_rec, j, 0);
	atomic_fetch_add(&d->d_st_released, 1);
}

/* The sender is done with a job. */
static void
on_done(void *arg, struct job *j, enum send_end end, struct attempt *at)
{
	struct disp	*d = arg;
	struct verdict	 v;

	d->d_finished++;
	switch (end) {
	case SEND_SENT:
		record_attempt(d->d_rec, j, at, &v);
		if (v.v_status == RS_RETRYING && !v.v_resume)
			due_push(&d->d_due, at->at_ended + v.v_delay_ms +
			    DUE_SLACK_MS);
		if (v.v_gone)
			send_endpoint_gone(d->d_snd, j->j_endpoint);
		break;
	case SEND_PAUSE:
		record_pause(d->d_rec, j);
		break;
	case SEND_RELEASE:
		release(d, j);
		break;
	}
	attempt_free(at);
	job_free(j);
}

/* This dispatcher holds at most twice concurrency: what is in flight
 * and as much again waiting for a slot, so that a freed slot finds its
 * next request here rather than a claim's round trip away. */
static size_t
window(const struct disp *d)
{
	return (size_t)d->d_cf.cf_concurrency * 2;
}

static size_t
free_slots(const struct disp *d)
{
	size_t	 held = send_busy(d->d_snd) + d->d_asked;

	return held < window(d) ? window(d) - held : 0;
}

/* While a backlog lasts, claim again once twice an endpoint's
 * concurrency of jobs are done: a fast endpoint holds more than that
 * (send.c, ep_window), so it is fed before its waiting jobs run out,
 * and each claim takes a batch rather than a job or two. */
static size_t
refill_threshold(const struct disp *d)
{
	return (size_t)d->d_cf.cf_endpoint_concurrency * 2;
}

static int
claim_now(const struct disp *d, int64_t now)
{
	if (d->d_wake || now >= d->d_next_poll || now >= due_top(&d->d_due))
		return 1;
	return d->d_more && (d->d_finished - d->d_finished_at >=
	    refill_threshold(d) || send_busy(d->d_snd) == 0);
}

static void
ask_claim(struct disp *d, int64_t now)
{
	struct claim_room	 room;
	size_t			 max = free_slots(d);
	int			 look;

	if (d->d_stopping || d->d_asked > 0 || now < d->d_db_at || max == 0 ||
	    !claim_now(d, now))
		return;
	/* Anything but a backlog's refill may have made new endpoints
	 * due. */
	look = d->d_wake || now >= d->d_next_poll ||
	    now >= due_top(&d->d_due) || send_busy(d->d_snd) == 0;
	if (max > d->d_cf.cf_claim_batch)
		max = d->d_cf.cf_claim_batch;
	d->d_wake = 0;
	d->d_more = 0;
	d->d_finished_at = d->d_finished;
	d->d_next_poll = now + d->d_cf.cf_poll_ms;
	while (due_top(&d->d_due) <= now)
		due_pop(&d->d_due);
	memset(&room, 0, sizeof(room));
	room.cr_rediscover = look;
	room.cr_live = atomic_load(&d->d_live);
	room.cr_ep_cap = d->d_cf.cf_endpoint_concurrency;
	room.cr_tenant_window = send_tenant_cap(&d->d_cf) * 2;
	send_room(d->d_snd, &room);
	d->d_asked = (unsigned)max;
	pthread_mutex_lock(&d->d_dbs.dbs_mu);
	free(d->d_dbs.dbs_room.cr_eps);
	free(d->d_dbs.dbs_room.cr_tenants);
	d->d_dbs.dbs_room = room;
	d->d_dbs.dbs_want = (unsigned)max;
	pthread_cond_broadcast(&d->d_dbs.dbs_cv);
	pthread_mutex_unlock(&d->d_dbs.dbs_mu);
}

/* Take a claim's answer: hand its jobs to the sender, which keeps every
 * one until it is sent. */
static void
take_claim(struct disp *d)
{
	struct job	*list, *j;
	int		 n, more;

	pthread_mutex_lock(&d->d_dbs.dbs_mu);
	if (d->d_dbs.dbs_kick) {
		d->d_dbs.dbs_kick = 0;
		d->d_wake = 1;
	}
	if (!d->d_dbs.dbs_answered) {
		pthread_mutex_unlock(&d->d_dbs.dbs_mu);
		return;
	}
	d->d_dbs.dbs_answered = 0;
	n = d->d_dbs.dbs_n;
	more = d->d_dbs.dbs_more;
	list = d->d_dbs.dbs_jobs;
	d->d_dbs.dbs_jobs = NULL;
	d->d_db_at = d->d_dbs.dbs_claim_at;
	pthread_mutex_unlock(&d->d_dbs.dbs_mu);
	d->d_asked = 0;
	while ((j = list) != NULL) {
		list = j->j_next;
		j->j_next = NULL;
		if (d->d_stopping)
			release(d, j);
		else if (!j->j_enabled)
			record_pause(d->d_rec, j);
		else {
			send_take(d->d_snd, j);
			continue;
		}
		job_free(j);
	}
	if (n > 0)
		atomic_fetch_add(&d->d_st_claimed, (unsigned long long)n);
	send_start(d->d_snd);
	/* Due rows were left for want of room: claim again as jobs are
	 * done. */
	d->d_more = n >= 0 && more;
	if (n > 0)
		log_debug("claimed %d", n);
}

static void
stop_check(struct disp *d, int64_t now)
{
	/* Cron mode ends like a SIGTERM: claims stop, what is in flight
	 * finishes, the rest goes back to the queue. */
	if ((got_stop || (d->d_drain_until != 0 && now >= d->d_drain_until))
	    && !d->d_stopping) {
		d->d_stopping = 1;
		d->d_stop_at = now + d->d_cf.cf_timeout_ms + 1000;
		log_info("stopping: %zu requests in flight, %zu waiting "
		    "(given back)", send_inflight(d->d_snd),
		    send_busy(d->d_snd) - send_inflight(d->d_snd));
		send_stop(d->d_snd, 0);
		/* A claim not yet taken (the claimer backing off) is
		 * withdrawn; one under way is waited for. */
		pthread_mutex_lock(&d->d_dbs.dbs_mu);
		if (d->d_dbs.dbs_want > 0) {
			d->d_dbs.dbs_want = 0;
			d->d_asked = 0;
		}
		pthread_mutex_unlock(&d->d_dbs.dbs_mu);
	}
	if (d->d_stopping && now >= d->d_stop_at &&
	    send_inflight(d->d_snd) > 0) {
		log_warn("stopping: cutting off %zu requests still in flight; "
		    "they will be sent again", send_inflight(d->d_snd));
		send_stop(d->d_snd, 1);
	}
}

/* The loop's exit condition: stopping and nothing left in this thread's
 * hands.  (A cron-style --drain run would also end here once nothing is
 * due and nothing is in flight.) */
static int
finished(const struct disp *d)
{
	return d->d_stopping && send_busy(d->d_snd) == 0 && d->d_asked == 0;
}

/* How long curl_multi_poll may sleep: until the next thing to do.
 * Transfer activity, the datagram socket and the database thread's
 * answer wake it earlier. */
static int
sleep_ms(const struct disp *d, int64_t now)
{
	int64_t	 t = now + 1000;

	if (!d->d_stopping && d->d_asked == 0 && free_slots(d) > 0) {
		if (d->d_next_poll < t)
			t = d->d_next_poll;
		if (due_top(&d->d_due) < t)
			t = due_top(&d->d_due);
		if (claim_now(d, now))
			t = now;
		if (t < d->d_db_at)
			t = d->d_db_at;
	}
	if (d->d_stopping && d->d_stop_at < t)
		t = d->d_stop_at;
	return t <= now ? 0 : (int)(t - now);
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

/* The database threads, started with SIGTERM and SIGINT blocked so they
 * always reach the sending thread's loop. */
static int
db_start(struct disp *d)
{
	struct dbside		*s = &d->d_dbs;
	pthread_condattr_t	 ca;
	sigset_t		 block, old;
	int			 rc;

	pthread_mutex_init(&s->dbs_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->dbs_cv, &ca);
	pthread_condattr_destroy(&ca);
	d->d_claimer.w_name = "claimer";
	d->d_writer.w_name = "writer";
	d->d_hearter.w_name = "heartbeat";
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if ((rc = pthread_create(&d->d_claimer.w_thread, NULL, claimer_main,
	    d)) == 0) {
		if ((rc = pthread_create(&d->d_writer.w_thread, NULL,
		    writer_main, d)) != 0) {
			s->dbs_stop = 1;
			pthread_cond_broadcast(&s->dbs_cv);
			pthread_join(d->d_claimer.w_thread, NULL);
		} else if ((rc = pthread_create(&d->d_hearter.w_thread, NULL,
		    heart_main, d)) != 0) {
			s->dbs_stop = 1;
			pthread_cond_broadcast(&s->dbs_cv);
			pthread_join(d->d_claimer.w_thread, NULL);
			pthread_join(d->d_writer.w_thread, NULL);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_err("pthread_create: %s", strerror(rc));
		return -1;
	}
	return 0;
}

/* The claimer ends at once (nothing is asked of it by now), the writer
 * when everything is written. */
static void
db_stop(struct disp *d)
{
	struct dbside	*s = &d->d_dbs;

	pthread_mutex_lock(&s->dbs_mu);
	s->dbs_stop = 1;
	pthread_cond_broadcast(&s->dbs_cv);
	pthread_mutex_unlock(&s->dbs_mu);
	pthread_join(d->d_claimer.w_thread, NULL);
	pthread_join(d->d_writer.w_thread, NULL);
	pthread_join(d->d_hearter.w_thread, NULL);
	free(s->dbs_room.cr_eps);
	free(s->dbs_room.cr_tenants);
	claim_cache_free(&d->d_cache);
	pthread_cond_destroy(&s->dbs_cv);
	pthread_mutex_destroy(&s->dbs_mu);
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
		take_claim(d);
		ask_claim(d, now);
		send_perform(d->d_snd);
		atomic_store(&d->d_st_in_flight,
		    (unsigned)send_inflight(d->d_snd));
		atomic_store(&d->d_st_held, (unsigned)send_busy(d->d_snd));
		if (finished(d))
			break;
		send_wait(d->d_snd, sleep_ms(d, util_mono_ms()), fds,
		    readable, 2);
		if (readable[0]) {
			wake_drain(d->d_wake_fd);
			d->d_wake = 1;
		}
		if (readable[1])
			wake_drain(sig_pipe[0]);
	}
}

int
main(int argc, char **argv)
{
	static struct disp	 d;
	const char		*cfile = NULL;
	char			 err[1024], host[48];
	int			 c;

	static const struct option opts[] = {
		{ "drain", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	int			 drain = 0;
	int64_t			 grace;
	struct db		*watch_db;
	struct watch		*watch;

	log_init("webhooks-dispatcher", LOG_INFO);
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1)
		switch (c) {
		case 'c':
			cfile = optarg;
			break;
		case 'd':
			drain = 1;
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
	if (d.d_cf.cf_heartbeat_timeout_ms < 3 * d.d_cf.cf_heartbeat_ms)
		log_warn("heartbeat_timeout (%lld ms) is less than three "
		    "heartbeat_interval (%lld ms): a busy dispatcher may be "
		    "taken for dead and its deliveries sent twice",
		    d.d_cf.cf_heartbeat_timeout_ms, d.d_cf.cf_heartbeat_ms);
	if (drain) {
		/* Stop claiming early enough that the last requests finish
		 * (timeout + 1 s) inside the budget, so a cron run never
		 * outlives its slot. */
		grace = d.d_cf.cf_timeout_ms + 1000;
		d.d_drain_until = util_mono_ms() + (d.d_cf.cf_drain_budget_ms >
		    2 * grace ? d.d_cf.cf_drain_budget_ms - grace :
		    d.d_cf.cf_drain_budget_ms / 2);
	}
	d.d_wake_fd = wake_open(d.d_cf.cf_wake_addr);
	d.d_claimer.w_db = db_new(&d.d_cf);
	d.d_writer.w_db = db_new(&d.d_cf);
	d.d_hearter.w_db = db_new(&d.d_cf);
	watch_db = db_new(&d.d_cf);
	d.d_heart = heart_new(&d.d_cf, d.d_hearter.w_db, d.d_id, host,
	    getpid());
	db_set_session(d.d_claimer.w_db, CLAIM_SESSION_SQL);
	db_set_session(d.d_writer.w_db, CLAIM_SESSION_SQL);
	d.d_rec = record_new(&d.d_cf, d.d_writer.w_db, d.d_id);
	if ((d.d_snd = send_new(&d.d_cf, on_done, &d)) == NULL) {
		log_err("curl_multi_init failed");
		return 1;
	}
	heart_start(d.d_heart);
	if (db_start(&d) == -1)
		return 1;
	watch = watch_start(&d.d_cf, watch_db);
	log_info("%s %s started as %s: concurrency %u, %u per endpoint, "
	    "%u per tenant, lease %lld ms, heartbeat %lld ms, %s", WH_PRODUCT,
	    WH_VERSION, d.d_id, d.d_cf.cf_concurrency,
	    d.d_cf.cf_endpoint_concurrency, send_tenant_cap(&d.d_cf),
	    d.d_cf.cf_lease_ms, d.d_cf.cf_heartbeat_ms, d.d_wake_fd >= 0 ? "woken by ingest" :
	    "polling only");

	run(&d);
	watch_stop(watch);
	db_stop(&d);

	log_info("stopped");
	send_free(d.d_snd);
	record_free(d.d_rec);
	heart_free(d.d_heart);
	db_free(d.d_claimer.w_db);
	db_free(d.d_writer.w_db);
	db_free(d.d_hearter.w_db);
	db_free(watch_db);
	if (d.d_wake_fd >= 0)
		close(d.d_wake_fd);
	curl_global_cleanup();
	conf_free(&d.d_cf);
	return 0;
}

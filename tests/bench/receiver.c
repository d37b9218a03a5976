/* receiver: a fast HTTP/1.1 sink for the benchmarks.
 *
 *   receiver [-p PORT] [-s STATUS] [-o FILE] [-H HEADER] [-P PORTFILE]
 *            [-d MS[:PREFIX]]... [-x PREFIX]...
 *
 * One thread, epoll, non-blocking sockets, keep-alive and pipelining.
 * Reads each request's headers and its body (Content-Length or chunked,
 * answering "Expect: 100-continue"), then answers STATUS (200) with an
 * empty body.  It listens on 127.0.0.1:PORT (0, the default, picks a free
 * port) and prints "port=N" on stdout, and to PORTFILE when given.
 *
 * Slow and hanging endpoints, by the request's path:
 *   -d MS[:PREFIX]  answer MS milliseconds after the request is complete,
 *                   for paths starting with PREFIX (every path without);
 *   -x PREFIX       never answer paths starting with PREFIX: the
 *                   connection stays open until the client closes it.
 * Both repeat; the first that matches counts.  A held request holds only
 * its own connection (later requests pipelined on it wait their turn, as
 * HTTP/1.1 wants); the others go on, the delays running off one timerfd.
 *
 * With -o FILE it records, for every request carrying HEADER
 * (X-Momentumpro-Delivery), the header's value and the arrival time of
 * the complete request in microseconds since the epoch, and writes them
 * to FILE as "VALUE USEC" lines on SIGUSR1 and on exit (SIGTERM, SIGINT).
 * It prints "requests=N" on stdout at the same moments.  The file is
 * written to FILE.tmp and renamed, so a reader never sees half of it.
 * SIGUSR2 forgets the records and zeroes the count, for the next run.
 *
 * The time is CLOCK_REALTIME because it is compared with MariaDB's
 * NOW(3) on the same host. */
#define _GNU_SOURCE

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD	(64 * 1024)
#define MAX_BODY	((size_t)64 * 1024 * 1024)
#define READ_CHUNK	(64 * 1024)
#define MAX_EVENTS	256
#define MAX_VALUE	128
#define MAX_RULES	16

struct conn {
	int	 c_fd;
	char	*c_in;
	size_t	 c_inlen;
	size_t	 c_incap;
	char	*c_out;
	size_t	 c_outlen;
	size_t	 c_outoff;
	size_t	 c_outcap;
	int	 c_close;	/* close once the output is flushed */
	int	 c_continued;	/* 100 Continue sent for the current request */
	int	 c_wantout;	/* EPOLLOUT is armed */
	int	 c_held;	/* HELD_*: an answer is delayed or never comes */
	int	 c_held_close;	/* close after the delayed answer */
	int64_t	 c_due;		/* monotonic ms of the delayed answer */
	struct conn *c_tprev;	/* the timer list, soonest first */
	struct conn *c_tnext;
};

enum { HELD_NO, HELD_DELAY, HELD_NEVER };

/* -d and -x: a path prefix and its delay in ms, -1 for never. */
struct rule {
	const char	*ru_prefix;
	size_t		 ru_len;
	long		 ru_ms;
};

struct record {
	uint32_t	 r_off;		/* into rec_names */
	uint32_t	 r_len;
	int64_t		 r_usec;
};

static int		 epfd;
static const char	*rec_header = "X-Momentumpro-Delivery";
static size_t		 rec_header_len;
static const char	*rec_path;
static struct record	*recs;
static size_t		 nrecs, caprecs;
static char		*rec_names;
static size_t		 names_len, names_cap;
static unsigned long long nrequests;
static char		 response[128];
static size_t		 response_len;
static struct rule	 rules[MAX_RULES];
static size_t		 nrules;
static int		 tfd = -1;
static struct conn	*timers_head, *timers_tail;

static void *
xrealloc(void *p, size_t n)
{
	void	*q;

	if ((q = realloc(p, n)) == NULL) {
		perror("receiver: realloc");
		exit(1);
	}
	return q;
}

static int64_t
now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Arms the timerfd for the soonest delayed answer, or disarms it. */
static void
timers_arm(void)
{
	struct itimerspec	 its;

	memset(&its, 0, sizeof(its));
	if (timers_head != NULL) {
		its.it_value.tv_sec = timers_head->c_due / 1000;
		its.it_value.tv_nsec = (timers_head->c_due % 1000) * 1000000;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		perror("receiver: timerfd_settime");
}

/* Into the list, soonest first: with one delay per path the new one is
 * almost always the last. */
static void
timer_add(struct conn *c)
{
	struct conn	*p = timers_tail;

	while (p != NULL && p->c_due > c->c_due)
		p = p->c_tprev;
	c->c_tprev = p;
	c->c_tnext = p != NULL ? p->c_tnext : timers_head;
	if (c->c_tnext != NULL)
		c->c_tnext->c_tprev = c;
	else
		timers_tail = c;
	if (p != NULL)
		p->c_tnext = c;
	else
		timers_head = c;
	if (timers_head == c)
		timers_arm();
}

static void
timer_del(struct conn *c)
{
	if (c->c_held != HELD_DELAY)
		return;
	if (c->c_tprev != NULL)
		c->c_tprev->c_tnext = c->c_tnext;
	else
		timers_head = c->c_tnext;
	if (c->c_tnext != NULL)
		c->c_tnext->c_tprev = c->c_tprev;
	else
		timers_tail = c->c_tprev;
	c->c_tprev = c->c_tnext = NULL;
}

/* The rule for a request line's path: NULL for an answer at once. */
static const struct rule *
rule_for(const char *line, size_t len)
{
	const char	*path, *end;
	size_t		 i;

	if (nrules == 0 || (path = memchr(line, ' ', len)) == NULL)
		return NULL;
	path++;
	if ((end = memchr(path, ' ', (size_t)(line + len - path))) == NULL)
		end = line + len;
	for (i = 0; i < nrules; i++)
		if ((size_t)(end - path) >= rules[i].ru_len &&
		    memcmp(path, rules[i].ru_prefix, rules[i].ru_len) == 0)
			return &rules[i];
	return NULL;
}

static void
record(const char *v, size_t len)
{
	if (len > MAX_VALUE)
		len = MAX_VALUE;
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 65536;
		recs = xrealloc(recs, caprecs * sizeof(*recs));
	}
	if (names_len + len > names_cap) {
		names_cap = names_cap ? names_cap * 2 : 1024 * 1024;
		rec_names = xrealloc(rec_names, names_cap);
	}
	memcpy(rec_names + names_len, v, len);
	recs[nrecs].r_off = (uint32_t)names_len;
	recs[nrecs].r_len = (uint32_t)len;
	recs[nrecs].r_usec = now_usec();
	names_len += len;
	nrecs++;
}

static void
dump(void)
{
	char	 tmp[4096];
	FILE	*f;
	size_t	 i;

	printf("requests=%llu\n", nrequests);
	fflush(stdout);
	if (rec_path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", rec_path);
	if ((f = fopen(tmp, "w")) == NULL) {
		perror(tmp);
		return;
	}
	for (i = 0; i < nrecs; i++)
		fprintf(f, "%.*s %lld\n", (int)recs[i].r_len,
		    rec_names + recs[i].r_off, (long long)recs[i].r_usec);
	if (fclose(f) != 0 || rename(tmp, rec_path) != 0)
		perror(rec_path);
}

static void
conn_free(struct conn *c)
{
	timer_del(c);
	close(c->c_fd);	/* also removes it from the epoll set */
	free(c->c_in);
	free(c->c_out);
	free(c);
}

static void
out_add(struct conn *c, const char *s, size_t n)
{
	if (c->c_outlen + n > c->c_outcap) {
		c->c_outcap = (c->c_outlen + n) * 2;
		c->c_out = xrealloc(c->c_out, c->c_outcap);
	}
	memcpy(c->c_out + c->c_outlen, s, n);
	c->c_outlen += n;
}

/* 0 all written (or would block, EPOLLOUT armed), -1 connection dead. */
static int
flush_out(struct conn *c)
{
	struct epoll_event	 ev;
	ssize_t			 n;

	while (c->c_outoff < c->c_outlen) {
		n = send(c->c_fd, c->c_out + c->c_outoff,
		    c->c_outlen - c->c_outoff, MSG_NOSIGNAL);
		if (n > 0) {
			c->c_outoff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return -1;
	}
	if (c->c_outoff == c->c_outlen) {
		c->c_outoff = c->c_outlen = 0;
		if (c->c_close)
			return -1;
	}
	if ((c->c_outlen > 0) != c->c_wantout) {
		c->c_wantout = c->c_outlen > 0;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | (c->c_wantout ? EPOLLOUT : 0);
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->c_fd, &ev) == -1)
			return -1;
	}
	return 0;
}

static int
hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Length of a complete chunked body starting at p (trailers included),
 * 0 when incomplete, (size_t)-1 when malformed. */
static size_t
chunked_len(const char *p, size_t avail)
{
	size_t	 off = 0, sz;
	const char *eol;
	int	 d, digits;

	for (;;) {
		eol = memmem(p + off, avail - off, "\r\n", 2);
		if (eol == NULL)
			return avail - off > 1024 ? (size_t)-1 : 0;
		sz = 0;
		digits = 0;
		while (p + off < eol && (d = hex_digit(p[off])) != -1) {
			if (sz > MAX_BODY)
				return (size_t)-1;
			sz = sz * 16 + (size_t)d;
			off++;
			digits++;
		}
		if (digits == 0)
			return (size_t)-1;
		off = (size_t)(eol - p) + 2;	/* chunk extensions skipped */
		if (sz == 0)
			break;
		if (avail - off < sz + 2)
			return 0;
		off += sz + 2;
	}
	/* Trailers, then the empty line. */
	for (;;) {
		eol = memmem(p + off, avail - off, "\r\n", 2);
		if (eol == NULL)
			return 0;
		if (eol == p + off)
			return off + 2;
		off = (size_t)(eol - p) + 2;
	}
}

static int
hdr_is(const char *line, size_t len, const char *name, size_t nlen,
    const char **val, size_t *vlen)
{
	const char	*v, *e;

	if (len <= nlen || line[nlen] != ':' ||
	    strncasecmp(line, name, nlen) != 0)
		return 0;
	v = line + nlen + 1;
	e = line + len;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*val = v;
	*vlen = (size_t)(e - v);
	return 1;
}

/* Handles every complete request in the input buffer.  -1: close. */
static int
process(struct conn *c)
{
	const char	*end, *line, *eol, *v, *recv_v;
	const struct rule *ru;
	size_t		 hlen, blen, total, len, vlen, recv_len, clen, rlen;
	int		 chunked, keepalive, expect, have_cl, http10;
	char		 tmp[32];

	while (c->c_inlen > 0 && c->c_held == HELD_NO) {
		end = memmem(c->c_in, c->c_inlen, "\r\n\r\n", 4);
		if (end == NULL)
			return c->c_inlen > MAX_HEAD ? -1 : 0;
		hlen = (size_t)(end - c->c_in) + 4;
		eol = memmem(c->c_in, hlen, "\r\n", 2);
		rlen = (size_t)(eol - c->c_in);	/* the request line */
		http10 = eol - c->c_in >= 8 &&
		    memcmp(eol - 8, "HTTP/1.0", 8) == 0;
		keepalive = !http10;
		chunked = expect = have_cl = 0;
		clen = 0;
		recv_v = NULL;
		recv_len = 0;
		for (line = eol + 2; line < end; line = eol + 2) {
			eol = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
			len = (size_t)(eol - line);
			if (hdr_is(line, len, "Content-Length", 14, &v, &vlen)) {
				if (vlen == 0 || vlen >= sizeof(tmp))
					return -1;
				memcpy(tmp, v, vlen);
				tmp[vlen] = '\0';
				clen = strtoull(tmp, NULL, 10);
				if (clen > MAX_BODY)
					return -1;
				have_cl = 1;
			} else if (hdr_is(line, len, "Transfer-Encoding", 17,
			    &v, &vlen))
				chunked = vlen >= 7 &&
				    strncasecmp(v + vlen - 7, "chunked", 7) == 0;
			else if (hdr_is(line, len, "Connection", 10, &v, &vlen)) {
				if (vlen == 5 && strncasecmp(v, "close", 5) == 0)
					keepalive = 0;
				else if (vlen == 10 &&
				    strncasecmp(v, "keep-alive", 10) == 0)
					keepalive = 1;
			} else if (hdr_is(line, len, "Expect", 6, &v, &vlen))
				expect = vlen == 12 &&
				    strncasecmp(v, "100-continue", 12) == 0;
			else if (rec_path != NULL && hdr_is(line, len,
			    rec_header, rec_header_len, &v, &vlen)) {
				recv_v = v;
				recv_len = vlen;
			}
		}
		if (chunked) {
			blen = chunked_len(c->c_in + hlen, c->c_inlen - hlen);
			if (blen == (size_t)-1)
				return -1;
			total = blen == 0 ? 0 : hlen + blen;
		} else {
			(void)have_cl;
			total = hlen + clen;
		}
		if (total == 0 || c->c_inlen < total) {
			if (expect && !c->c_continued) {
				out_add(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
				c->c_continued = 1;
			}
			return 0;
		}
		nrequests++;
		if (recv_v != NULL)
			record(recv_v, recv_len);
		c->c_continued = 0;
		ru = rule_for(c->c_in, rlen);
		if (ru != NULL) {
			/* The answer waits (or never comes); the input
			 * after this request waits with it. */
			memmove(c->c_in, c->c_in + total, c->c_inlen - total);
			c->c_inlen -= total;
			if (ru->ru_ms < 0) {
				c->c_held = HELD_NEVER;
				return 0;
			}
			c->c_held = HELD_DELAY;
			c->c_held_close = !keepalive;
			c->c_due = mono_ms() + ru->ru_ms;
			timer_add(c);
			return 0;
		}
		out_add(c, response, response_len);
		if (!keepalive) {
			c->c_close = 1;
			c->c_inlen = 0;
			return 0;
		}
		memmove(c->c_in, c->c_in + total, c->c_inlen - total);
		c->c_inlen -= total;
	}
	return 0;
}

static void
on_readable(struct conn *c)
{
	ssize_t	 n;

	for (;;) {
		if (c->c_incap - c->c_inlen < READ_CHUNK) {
			if (c->c_incap > MAX_HEAD + MAX_BODY)
				goto fail;
			c->c_incap = c->c_incap * 2 + READ_CHUNK;
			c->c_in = xrealloc(c->c_in, c->c_incap);
		}
		n = recv(c->c_fd, c->c_in + c->c_inlen,
		    c->c_incap - c->c_inlen, 0);
		if (n > 0) {
			c->c_inlen += (size_t)n;
			if ((size_t)n < READ_CHUNK)
				break;	/* drained, most likely */
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		goto fail;	/* EOF or error */
	}
	if (process(c) == -1 || flush_out(c) == -1)
		goto fail;
	return;
fail:
	conn_free(c);
}

/* The delayed answers now due, then what their connections had waiting.
 * Called after a batch of events, so a connection it frees cannot come
 * up later in the same batch. */
static void
on_timer(void)
{
	struct conn	*c;
	uint64_t	 ticks;
	int64_t		 now;

	while (read(tfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
		;
	now = mono_ms();
	while ((c = timers_head) != NULL && c->c_due <= now) {
		timer_del(c);
		c->c_held = HELD_NO;
		out_add(c, response, response_len);
		if (c->c_held_close) {
			c->c_close = 1;
			c->c_inlen = 0;
		}
		if ((!c->c_close && process(c) == -1) || flush_out(c) == -1)
			conn_free(c);
	}
	timers_arm();
}

static void
on_accept(int lfd)
{
	struct epoll_event	 ev;
	struct conn		*c;
	int			 fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				perror("receiver: accept");
			return;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->c_fd = fd;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			close(fd);
			free(c);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: receiver [-p PORT] [-s STATUS] [-o FILE] "
	    "[-H HEADER] [-P PORTFILE] [-d MS[:PREFIX]]... [-x PREFIX]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[MAX_EVENTS];
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	struct signalfd_siginfo	 si;
	sigset_t		 mask;
	const char		*portfile = NULL;
	FILE			*pf;
	int			 ch, lfd, sfd, i, n, one = 1, status = 200;
	long			 port = 0;
	char			*e;
	static int		 lmark, smark, tmark;
	int			 timer_due;

	while ((ch = getopt(argc, argv, "p:s:o:H:P:d:x:")) != -1) {
		switch (ch) {
		case 'p':
			port = strtol(optarg, NULL, 10);
			if (port < 0 || port > 65535)
				usage();
			break;
		case 's':
			status = (int)strtol(optarg, NULL, 10);
			if (status < 100 || status > 599)
				usage();
			break;
		case 'o': rec_path = optarg; break;
		case 'H': rec_header = optarg; break;
		case 'P': portfile = optarg; break;
		case 'd':
		case 'x':
			if (nrules == MAX_RULES)
				usage();
			if (ch == 'x') {
				rules[nrules].ru_ms = -1;
				rules[nrules].ru_prefix = optarg;
			} else {
				rules[nrules].ru_ms = strtol(optarg, &e, 10);
				if (e == optarg || rules[nrules].ru_ms < 0 ||
				    (*e != '\0' && *e != ':'))
					usage();
				rules[nrules].ru_prefix = *e == ':' ? e + 1 :
				    "";
			}
			rules[nrules].ru_len = strlen(rules[nrules].ru_prefix);
			nrules++;
			break;
		default: usage();
		}
	}
	rec_header_len = strlen(rec_header);
	response_len = (size_t)snprintf(response, sizeof(response),
	    "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", status,
	    status == 200 ? "OK" : "Status");

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		perror("receiver: signalfd");
		return 1;
	}

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1) {
		perror("receiver: socket");
		return 1;
	}
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1) {
		perror("receiver: bind/listen");
		return 1;
	}
	slen = sizeof(sin);
	getsockname(lfd, (struct sockaddr *)&sin, &slen);
	printf("port=%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	if (portfile != NULL) {
		if ((pf = fopen(portfile, "w")) == NULL) {
			perror(portfile);
			return 1;
		}
		fprintf(pf, "%d\n", ntohs(sin.sin_port));
		fclose(pf);
	}

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("receiver: epoll_create1");
		return 1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &lmark;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.ptr = &smark;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1) {
		perror("receiver: timerfd_create");
		return 1;
	}
	ev.data.ptr = &tmark;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);

	for (;;) {
		n = epoll_wait(epfd, evs, MAX_EVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("receiver: epoll_wait");
			return 1;
		}
		timer_due = 0;
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &lmark)
				on_accept(lfd);
			else if (evs[i].data.ptr == &tmark)
				timer_due = 1;
			else if (evs[i].data.ptr == &smark) {
				while (read(sfd, &si, sizeof(si)) ==
				    (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGUSR2) {
						nrecs = names_len = 0;
						nrequests = 0;
						continue;
					}
					dump();
					if (si.ssi_signo != SIGUSR1)
						return 0;
				}
			} else if (evs[i].events & (EPOLLIN | EPOLLHUP |
			    EPOLLERR))
				on_readable(evs[i].data.ptr);
			else if (evs[i].events & EPOLLOUT) {
				if (flush_out(evs[i].data.ptr) == -1)
					conn_free(evs[i].data.ptr);
			}
		}
		if (timer_due)
			on_timer();
	}
}

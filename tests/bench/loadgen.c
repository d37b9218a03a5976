/* loadgen: an HTTP POST load generator on libcurl multi.
 *
 *   loadgen -u URL [-H 'Name: value']... [-b FILE | -B STRING | -g BYTES]
 *           [-c CONCURRENCY] [-d SECONDS] [-n REQUESTS] [-r RATE]
 *
 * Closed loop (no -r): keeps CONCURRENCY requests in flight, each on its
 * own keep-alive connection, until SECONDS have passed or REQUESTS have
 * been sent, whichever comes first.
 *
 * Open loop (-r RATE): request i is due at start + i / RATE whatever the
 * server does; at most CONCURRENCY are in flight, and a request that has
 * to wait for a free slot has its latency counted from the time it was
 * due, so a slow server cannot hide its queueing (coordinated omission).
 *
 * The body is FILE, STRING, or a generated JSON event of about BYTES
 * bytes (default 256).  Content-Type defaults to application/json; curl's
 * "Expect: 100-continue" is switched off.
 *
 * It prints one line of key=value pairs on stdout:
 *   requests= elapsed= rps= ok= errors= late= p50_ms= p95_ms= p99_ms=
 *   max_ms= mean_ms= hwm_kb= cpu_s= status_NNN=...
 * ok counts 2xx answers; errors transport failures (the first one's text
 * goes to stderr); late the open-loop requests sent > 1 ms after due;
 * hwm_kb its own peak resident set and cpu_s its CPU time (user + system),
 * the memory and CPU baselines for a sender of that concurrency. */
#define _GNU_SOURCE

#include <sys/resource.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define MAX_HEADERS	32

struct slot {
	CURL	*s_easy;
	double	 s_start;	/* due time (open loop) or send time, seconds */
	int	 s_busy;
};

static double *lat;		/* milliseconds */
static size_t  nlat, caplat;

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xrealloc(void *p, size_t n)
{
	void	*q;

	if ((q = realloc(p, n)) == NULL) {
		perror("loadgen: realloc");
		exit(1);
	}
	return q;
}

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	(void)ptr;
	(void)ud;
	return size * nmemb;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double p)
{
	size_t	 i;

	if (nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)nlat);
	if (i >= nlat)
		i = nlat - 1;
	return lat[i];
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*b = NULL;
	size_t	 cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		exit(2);
	}
	*len = 0;
	for (;;) {
		if (cap - *len < 65536) {
			cap = cap * 2 + 65536;
			b = xrealloc(b, cap);
		}
		n = fread(b + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return b;
}

/* A JSON event of about n bytes: the shape Momentumpro modules send. */
static char *
gen_body(size_t n, size_t *len)
{
	static const char head[] = "{\"event\":\"leave.approved\","
	    "\"data\":{\"id\":123,\"employee_id\":45,\"days\":5,\"note\":\"";
	static const char tail[] = "\"}}";
	size_t	 fill, i;
	char	*b;

	fill = n > sizeof(head) + sizeof(tail) ? n - sizeof(head) -
	    sizeof(tail) + 2 : 1;
	b = xrealloc(NULL, sizeof(head) + fill + sizeof(tail));
	memcpy(b, head, sizeof(head) - 1);
	for (i = 0; i < fill; i++)
		b[sizeof(head) - 1 + i] = (char)('a' + i % 26);
	memcpy(b + sizeof(head) - 1 + fill, tail, sizeof(tail));
	*len = sizeof(head) - 1 + fill + sizeof(tail) - 1;
	return b;
}

static long
hwm_kb(void)
{
	FILE	*f;
	char	 l[256];
	long	 kb = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return 0;
	while (fgets(l, sizeof(l), f) != NULL)
		if (strncmp(l, "VmHWM:", 6) == 0)
			kb = strtol(l + 6, NULL, 10);
	fclose(f);
	return kb;
}

static double
cpu_s(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen -u URL [-H 'Name: value']... "
	    "[-b FILE | -B STRING | -g BYTES] [-c CONCURRENCY] [-d SECONDS] "
	    "[-n REQUESTS] [-r RATE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	CURLM			*multi;
	CURLMsg			*msg;
	struct curl_slist	*hdrs = NULL;
	struct slot		*slots;
	const char		*url = NULL, *hv[MAX_HEADERS];
	char			*body = NULL, first_err[CURL_ERROR_SIZE] = "";
	size_t			 body_len = 0, nh = 0, i, gen = 256;
	long			 conc = 8, code;
	unsigned long long	 limit = 0, sent = 0, done = 0, ok = 0;
	unsigned long long	 errors = 0, late = 0, status[600];
	double			 dur = 0, rate = 0, t0, t, due, end, last = 0;
	double			 sum = 0, ms;
	int			 ch, running, left, have_ct = 0, stop = 0;
	int			 timeout_ms;
	long			 inflight = 0;
	char			 line[4096];

	while ((ch = getopt(argc, argv, "u:H:b:B:g:c:d:n:r:")) != -1) {
		switch (ch) {
		case 'u': url = optarg; break;
		case 'H':
			if (nh == MAX_HEADERS)
				usage();
			hv[nh++] = optarg;
			break;
		case 'b': body = read_file(optarg, &body_len); break;
		case 'B':
			body = optarg;
			body_len = strlen(optarg);
			break;
		case 'g': gen = strtoul(optarg, NULL, 10); break;
		case 'c': conc = strtol(optarg, NULL, 10); break;
		case 'd': dur = strtod(optarg, NULL); break;
		case 'n': limit = strtoull(optarg, NULL, 10); break;
		case 'r': rate = strtod(optarg, NULL); break;
		default: usage();
		}
	}
	if (url == NULL || conc < 1 || conc > 100000 || (dur <= 0 &&
	    limit == 0) || rate < 0)
		usage();
	if (body == NULL)
		body = gen_body(gen, &body_len);
	for (i = 0; i < nh; i++) {
		hdrs = curl_slist_append(hdrs, hv[i]);
		if (strncasecmp(hv[i], "Content-Type:", 13) == 0)
			have_ct = 1;
	}
	if (!have_ct)
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	memset(status, 0, sizeof(status));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, conc);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, conc);
	slots = calloc((size_t)conc, sizeof(*slots));
	if (slots == NULL)
		return 1;
	for (i = 0; i < (size_t)conc; i++) {
		CURL *e = curl_easy_init();

		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 30000L);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
		slots[i].s_easy = e;
	}

	t0 = now_s();
	end = dur > 0 ? t0 + dur : 0;
	for (;;) {
		t = now_s();
		if ((end > 0 && t >= end) || (limit > 0 && sent >= limit))
			stop = 1;
		/* Start what is due, into free slots. */
		for (i = 0; !stop && inflight < conc && i < (size_t)conc; i++) {
			if (slots[i].s_busy)
				continue;
			if (rate > 0) {
				due = t0 + (double)sent / rate;
				if (due > t)
					break;
				if (t - due > 0.001)
					late++;
				slots[i].s_start = due;
			} else
				slots[i].s_start = t;
			slots[i].s_busy = 1;
			curl_multi_add_handle(multi, slots[i].s_easy);
			inflight++;
			sent++;
			if (limit > 0 && sent >= limit)
				stop = 1;
		}
		if (stop && inflight == 0)
			break;
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *s;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&s);
			last = now_s();
			ms = (last - s->s_start) * 1000.0;
			if (msg->data.result == CURLE_OK) {
				code = 0;
				curl_easy_getinfo(msg->easy_handle,
				    CURLINFO_RESPONSE_CODE, &code);
				if (code >= 0 && code < 600)
					status[code]++;
				if (code >= 200 && code < 300)
					ok++;
			} else {
				if (errors == 0)
					snprintf(first_err, sizeof(first_err),
					    "%s", curl_easy_strerror(
					    msg->data.result));
				errors++;
			}
			if (nlat == caplat) {
				caplat = caplat ? caplat * 2 : 65536;
				lat = xrealloc(lat, caplat * sizeof(*lat));
			}
			lat[nlat++] = ms;
			sum += ms;
			curl_multi_remove_handle(multi, msg->easy_handle);
			s->s_busy = 0;
			inflight--;
			done++;
		}
		timeout_ms = 100;
		if (rate > 0 && !stop && inflight < conc) {
			due = t0 + (double)sent / rate - now_s();
			timeout_ms = due <= 0 ? 0 : (int)(due * 1000.0);
			if (timeout_ms > 100)
				timeout_ms = 100;
		} else if (!stop && inflight < conc)
			timeout_ms = 0;
		if (timeout_ms > 0 || inflight > 0)
			curl_multi_poll(multi, NULL, 0, timeout_ms, NULL);
	}
	if (last == 0)
		last = now_s();

	qsort(lat, nlat, sizeof(*lat), dbl_cmp);
	snprintf(line, sizeof(line), "requests=%llu elapsed=%.3f rps=%.1f "
	    "ok=%llu errors=%llu late=%llu p50_ms=%.2f p95_ms=%.2f "
	    "p99_ms=%.2f max_ms=%.2f mean_ms=%.2f hwm_kb=%ld cpu_s=%.3f", done,
	    last - t0,
	    (double)done / (last - t0), ok, errors, late, pct(50), pct(95),
	    pct(99), nlat ? lat[nlat - 1] : 0.0, nlat ? sum / (double)nlat :
	    0.0, hwm_kb(), cpu_s());
	fputs(line, stdout);
	for (i = 0; i < 600; i++)
		if (status[i] > 0)
			printf(" status_%zu=%llu", i, status[i]);
	putchar('\n');
	if (errors > 0)
		fprintf(stderr, "loadgen: %llu transport errors, the first: "
		    "%s\n", errors, first_err);

	for (i = 0; i < (size_t)conc; i++)
		curl_easy_cleanup(slots[i].s_easy);
	curl_multi_cleanup(multi);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(slots);
	free(lat);
	return 0;
}

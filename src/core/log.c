/* Levelled logging to stderr. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

static const char	*log_prog = "webhooks";
static enum log_level	 log_lvl = LOG_INFO;

static const char *const log_names[] = { "error", "warning", "info", "debug" };

void
log_init(const char *progname, enum log_level lvl)
{
	log_prog = progname;
	log_lvl = lvl;
}

void
log_set_level(enum log_level lvl)
{
	log_lvl = lvl;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

size_t
log_escape(const char *in, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)in;
	size_t			 n = strlen(in), i = 0, o = 0, k, w;
	const char		*why;
	char			 e[4];

	if (outsz == 0)
		return 0;
	while (i < n) {
		/* One unit at a time: a valid character as is, anything
		 * else as an escape, never cut in half at the end. */
		if (p[i] >= 0x80 && (k = utf8_seq(p + i, n - i, &why)) > 0) {
			if (o + k >= outsz)
				break;
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		w = 0;
		if (p[i] == '\\') {
			e[0] = e[1] = '\\';
			w = 2;
		} else if (p[i] == '\n' || p[i] == '\r' || p[i] == '\t') {
			e[0] = '\\';
			e[1] = p[i] == '\n' ? 'n' : p[i] == '\r' ? 'r' : 't';
			w = 2;
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hex[p[i] >> 4];
			e[3] = hex[p[i] & 15];
			w = 4;
		}
		if (w == 0) {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)p[i];
		} else {
			if (o + w >= outsz)
				break;
			memcpy(out + o, e, w);
			o += w;
		}
		i++;
	}
	out[o] = '\0';
	return o;
}

void
log_msg(enum log_level lvl, const char *func, const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[1024], safe[4 * 1024], ts[32];
	struct timespec	 now;
	struct tm	 tm;

	if (lvl > log_lvl)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages carry request paths, header values and error texts
	 * from receivers: a newline in one must not forge a log line, nor
	 * a byte that is not UTF-8 break the reader's terminal. */
	log_escape(msg, safe, sizeof(safe));
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One write per line so lines from several processes do not mix. */
	fprintf(stderr, "%s.%03ldZ %s[%ld] %s: %s: %s\n", ts,
	    now.tv_nsec / 1000000, log_prog, (long)getpid(),
	    log_names[lvl], func, safe);
}

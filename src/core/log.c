/* Levelled logging to stderr. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

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

void
log_msg(enum log_level lvl, const char *func, const char *fmt, ...)
{
	va_list		 ap;
	char		 msg[1024], ts[32];
	struct timespec	 now;
	struct tm	 tm;

	if (lvl > log_lvl)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One write per line so lines from several processes do not mix. */
	fprintf(stderr, "%s.%03ldZ %s[%ld] %s: %s: %s\n", ts,
	    now.tv_nsec / 1000000, log_prog, (long)getpid(),
	    log_names[lvl], func, msg);
}

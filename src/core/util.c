/* Number, duration, size and time parsing shared by every program. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "util.h"

long long
util_strntonum(const char *s, size_t n, long long min, long long max,
    const char **errstr)
{
	char	 tmp[32];

	if (n == 0 || n >= sizeof(tmp)) {
		*errstr = "invalid";
		return 0;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return util_strtonum(tmp, min, max, errstr);
}

long long
util_strtonum(const char *s, long long min, long long max,
    const char **errstr)
{
	long long	 v;
	char		*end;

	*errstr = NULL;
	/* strtoll skips leading space and takes a '+': a config value or a
	 * path segment with those is a typo, not a number. */
	if (min > max || *s == '\0' || isspace((unsigned char)*s) ||
	    *s == '+') {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*errstr = "invalid";
		return 0;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < min) {
		*errstr = "too small";
		return 0;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > max) {
		*errstr = "too large";
		return 0;
	}
	return v;
}

/* Split "123unit" into a number and a unit. */
static int
num_unit(const char *s, long long *num, const char **unit)
{
	const char	*p = s, *errstr;
	char		 digits[24];
	size_t		 n;

	while (isdigit((unsigned char)*p))
		p++;
	n = (size_t)(p - s);
	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	*num = util_strtonum(digits, 0, LLONG_MAX / 1000, &errstr);
	if (errstr != NULL)
		return -1;
	*unit = p;
	return 0;
}

int
util_parse_duration_ms(const char *s, long long *out)
{
	static const struct { const char *u; long long ms; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	long long	 n;
	const char	*unit;
	size_t		 i;

	if (num_unit(s, &n, &unit) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].u) == 0) {
			if (n > LLONG_MAX / units[i].ms)
				return -1;
			*out = n * units[i].ms;
			return 0;
		}
	return -1;
}

int
util_parse_size(const char *s, size_t *out)
{
	static const struct { const char *u; unsigned long long m; } units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024 }, { "MiB", 1048576 },
		{ "GiB", 1073741824ULL },
	};
	long long	 n;
	const char	*unit;
	size_t		 i;

	if (num_unit(s, &n, &unit) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].u) == 0) {
			if ((unsigned long long)n > SIZE_MAX / units[i].m)
				return -1;
			*out = (size_t)n * units[i].m;
			return 0;
		}
	return -1;
}

int64_t
util_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
util_sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int64_t
util_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
digits(const char *s, size_t n, int *out)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* Parse "YYYY-MM-DD?HH:MM:SS" starting at s, sep is 'T' or ' '. */
static int
parse_civil(const char *s, char sep, struct tm *tm)
{
	int	 y, mo, d, h, mi, se;

	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != sep && !(sep == 'T' && s[10] == 't')) ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	return 0;
}

int
util_rfc3339_parse(const char *s, size_t n, char out[32], int64_t *epoch_ms)
{
	struct tm	 tm;
	char		 tmp[40];
	const char	*p;
	int		 ms = 0, nfrac = 0, have_frac = 0;
	time_t		 t;

	if (n < 20 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (parse_civil(tmp, 'T', &tm) == -1)
		return -1;
	p = tmp + 19;
	if (*p == '.') {
		have_frac = 1;
		for (p++; isdigit((unsigned char)*p); p++, nfrac++)
			if (nfrac < 3)
				ms = ms * 10 + (*p - '0');
		if (nfrac == 0 || nfrac > 9)
			return -1;
		for (; nfrac < 3; nfrac++)
			ms *= 10;
	}
	/* UTC only: the contract's occurred_at is always Z. */
	if (!((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') &&
	    strcmp(p, "+00:00") != 0 && strcmp(p, "-00:00") != 0)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	if (epoch_ms != NULL)
		*epoch_ms = (int64_t)t * 1000 + ms;
	util_rfc3339_fmt((int64_t)t * 1000 + ms, have_frac, out);
	return 0;
}

void
util_rfc3339_fmt(int64_t epoch_ms, int with_ms, char out[32])
{
	struct tm	 tm;
	time_t		 t = (time_t)(epoch_ms / 1000);
	size_t		 n;

	gmtime_r(&t, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms)
		snprintf(out + n, 32 - n, ".%03dZ", (int)(epoch_ms % 1000));
	else
		snprintf(out + n, 32 - n, "Z");
}

void
util_sqltime_fmt(int64_t epoch_ms, char out[32])
{
	struct tm	 tm;
	time_t		 t = (time_t)(epoch_ms / 1000);
	size_t		 n;

	gmtime_r(&t, &tm);
	n = strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03d", (int)(epoch_ms % 1000));
}

int
util_sqltime_parse(const char *s, int64_t *epoch_ms)
{
	struct tm	 tm;
	int		 ms = 0, i;
	const char	*p;
	time_t		 t;

	if (strlen(s) < 19 || parse_civil(s, ' ', &tm) == -1)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++, i = 0; i < 3; i++)
			ms = ms * 10 + (isdigit((unsigned char)*p) ? *p++ - '0'
			    : 0);
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*epoch_ms = (int64_t)t * 1000 + ms;
	return 0;
}

int
util_ct_streq(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	/* Lengths are not secret (tokens have a fixed format); contents are. */
	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}

void
util_span_text(long long ms, char *out, size_t outsz)
{
	long long	 s = ms > 0 ? ms / 1000 : 0;

	if (s < 60)
		snprintf(out, outsz, "%lld s", s);
	else if (s < 3600)
		snprintf(out, outsz, "%lld min", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, outsz, "%lld h", s / 3600);
	else
		snprintf(out, outsz, "%lld days", s / 86400);
}

/* Small parsers and time helpers shared by every program. */
#ifndef WH_UTIL_H
#define WH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* OpenBSD strtonum(3) semantics: *errstr is NULL on success, else
 * "invalid", "too small" or "too large". */
long long	 util_strtonum(const char *, long long, long long,
		    const char **);
/* Same over a counted, not NUL-terminated, string. */
long long	 util_strntonum(const char *, size_t, long long, long long,
		    const char **);

/* "1500ms", "10s", "5m", "2h", "1d" (a bare number is seconds). */
int		 util_parse_duration_ms(const char *, long long *);
/* "512B", "64KiB", "1MiB" (a bare number is bytes). */
int		 util_parse_size(const char *, size_t *);

/* Milliseconds since the epoch, wall clock and monotonic. */
int64_t		 util_now_ms(void);
int64_t		 util_mono_ms(void);
void		 util_sleep_ms(long);

/* RFC 3339 UTC, "2026-04-29T14:32:11Z" or with ".123" fraction.
 * util_rfc3339_parse accepts Z or +00:00 and normalises to Z;
 * it writes at most 32 bytes including the NUL. */
int		 util_rfc3339_parse(const char *, size_t, char out[32],
		    int64_t *epoch_ms);
void		 util_rfc3339_fmt(int64_t epoch_ms, int with_ms, char out[32]);
/* A span for people, rounded down to its largest unit: "45 s",
 * "4 min", "2 h", "5 days" (negative spans count as 0 s). */
void		 util_span_text(long long ms, char *out, size_t outsz);
/* "2026-04-29 14:32:11.123" (MariaDB DATETIME(3) text, UTC). */
void		 util_sqltime_fmt(int64_t epoch_ms, char out[32]);
int		 util_sqltime_parse(const char *, int64_t *epoch_ms);

/* Constant-time string equality for tokens and MACs. */
int		 util_ct_streq(const char *, const char *);

#endif

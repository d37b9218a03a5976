/* The retry contract (record.h, DESIGN.md "Delivery semantics"), one
 * line per case: what record_classify makes of an attempt's outcome,
 * with the shipped retry_schedule (1m 5m 30m 2h 12h, retry_after_max 1h)
 * and with the short one the integration tests use (1s 2s 3s).
 * record.c is included, as lighttpd's src/t/ does, to reach its static
 * functions; claim.c is linked for the retention code's one call. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "../../../src/dispatcher/record.c"
#include "t.h"

#define MIN	(60 * 1000LL)
#define HOUR	(60 * MIN)

enum { SHIPPED, SHORT };

struct classify_case {
	const char	*name;
	int		 conf;		/* SHIPPED or SHORT */
	unsigned	 attempts;	/* made before this one */
	enum send_fail	 fail;
	long		 status;
	long		 retry_after;	/* s, 0: none */
	const char	*location;
	const char	*error;		/* at_error */
	enum rec_status	 want;
	long long	 delay_ms;
	int		 gone;
	const char	*want_error;	/* NULL: at_error unchanged */
};

#define LOC	"https://new.example.com/hook"
#define TMO	"Operation timed out after 10000 milliseconds"
#define E410	"receiver answered 410 Gone; the endpoint is now disabled"

static const struct classify_case cases[] = {
	/* 2xx */
	{ "200 is delivered", SHIPPED, 0, SF_NONE, 200, 0, NULL, "", RS_DELIVERED, 0, 0, NULL },
	{ "204 on a retry is delivered", SHIPPED, 3, SF_NONE, 204, 0, NULL, "", RS_DELIVERED, 0, 0, NULL },
	{ "299, the last 2xx, is delivered", SHIPPED, 0, SF_NONE, 299, 0, NULL, "", RS_DELIVERED, 0, 0, NULL },
	{ "a 2xx once the schedule is used up is still delivered", SHIPPED, 5, SF_NONE, 200, 0, NULL, "", RS_DELIVERED, 0, 0, NULL },
	/* 3xx: never followed */
	{ "301 fails with its Location in the error", SHIPPED, 0, SF_NONE, 301, 0, LOC, "", RS_FAILED, 0, 0, "redirect not followed (3xx): Location " LOC },
	{ "300, the first 3xx, fails", SHIPPED, 0, SF_NONE, 300, 0, LOC, "", RS_FAILED, 0, 0, "redirect not followed (3xx): Location " LOC },
	{ "399, the last 3xx, fails", SHIPPED, 0, SF_NONE, 399, 0, LOC, "", RS_FAILED, 0, 0, "redirect not followed (3xx): Location " LOC },
	{ "a 3xx without Location fails and says (none)", SHIPPED, 0, SF_NONE, 302, 0, NULL, "", RS_FAILED, 0, 0, "redirect not followed (3xx): Location (none)" },
	{ "a 3xx with an empty Location fails", SHIPPED, 0, SF_NONE, 307, 0, "", "", RS_FAILED, 0, 0, "redirect not followed (3xx): Location " },
	{ "a 3xx on the last retry fails, not dropped", SHIPPED, 5, SF_NONE, 308, 0, LOC, "", RS_FAILED, 0, 0, "redirect not followed (3xx): Location " LOC },
	/* 5xx: each failure waits the schedule's next offset */
	{ "5xx, 1st failure: retried after 1 min", SHIPPED, 0, SF_NONE, 500, 0, NULL, "", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "5xx, 2nd failure: retried after 5 min", SHIPPED, 1, SF_NONE, 503, 0, NULL, "", RS_RETRYING, 5 * MIN, 0, NULL },
	{ "5xx, 3rd failure: retried after 30 min", SHIPPED, 2, SF_NONE, 502, 0, NULL, "", RS_RETRYING, 30 * MIN, 0, NULL },
	{ "5xx, 4th failure: retried after 2 h", SHIPPED, 3, SF_NONE, 504, 0, NULL, "", RS_RETRYING, 2 * HOUR, 0, NULL },
	{ "5xx, 5th failure: retried after 12 h", SHIPPED, 4, SF_NONE, 500, 0, NULL, "", RS_RETRYING, 12 * HOUR, 0, NULL },
	{ "5xx, 6th failure (5th retry failed): dropped", SHIPPED, 5, SF_NONE, 500, 0, NULL, "", RS_DROPPED, 0, 0, NULL },
	{ "599, the last 5xx, is retried", SHIPPED, 0, SF_NONE, 599, 0, NULL, "", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "a huge attempt count is dropped", SHIPPED, UINT_MAX - 1, SF_NONE, 500, 0, NULL, "", RS_DROPPED, 0, 0, NULL },
	{ "the largest attempt count is dropped, not wrapped to the first retry", SHIPPED, UINT_MAX, SF_NONE, 500, 0, NULL, "", RS_DROPPED, 0, 0, NULL },
	{ "a status of no class (600) is retried like a 5xx", SHIPPED, 0, SF_NONE, 600, 0, NULL, "", RS_RETRYING, 1 * MIN, 0, NULL },
	/* 408: the receiver gave up waiting, transient */
	{ "408 is retried after the schedule's delay", SHIPPED, 0, SF_NONE, 408, 0, NULL, "", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "408 on the 3rd failure waits 30 min", SHIPPED, 2, SF_NONE, 408, 0, NULL, "", RS_RETRYING, 30 * MIN, 0, NULL },
	{ "408 after the last retry is dropped", SHIPPED, 5, SF_NONE, 408, 0, NULL, "", RS_DROPPED, 0, 0, NULL },
	/* 429 and Retry-After */
	{ "429 without Retry-After waits the schedule's delay", SHIPPED, 0, SF_NONE, 429, 0, NULL, "", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "429 Retry-After longer than the schedule wins", SHIPPED, 0, SF_NONE, 429, 120, NULL, "", RS_RETRYING, 120000, 0, "receiver asked to retry after 120 s" },
	{ "429 Retry-After shorter than the schedule: the schedule wins", SHIPPED, 1, SF_NONE, 429, 10, NULL, "", RS_RETRYING, 5 * MIN, 0, "receiver asked to retry after 10 s" },
	{ "429 Retry-After of 1 s still waits the schedule", SHIPPED, 0, SF_NONE, 429, 1, NULL, "", RS_RETRYING, 1 * MIN, 0, "receiver asked to retry after 1 s" },
	{ "429 Retry-After capped by retry_after_max (1 h)", SHIPPED, 0, SF_NONE, 429, 7200, NULL, "", RS_RETRYING, 1 * HOUR, 0, "receiver asked to retry after 7200 s" },
	{ "429 Retry-After of a year (send.c's cap) waits retry_after_max", SHIPPED, 0, SF_NONE, 429, 86400L * 365, NULL, "", RS_RETRYING, 1 * HOUR, 0, "receiver asked to retry after 31536000 s" },
	{ "429 Retry-After exactly retry_after_max", SHIPPED, 0, SF_NONE, 429, 3600, NULL, "", RS_RETRYING, 1 * HOUR, 0, "receiver asked to retry after 3600 s" },
	{ "429 capped Retry-After below the schedule's 12 h: 12 h", SHIPPED, 4, SF_NONE, 429, 86400, NULL, "", RS_RETRYING, 12 * HOUR, 0, "receiver asked to retry after 86400 s" },
	{ "429 after the last retry is dropped, Retry-After or not", SHIPPED, 5, SF_NONE, 429, 60, NULL, "", RS_DROPPED, 0, 0, "receiver asked to retry after 60 s" },
	{ "429 without Retry-After after the last retry is dropped", SHIPPED, 5, SF_NONE, 429, 0, NULL, "", RS_DROPPED, 0, 0, NULL },
	{ "a negative Retry-After is no Retry-After", SHIPPED, 0, SF_NONE, 429, -5, NULL, "", RS_RETRYING, 1 * MIN, 0, NULL },
	/* 410 */
	{ "410 fails and disables the endpoint", SHIPPED, 0, SF_NONE, 410, 0, NULL, "", RS_FAILED, 0, 1, E410 },
	{ "410 after the last retry still disables, not dropped", SHIPPED, 5, SF_NONE, 410, 0, NULL, "", RS_FAILED, 0, 1, E410 },
	{ "410 with a Retry-After is still gone", SHIPPED, 0, SF_NONE, 410, 60, NULL, "", RS_FAILED, 0, 1, E410 },
	/* other 4xx: final */
	{ "400 fails without retry", SHIPPED, 0, SF_NONE, 400, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "401 fails without retry", SHIPPED, 0, SF_NONE, 401, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "403 fails without retry", SHIPPED, 0, SF_NONE, 403, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "404 fails without retry", SHIPPED, 0, SF_NONE, 404, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "409 fails without retry", SHIPPED, 0, SF_NONE, 409, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "411, beside 410, is an ordinary failure", SHIPPED, 0, SF_NONE, 411, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "422 fails without retry", SHIPPED, 0, SF_NONE, 422, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "428, beside 429, is an ordinary failure", SHIPPED, 0, SF_NONE, 428, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "430, beside 429, is an ordinary failure", SHIPPED, 0, SF_NONE, 430, 60, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "499, the last 4xx, fails", SHIPPED, 0, SF_NONE, 499, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "a 4xx on the 5th failure fails, not dropped", SHIPPED, 5, SF_NONE, 403, 0, NULL, "", RS_FAILED, 0, 0, NULL },
	{ "a 4xx with Retry-After is not retried", SHIPPED, 0, SF_NONE, 400, 120, NULL, "", RS_FAILED, 0, 0, NULL },
	/* no answer: timeout, connection, DNS, TLS; our side */
	{ "a timeout is retried after 1 min, its error kept", SHIPPED, 0, SF_NETWORK, 0, 0, NULL, TMO, RS_RETRYING, 1 * MIN, 0, NULL },
	{ "a network error on the 4th failure waits 2 h", SHIPPED, 3, SF_NETWORK, 0, 0, NULL, "Could not resolve host", RS_RETRYING, 2 * HOUR, 0, NULL },
	{ "a network error on the 5th failure waits 12 h", SHIPPED, 4, SF_NETWORK, 0, 0, NULL, "Connection refused", RS_RETRYING, 12 * HOUR, 0, NULL },
	{ "a network error after the last retry is dropped", SHIPPED, 5, SF_NETWORK, 0, 0, NULL, "TLS handshake failed", RS_DROPPED, 0, 0, NULL },
	{ "a network error after a partial 200 is retried, not delivered", SHIPPED, 0, SF_NETWORK, 200, 0, NULL, "Recv failure", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "a network error after a 410 does not disable", SHIPPED, 0, SF_NETWORK, 410, 0, NULL, "Recv failure", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "a local failure (secret will not open) is retried", SHIPPED, 0, SF_LOCAL, 0, 0, NULL, "cannot open the secret", RS_RETRYING, 1 * MIN, 0, NULL },
	{ "a local failure after the last retry is dropped", SHIPPED, 5, SF_LOCAL, 0, 0, NULL, "cannot open the secret", RS_DROPPED, 0, 0, NULL },
	/* refused before sending: retrying cannot change the answer */
	{ "refused by the SSRF guard: failed", SHIPPED, 0, SF_REFUSED, 0, 0, NULL, "address 10.0.0.1 is private", RS_FAILED, 0, 0, NULL },
	{ "SSRF-refused on a retry: failed, not retried", SHIPPED, 2, SF_REFUSED, 0, 0, NULL, "address 127.0.0.1 is loopback", RS_FAILED, 0, 0, NULL },
	{ "SSRF-refused after the last retry: failed, not dropped", SHIPPED, 5, SF_REFUSED, 0, 0, NULL, "refused", RS_FAILED, 0, 0, NULL },
	{ "an invalid URL: failed", SHIPPED, 0, SF_INVALID, 0, 0, NULL, "invalid URL", RS_FAILED, 0, 0, NULL },
	{ "an invalid URL with a stale 503: failed", SHIPPED, 0, SF_INVALID, 503, 0, NULL, "unknown format", RS_FAILED, 0, 0, NULL },
	{ "an invalid URL with a stale 410: not gone", SHIPPED, 0, SF_INVALID, 410, 0, NULL, "invalid URL", RS_FAILED, 0, 0, NULL },
	/* the schedule's length decides when a delivery is dropped */
	{ "short schedule: 1st failure waits 1 s", SHORT, 0, SF_NONE, 500, 0, NULL, "", RS_RETRYING, 1000, 0, NULL },
	{ "short schedule: 2nd failure waits 2 s", SHORT, 1, SF_NETWORK, 0, 0, NULL, TMO, RS_RETRYING, 2000, 0, NULL },
	{ "short schedule: 3rd failure waits 3 s", SHORT, 2, SF_NONE, 408, 0, NULL, "", RS_RETRYING, 3000, 0, NULL },
	{ "short schedule: 4th failure is dropped", SHORT, 3, SF_NONE, 500, 0, NULL, "", RS_DROPPED, 0, 0, NULL },
	{ "short schedule: Retry-After over a 5 s retry_after_max waits 5 s", SHORT, 0, SF_NONE, 429, 60, NULL, "", RS_RETRYING, 5000, 0, "receiver asked to retry after 60 s" },
};

static const char *const st_names[] = {
	[RS_RETRYING] = "retrying", [RS_DELIVERED] = "delivered",
	[RS_FAILED] = "failed", [RS_DROPPED] = "dropped",
};

static void
run_classify(const struct conf *cf, const struct classify_case *c)
{
	struct attempt	 at;
	struct verdict	 v;
	const char	*we = c->want_error != NULL ? c->want_error : c->error;

	memset(&at, 0, sizeof(at));
	at.at_status = c->status;
	at.at_fail = c->fail;
	at.at_retry_after = c->retry_after;
	at.at_location = (char *)c->location;
	snprintf(at.at_error, sizeof(at.at_error), "%s", c->error);
	memset(&v, 0x5a, sizeof(v));	/* nothing may be left unset */
	record_classify(cf, c->attempts, &at, &v);
	T_CHECK(v.v_status == c->want && v.v_delay_ms == c->delay_ms &&
	    v.v_gone == c->gone && strcmp(v.v_error, we) == 0,
	    "classify: %s (%s, %lld ms%s)", c->name,
	    v.v_status <= RS_DROPPED ? st_names[v.v_status] : "?",
	    (long long)v.v_delay_ms, v.v_gone ? ", gone" : "");
}

/* The error text is a fixed buffer: a long Location or error is cut,
 * never overflows. */
static void
check_long_texts(const struct conf *cf)
{
	struct attempt	 at;
	struct verdict	 v;
	char		 loc[4096];

	memset(loc, 'a', sizeof(loc) - 1);
	loc[sizeof(loc) - 1] = '\0';
	memset(&at, 0, sizeof(at));
	at.at_status = 302;
	at.at_location = loc;
	record_classify(cf, 0, &at, &v);
	T_CHECK(v.v_status == RS_FAILED &&
	    strlen(v.v_error) == sizeof(v.v_error) - 1 &&
	    strncmp(v.v_error, "redirect not followed (3xx): Location aaa",
	    41) == 0, "classify: a 4 KiB Location is cut to the error's "
	    "%zu bytes", sizeof(v.v_error) - 1);

	memset(&at, 0, sizeof(at));
	at.at_fail = SF_NETWORK;
	memset(at.at_error, 'e', sizeof(at.at_error) - 1);
	record_classify(cf, 0, &at, &v);
	T_CHECK(v.v_status == RS_RETRYING &&
	    strlen(v.v_error) == sizeof(at.at_error) - 1,
	    "classify: a full at_error is copied whole (%zu bytes)",
	    strlen(v.v_error));
}

/* A manual attempt (redelivery, test event) is never retried. */
static void
check_manual(const struct conf *cf)
{
	struct attempt	 at;
	struct verdict	 v;

	memset(&at, 0, sizeof(at));
	at.at_status = 500;
	record_classify(cf, 1, &at, &v);
	record_manual(2, &v);
	T_CHECK(v.v_status == RS_RETRYING && v.v_resume == 1 &&
	    v.v_delay_ms == 0, "manual: a 500 during retries goes back to "
	    "the retry it interrupted");
	at.at_status = 400;
	record_classify(cf, 1, &at, &v);
	record_manual(2, &v);
	T_CHECK(v.v_status == RS_RETRYING && v.v_resume == 1,
	    "manual: so does a 400 (the schedule goes on as before)");
	at.at_status = 200;
	record_classify(cf, 1, &at, &v);
	record_manual(2, &v);
	T_CHECK(v.v_status == RS_DELIVERED && !v.v_resume,
	    "manual: a success during retries delivers it");
	at.at_status = 410;
	record_classify(cf, 1, &at, &v);
	record_manual(2, &v);
	T_CHECK(v.v_status == RS_FAILED && v.v_gone,
	    "manual: 410 during retries fails it and disables the endpoint");
	at.at_status = 500;
	record_classify(cf, 0, &at, &v);
	record_manual(1, &v);
	T_CHECK(v.v_status == RS_DROPPED && !v.v_resume &&
	    strstr(v.v_error, "not retried") != NULL,
	    "manual: a single attempt (test event, redelivery) that meets a "
	    "500 is dropped, not retried: %s", v.v_error);
	at.at_status = 404;
	record_classify(cf, 0, &at, &v);
	record_manual(1, &v);
	T_CHECK(v.v_status == RS_FAILED, "manual: a single attempt that meets "
	    "a 404 is failed");
	at.at_status = 200;
	record_classify(cf, 0, &at, &v);
	record_manual(1, &v);
	T_CHECK(v.v_status == RS_DELIVERED, "manual: a single attempt that "
	    "succeeds is delivered");
	at.at_status = 503;
	record_classify(cf, 0, &at, &v);
	record_manual(0, &v);
	T_CHECK(v.v_status == RS_RETRYING && v.v_delay_ms == MIN &&
	    !v.v_resume, "manual: an automatic attempt keeps its schedule");
}

int
main(void)
{
	struct conf	 shipped, sh;
	size_t		 i;

	conf_defaults(&shipped);
	conf_defaults(&sh);
	sh.cf_retry_ms[0] = 1000;
	sh.cf_retry_ms[1] = 2000;
	sh.cf_retry_ms[2] = 3000;
	sh.cf_retry_n = 3;
	sh.cf_retry_after_max_ms = 5000;
	T_CHECK(shipped.cf_retry_n == 5 && shipped.cf_retry_ms[0] == MIN &&
	    shipped.cf_retry_ms[1] == 5 * MIN &&
	    shipped.cf_retry_ms[2] == 30 * MIN &&
	    shipped.cf_retry_ms[3] == 2 * HOUR &&
	    shipped.cf_retry_ms[4] == 12 * HOUR &&
	    shipped.cf_retry_after_max_ms == 1 * HOUR,
	    "the shipped schedule is 1m 5m 30m 2h 12h, retry_after_max 1h");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_classify(cases[i].conf == SHORT ? &sh : &shipped,
		    &cases[i]);
	check_manual(&shipped);
	check_long_texts(&shipped);
	conf_free(&shipped);
	conf_free(&sh);
	return t_done();
}

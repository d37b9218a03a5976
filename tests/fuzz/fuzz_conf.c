/*
 * libFuzzer harness for the INI config reader (src/core/conf.c).  conf_load
 * reads a file, so each input is written to one per-process temporary
 * file that is reused for every run and removed at exit.
 *
 * Invariants, beyond "no crash, no leak, no UB":
 *   - failure leaves a message and a zeroed struct conf (so a caller
 *     that calls conf_free again frees nothing twice);
 *   - success never holds a value outside the range the key table
 *     documents: the ranges are restated here, from
 *     webhooks.conf.sample, rather than read from conf.c's table;
 *   - success always has [database] user and name, a host or a
 *     socket, and a master key path;
 *   - a file that loads loads the same way a second time.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

static char	 path[64];

static void
cleanup(void)
{
	if (path[0] != '\0')
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "%s/wh-fuzz-conf-%ld.conf",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
	    (long)getpid());
	atexit(cleanup);
	return 0;
}

#define RANGE(v, lo, hi) FUZZ_CHECK((long long)(v) >= (long long)(lo) && \
	(long long)(v) <= (long long)(hi), "%s = %lld outside [%lld, %lld]", \
	#v, (long long)(v), (long long)(lo), (long long)(hi))

static void
check_str(const char *name, const char *s)
{
	if (s == NULL)
		return;
	/* A value is one line of the file, without its newline. */
	FUZZ_CHECK(strchr(s, '\n') == NULL, "%s holds a newline", name);
}

static void
check_loaded(const struct conf *cf)
{
	size_t	 i;

	FUZZ_CHECK(cf->cf_path != NULL && strcmp(cf->cf_path, path) == 0,
	    "cf_path");
	FUZZ_CHECK(cf->cf_db_user != NULL && cf->cf_db_name != NULL,
	    "loaded without [database] user and name");
	FUZZ_CHECK(cf->cf_db_host != NULL || cf->cf_db_socket != NULL,
	    "loaded without a database host or socket");
	FUZZ_CHECK(cf->cf_master_key_file != NULL, "no master key path");
	FUZZ_CHECK(cf->cf_wake_addr != NULL, "wake_address is NULL");
	check_str("host", cf->cf_db_host);
	check_str("socket", cf->cf_db_socket);
	check_str("user", cf->cf_db_user);
	check_str("password", cf->cf_db_password);
	check_str("name", cf->cf_db_name);
	check_str("user_agent", cf->cf_user_agent);
	check_str("wake_address", cf->cf_wake_addr);
	check_str("master_key_file", cf->cf_master_key_file);

	RANGE(cf->cf_db_port, 1, 65535);
	RANGE(cf->cf_db_connect_timeout_ms, 1000, 3600000);
	RANGE(cf->cf_retry_n, 1, CONF_RETRY_MAX);
	for (i = 0; i < cf->cf_retry_n && i < CONF_RETRY_MAX; i++)
		RANGE(cf->cf_retry_ms[i], 100, 30LL * 86400000);
	RANGE(cf->cf_timeout_ms, 100, 3600000);
	RANGE(cf->cf_connect_timeout_ms, 100, 3600000);
	RANGE(cf->cf_concurrency, 1, 4096);
	RANGE(cf->cf_endpoint_concurrency, 1, 4096);
	RANGE(cf->cf_allow_private, 0, 1);
	RANGE(cf->cf_response_capture, 0, 1048576);
	RANGE(cf->cf_poll_ms, 10, 60000);
	RANGE(cf->cf_lease_ms, 1000, 86400000);
	RANGE(cf->cf_claim_batch, 1, 10000);
	RANGE(cf->cf_retry_after_max_ms, 0, 604800000);
	RANGE(cf->cf_drain_budget_ms, 1000, 86400000);
	RANGE(cf->cf_max_body, 1024, 1073741824);
	RANGE(cf->cf_max_batch, 1, 100000);
	RANGE(cf->cf_idempotency_ms, 60000, 2592000000LL);
	RANGE(cf->cf_session_ms, 60000, 2592000000LL);
	RANGE(cf->cf_login_max_failures, 1, 1000);
	RANGE(cf->cf_login_lockout_ms, 1000, 86400000);
	RANGE(cf->cf_retention_days, 1, 3650);
	RANGE(cf->cf_log_level, 0, 3);
}

static int
is_zero(const void *p, size_t n)
{
	const unsigned char	*c = p;
	size_t			 i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	 cf, cf2;
	char		 err[512];
	int		 fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FUZZ_CHECK(fd != -1, "cannot write %s", path);
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size,
	    "short write to %s", path);
	close(fd);

	err[0] = '\0';
	rc = conf_load(&cf, path, err, sizeof(err));
	if (rc == -1) {
		FUZZ_CHECK(err[0] != '\0', "failure without a message");
		FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0,
		    "message does not name the file: %s", err);
		FUZZ_CHECK(is_zero(&cf, sizeof(cf)), "failure left state in "
		    "struct conf");
		conf_free(&cf);
		return 0;
	}
	FUZZ_CHECK(rc == 0, "conf_load returned %d", rc);
	check_loaded(&cf);

	/* Reading is deterministic: the same file, the same result. */
	FUZZ_CHECK(conf_load(&cf2, path, err, sizeof(err)) == 0,
	    "second load failed: %s", err);
	FUZZ_CHECK(cf2.cf_retry_n == cf.cf_retry_n &&
	    memcmp(cf2.cf_retry_ms, cf.cf_retry_ms, sizeof(cf.cf_retry_ms))
	    == 0 && cf2.cf_max_body == cf.cf_max_body &&
	    strcmp(cf2.cf_db_user, cf.cf_db_user) == 0, "second load differs");
	conf_free(&cf2);

	conf_free(&cf);
	FUZZ_CHECK(is_zero(&cf, sizeof(cf)), "conf_free left state behind");
	conf_free(&cf);		/* and a second free is harmless */
	return 0;
}

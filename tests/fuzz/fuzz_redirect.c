/*
 * libFuzzer harness for the validators of POST /api/v1/admin-links:
 * adminlink_redirect_ok and adminlink_email_ok (src/core/adminlink.c).
 * The input, up to its first NUL, is the value.
 *
 * Invariants, beyond "no crash, no leak, no UB", for an accepted
 * redirect:
 *   - it is "/admin", or starts with "/admin/" or "/admin?", and has at
 *     most ADMINLINK_REDIRECT_MAX bytes, each printable ASCII and none
 *     of \ " ' < > ` #;
 *   - its path (before '?') has no "//", no '%' and no "." or ".."
 *     segment;
 *   - libcurl's URL parser, resolving it against
 *     https://hooks.example/admin/link (where the page that redirects
 *     is), stays on https://hooks.example, port 443, with a path under
 *     /admin: a browser-style resolution, by code that is not ours,
 *     cannot leave the admin.
 * An accepted email has one '@' with something either side and no
 * space, control character, quote, backslash or angle bracket.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "adminlink.h"
#include "fuzz.h"

static void
check_redirect(const char *s)
{
	const char	*q, *p, *seg;
	size_t		 n = strlen(s), i, len;
	CURLU		*u;
	char		*host = NULL, *path = NULL, *scheme = NULL, *port = NULL;

	if (!adminlink_redirect_ok(s))
		return;
	FUZZ_CHECK(n <= ADMINLINK_REDIRECT_MAX, "%zu bytes", n);
	FUZZ_CHECK(strncmp(s, "/admin", 6) == 0 && (s[6] == '\0' ||
	    s[6] == '/' || s[6] == '?'), "%s", s);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(s[i] > 0x20 && s[i] < 0x7f &&
		    strchr("\\\"'<>`#", s[i]) == NULL, "byte %zu of %s", i, s);
	q = strchr(s, '?');
	len = q != NULL ? (size_t)(q - s) : n;
	for (p = s; p < s + len; p = seg) {
		seg = p + 1;
		while (seg < s + len && *seg != '/')
			seg++;
		FUZZ_CHECK(seg - p != 1 || seg == s + len, "// in %s", s);
		FUZZ_CHECK(!(seg - p == 2 && p[1] == '.') &&
		    !(seg - p == 3 && p[1] == '.' && p[2] == '.'),
		    "dot segment in %s", s);
	}
	FUZZ_CHECK(memchr(s, '%', len) == NULL, "%% in the path of %s", s);

	if ((u = curl_url()) == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, "https://hooks.example/admin/link",
	    0) == CURLUE_OK && curl_url_set(u, CURLUPART_URL, s, 0) ==
	    CURLUE_OK) {
		FUZZ_CHECK(curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ==
		    CURLUE_OK && strcmp(scheme, "https") == 0, "%s", s);
		FUZZ_CHECK(curl_url_get(u, CURLUPART_HOST, &host, 0) ==
		    CURLUE_OK && strcmp(host, "hooks.example") == 0,
		    "%s leaves the host: %s", s, host ? host : "(none)");
		FUZZ_CHECK(curl_url_get(u, CURLUPART_PORT, &port,
		    CURLU_DEFAULT_PORT) == CURLUE_OK && strcmp(port, "443") ==
		    0, "%s", s);
		FUZZ_CHECK(curl_url_get(u, CURLUPART_PATH, &path, 0) ==
		    CURLUE_OK && strncmp(path, "/admin", 6) == 0 &&
		    (path[6] == '\0' || path[6] == '/'),
		    "%s resolves to %s", s, path ? path : "(none)");
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
}

static void
check_email(const char *s)
{
	const char	*at;
	size_t		 i;

	if (!adminlink_email_ok(s))
		return;
	at = strchr(s, '@');
	FUZZ_CHECK(at != NULL && at != s && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strlen(s) <= 254, "%s", s);
	for (i = 0; s[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)s[i] > 0x20 && s[i] != 0x7f &&
		    strchr("\"\\<>", s[i]) == NULL, "byte %zu of %s", i, s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_redirect(s);
	check_email(s);
	free(s);
	return 0;
}

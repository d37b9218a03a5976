/*
 * libFuzzer harness for the query-string and form parser in src/fcgi/req.c:
 * req_form_get, req_form_all, req_urldecode and req_urlencode.
 *
 * Input: "NAME\nDATA".  NAME (a C string, so it ends at a NUL too) is
 * the field asked for and DATA the urlencoded text, which may hold any
 * byte; without a newline the name is "q" and the whole input is DATA.
 *
 * Invariants, beyond "no crash, no leak, no UB":
 *   - req_urldecode: on success the length never grows, the result is
 *     NUL-terminated at the new length and holds no NUL before it; a
 *     "%00" or a raw NUL makes it fail;
 *   - req_form_get finds a value exactly when req_form_all finds one,
 *     and it is the first of them;
 *   - every value is no longer than DATA, and there is at most one
 *     per '&'-separated pair;
 *   - req_urlencode then req_urldecode gives back the value, and the
 *     encoding is only unreserved characters and %XX.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "req.h"
#include "fuzz.h"

static void
check_roundtrip(const char *v)
{
	struct buf	 b;
	size_t		 n, i;
	char		 c;

	buf_init(&b);
	req_urlencode(&b, v);
	buf_cstr(&b);
	for (i = 0; i < b.b_len; i++) {
		c = b.b_data[i];
		FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~%", c) != NULL,
		    "req_urlencode left byte 0x%02x", (unsigned char)c);
	}
	n = b.b_len;
	FUZZ_CHECK(req_urldecode(b.b_data, &n) == 0, "cannot decode what "
	    "req_urlencode wrote");
	FUZZ_CHECK(n == strlen(v) && memcmp(b.b_data, v, n) == 0,
	    "urlencode/urldecode round trip changed the value");
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	const char	*nl, *data;
	char		 name[256], *copy, *v, **all;
	size_t		 len, n, i, dlen;

	nl = memchr(in, '\n', size);
	if (nl == NULL) {
		strcpy(name, "q");
		data = (const char *)in;
		dlen = size;
	} else {
		n = (size_t)(nl - (const char *)in);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, in, n);
		name[n] = '\0';
		data = nl + 1;
		dlen = size - (size_t)(nl + 1 - (const char *)in);
	}

	/* req_urldecode on the whole of DATA, in a right-sized copy so
	 * ASan sees any read or write past its end. */
	copy = malloc(dlen + 1);
	FUZZ_CHECK(copy != NULL, "malloc");
	memcpy(copy, data, dlen);
	copy[dlen] = '\0';
	len = dlen;
	if (req_urldecode(copy, &len) == 0) {
		FUZZ_CHECK(len <= dlen, "decoding grew %zu to %zu", dlen, len);
		FUZZ_CHECK(copy[len] == '\0', "result not NUL-terminated");
		FUZZ_CHECK(memchr(copy, '\0', len) == NULL,
		    "decoded value holds a NUL");
		check_roundtrip(copy);
		FUZZ_CHECK(memchr(data, '\0', dlen) == NULL,
		    "req_urldecode accepted a raw NUL");
	} else
		FUZZ_CHECK(memchr(data, '\0', dlen) != NULL ||
		    memchr(data, '%', dlen) != NULL,
		    "req_urldecode failed without a NUL or a %%");
	free(copy);

	v = req_form_get(data, dlen, name);
	n = req_form_all(data, dlen, name, &all);
	/* One value at most per '&'-separated pair. */
	for (i = 0, len = 1; i < dlen; i++)
		len += data[i] == '&';
	FUZZ_CHECK(n <= len, "%zu values from %zu pairs", n, len);
	FUZZ_CHECK((v == NULL) == (n == 0), "req_form_get %s a value, "
	    "req_form_all found %zu", v ? "found" : "did not find", n);
	FUZZ_CHECK(n == 0 || all != NULL, "values but no array");
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(all[i] != NULL && strlen(all[i]) <= dlen,
		    "value %zu longer than the data", i);
		check_roundtrip(all[i]);
	}
	if (v != NULL)
		FUZZ_CHECK(strcmp(v, all[0]) == 0, "req_form_get and "
		    "req_form_all disagree on the first value");
	free(v);
	req_form_free_all(all, n);

	/* NULL data is "no query string". */
	FUZZ_CHECK(req_form_get(NULL, 0, name) == NULL &&
	    req_form_all(NULL, 0, name, &all) == 0 && all == NULL,
	    "NULL data");
	return 0;
}

/* crypto: RFC 4231 HMAC vectors, the seed's verify(), encodings, secrets
 * at rest (bound to their row), the master key file and password
 * hashing. */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "crypto.h"
#include "t.h"

static void
unhex(const char *h, unsigned char *out, size_t *n)
{
	size_t	 i;
	unsigned v;

	for (i = 0; h[2 * i] != '\0'; i++) {
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	*n = i;
}

/* The seed's verify(): hex HMAC of the body with secret.encode(),
 * compared in constant time with the header as sent. */
static int
seed_verify(const char *body, const char *header_sig, const char *secret)
{
	char	 expected[65];

	cr_sign_hex(secret, body, strlen(body), expected);
	return strlen(header_sig) == 64 &&
	    CRYPTO_memcmp(expected, header_sig, 64) == 0;
}

int
main(void)
{
	/* RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (HMAC-SHA-256). */
	static const struct { const char *key, *data, *mac; } v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
	};
	unsigned char	 key[256], data[256], mac[32], raw[64];
	size_t		 kl, dl, i;
	char		 hex[65], path[64];
	const char	*body = "{\"event\":\"leave.approved\",\"occurred_at\":"
	    "\"2026-04-29T14:32:11Z\",\"data\":{\"id\":123}}";
	struct buf	 b, s;
	long		 n;
	char		*h, *tok, planted[96], victim[64], msg[200];
	struct stat	 st;
	int		 fd;
	const struct cr_bind bind = { "endpoints", "secret_sealed", 5, 1 };
	/* The same value anywhere else: another tenant's row with the same
	 * id, another row, another column, another table. */
	const struct cr_bind other[] = {
		{ "endpoints", "secret_sealed", 5, 2 },
		{ "endpoints", "secret_sealed", 6, 1 },
		{ "endpoints", "prev_secret_sealed", 5, 1 },
		{ "endpoints", "headers_sealed", 5, 1 },
		{ "tenants", "secret_sealed", 5, 1 },
	};

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(v[i].key, key, &kl);
		unhex(v[i].data, data, &dl);
		cr_hmac_sha256(key, kl, data, dl, mac);
		cr_hex(mac, 32, hex);
		T_CHECK(strcmp(hex, v[i].mac) == 0, "RFC 4231 vector %zu", i + 1);
	}

	cr_sign_hex("whsec_test_secret_value", body, strlen(body), hex);
	T_CHECK(strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64,
	    "signature is bare lowercase hex");
	T_CHECK(seed_verify(body, hex, "whsec_test_secret_value"),
	    "the seed's verify() accepts our signature");
	T_CHECK(!seed_verify(body, hex, "another_secret_value"),
	    "the seed's verify() refuses another secret");
	T_CHECK(!seed_verify("{\"event\":\"x\"}", hex,
	    "whsec_test_secret_value"), "the seed's verify() refuses another body");
	/* Same value computed independently with
	 * printf %s BODY | openssl dgst -sha256 -hmac KEY */
	T_CHECK(strcmp(hex, "e22a1da30ffddf460977621608759fea55f4ce922b15075b51f0c61a7ae1e735") == 0,
	    "signature matches openssl dgst -hmac");

	buf_init(&b);
	cr_b64_encode((const unsigned char *)"foobar", 6, 0, &b);
	T_CHECK(strcmp(buf_cstr(&b), "Zm9vYmFy") == 0, "base64 of 6 bytes");
	buf_reset(&b);
	cr_b64_encode((const unsigned char *)"fooba", 5, 0, &b);
	T_CHECK(strcmp(buf_cstr(&b), "Zm9vYmE=") == 0, "base64 pads");
	buf_reset(&b);
	cr_b64_encode((const unsigned char *)"\xfb\xff", 2, 1, &b);
	T_CHECK(strcmp(buf_cstr(&b), "-_8") == 0, "base64url, no padding");
	n = cr_b64_decode("Zm9vYmE=", 8, raw, sizeof(raw));
	T_CHECK(n == 5 && memcmp(raw, "fooba", 5) == 0, "base64 decodes");
	T_CHECK(cr_b64_decode("Zm9v!mE=", 8, raw, sizeof(raw)) == -1,
	    "base64 refuses junk");
	T_CHECK(cr_b64_decode("Zm9vYmFy", 8, raw, 3) == -1,
	    "base64 refuses overflowing output");

	tok = cr_token("whsec_", 32);
	T_CHECK(tok != NULL && strncmp(tok, "whsec_", 6) == 0 &&
	    strlen(tok) == 6 + 43, "whsec_ token of 32 random bytes");
	T_CHECK(cr_b64_decode(tok + 6, strlen(tok + 6), raw, sizeof(raw)) == 32,
	    "the token's base64 decodes to 32 bytes");
	free(tok);

	snprintf(path, sizeof(path), "/tmp/whkey-%ld", (long)getpid());
	unlink(path);
	/* Before: the key was first written to path.PID.tmp, opened
	 * without O_EXCL or O_NOFOLLOW; a symlink planted there received
	 * the key.  Now the name is random and the open exclusive. */
	snprintf(planted, sizeof(planted), "%s.%ld.tmp", path,
	    (long)getpid());
	snprintf(victim, sizeof(victim), "/tmp/whkey-victim-%ld",
	    (long)getpid());
	unlink(planted);
	unlink(victim);
	T_CHECK(symlink(victim, planted) == 0, "a symlink planted at the old "
	    "temporary name");
	T_CHECK(cr_seal(&bind, "x", 1, &b) == -1,
	    "seal refuses without a master key");
	T_CHECK(cr_master_load(path, 0) == -1, "a missing key is not created "
	    "unless asked");
	T_CHECK(cr_master_load(path, 1) == 0 && access(path, R_OK) == 0,
	    "the master key is created on first use");
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "the master key is created with mode 0600 (got %04o)",
	    (unsigned)(st.st_mode & 07777));
	T_CHECK(access(victim, F_OK) == -1, "the key is not written through "
	    "a symlink planted at a guessable temporary name");
	unlink(planted);
	fd = open(path, O_RDONLY);
	T_CHECK(cr_master_mode_check(fd, msg, sizeof(msg)) == 0,
	    "mode 0600 is fine");
	fchmod(fd, 0640);
	T_CHECK(cr_master_mode_check(fd, msg, sizeof(msg)) == 0,
	    "mode 0640 (the web server's group reads it) is fine");
	fchmod(fd, 0644);
	T_CHECK(cr_master_mode_check(fd, msg, sizeof(msg)) == 1 &&
	    strstr(msg, "other users read it") != NULL,
	    "a world-readable key is reported: %s", msg);
	fchmod(fd, 0660);
	T_CHECK(cr_master_mode_check(fd, msg, sizeof(msg)) == 1,
	    "a group-writable key is reported");
	close(fd);
	fd = open("/tmp", O_RDONLY);
	T_CHECK(cr_master_mode_check(fd, msg, sizeof(msg)) == -1,
	    "a directory is not a key file");
	close(fd);

	buf_reset(&b);
	T_CHECK(cr_seal(&bind, "whsec_abc", 9, &b) == 0 &&
	    strncmp(buf_cstr(&b), "v2:", 3) == 0 &&
	    strstr(b.b_data, "whsec_abc") == NULL, "a sealed secret hides it");
	buf_init(&s);
	T_CHECK(cr_open(&bind, b.b_data, b.b_len, &s) == 0 &&
	    strcmp(buf_cstr(&s), "whsec_abc") == 0, "seal and open round trip");
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		buf_reset(&s);
		T_CHECK(cr_open(&other[i], b.b_data, b.b_len, &s) == -1 &&
		    s.b_len == 0, "a sealed value copied to %s.%s of row %llu, "
		    "tenant %llu does not open", other[i].cb_table,
		    other[i].cb_column, other[i].cb_row, other[i].cb_tenant);
	}
	b.b_data[10] ^= 1;
	buf_reset(&s);
	T_CHECK(cr_open(&bind, b.b_data, b.b_len, &s) == -1,
	    "a tampered secret fails authentication");
	buf_reset(&b);
	buf_reset(&s);
	T_CHECK(cr_seal_v1("whsec_old", 9, &b) == 0 &&
	    cr_open(&bind, b.b_data, b.b_len, &s) == -1,
	    "the old unbound format (v1) is refused");
	buf_reset(&s);
	T_CHECK(cr_open_v1(b.b_data, b.b_len, &s) == 0 &&
	    strcmp(buf_cstr(&s), "whsec_old") == 0,
	    "migrate can still open a v1 value to re-seal it");
	unlink(path);

	h = cr_password_hash("correct horse battery");
	T_CHECK(h != NULL && strncmp(h, "$scrypt$", 8) == 0,
	    "password hash is scrypt");
	T_CHECK(h && cr_password_verify("correct horse battery", h),
	    "right password verifies");
	T_CHECK(h && !cr_password_verify("correct horse batterx", h),
	    "wrong password fails");
	T_CHECK(!cr_password_verify("x", "$scrypt$garbage"),
	    "a malformed hash fails");
	free(h);
	buf_free(&b);
	buf_free(&s);
	return t_done();
}

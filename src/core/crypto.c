/* HMAC, encodings, randomness, password hashing and secrets at rest. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "util.h"

static unsigned char	master_key[32];
static int		master_loaded;

int
cr_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[CR_SHA256_LEN])
{
	unsigned int	 outlen = CR_SHA256_LEN;

	if (keylen > INT32_MAX)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, len, out,
	    &outlen) == NULL)
		return -1;
	return 0;
}

int
cr_sign_hex(const char *secret, const void *body, size_t len, char out[65])
{
	unsigned char	 mac[CR_SHA256_LEN];

	if (cr_hmac_sha256(secret, strlen(secret), body, len, mac) == -1)
		return -1;
	cr_hex(mac, sizeof(mac), out);
	return 0;
}

void
cr_sha256(const void *p, size_t n, unsigned char out[CR_SHA256_LEN])
{
	SHA256(p, n, out);
}

void
cr_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hexd[] = "0123456789abcdef";
	size_t		 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexd[p[i] >> 4];
		out[2 * i + 1] = hexd[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
cr_b64_encode(const unsigned char *p, size_t n, int url, struct buf *out)
{
	const char	*al = url ?
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" :
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		 i;
	unsigned	 v;

	buf_reserve(out, (n + 2) / 3 * 4);
	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		buf_putc(out, al[v >> 18 & 63]);
		buf_putc(out, al[v >> 12 & 63]);
		buf_putc(out, al[v >> 6 & 63]);
		buf_putc(out, al[v & 63]);
	}
	if (i < n) {
		v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8
		    : 0);
		buf_putc(out, al[v >> 18 & 63]);
		buf_putc(out, al[v >> 12 & 63]);
		if (i + 1 < n)
			buf_putc(out, al[v >> 6 & 63]);
		else if (!url)
			buf_putc(out, '=');
		if (!url)
			buf_putc(out, '=');
	}
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long
cr_b64_decode(const char *s, size_t n, unsigned char *out, size_t outsz)
{
	size_t		 i, o = 0;
	unsigned	 acc = 0;
	int		 bits = 0, v;

	while (n > 0 && s[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == outsz)
				return -1;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	if (bits >= 6)
		return -1;
	return (long)o;
}

int
cr_random(void *p, size_t n)
{
	if (n > INT32_MAX || RAND_bytes(p, (int)n) != 1) {
		log_err("RAND_bytes failed");
		return -1;
	}
	return 0;
}

char *
cr_token(const char *prefix, size_t n)
{
	unsigned char	 raw[64];
	struct buf	 b;

	if (n > sizeof(raw) || cr_random(raw, n) == -1)
		return NULL;
	buf_init(&b);
	buf_puts(&b, prefix);
	cr_b64_encode(raw, n, 1, &b);
	OPENSSL_cleanse(raw, sizeof(raw));
	return buf_release(&b);
}

/* scrypt N=2^15, r=8, p=1: about 32 MiB and a few tens of ms per login,
 * OWASP's recommended floor. */
#define SCRYPT_LOGN	15
#define SCRYPT_R	8
#define SCRYPT_P	1

static int
scrypt_raw(const char *pw, const unsigned char *salt, size_t saltlen,
    int logn, int r, int p, unsigned char out[32])
{
	uint64_t	 N = (uint64_t)1 << logn;

	if (EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, N, (uint64_t)r,
	    (uint64_t)p, 128ULL * N * (uint64_t)r * 2, out, 32) != 1)
		return -1;
	return 0;
}

char *
cr_password_hash(const char *pw)
{
	unsigned char	 salt[16], dk[32];
	struct buf	 b;

	if (cr_random(salt, sizeof(salt)) == -1 ||
	    scrypt_raw(pw, salt, sizeof(salt), SCRYPT_LOGN, SCRYPT_R,
	    SCRYPT_P, dk) == -1)
		return NULL;
	buf_init(&b);
	buf_printf(&b, "$scrypt$ln=%d,r=%d,p=%d$", SCRYPT_LOGN, SCRYPT_R,
	    SCRYPT_P);
	cr_b64_encode(salt, sizeof(salt), 1, &b);
	buf_putc(&b, '$');
	cr_b64_encode(dk, sizeof(dk), 1, &b);
	OPENSSL_cleanse(dk, sizeof(dk));
	return buf_release(&b);
}

int
cr_password_verify(const char *pw, const char *enc)
{
	int		 logn, r, p, n = 0;
	const char	*s, *d;
	unsigned char	 salt[64], want[64], got[32];
	long		 sl, wl;

	if (sscanf(enc, "$scrypt$ln=%d,r=%d,p=%d$%n", &logn, &r, &p, &n) != 3
	    || n == 0 || logn < 10 || logn > 20 || r < 1 || r > 32 ||
	    p < 1 || p > 16)
		return 0;
	s = enc + n;
	if ((d = strchr(s, '$')) == NULL)
		return 0;
	sl = cr_b64_decode(s, (size_t)(d - s), salt, sizeof(salt));
	wl = cr_b64_decode(d + 1, strlen(d + 1), want, sizeof(want));
	if (sl <= 0 || wl != 32)
		return 0;
	if (scrypt_raw(pw, salt, (size_t)sl, logn, r, p, got) == -1)
		return 0;
	return CRYPTO_memcmp(got, want, 32) == 0;
}

/* Write a new key to a private temporary file, then link it into place:
 * link(2) fails if the key appeared meanwhile, so programs starting at
 * once agree on one key, and none ever reads a half-written file.  The
 * temporary name is random and opened with O_EXCL | O_NOFOLLOW, so a
 * file or symlink planted at a guessable name cannot receive the key;
 * mode 0600: only the owner reads it (README: how to let Apache's group
 * read it). */
static int
master_create(const char *path)
{
	unsigned char	 raw[32], rnd[8];
	char		 hex[2 * sizeof(rnd) + 1];
	struct buf	 b, tmp;
	int		 fd, rc = -1;

	buf_init(&b);
	buf_init(&tmp);
	if (cr_random(rnd, sizeof(rnd)) == -1)
		goto out;
	cr_hex(rnd, sizeof(rnd), hex);
	buf_printf(&tmp, "%s.%s.tmp", path, hex);
	if ((fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		log_err("%s: %s", buf_cstr(&tmp), strerror(errno));
		buf_reset(&tmp);	/* not ours: never unlink it */
		goto out;
	}
	/* The umask may only have narrowed it; make it exactly 0600. */
	if (fchmod(fd, 0600) == -1 || cr_random(raw, sizeof(raw)) == -1) {
		close(fd);
		goto out;
	}
	cr_b64_encode(raw, sizeof(raw), 0, &b);
	OPENSSL_cleanse(raw, sizeof(raw));
	buf_putc(&b, '\n');
	if (write(fd, b.b_data, b.b_len) != (ssize_t)b.b_len ||
	    fsync(fd) == -1) {
		log_err("%s: %s", buf_cstr(&tmp), strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	if (link(buf_cstr(&tmp), path) == 0)
		log_info("created master key %s (mode 0600)", path);
	else if (errno != EEXIST) {
		log_err("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (tmp.b_len > 0)
		unlink(buf_cstr(&tmp));
	cr_wipe(&b);
	buf_free(&tmp);
	return rc;
}

int
cr_master_mode_check(int fd, char *msg, size_t msgsz)
{
	struct stat	 st;

	msg[0] = '\0';
	if (fstat(fd, &st) == -1) {
		snprintf(msg, msgsz, "cannot stat it: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msgsz, "not a regular file");
		return -1;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		snprintf(msg, msgsz, "mode %04o lets %s; it should be 0600 "
		    "(or 0640 with the web server's group): chmod o-rwx,g-w "
		    "it", (unsigned)(st.st_mode & 07777),
		    (st.st_mode & S_IRWXO) ? "other users read it" :
		    "its group change it");
		return 1;
	}
	return 0;
}

int
cr_master_load(const char *path, int create)
{
	unsigned char	 raw[64];
	char		 text[128], msg[200];
	ssize_t		 n;
	long		 kl;
	int		 fd;

	if (master_loaded)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 && errno == ENOENT
	    && create) {
		if (master_create(path) == -1)
			return -1;
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd == -1) {
		log_err("master key %s: %s", path, strerror(errno));
		return -1;
	}
	/* Too open is worth a warning every start, not a refusal: a
	 * running service must not stop over a chmod. */
	switch (cr_master_mode_check(fd, msg, sizeof(msg))) {
	case -1:
		log_err("master key %s: %s", path, msg);
		close(fd);
		return -1;
	case 1:
		log_warn("master key %s: %s", path, msg);
		break;
	}
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0) {
		log_err("master key %s: empty or unreadable", path);
		return -1;
	}
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	kl = cr_b64_decode(text, (size_t)n, raw, sizeof(raw));
	OPENSSL_cleanse(text, sizeof(text));
	if (kl != 32) {
		log_err("master key %s: expected base64 of 32 bytes", path);
		return -1;
	}
	memcpy(master_key, raw, 32);
	OPENSSL_cleanse(raw, sizeof(raw));
	master_loaded = 1;
	return 0;
}

/* The associated data of a sealed value: where it lives.  Table and
 * column are names from our code (no '/'), the rest numbers, so two
 * places never give the same text. */
static void
bind_text(const struct cr_bind *cb, struct buf *out)
{
	buf_printf(out, "momentumpro-webhooks/v2/%s/%s/%llu/%llu",
	    cb->cb_table, cb->cb_column, cb->cb_row, cb->cb_tenant);
}

/* AES-256-GCM of plain with aad (may be empty) into prefix + base64(
 * nonce || ciphertext || tag). */
static int
gcm_seal(const char *prefix, const struct buf *aad, const char *plain,
    size_t len, struct buf *out)
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	*blob;
	int		 outl, rc = -1;

	if (!master_loaded || len > INT32_MAX - 64)
		return -1;
	/* nonce(12) || ciphertext(len) || tag(16) */
	blob = xmalloc(len + 28);
	if (cr_random(blob, 12) == -1) {
		free(blob);
		return -1;
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, master_key,
	    blob) != 1 ||
	    (aad != NULL && EVP_EncryptUpdate(ctx, NULL, &outl,
	    (const unsigned char *)aad->b_data, (int)aad->b_len) != 1) ||
	    EVP_EncryptUpdate(ctx, blob + 12, &outl,
	    (const unsigned char *)plain, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, blob + 12 + outl, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
	    blob + 12 + len) != 1)
		goto out;
	buf_puts(out, prefix);
	cr_b64_encode(blob, len + 28, 0, out);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(blob, len + 28);
	free(blob);
	return rc;
}

static int
gcm_open(const char *prefix, const struct buf *aad, const char *sealed,
    size_t len, struct buf *out)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*blob, *plain;
	size_t		 pl, plen = strlen(prefix);
	long		 bl;
	int		 outl, rc = -1;

	if (!master_loaded || len < plen || memcmp(sealed, prefix, plen) != 0)
		return -1;
	blob = xmalloc(len);
	bl = cr_b64_decode(sealed + plen, len - plen, blob, len);
	if (bl < 28) {
		free(blob);
		return -1;
	}
	pl = (size_t)bl - 28;
	plain = xmalloc(pl + 1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, master_key,
	    blob) != 1 ||
	    (aad != NULL && EVP_DecryptUpdate(ctx, NULL, &outl,
	    (const unsigned char *)aad->b_data, (int)aad->b_len) != 1) ||
	    EVP_DecryptUpdate(ctx, plain, &outl, blob + 12, (int)pl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
	    blob + 12 + pl) != 1 ||
	    EVP_DecryptFinal_ex(ctx, plain + outl, &outl) != 1) {
		log_err("a sealed secret failed authentication: wrong master "
		    "key, or a value copied from another row?");
		goto out;
	}
	buf_add(out, plain, pl);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(plain, pl + 1);
	free(plain);
	free(blob);
	return rc;
}

int
cr_seal(const struct cr_bind *cb, const char *plain, size_t len,
    struct buf *out)
{
	struct buf	 aad;
	int		 rc;

	buf_init(&aad);
	bind_text(cb, &aad);
	rc = gcm_seal(CR_SEAL_PREFIX, &aad, plain, len, out);
	buf_free(&aad);
	return rc;
}

int
cr_open(const struct cr_bind *cb, const char *sealed, size_t len,
    struct buf *out)
{
	struct buf	 aad;
	int		 rc;

	if (len >= 3 && memcmp(sealed, CR_SEAL_PREFIX_V1, 3) == 0) {
		log_err("%s.%s of row %llu is still in the old sealed format "
		    "(v1, not bound to its row): run webhooksctl migrate",
		    cb->cb_table, cb->cb_column, cb->cb_row);
		return -1;
	}
	buf_init(&aad);
	bind_text(cb, &aad);
	rc = gcm_open(CR_SEAL_PREFIX, &aad, sealed, len, out);
	buf_free(&aad);
	return rc;
}

int
cr_open_v1(const char *sealed, size_t len, struct buf *out)
{
	return gcm_open(CR_SEAL_PREFIX_V1, NULL, sealed, len, out);
}

int
cr_seal_v1(const char *plain, size_t len, struct buf *out)
{
	return gcm_seal(CR_SEAL_PREFIX_V1, NULL, plain, len, out);
}

int
cr_master_mac(const char *msg, char out[65])
{
	unsigned char	 sub[CR_SHA256_LEN], mac[CR_SHA256_LEN];

	if (!master_loaded)
		return -1;
	/* A subkey, so a MAC can never be confused with sealing material. */
	if (cr_hmac_sha256(master_key, sizeof(master_key), "form-mac", 8,
	    sub) == -1 ||
	    cr_hmac_sha256(sub, sizeof(sub), msg, strlen(msg), mac) == -1)
		return -1;
	OPENSSL_cleanse(sub, sizeof(sub));
	cr_hex(mac, sizeof(mac), out);
	return 0;
}

void
cr_wipe(struct buf *b)
{
	if (b == NULL)
		return;
	if (b->b_data != NULL)
		OPENSSL_cleanse(b->b_data, b->b_cap);
	buf_free(b);
}

/* HMAC, encodings, randomness, password hashing and secrets at rest,
 * all on OpenSSL 3. */
#ifndef WH_CRYPTO_H
#define WH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CR_SHA256_LEN	32

/* HMAC-SHA256 of msg keyed with key; out gets 32 bytes. */
int	cr_hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, unsigned char out[CR_SHA256_LEN]);
/* The seed's signature: lowercase hex of HMAC-SHA256, 64 chars + NUL. */
int	cr_sign_hex(const char *secret, const void *body, size_t len,
	    char out[65]);
void	cr_sha256(const void *, size_t, unsigned char out[CR_SHA256_LEN]);

void	cr_hex(const unsigned char *, size_t, char *out);  /* 2n+1 bytes */
/* Standard base64 with padding (url = 0) or base64url without (url = 1). */
void	cr_b64_encode(const unsigned char *, size_t, int url, struct buf *);
/* Returns decoded length or -1; accepts either alphabet, padding optional. */
long	cr_b64_decode(const char *, size_t, unsigned char *out, size_t outsz);

int	cr_random(void *, size_t);
/* prefix + base64url of n random bytes, malloc'd; NULL on failure. */
char	*cr_token(const char *prefix, size_t n);

/* Password hashing with scrypt; the encoded string carries its
 * parameters and salt so they can be raised later. */
char	*cr_password_hash(const char *password);
int	 cr_password_verify(const char *password, const char *encoded);

/* Secrets at rest: AES-256-GCM under the master key.  A sealed value is
 * bound to where it is stored: its table, column, row id and tenant id
 * are the AES-GCM associated data, so a value copied into another row
 * (another tenant's, or another column) does not open.  The sealed form
 * is "v2:" + base64(nonce || ciphertext || tag).
 *
 * "v1:" values (before binding) are refused by cr_open; webhooksctl
 * migrate re-seals them, with cr_open_v1, as v2 bound to their row. */
#define CR_SEAL_PREFIX		"v2:"
#define CR_SEAL_PREFIX_V1	"v1:"

struct cr_bind {
	const char		*cb_table;	/* "endpoints" */
	const char		*cb_column;	/* "secret_sealed" */
	unsigned long long	 cb_row;	/* the row's id */
	unsigned long long	 cb_tenant;	/* the row's tenant_id */
};

/* Load the key at path (created, mode 0600, when missing and create is
 * set).  A key file others may read, or its group write, is logged as a
 * warning; a path that is not a regular file is an error. */
int	 cr_master_load(const char *path, int create);
/* The mode of the open key file fd: 0 fine, 1 too open (msg says why
 * and what to do), -1 not a regular file or fstat failed (msg). */
int	 cr_master_mode_check(int fd, char *msg, size_t msgsz);
int	 cr_seal(const struct cr_bind *, const char *plain, size_t len,
	    struct buf *out);
int	 cr_open(const struct cr_bind *, const char *sealed, size_t len,
	    struct buf *out);
/* The unbound v1 format: only for webhooksctl migrate and its tests. */
int	 cr_open_v1(const char *sealed, size_t len, struct buf *out);
int	 cr_seal_v1(const char *plain, size_t len, struct buf *out);
/* Hex HMAC-SHA256 of msg under a key derived from the master key, for
 * stateless tokens (the login form's CSRF token). */
int	 cr_master_mac(const char *msg, char out[65]);

/* Clear a buffer that held a secret, its whole capacity (bytes past
 * b_len may hold earlier contents), then free it; it is left empty, as
 * after buf_init.  Accepts NULL. */
void	 cr_wipe(struct buf *);

#endif

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

/* Secrets at rest: AES-256-GCM under the master key.  The sealed form
 * is "v1:" + base64(nonce || ciphertext || tag). */
int	 cr_master_load(const char *path, int create);
int	 cr_seal(const char *plain, size_t len, struct buf *out);
int	 cr_open(const char *sealed, size_t len, struct buf *out);
/* Hex HMAC-SHA256 of msg under a key derived from the master key, for
 * stateless tokens (the login form's CSRF token). */
int	 cr_master_mac(const char *msg, char out[65]);

/* Clear a buffer that held a secret, its whole capacity (bytes past
 * b_len may hold earlier contents), then free it; it is left empty, as
 * after buf_init.  Accepts NULL. */
void	 cr_wipe(struct buf *);

#endif

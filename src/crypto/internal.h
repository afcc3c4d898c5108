/* Private to src/crypto: set-up hooks that crypto_init() calls. */
#ifndef PQC_CRYPTO_INTERNAL_H
#define PQC_CRYPTO_INTERNAL_H

#include "crypto/crypto.h"

/* Fetch the SHAKE256 EVP_MD once.  0 = ok. */
int hash_init(void);
/* Fetch ChaCha20-Poly1305, set up the per-thread contexts, first use.  0 = ok. */
int aead_init(void);

/* Messages of at least this many bytes go through OpenSSL, shorter ones
 * through libsodium (the crossover measured by bench/aead-speed). */
#define AEAD_EVP_MIN 1400
/* The OpenSSL EVP implementation alone, any size (tests, bench/aead.c). */
void aead_evp_seal(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
                   const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN]);
int aead_evp_open(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
                  const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN]);

#endif

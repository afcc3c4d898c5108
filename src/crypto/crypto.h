/* Thin wrappers over libraries: libmceliece (mceliece6960119), libntruprime
 * (sntrup761), lib25519 (X25519), libsodium (ChaCha20 for the KDF, BLAKE2b,
 * memzero, randombytes) and OpenSSL libcrypto (SHAKE256, ChaCha20-Poly1305
 * IETF: the same bytes as libsodium's, which the reference uses).
 * No primitive is implemented here.
 * PROTOCOL.md §2. */
#ifndef PQC_CRYPTO_H
#define PQC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define MCE_PK_LEN 1047319
#define MCE_SK_LEN 13948
#define MCE_CT_LEN 194
#define NTRU_PK_LEN 1158
#define NTRU_SK_LEN 1763
#define NTRU_CT_LEN 1039
#define KEM_SS_LEN 32
#define X25519_LEN 32
#define HASH_LEN 32
#define KEY_LEN 32
#define AEAD_TAG_LEN 16
#define MAC_LEN 16

/* Must be called once before anything else, and before a seccomp filter
 * (sodium_init, OpenSSL fetches, the AEAD's first use). 0 = ok. */
int crypto_init(void);

/* Randomness (libsodium randombytes_buf). */
void random_bytes(void *buf, size_t len);
/* Erase a secret (sodium_memzero). */
void wipe(void *buf, size_t len);

/* Classic McEliece mceliece6960119 (the plain variant). Return 0 on success. */
int mce_keypair(uint8_t *pk /* MCE_PK_LEN */, uint8_t *sk /* MCE_SK_LEN */);
int mce_enc(uint8_t ct[MCE_CT_LEN], uint8_t ss[KEM_SS_LEN], const uint8_t *pk);
int mce_dec(uint8_t ss[KEM_SS_LEN], const uint8_t ct[MCE_CT_LEN], const uint8_t *sk);

/* Streamlined NTRU Prime sntrup761. Return 0 on success. */
int ntru_keypair(uint8_t pk[NTRU_PK_LEN], uint8_t sk[NTRU_SK_LEN]);
int ntru_enc(uint8_t ct[NTRU_CT_LEN], uint8_t ss[KEM_SS_LEN], const uint8_t pk[NTRU_PK_LEN]);
int ntru_dec(uint8_t ss[KEM_SS_LEN], const uint8_t ct[NTRU_CT_LEN], const uint8_t sk[NTRU_SK_LEN]);

/* X25519 (RFC 7748).  Secret keys are 32 random bytes kept unclamped, as the
 * reference stores them; the scalar is clamped inside the function. */
void x25519_keypair(uint8_t pk[X25519_LEN], uint8_t sk[X25519_LEN]);
void x25519_public(uint8_t pk[X25519_LEN], const uint8_t sk[X25519_LEN]);
/* out = X25519(sk, pk).  Returns -1 (and zeroes out) if the result is all zero. */
int x25519_shared(uint8_t out[X25519_LEN], const uint8_t sk[X25519_LEN], const uint8_t pk[X25519_LEN]);

/* ChaCha20-Poly1305 IETF with a 12-byte all-zero nonce (every key used once).
 * c has mlen bytes; the tag is written separately. */
void aead_seal(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
               const uint8_t *ad, size_t adlen, const uint8_t key[KEY_LEN]);
/* Returns 0 and writes clen bytes to m if the tag verifies, -1 otherwise. */
int aead_open(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
              const uint8_t *ad, size_t adlen, const uint8_t key[KEY_LEN]);
/* The EVP path keeps the key schedule of the calling thread's last message
 * in its cipher context until the next one.  This overwrites it (a message
 * under an all-zero key); each thread that seals or opens calls it at least
 * once a minute, so that a packet key outlives its packet by less than the
 * 2 minutes the protocol allows even when the tunnel falls silent. */
void aead_forget(void);
/* Same with an explicit 12-byte nonce (test vectors, cookies). */
void aead_seal_nonce(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
                     const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN]);
int aead_open_nonce(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
                    const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN]);

/* Keyed BLAKE2b (libsodium crypto_generichash) cut to 16 bytes: a MAC for
 * tokens only this process checks (address cookies), not a wire primitive
 * of the protocol.  mac16_equal compares in constant time: 1 if equal. */
void mac16(uint8_t out[MAC_LEN], const uint8_t key[KEY_LEN], const uint8_t *in, size_t len);
int mac16_equal(const uint8_t a[MAC_LEN], const uint8_t b[MAC_LEN]);

/* H(x) = SHAKE256(x) truncated to 32 bytes.  hash32v hashes the
 * concatenation of n pieces without copying them. */
void hash32(uint8_t out[HASH_LEN], const uint8_t *in, size_t len);
void hash32v(uint8_t out[HASH_LEN], size_t n, const uint8_t *const *parts, const size_t *lens);

/* The KDF of PROTOCOL.md §2.7: n keys of 32 bytes into out (32*n bytes),
 * from key K and optional 32-byte input X (NULL = absent).  out may alias key. */
void kdf(uint8_t *out, size_t n, const uint8_t key[KEY_LEN], const uint8_t *x /* NULL or 32 */);

#endif

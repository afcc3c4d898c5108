/* ChaCha20-Poly1305 IETF (RFC 8439), detached tag (§2.4).  The handshake
 * and the tunnel use a zero nonce because every key encrypts exactly one
 * message.
 *
 * Two implementations of the same construction, chosen by length: OpenSSL's
 * EVP for messages of AEAD_EVP_MIN bytes and more (about twice libsodium's
 * speed per byte with AVX-512), libsodium's
 * crypto_aead_chacha20poly1305_ietf_*_detached below (cheaper per message).
 * tests/unit/test_aead.c checks that both give the same bytes at every size.
 *
 * The key changes with every packet, so an EVP cipher context is made once
 * per thread and only re-keyed per message: no allocation on the data path.
 * It is freed when its thread ends (a pthread key destructor) or, for the
 * thread that calls exit(), by an atexit handler.  Between messages a
 * context still holds the key schedule of the last message: aead_forget()
 * overwrites it, and the daemons call it from a timer.
 *
 * An OpenSSL without ChaCha20-Poly1305 (a FIPS-only provider
 * configuration) is no reason to refuse to start: libsodium then does
 * every size (aead_openssl_used() tells the daemons, which log it once). */
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/internal.h"

static const uint8_t zero_nonce[12];
/* what a NULL pointer of an empty buffer becomes for libsodium (never read
 * or written: its length is 0) */
static const uint8_t empty_in[1];
static _Thread_local uint8_t empty_out[1];
static EVP_CIPHER *chacha_poly;           /* fetched once by aead_init */
static int evp_used;                      /* aead_init found it and it works */
static pthread_key_t ctx_key;             /* frees a thread's context when it ends */
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static _Thread_local EVP_CIPHER_CTX *thread_ctx;

static void ctx_destroy(void *p)
{
	EVP_CIPHER_CTX_free(p);               /* cleanses the key schedule */
}

static void free_this_thread_ctx(void)
{
	if (thread_ctx == NULL)
		return;
	(void)pthread_setspecific(ctx_key, NULL);
	EVP_CIPHER_CTX_free(thread_ctx);
	thread_ctx = NULL;
}

static void setup(void)
{
	if (pthread_key_create(&ctx_key, ctx_destroy) != 0 || atexit(free_this_thread_ctx) != 0)
		return;
	chacha_poly = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
}

/* The calling thread's context, made on its first message.  Only memory
 * exhaustion makes this fail, and the data path cannot go on without it. */
static EVP_CIPHER_CTX *get_ctx(void)
{
	EVP_CIPHER_CTX *c = thread_ctx;
	if (c != NULL)
		return c;
	(void)pthread_once(&setup_once, setup);
	if (chacha_poly == NULL)
		abort();                          /* no ChaCha20-Poly1305 in this OpenSSL */
	c = EVP_CIPHER_CTX_new();
	if (c == NULL || EVP_CipherInit_ex2(c, chacha_poly, NULL, NULL, 1, NULL) != 1 ||
	    pthread_setspecific(ctx_key, c) != 0)
		abort();
	thread_ctx = c;
	return c;
}

/* Key, nonce and associated data; then len bytes in -> out.  1 = ok. */
static int start(EVP_CIPHER_CTX *c, int enc, const uint8_t key[KEY_LEN], const uint8_t nonce[12],
                 const uint8_t *ad, size_t adlen)
{
	int outl;
	if (EVP_CipherInit_ex2(c, NULL, key, nonce, enc, NULL) != 1)
		return 0;
	while (adlen > 0) {
		int part = adlen > INT_MAX ? INT_MAX : (int)adlen;
		if (EVP_CipherUpdate(c, NULL, &outl, ad, part) != 1)
			return 0;
		ad += part;
		adlen -= (size_t)part;
	}
	return 1;
}

static int run_cipher(EVP_CIPHER_CTX *c, uint8_t *out, const uint8_t *in, size_t len)
{
	int outl;
	while (len > 0) {
		int part = len > INT_MAX ? INT_MAX : (int)len;
		if (EVP_CipherUpdate(c, out, &outl, in, part) != 1 || outl != part)
			return 0;
		out += part;
		in += part;
		len -= (size_t)part;
	}
	return 1;
}

void aead_evp_seal(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
                   const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN])
{
	EVP_CIPHER_CTX *x = get_ctx();
	uint8_t rest[AEAD_TAG_LEN];   /* Final writes nothing for a stream cipher */
	int outl;
	if (!start(x, 1, key, nonce, ad, adlen) || !run_cipher(x, c, m, mlen) ||
	    EVP_CipherFinal_ex(x, rest, &outl) != 1 || outl != 0 ||
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN, tag) != 1)
		abort();   /* cannot happen with a valid context; never send a bad tag */
}

int aead_evp_open(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
                  const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN])
{
	EVP_CIPHER_CTX *x = get_ctx();
	uint8_t rest[AEAD_TAG_LEN];   /* Final writes nothing for a stream cipher */
	int outl;
	/* OpenSSL compares the tag with CRYPTO_memcmp (constant time) in
	 * Final.  The plaintext is written before that check, so a failure
	 * erases it: the caller never sees unauthenticated bytes. */
	if (start(x, 0, key, nonce, ad, adlen) &&
	    EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN, (void *)tag) == 1 &&
	    run_cipher(x, m, c, clen) && EVP_CipherFinal_ex(x, rest, &outl) == 1 && outl == 0)
		return 0;
	if (clen > 0)
		OPENSSL_cleanse(m, clen);
	return -1;
}

/* Below AEAD_EVP_MIN bytes libsodium is faster.  With a new key for every
 * message, OpenSSL 3.0's EVP costs about 350 ns more per message than
 * libsodium (key and nonce set-up, provider dispatch, the tag through
 * OSSL_PARAMs; bench/aead-speed, 0-byte messages), while its AVX-512 ChaCha20
 * and Poly1305 are about twice as fast per byte: the two meet near 1400
 * bytes.  Both give the same bytes, so the choice is by length only (a
 * public value). */
void aead_seal_nonce(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
                     const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN])
{
	if (mlen >= AEAD_EVP_MIN && evp_used) {
		aead_evp_seal(c, tag, m, mlen, ad, adlen, nonce, key);
		return;
	}
	/* libsodium declares its buffers non-null even when empty */
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(c ? c : empty_out, tag, NULL, m ? m : empty_in, mlen,
	                                                   ad ? ad : empty_in, adlen, NULL, nonce, key);
}

int aead_open_nonce(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
                    const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN])
{
	if (clen >= AEAD_EVP_MIN && evp_used)
		return aead_evp_open(m, c, clen, tag, ad, adlen, nonce, key);
	/* libsodium checks the tag (crypto_verify_16, constant time) before it
	 * decrypts; the output is erased on failure all the same */
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(m ? m : empty_out, NULL, c ? c : empty_in, clen, tag,
	                                                       ad ? ad : empty_in, adlen, nonce, key) == 0)
		return 0;
	if (clen > 0)
		sodium_memzero(m, clen);
	return -1;
}

void aead_seal(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
               const uint8_t *ad, size_t adlen, const uint8_t key[KEY_LEN])
{
	aead_seal_nonce(c, tag, m, mlen, ad, adlen, zero_nonce, key);
}

int aead_open(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
              const uint8_t *ad, size_t adlen, const uint8_t key[KEY_LEN])
{
	return aead_open_nonce(m, c, clen, tag, ad, adlen, zero_nonce, key);
}

void aead_forget(void)
{
	static const uint8_t zero_key[KEY_LEN];
	uint8_t tag[AEAD_TAG_LEN];
	if (thread_ctx == NULL)
		return;
	/* key, nonce and the Poly1305 state are all re-derived from zeros */
	aead_evp_seal(NULL, tag, NULL, 0, NULL, 0, zero_nonce, zero_key);
}

int aead_init(void)
{
	static const uint8_t k[KEY_LEN] = { 1 }, msg[65] = { 2 };
	uint8_t ct[sizeof msg], back[sizeof msg], tag[AEAD_TAG_LEN];

	(void)pthread_once(&setup_once, setup);
	evp_used = 0;
	if (chacha_poly == NULL)
		return 0;   /* libsodium at every size */
	/* First use now, before a daemon installs its seccomp filter: whatever
	 * OpenSSL sets up lazily (provider, CPU dispatch) happens here. */
	aead_evp_seal(ct, tag, msg, sizeof msg, k, sizeof k, zero_nonce, k);
	if (aead_evp_open(back, ct, sizeof ct, tag, k, sizeof k, zero_nonce, k) != 0 ||
	    memcmp(back, msg, sizeof msg) != 0)
		return -1;
	tag[0] ^= 1;
	if (aead_evp_open(back, ct, sizeof ct, tag, k, sizeof k, zero_nonce, k) != -1)
		return -1;
	evp_used = 1;
	return 0;
}

int aead_openssl_used(void)
{
	return evp_used;
}

void aead_evp_disable(void)
{
	evp_used = 0;
}

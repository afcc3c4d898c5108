/* ChaCha20-Poly1305 IETF, detached tag (§2.4).  The handshake and the tunnel
 * use a zero nonce because every key encrypts exactly one message. */
#include <sodium.h>

#include "crypto/crypto.h"

static const uint8_t zero_nonce[12];

void aead_seal_nonce(uint8_t *c, uint8_t tag[AEAD_TAG_LEN], const uint8_t *m, size_t mlen,
                     const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN])
{
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(c, tag, NULL, m, mlen, ad, adlen,
	                                                   NULL, nonce, key);
}

int aead_open_nonce(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t tag[AEAD_TAG_LEN],
                    const uint8_t *ad, size_t adlen, const uint8_t nonce[12], const uint8_t key[KEY_LEN])
{
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(m, NULL, c, clen, tag, ad, adlen,
	                                                       nonce, key) != 0)
		return -1;
	return 0;
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

/* The KDF of PROTOCOL.md §2.7 on top of the original ChaCha20 (64-bit nonce,
 * 64-bit block counter).  With X, the 32 input bytes become words 12..15 of
 * the ChaCha state twice: X[0..16] to derive an intermediate key K', then
 * X[16..32] to draw the output under K'. */
#include <sodium.h>

#include "common.h"
#include "crypto/crypto.h"

/* out = first len bytes of ChaCha20(key, nonce, starting block counter). */
static void keystream(uint8_t *out, size_t len, const uint8_t nonce[8], uint64_t counter,
                      const uint8_t key[KEY_LEN])
{
	memset(out, 0, len);
	crypto_stream_chacha20_xor_ic(out, out, len, nonce, counter, key);
}

void kdf(uint8_t *out, size_t n, const uint8_t key[KEY_LEN], const uint8_t *x)
{
	static const uint8_t zero_nonce[8];
	uint8_t k[KEY_LEN];

	if (n == 0)
		return;
	/* out may alias key: work from a private copy. */
	memcpy(k, key, KEY_LEN);
	if (x == NULL) {
		keystream(out, 32 * n, zero_nonce, 0, k);
	} else {
		uint8_t k2[KEY_LEN];
		keystream(k2, KEY_LEN, x + 8, load64_le(x), k);
		keystream(out, 32 * n, x + 24, load64_le(x + 16), k2);
		wipe(k2, sizeof k2);
	}
	wipe(k, sizeof k);
}

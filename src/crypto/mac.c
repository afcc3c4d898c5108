/* A keyed MAC for state the server keeps nowhere but in a token it hands
 * out (the address cookies of core/cookie.c): libsodium's keyed BLAKE2b
 * (crypto_generichash with a key), cut to 16 bytes, compared in constant
 * time.  Not part of the wire protocol of PROTOCOL.md. */
#include <sodium.h>
#include <stdlib.h>

#include "crypto/crypto.h"

void mac16(uint8_t out[MAC_LEN], const uint8_t key[KEY_LEN], const uint8_t *in, size_t len)
{
	/* fails only for lengths outside libsodium's bounds, which are constants here */
	if (crypto_generichash(out, MAC_LEN, in, len, key, KEY_LEN) != 0)
		abort();
}

int mac16_equal(const uint8_t a[MAC_LEN], const uint8_t b[MAC_LEN])
{
	return sodium_memcmp(a, b, MAC_LEN) == 0;
}

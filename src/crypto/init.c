/* Library set-up and the two helpers every layer uses (randomness, erasure). */
#include <sodium.h>

#include "crypto/crypto.h"
#include "crypto/internal.h"

int crypto_init(void)
{
	/* sodium_init returns 1 when it was already initialised: not an error. */
	if (sodium_init() < 0)
		return -1;
	if (hash_init() != 0)
		return -1;
	if (aead_init() != 0)
		return -1;
	return 0;
}

void random_bytes(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

void wipe(void *buf, size_t len)
{
	sodium_memzero(buf, len);
}

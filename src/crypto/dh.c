/* X25519 through lib25519 (RFC 7748: the scalar is clamped inside).  Secret
 * keys stay unclamped random bytes, as the reference stores them (§2.3). */
#include <lib25519.h>
#include <sodium.h>

#include "crypto/crypto.h"

static const uint8_t basepoint[X25519_LEN] = { 9 };

void x25519_public(uint8_t pk[X25519_LEN], const uint8_t sk[X25519_LEN])
{
	lib25519_nP_montgomery25519(pk, sk, basepoint);
}

void x25519_keypair(uint8_t pk[X25519_LEN], uint8_t sk[X25519_LEN])
{
	random_bytes(sk, X25519_LEN);
	x25519_public(pk, sk);
}

int x25519_shared(uint8_t out[X25519_LEN], const uint8_t sk[X25519_LEN], const uint8_t pk[X25519_LEN])
{
	lib25519_nP_montgomery25519(out, sk, pk);
	/* A low-order public key gives an all-zero secret; only a malicious
	 * peer sends one (§2.3, recommendation). */
	if (sodium_is_zero(out, X25519_LEN)) {
		wipe(out, X25519_LEN);
		return -1;
	}
	return 0;
}

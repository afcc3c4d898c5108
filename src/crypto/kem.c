/* The two KEMs: mceliece6960119 (long-term, server static key) and
 * sntrup761 (short-term, server ephemeral key).  Both decapsulate with
 * implicit rejection, so a bad ciphertext only shows up later as a failing
 * AEAD tag (PROTOCOL.md §2.1-§2.2). */
#include <mceliece.h>
#include <ntruprime.h>

#include "crypto/crypto.h"

int mce_keypair(uint8_t *pk, uint8_t *sk)
{
	mceliece6960119_keypair(pk, sk);
	return 0;
}

int mce_enc(uint8_t ct[MCE_CT_LEN], uint8_t ss[KEM_SS_LEN], const uint8_t *pk)
{
	if (mceliece6960119_enc(ct, ss, pk) != 0) {
		wipe(ss, KEM_SS_LEN);
		return -1;
	}
	return 0;
}

int mce_dec(uint8_t ss[KEM_SS_LEN], const uint8_t ct[MCE_CT_LEN], const uint8_t *sk)
{
	/* The return value only reports the (constant-time) rejection path; the
	 * implicit-rejection key it yields is still a valid 32-byte output, and
	 * the caller's AEAD check decides. */
	(void)mceliece6960119_dec(ss, ct, sk);
	return 0;
}

int ntru_keypair(uint8_t pk[NTRU_PK_LEN], uint8_t sk[NTRU_SK_LEN])
{
	sntrup761_keypair(pk, sk);
	return 0;
}

int ntru_enc(uint8_t ct[NTRU_CT_LEN], uint8_t ss[KEM_SS_LEN], const uint8_t pk[NTRU_PK_LEN])
{
	sntrup761_enc(ct, ss, pk);
	return 0;
}

int ntru_dec(uint8_t ss[KEM_SS_LEN], const uint8_t ct[NTRU_CT_LEN], const uint8_t sk[NTRU_SK_LEN])
{
	sntrup761_dec(ss, ct, sk);
	return 0;
}

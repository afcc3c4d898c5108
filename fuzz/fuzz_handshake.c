/* handshake: the server's first step on arbitrary 1299-byte initiations,
 * with a McEliece key pair generated once.  Byte 0 picks the mode: the raw
 * input is the initiation, or a genuine initiation (made once at start)
 * XOR the rest of the input; when step 1 succeeds, step 2 is tried with the
 * genuine ephemeral keys.  An unmodified genuine initiation must succeed
 * and give the initiator's keys. */
#include <string.h>

#include "fuzz.h"
#include "proto/handshake.h"

static uint8_t *mce_pk, mce_sk[MCE_SK_LEN];
static uint8_t sx_pk[32], sx_sk[32], ex_pk[32], ex_sk[32];
static uint8_t ntru_pk[NTRU_PK_LEN], ntru_sk[NTRU_SK_LEN];
static uint8_t genuine[HS_INIT_LEN];
static struct hs_keys genuine_keys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t c0[MCE_CT_LEN], k0[KEM_SS_LEN];

	(void)argc; (void)argv;
	mce_pk = malloc(MCE_PK_LEN);
	if (mce_pk == NULL || crypto_init() != 0 || mce_keypair(mce_pk, mce_sk) != 0)
		abort();
	x25519_keypair(sx_pk, sx_sk);
	x25519_keypair(ex_pk, ex_sk);
	if (ntru_keypair(ntru_pk, ntru_sk) != 0 || mce_enc(c0, k0, mce_pk) != 0)
		abort();
	if (hs_initiate(genuine, &genuine_keys, c0, k0, sx_pk, ntru_pk, ex_pk) != 0)
		abort();
	free(mce_pk);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[HS_INIT_LEN + 64];
	struct hs_responder st;
	struct hs_keys keys;
	const uint8_t *m;
	size_t len;
	int pristine = 0;

	if (size == 0)
		return 0;
	if (data[0] & 1) {
		memcpy(msg, genuine, HS_INIT_LEN);
		pristine = 1;
		for (size_t i = 1; i < size && i - 1 < HS_INIT_LEN; i++) {
			msg[i - 1] ^= data[i];
			pristine &= data[i] == 0;
		}
		m = msg;
		len = HS_INIT_LEN;
	} else {
		m = data + 1;
		len = size - 1;
	}
	if (hs_respond_begin(&st, m, len, mce_sk, sx_sk) != 0) {
		FUZZ_ASSERT(!pristine);
		return 0;
	}
	FUZZ_ASSERT(len == HS_INIT_LEN && m[0] == 0x01 && m[1] == 0x00);
	int r = hs_respond_try(&st, m, ex_sk, ntru_sk, &keys);
	if (pristine) {
		FUZZ_ASSERT(r == 0);
		FUZZ_ASSERT(memcmp(&keys, &genuine_keys, sizeof keys) == 0);
	}
	hs_responder_wipe(&st);
	return 0;
}

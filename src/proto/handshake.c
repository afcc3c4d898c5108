/* The 0-RTT handshake (PROTOCOL.md §7).  Two secrets are carried along: the
 * chaining secret CS, which absorbs every shared secret through KDF1, and
 * the transcript hash HS, which authenticates what was sent.  The
 * initiation is c0 || c1 t1 || c3 t3, where c1 hides the client's ephemeral
 * X25519 key under the McEliece secret and c3 hides the sntrup761
 * ciphertext under a key that also depends on both X25519 results. */
#include <string.h>

#include "common.h"
#include "proto/handshake.h"

/* H(a || b || c) */
static void hash3(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                  const uint8_t *c, size_t clen)
{
	const uint8_t *parts[3] = { a, b, c };
	const size_t lens[3] = { alen, blen, clen };
	hash32v(out, 3, parts, lens);
}

/* CS = KDF1(CS, DH(sk, pk)); -1 on an all-zero DH result. */
static int mix_dh(uint8_t cs[32], const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t dh[32];
	if (x25519_shared(dh, sk, pk) != 0)
		return -1;
	kdf(cs, 1, cs, dh);
	wipe(dh, sizeof dh);
	return 0;
}

/* (TID, T_I, T_R) = KDF3(CS, HS). */
static void final_keys(struct hs_keys *keys, const uint8_t cs[32], const uint8_t hs[32])
{
	uint8_t out[96];
	kdf(out, 3, cs, hs);
	memcpy(keys->tid, out, 32);
	memcpy(keys->t_i, out + 32, 32);
	memcpy(keys->t_r, out + 64, 32);
	wipe(out, sizeof out);
}

int hs_initiate_fixed(uint8_t msg[HS_INIT_LEN], struct hs_keys *keys,
                      const uint8_t c0[MCE_CT_LEN], const uint8_t k0[KEM_SS_LEN],
                      const uint8_t s_x[X25519_LEN], const uint8_t e_x[X25519_LEN],
                      const uint8_t client_esk[X25519_LEN],
                      const uint8_t c2[NTRU_CT_LEN], const uint8_t k3[KEM_SS_LEN])
{
	uint8_t cs[32], hs[32], e_pk[32];
	uint8_t *c1 = msg + HS_OFF_C1, *t1 = msg + HS_OFF_T1;
	uint8_t *c3 = msg + HS_OFF_C3, *t3 = msg + HS_OFF_T3;
	int rc = -1;

	store16_be(msg, HS_INIT_TYPE);
	memcpy(msg + HS_OFF_C0, c0, MCE_CT_LEN);
	memcpy(cs, k0, 32);
	x25519_public(e_pk, client_esk);
	aead_seal(c1, t1, e_pk, 32, c0, MCE_CT_LEN, cs);
	hash3(hs, c0, MCE_CT_LEN, c1, 32, t1, AEAD_TAG_LEN);
	if (mix_dh(cs, client_esk, s_x) != 0 || mix_dh(cs, client_esk, e_x) != 0)
		goto out;
	aead_seal(c3, t3, c2, NTRU_CT_LEN, hs, 32, cs);
	kdf(cs, 1, cs, k3);
	hash3(hs, hs, 32, c3, NTRU_CT_LEN, t3, AEAD_TAG_LEN);
	final_keys(keys, cs, hs);
	rc = 0;
out:
	wipe(cs, sizeof cs);
	wipe(hs, sizeof hs);
	if (rc != 0) {
		wipe(msg, HS_INIT_LEN);
		wipe(keys, sizeof *keys);
	}
	return rc;
}

int hs_initiate(uint8_t msg[HS_INIT_LEN], struct hs_keys *keys,
                const uint8_t c0[MCE_CT_LEN], const uint8_t k0[KEM_SS_LEN],
                const uint8_t s_x[X25519_LEN], const uint8_t ntru_pk[NTRU_PK_LEN],
                const uint8_t e_x[X25519_LEN])
{
	uint8_t esk[32], c2[NTRU_CT_LEN], k3[32];
	int rc;

	random_bytes(esk, sizeof esk);
	if (ntru_enc(c2, k3, ntru_pk) != 0) {
		rc = -1;
	} else {
		rc = hs_initiate_fixed(msg, keys, c0, k0, s_x, e_x, esk, c2, k3);
	}
	wipe(esk, sizeof esk);
	wipe(c2, sizeof c2);
	wipe(k3, sizeof k3);
	return rc;
}

int hs_respond_begin(struct hs_responder *st, const uint8_t *msg, size_t len,
                     const uint8_t *mce_sk, const uint8_t x_sk[X25519_LEN])
{
	const uint8_t *c0 = msg + HS_OFF_C0, *c1 = msg + HS_OFF_C1, *t1 = msg + HS_OFF_T1;

	memset(st, 0, sizeof *st);
	if (len != HS_INIT_LEN || load16_be(msg) != HS_INIT_TYPE)
		return -1;
	if (mce_dec(st->cs, c0, mce_sk) != 0)
		goto fail;
	if (aead_open(st->e_pk, c1, 32, t1, c0, MCE_CT_LEN, st->cs) != 0)
		goto fail;
	hash3(st->hs, c0, MCE_CT_LEN, c1, 32, t1, AEAD_TAG_LEN);
	if (mix_dh(st->cs, x_sk, st->e_pk) != 0)
		goto fail;
	return 0;
fail:
	hs_responder_wipe(st);
	return -1;
}

int hs_respond_try(const struct hs_responder *st, const uint8_t msg[HS_INIT_LEN],
                   const uint8_t eph_x_sk[X25519_LEN], const uint8_t eph_ntru_sk[NTRU_SK_LEN],
                   struct hs_keys *keys)
{
	const uint8_t *c3 = msg + HS_OFF_C3, *t3 = msg + HS_OFF_T3;
	uint8_t cs[32], hs[32], c2[NTRU_CT_LEN], k3[32];
	int rc = -1;

	memcpy(cs, st->cs, 32);
	if (mix_dh(cs, eph_x_sk, st->e_pk) != 0)
		goto out;
	/* A wrong candidate key fails here. */
	if (aead_open(c2, c3, NTRU_CT_LEN, t3, st->hs, 32, cs) != 0)
		goto out;
	if (ntru_dec(k3, c2, eph_ntru_sk) != 0)
		goto out;
	kdf(cs, 1, cs, k3);
	hash3(hs, st->hs, 32, c3, NTRU_CT_LEN, t3, AEAD_TAG_LEN);
	final_keys(keys, cs, hs);
	rc = 0;
out:
	wipe(cs, sizeof cs);
	wipe(hs, sizeof hs);
	wipe(c2, sizeof c2);
	wipe(k3, sizeof k3);
	return rc;
}

void hs_responder_wipe(struct hs_responder *st)
{
	wipe(st, sizeof *st);
}

/* Handshake (PROTOCOL.md §7): the fixed-input schedule of §14.2, then real
 * round trips with mceliece6960119 and sntrup761 keys through the split
 * responder, and the rejections. */
#include <openssl/sha.h>

#include "check.h"
#include "common.h"
#include "crypto/crypto.h"
#include "proto/handshake.h"

static uint8_t c0[MCE_CT_LEN], k0[32], c2[NTRU_CT_LEN], k3[32];
static uint8_t cli_esk[32], srv_ssk[32], srv_esk[32];

static void fixed_inputs(void)
{
	for (int i = 0; i < 32; i++)
		k0[i] = (uint8_t)i;
	for (int i = 0; i < MCE_CT_LEN; i++)
		c0[i] = (uint8_t)(7 * i);
	for (int i = 0; i < NTRU_CT_LEN; i++)
		c2[i] = (uint8_t)(13 * i + 5);
	memset(k3, 0x44, 32);
	memset(cli_esk, 0x11, 32);
	memset(srv_ssk, 0x22, 32);
	memset(srv_esk, 0x33, 32);
}

static void test_vector(void)
{
	uint8_t pk[32], s_x[32], e_x[32], msg[HS_INIT_LEN], digest[32];
	struct hs_keys keys;

	fixed_inputs();
	x25519_public(pk, cli_esk);
	CHECK_HEX(pk, "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13");
	x25519_public(s_x, srv_ssk);
	CHECK_HEX(s_x, "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20");
	x25519_public(e_x, srv_esk);
	CHECK_HEX(e_x, "7b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b14");

	/* the two DH values of the schedule */
	uint8_t dh[32];
	CHECK(x25519_shared(dh, cli_esk, s_x) == 0);
	CHECK_HEX(dh, "9e004098efc091d4ec2663b4e9f5cfd4d7064571690b4bea97ab146ab9f35056");
	CHECK(x25519_shared(dh, srv_ssk, pk) == 0);
	CHECK_HEX(dh, "9e004098efc091d4ec2663b4e9f5cfd4d7064571690b4bea97ab146ab9f35056");
	CHECK(x25519_shared(dh, cli_esk, e_x) == 0);
	CHECK_HEX(dh, "5bf22caf31c0316785b0b9bc60e56d48582ce59435ce5b3c028052be42631e0f");

	memset(msg, 0xee, sizeof msg);
	CHECK(hs_initiate_fixed(msg, &keys, c0, k0, s_x, e_x, cli_esk, c2, k3) == 0);
	CHECK(msg[0] == 0x01 && msg[1] == 0x00);
	CHECK(memcmp(msg + HS_OFF_C0, c0, MCE_CT_LEN) == 0);
	CHECK_HEX(msg + HS_OFF_C1, "63f6d2aa13995895d704fe41ac3e2ea91be96426ff5429ac938c753e9ac24a4f");
	CHECK_HEX(msg + HS_OFF_T1, "5f772fc716460692a628aacf9f13f502");
	CHECK_HEX(msg + HS_OFF_C3, "d07723651d215be5782576fd93dbfb631c4ec06c8896b6754eae6c6f8721ed5f");
	SHA256(msg + HS_OFF_C3, NTRU_CT_LEN, digest);
	CHECK_HEX(digest, "6eba6a742c42fcb0613f33534c828c7f16e142e58fb4052a5f5b5f17f1ea1f36");
	CHECK_HEX(msg + HS_OFF_T3, "f2f4f15fd222370ea67fc41a82660fca");
	CHECK_HEX(keys.tid, "f5f9adb21c9bebcbd8a5325d90b02cb6be27b05fa91844ba8cc6d0599e0976d8");
	CHECK_HEX(keys.t_i, "201d450126c80699c07c9445dea87463a3215bbd1e96f0db9d4d7fc7c6973d5b");
	CHECK_HEX(keys.t_r, "6bf665ec49de7985d33beec99ca7e00e98afdf3a1aa2b5876d6193032440615f");
	SHA256(msg, HS_INIT_LEN, digest);
	CHECK_HEX(digest, "6546476740183270826ec00d69a201ee97705f32b9ca0f166e21b1d977493447");

	/* H1 = H(c0 || c1 || t1) of §14.2 */
	uint8_t h1[32];
	hash32(h1, msg + HS_OFF_C0, MCE_CT_LEN + 32 + 16);
	CHECK_HEX(h1, "92428360e8c8e31c967a74934f635d2dd85bfb1a2778cc8837696b71ce6a040a");

	/* an all-zero DH (low-order point) fails and leaves no keys behind */
	uint8_t zero_pt[32] = { 0 };
	memset(&keys, 0x55, sizeof keys);
	CHECK(hs_initiate_fixed(msg, &keys, c0, k0, zero_pt, e_x, cli_esk, c2, k3) == -1);
	uint8_t zk[sizeof keys];
	memset(zk, 0, sizeof zk);
	CHECK(memcmp(&keys, zk, sizeof keys) == 0);
	CHECK(hs_initiate_fixed(msg, &keys, c0, k0, s_x, zero_pt, cli_esk, c2, k3) == -1);
}

static void test_round_trip(void)
{
	static uint8_t mpk[MCE_PK_LEN], msk[MCE_SK_LEN];
	uint8_t npk[NTRU_PK_LEN], nsk[NTRU_SK_LEN], npk2[NTRU_PK_LEN], nsk2[NTRU_SK_LEN];
	uint8_t s_x[32], s_sk[32], e_x[32], e_sk[32], e_x2[32], e_sk2[32];
	uint8_t rc0[MCE_CT_LEN], rk0[32], msg[HS_INIT_LEN], bad[HS_INIT_LEN];
	struct hs_keys ck, sk;
	struct hs_responder st;

	CHECK(mce_keypair(mpk, msk) == 0);
	CHECK(ntru_keypair(npk, nsk) == 0);
	CHECK(ntru_keypair(npk2, nsk2) == 0);
	x25519_keypair(s_x, s_sk);
	x25519_keypair(e_x, e_sk);
	x25519_keypair(e_x2, e_sk2);

	CHECK(mce_enc(rc0, rk0, mpk) == 0);
	CHECK(hs_initiate(msg, &ck, rc0, rk0, s_x, npk, e_x) == 0);

	CHECK(hs_respond_begin(&st, msg, sizeof msg, msk, s_sk) == 0);
	/* wrong candidate first: must fail and leave st usable */
	memset(&sk, 0, sizeof sk);
	CHECK(hs_respond_try(&st, msg, e_sk2, nsk2, &sk) == -1);
	CHECK(hs_respond_try(&st, msg, e_sk, nsk2, &sk) == 0);   /* X25519 right: c3 opens */
	CHECK(memcmp(sk.tid, ck.tid, 32) != 0);                  /* but k3 is wrong */
	CHECK(hs_respond_try(&st, msg, e_sk2, nsk, &sk) == -1);
	CHECK(hs_respond_try(&st, msg, e_sk, nsk, &sk) == 0);
	CHECK(memcmp(sk.tid, ck.tid, 32) == 0);
	CHECK(memcmp(sk.t_i, ck.t_i, 32) == 0);
	CHECK(memcmp(sk.t_r, ck.t_r, 32) == 0);
	CHECK(memcmp(ck.t_i, ck.t_r, 32) != 0);
	hs_responder_wipe(&st);

	/* wrong static X25519 key: c1 opens, but c3 does not */
	uint8_t other[32], other_pk[32];
	x25519_keypair(other_pk, other);
	CHECK(hs_respond_begin(&st, msg, sizeof msg, msk, other) == 0);
	CHECK(hs_respond_try(&st, msg, e_sk, nsk, &sk) == -1);

	/* wrong length and wrong type */
	CHECK(hs_respond_begin(&st, msg, sizeof msg - 1, msk, s_sk) == -1);
	memcpy(bad, msg, sizeof bad);
	bad[0] = 0x02;
	CHECK(hs_respond_begin(&st, bad, sizeof bad, msk, s_sk) == -1);

	/* any flipped bit in c0, c1 or t1 fails begin; in c3 or t3 fails try */
	size_t spots[] = { HS_OFF_C0, HS_OFF_C0 + 100, HS_OFF_C1, HS_OFF_C1 + 31, HS_OFF_T1, HS_OFF_T1 + 15 };
	for (size_t i = 0; i < ARRAY_SIZE(spots); i++) {
		memcpy(bad, msg, sizeof bad);
		bad[spots[i]] ^= 0x01;
		CHECK_MSG(hs_respond_begin(&st, bad, sizeof bad, msk, s_sk) == -1, "tampered c0/c1/t1 rejected");
	}
	size_t spots3[] = { HS_OFF_C3, HS_OFF_C3 + 1038, HS_OFF_T3, HS_OFF_T3 + 15 };
	for (size_t i = 0; i < ARRAY_SIZE(spots3); i++) {
		memcpy(bad, msg, sizeof bad);
		bad[spots3[i]] ^= 0x80;
		CHECK(hs_respond_begin(&st, bad, sizeof bad, msk, s_sk) == 0);
		CHECK_MSG(hs_respond_try(&st, bad, e_sk, nsk, &sk) == -1, "tampered c3/t3 rejected");
	}
	hs_responder_wipe(&st);
}

int main(void)
{
	CHECK(crypto_init() == 0);
	test_vector();
	test_round_trip();
	return check_done();
}

/* Crypto wrappers: SHAKE256-32 vectors (§14.1), RFC 8439 A.5 AEAD, X25519
 * (RFC 7748 vectors, unclamped keys, all-zero rejection), and KEM round
 * trips for mceliece6960119 and sntrup761. */
#include "check.h"
#include "crypto/crypto.h"

#define JABBERWOCKY \
	"'Twas brillig, and the slithy toves\n" \
	"Did gyre and gimble in the wabe;\n" \
	"All mimsy were the borogoves,\n" \
	"And the mome raths outgrabe."

#define A5_KEY "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0"
#define A5_NONCE "000000000102030405060708"
#define A5_AD "f33388860000000000004e91"
#define A5_TAG "eead9d67890cbb22392336fea1851f38"
#define A5_PT \
	"496e7465726e65742d4472616674732061726520647261667420646f63756d65" \
	"6e74732076616c696420666f722061206d6178696d756d206f6620736978206d" \
	"6f6e74687320616e64206d617920626520757064617465642c207265706c6163" \
	"65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65" \
	"6e747320617420616e792074696d652e20497420697320696e617070726f7072" \
	"6961746520746f2075736520496e7465726e65742d4472616674732061732072" \
	"65666572656e6365206d6174657269616c206f7220746f206369746520746865" \
	"6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67" \
	"726573732e2fe2809d"
#define A5_CT \
	"64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2" \
	"4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf" \
	"332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855" \
	"9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4" \
	"b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e" \
	"af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" \
	"0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10" \
	"49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29" \
	"a6ad5cb4022b02709b"

static void test_hash(void)
{
	uint8_t h[32];

	hash32(h, (const uint8_t *)"", 0);
	CHECK_HEX(h, "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
	hash32(h, (const uint8_t *)"0123456789abcdef", 16);
	CHECK_HEX(h, "f205e448f13f75e242c237ac0c1505b0020cde5b8bd5e6f0b05c444299817ff7");
	hash32(h, (const uint8_t *)JABBERWOCKY, strlen(JABBERWOCKY));
	CHECK_HEX(h, "73899879f13948374e496f7d2a10160034570c89ca1b77829c8e3555296471b6");

	/* hash32v of pieces equals hash32 of the concatenation */
	const uint8_t *parts[3] = { (const uint8_t *)"0123", (const uint8_t *)"", (const uint8_t *)"456789abcdef" };
	size_t lens[3] = { 4, 0, 12 };
	hash32v(h, 3, parts, lens);
	CHECK_HEX(h, "f205e448f13f75e242c237ac0c1505b0020cde5b8bd5e6f0b05c444299817ff7");
	hash32v(h, 0, NULL, NULL);
	CHECK_HEX(h, "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
}

static void test_aead(void)
{
	uint8_t key[32], nonce[12], ad[12], pt[300], ct[300], tag[16], out[300];
	size_t n;

	unhex(key, A5_KEY);
	unhex(nonce, A5_NONCE);
	unhex(ad, A5_AD);
	n = unhex(pt, A5_PT);
	CHECK(n == 265);
	aead_seal_nonce(ct, tag, pt, n, ad, 12, nonce, key);
	CHECK_HEX(ct, A5_CT);
	CHECK_HEX(tag, A5_TAG);
	CHECK(aead_open_nonce(out, ct, n, tag, ad, 12, nonce, key) == 0);
	CHECK(memcmp(out, pt, n) == 0);
	tag[0] ^= 1;
	CHECK(aead_open_nonce(out, ct, n, tag, ad, 12, nonce, key) == -1);
	tag[0] ^= 1;
	ad[11] ^= 1;
	CHECK(aead_open_nonce(out, ct, n, tag, ad, 12, nonce, key) == -1);
	ad[11] ^= 1;
	ct[264] ^= 0x80;
	CHECK(aead_open_nonce(out, ct, n, tag, ad, 12, nonce, key) == -1);
	ct[264] ^= 0x80;

	/* zero-nonce variants equal the explicit zero nonce */
	uint8_t zn[12] = { 0 }, ct2[300], tag2[16];
	aead_seal(ct, tag, pt, n, ad, 12, key);
	aead_seal_nonce(ct2, tag2, pt, n, ad, 12, zn, key);
	CHECK(memcmp(ct, ct2, n) == 0 && memcmp(tag, tag2, 16) == 0);
	CHECK(aead_open(out, ct, n, tag, ad, 12, key) == 0 && memcmp(out, pt, n) == 0);
	key[5] ^= 4;
	CHECK(aead_open(out, ct, n, tag, ad, 12, key) == -1);
	key[5] ^= 4;
	/* empty message, empty AD */
	aead_seal(ct, tag, NULL, 0, NULL, 0, key);
	CHECK(aead_open(out, ct, 0, tag, NULL, 0, key) == 0);
	CHECK(aead_open(out, ct, 0, tag, ad, 1, key) == -1);
}

static void test_x25519(void)
{
	uint8_t sk[32], pk[32], out[32], a_sk[32], a_pk[32], b_sk[32], b_pk[32], s1[32], s2[32];

	/* RFC 7748 §6.1 */
	unhex(a_sk, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	x25519_public(a_pk, a_sk);
	CHECK_HEX(a_pk, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex(b_sk, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	x25519_public(b_pk, b_sk);
	CHECK_HEX(b_pk, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	CHECK(x25519_shared(s1, a_sk, b_pk) == 0);
	CHECK_HEX(s1, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	CHECK(x25519_shared(s2, b_sk, a_pk) == 0);
	CHECK(memcmp(s1, s2, 32) == 0);
	/* RFC 7748 §5.2 first vector: clamping inside, bit 255 of u masked */
	unhex(sk, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
	unhex(pk, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
	CHECK(x25519_shared(out, sk, pk) == 0);
	CHECK_HEX(out, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");

	/* random key pairs agree */
	x25519_keypair(a_pk, a_sk);
	x25519_keypair(b_pk, b_sk);
	CHECK(memcmp(a_sk, b_sk, 32) != 0);
	x25519_public(pk, a_sk);
	CHECK(memcmp(pk, a_pk, 32) == 0);
	CHECK(x25519_shared(s1, a_sk, b_pk) == 0 && x25519_shared(s2, b_sk, a_pk) == 0);
	CHECK(memcmp(s1, s2, 32) == 0);

	/* low-order points give all zero: rejected, output zeroed */
	uint8_t zero[32] = { 0 }, one[32] = { 1 };
	memset(out, 0x77, 32);
	CHECK(x25519_shared(out, a_sk, zero) == -1);
	CHECK(memcmp(out, zero, 32) == 0);
	CHECK(x25519_shared(out, a_sk, one) == -1);
	uint8_t order8[32];
	unhex(order8, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
	CHECK(x25519_shared(out, a_sk, order8) == -1);
}

static void test_kem(void)
{
	static uint8_t mpk[MCE_PK_LEN], msk[MCE_SK_LEN];
	uint8_t ct[MCE_CT_LEN], k1[32], k2[32];
	uint8_t npk[NTRU_PK_LEN], nsk[NTRU_SK_LEN], nct[NTRU_CT_LEN];

	CHECK(mce_keypair(mpk, msk) == 0);
	CHECK(mce_enc(ct, k1, mpk) == 0);
	CHECK(mce_dec(k2, ct, msk) == 0);
	CHECK(memcmp(k1, k2, 32) == 0);
	ct[3] ^= 1;                    /* implicit rejection: a different key */
	CHECK(mce_dec(k2, ct, msk) == 0);
	CHECK(memcmp(k1, k2, 32) != 0);

	CHECK(ntru_keypair(npk, nsk) == 0);
	CHECK(ntru_enc(nct, k1, npk) == 0);
	CHECK(ntru_dec(k2, nct, nsk) == 0);
	CHECK(memcmp(k1, k2, 32) == 0);
	nct[100] ^= 1;
	CHECK(ntru_dec(k2, nct, nsk) == 0);
	CHECK(memcmp(k1, k2, 32) != 0);
}

static void test_misc(void)
{
	uint8_t a[64], b[64], z[64] = { 0 };
	random_bytes(a, sizeof a);
	random_bytes(b, sizeof b);
	CHECK(memcmp(a, b, sizeof a) != 0);
	wipe(a, sizeof a);
	CHECK(memcmp(a, z, sizeof a) == 0);
}

int main(void)
{
	CHECK(crypto_init() == 0);
	CHECK(crypto_init() == 0);     /* idempotent */
	test_hash();
	test_aead();
	test_x25519();
	test_kem();
	test_misc();
	return check_done();
}

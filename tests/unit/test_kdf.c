/* KDF of PROTOCOL.md §2.7 against the vectors of §14.1 and §14.2, and the
 * §8.2 chain built from kdf() directly. */
#include "check.h"
#include "crypto/crypto.h"

static const char *kdf0[20] = {
	"76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7",
	"da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
	"9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed",
	"29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
	"2d09a0e663266ce1ae7ed1081968a0758e718e997bd362c6b0c34634a9a0b35d",
	"012737681f7b5d0f281e3afde458bc1e73d2d313c9cf94c05ff3716240a248f2",
	"1320a058d7b3566bd520daaa3ed2bf0ac5b8b120fb852773c3639734b45c91a4",
	"2dd4cb83f8840d2eedb158131062ac3f1f2cf8ff6dcd1856e86a1e6c3167167e",
	"e5a688742b47c5adfb59d4df76fd1db1e51ee03b1ca9f82aca173edb8b729347",
	"4ebe980f904d10c916442b4783a0e984860cb6c957b39c38ed8f51cffaa68a4d",
	"e01025a39c504546b9dc1406a7eb28151e5150d7b204baa719d4f091021217db",
	"5cf1b5c84c4fa71a879610a1a695ac527c5b56774a6b8a21aae88685868e094c",
	"f29ef4090af7a90cc07e8817aa528763797d3c332b67ca4bc110642c2151ec47",
	"ee84cb8c42d85f10e2a8cb18c3b7335f26e8c39a12b1bcc1707177b76138732e",
	"edaab74da1410fc055ea068c99e9260acbe337cf5d3e00e5b3230ffedb0b9907",
	"87d0c70e0bfe4198ea6758dd5a61fb5fec2df981f31befe153f81d17161784db",
	"1c8822d53cd1ee7db532364828bdf404b040a8dcc522f3d3d99aec4b8057edb8",
	"500931a2c42d2f0c570847100b5754dafc5fbdb894bbef1a2de1a07f8ba0c4b9",
	"19301066edbc056b7b481e7a0c46297bbb589d9da5b675a6723e152e5e63a4ce",
	"034e9e83e58a013af0e7352fb7908514e3b3d1040d0bb963b3954b636b5fd4bf",
};

/* Packet key K(e, c) of the chain with root r0, per §8.2. */
static void chain_key(uint8_t out[32], const uint8_t r0[32], unsigned epoch, unsigned counter)
{
	uint8_t r[32], two[64], ck[32], nineteen[19 * 32];

	memcpy(r, r0, 32);
	for (unsigned e = 0;; e++) {
		kdf(two, 2, r, NULL);
		memcpy(r, two, 32);
		memcpy(ck, two + 32, 32);
		if (e == epoch)
			break;
	}
	for (unsigned j = 0; j <= counter / 18; j++) {
		kdf(nineteen, 19, ck, NULL);
		memcpy(ck, nineteen, 32);
	}
	memcpy(out, nineteen + 32 * (1 + counter % 18), 32);
}

int main(void)
{
	uint8_t zero[32] = { 0 }, out[20 * 32], x[32], k[32];

	CHECK(crypto_init() == 0);

	kdf(out, 1, zero, NULL);
	CHECK_HEX(out, "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7");
	kdf(out, 2, zero, NULL);
	CHECK_HEX(out + 32, "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
	kdf(out, 20, zero, NULL);
	for (int i = 0; i < 20; i++)
		CHECK_MSG(eq_hex(out + 32 * i, kdf0[i]), kdf0[i]);

	/* KDF1 with X = 00 01 .. 0f || 0^16 */
	memset(x, 0, sizeof x);
	for (int i = 0; i < 16; i++)
		x[i] = (uint8_t)i;
	kdf(out, 1, zero, x);
	CHECK_HEX(out, "8a63c7f8ae1f48112b2d53e07285623fdebf25cf63fac4a807e889d284ef954e");

	/* out aliasing the key gives the same result */
	memset(k, 0, sizeof k);
	kdf(k, 1, k, x);
	CHECK_HEX(k, "8a63c7f8ae1f48112b2d53e07285623fdebf25cf63fac4a807e889d284ef954e");
	memset(k, 0, sizeof k);
	kdf(k, 1, k, NULL);
	CHECK_HEX(k, "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7");

	/* n = 0 writes nothing */
	memset(out, 0xaa, 32);
	kdf(out, 0, zero, NULL);
	CHECK(out[0] == 0xaa && out[31] == 0xaa);

	/* With X: K' is block counter X[0..8] nonce X[8..16]; a counter with the
	 * high word set must differ from one without (full 64-bit counter). */
	uint8_t a[32], b[32];
	memset(x, 0, sizeof x);
	x[4] = 1;                      /* counter 2^32 */
	kdf(a, 1, zero, x);
	memset(x, 0, sizeof x);
	kdf(b, 1, zero, x);
	CHECK(memcmp(a, b, 32) != 0);
	/* X = 0: K' = KDF(1,0) and S = its keystream at counter 0 */
	uint8_t kp[32];
	kdf(kp, 1, zero, NULL);
	kdf(a, 1, kp, NULL);
	CHECK(memcmp(a, b, 32) == 0);
	/* cookie state0 = KDF1(0, 0) of §14.1 */
	CHECK_HEX(b, "b0fd14ff96a0bda154c329082c9c6533bb4c9473bf5dde138f82c9ac5553d958");

	/* receive chain with R0 = 0 (§14.1) */
	chain_key(k, zero, 1, 5);
	CHECK_HEX(k, "27443b6fd8d38aff8e1dec89f971c5e2a7fe8e78e870712d527f4cb3a8eda375");
	chain_key(k, zero, 0, 0);
	CHECK_HEX(k, "242ad89021b16eca55b03174d7ac8d79193988583793baf65494bb17ab80eded");

	/* client send chain with root T_I of §14.2 */
	uint8_t ti[32], tr[32];
	unhex(ti, "201d450126c80699c07c9445dea87463a3215bbd1e96f0db9d4d7fc7c6973d5b");
	unhex(tr, "6bf665ec49de7985d33beec99ca7e00e98afdf3a1aa2b5876d6193032440615f");
	kdf(out, 2, ti, NULL);
	CHECK_HEX(out, "8e363949ca202edaf6c3e2cb0a2eee0d639bc94461655e290edae17e1521049f");
	CHECK_HEX(out + 32, "784ef620f04f0142b55f2ef2037cc9ff47065f062f2d5573da03bd1e45b5eabe");
	chain_key(k, ti, 0, 0);
	CHECK_HEX(k, "4a14ab4c2c20d817c69a59b9481008dc3a469e347c575b5cb6034a0ebb4f0be4");
	chain_key(k, ti, 0, 18);
	CHECK_HEX(k, "dd032d8a339ef751960697981404d56afc6b0e848bf294b3e08b02dcc7bf4f93");
	chain_key(k, ti, 1, 0);
	CHECK_HEX(k, "e8dfa2ed8119ccb44197c207a5c0e3dc6a277837873c4cd950a730396852a1e2");
	chain_key(k, tr, 0, 0);
	CHECK_HEX(k, "7e673d814ea48c1891f5a52a4b938a8be2db90dda554a8dcee2b2561ee03ab4b");

	return check_done();
}

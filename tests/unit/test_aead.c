/* The AEAD wrapper (OpenSSL EVP ChaCha20-Poly1305) gives the bytes of
 * libsodium's crypto_aead_chacha20poly1305_ietf_*_detached, the construction
 * the protocol prescribes (§2.4, RFC 8439): the protocol's vectors (§14.1
 * RFC 8439 A.5, §14.2 tunnel packet), every size 0..300 and random sizes up to
 * 65536 with random associated data, both directions (ours opens libsodium's,
 * libsodium opens ours), in place, from several threads at once.  A failed
 * open leaves no plaintext behind.  The handshake's c1/t1 and c3/t3 vectors
 * (§14.2) go through the same wrapper in test_handshake. */
#include <pthread.h>
#include <sodium.h>

#include "check.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"

#define MAXLEN 65536

/* Deterministic bytes, so that a failure can be reproduced. */
static uint64_t prng_state = 0x9e3779b97f4a7c15u;
static uint64_t prng(void)
{
	prng_state ^= prng_state << 13;
	prng_state ^= prng_state >> 7;
	prng_state ^= prng_state << 17;
	return prng_state;
}
static void fill(uint8_t *p, size_t n, uint64_t *st)
{
	for (size_t i = 0; i < n; i++) {
		*st ^= *st << 13;
		*st ^= *st >> 7;
		*st ^= *st << 17;
		p[i] = (uint8_t)*st;
	}
}

/* One message: ours (evp: the OpenSSL path alone, else the wrapper that
 * picks by length) and libsodium's agree both ways.  1 = all good. */
static int evp;
static int compare_one(size_t mlen, size_t adlen, int zero_nonce, uint64_t *st,
                       uint8_t *pt, uint8_t *c_ours, uint8_t *c_sod, uint8_t *back)
{
	uint8_t key[32], nonce[12] = { 0 }, ad[256], t_ours[16], t_sod[16];
	int ok = 1;

	fill(key, sizeof key, st);
	if (!zero_nonce)
		fill(nonce, sizeof nonce, st);
	fill(ad, adlen, st);
	fill(pt, mlen, st);
	if (evp)
		aead_evp_seal(c_ours, t_ours, pt, mlen, ad, adlen, nonce, key);
	else if (zero_nonce)
		aead_seal(c_ours, t_ours, pt, mlen, ad, adlen, key);
	else
		aead_seal_nonce(c_ours, t_ours, pt, mlen, ad, adlen, nonce, key);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(c_sod, t_sod, NULL, pt, mlen, ad, adlen,
	                                                   NULL, nonce, key);
	ok &= memcmp(c_ours, c_sod, mlen) == 0 && memcmp(t_ours, t_sod, 16) == 0;
	/* ours opens libsodium's */
	memset(back, 0xaa, mlen);
	if (evp)
		ok &= aead_evp_open(back, c_sod, mlen, t_sod, ad, adlen, nonce, key) == 0;
	else if (zero_nonce)
		ok &= aead_open(back, c_sod, mlen, t_sod, ad, adlen, key) == 0;
	else
		ok &= aead_open_nonce(back, c_sod, mlen, t_sod, ad, adlen, nonce, key) == 0;
	ok &= memcmp(back, pt, mlen) == 0;
	/* libsodium opens ours */
	ok &= crypto_aead_chacha20poly1305_ietf_decrypt_detached(back, NULL, c_ours, mlen, t_ours, ad,
	                                                         adlen, nonce, key) == 0;
	ok &= memcmp(back, pt, mlen) == 0;
	return ok;
}

static void test_vectors(void)
{
	uint8_t key[32], nonce[12], ad[40], pt[300], ct[300], tag[16], sct[300], stag[16];
	size_t n;

	/* RFC 8439 A.5 (§14.1) */
	unhex(key, "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
	unhex(nonce, "000000000102030405060708");
	unhex(ad, "f33388860000000000004e91");
	n = unhex(pt, "496e7465726e65742d4472616674732061726520647261667420646f63756d65"
	              "6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
	              "6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
	              "65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
	              "6e747320617420616e792074696d652e20497420697320696e617070726f7072"
	              "6961746520746f2075736520496e7465726e65742d4472616674732061732072"
	              "65666572656e6365206d6174657269616c206f7220746f206369746520746865"
	              "6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
	              "726573732e2fe2809d");
	CHECK(n == 265);
	aead_seal_nonce(ct, tag, pt, n, ad, 12, nonce, key);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(sct, stag, NULL, pt, n, ad, 12, NULL, nonce, key);
	CHECK_MSG(memcmp(ct, sct, n) == 0 && memcmp(tag, stag, 16) == 0, "A.5: same bytes as libsodium");
	CHECK_HEX(tag, "eead9d67890cbb22392336fea1851f38");
	CHECK_HEX(ct, "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2");

	/* §14.2: the client's first tunnel packet (epoch 0, counter 0, "hello"
	 * under K(0,0) of the T_I chain, AD = the 40-byte header, zero nonce) */
	unhex(key, "4a14ab4c2c20d817c69a59b9481008dc3a469e347c575b5cb6034a0ebb4f0be4");
	unhex(ad, "0200f5f9adb21c9bebcbd8a5325d90b02cb6be27b05fa91844ba8cc6d0599e0976d8000000000000");
	aead_seal(ct, tag, (const uint8_t *)"hello", 5, ad, 40, key);
	memset(nonce, 0, sizeof nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(sct, stag, NULL, (const uint8_t *)"hello", 5,
	                                                   ad, 40, NULL, nonce, key);
	CHECK_HEX(ct, "6bece29451");
	CHECK_HEX(tag, "0a45160269faab9a6e2a2412dba97bb4");
	CHECK_MSG(memcmp(ct, sct, 5) == 0 && memcmp(tag, stag, 16) == 0, "§14.2 packet: same bytes as libsodium");
	CHECK(aead_open(pt, ct, 5, tag, ad, 40, key) == 0 && memcmp(pt, "hello", 5) == 0);
}

static void test_sizes(const char *which)
{
	uint8_t *pt = malloc(MAXLEN), *c1 = malloc(MAXLEN), *c2 = malloc(MAXLEN), *back = malloc(MAXLEN);
	uint64_t st = 1;
	int ok = 1, bad_at = -1;

	for (size_t n = 0; n <= 300 && ok; n++)
		if (!(ok = compare_one(n, n % 41, (int)(n & 1), &st, pt, c1, c2, back)))
			bad_at = (int)n;
	printf("# %s\n", which);
	CHECK_MSG(ok, "every size 0..300, AD 0..40, zero and random nonces");
	if (!ok)
		printf("# first difference at %d bytes\n", bad_at);

	for (size_t n = AEAD_EVP_MIN - 70; n <= AEAD_EVP_MIN + 70 && ok; n++)
		if (!(ok = compare_one(n, n % 41, (int)(n & 1), &st, pt, c1, c2, back)))
			bad_at = (int)n;
	CHECK_MSG(ok, "every size around the switch to OpenSSL (AEAD_EVP_MIN +- 70)");

	static const size_t edge[] = { 1200, 1400, 1416, 16383, 16384, 65535, MAXLEN };
	for (size_t i = 0; i < sizeof edge / sizeof edge[0] && ok; i++)
		ok = compare_one(edge[i], 40, 1, &st, pt, c1, c2, back);
	CHECK_MSG(ok, "sizes 1400, 16384, 65535, 65536 with a 40-byte AD");

	for (int i = 0; i < 300 && ok; i++) {
		size_t n = (size_t)(prng() % (MAXLEN + 1)), adlen = (size_t)(prng() % 257);
		ok = compare_one(n, adlen, (int)(prng() & 1), &st, pt, c1, c2, back);
		if (!ok)
			printf("# difference at %zu bytes, AD %zu\n", n, adlen);
	}
	CHECK_MSG(ok, "300 random sizes 0..65536 with random AD 0..256");
	free(pt);
	free(c1);
	free(c2);
	free(back);
}

static void test_failures(size_t len)
{
	uint8_t key[32], ad[40], pt[2048], ct[2048], tag[16], out[2048];
	uint64_t st = 7;

	printf("# failures, %zu bytes\n", len);
	fill(key, sizeof key, &st);
	fill(ad, sizeof ad, &st);
	fill(pt, len, &st);
	aead_seal(ct, tag, pt, len, ad, sizeof ad, key);

	tag[15] ^= 0x80;
	memset(out, 0x55, len);
	CHECK(aead_open(out, ct, len, tag, ad, sizeof ad, key) == -1);
	CHECK_MSG(all_zero(out, len), "bad tag: the output is zeroed, no plaintext left");
	tag[15] ^= 0x80;

	ct[len / 2] ^= 1;
	memset(out, 0x55, len);
	CHECK(aead_open(out, ct, len, tag, ad, sizeof ad, key) == -1);
	CHECK_MSG(all_zero(out, len), "bad ciphertext: the output is zeroed");
	ct[len / 2] ^= 1;

	ad[39] ^= 1;
	CHECK(aead_open(out, ct, len, tag, ad, sizeof ad, key) == -1 && all_zero(out, len));
	ad[39] ^= 1;
	CHECK(aead_open(out, ct, len, tag, ad, sizeof ad - 1, key) == -1);
	key[0] ^= 1;
	CHECK(aead_open(out, ct, len, tag, ad, sizeof ad, key) == -1 && all_zero(out, len));
	key[0] ^= 1;
	/* a shorter ciphertext with the same tag */
	CHECK(aead_open(out, ct, len - 1, tag, ad, sizeof ad, key) == -1);
	/* after failures the same context still works */
	CHECK(aead_open(out, ct, len, tag, ad, sizeof ad, key) == 0 && memcmp(out, pt, len) == 0);

	/* in place (m == c), both ways */
	uint8_t buf[2048], t2[16];
	memcpy(buf, pt, len);
	aead_seal(buf, t2, buf, len, ad, sizeof ad, key);
	CHECK(memcmp(buf, ct, len) == 0 && memcmp(t2, tag, 16) == 0);
	CHECK(aead_open(buf, buf, len, t2, ad, sizeof ad, key) == 0 && memcmp(buf, pt, len) == 0);

	/* empty message and empty AD */
	aead_seal(NULL, tag, NULL, 0, NULL, 0, key);
	uint8_t stag[16], zn[12] = { 0 }, none[1];
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(none, stag, NULL, NULL, 0, NULL, 0, NULL, zn, key);
	CHECK(memcmp(tag, stag, 16) == 0);
	CHECK(aead_open(NULL, NULL, 0, tag, NULL, 0, key) == 0);
	CHECK(aead_open(NULL, NULL, 0, tag, ad, 1, key) == -1);
}

/* Each thread has its own context: concurrent use gives libsodium's bytes. */
static void *thread_body(void *arg)
{
	uint64_t st = (uint64_t)(uintptr_t)arg;
	uint8_t *pt = malloc(4096), *c1 = malloc(4096), *c2 = malloc(4096), *back = malloc(4096);
	intptr_t ok = 1;
	for (int i = 0; i < 2000 && ok; i++)
		ok = compare_one((size_t)(st % 4096), (size_t)(st % 57), i & 1, &st, pt, c1, c2, back);
	free(pt);
	free(c1);
	free(c2);
	free(back);
	return (void *)ok;
}

static void test_threads(void)
{
	pthread_t th[4];
	int ok = 1;
	for (uintptr_t i = 0; i < 4; i++)
		ok &= pthread_create(&th[i], NULL, thread_body, (void *)(i * 7919 + 3)) == 0;
	for (int i = 0; i < 4; i++) {
		void *r = NULL;
		pthread_join(th[i], &r);
		ok &= r == (void *)1;
	}
	CHECK_MSG(ok, "4 threads at once, 2000 messages each: libsodium's bytes");
}

int main(void)
{
	CHECK(crypto_init() == 0);
	test_vectors();
	evp = 0;
	test_sizes("the wrapper (libsodium below AEAD_EVP_MIN, OpenSSL from it)");
	evp = 1;
	test_sizes("OpenSSL EVP alone, at every size");
	evp = 0;
	test_failures(100);
	test_failures(AEAD_EVP_MIN);
	test_failures(2048);
	test_threads();
	return check_done();
}

/* bench/aead.c: ChaCha20-Poly1305 IETF, libsodium against the project's
 * wrapper (OpenSSL EVP, src/crypto/aead.c), the way the tunnel uses it: a
 * fresh 32-byte key for every message, zero nonce, a 40-byte AD (the tunnel
 * header).  Prints GB/s of plaintext for seal and open at 64, 1400 and 65536
 * bytes, and the cost of one message of 0 bytes (the key set-up and tag).
 * Rounds alternate the libraries; the median round is reported, so that a
 * burst of load on a shared machine hits both alike.
 *
 *   aead-speed [ms per measurement, default 200] [rounds, default 5]
 *
 * Built with the project (not installed); bench/aead-speed runs it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/crypto.h"
#include "crypto/internal.h"

#define AD_LEN 40
#define MAX_ROUNDS 31

enum lib { SODIUM, OPENSSL, PROJECT, NLIB };
enum op { SEAL, OPEN };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t key[32], nonce[12], ad[AD_LEN], tag[16];

#define BATCH 16   /* keys per batch: key[0] = 0..15, one message each */

/* Messages per second for one library, operation and size, over ms.  For
 * open, ct holds BATCH ciphertexts of len bytes (stride len), sealed under
 * their keys, and tags their tags. */
static double measure(enum lib lib, enum op op, const uint8_t *in, uint8_t *out, const uint8_t *ct,
                      uint8_t tags[BATCH][16], size_t len, double ms)
{
	double t0 = now(), t_end = t0 + ms / 1000.0, t;
	unsigned long done = 0;

	do {
		for (int i = 0; i < BATCH; i++) {
			key[0] = (uint8_t)i;     /* a new key per message, as in the tunnel */
			int r = 0;
			if (op == SEAL && lib == SODIUM)
				crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, NULL, in, len, ad, AD_LEN,
				                                                   NULL, nonce, key);
			else if (op == SEAL && lib == OPENSSL)
				aead_evp_seal(out, tag, in, len, ad, AD_LEN, nonce, key);
			else if (op == SEAL)
				aead_seal(out, tag, in, len, ad, AD_LEN, key);
			else if (lib == SODIUM)
				r = crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, ct + (size_t)i * len, len,
				                                                       tags[i], ad, AD_LEN, nonce, key);
			else if (lib == OPENSSL)
				r = aead_evp_open(out, ct + (size_t)i * len, len, tags[i], ad, AD_LEN, nonce, key);
			else
				r = aead_open(out, ct + (size_t)i * len, len, tags[i], ad, AD_LEN, key);
			if (r != 0) {
				fprintf(stderr, "open failed\n");
				exit(1);
			}
		}
		done += BATCH;
	} while ((t = now()) < t_end);
	return (double)done / (t - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 200;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	static const size_t sizes[] = { 0, 64, 512, 1024, 1200, 1400, 1416, 2048, 65536 };
	enum { NSIZES = sizeof sizes / sizeof sizes[0] };
	static const char *op_name[] = { "seal", "open" };
	static double rate[NSIZES][2][NLIB][MAX_ROUNDS];

	if (ms <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: aead-speed [ms>0] [rounds 1..%d]\n", MAX_ROUNDS);
		return 2;
	}
	if (crypto_init() != 0) {
		fprintf(stderr, "crypto_init failed\n");
		return 1;
	}
	uint8_t *in = malloc(65536), *out = malloc(65536), *ct = malloc((size_t)BATCH * 65536);
	static uint8_t tags[BATCH][16];
	if (!in || !out || !ct)
		return 1;
	random_bytes(in, 65536);
	random_bytes(key, sizeof key);
	random_bytes(ad, sizeof ad);

	for (int r = 0; r < rounds; r++)
		for (size_t s = 0; s < NSIZES; s++) {
			for (int i = 0; i < BATCH; i++) {
				key[0] = (uint8_t)i;
				crypto_aead_chacha20poly1305_ietf_encrypt_detached(ct + (size_t)i * sizes[s], tags[i], NULL,
				                                                   in, sizes[s], ad, AD_LEN, NULL,
				                                                   nonce, key);
			}
			for (int op = SEAL; op <= OPEN; op++)
				for (int k = 0; k < NLIB; k++) {
					/* rotate which library goes first */
					enum lib lib = (enum lib)((k + r) % NLIB);
					rate[s][op][lib][r] = measure(lib, (enum op)op, in, out, ct, tags, sizes[s], ms);
				}
		}

	printf("ChaCha20-Poly1305 IETF, a new key per message, zero nonce, %d-byte AD; "
	       "median of %d rounds of %.0f ms, one thread\n\n", AD_LEN, rounds, ms);
	printf("| op | size (bytes) | libsodium | OpenSSL EVP | EVP / libsodium | project (EVP from %d B) |\n",
	       AEAD_EVP_MIN);
	printf("| --- | --- | --- | --- | --- | --- |\n");
	for (int op = SEAL; op <= OPEN; op++)
		for (size_t s = 0; s < NSIZES; s++) {
			double med[NLIB];
			for (int lib = 0; lib < NLIB; lib++) {
				qsort(rate[s][op][lib], (size_t)rounds, sizeof(double), cmp_double);
				med[lib] = rate[s][op][lib][rounds / 2];
			}
			if (sizes[s] == 0)
				printf("| %s | 0 (key set-up + tag) | %.0f ns | %.0f ns | %.2f× | %.0f ns |\n", op_name[op],
				       1e9 / med[SODIUM], 1e9 / med[OPENSSL], med[OPENSSL] / med[SODIUM],
				       1e9 / med[PROJECT]);
			else
				printf("| %s | %zu | %.3f GB/s | %.3f GB/s | %.2f× | %.3f GB/s |\n", op_name[op],
				       sizes[s], med[SODIUM] * (double)sizes[s] / 1e9,
				       med[OPENSSL] * (double)sizes[s] / 1e9, med[OPENSSL] / med[SODIUM],
				       med[PROJECT] * (double)sizes[s] / 1e9);
		}
	free(in);
	free(ct);
	free(out);
	return 0;
}

/* DNSCurve base32 (PROTOCOL.md §4.2) against the pairs of §14.1. */
#include "check.h"
#include "proto/base32.h"

static const struct { const char *hex, *text; } pairs[] = {
	{ "6488", "4321" },
	{ "", "" },
	{ "88", "84" },
	{ "9f0b", "zw20" },
	{ "17a3d4", "rs89f" },
	{ "2aa9137e", "b9b71z1" },
	{ "7e69a3efac", "ycu6urmp" },
	{ "e53b60e81562", "5zg06nr223" },
	{ "723cef3a432c8f", "l3hygxd8dt31" },
	{ "17f7350941e4dc01", "rsxcm44847r30" },
};

int main(void)
{
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		uint8_t bin[16], back[16];
		char text[32], upper[32];
		size_t n = unhex(bin, pairs[i].hex), tl = strlen(pairs[i].text);

		CHECK(base32_encoded_len(n) == tl);
		CHECK(base32_encode(text, bin, n) == tl);
		CHECK_MSG(memcmp(text, pairs[i].text, tl) == 0, pairs[i].text);
		CHECK(5 * tl / 8 == n);
		memset(back, 0xaa, sizeof back);
		CHECK(base32_decode(back, n, pairs[i].text, tl) == 0);
		CHECK_MSG(memcmp(back, bin, n) == 0, pairs[i].hex);
		/* upper case decodes the same */
		for (size_t j = 0; j < tl; j++)
			upper[j] = (char)(pairs[i].text[j] >= 'a' ? pairs[i].text[j] - 32 : pairs[i].text[j]);
		CHECK(base32_decode(back, n, upper, tl) == 0);
		CHECK(memcmp(back, bin, n) == 0);
		/* wrong outlen */
		CHECK(base32_decode(back, n + 1, pairs[i].text, tl) == -1);
	}

	uint8_t out[32];
	/* characters outside the alphabet: a, e, i, o, and punctuation */
	CHECK(base32_decode(out, 2, "432a", 4) == -1);
	CHECK(base32_decode(out, 2, "e321", 4) == -1);
	CHECK(base32_decode(out, 2, "4i21", 4) == -1);
	CHECK(base32_decode(out, 2, "43o1", 4) == -1);
	CHECK(base32_decode(out, 2, "43-1", 4) == -1);
	CHECK(base32_decode(out, 2, "43\0001", 4) == -1);
	/* values that do not fit: 2 bytes take 16 bits, char 4 holds bit 15 only */
	CHECK(base32_decode(out, 2, "zzz1", 4) == 0);
	CHECK(out[0] == 0xff && out[1] == 0xff);
	CHECK(base32_decode(out, 2, "zzz2", 4) == -1);
	CHECK(base32_decode(out, 2, "000z", 4) == -1);
	/* 52 chars: last one only holds bit 255 */
	char h[52];
	memset(h, 'z', 52);
	h[51] = '1';
	CHECK(base32_decode(out, 32, h, 52) == 0);
	CHECK(out[0] == 0xff && out[31] == 0xff);
	h[51] = '2';
	CHECK(base32_decode(out, 32, h, 52) == -1);
	h[51] = 'z';
	CHECK(base32_decode(out, 32, h, 52) == -1);
	/* one char: outlen 0, any non-zero value does not fit */
	CHECK(base32_decode(out, 0, "0", 1) == 0);
	CHECK(base32_decode(out, 0, "1", 1) == -1);

	/* round trips of every length up to 40 */
	for (size_t n = 0; n <= 40; n++) {
		uint8_t b[40], c[40];
		char t[64];
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)(j * 37 + n * 11 + 0x80);
		size_t tl = base32_encode(t, b, n);
		CHECK(tl == (8 * n + 4) / 5);
		CHECK(base32_decode(c, n, t, tl) == 0 && memcmp(b, c, n) == 0);
	}
	return check_done();
}

/* DNSCurve base32 (PROTOCOL.md §4.2): the input is one little-endian
 * integer, written 5 bits at a time from the least significant end. */
#include "proto/base32.h"

static const char alphabet[32] = "0123456789bcdfghjklmnpqrstuvwxyz";

/* Value of a character (either case), or -1. */
static int char_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	for (int i = 0; i < 32; i++)
		if (alphabet[i] == c)
			return i;
	return -1;
}

size_t base32_encoded_len(size_t n)
{
	return (8 * n + 4) / 5;
}

size_t base32_encode(char *out, const uint8_t *in, size_t n)
{
	size_t len = 0;
	unsigned acc = 0, bits = 0;

	for (size_t i = 0; i < n; i++) {
		acc |= (unsigned)in[i] << bits;
		bits += 8;
		while (bits >= 5) {
			out[len++] = alphabet[acc & 31];
			acc >>= 5;
			bits -= 5;
		}
	}
	if (bits > 0)
		out[len++] = alphabet[acc & 31];
	return len;
}

int base32_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen)
{
	unsigned acc = 0, bits = 0;
	size_t pos = 0;

	if (outlen != 5 * inlen / 8)
		return -1;
	for (size_t i = 0; i < inlen; i++) {
		int v = char_value(in[i]);
		if (v < 0)
			return -1;
		acc |= (unsigned)v << bits;
		bits += 5;
		if (bits >= 8) {
			if (pos == outlen)       /* unreachable given the length check */
				return -1;
			out[pos++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	/* Bits left over must be zero, otherwise N does not fit in outlen bytes. */
	if (acc != 0)
		return -1;
	return 0;
}

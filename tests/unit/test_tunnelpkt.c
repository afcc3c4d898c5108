/* Tunnel packets (PROTOCOL.md §8.1) against the 61-byte vector of §14.2. */
#include "check.h"
#include "crypto/crypto.h"
#include "proto/tunnelpkt.h"

#define TID "f5f9adb21c9bebcbd8a5325d90b02cb6be27b05fa91844ba8cc6d0599e0976d8"
#define K00 "4a14ab4c2c20d817c69a59b9481008dc3a469e347c575b5cb6034a0ebb4f0be4"
#define PKT "0200" TID "0000" "00000000" "6bece29451" "0a45160269faab9a6e2a2412dba97bb4"

int main(void)
{
	uint8_t tid[32], key[32], out[2048], pt[2048], big[1300];
	struct tp_header h;

	CHECK(crypto_init() == 0);
	unhex(tid, TID);
	unhex(key, K00);

	CHECK(tp_seal(out, tid, 0, 0, (const uint8_t *)"hello", 5, key) == 61);
	CHECK_HEX(out, PKT);

	CHECK(tp_parse_header(&h, out, 61) == 0);
	CHECK(h.tid == out + 2 && h.epoch == 0 && h.counter == 0);
	CHECK(tp_open(pt, sizeof pt, out, 61, key) == 5);
	CHECK(memcmp(pt, "hello", 5) == 0);

	/* every byte of header, ciphertext and tag is authenticated */
	int ok = 1;
	for (size_t i = 0; i < 61; i++) {
		out[i] ^= 0x01;
		if (tp_open(pt, sizeof pt, out, 61, key) != -1)
			ok = 0;
		out[i] ^= 0x01;
	}
	CHECK_MSG(ok, "any flipped bit rejected");
	CHECK(tp_open(pt, sizeof pt, out, 60, key) == -1);
	key[0] ^= 1;
	CHECK(tp_open(pt, sizeof pt, out, 61, key) == -1);
	key[0] ^= 1;

	/* header fields are big-endian */
	size_t n = tp_seal(out, tid, 0x1234, 0xa1b2c3d4, NULL, 0, key);
	CHECK(n == 56);
	CHECK_HEX(out + 34, "1234a1b2c3d4");
	CHECK(tp_parse_header(&h, out, n) == 0 && h.epoch == 0x1234 && h.counter == 0xa1b2c3d4);
	CHECK(tp_open(pt, sizeof pt, out, n, key) == 0);

	/* short or mistyped datagrams */
	ok = 1;
	for (size_t l = 0; l < 56; l++)
		if (tp_parse_header(&h, out, l) != -1 || tp_open(pt, sizeof pt, out, l, key) != -1)
			ok = 0;
	CHECK_MSG(ok, "datagrams below 56 bytes rejected");
	out[0] = 0x01;
	CHECK(tp_parse_header(&h, out, n) == -1);
	out[0] = 0x02;
	out[1] = 0x01;
	CHECK(tp_parse_header(&h, out, n) == -1);

	/* a full-size packet round trip */
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)i;
	n = tp_seal(out, tid, 7, 89, big, sizeof big, key);
	CHECK(n == sizeof big + 56);
	CHECK(tp_parse_header(&h, out, n) == 0 && h.epoch == 7 && h.counter == 89);
	CHECK(tp_open(pt, sizeof pt, out, n, key) == (int)sizeof big && memcmp(pt, big, sizeof big) == 0);
	return check_done();
}

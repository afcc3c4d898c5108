/* tunnelpkt: header parsing and opening with a fixed key.  Byte 0 picks
 * the mode: raw datagram, or a datagram sealed under the key from the rest
 * of the input and then damaged at one position (must then fail to open),
 * or sealed and opened intact (must round-trip). */
#include <string.h>

#include "fuzz.h"
#include "crypto/crypto.h"
#include "proto/tunnelpkt.h"

static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	return crypto_init() == 0 ? 0 : (abort(), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[70000], pt[70000];
	struct tp_header h;

	if (size == 0 || size > 60000)
		return 0;
	uint8_t mode = data[0] % 3;
	data++, size--;
	if (mode == 0) {
		if (tp_parse_header(&h, data, size) == 0) {
			FUZZ_ASSERT(size >= TP_OVERHEAD && h.tid == data + TP_TID_OFF);
			int n = tp_open(pt, sizeof pt, data, size, key);
			FUZZ_ASSERT(n == -1 || (size_t)n == size - TP_OVERHEAD);
		} else {
			FUZZ_ASSERT(size < TP_OVERHEAD || data[0] != 0x02 || data[1] != 0x00);
		}
		return 0;
	}
	uint8_t tid[32] = { 0 };
	size_t tl = size < 32 ? size : 32;
	memcpy(tid, data, tl);
	uint16_t epoch = size > 1 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	uint32_t counter = size > 3 ? (uint32_t)data[2] << 8 | data[3] : 0;
	size_t len = tp_seal(pkt, tid, epoch, counter, data, size, key);
	FUZZ_ASSERT(len == size + TP_OVERHEAD);
	FUZZ_ASSERT(tp_parse_header(&h, pkt, len) == 0);
	FUZZ_ASSERT(h.epoch == epoch && h.counter == counter && memcmp(h.tid, tid, 32) == 0);
	if (mode == 1 && size > 0) {
		size_t at = (data[0] * 257u + size) % len;
		pkt[at] ^= (uint8_t)(1u << (data[size - 1] & 7));
		FUZZ_ASSERT(tp_open(pt, sizeof pt, pkt, len, key) == -1);
	} else {
		FUZZ_ASSERT(tp_open(pt, sizeof pt, pkt, len, key) == (int)size && memcmp(pt, data, size) == 0);
	}
	return 0;
}

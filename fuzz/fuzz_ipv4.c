/* ipv4: re-addressing on a copy (afterwards the header checksum verifies
 * and the packet is still well formed), and udppkt parse + rebuild with a
 * longer and a shorter payload (the rebuilt packet parses to that payload). */
#include <string.h>

#include "fuzz.h"
#include "proto/ipv4.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[70000], out[140000];
	struct udppkt u, u2;

	if (size > sizeof copy)
		return 0;
	memcpy(copy, data, size);
	int total = ipv4_check(data, size);
	int r = ipv4_readdress(copy, size, 0x0a2a0002, 0x0a2a0001, NULL);
	FUZZ_ASSERT(total >= 0 || r == -1);
	FUZZ_ASSERT(r < 0 || r == total);
	if (r >= 0) {
		size_t ihl = (size_t)(copy[0] & 15) * 4;
		FUZZ_ASSERT(ipv4_check(copy, size) == total);
		FUZZ_ASSERT(csum_fold(csum_partial(copy, ihl, 0)) == 0);
		FUZZ_ASSERT(ipv4_src(copy) == 0x0a2a0002 && ipv4_dst(copy) == 0x0a2a0001);
		uint16_t frag = (uint16_t)(copy[6] << 8 | copy[7]);
		if (copy[9] == 17 && (frag & 0x3fff) == 0) {
			size_t ulen = (size_t)(copy[ihl + 4] << 8 | copy[ihl + 5]);
			uint32_t pseudo = csum_partial(copy + 12, 8, 17 + (uint32_t)ulen);
			FUZZ_ASSERT(csum_fold(csum_partial(copy + ihl, ulen, pseudo)) == 0);
		}
	} else {
		FUZZ_ASSERT(memcmp(copy, data, size) == 0);   /* untouched */
	}

	if (udppkt_parse(&u, data, size) != 0)
		return 0;
	FUZZ_ASSERT(u.payload >= data && u.payload + u.payload_len <= data + size);
	size_t lens[2] = { u.payload_len / 2, u.payload_len + 37 };
	for (int i = 0; i < 2; i++) {
		uint8_t pl[70000];
		size_t pn = lens[i];
		if (pn > sizeof pl)
			continue;
		for (size_t k = 0; k < pn; k++)
			pl[k] = (uint8_t)(k * 31 + 7);
		int n = udppkt_rebuild(out, sizeof out, data, size, &u, pl, pn);
		if (n < 0) {
			FUZZ_ASSERT((u.family == 4 && u.l4_off + 8 + pn > 65535) || 8 + pn > 65535);
			continue;
		}
		FUZZ_ASSERT(udppkt_parse(&u2, out, (size_t)n) == 0);
		FUZZ_ASSERT(u2.family == u.family && u2.sport == u.sport && u2.dport == u.dport);
		FUZZ_ASSERT(u2.payload_len == pn && memcmp(u2.payload, pl, pn) == 0);
	}
	return 0;
}

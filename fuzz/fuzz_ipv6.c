/* ipv6: re-addressing on a copy; afterwards the packet is still well
 * formed, holds the new addresses and its L4 checksum verifies (the
 * partial form completes to the same value); a refused packet is left
 * untouched. */
#include <string.h>

#include "fuzz.h"
#include "proto/ipv6.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[70000], copy2[70000];
	static const uint8_t src[16] = { 0xfd, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static const uint8_t dst[16] = { 0xfd, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct l4csum cs;

	if (size > sizeof copy)
		return 0;
	memcpy(copy, data, size);
	memcpy(copy2, data, size);
	int up = ipv6_upper_proto(data, size);
	FUZZ_ASSERT(up >= -1 && up <= 255);
	int total = ipv6_check(data, size);
	int r = ipv6_readdress(copy, size, src, dst, NULL);
	FUZZ_ASSERT(total >= 0 || r == -1);
	FUZZ_ASSERT(r < 0 || r == total);
	if (r < 0) {
		FUZZ_ASSERT(memcmp(copy, data, size) == 0);
		FUZZ_ASSERT(ipv6_readdress(copy2, size, src, dst, &cs) == -1 && memcmp(copy2, data, size) == 0);
		return 0;
	}
	size_t l4len = (size_t)total - IPV6_HDR_LEN;
	FUZZ_ASSERT(ipv6_check(copy, size) == total);
	FUZZ_ASSERT(!memcmp(copy + 8, src, 16) && !memcmp(copy + 24, dst, 16));
	FUZZ_ASSERT(memcmp(copy + total, data + total, size - (size_t)total) == 0);   /* nothing after it written */
	uint32_t pseudo = csum_partial(copy + 8, 32, (uint32_t)copy[6] + (uint32_t)l4len);
	FUZZ_ASSERT(csum_fold(csum_partial(copy + IPV6_HDR_LEN, l4len, pseudo)) == 0);
	FUZZ_ASSERT(ipv6_readdress(copy2, size, src, dst, &cs) == total);
	if (cs.partial) {
		FUZZ_ASSERT(cs.start == IPV6_HDR_LEN && (cs.offset == 6 || cs.offset == 16));
		uint16_t full = csum_fold(csum_partial(copy2 + cs.start, (size_t)total - cs.start, 0));
		uint16_t want = (uint16_t)(copy[IPV6_HDR_LEN + cs.offset] << 8 | copy[IPV6_HDR_LEN + cs.offset + 1]);
		FUZZ_ASSERT(full == want || (full == 0 && want == 0xffff));
	} else
		FUZZ_ASSERT(memcmp(copy, copy2, size) == 0);
	return 0;
}

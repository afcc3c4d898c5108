/* keymsg: the key-server TLV parsers.  Fields must lie inside the message,
 * and a message that tlv_parse accepts packs back to the same bytes. */
#include <string.h>

#include "fuzz.h"
#include "proto/keymsg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[70000];
	struct tlv_field f[16];
	unsigned depth, pos;
	const uint8_t *node, *a, *b;
	size_t nlen;

	int n = tlv_parse(data, size, f, 16);
	if (n >= 0) {
		for (int i = 0; i < n; i++)
			FUZZ_ASSERT(f[i].len > 0 && f[i].p >= data + 2 && f[i].p + f[i].len <= data + size);
		int m = tlv_pack(out, sizeof out, (uint16_t)(data[0] << 8 | data[1]), f, n);
		FUZZ_ASSERT(m == (int)size && memcmp(out, data, size) == 0);
	}
	if (keymsg_static_req_parse(data, size, &depth, &pos) == 0) {
		int m = keymsg_static_req_build(out, sizeof out, depth, pos);
		(void)m;
	}
	if (keymsg_static_resp_parse(data, size, &depth, &pos, &node, &nlen) == 0)
		FUZZ_ASSERT(node >= data && node + nlen <= data + size);
	if (keymsg_eph_resp_parse(data, size, &a, &b) == 0)
		FUZZ_ASSERT(size == KM_EPH_LEN && a >= data && b + 32 <= data + size);
	/* the request's field contents are ignored (the reference sends
	 * zeros); its layout must be exactly that of the canonical one */
	if (keymsg_eph_req_check(data, size) == 0) {
		keymsg_eph_req_build(out);
		FUZZ_ASSERT(size == KM_EPH_LEN && memcmp(out, data, 4) == 0 &&
		            memcmp(out + 4 + 1158, data + 4 + 1158, 2) == 0);
	}
	return 0;
}

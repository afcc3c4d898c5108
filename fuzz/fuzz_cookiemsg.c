/* cookiemsg and featmsg: the address-cookie and feature messages.  Only the exact layouts parse,
 * pointers stay inside the message, and what parses builds back to the
 * same bytes (the request up to its padding, whose content is ignored). */
#include <string.h>

#include "fuzz.h"
#include "proto/cookiemsg.h"
#include "proto/featmsg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[HS_COOKIE_INIT_LEN];
	const uint8_t *nonce, *cookie, *init;

	if (cookiemsg_req_parse(data, size, &nonce) == 0) {
		FUZZ_ASSERT(size == CM_LEN && nonce >= data && nonce + CM_NONCE_LEN <= data + size);
		cookiemsg_req_build(out, nonce);
		FUZZ_ASSERT(memcmp(out, data, CM_LEN - COOKIE_LEN) == 0);
	}
	if (cookiemsg_reply_parse(data, size, &nonce, &cookie) == 0) {
		FUZZ_ASSERT(size == CM_LEN && cookie + COOKIE_LEN <= data + size);
		cookiemsg_reply_build(out, nonce, cookie);
		FUZZ_ASSERT(memcmp(out, data, CM_LEN) == 0);
	}
	if (cookiemsg_init_parse(data, size, &cookie, &init) == 0) {
		FUZZ_ASSERT(size == HS_COOKIE_INIT_LEN && init + HS_INIT_LEN == data + size);
		cookiemsg_init_build(out, cookie, init);
		FUZZ_ASSERT(memcmp(out, data, HS_COOKIE_INIT_LEN) == 0);
	}
	uint32_t flags;
	if (featmsg_req_parse(data, size, &nonce) == 0) {
		FUZZ_ASSERT(size == FM_LEN && nonce >= data && nonce + FM_NONCE_LEN <= data + size);
		featmsg_req_build(out, nonce);
		FUZZ_ASSERT(memcmp(out, data, FM_LEN - FM_BODY_LEN) == 0);
	}
	if (featmsg_reply_parse(data, size, &nonce, &flags) == 0) {
		FUZZ_ASSERT(size == FM_LEN && nonce + FM_NONCE_LEN <= data + size);
		featmsg_reply_build(out, nonce, flags);
		FUZZ_ASSERT(memcmp(out, data, FM_LEN - 16) == 0);
	}
	return 0;
}

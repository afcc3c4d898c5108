/* sessionmsg: the resumption messages and the state files.  Only the exact
 * layouts parse, pointers stay inside the input, what parses builds back
 * to the same bytes, and a state file's records are read only within it. */
#include <string.h>

#include "fuzz.h"
#include "proto/sessionmsg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[SF_SERVER_REC_LEN + SF_CLIENT_REC_LEN + SM_GRANT_LEN];
	const uint8_t *p;
	uint32_t addr;
	int resumed;

	if (sessionmsg_claim_parse(data, size, &addr, &p) == 0)
	{
		static const uint8_t zeros[SM_CLAIM_LEN - SM_CLAIM_USED];
		FUZZ_ASSERT(size == SM_CLAIM_LEN && p + SM_PROOF_LEN == data + SM_CLAIM_USED &&
		            !memcmp(data + SM_CLAIM_USED, zeros, sizeof zeros));
	}
	if (sessionmsg_grant_parse(data, size, &resumed, &addr, &p) == 0) {
		FUZZ_ASSERT(size == SM_GRANT_LEN && addr && p + SM_SECRET_LEN == data + size);
		sessionmsg_grant_build(out, resumed, addr, p);
		FUZZ_ASSERT(memcmp(out, data, SM_GRANT_LEN) == 0);
	}
	if (sessionmsg_hint_parse(data, size, &p) == 0)
		FUZZ_ASSERT(size == SM_HINT_LEN && p == data + 2);
	long n = statefile_server_count(data, size);
	if (n >= 0) {
		FUZZ_ASSERT(size == statefile_server_size((size_t)n));
		for (long i = 0; i < n && i < 64; i++) {
			struct sf_server_rec r;
			if (statefile_server_rec_parse(data, size, (size_t)i, &r) == 0) {
				statefile_server_rec_build(out, &r);
				FUZZ_ASSERT(memcmp(out, data + statefile_server_size((size_t)i), SF_SERVER_REC_LEN) == 0);
			}
		}
	}
	n = statefile_client_count(data, size);
	if (n >= 0) {
		FUZZ_ASSERT(size == statefile_client_size((size_t)n));
		for (long i = 0; i < n && i < 64; i++) {
			struct sf_client_rec r;
			if (statefile_client_rec_parse(data, size, (size_t)i, &r) == 0) {
				statefile_client_rec_build(out, &r);
				FUZZ_ASSERT(memcmp(out, data + statefile_client_size((size_t)i), SF_CLIENT_REC_LEN) == 0);
			}
		}
	}
	return 0;
}

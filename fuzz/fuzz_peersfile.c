/* The static peers file parser: any bytes; on success every peer must be
 * complete and consistent (hash set, address and ports non-zero, limits
 * kept, NUL-terminated strings, unique names and hashes). */
#include <string.h>

#include "fuzz.h"
#include "client/peersfile.c"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct peersfile pf;
	struct pf_error e;

	if (peersfile_parse(&pf, (const char *)data, size, &e) != 0) {
		FUZZ_ASSERT(e.line > 0 && memchr(e.msg, 0, sizeof e.msg));
		return 0;
	}
	FUZZ_ASSERT(pf.n <= PF_MAX_PEERS);
	for (unsigned i = 0; i < pf.n; i++) {
		const struct pf_peer *p = &pf.peer[i];
		FUZZ_ASSERT(memchr(p->name, 0, sizeof p->name) && p->name[0]);
		FUZZ_ASSERT(memchr(p->ifup, 0, sizeof p->ifup) && memchr(p->ifdown, 0, sizeof p->ifdown));
		static const uint8_t zero[16];
		/* an address is never unspecified, never multicast, v4 never 0.0.0.0 */
		FUZZ_ASSERT(memcmp(p->addr, zero, 16) != 0 && p->addr[0] != 0xff && p->port != 0 && p->keyport != 0);
		FUZZ_ASSERT(!(p->addr[10] == 0xff && p->addr[11] == 0xff && !memcmp(p->addr, zero, 10)) ||
		            memcmp(p->addr + 12, zero, 4) != 0);
		FUZZ_ASSERT(p->every_ms >= 100 && p->timeout_ms >= 100 && p->retries >= 1 && p->retries <= 100);
		FUZZ_ASSERT(p->line >= 1);
		FUZZ_ASSERT(peersfile_find(&pf, p->hash) == p);
		for (unsigned j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(pf.peer[j].name, p->name) != 0);
	}
	return 0;
}

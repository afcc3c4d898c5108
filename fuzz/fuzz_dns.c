/* dns: every parser entry point on raw bytes; for answers that dns_inspect
 * accepts, the rewrite and the NXDOMAIN answer must themselves parse, and
 * rewriting is idempotent. */
#include <string.h>

#include "fuzz.h"
#include "proto/dns.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

static int count_cb(void *arg, const uint8_t *txt, size_t n)
{
	uint16_t port;
	(*(size_t *)arg) += n;
	(void)dns_txt_parse_p(txt, n, &port);
	(void)dns_txt_parse_ks(txt, n, &port);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65536], out2[65536];
	struct dns_info info, again;
	uint16_t port;
	int rcode;
	size_t total = 0;

	(void)dns_is_canary_query(data, size);
	(void)dns_txt_parse_p(data, size, &port);
	(void)dns_txt_parse_ks(data, size, &port);
	if (size >= 2)
		(void)dns_txt_strings(data, size, (uint16_t)(data[0] << 8 | data[1]), &rcode, count_cb, &total);

	/* the input as a name to build a query for */
	char name[300];
	size_t nl = size < sizeof name - 1 ? size : sizeof name - 1;
	memcpy(name, data, nl);
	name[nl] = 0;
	int ql = dns_build_query(out, sizeof out, 0x1234, name, DNS_TYPE_TXT);
	if (ql >= 0) {
		FUZZ_ASSERT(dns_inspect(out, (size_t)ql, &info) == -1);     /* a query, not a response */
		out[2] |= 0x80;
		FUZZ_ASSERT(dns_inspect(out, (size_t)ql, &info) == 0);
	}

	if (dns_inspect(data, size, &info) != 0)
		return 0;
	FUZZ_ASSERT(info.naddrs <= DNS_MAX_ADDRS);
	FUZZ_ASSERT(strlen(info.pq1_owner) <= DNS_MAX_NAME);

	uint32_t addr = 0x0a3b0002;
	int n = dns_rewrite(out, sizeof out, data, size, &addr);
	FUZZ_ASSERT(n >= 12);
	FUZZ_ASSERT(dns_inspect(out, (size_t)n, &again) == 0);
	FUZZ_ASSERT(again.naaaa == 0 && again.id == info.id && again.qtype == info.qtype);
	FUZZ_ASSERT(again.naddrs == info.naddrs);
	for (unsigned i = 0; i < again.naddrs; i++)
		FUZZ_ASSERT(again.addrs[i] == addr);
	if (again.verdict == DNS_PQ1 && info.verdict == DNS_PQ1)
		FUZZ_ASSERT(strcmp(again.pq1_owner, info.pq1_owner) == 0);
	int n2 = dns_rewrite(out2, sizeof out2, out, (size_t)n, &addr);
	FUZZ_ASSERT(n2 == n && memcmp(out, out2, (size_t)n) == 0);
	/* a smaller buffer either fits exactly or fails */
	n2 = dns_rewrite(out2, (size_t)n - 1, data, size, &addr);
	FUZZ_ASSERT(n2 == -1);

	/* without an address: only the AAAA records go */
	n = dns_rewrite(out, sizeof out, data, size, NULL);
	FUZZ_ASSERT(n >= 12 && dns_inspect(out, (size_t)n, &again) == 0);
	FUZZ_ASSERT(again.naddrs == info.naddrs &&
	            memcmp(again.addrs, info.addrs, info.naddrs * sizeof info.addrs[0]) == 0);

	n = dns_make_nxdomain(out, sizeof out, data, size);
	FUZZ_ASSERT(n >= 12 && (size_t)n <= size);
	FUZZ_ASSERT(dns_inspect(out, (size_t)n, &again) == 0);
	FUZZ_ASSERT(again.naddrs == 0 && again.naaaa == 0 && (out[3] & 15) == 3);
	return 0;
}

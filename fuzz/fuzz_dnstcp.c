/* dnstcp / dnsflow / nfqcheck over TCP: a segment from the input is parsed
 * with exact lengths; framing, the pq1 checks of answers and queries never
 * read past it; the in-place rewrite keeps the length, leaves a refused
 * message untouched, and what it makes of a segment the monitor recorded
 * is accepted by the monitor's check; a marked connection's position
 * moves only by what passed. */
#include <string.h>

#include "fuzz.h"
#include "proto/dnsflow.h"
#include "proto/dns.h"
#include "proto/dnstcp.h"
#include "proto/nfqcheck.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t copy[70000];
	static struct dnsflow_table tb;
	static struct nfqc_orig o;
	struct tcppkt t;
	size_t off = 0, mlen = 0;
	uint32_t a = 0x0a2b0002;

	if (size > sizeof copy || tcppkt_parse(&t, data, size) < 0)
		return 0;
	FUZZ_ASSERT(t.payload_off <= size && t.payload_off + t.payload_len == size);
	const uint8_t *pl = data + t.payload_off;
	(void)dnstcp_query_strict(pl, t.payload_len);
	(void)dnstcp_asks_pq1(pl, t.payload_len);
	enum dnstcp_frame fr = dnstcp_frame(pl, t.payload_len, &off, &mlen);
	FUZZ_ASSERT(fr != DNSTCP_ONE || off + mlen == t.payload_len);

	size_t offs[DNSTCP_MAX_MSGS], mlens[DNSTCP_MAX_MSGS];
	unsigned nm = dnstcp_messages(pl, t.payload_len, offs, mlens, DNSTCP_MAX_MSGS);
	FUZZ_ASSERT(nm <= DNSTCP_MAX_MSGS);
	FUZZ_ASSERT((fr == DNSTCP_ONE) == (nm == 1) || (fr == DNSTCP_ONE && mlen < 12));
	if (nm > 0)
		FUZZ_ASSERT(offs[nm - 1] + mlens[nm - 1] == t.payload_len);

	/* each message rewritten in place: the monitor takes the result */
	nfqc_record(&o, data, size);
	memcpy(copy, data, size);
	int changed = 0;
	for (unsigned i = 0; i < nm; i++) {
		int n = dnstcp_rewrite_inplace(copy + t.payload_off + offs[i], mlens[i], &a);
		changed |= n > 0;
	}
	if (!changed)
		FUZZ_ASSERT(memcmp(copy, data, size) == 0);
	/* the worker rewrites a segment of several messages only when each is
	 * a well-formed response (the monitor refuses the rest) */
	int all_whole = 1;
	for (unsigned i = 0; i < nm; i++)
		all_whole &= dns_well_formed(pl + offs[i], mlens[i]);
	if (changed && all_whole && o.family && o.proto == 6) {
		tcppkt_fix_checksum(copy, size, &t);
		FUZZ_ASSERT(nfqc_check(&o, copy, size) == NFQC_OK);
	}

	/* the connection, marked from its own acknowledgement number */
	struct dnsflow_key k;
	uint64_t now = 1000;
	dnsflow_key_of(&k, data, &t, t.sport == 53);
	memset(&tb, 0, sizeof tb);
	FUZZ_ASSERT(dnsflow_mark(&tb, &k, t.ack, now) == 0);
	struct dnsflow *f = dnsflow_find(&tb, &k, now);
	FUZZ_ASSERT(f != NULL);
	enum dnsflow_pos pos = dnsflow_position(f, t.seq, t.payload_len);
	FUZZ_ASSERT(pos != DNSFLOW_REPEAT);
	FUZZ_ASSERT(t.payload_len == 0 || (pos == DNSFLOW_NEXT) == (t.seq == t.ack));
	if (pos == DNSFLOW_NEXT) {
		dnsflow_passed(f, t.seq, t.payload_len, now);
		FUZZ_ASSERT(f->next_seq == t.seq + (uint32_t)t.payload_len);
		FUZZ_ASSERT(dnsflow_position(f, t.seq, t.payload_len) == DNSFLOW_REPEAT);
	}
	dnsflow_forget(&tb, &k);
	FUZZ_ASSERT(tb.n == 0 && dnsflow_find(&tb, &k, now) == NULL);
	return 0;
}

/* dns: every parser entry point on raw bytes; for answers that dns_inspect
 * accepts, the rewrite and the NXDOMAIN answer must themselves parse, keep
 * the id and the question, and rewriting is idempotent.  The client
 * monitor's check (proto/nfqcheck.c) runs on the input as an IP packet and
 * on the input wrapped in IPv4/UDP from port 53: whatever the worker makes
 * of a genuine answer must pass it.  The same over TCP (proto/dnstcp.h):
 * the input as one framed answer in an IPv4/TCP segment from port 53, the
 * in-place rewrite keeps the length, parses again with every address
 * rewritten, and passes the monitor's TCP check. */
#include <string.h>

#include "common.h"
#include "fuzz.h"
#include "proto/dns.h"
#include "proto/dnstcp.h"
#include "proto/ipv4.h"
#include "proto/nfqcheck.h"

static uint8_t pkt[65536 + 28], repl[65536 + 28], seg[65536 + 60];

/* data, framed with its length, as the payload of TCP 53 -> 40000 in IPv4; 0 if it does not fit */
static size_t wrap4_tcp(uint8_t *p, const uint8_t *data, size_t size)
{
	struct tcppkt t;
	if (size > 65535 - 42)
		return 0;
	memset(p, 0, 40);
	p[0] = 0x45;
	store16_be(p + 2, (uint16_t)(42 + size));
	p[8] = 64;
	p[9] = 6;
	store32_be(p + 12, 0xc0000235);
	store32_be(p + 16, 0xc0000214);
	store16_be(p + 20, 53);
	store16_be(p + 22, 40000);
	p[32] = 5 << 4;
	store16_be(p + 40, (uint16_t)size);
	memcpy(p + 42, data, size);
	if (tcppkt_parse(&t, p, 42 + size) < 0)
		return 0;
	tcppkt_fix_checksum(p, 42 + size, &t);
	return 42 + size;
}

/* the worker's TCP path on a genuine answer: same length, every address rewritten, accepted */
static void tcp_inplace(const uint8_t *data, size_t size, const struct dns_info *info)
{
	struct nfqc_orig o;
	struct tcppkt t;
	struct dns_info again;
	size_t off, mlen, len = wrap4_tcp(seg, data, size);
	uint32_t addr = 0x0a3b0002;
	if (!len)
		return;
	FUZZ_ASSERT(tcppkt_parse(&t, seg, len) == 0 && tcppkt_checksum_ok(seg, len, &t));
	FUZZ_ASSERT(dnstcp_frame(seg + t.payload_off, t.payload_len, &off, &mlen) == DNSTCP_ONE && mlen == size);
	nfqc_record(&o, seg, len);
	int n = dnstcp_rewrite_inplace(seg + t.payload_off + off, mlen, &addr);
	if (n < 0)
		return;
	FUZZ_ASSERT(dns_inspect(seg + t.payload_off + off, mlen, &again) == 0);
	FUZZ_ASSERT(again.naddrs == info->naddrs && again.naaaa == info->naaaa && again.id == info->id);
	for (unsigned i = 0; i < again.naddrs; i++)
		FUZZ_ASSERT(again.addrs[i] == addr);
	tcppkt_fix_checksum(seg, len, &t);
	if (o.family == 4)
		FUZZ_ASSERT(nfqc_check(&o, seg, len) == NFQC_OK);
}

/* data as the payload of UDP 53 -> 40000 in IPv4; 0 if it does not fit */
static size_t wrap4(uint8_t *p, const uint8_t *data, size_t size)
{
	if (size > 65535 - 28)
		return 0;
	memset(p, 0, 28);
	p[0] = 0x45;
	store16_be(p + 2, (uint16_t)(28 + size));
	p[8] = 64;
	p[9] = 17;
	store32_be(p + 12, 0xc0000235);
	store32_be(p + 16, 0xc0000214);
	store16_be(p + 20, 53);
	store16_be(p + 22, 40000);
	store16_be(p + 24, (uint16_t)(8 + size));
	memcpy(p + 28, data, size);
	return 28 + size;
}

/* the worker's replacement of the wrapped packet's DNS payload must pass the monitor */
static void must_pass(const struct nfqc_orig *o, size_t plen, const uint8_t *dns, size_t dlen)
{
	struct udppkt u;
	FUZZ_ASSERT(udppkt_parse(&u, pkt, plen) == 0);
	int n = udppkt_rebuild(repl, sizeof repl, pkt, plen, &u, dns, dlen);
	if (n < 0)
		return;      /* too large for a packet: the worker passes the original */
	FUZZ_ASSERT(nfqc_check(o, repl, (size_t)n) == NFQC_OK);
}

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

	struct dns_question q, q2;
	struct nfqc_orig orig;

	(void)dns_is_canary_query(data, size);
	if (dns_question_get(data, size, &q) == 0) {
		FUZZ_ASSERT(q.qdcount <= 1 && q.name_len <= sizeof q.name);
		FUZZ_ASSERT(q.qdcount == 1 ? q.name_len >= 1 && q.name[q.name_len - 1] == 0 : q.name_len == 0);
		FUZZ_ASSERT(dns_question_same(&q, &q));
	}
	(void)dns_well_formed(data, size);
	(void)dnstcp_asks_pq1(data, size);
	(void)dns_asks_pq1_addresses(data, size);
	(void)dns_may_ask_pq1(data, size);
	{
		struct tcppkt t;
		size_t off, mlen;
		if (tcppkt_parse(&t, data, size) == 0) {
			FUZZ_ASSERT(t.payload_off + t.payload_len == size);
			(void)dnstcp_frame(data + t.payload_off, t.payload_len, &off, &mlen);
		}
	}
	/* the input as a whole IP packet, as the monitor would see it */
	nfqc_record(&orig, data, size);
	(void)nfqc_check(&orig, data, size);
	(void)nfqc_result_str(nfqc_check(&orig, data, size));
	/* and wrapped in IPv4/UDP from port 53 */
	size_t plen = wrap4(pkt, data, size);
	if (plen) {
		nfqc_record(&orig, pkt, plen);
		if (orig.family == 4)
			FUZZ_ASSERT(nfqc_check(&orig, pkt, plen) == NFQC_OK || !dns_well_formed(data, size));
	}
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
	int have_q = dns_question_get(data, size, &q) == 0;
	int checkable = plen && orig.family == 4;
	FUZZ_ASSERT(checkable == (plen && have_q));   /* an inspected answer is a checkable original */
	FUZZ_ASSERT(info.naddrs <= DNS_MAX_ADDRS);
	FUZZ_ASSERT(strlen(info.pq1_owner) <= DNS_MAX_NAME);

	tcp_inplace(data, size, &info);
	uint32_t addr = 0x0a3b0002;
	int n = dns_rewrite(out, sizeof out, data, size, &addr);
	FUZZ_ASSERT(n >= 12);
	FUZZ_ASSERT(dns_inspect(out, (size_t)n, &again) == 0);
	if (have_q)
		FUZZ_ASSERT(dns_question_get(out, (size_t)n, &q2) == 0 && dns_question_same(&q, &q2));
	if (checkable)
		must_pass(&orig, plen, out, (size_t)n);
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

	/* an A record added to an A answer without one: a well-formed message,
	 * every A record the internal address, the question kept */
	n = dns_rewrite_add_a(out, sizeof out, data, size, addr);
	FUZZ_ASSERT(n >= 12 && dns_inspect(out, (size_t)n, &again) == 0);
	FUZZ_ASSERT(again.naaaa == 0 && again.naddrs >= info.naddrs && again.naddrs <= info.naddrs + 1);
	for (unsigned i = 0; i < again.naddrs; i++)
		FUZZ_ASSERT(again.addrs[i] == addr);
	if (have_q)
		FUZZ_ASSERT(dns_question_get(out, (size_t)n, &q2) == 0 && dns_question_same(&q, &q2));
	FUZZ_ASSERT(dns_rewrite_add_a(out2, (size_t)n - 1, data, size, addr) == -1);

	/* without an address: only the AAAA records go */
	n = dns_rewrite(out, sizeof out, data, size, NULL);
	FUZZ_ASSERT(n >= 12 && dns_inspect(out, (size_t)n, &again) == 0);
	if (checkable)
		must_pass(&orig, plen, out, (size_t)n);
	FUZZ_ASSERT(again.naddrs == info.naddrs &&
	            memcmp(again.addrs, info.addrs, info.naddrs * sizeof info.addrs[0]) == 0);

	n = dns_make_nxdomain(out, sizeof out, data, size);
	FUZZ_ASSERT(n >= 12 && (size_t)n <= size);
	FUZZ_ASSERT(dns_inspect(out, (size_t)n, &again) == 0);
	FUZZ_ASSERT(again.naddrs == 0 && again.naaaa == 0 && (out[3] & 15) == 3);
	if (have_q)
		FUZZ_ASSERT(dns_question_get(out, (size_t)n, &q2) == 0 && dns_question_same(&q, &q2));
	if (checkable)
		must_pass(&orig, plen, out, (size_t)n);
	return 0;
}

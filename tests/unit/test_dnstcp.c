/* DNS over TCP (src/proto/dnstcp.c) and the monitor's check of its
 * replacements (src/proto/nfqcheck.c): segments parsed with exact lengths,
 * framing (one whole message, cut, several), the in-place rewrite keeps the
 * length, high-security questions found also in cut segments, and a
 * replacement accepted only with the same length, headers and a right
 * checksum. */
#include "check.h"
#include "common.h"
#include "proto/dns.h"
#include "proto/dnstcp.h"
#include "proto/nfqcheck.h"
#include "proto/pq1name.h"

static size_t put_qname(uint8_t *o, const char *name)
{
	size_t n = 0;
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		o[n] = (uint8_t)l;
		memcpy(o + n + 1, s, l);
		n += 1 + l;
		s += l + (dot != NULL);
	}
	o[n++] = 0;
	return n;
}

/* a response to "name A?" with na A records (192.0.2.1..) and one AAAA, AD set */
static size_t answer(uint8_t *m, uint16_t id, const char *name, unsigned na)
{
	size_t n = 12;
	memset(m, 0, 12);
	store16_be(m, id);
	store16_be(m + 2, 0x81a0);
	store16_be(m + 4, 1);
	store16_be(m + 6, (uint16_t)(na + 1));
	n += put_qname(m + n, name);
	store16_be(m + n, DNS_TYPE_A), store16_be(m + n + 2, 1), n += 4;
	for (unsigned i = 0; i <= na; i++) {
		int v6 = i == na;
		m[n] = 0xc0, m[n + 1] = 12;
		store16_be(m + n + 2, v6 ? DNS_TYPE_AAAA : DNS_TYPE_A);
		store16_be(m + n + 4, 1);
		store32_be(m + n + 6, 300);
		store16_be(m + n + 10, v6 ? 16 : 4);
		n += 12;
		if (v6) {
			memset(m + n, 0x20, 16);
			n += 16;
		} else {
			store32_be(m + n, 0xc0000201 + i);
			n += 4;
		}
	}
	return n;
}

/* IPv4/IPv6 + TCP from 53 around payload (the length prefix included by the caller) */
static size_t segment(uint8_t *p, int family, const uint8_t *pl, size_t plen)
{
	size_t hl = family == 4 ? 20 : 40, tl = 32;   /* TCP with 12 bytes of options */
	memset(p, 0, hl + tl);
	if (family == 4) {
		p[0] = 0x45;
		store16_be(p + 2, (uint16_t)(hl + tl + plen));
		p[6] = 0x40, p[8] = 64, p[9] = 6;
		store32_be(p + 12, 0xc0000235);
		store32_be(p + 16, 0xc0000214);
	} else {
		p[0] = 0x60;
		store16_be(p + 4, (uint16_t)(tl + plen));
		p[6] = 6, p[7] = 64, p[8] = 0x20, p[23] = 0x53, p[24] = 0x20, p[39] = 0x20;
	}
	store16_be(p + hl, 53);
	store16_be(p + hl + 2, 40001);
	store32_be(p + hl + 4, 0x11223344);
	store32_be(p + hl + 8, 0x55667788);
	p[hl + 12] = (uint8_t)((tl / 4) << 4);
	p[hl + 13] = 0x18;
	memset(p + hl + 20, 1, 12);      /* NOPs */
	memcpy(p + hl + tl, pl, plen);
	struct tcppkt t;
	if (tcppkt_parse(&t, p, hl + tl + plen) == 0)
		tcppkt_fix_checksum(p, hl + tl + plen, &t);
	return hl + tl + plen;
}

static size_t framed(uint8_t *o, const uint8_t *m, size_t n)
{
	store16_be(o, (uint16_t)n);
	memcpy(o + 2, m, n);
	return n + 2;
}

static void test_family(int family, const char *pq1)
{
	static uint8_t m[4096], pl[8192], pkt[9000], repl[9000];
	struct tcppkt t;
	struct nfqc_orig o;
	size_t off, mlen;
	uint32_t a = 0x0a2b0002;

	size_t n = answer(m, 0x4242, pq1, 2);
	size_t len = segment(pkt, family, pl, framed(pl, m, n));
	CHECK(tcppkt_parse(&t, pkt, len) == 0 && t.family == family && t.sport == 53 && t.dport == 40001);
	CHECK(t.payload_len == n + 2 && tcppkt_checksum_ok(pkt, len, &t));
	struct tcppkt bad;
	CHECK_MSG(tcppkt_parse(&bad, pkt, len - 1) < 0 && tcppkt_parse(&bad, pkt, 30) < 0, "lengths exact");
	CHECK(dnstcp_frame(pkt + t.payload_off, t.payload_len, &off, &mlen) == DNSTCP_ONE && off == 2 && mlen == n);

	nfqc_record(&o, pkt, len);
	CHECK(o.family == family && o.proto == 6 && o.q.id == 0x4242);

	/* the worker's rewrite: same length, accepted */
	memcpy(repl, pkt, len);
	CHECK(dnstcp_rewrite_inplace(repl + t.payload_off + 2, n, &a) == 3);
	tcppkt_fix_checksum(repl, len, &t);
	struct dns_info info;
	CHECK(dns_inspect(repl + t.payload_off + 2, n, &info) == 0 && info.naddrs == 2 && info.addrs[0] == a &&
	      info.addrs[1] == a && info.min_ttl == 0);
	CHECK_MSG(!(repl[t.payload_off + 2 + 3] & 0x20), "AD cleared");
	CHECK_MSG(!memcmp(repl + len - 16, "\x01\x00\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), "AAAA := 100::");
	CHECK_MSG(nfqc_check(&o, repl, len) == NFQC_OK, "in-place rewrite accepted");
	/* anything else refused */
	repl[t.l4_off + 4] ^= 1;                       /* another sequence number */
	tcppkt_fix_checksum(repl, len, &t);
	CHECK(nfqc_check(&o, repl, len) == NFQC_TCP);
	repl[t.l4_off + 4] ^= 1;
	tcppkt_fix_checksum(repl, len, &t);
	repl[t.l4_off + 17] ^= 1;                      /* a wrong checksum */
	CHECK(nfqc_check(&o, repl, len) == NFQC_TCP);
	repl[t.l4_off + 17] ^= 1;
	CHECK(nfqc_check(&o, repl, len) == NFQC_OK);
	repl[t.payload_off + 2] ^= 1;                  /* another id */
	tcppkt_fix_checksum(repl, len, &t);
	CHECK(nfqc_check(&o, repl, len) == NFQC_ID);
	repl[t.payload_off + 2] ^= 1;
	repl[t.payload_off + 2 + 14] ^= 0x20;          /* the question's case: the same question */
	tcppkt_fix_checksum(repl, len, &t);
	CHECK(nfqc_check(&o, repl, len) == NFQC_OK);
	repl[t.payload_off + 2 + n - 20] = 0xff;       /* a record's type: still parses? then refused only if not */
	CHECK(nfqc_check(&o, repl, len - 1) == NFQC_SIZE);
	/* a UDP replacement for a TCP original */
	CHECK(nfqc_check(&o, repl, 40) != NFQC_OK);

	/* framing: empty, cut, two messages */
	size_t elen = segment(pkt, family, pl, 0);
	CHECK(tcppkt_parse(&t, pkt, elen) == 0 && dnstcp_frame(pkt + t.payload_off, 0, &off, &mlen) == DNSTCP_EMPTY);
	size_t fl = framed(pl, m, n);
	CHECK(dnstcp_frame(pl, fl - 1, &off, &mlen) == DNSTCP_OTHER);
	CHECK_MSG(dnstcp_asks_pq1(pl, 40 + strlen(pq1)) == 1, "a cut segment: the high-security question is seen");
	CHECK(dnstcp_asks_pq1(pl, 13) == 0);
	size_t pn = answer(m, 7, "plain.example", 1);
	size_t two = framed(pl, m, pn);
	two += framed(pl + two, m, pn);
	CHECK(dnstcp_frame(pl, two, &off, &mlen) == DNSTCP_OTHER && dnstcp_asks_pq1(pl, two) == 0);
	n = answer(m, 8, pq1, 1);
	two += framed(pl + two, m, n);
	CHECK_MSG(dnstcp_asks_pq1(pl, two) == 1, "several messages: a later one asks for a pq1 name");
	/* several whole messages: each rewritten in place, checked one by one */
	size_t slen = segment(pkt, family, pl, two), offs[DNSTCP_MAX_MSGS], mlens[DNSTCP_MAX_MSGS];
	CHECK(tcppkt_parse(&t, pkt, slen) == 0);
	CHECK(dnstcp_messages(pkt + t.payload_off, t.payload_len, offs, mlens, DNSTCP_MAX_MSGS) == 3 &&
	      offs[0] == 2 && mlens[0] == pn && offs[2] == 2 * (pn + 2) + 2 && mlens[2] == n);
	CHECK_MSG(dnstcp_messages(pkt + t.payload_off, t.payload_len, offs, mlens, 2) == 0, "more than max: 0");
	CHECK_MSG(dnstcp_messages(pkt + t.payload_off, t.payload_len - 1, offs, mlens, 4) == 0, "the last one cut: 0");
	CHECK_MSG(dnstcp_messages(pkt + t.payload_off, 2, offs, mlens, 4) == 0, "a prefix alone: 0");
	nfqc_record(&o, pkt, slen);
	CHECK_MSG(o.family == family && o.nmsgs == 3 && o.q.id == 7 && o.more[1].id == 8, "several messages recorded");
	memcpy(repl, pkt, slen);
	CHECK(dnstcp_rewrite_inplace(repl + t.payload_off + offs[2], mlens[2], &a) == 2);
	tcppkt_fix_checksum(repl, slen, &t);
	CHECK_MSG(nfqc_check(&o, repl, slen) == NFQC_OK, "several: the third rewritten, accepted");
	repl[t.payload_off + offs[1]] ^= 1;          /* the second one's id */
	tcppkt_fix_checksum(repl, slen, &t);
	CHECK(nfqc_check(&o, repl, slen) == NFQC_ID);
	repl[t.payload_off + offs[1]] ^= 1;
	/* other framing, the same bytes in all: the first prefix one longer, eating the second's */
	store16_be(repl + t.payload_off, (uint16_t)(pn + 2 + pn));
	store16_be(repl + t.payload_off + 2 + pn, 0);
	tcppkt_fix_checksum(repl, slen, &t);
	CHECK_MSG(nfqc_check(&o, repl, slen) == NFQC_TCP, "other framing refused");
	nfqc_record(&o, pkt, segment(pkt, family, pl, fl - 1));
	CHECK_MSG(o.family == 0, "a cut message: no replacement accepted");
}

int main(void)
{
	static uint8_t m[4096];
	char label[PQ1_LONG_LEN + 1], pq1[PQ1_LONG_LEN + 16];
	uint8_t hash[32];
	memset(hash, 7, sizeof hash);
	label[pq1_format(label, hash, 1, 42424, 42425)] = 0;
	snprintf(pq1, sizeof pq1, "%s.example", label);

	size_t n = answer(m, 1, pq1, 30);
	CHECK_MSG(dns_asks_pq1_addresses(m, n) == 1, "a high-security name's addresses");
	n = answer(m, 1, "plain.example", 30);
	CHECK_MSG(dns_asks_pq1_addresses(m, n) == 0, "a plain name");
	n = answer(m, 1, "pq1.example", 1);
	CHECK(dns_asks_pq1_addresses(m, n) == 0);
	n = answer(m, 1, pq1, 0);
	store16_be(m + 6, 0);
	CHECK_MSG(dns_asks_pq1_addresses(m, n) == 0, "no answer records");
	/* answers that cannot be parsed: is a high-security name among them? */
	n = answer(m, 1, pq1, 1);
	m[n] = 0;
	CHECK_MSG(dns_may_ask_pq1(m, n + 1) == 1, "a byte after a high-security answer: its question still read");
	n = answer(m, 1, "plain.example", 1);
	m[n] = 0;
	CHECK_MSG(dns_may_ask_pq1(m, n + 1) == 0, "a byte after an ordinary answer");
	n = answer(m, 1, pq1, 1);
	store16_be(m + 4, 2);      /* two questions: none read */
	CHECK_MSG(dns_may_ask_pq1(m, n) == 1, "no question to read: the pq1 label in the bytes decides");
	CHECK_MSG(dns_bytes_pq1(m, n) == 1 && dns_bytes_pq1(m, 12 + 1 + 10) == 0, "raw scan: whole label only");
	n = answer(m, 1, "plain.example", 1);
	store16_be(m + 4, 2);
	CHECK(dns_may_ask_pq1(m, n) == 0);
	{
		uint8_t w[80];
		w[0] = (uint8_t)strlen(label);
		memcpy(w + 1, label, w[0]);
		w[1 + w[0]] = 0;
		CHECK(dns_wire_name_pq1(w, 2u + w[0]) == 1 && dns_wire_name_pq1(w, w[0]) == 0);
	}
	/* A left alone with addr NULL; a message that does not parse is not touched */
	n = answer(m, 1, pq1, 1);
	CHECK(dnstcp_rewrite_inplace(m, n, NULL) == 1 && load32_be(m + n - 16 - 12 - 4) == 0xc0000201);
	CHECK(dnstcp_rewrite_inplace(m, n - 1, NULL) == -1);
	test_family(4, pq1);
	test_family(6, pq1);
	return check_done();
}

/* Marked DNS-over-TCP connections (src/proto/dnsflow.c) and the query
 * check that marks them (dnstcp_query_strict): only whole answers where
 * the application's stream ends pass; the table has a size limit and an
 * idle expiry; a query for a pq1 name marks, a plain one does not, a cut
 * one holding "pq1" anywhere does (fail closed). */
#include "check.h"
#include "common.h"
#include "proto/dnsflow.h"
#include "proto/dnstcp.h"
#include "proto/pq1name.h"

static size_t query(uint8_t *o, uint16_t id, const char *name)
{
	size_t n = 2 + 12;
	memset(o, 0, n);
	store16_be(o + 2, id);
	store16_be(o + 2 + 4, 1);
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		o[n] = (uint8_t)l;
		memcpy(o + n + 1, s, l);
		n += 1 + l;
		s += l + (dot != NULL);
	}
	o[n++] = 0;
	store16_be(o + n, 1), store16_be(o + n + 2, 1), n += 4;
	store16_be(o, (uint16_t)(n - 2));
	return n;
}

static struct dnsflow_key key(uint16_t port)
{
	struct dnsflow_key k;
	memset(&k, 0, sizeof k);
	k.family = 4;
	memcpy(k.host, "\xc0\x00\x02\x14", 4);
	memcpy(k.server, "\xc0\x00\x02\x35", 4);
	k.host_port = port;
	k.server_port = 53;
	return k;
}

static void test_query(const char *pq1)
{
	static uint8_t q[1024];
	size_t n = query(q, 1, pq1);
	CHECK_MSG(dnstcp_query_strict(q, n) == 1, "a query for a pq1 name marks");
	size_t m = query(q, 2, "plain.example");
	CHECK_MSG(dnstcp_query_strict(q, m) == 0, "a plain query does not");
	m += query(q + m, 3, pq1);
	CHECK_MSG(dnstcp_query_strict(q, m) == 1, "two queries, the second for a pq1 name");
	m = query(q, 4, "www.pq1example.org");
	CHECK_MSG(dnstcp_query_strict(q, m) == 0, "pq1 inside a label of a whole plain query: no");
	CHECK_MSG(dnstcp_query_strict(q, m - 1) == 1, "cut, with pq1 bytes: marked (fail closed)");
	CHECK_MSG(dnstcp_query_strict(q, 2) == 0, "the length prefix alone: nothing to mark");
	n = query(q, 5, pq1);
	CHECK_MSG(dnstcp_query_strict(q + 2, n - 2) == 1, "the query without its prefix: marked");
	q[2 + 2] |= 0x80;   /* QR: a response is not a query */
	CHECK(dnstcp_query_strict(q, n) == 0);
	CHECK(dnstcp_query_strict(q, 0) == 0);
}

int main(void)
{
	static struct dnsflow_table tb;
	char label[PQ1_LONG_LEN + 1], pq1[PQ1_LONG_LEN + 16];
	uint8_t hash[32];
	memset(hash, 7, sizeof hash);
	label[pq1_format(label, hash, 1, 42424, 42425)] = 0;
	snprintf(pq1, sizeof pq1, "%s.example", label);
	test_query(pq1);

	struct dnsflow_key k = key(40001), other = key(40002);
	uint64_t t0 = 1000000;
	CHECK(dnsflow_find(&tb, &k, t0) == NULL);
	CHECK(dnsflow_mark(&tb, &k, 0xfffffff0u, t0) == 0 && tb.n == 1);
	struct dnsflow *f = dnsflow_find(&tb, &k, t0);
	CHECK(f && f->next_seq == 0xfffffff0u && dnsflow_find(&tb, &other, t0) == NULL);
	/* the prefix alone, then the message: neither is where a whole answer starts */
	CHECK(dnsflow_position(f, 0xfffffff0u, 2) == DNSFLOW_NEXT);
	CHECK_MSG(dnsflow_position(f, 0xfffffff2u, 40) == DNSFLOW_ELSEWHERE, "the rest after a dropped prefix");
	CHECK(dnsflow_position(f, 0xfffffff0u, 0) == DNSFLOW_ELSEWHERE);
	dnsflow_passed(f, 0xfffffff0u, 42, t0);
	CHECK_MSG(f->next_seq == 0x1a, "the position wraps");
	CHECK(dnsflow_position(f, 0xfffffff0u, 42) == DNSFLOW_REPEAT);
	CHECK_MSG(dnsflow_position(f, 0xfffffff0u, 41) == DNSFLOW_ELSEWHERE, "old data of another length");
	CHECK_MSG(dnsflow_position(f, 0xfffffff1u, 41) == DNSFLOW_ELSEWHERE, "overlapping old data");
	CHECK(dnsflow_position(f, 0x1a, 10) == DNSFLOW_NEXT);
	dnsflow_passed(f, 0xfffffff0u, 42, t0 + 5);
	CHECK_MSG(f->next_seq == 0x1a, "a repeat does not move it");
	/* marking again keeps the position */
	CHECK(dnsflow_mark(&tb, &k, 0x5000, t0 + 6) == 0 && dnsflow_find(&tb, &k, t0 + 6)->next_seq == 0x1a);
	/* never forgotten for silence alone (a resolver could wait it out) */
	CHECK_MSG(dnsflow_find(&tb, &k, t0 + 7 + 100 * DNSFLOW_IDLE_MS) != NULL && tb.n == 1,
	          "kept however long it is idle");
	dnsflow_forget(&tb, &k);
	CHECK(tb.n == 0);
	/* the size limit: full of live connections, a new one is refused */
	for (unsigned i = 0; i < DNSFLOW_MAX; i++) {
		struct dnsflow_key ki = key((uint16_t)(1000 + i));
		if (dnsflow_mark(&tb, &ki, i, t0) < 0)
			break;
	}
	CHECK(tb.n == DNSFLOW_MAX);
	CHECK_MSG(dnsflow_mark(&tb, &k, 1, t0 + 1) == -1, "full of connections seen lately: no room");
	struct dnsflow_key k5 = key(1005);
	dnsflow_forget(&tb, &k5);
	CHECK(tb.n == DNSFLOW_MAX - 1 && dnsflow_mark(&tb, &k, 1, t0 + 1) == 0);
	CHECK_MSG(dnsflow_mark(&tb, &other, 1, t0 + 2 + DNSFLOW_IDLE_MS) == 0 && tb.n == DNSFLOW_MAX &&
	          dnsflow_find(&tb, &other, 0) != NULL && dnsflow_find(&tb, &k, 0) != NULL,
	          "full: the longest idle one gives way (the one marked last stays)");
	/* keys of a segment, both directions */
	static uint8_t pkt[60];
	struct tcppkt t;
	pkt[0] = 0x45, store16_be(pkt + 2, 40), pkt[9] = 6;
	memcpy(pkt + 12, "\xc0\x00\x02\x35", 4), memcpy(pkt + 16, "\xc0\x00\x02\x14", 4);
	store16_be(pkt + 20, 53), store16_be(pkt + 22, 40001), pkt[32] = 0x50, pkt[33] = 0x14;
	store32_be(pkt + 24, 0x01020304), store32_be(pkt + 28, 0x05060708);
	CHECK(tcppkt_parse(&t, pkt, 40) == 0 && t.seq == 0x01020304 && t.ack == 0x05060708 &&
	      (t.flags & TCPF_RST) && (t.flags & TCPF_ACK));
	struct dnsflow_key a, b;
	dnsflow_key_of(&a, pkt, &t, 1);
	CHECK(!memcmp(&a, &k, sizeof a));
	memcpy(pkt + 12, "\xc0\x00\x02\x14", 4), memcpy(pkt + 16, "\xc0\x00\x02\x35", 4);
	store16_be(pkt + 20, 40001), store16_be(pkt + 22, 53);
	CHECK(tcppkt_parse(&t, pkt, 40) == 0);
	dnsflow_key_of(&b, pkt, &t, 0);
	CHECK_MSG(!memcmp(&a, &b, sizeof a), "the same connection from either side");
	return check_done();
}

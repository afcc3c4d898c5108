/* DNS over TCP segments, rewritten in place: see dnstcp.h. */
#include <string.h>
#include "common.h"
#include "proto/dns.h"
#include "proto/dnstcp.h"
#include "proto/ipv4.h"
#include "proto/pq1name.h"

#define IPV6_HDR 40
#define TCP_MIN_HDR 20
#define DNS_HDR 12

int tcppkt_parse(struct tcppkt *t, const uint8_t *pkt, size_t len)
{
	size_t l4, total;
	memset(t, 0, sizeof *t);
	if (len < 20)
		return -1;
	if ((pkt[0] >> 4) == 4) {
		size_t ihl = (size_t)(pkt[0] & 15) * 4;
		total = load16_be(pkt + 2);
		if (ihl < 20 || total != len || ihl + TCP_MIN_HDR > len || pkt[9] != 6)
			return -1;
		if (load16_be(pkt + 6) & 0x3fff)        /* MF or a fragment offset */
			return -1;
		t->family = 4;
		l4 = ihl;
	} else if ((pkt[0] >> 4) == 6) {
		if (len < IPV6_HDR + TCP_MIN_HDR || IPV6_HDR + (size_t)load16_be(pkt + 4) != len || pkt[6] != 6)
			return -1;
		t->family = 6;
		l4 = IPV6_HDR;
	} else
		return -1;
	size_t doff = (size_t)(pkt[l4 + 12] >> 4) * 4;
	if (doff < TCP_MIN_HDR || l4 + doff > len)
		return -1;
	t->l4_off = l4;
	t->payload_off = l4 + doff;
	t->payload_len = len - t->payload_off;
	t->sport = load16_be(pkt + l4);
	t->dport = load16_be(pkt + l4 + 2);
	t->seq = load32_be(pkt + l4 + 4);
	t->ack = load32_be(pkt + l4 + 8);
	t->flags = pkt[l4 + 13];
	return 0;
}

static uint16_t tcp_sum(const uint8_t *pkt, size_t len, const struct tcppkt *t)
{
	uint32_t sum = 0;
	size_t seglen = len - t->l4_off;
	uint8_t tail[4] = { 0, 0, 0, 6 };
	if (t->family == 4)
		sum = csum_partial(pkt + 12, 8, 0);
	else
		sum = csum_partial(pkt + 8, 32, 0);
	/* the pseudo-header's length (32 bits) and next header */
	uint8_t l[4] = { (uint8_t)(seglen >> 24), (uint8_t)(seglen >> 16), (uint8_t)(seglen >> 8), (uint8_t)seglen };
	sum = csum_partial(l, 4, sum);
	sum = csum_partial(tail, 4, sum);
	return csum_fold(csum_partial(pkt + t->l4_off, seglen, sum));
}

void tcppkt_fix_checksum(uint8_t *pkt, size_t len, const struct tcppkt *t)
{
	pkt[t->l4_off + 16] = pkt[t->l4_off + 17] = 0;
	uint16_t c = tcp_sum(pkt, len, t);
	store16_be(pkt + t->l4_off + 16, c);
}

int tcppkt_checksum_ok(const uint8_t *pkt, size_t len, const struct tcppkt *t)
{
	return tcp_sum(pkt, len, t) == 0;
}

enum dnstcp_frame dnstcp_frame(const uint8_t *payload, size_t len, size_t *msg_off, size_t *mlen)
{
	if (len == 0)
		return DNSTCP_EMPTY;
	if (len < 2 + DNS_HDR || (size_t)load16_be(payload) != len - 2)
		return DNSTCP_OTHER;
	*msg_off = 2;
	*mlen = len - 2;
	return DNSTCP_ONE;
}

unsigned dnstcp_messages(const uint8_t *payload, size_t len, size_t off[], size_t mlen[], unsigned max)
{
	size_t o = 0;
	unsigned n = 0;
	if (max > DNSTCP_MAX_MSGS)
		max = DNSTCP_MAX_MSGS;
	while (o < len) {
		if (n == max || len - o < 2 + DNS_HDR)
			return 0;
		size_t m = load16_be(payload + o);
		if (m < DNS_HDR || m > len - o - 2)
			return 0;
		off[n] = o + 2;
		mlen[n] = m;
		n++;
		o += 2 + m;
	}
	return n;
}

/* Is the first label of the question of m (a response, or with query set
 * a query; avail bytes of it here) the pq1 label of a high-security name? */
static int question_pq1(const uint8_t *m, size_t avail, int query)
{
	struct dns_question q;
	struct pq1name n;
	/* the header and the question only: the rest may be in later segments */
	if (avail < DNS_HDR || dns_question_get(m, avail, &q) < 0 || !(q.flags & 0x8000) != !!query ||
	    q.qdcount != 1 || q.name_len < 2)
		return 0;
	/* wire form: the first label is the pq1 label of a high-security name */
	size_t l = q.name[0];
	if (l == 0 || 1 + l > q.name_len)
		return 0;
	return pq1_parse_label(&n, (const char *)q.name + 1, l) == 1;
}

/* Does the message starting at m (avail bytes of it here) ask for a pq1 name? */
static int msg_asks_pq1(const uint8_t *m, size_t avail)
{
	return question_pq1(m, avail, 0);
}

int dnstcp_query_strict(const uint8_t *payload, size_t len)
{
	int strict = 0;
	size_t off = 0;
	/* whole framed queries, one after the other */
	while (off + 2 + DNS_HDR <= len) {
		size_t mlen = load16_be(payload + off);
		if (mlen < DNS_HDR || mlen > len - off - 2)
			break;
		strict |= question_pq1(payload + off + 2, mlen, 1);
		off += 2 + mlen;
	}
	if (off == len && len > 0)
		return strict;
	/* not whole: any "pq1" at all (over-approximation, fail closed) */
	for (size_t i = 0; i + 3 <= len; i++)
		if ((payload[i] | 0x20) == 'p' && (payload[i + 1] | 0x20) == 'q' && payload[i + 2] == '1')
			return 1;
	return 0;
}

int dns_asks_pq1_addresses(const uint8_t *msg, size_t len)
{
	struct dns_question q;
	if (!msg_asks_pq1(msg, len) || dns_question_get(msg, len, &q) < 0 || load16_be(msg + 6) == 0)
		return 0;
	return q.qtype == DNS_TYPE_A || q.qtype == DNS_TYPE_AAAA || q.qtype == 255;
}

int dnstcp_asks_pq1(const uint8_t *payload, size_t len)
{
	/* every message that starts in the segment (assumed to start with one) */
	for (size_t off = 0; off + 2 <= len;) {
		size_t mlen = load16_be(payload + off), avail = len - off - 2;
		if (msg_asks_pq1(payload + off + 2, avail < mlen ? avail : mlen))
			return 1;
		off += 2 + mlen;
	}
	return 0;
}

/* Past a (possibly compressed) name at *off.  0 / -1. */
static int skip_name(const uint8_t *m, size_t len, size_t *off)
{
	size_t o = *off;
	for (unsigned labels = 0; labels < 128; labels++) {
		if (o >= len)
			return -1;
		uint8_t c = m[o];
		if (c == 0) {
			*off = o + 1;
			return 0;
		}
		if ((c & 0xc0) == 0xc0) {
			if (o + 2 > len)
				return -1;
			*off = o + 2;
			return 0;
		}
		if (c & 0xc0)
			return -1;
		o += 1 + (size_t)c;
	}
	return -1;
}

int dnstcp_rewrite_inplace(uint8_t *msg, size_t len, const uint32_t *addr)
{
	static const uint8_t discard6[16] = { 0x01, 0x00 };   /* 100:: */
	size_t off = DNS_HDR, rr_off[256];
	uint8_t saved[256][20];             /* TTL and rdata of each, to undo */
	uint8_t flags;
	struct dns_question before, after;
	unsigned n = 0, qd, an;

	if (len < DNS_HDR || !(msg[2] & 0x80) || !dns_well_formed(msg, len) || dns_question_get(msg, len, &before) < 0)
		return -1;
	flags = msg[3];
	qd = load16_be(msg + 4);
	an = load16_be(msg + 6);
	for (unsigned i = 0; i < qd; i++) {
		if (skip_name(msg, len, &off) < 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	/* find them all first: nothing is changed unless the whole section parses */
	for (unsigned i = 0; i < an; i++) {
		if (skip_name(msg, len, &off) < 0 || off + 10 > len)
			return -1;
		uint16_t type = load16_be(msg + off), cls = load16_be(msg + off + 2);
		size_t rdlen = load16_be(msg + off + 8);
		if (off + 10 + rdlen > len)
			return -1;
		if (cls == 1 && ((type == DNS_TYPE_A && rdlen == 4 && addr) || (type == DNS_TYPE_AAAA && rdlen == 16))) {
			if (n == sizeof rr_off / sizeof rr_off[0])
				return -1;
			rr_off[n++] = off;
		}
		off += 10 + rdlen;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t *rr = msg + rr_off[i];
		memcpy(saved[i], rr + 4, 4);                                   /* TTL */
		memcpy(saved[i] + 4, rr + 10, load16_be(rr) == DNS_TYPE_A ? 4 : 16);   /* rdata */
		store32_be(rr + 4, 0);
		if (load16_be(rr) == DNS_TYPE_A)
			store32_be(rr + 10, *addr);
		else
			memcpy(rr + 10, discard6, 16);
	}
	if (n)
		msg[3] &= (uint8_t)~0x20;   /* AD */
	/* a name may point into rdata (compression into an address): if the
	 * message no longer parses, or its question changed, it is put back */
	if (n && (!dns_well_formed(msg, len) || dns_question_get(msg, len, &after) < 0 ||
	          !dns_question_same(&before, &after))) {
		for (unsigned i = 0; i < n; i++) {
			uint8_t *rr = msg + rr_off[i];
			memcpy(rr + 4, saved[i], 4);
			memcpy(rr + 10, saved[i] + 4, load16_be(rr) == DNS_TYPE_A ? 4 : 16);
		}
		msg[3] = flags;
		return -1;
	}
	return (int)n;
}

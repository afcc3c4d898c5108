/* The monitor's check of the worker's replacement packets: see nfqcheck.h.
 *
 * Order of the checks: the length against fixed bounds first, then the
 * lengths the IP and UDP headers claim against the length received (all
 * exact: a replacement made by udppkt_rebuild has no byte left over), and
 * only then the addresses, ports and the DNS message. */
#include <string.h>

#include "common.h"
#include "proto/ipv4.h"
#include "proto/nfqcheck.h"

#define IPV6_HDR 40
#define UDP_HDR 8
#define DNS_HEADER_LEN 12

/* The IP/UDP framing of pkt, with exact lengths.  0 / -1. */
static int frame(const uint8_t *pkt, size_t len, struct udppkt *u, uint8_t src[16], uint8_t dst[16])
{
	if (udppkt_parse(u, pkt, len) < 0)
		return -1;
	memset(src, 0, 16);
	memset(dst, 0, 16);
	if (u->family == 4) {
		memcpy(src, pkt + 12, 4);
		memcpy(dst, pkt + 16, 4);
	} else {
		memcpy(src, pkt + 8, 16);
		memcpy(dst, pkt + 24, 16);
	}
	return 0;
}

/* A TCP segment from port 53 holding 1..DNSTCP_MAX_MSGS whole DNS
 * responses: where they are (off[] from the start of the payload), and
 * the question of each.  Returns their number, or 0. */
static unsigned tcp_dns(const uint8_t *pkt, size_t len, struct tcppkt *t, size_t off[], size_t mlen[],
                        struct dns_question q[])
{
	unsigned n;
	if (tcppkt_parse(t, pkt, len) < 0 || t->sport != 53 || t->payload_off > TCPPKT_MAX_HDRS)
		return 0;
	n = dnstcp_messages(pkt + t->payload_off, t->payload_len, off, mlen, DNSTCP_MAX_MSGS);
	for (unsigned i = 0; i < n; i++)
		if (dns_question_get(pkt + t->payload_off + off[i], mlen[i], &q[i]) < 0 || !(q[i].flags & 0x8000))
			return 0;
	return n;
}

static void record_tcp(struct nfqc_orig *o, const uint8_t *pkt, size_t len)
{
	struct tcppkt t;
	struct dns_question q[DNSTCP_MAX_MSGS];
	size_t off[DNSTCP_MAX_MSGS], mlen[DNSTCP_MAX_MSGS];
	unsigned n;
	memset(o, 0, sizeof *o);
	if (len > NFQC_MAX_LEN || (n = tcp_dns(pkt, len, &t, off, mlen, q)) == 0)
		return;
	o->family = (uint8_t)t.family;
	o->proto = 6;
	o->sport = t.sport;
	o->dport = t.dport;
	o->total = (uint32_t)len;
	o->hdrs_len = (uint16_t)t.payload_off;
	memcpy(o->hdrs, pkt, t.payload_off);
	o->nmsgs = (uint8_t)n;
	o->q = q[0];
	for (unsigned i = 0; i < n; i++) {
		o->moff[i] = (uint32_t)off[i];
		if (i)
			o->more[i - 1] = q[i];
	}
}

static enum nfqc_result check_tcp(const struct nfqc_orig *o, const uint8_t *repl, size_t len)
{
	struct tcppkt t;
	struct dns_question q[DNSTCP_MAX_MSGS];
	size_t off[DNSTCP_MAX_MSGS], mlen[DNSTCP_MAX_MSGS], ck;
	unsigned n;
	if (len != o->total)
		return NFQC_SIZE;
	n = tcp_dns(repl, len, &t, off, mlen, q);
	if (n != o->nmsgs || t.payload_off != o->hdrs_len)
		return NFQC_TCP;
	/* the headers byte for byte, but for the TCP checksum */
	ck = t.l4_off + 16;
	if (memcmp(repl, o->hdrs, ck) != 0 || memcmp(repl + ck + 2, o->hdrs + ck + 2, o->hdrs_len - ck - 2) != 0 ||
	    !tcppkt_checksum_ok(repl, len, &t))
		return NFQC_TCP;
	for (unsigned i = 0; i < n; i++) {
		const struct dns_question *oq = i ? &o->more[i - 1] : &o->q;
		if (off[i] != o->moff[i])
			return NFQC_TCP;
		if (!dns_well_formed(repl + t.payload_off + off[i], mlen[i]))
			return NFQC_NOT_DNS;
		if (q[i].id != oq->id)
			return NFQC_ID;
		if (!dns_question_same(&q[i], oq))
			return NFQC_QUESTION;
	}
	return NFQC_OK;
}

void nfqc_record(struct nfqc_orig *o, const uint8_t *pkt, size_t len)
{
	struct udppkt u;

	if (len >= 20 && (((pkt[0] >> 4) == 4 && pkt[9] == 6) || ((pkt[0] >> 4) == 6 && len >= 40 && pkt[6] == 6))) {
		record_tcp(o, pkt, len);
		return;
	}
	memset(o, 0, sizeof *o);
	if (len > NFQC_MAX_LEN || frame(pkt, len, &u, o->src, o->dst) < 0 || u.sport != 53 ||
	    dns_question_get(u.payload, u.payload_len, &o->q) < 0 || !(o->q.flags & 0x8000)) {
		memset(o, 0, sizeof *o);
		return;
	}
	o->family = (uint8_t)u.family;
	o->proto = 17;
	o->sport = u.sport;
	o->dport = u.dport;
}

enum nfqc_result nfqc_check(const struct nfqc_orig *o, const uint8_t *repl, size_t len)
{
	struct udppkt u;
	struct dns_question q;
	uint8_t src[16], dst[16];
	size_t ip_total;

	if (o->family != 4 && o->family != 6)
		return NFQC_NONE;
	if (len < NFQC_MIN_LEN || len > NFQC_MAX_LEN)
		return NFQC_SIZE;
	if (o->proto == 6)
		return check_tcp(o, repl, len);
	/* the lengths the headers claim must be the length we have */
	if ((repl[0] >> 4) == 4)
		ip_total = load16_be(repl + 2);
	else if ((repl[0] >> 4) == 6)
		ip_total = IPV6_HDR + (size_t)load16_be(repl + 4);
	else
		return NFQC_NOT_UDP;
	if (ip_total != len)
		return NFQC_SIZE;
	if (frame(repl, len, &u, src, dst) < 0)
		return NFQC_NOT_UDP;
	if (u.l4_off + UDP_HDR + u.payload_len != len || u.payload_len < DNS_HEADER_LEN)
		return NFQC_SIZE;
	if (u.family != o->family || memcmp(src, o->src, sizeof src) != 0 || memcmp(dst, o->dst, sizeof dst) != 0)
		return NFQC_ADDR;
	if (u.sport != o->sport || u.dport != o->dport)
		return NFQC_PORT;
	if (dns_question_get(u.payload, u.payload_len, &q) < 0 || !(q.flags & 0x8000) ||
	    !dns_well_formed(u.payload, u.payload_len))
		return NFQC_NOT_DNS;
	if (q.id != o->q.id)
		return NFQC_ID;
	if (!dns_question_same(&q, &o->q))
		return NFQC_QUESTION;
	return NFQC_OK;
}

const char *nfqc_result_str(enum nfqc_result r)
{
	switch (r) {
	case NFQC_OK: return "ok";
	case NFQC_NONE: return "the original is not a checkable DNS answer";
	case NFQC_SIZE: return "bad length";
	case NFQC_NOT_UDP: return "not a UDP packet";
	case NFQC_ADDR: return "other addresses";
	case NFQC_PORT: return "other ports";
	case NFQC_NOT_DNS: return "not a well-formed DNS answer";
	case NFQC_ID: return "another DNS id";
	case NFQC_QUESTION: return "another question";
	case NFQC_TCP: return "not the same TCP segment (length, headers, framing or checksum)";
	}
	return "?";
}

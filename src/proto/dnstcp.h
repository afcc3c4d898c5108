/* DNS answers carried over TCP, as the client's netfilter queue sees them:
 * one TCP segment at a time, rewritten in place (a segment must keep its
 * length, or the TCP stream's sequence numbers would no longer match).
 * Pure functions: every length explicit, "no" on any oddity.
 *
 * Covered: a segment from port 53 whose payload is exactly one DNS
 * message with its 2-byte length prefix (what DNS servers send for an
 * answer that fits a segment).  Not covered (the caller decides what
 * passes): a message cut across segments, several messages in one. */
#ifndef PQC_DNSTCP_H
#define PQC_DNSTCP_H
#include <stddef.h>
#include <stdint.h>

#define TCPPKT_MAX_HDRS 120              /* IPv4 60 + TCP 60 (IPv6: 40 + 60) */

struct tcppkt {
	int family;                      /* 4 or 6 */
	size_t l4_off;                   /* offset of the TCP header */
	size_t payload_off;
	uint16_t sport, dport;
	uint32_t seq, ack;               /* host order */
	uint8_t flags;                   /* the TCP flags byte (FIN 1, SYN 2, RST 4, ACK 16) */
	size_t payload_len;
};
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
/* An IPv4 or IPv6 packet carrying a whole TCP segment (no fragment, no
 * IPv6 extension header, the lengths the headers claim exact).  0 / -1. */
int tcppkt_parse(struct tcppkt *t, const uint8_t *pkt, size_t len);
/* Recompute the TCP checksum of pkt in place (after its payload changed). */
void tcppkt_fix_checksum(uint8_t *pkt, size_t len, const struct tcppkt *t);
/* Is the TCP checksum of pkt right?  1 / 0. */
int tcppkt_checksum_ok(const uint8_t *pkt, size_t len, const struct tcppkt *t);

enum dnstcp_frame {
	DNSTCP_EMPTY = 0,        /* no payload (SYN, ACK, FIN): nothing to look at */
	DNSTCP_ONE,              /* exactly one whole message: *msg, *mlen */
	DNSTCP_OTHER,            /* a message cut across segments, or several */
};
/* How the payload of a segment from port 53 holds DNS messages. */
enum dnstcp_frame dnstcp_frame(const uint8_t *payload, size_t len, size_t *msg_off, size_t *mlen);
/* Several whole messages in one segment (a server answering two queries
 * of one connection, or a sender resending cut pieces together). */
#define DNSTCP_MAX_MSGS 4
/* Is the payload exactly n whole length-prefixed messages, 1 <= n <= max
 * (max <= DNSTCP_MAX_MSGS), each at least a DNS header long?  Returns n
 * with off[i] (where message i starts, after its prefix) and mlen[i] set
 * for each, or 0. */
unsigned dnstcp_messages(const uint8_t *payload, size_t len, size_t off[], size_t mlen[], unsigned max);
/* Taking the payload to start with a message's length prefix: does any
 * DNS response starting in it (one after the other) ask, in the part of
 * its question visible here, for a pq1 name itself (a high-security name)?
 * For segments that cannot be rewritten: those must not pass.  1 / 0. */
int dnstcp_asks_pq1(const uint8_t *payload, size_t len);

/* The host's own query segment to port 53 (payload, len bytes): may the
 * answers on its connection name a high-security name?  1 when the
 * payload is whole length-prefixed queries one of which asks for a pq1
 * name itself, and, failing closed, when the payload is not whole framed
 * queries and holds the bytes "pq1" (any case) anywhere; 0 otherwise. */
int dnstcp_query_strict(const uint8_t *payload, size_t len);

/* Is msg (len bytes, possibly only its beginning) a response to an
 * address query (A, AAAA or ANY) for a pq1 name itself (a high-security
 * name) with records in its answer section?  Such an answer must never
 * pass unchanged, whatever else it holds.  1 / 0. */
int dns_asks_pq1_addresses(const uint8_t *msg, size_t len);

/* The rewrite that keeps the length: in the answer section every A record
 * gets rdata addr (host order) and TTL 0, and every AAAA record rdata
 * 100:: (RFC 6666's discard-only prefix: unroutable, never this host) and
 * TTL 0 (addr NULL: A records are left alone, AAAA records rewritten); the
 * AD flag is cleared (RRSIG records over them stay and no longer verify).
 * msg must be a well-formed response with at most one question.  Returns
 * the number of records rewritten, or -1 (nothing changed) if the message
 * does not parse, or would not parse or ask the same question afterwards
 * (a name compressed into an address). */
int dnstcp_rewrite_inplace(uint8_t *msg, size_t len, const uint32_t *addr);
#endif

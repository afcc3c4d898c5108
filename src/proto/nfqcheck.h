/* The client monitor's check of what the worker gives back for a queued
 * DNS answer (issue 13 item 3).  The monitor (root) must not trust the
 * worker (the unprivileged, network-facing half): for each packet it hands
 * over it records what a replacement has to keep, and re-injects a
 * replacement only if it is still a well-formed UDP DNS answer from port 53
 * between the same addresses and ports, with the same DNS id and the same
 * question.  A DNS answer over TCP (a segment from port 53 holding one to
 * DNSTCP_MAX_MSGS whole messages, proto/dnstcp.h) may only be replaced by a
 * segment of the same length and the same flow: IP and TCP headers
 * unchanged but for the TCP checksum (which must be right), the same length
 * prefixes, each message a well-formed response with the same id and
 * question as the original's at that place.  Pure: no I/O, every length
 * explicit. */
#ifndef PQC_NFQCHECK_H
#define PQC_NFQCHECK_H
#include <stddef.h>
#include <stdint.h>
#include "proto/dns.h"
#include "proto/dnstcp.h"

/* Sizes, checked before anything else: the smallest replacement is an
 * IPv4 header, a UDP header and a DNS header; the largest is what the
 * worker's buffers and an IPv4 total length / a UDP length can hold. */
#define NFQC_MIN_LEN (20 + 8 + 12)
#define NFQC_MAX_LEN 65536

/* What a replacement must keep of the original packet. */
struct nfqc_orig {
	uint8_t family;                  /* 4 or 6; 0: no replacement is acceptable */
	uint8_t src[16], dst[16];        /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	struct dns_question q;
	uint8_t proto;                   /* 17 (UDP) or 6 (TCP) */
	/* TCP: the original's length and its IP and TCP headers */
	uint32_t total;
	uint16_t hdrs_len;
	uint8_t hdrs[TCPPKT_MAX_HDRS];
	/* TCP: the segment's messages (q is the first's question) */
	uint8_t nmsgs;
	uint32_t moff[DNSTCP_MAX_MSGS];
	struct dns_question more[DNSTCP_MAX_MSGS - 1];
};

enum nfqc_result {
	NFQC_OK = 0,
	NFQC_NONE,          /* the original is not a checkable DNS answer: no replacement allowed */
	NFQC_SIZE,          /* length out of bounds, or not the IP/UDP lengths it claims */
	NFQC_NOT_UDP,       /* not a whole unfragmented UDP packet in IPv4/IPv6 */
	NFQC_ADDR,          /* another family or other addresses */
	NFQC_PORT,          /* other ports */
	NFQC_NOT_DNS,       /* not a well-formed DNS response */
	NFQC_ID,            /* another DNS id */
	NFQC_QUESTION,      /* another question */
	NFQC_TCP,           /* TCP: another length, other headers, or a bad checksum */
};

/* Record the original (the whole IP packet the monitor hands over).  If it
 * is neither a UDP datagram from port 53 carrying a DNS response with at
 * most one question, nor a TCP segment from port 53 carrying one to
 * DNSTCP_MAX_MSGS whole such responses (nothing else), o->family is 0 and every replacement will be refused. */
void nfqc_record(struct nfqc_orig *o, const uint8_t *pkt, size_t len);
/* May repl (len bytes, a whole IP packet) replace the recorded original? */
enum nfqc_result nfqc_check(const struct nfqc_orig *o, const uint8_t *repl, size_t len);
/* A short text for a result (for the log). */
const char *nfqc_result_str(enum nfqc_result r);
#endif

/* Inner IPv4 packets and UDP datagrams in IPv4/IPv6 packets: validation,
 * re-addressing with checksum recomputation (PROTOCOL.md §8.5), and the
 * IP/UDP framing of DNS answers caught by the netfilter queue.  Pure. */
#ifndef PQC_IPV4_H
#define PQC_IPV4_H
#include <stddef.h>
#include <stdint.h>

/* Internet checksum helpers. */
uint32_t csum_partial(const uint8_t *p, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);

/* Returns the total length of a well-formed IPv4 packet held in len bytes
 * (version 4, IHL >= 5, total length between IHL*4 and len), or -1. */
int ipv4_check(const uint8_t *p, size_t len);

/* How the L4 checksum of a re-addressed packet is finished, for a TUN
 * with a virtio-net header: partial = 1 means the checksum field holds the
 * pseudo-header sum only and the kernel completes it (NEEDS_CSUM from
 * start, result at start + offset). */
struct l4csum {
	int partial;
	uint16_t start, offset;
};

/* The one re-addressing path of both daemons (PROTOCOL.md §8.5): checks
 * the packet once (ipv4_check, then the TCP header length or the UDP
 * length of a first fragment), and only then rewrites source and
 * destination (values in host order, e.g. 0x0a2a0002 for 10.42.0.2) and
 * the IPv4 header checksum.  The L4 checksum: with cs NULL it is computed
 * whole (an unfragmented TCP or UDP packet; ICMP's does not cover the
 * addresses); with cs, an unfragmented TCP or UDP packet gets the
 * pseudo-header sum and *cs says where the kernel completes it.  The first
 * fragment of a fragmented UDP datagram gets checksum 0 (none); later
 * fragments only the header checksum.  Returns the packet's total length
 * (bytes after it in len are not part of it), or -1 if it is malformed
 * (left untouched). */
int ipv4_readdress(uint8_t *p, size_t len, uint32_t src, uint32_t dst, struct l4csum *cs);

/* An ICMP "destination host unreachable" from `from` (host order) to the
 * sender of orig (a checked IPv4 packet of origlen bytes), quoting its
 * header and first 8 bytes of payload (RFC 792).  Never for an ICMP error
 * or a later fragment.  Returns its length, or -1 (nothing to send, or cap
 * too small). */
int icmp_host_unreachable(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, uint32_t from);

/* The same, "fragmentation needed and DF set" (type 3 code 4) with the
 * next-hop MTU mtu (RFC 1191): the answer to a DF packet longer than the
 * IPv4 MTU towards the peers. */
int icmp_frag_needed(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, uint32_t from, uint16_t mtu);

/* Source/destination of an IPv4 packet (host order). */
static inline uint32_t ipv4_src(const uint8_t *p) { return ((uint32_t)p[12] << 24) | ((uint32_t)p[13] << 16) | ((uint32_t)p[14] << 8) | p[15]; }
static inline uint32_t ipv4_dst(const uint8_t *p) { return ((uint32_t)p[16] << 24) | ((uint32_t)p[17] << 16) | ((uint32_t)p[18] << 8) | p[19]; }

/* A UDP datagram inside an IPv4 or IPv6 packet (as the netfilter queue gives it). */
struct udppkt {
	int family;                 /* 4 or 6 */
	size_t l4_off;              /* offset of the UDP header */
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t payload_len;
};
/* 0 / -1 (not UDP, fragment, truncated, extension headers other than none). */
int udppkt_parse(struct udppkt *u, const uint8_t *pkt, size_t len);
/* Copy pkt's IP and UDP headers to out, append payload, fix IP total or
 * payload length, UDP length and checksum (IPv4 header checksum too).
 * Returns the new packet length or -1 if it does not fit in cap. */
int udppkt_rebuild(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len,
                   const struct udppkt *u, const uint8_t *payload, size_t plen);
#endif

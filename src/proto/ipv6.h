/* Inner IPv6 packets: validation and re-addressing with the L4 checksum
 * computed again over the IPv6 pseudo-header (RFC 8200 §8.1), the
 * counterpart of ipv4_readdress for the inner IPv6 of issue 16 (not yet
 * used by the daemons).  Pure. */
#ifndef PQC_IPV6_H
#define PQC_IPV6_H
#include <stddef.h>
#include <stdint.h>
#include "proto/ipv4.h"   /* csum_partial, csum_fold, struct l4csum */

#define IPV6_HDR_LEN 40

/* Returns the total length (40 + payload length) of a well-formed IPv6
 * packet held in len bytes (version 6, the payload length within len; a
 * jumbogram's payload length 0 is refused), or -1. */
int ipv6_check(const uint8_t *p, size_t len);
/* The upper-layer protocol of the IPv6 packet p (len bytes), past the
 * extension headers that can stand before it (hop-by-hop, routing,
 * fragment, destination options; at most 8 of them, each within len), or
 * -1 if it cannot be told (a header runs past the packet, too many). */
int ipv6_upper_proto(const uint8_t *p, size_t len);

/* Re-address an IPv6 packet: checks it once (ipv6_check; the next header
 * must be TCP with a header length within the payload, UDP with a length
 * equal to the payload, or ICMPv6 of at least 4 bytes: extension headers,
 * fragments included, are refused), and only then writes source and
 * destination and the L4 checksum.  With cs NULL the checksum is computed
 * whole (UDP's 0 is sent as 0xffff: IPv6 has no "no checksum"); with cs,
 * TCP and UDP get the pseudo-header sum and *cs says where the kernel
 * completes it (ICMPv6 is always computed whole).  Returns the packet's
 * total length, or -1 if it is malformed (left untouched). */
int ipv6_readdress(uint8_t *p, size_t len, const uint8_t src[16], const uint8_t dst[16], struct l4csum *cs);

/* Internal IPv6 addresses (inner IPv6): a ULA /64 (its first 8 bytes) and
 * the host number of the internal IPv4 address in the last 32 bits, so an
 * internal IPv6 address is allocated with, and freed with, the IPv4 one
 * (10.43.0.2 in 10.43/16 is fd43::2 in fd43::/64). */
#define INNER6_PREFIX_BYTES 8
void ipv6_inner_addr(uint8_t out[16], const uint8_t prefix[INNER6_PREFIX_BYTES], uint32_t host);
/* The host number of addr if it lies in prefix::/64 with bits 64..95
 * zero: 0 and *host, else -1. */
int ipv6_inner_host(const uint8_t addr[16], const uint8_t prefix[INNER6_PREFIX_BYTES], uint32_t *host);
/* Parse an option's text ("fd42::" or "fd42:0:0:1::/64"): a unique local
 * address (fc00::/7) whose last 64 bits are zero; "/64" may follow.  0 and
 * the prefix, or -1. */
int ipv6_inner_prefix_parse(const char *text, uint8_t prefix[INNER6_PREFIX_BYTES]);
#endif

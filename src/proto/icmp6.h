/* ICMPv6 errors about inner IPv6 packets (RFC 4443): what a client or
 * server of ours answers, as a router would, when an inner IPv6 packet
 * cannot go on (no tunnel, a high-security name whose server is not
 * reachable, a server without inner IPv6, too big).  Pure. */
#ifndef PQC_ICMP6_H
#define PQC_ICMP6_H
#include <stddef.h>
#include <stdint.h>

#define ICMP6_DST_UNREACH 1
#define ICMP6_UNREACH_NOROUTE 0
#define ICMP6_UNREACH_ADMIN 1
#define ICMP6_UNREACH_ADDR 3
#define ICMP6_PACKET_TOO_BIG 2
/* an error stays within IPv6's minimum MTU (RFC 4443 §2.4 c) */
#define ICMP6_ERROR_MAX 1280

/* Builds the error of type/code (param: the MTU of "packet too big", 0
 * otherwise) from `from` to the source of orig (a packet of origlen
 * bytes that passes ipv6_check), quoting as much of orig as fits in
 * ICMP6_ERROR_MAX and cap, with its checksum.  Only about a unicast
 * packet from a unicast source whose next header is TCP, UDP or an
 * ICMPv6 informational message: never about an error, a multicast or
 * unspecified address, or a packet behind extension headers (whose
 * transport the sender cannot be told about reliably).  Returns the
 * length, or -1 (nothing to send). */
int icmp6_error(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, const uint8_t from[16],
                uint8_t type, uint8_t code, uint32_t param);
#endif

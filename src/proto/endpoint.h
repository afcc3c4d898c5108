/* A server's outer address as an operator writes it (the static peers
 * file's `address`): IPv4 or IPv6, with an optional port.  Pure: explicit
 * length, no allocation, no I/O.  Accepted, and nothing else:
 *
 *   192.0.2.10            192.0.2.10:42424
 *   2001:db8::1           [2001:db8::1]        [2001:db8::1]:42424
 *
 * Refused: IPv4 0.0.0.0 and 255.255.255.255, leading zeros, IPv6 :: and
 * multicast (ff00::/8), IPv4-mapped IPv6 (write the IPv4 address), zone
 * ids (%eth0), port 0, a port on a bare IPv6 address, anything around. */
#ifndef PQC_ENDPOINT_H
#define PQC_ENDPOINT_H
#include <stddef.h>
#include <stdint.h>

#define ENDPOINT_MAX_TEXT 56   /* "[" 45-char IPv6 "]:" 5-digit port, and some */

struct endpoint {
	uint8_t addr[16];      /* IPv6, or IPv4 as ::ffff:a.b.c.d */
	int is_v4;
	int has_port;
	uint16_t port;         /* if has_port */
};

/* 0 and *ep filled, or -1. */
int endpoint_parse(const char *s, size_t n, struct endpoint *ep);
#endif

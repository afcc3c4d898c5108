/* Errors about inner packets, written back into the TUN as a router on
 * the path would send them: ICMP "fragmentation needed" for an IPv4
 * packet with DF longer than the IPv4 MTU towards the peers, ICMPv6
 * destination unreachable / packet too big for inner IPv6 that cannot go
 * on.  Each comes from the packet's destination (the peer's internal
 * address: a source the kernel accepts on the TUN, unlike our own) and
 * all of them share one rate limit. */
#ifndef PQC_TUNERR_H
#define PQC_TUNERR_H
#include <stddef.h>
#include <stdint.h>
#include "core/ratelimit.h"
#include "io/tunio.h"

#define TUNERR_RATE 200     /* errors per second, */
#define TUNERR_BURST 50     /* in bursts of at most */

void tunerr_init(struct rl_one *rl);
/* 1 sent; 0 nothing to send (an error about an error, a multicast
 * address, a later fragment); -1 over the rate limit; -2 write failed. */
int tunerr_frag_needed(struct tunio *t, struct rl_one *rl, const uint8_t *pkt, size_t n, uint16_t mtu, uint64_t now);
int tunerr_icmp6(struct tunio *t, struct rl_one *rl, const uint8_t *pkt, size_t n, uint8_t type, uint8_t code,
                 uint32_t param, uint64_t now);
#endif

/* IPv4 packets longer than the IPv4 MTU towards the peers.  With inner
 * IPv6 the TUN's MTU is IPv6's minimum (1280) while IPv4 keeps the
 * reference's 1200 through a route MTU; the kernel honours the route for
 * ordinary sockets, but sockets that ask for the device's MTU
 * (IP_PMTUDISC_PROBE/INTERFACE/OMIT, raw IP_HDRINCL) can still hand the
 * TUN up to 1280 bytes.  Those are cut here to the limit, as a router
 * would: fragmented when DF is clear, refused (ICMP "fragmentation
 * needed") when it is set.  Pure. */
#ifndef PQC_IPV4FRAG_H
#define PQC_IPV4FRAG_H
#include <stddef.h>
#include <stdint.h>

/* 1 if the checked IPv4 packet pkt has DF set. */
int ipv4_df(const uint8_t *pkt);

/* Fragments the IPv4 packet pkt (len bytes, ipv4_check'ed, DF clear; a
 * fragment itself is cut further) into packets of at most mtu bytes, each
 * built in frag (capacity cap >= mtu) and given to cb in order.  Options
 * without the copy bit become NOPs after the first fragment (RFC 791).
 * Returns the number of fragments, or -1 (DF set, no data, malformed
 * options, mtu too small for the header and 8 bytes, cap too small) with
 * nothing given. */
int ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *frag, size_t cap,
                  int (*cb)(void *arg, const uint8_t *p, size_t n), void *arg);
#endif

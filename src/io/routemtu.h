/* The IPv4 MTU of the TUN's network as a route attribute.  With inner
 * IPv6 the TUN's own MTU must be at least 1280 (below it the kernel gives
 * a device no IPv6), while IPv4 towards every peer keeps the MTU it had
 * (1200 by default, the reference's): the kernel's route to the TUN's
 * IPv4 network is replaced by the same route with "mtu N" (as `ip route
 * replace NET/BITS dev IF proto kernel scope link src ADDR mtu N` would),
 * so TCP's MSS, path MTU discovery and fragmentation of ordinary sockets
 * and of forwarded packets use N.  Not "mtu lock": a locked route MTU
 * makes the kernel send TCP without DF, which would change the inner
 * packets the reference sees.  Over rtnetlink, no external tool. */
#ifndef PQC_ROUTEMTU_H
#define PQC_ROUTEMTU_H
#include <stdint.h>

/* addr (host order) is the TUN's address in its network of maskbits
 * (< 32).  0, or -1 with a log line. */
int route4_set_mtu(const char *ifname, uint32_t addr, int maskbits, int mtu);
#endif

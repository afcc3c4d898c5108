/* TUN devices: IFF_TUN | IFF_NO_PI, an IPv4 address/mask, MTU (1200 by default), up.
 * Like the reference, an address that overlaps an existing network is
 * replaced by the first free one of the same size (10/8, 172.16/12, 192.168/16). */
#ifndef PQC_TUN_H
#define PQC_TUN_H
#include <stdint.h>

#define TUN_MTU 1200         /* the reference's, and the default */
#define TUN_MTU_MIN 576
/* IPv6's minimum link MTU (RFC 8200 §5): below it the kernel gives the TUN
 * no IPv6 at all.  With inner IPv6 and a smaller --mtu (the default 1200),
 * the device gets 1280 and IPv4 keeps --mtu as a route MTU
 * (tun_keep_ipv4_mtu, io/routemtu.h) */
#define TUN_MTU_IPV6 1280
/* 1500-byte outer IPv4 packets: 20 IP + 8 UDP + 56 tunnel header and tag */
#define TUN_MTU_ETH 1416
/* the largest inner packet whose tunnel datagram fits the 2048-byte UDP buffers */
#define TUN_MTU_MAX 1992

/* Creates (or attaches to) ifname, sets addr/maskbits (addr may be changed
 * on overlap: *addr is updated), MTU, brings it up; non-blocking fd or -1. */
int tun_open(const char *ifname, uint32_t *addr, int maskbits, int mtu);
/* The same; if vnet is non-NULL, also ask for a virtio-net header with
 * checksum and TCPv4 segmentation offloads, and set *vnet to 1 if the
 * kernel agreed (0: plain packets). */
int tun_open_vnet(const char *ifname, uint32_t *addr, int maskbits, int mtu, int *vnet);
/* Inner IPv6: add addr/64 to the TUN ifname (the kernel adds the /64
 * route with it; a TUN has no neighbour discovery, so no duplicate
 * address detection delays it).  0, or -1 with a log line (IPv6 disabled
 * on the host, for instance). */
/* The same with IFF_MULTI_QUEUE when mq is 1: this is the device's first
 * queue; more come from tun_open_queue (same ifname, same vnet), each its
 * own descriptor, the kernel spreading the packets it routes to the device
 * over them by flow.  fd or -1. */
int tun_open_mq(const char *ifname, uint32_t *addr, int maskbits, int mtu, int *vnet, int mq);
int tun_open_queue(const char *ifname, int vnet);
int tun_add_addr6(const char *ifname, const uint8_t addr[16]);
/* The device MTU for inner IPv6 with the IPv4 MTU mtu: at least 1280. */
int tun_mtu_for_inner6(int mtu);
/* After tun_open* with the device MTU tun_mtu_for_inner6(mtu4) > mtu4:
 * IPv4 towards the TUN's network keeps mtu4 (a route MTU).  0; or -1 with
 * the device's MTU set back to mtu4 (no IPv6 then: the caller turns inner
 * IPv6 off) and a log line. */
int tun_keep_ipv4_mtu(const char *ifname, uint32_t addr, int maskbits, int mtu4);
#endif

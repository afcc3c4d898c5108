/* Packets in and out of a TUN device, with offloads when the kernel has
 * them (IFF_VNET_HDR, TSO4 + checksum offload): reads return TCP
 * super-packets that are split here into MTU-sized packets; decrypted TCP
 * segments of one flow are coalesced into one write.  Without offloads,
 * one packet per read and per write, checksums computed here. */
#ifndef PQC_TUNIO_H
#define PQC_TUNIO_H
#include <stddef.h>
#include <stdint.h>
#include "proto/gso.h"

struct tunio {
	int fd;
	int vnet;                        /* packets carry a virtio-net header */
	uint8_t *rbuf;                   /* VNET_HDR_LEN + 65535 */
	uint8_t *seg;                    /* one split segment */
	struct gro *gro;
	uint64_t reads, writes, segments_in, packets_out;
};

/* Open the TUN (tun_open's semantics) and try to turn offloads on.  0 / -1. */
int tunio_open(struct tunio *t, const char *ifname, uint32_t *addr, int maskbits, int mtu, int offload);
/* nq of them (t[0..nq)): one device, nq queues (IFF_MULTI_QUEUE when nq
 * > 1; nq 1 is tunio_open).  0 / -1 (the caller closes what was opened). */
int tunio_open_mq(struct tunio *t, int nq, const char *ifname, uint32_t *addr, int maskbits, int mtu, int offload);
/* Adopt an open TUN fd (vnet: whether it was opened with IFF_VNET_HDR). */
int tunio_adopt(struct tunio *t, int fd, int vnet);
void tunio_close(struct tunio *t);
/* One read: each IPv4 packet is given to cb (and each well-formed IPv6
 * packet: the kernel is offered no IPv6 segmentation offload, so they
 * come one by one, segment-sized; a partial checksum is left as it is, the
 * receiver computes it again).  Returns the number of
 * packets, 0 if nothing was waiting, -1 on an error other than EAGAIN. */
int tunio_read(struct tunio *t, int (*cb)(void *arg, const uint8_t *p, size_t n), void *arg);
/* Deliver a decrypted packet: re-address it (source src, destination dst,
 * checksums as the mode needs) and queue it for writing; coalesced runs go
 * out at tunio_flush or when a packet does not fit the run.  0, or -1 if
 * the packet is malformed (dropped), -2 if the write failed. */
int tunio_deliver(struct tunio *t, uint8_t *p, size_t n, uint32_t src, uint32_t dst);
/* The same for an IPv6 packet (proto/ipv6.h): never coalesced, written
 * at once after what is pending (GRO handles IPv4 only).  0, -1, -2. */
int tunio_deliver6(struct tunio *t, uint8_t *p, size_t n, const uint8_t src[16], const uint8_t dst[16]);
/* Write what is pending (call after each batch).  0 / -2. */
int tunio_flush(struct tunio *t);
#endif

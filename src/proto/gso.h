/* TUN offloads, the pure part (no I/O): the virtio-net header that a TUN
 * device with IFF_VNET_HDR puts before each packet, splitting the kernel's
 * TCP super-packets (TSO) into MTU-sized IPv4 packets before they are
 * encrypted, and coalescing consecutive decrypted TCP segments of one flow
 * into one super-packet for a single TUN write (what GRO does).
 *
 * Checksums: PQConnect receivers recompute the inner TCP/UDP checksums
 * after re-addressing (PROTOCOL.md §8.5), so segments leave with the
 * kernel's partial checksum; packets written to the TUN carry a
 * pseudo-header checksum and NEEDS_CSUM, which the kernel completes or
 * accepts (the AEAD already authenticated every byte). */
#ifndef PQC_GSO_H
#define PQC_GSO_H
#include <stddef.h>
#include <stdint.h>
#include "proto/ipv4.h"

#define VNET_HDR_LEN 10
#define VNET_F_NEEDS_CSUM 1
#define VNET_GSO_NONE 0
#define VNET_GSO_TCPV4 1
#define VNET_GSO_UDP 3
#define VNET_GSO_TCPV6 4
#define VNET_GSO_UDP_L4 5
#define VNET_GSO_ECN 0x80
#define GSO_MAX_PACKET 65535

struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

/* The header is little-endian (the TUN's default on little-endian hosts). */
void vnet_hdr_parse(struct vnet_hdr *h, const uint8_t b[VNET_HDR_LEN]);
void vnet_hdr_build(uint8_t b[VNET_HDR_LEN], const struct vnet_hdr *h);

/* Split one packet read from the TUN (after its header h) into IPv4
 * packets no larger than their gso_size of payload.  Each packet is given
 * to cb (built in seg, which must hold segcap >= 65535 bytes, or pkt
 * itself when no split is needed); cb returning nonzero stops.  Returns
 * the number of packets given, or -1 if pkt is malformed. */
int gso_split(const struct vnet_hdr *h, const uint8_t *pkt, size_t len, uint8_t *seg, size_t segcap,
              int (*cb)(void *arg, const uint8_t *p, size_t n), void *arg);

/* The virtio-net header of a single re-addressed packet: NEEDS_CSUM where
 * ipv4_readdress left a partial checksum, no segmentation. */
void vnet_hdr_for(struct vnet_hdr *h, const struct l4csum *cs);

/* The coalescer: a run of TCP segments of one flow, contiguous in
 * sequence, all but the last of the same payload size, same ACK, window,
 * options and flags (ACK, PSH only on the last). */
struct gro {
	uint8_t buf[VNET_HDR_LEN + GSO_MAX_PACKET];   /* header + packet */
	size_t len;                                   /* packet bytes in buf after the header */
	size_t hl;                                    /* IP + TCP header length */
	uint16_t mss;
	unsigned nseg;
	uint32_t next_seq;
	int closed;                                   /* PSH seen: nothing more may join */
};
/* Offer a packet that went through gso_readdress (h is its header).
 * Returns 1 if it joined (or started) the run, 0 if the run must be
 * finished first (then offer it again), -1 if it cannot be coalesced at
 * all (write it alone, after finishing the run). */
int gro_add(struct gro *g, const uint8_t *pkt, size_t len, const struct vnet_hdr *h);
/* The run as header + packet, ready for one write; empties the run.
 * Returns the byte count (0 if the run was empty) and *out. */
size_t gro_finish(struct gro *g, const uint8_t **out);
#endif

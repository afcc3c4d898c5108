/* Offload codec: the first 10 bytes are a virtio-net header, the rest a
 * packet as the TUN would hand it.  gso_split must never read or write out
 * of bounds, every segment must be a well-formed IPv4 packet no longer than
 * the super-packet, and segments fed back through ipv4_readdress (partial checksums) + gro_add
 * must produce runs that split again into valid packets. */
#include <string.h>
#include "fuzz.h"
#include "proto/gso.h"
#include "proto/ipv4.h"


/* re-address for a TUN with a virtio-net header (as io/tunio.c does) */
static int readdress(uint8_t *p, size_t len, uint32_t src, uint32_t dst, struct vnet_hdr *h)
{
	struct l4csum cs;
	if (ipv4_readdress(p, len, src, dst, &cs) < 0)
		return -1;
	vnet_hdr_for(h, &cs);
	return 0;
}

static uint8_t seg[GSO_MAX_PACKET];
static struct gro g;
static size_t in_len;

static int take(void *arg, const uint8_t *p, size_t n)
{
	static uint8_t copy[GSO_MAX_PACKET];
	struct vnet_hdr h;
	const uint8_t *out;
	(void)arg;
	FUZZ_ASSERT(n <= in_len + 60 && n <= GSO_MAX_PACKET);
	FUZZ_ASSERT(ipv4_check(p, n) >= 0);
	memcpy(copy, p, n);
	if (readdress(copy, n, 0x0a2a0002, 0x0a2a0001, &h) < 0)
		return 0;
	int r = gro_add(&g, copy, n, &h);
	if (r == 0) {
		size_t len = gro_finish(&g, &out);
		FUZZ_ASSERT(len > VNET_HDR_LEN);
		FUZZ_ASSERT(ipv4_check(out + VNET_HDR_LEN, len - VNET_HDR_LEN) >= 0);
		gro_add(&g, copy, n, &h);
	}
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[GSO_MAX_PACKET];
	struct vnet_hdr h;
	const uint8_t *out;
	if (size < VNET_HDR_LEN || size - VNET_HDR_LEN > sizeof pkt)
		return 0;
	vnet_hdr_parse(&h, data);
	in_len = size - VNET_HDR_LEN;
	memcpy(pkt, data + VNET_HDR_LEN, in_len);
	memset(&g, 0, sizeof g);
	gso_split(&h, pkt, in_len, seg, sizeof seg, take, NULL);
	size_t len = gro_finish(&g, &out);
	if (len) {
		struct vnet_hdr h2;
		vnet_hdr_parse(&h2, out);
		FUZZ_ASSERT(ipv4_check(out + VNET_HDR_LEN, len - VNET_HDR_LEN) >= 0);
		/* a run must split back into packets */
		static uint8_t again[GSO_MAX_PACKET];
		memcpy(again, out + VNET_HDR_LEN, len - VNET_HDR_LEN);
		in_len = len - VNET_HDR_LEN;
		memset(&g, 0, sizeof g);
		FUZZ_ASSERT(gso_split(&h2, again, len - VNET_HDR_LEN, seg, sizeof seg, take, NULL) >= 1);
	}
	return 0;
}

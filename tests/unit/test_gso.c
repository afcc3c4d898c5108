/* TUN offloads: TSO split, GRO coalescing, partial checksums. */
#include "check.h"
#include "common.h"
#include "proto/gso.h"
#include "proto/ipv4.h"

/* a TCP/IPv4 packet with payload bytes p[i] = (seq + i) & 255 */

/* re-address for a TUN with a virtio-net header (as io/tunio.c does) */
static int readdress(uint8_t *p, size_t len, uint32_t src, uint32_t dst, struct vnet_hdr *h)
{
	struct l4csum cs;
	if (ipv4_readdress(p, len, src, dst, &cs) < 0)
		return -1;
	vnet_hdr_for(h, &cs);
	return 0;
}

static size_t tcp_packet(uint8_t *b, uint32_t seq, size_t payload, uint8_t flags, uint16_t id)
{
	memset(b, 0, 52);
	b[0] = 0x45;
	store16_be(b + 2, (uint16_t)(52 + payload));
	store16_be(b + 4, id);
	b[6] = 0x40;
	b[8] = 64;
	b[9] = 6;
	store32_be(b + 12, 0x0a2b0001);
	store32_be(b + 16, 0x0a2b0002);
	store16_be(b + 20, 40000);
	store16_be(b + 22, 5201);
	store32_be(b + 24, seq);
	store32_be(b + 28, 777);
	b[32] = 0x80;                 /* 32-byte header: 12 bytes of options */
	b[33] = flags;
	store16_be(b + 34, 500);
	b[40] = 1; b[41] = 1; b[42] = 8; b[43] = 10;   /* NOP NOP TS */
	store32_be(b + 44, 1234);
	store32_be(b + 48, 5678);
	for (size_t i = 0; i < payload; i++)
		b[52 + i] = (uint8_t)(seq + i);
	store16_be(b + 10, csum_fold(csum_partial(b, 20, 0)));
	return 52 + payload;
}

/* the L4 checksum as the kernel would complete it from a NEEDS_CSUM packet */
static int l4_sum_ok(const uint8_t *p, size_t len)
{
	/* pseudo-header + segment, with the final checksum in place, sums to 0xffff */
	uint32_t s = csum_partial(p + 12, 8, 0) + 6 + (uint32_t)(len - 20);
	s = csum_partial(p + 20, len - 20, s);
	return csum_fold(s) == 0;
}
static uint16_t complete(uint8_t *p, size_t len, unsigned off)
{
	uint16_t v = csum_fold(csum_partial(p + 20, len - 20, 0));
	store16_be(p + 20 + off, v);
	return v;
}

struct seen { uint8_t pkt[64][2048]; size_t len[64]; int n; };
static int collect(void *arg, const uint8_t *p, size_t n)
{
	struct seen *s = arg;
	memcpy(s->pkt[s->n], p, n);
	s->len[s->n++] = n;
	return 0;
}

int main(void)
{
	static uint8_t big[70000], seg[70000], pkt[2048];
	static struct seen s;
	static struct gro g;
	struct vnet_hdr h = { 0 }, h2;
	uint8_t hb[VNET_HDR_LEN];

	h.flags = VNET_F_NEEDS_CSUM; h.gso_type = VNET_GSO_TCPV4; h.hdr_len = 52; h.gso_size = 1000;
	h.csum_start = 20; h.csum_offset = 16;
	vnet_hdr_build(hb, &h);
	vnet_hdr_parse(&h2, hb);
	CHECK(!memcmp(&h, &h2, sizeof h));

	/* split 4500 bytes of payload with FIN|PSH|ACK into 5 segments */
	size_t len = tcp_packet(big, 1000000, 4500, 0x19, 100);
	int n = gso_split(&h, big, len, seg, sizeof seg, collect, &s);
	CHECK(n == 5 && s.n == 5);
	int ok = 1;
	for (int i = 0; i < s.n; i++) {
		const uint8_t *q = s.pkt[i];
		size_t pl = i < 4 ? 1000 : 500;
		ok &= s.len[i] == 52 + pl && load16_be(q + 2) == 52 + pl;
		ok &= load16_be(q + 4) == 100 + i;
		ok &= csum_fold(csum_partial(q, 20, 0)) == 0;               /* IP header checksum valid */
		ok &= load32_be(q + 24) == 1000000u + (uint32_t)i * 1000;
		ok &= q[33] == (i < 4 ? 0x10 : 0x19);                       /* FIN, PSH only on the last */
		ok &= q[52] == (uint8_t)(1000000u + (uint32_t)i * 1000);
	}
	CHECK_MSG(ok, "segments: lengths, ids, checksums, sequence numbers, flags, payload");
	CHECK(gso_split(&h, big, len - 1, seg, sizeof seg, collect, &s) == -1);    /* length mismatch */
	h.gso_type = VNET_GSO_UDP_L4;
	CHECK(gso_split(&h, big, len, seg, sizeof seg, collect, &s) == -1);        /* not offered */
	h.gso_type = VNET_GSO_NONE;
	s.n = 0;
	CHECK(gso_split(&h, s.pkt[0], 52, seg, sizeof seg, collect, &s) == -1 || s.n <= 1);

	/* readdress with partial checksum: completing it gives a valid TCP checksum */
	len = tcp_packet(pkt, 5, 300, 0x10, 1);
	CHECK(readdress(pkt, len, 0x0a2a0002, 0x0a2a0001, &h) == 0);
	CHECK(ipv4_src(pkt) == 0x0a2a0002 && ipv4_dst(pkt) == 0x0a2a0001);
	CHECK(h.flags == VNET_F_NEEDS_CSUM && h.csum_start == 20 && h.csum_offset == 16);
	complete(pkt, len, 16);
	CHECK(l4_sum_ok(pkt, len));
	CHECK(readdress(pkt, len - 1, 1, 2, &h) == -1);

	/* coalescing: 10 segments of one flow become one GSO write */
	memset(&g, 0, sizeof g);
	ok = 1;
	for (int i = 0; i < 10; i++) {
		len = tcp_packet(pkt, 2000 + (uint32_t)i * 1100, 1100, i == 9 ? 0x18 : 0x10, (uint16_t)i);
		readdress(pkt, len, 0x0a2a0002, 0x0a2a0001, &h);
		ok &= gro_add(&g, pkt, len, &h) == 1;
	}
	CHECK_MSG(ok, "10 contiguous segments joined");
	len = tcp_packet(pkt, 2000 + 10 * 1100, 100, 0x10, 10);
	readdress(pkt, len, 0x0a2a0002, 0x0a2a0001, &h);
	CHECK(gro_add(&g, pkt, len, &h) == 0);          /* PSH closed the run */
	const uint8_t *out;
	size_t olen = gro_finish(&g, &out);
	CHECK(olen == VNET_HDR_LEN + 52 + 11000);
	vnet_hdr_parse(&h2, out);
	CHECK(h2.gso_type == VNET_GSO_TCPV4 && h2.gso_size == 1100 && h2.hdr_len == 52 && h2.flags == VNET_F_NEEDS_CSUM);
	const uint8_t *r = out + VNET_HDR_LEN;
	CHECK(load16_be(r + 2) == 52 + 11000 && csum_fold(csum_partial(r, 20, 0)) == 0);
	CHECK((r[33] & 0x08) && load32_be(r + 24) == 2000);
	ok = 1;
	for (int i = 0; i < 11000; i++)
		ok &= r[52 + i] == (uint8_t)(2000 + i);
	CHECK_MSG(ok, "payload of the run is the concatenation");
	/* the run, split again, gives back segments equal to the originals' payloads */
	s.n = 0;
	CHECK(gso_split(&h2, r, olen - VNET_HDR_LEN, seg, sizeof seg, collect, &s) == 10);

	/* what may not join: a gap, another flow, a SYN, a shorter-then-longer */
	memset(&g, 0, sizeof g);
	len = tcp_packet(pkt, 1, 1000, 0x10, 0);
	readdress(pkt, len, 1, 2, &h);
	CHECK(gro_add(&g, pkt, len, &h) == 1);
	len = tcp_packet(pkt, 5000, 1000, 0x10, 1);
	readdress(pkt, len, 1, 2, &h);
	CHECK(gro_add(&g, pkt, len, &h) == 0);          /* sequence gap */
	len = tcp_packet(pkt, 1001, 1000, 0x10, 1);
	readdress(pkt, len, 3, 2, &h);
	CHECK(gro_add(&g, pkt, len, &h) == 0);          /* another source */
	len = tcp_packet(pkt, 1001, 1000, 0x12, 1);
	readdress(pkt, len, 1, 2, &h);
	CHECK(gro_add(&g, pkt, len, &h) == -1);         /* SYN never coalesces */
	len = tcp_packet(pkt, 1001, 500, 0x10, 1);
	readdress(pkt, len, 1, 2, &h);
	CHECK(gro_add(&g, pkt, len, &h) == 1);          /* a short one ends the regular part */
	len = tcp_packet(pkt, 1501, 500, 0x10, 2);
	readdress(pkt, len, 1, 2, &h);
	CHECK(gro_add(&g, pkt, len, &h) == 0);          /* nothing after a short one */
	/* a single segment run is written as a plain NEEDS_CSUM packet */
	memset(&g, 0, sizeof g);
	len = tcp_packet(pkt, 1, 1000, 0x10, 0);
	readdress(pkt, len, 1, 2, &h);
	gro_add(&g, pkt, len, &h);
	olen = gro_finish(&g, &out);
	vnet_hdr_parse(&h2, out);
	CHECK(olen == VNET_HDR_LEN + len && h2.gso_type == VNET_GSO_NONE && h2.flags == VNET_F_NEEDS_CSUM);
	CHECK(gro_finish(&g, &out) == 0);
	return check_done();
}

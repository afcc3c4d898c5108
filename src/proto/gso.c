#include <string.h>
#include "common.h"
#include "proto/gso.h"
#include "proto/ipv4.h"

void vnet_hdr_parse(struct vnet_hdr *h, const uint8_t b[VNET_HDR_LEN])
{
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = load16_le(b + 2);
	h->gso_size = load16_le(b + 4);
	h->csum_start = load16_le(b + 6);
	h->csum_offset = load16_le(b + 8);
}

void vnet_hdr_build(uint8_t b[VNET_HDR_LEN], const struct vnet_hdr *h)
{
	b[0] = h->flags;
	b[1] = h->gso_type;
	store16_le(b + 2, h->hdr_len);
	store16_le(b + 4, h->gso_size);
	store16_le(b + 6, h->csum_start);
	store16_le(b + 8, h->csum_offset);
}

static void ip_header_csum(uint8_t *p, size_t ihl)
{
	p[10] = p[11] = 0;
	store16_be(p + 10, csum_fold(csum_partial(p, ihl, 0)));
}

/* the pseudo-header sum (not complemented), as the kernel wants it in the
 * checksum field of a NEEDS_CSUM packet */
static uint16_t pseudo_partial(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t s = csum_partial(ip + 12, 8, 0);
	s += proto;
	s += (uint32_t)l4len;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int gso_split(const struct vnet_hdr *h, const uint8_t *pkt, size_t len, uint8_t *seg, size_t segcap,
              int (*cb)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	uint8_t type = h->gso_type & (uint8_t)~VNET_GSO_ECN;
	if (len < 20 || (pkt[0] >> 4) != 4)
		return -1;
	if (type == VNET_GSO_NONE) {
		int tot = ipv4_check(pkt, len);
		if (tot < 0)
			return -1;
		cb(arg, pkt, (size_t)tot);
		return 1;
	}
	if (type != VNET_GSO_TCPV4 || h->gso_size == 0)
		return -1;
	size_t ihl = (size_t)(pkt[0] & 15) * 4;
	if (ihl < 20 || len < ihl + 20 || pkt[9] != 6 || load16_be(pkt + 2) != len)
		return -1;
	const uint8_t *tcp = pkt + ihl;
	size_t thl = (size_t)(tcp[12] >> 4) * 4;
	size_t hl = ihl + thl;
	if (thl < 20 || len < hl || segcap < hl + h->gso_size)
		return -1;
	size_t payload = len - hl, mss = h->gso_size;
	uint32_t seq = load32_be(tcp + 4);
	uint16_t id = load16_be(pkt + 4);
	uint8_t flags = tcp[13];
	int n = 0;
	for (size_t off = 0; off < payload || (payload == 0 && off == 0); off += mss) {
		size_t chunk = payload - off < mss ? payload - off : mss;
		int last = off + chunk >= payload;
		memcpy(seg, pkt, hl);
		memcpy(seg + hl, pkt + hl + off, chunk);
		store16_be(seg + 2, (uint16_t)(hl + chunk));
		store16_be(seg + 4, (uint16_t)(id + n));
		ip_header_csum(seg, ihl);
		uint8_t *st = seg + ihl;
		store32_be(st + 4, seq + (uint32_t)off);
		/* FIN and PSH only on the last segment, CWR only on the first */
		st[13] = (uint8_t)(flags & ~((last ? 0 : 0x09) | (n ? 0x80 : 0)));
		n++;
		if (cb(arg, seg, hl + chunk))
			break;
		if (payload == 0)
			break;
	}
	return n;
}

void vnet_hdr_for(struct vnet_hdr *h, const struct l4csum *cs)
{
	memset(h, 0, sizeof *h);
	if (cs->partial) {
		h->flags = VNET_F_NEEDS_CSUM;
		h->csum_start = cs->start;
		h->csum_offset = cs->offset;
	}
}

/* Could this packet take part in a run at all? */
static int coalescable(const uint8_t *p, size_t len, size_t *hl)
{
	if (len < 40 || p[0] != 0x45 || p[9] != 6 || (load16_be(p + 6) & 0x3fff))
		return 0;
	size_t thl = (size_t)(p[20 + 12] >> 4) * 4;
	uint8_t fl = p[20 + 13];
	if (thl < 20 || len <= 20 + thl)            /* no payload: nothing to gain */
		return 0;
	if ((fl & ~0x08) != 0x10)                   /* ACK, optionally PSH, nothing else */
		return 0;
	*hl = 20 + thl;
	return 1;
}

int gro_add(struct gro *g, const uint8_t *pkt, size_t len, const struct vnet_hdr *h)
{
	size_t hl;
	uint8_t *run = g->buf + VNET_HDR_LEN;
	if (!coalescable(pkt, len, &hl))
		return -1;
	if (g->nseg == 0) {
		memcpy(run, pkt, len);
		g->len = len;
		g->hl = hl;
		g->mss = (uint16_t)(len - hl);
		g->nseg = 1;
		g->next_seq = load32_be(pkt + 24) + (uint32_t)(len - hl);
		g->closed = (pkt[33] & 0x08) != 0;
		(void)h;
		return 1;
	}
	size_t plen = len - hl;
	if (g->closed || hl != g->hl || plen > g->mss || g->len + plen > GSO_MAX_PACKET ||
	    g->len - g->hl != (size_t)g->mss * g->nseg ||    /* the last one so far was short */
	    load32_be(pkt + 24) != g->next_seq ||
	    memcmp(pkt + 1, run + 1, 1) ||                   /* TOS */
	    memcmp(pkt + 6, run + 6, 4) ||                   /* flags/frag, TTL, protocol */
	    memcmp(pkt + 12, run + 12, 8) ||                 /* addresses */
	    memcmp(pkt + 20, run + 20, 4) ||                 /* ports */
	    memcmp(pkt + 28, run + 28, 4) ||                 /* ACK number */
	    memcmp(pkt + 32, run + 32, 1) ||                 /* data offset */
	    memcmp(pkt + 34, run + 34, 2) ||                 /* window */
	    memcmp(pkt + 40, run + 40, hl - 40))             /* options */
		return 0;
	memcpy(run + g->len, pkt + hl, plen);
	g->len += plen;
	g->nseg++;
	g->next_seq += (uint32_t)plen;
	if (pkt[33] & 0x08) {
		run[33] |= 0x08;
		g->closed = 1;
	}
	return 1;
}

size_t gro_finish(struct gro *g, const uint8_t **out)
{
	struct vnet_hdr h = { 0 };
	uint8_t *run = g->buf + VNET_HDR_LEN;
	size_t len = g->len;
	if (!g->nseg)
		return 0;
	store16_be(run + 2, (uint16_t)len);
	ip_header_csum(run, 20);
	store16_be(run + 36, pseudo_partial(run, 6, len - 20));
	h.flags = VNET_F_NEEDS_CSUM;
	h.csum_start = 20;
	h.csum_offset = 16;
	if (g->nseg > 1) {
		h.gso_type = VNET_GSO_TCPV4;
		h.gso_size = g->mss;
		h.hdr_len = (uint16_t)g->hl;
	}
	vnet_hdr_build(g->buf, &h);
	g->nseg = 0;
	g->len = 0;
	*out = g->buf;
	return VNET_HDR_LEN + len;
}

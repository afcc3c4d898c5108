/* Inner IPv4 packets (PROTOCOL.md §8.5) and the UDP framing of DNS answers
 * caught by the netfilter queue (§11.2).  Pure functions; every length is
 * checked before a byte is read or written.
 *
 * Re-addressing: the receiver must not trust the plaintext's addresses or
 * checksums (the reference sender zeroes the destination without fixing
 * anything), so checksums are computed from scratch, never updated
 * incrementally.  A fragment does not hold the whole L4 segment, so its
 * L4 checksum cannot be computed (§15.1 item 15): the first fragment of a
 * UDP datagram gets checksum 0 ("none", RFC 768), TCP fragments and later
 * fragments keep their L4 bytes. */
#include <string.h>

#include "common.h"
#include "proto/ipv4.h"

#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IPV6_HDR_LEN 40
#define UDP_HDR_LEN 8
#define TCP_HDR_MIN 20

/* One's-complement sum of big-endian 16-bit words (an odd final byte is
 * padded with zero), added to sum.  The result is not folded. */
uint32_t csum_partial(const uint8_t *p, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	while (len >= 2) {
		s += (uint32_t)((p[0] << 8) | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

/* Fold to 16 bits and complement: the value to store in a checksum field
 * (host order; store it big-endian). */
uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int ipv4_check(const uint8_t *p, size_t len)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return -1;
	size_t ihl = (size_t)(p[0] & 15) * 4;
	size_t total = load16_be(p + 2);
	if (ihl < 20 || total < ihl || total > len)
		return -1;
	return (int)total;
}

static void ipv4_fix_header(uint8_t *p, size_t ihl)
{
	p[10] = p[11] = 0;
	store16_be(p + 10, csum_fold(csum_partial(p, ihl, 0)));
}

/* Sum of the IPv4 pseudo-header for protocol proto and L4 length l4len. */
static uint32_t pseudo4(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	return csum_partial(ip + 12, 8, (uint32_t)proto + (uint32_t)l4len);
}

/* The pseudo-header sum, not complemented, as the kernel wants it in the
 * checksum field of a NEEDS_CSUM packet. */
static uint16_t pseudo_only(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t s = pseudo4(ip, proto, l4len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int ipv4_readdress(uint8_t *p, size_t len, uint32_t src, uint32_t dst, struct l4csum *cs)
{
	int total = ipv4_check(p, len);
	if (total < 0)
		return -1;
	size_t ihl = (size_t)(p[0] & 15) * 4, l4len = (size_t)total - ihl;
	uint16_t frag = load16_be(p + 6);
	int fragmented = (frag & (IP_MF | IP_OFFMASK)) != 0;
	int first = (frag & IP_OFFMASK) == 0;
	uint8_t proto = p[9];
	uint8_t *l4 = p + ihl;
	size_t ulen = 0;

	/* Check everything before changing anything. */
	if (first && proto == IP_PROTO_TCP && !fragmented && l4len < TCP_HDR_MIN)
		return -1;
	if (first && proto == IP_PROTO_UDP) {
		if (l4len < UDP_HDR_LEN)
			return -1;
		ulen = load16_be(l4 + 4);
		if (!fragmented && (ulen < UDP_HDR_LEN || ulen > l4len))
			return -1;
	}

	if (cs)
		memset(cs, 0, sizeof *cs);
	store32_be(p + 12, src);
	store32_be(p + 16, dst);
	ipv4_fix_header(p, ihl);
	if (!first)
		return total;
	if (proto == IP_PROTO_UDP) {
		l4[6] = l4[7] = 0;
		if (fragmented)
			return total;
		if (cs && ulen == l4len) {
			/* the kernel sums from start to the end of the packet */
			store16_be(l4 + 6, pseudo_only(p, IP_PROTO_UDP, ulen));
			cs->partial = 1;
			cs->start = (uint16_t)ihl;
			cs->offset = 6;
			return total;
		}
		uint16_t c = csum_fold(csum_partial(l4, ulen, pseudo4(p, IP_PROTO_UDP, ulen)));
		store16_be(l4 + 6, c == 0 ? 0xffff : c);
	} else if (proto == IP_PROTO_TCP && !fragmented) {
		l4[16] = l4[17] = 0;
		if (cs) {
			store16_be(l4 + 16, pseudo_only(p, IP_PROTO_TCP, l4len));
			cs->partial = 1;
			cs->start = (uint16_t)ihl;
			cs->offset = 16;
			return total;
		}
		store16_be(l4 + 16, csum_fold(csum_partial(l4, l4len, pseudo4(p, IP_PROTO_TCP, l4len))));
	}
	/* ICMP's checksum does not cover the addresses: nothing to do. */
	return total;
}

/* An ICMP error of type/code (word: the second 32-bit word, RFC 1191's
 * next-hop MTU for "fragmentation needed") about orig, from `from`. */
static int icmp4_error(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, uint32_t from,
                       uint8_t type, uint8_t code, uint32_t word)
{
	int total = ipv4_check(orig, origlen);
	if (total < 0)
		return -1;
	size_t ihl = (size_t)(orig[0] & 15) * 4;
	if (load16_be(orig + 6) & IP_OFFMASK)
		return -1;                          /* only the first fragment gets an answer */
	if (orig[9] == 1 && (size_t)total >= ihl + 1 && orig[ihl] != 0 && orig[ihl] != 8)
		return -1;                          /* never an error about an error */
	/* never about a packet to a multicast or broadcast address, nor to a
	 * source that cannot be answered (RFC 1122 3.2.2) */
	uint32_t s = load32_be(orig + 12), d = load32_be(orig + 16);
	if ((d >> 28) == 14 || d == 0xffffffffu || (s >> 24) == 0 || (s >> 24) == 127 || (s >> 28) >= 14)
		return -1;
	size_t quote = ihl + 8 <= (size_t)total ? ihl + 8 : (size_t)total;
	size_t len = 20 + 8 + quote;
	if (cap < len)
		return -1;
	memset(out, 0, 28);
	out[0] = 0x45;
	store16_be(out + 2, (uint16_t)len);
	out[8] = 64;
	out[9] = 1;
	store32_be(out + 12, from);
	memcpy(out + 16, orig + 12, 4);     /* to the packet's sender */
	ipv4_fix_header(out, 20);
	out[20] = type;
	out[21] = code;
	store32_be(out + 24, word);
	memcpy(out + 28, orig, quote);
	store16_be(out + 22, csum_fold(csum_partial(out + 20, 8 + quote, 0)));
	return (int)len;
}

int icmp_host_unreachable(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, uint32_t from)
{
	return icmp4_error(out, cap, orig, origlen, from, 3, 1, 0);   /* destination unreachable: host */
}

int icmp_frag_needed(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, uint32_t from, uint16_t mtu)
{
	return icmp4_error(out, cap, orig, origlen, from, 3, 4, mtu);  /* fragmentation needed and DF set */
}

int udppkt_parse(struct udppkt *u, const uint8_t *pkt, size_t len)
{
	size_t l4, l4len;

	if (len < 1)
		return -1;
	if ((pkt[0] >> 4) == 4) {
		int total = ipv4_check(pkt, len);
		if (total < 0 || pkt[9] != IP_PROTO_UDP)
			return -1;
		if (load16_be(pkt + 6) & (IP_MF | IP_OFFMASK))
			return -1;
		l4 = (size_t)(pkt[0] & 15) * 4;
		l4len = (size_t)total - l4;
		u->family = 4;
	} else if ((pkt[0] >> 4) == 6) {
		if (len < IPV6_HDR_LEN || pkt[6] != IP_PROTO_UDP)
			return -1;
		l4len = load16_be(pkt + 4);
		if (l4len > len - IPV6_HDR_LEN)
			return -1;
		l4 = IPV6_HDR_LEN;
		u->family = 6;
	} else {
		return -1;
	}
	if (l4len < UDP_HDR_LEN)
		return -1;
	size_t ulen = load16_be(pkt + l4 + 4);
	if (ulen < UDP_HDR_LEN || ulen > l4len)
		return -1;
	u->l4_off = l4;
	u->sport = load16_be(pkt + l4);
	u->dport = load16_be(pkt + l4 + 2);
	u->payload = pkt + l4 + UDP_HDR_LEN;
	u->payload_len = ulen - UDP_HDR_LEN;
	return 0;
}

int udppkt_rebuild(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len,
                   const struct udppkt *u, const uint8_t *payload, size_t plen)
{
	size_t hdrs = u->l4_off + UDP_HDR_LEN, total = hdrs + plen;
	size_t ulen = UDP_HDR_LEN + plen;
	uint32_t sum;

	if (u->family != 4 && u->family != 6)
		return -1;
	if (hdrs > len || total > cap || ulen > 0xffff)
		return -1;
	if (u->family == 4 && (u->l4_off < 20 || total > 0xffff))
		return -1;
	if (u->family == 6 && u->l4_off != IPV6_HDR_LEN)
		return -1;
	memmove(out + hdrs, payload, plen);      /* payload may live in out */
	memmove(out, pkt, hdrs);
	uint8_t *udp = out + u->l4_off;
	store16_be(udp + 4, (uint16_t)ulen);
	udp[6] = udp[7] = 0;
	if (u->family == 4) {
		store16_be(out + 2, (uint16_t)total);
		ipv4_fix_header(out, u->l4_off);
		sum = pseudo4(out, IP_PROTO_UDP, ulen);
	} else {
		store16_be(out + 4, (uint16_t)ulen);
		sum = csum_partial(out + 8, 32, IP_PROTO_UDP + (uint32_t)ulen);
	}
	uint16_t c = csum_fold(csum_partial(udp, ulen, sum));
	store16_be(udp + 6, c == 0 ? 0xffff : c);
	return (int)total;
}

/* Inner IPv6 packets (see ipv6.h).  As for IPv4, the receiver trusts
 * neither the plaintext's addresses nor its checksums: the L4 checksum is
 * computed from scratch over the new pseudo-header.  Extension headers are
 * refused rather than walked: without them the L4 header is at a fixed
 * place, and fragments (whose L4 checksum cannot be computed) never get
 * here. */
#include <arpa/inet.h>
#include <string.h>

#include "common.h"
#include "proto/ipv6.h"

#define NH_TCP 6
#define NH_UDP 17
#define NH_ICMPV6 58
#define UDP_HDR_LEN 8
#define TCP_HDR_MIN 20
#define ICMPV6_MIN 4

int ipv6_check(const uint8_t *p, size_t len)
{
	if (len < IPV6_HDR_LEN || (p[0] >> 4) != 6)
		return -1;
	size_t plen = load16_be(p + 4);
	if (plen == 0 || plen > len - IPV6_HDR_LEN)
		return -1;
	return (int)(IPV6_HDR_LEN + plen);
}

/* Sum of the pseudo-header: source, destination, upper-layer length (32
 * bits), three zero bytes and the next header. */
static uint32_t pseudo6(const uint8_t *ip, uint8_t nh, size_t l4len)
{
	return csum_partial(ip + 8, 32, (uint32_t)nh + (uint32_t)l4len);
}

static uint16_t pseudo_only(const uint8_t *ip, uint8_t nh, size_t l4len)
{
	uint32_t s = pseudo6(ip, nh, l4len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

int ipv6_readdress(uint8_t *p, size_t len, const uint8_t src[16], const uint8_t dst[16], struct l4csum *cs)
{
	int total = ipv6_check(p, len);
	if (total < 0)
		return -1;
	size_t l4len = (size_t)total - IPV6_HDR_LEN;
	uint8_t nh = p[6];
	uint8_t *l4 = p + IPV6_HDR_LEN;
	size_t off;

	/* Check everything before changing anything. */
	switch (nh) {
	case NH_TCP:
		if (l4len < TCP_HDR_MIN || (size_t)(l4[12] >> 4) * 4 < TCP_HDR_MIN || (size_t)(l4[12] >> 4) * 4 > l4len)
			return -1;
		off = 16;
		break;
	case NH_UDP:
		if (l4len < UDP_HDR_LEN || load16_be(l4 + 4) != l4len)
			return -1;
		off = 6;
		break;
	case NH_ICMPV6:
		if (l4len < ICMPV6_MIN)
			return -1;
		off = 2;
		break;
	default:
		return -1;
	}

	if (cs)
		memset(cs, 0, sizeof *cs);
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	l4[off] = l4[off + 1] = 0;
	if (cs && nh != NH_ICMPV6) {
		store16_be(l4 + off, pseudo_only(p, nh, l4len));
		cs->partial = 1;
		cs->start = IPV6_HDR_LEN;
		cs->offset = (uint16_t)off;
		return total;
	}
	uint16_t c = csum_fold(csum_partial(l4, l4len, pseudo6(p, nh, l4len)));
	if (nh == NH_UDP && c == 0)
		c = 0xffff;
	store16_be(l4 + off, c);
	return total;
}

void ipv6_inner_addr(uint8_t out[16], const uint8_t prefix[INNER6_PREFIX_BYTES], uint32_t host)
{
	memcpy(out, prefix, INNER6_PREFIX_BYTES);
	memset(out + INNER6_PREFIX_BYTES, 0, 4);
	store32_be(out + 12, host);
}

int ipv6_inner_host(const uint8_t addr[16], const uint8_t prefix[INNER6_PREFIX_BYTES], uint32_t *host)
{
	static const uint8_t zero[4];
	if (memcmp(addr, prefix, INNER6_PREFIX_BYTES) || memcmp(addr + INNER6_PREFIX_BYTES, zero, 4))
		return -1;
	*host = load32_be(addr + 12);
	return 0;
}

int ipv6_inner_prefix_parse(const char *text, uint8_t prefix[INNER6_PREFIX_BYTES])
{
	static const uint8_t zero[8];
	char buf[INET6_ADDRSTRLEN + 4];
	uint8_t a[16];
	size_t n = strlen(text);

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, text, n + 1);
	if (n > 3 && !strcmp(buf + n - 3, "/64"))
		buf[n - 3] = 0;
	if (inet_pton(AF_INET6, buf, a) != 1 || (a[0] & 0xfe) != 0xfc || memcmp(a + 8, zero, 8))
		return -1;
	memcpy(prefix, a, INNER6_PREFIX_BYTES);
	return 0;
}

int ipv6_upper_proto(const uint8_t *p, size_t len)
{
	if (len < IPV6_HDR_LEN || (p[0] >> 4) != 6)
		return -1;
	size_t off = IPV6_HDR_LEN;
	uint8_t nh = p[6];
	for (int i = 0; i < 8; i++) {
		if (nh != 0 && nh != 43 && nh != 44 && nh != 60)
			return nh;
		if (off + 8 > len)
			return -1;
		size_t hl = nh == 44 ? 8 : 8 + 8 * (size_t)p[off + 1];
		if (off + hl > len)
			return -1;
		nh = p[off];
		off += hl;
	}
	return -1;
}

/* Inner IPv6 re-addressing (proto/ipv6.c): checksums against values
 * computed independently (Python, RFC 8200 §8.1 pseudo-header), the
 * partial-checksum form for a virtio-net TUN, and every refusal leaving the
 * packet untouched. */
#include "check.h"
#include "common.h"
#include "proto/ipv6.h"

static const uint8_t SRC[16] = { 0xfd, 0x43, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };   /* fd43:1::2 */
static const uint8_t DST[16] = { 0xfd, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };   /* fd42::1 */

/* An IPv6 header with garbage addresses, next header nh, and l4 */
static size_t pkt(uint8_t *p, uint8_t nh, const uint8_t *l4, size_t n)
{
	memset(p, 0, IPV6_HDR_LEN);
	p[0] = 0x60;
	store16_be(p + 4, (uint16_t)n);
	p[6] = nh;
	p[7] = 64;
	memset(p + 8, 0xaa, 32);
	memcpy(p + IPV6_HDR_LEN, l4, n);
	return IPV6_HDR_LEN + n;
}

static int refused(uint8_t *p, size_t len)
{
	uint8_t before[256];
	memcpy(before, p, len);
	return ipv6_readdress(p, len, SRC, DST, NULL) == -1 && !memcmp(before, p, len);
}

int main(void)
{
	uint8_t p[256];
	struct l4csum cs;
	static const uint8_t udp[] = { 0x04, 0xd2, 0, 53, 0, 11, 0x12, 0x34, 'a', 'b', 'c' };
	static const uint8_t tcp[] = { 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0x55, 0x55, 0, 0 };
	static const uint8_t icmp[] = { 128, 0, 0x77, 0x77, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g' };

	size_t n = pkt(p, 17, udp, sizeof udp);
	CHECK(ipv6_check(p, n) == (int)n && ipv6_check(p, n + 5) == (int)n && ipv6_check(p, n - 1) == -1);
	CHECK(ipv6_readdress(p, n, SRC, DST, NULL) == (int)n);
	CHECK(!memcmp(p + 8, SRC, 16) && !memcmp(p + 24, DST, 16));
	CHECK_MSG(load16_be(p + IPV6_HDR_LEN + 6) == 0x3be4, "UDP checksum as computed independently");
	n = pkt(p, 6, tcp, sizeof tcp);
	CHECK(ipv6_readdress(p, n, SRC, DST, NULL) == (int)n && load16_be(p + IPV6_HDR_LEN + 16) == 0x18c7);
	n = pkt(p, 58, icmp, sizeof icmp);
	CHECK(ipv6_readdress(p, n, SRC, DST, &cs) == (int)n && load16_be(p + IPV6_HDR_LEN + 2) == 0x9428);
	CHECK_MSG(!cs.partial, "ICMPv6 is always computed whole");

	/* partial: the field holds the pseudo-header sum; summing from start
	 * over the segment and folding gives the full checksum */
	n = pkt(p, 6, tcp, sizeof tcp);
	CHECK(ipv6_readdress(p, n, SRC, DST, &cs) == (int)n);
	CHECK(cs.partial && cs.start == 40 && cs.offset == 16);
	CHECK(csum_fold(csum_partial(p + cs.start, n - cs.start, 0)) == 0x18c7);
	n = pkt(p, 17, udp, sizeof udp);
	CHECK(ipv6_readdress(p, n, SRC, DST, &cs) == (int)n && cs.partial && cs.offset == 6);
	CHECK(csum_fold(csum_partial(p + cs.start, n - cs.start, 0)) == 0x3be4);

	/* a UDP checksum that comes out 0 is sent as 0xffff: find a payload for it */
	int found = 0;
	for (unsigned v = 0; v < 65536 && !found; v++) {
		uint8_t u[10] = { 0x04, 0xd2, 0, 53, 0, 10, 0, 0, (uint8_t)(v >> 8), (uint8_t)v };
		n = pkt(p, 17, u, sizeof u);
		memcpy(p + 8, SRC, 16);
		memcpy(p + 24, DST, 16);
		if (csum_fold(csum_partial(p + 40, 10, csum_partial(p + 8, 32, 17 + 10))) == 0) {
			found = 1;
			CHECK(ipv6_readdress(p, n, SRC, DST, NULL) == (int)n && load16_be(p + 46) == 0xffff);
		}
	}
	CHECK_MSG(found, "a UDP datagram whose checksum is 0 exists");

	/* refusals, untouched */
	n = pkt(p, 17, udp, sizeof udp);
	p[0] = 0x45;
	CHECK(refused(p, n));
	n = pkt(p, 17, udp, sizeof udp);
	store16_be(p + 4, 0);                    /* jumbogram */
	CHECK(refused(p, n));
	n = pkt(p, 17, udp, sizeof udp);
	CHECK(refused(p, n - 1));                /* payload length beyond the buffer */
	n = pkt(p, 17, udp, sizeof udp);
	store16_be(p + IPV6_HDR_LEN + 4, 12);    /* UDP length longer than the payload */
	CHECK(refused(p, n));
	store16_be(p + IPV6_HDR_LEN + 4, 7);
	CHECK(refused(p, n));
	n = pkt(p, 17, udp, 7);                  /* shorter than a UDP header */
	CHECK(refused(p, n));
	n = pkt(p, 6, tcp, 19);
	CHECK(refused(p, n));
	n = pkt(p, 6, tcp, sizeof tcp);
	p[IPV6_HDR_LEN + 12] = 0x60;             /* data offset 24 > 20 */
	CHECK(refused(p, n));
	p[IPV6_HDR_LEN + 12] = 0x40;             /* data offset 16 < 20 */
	CHECK(refused(p, n));
	n = pkt(p, 58, icmp, 3);
	CHECK(refused(p, n));
	n = pkt(p, 44, udp, sizeof udp);         /* fragment header */
	CHECK(refused(p, n));
	n = pkt(p, 0, udp, sizeof udp);          /* hop-by-hop options */
	CHECK(refused(p, n));
	CHECK(refused(p, 39));

	/* internal addresses: prefix::<host number>, and back */
	uint8_t pre[INNER6_PREFIX_BYTES], a6[16];
	uint32_t host;
	CHECK(ipv6_inner_prefix_parse("fd43::", pre) == 0 && pre[0] == 0xfd && pre[1] == 0x43 && all_zero(pre + 2, 6));
	CHECK(ipv6_inner_prefix_parse("fd42:0:0:7::/64", pre) == 0 && pre[7] == 7);
	CHECK_MSG(ipv6_inner_prefix_parse("2001:db8::", pre) == -1, "not a ULA");
	CHECK_MSG(ipv6_inner_prefix_parse("fd42::1", pre) == -1, "interface id not zero");
	CHECK(ipv6_inner_prefix_parse("fd42::/48", pre) == -1 && ipv6_inner_prefix_parse("", pre) == -1);
	CHECK(ipv6_inner_prefix_parse("fc00::/64", pre) == 0);
	CHECK(ipv6_inner_prefix_parse("fd43::", pre) == 0);
	ipv6_inner_addr(a6, pre, 0x0102);
	CHECK(!memcmp(a6, pre, 8) && all_zero(a6 + 8, 6) && a6[14] == 1 && a6[15] == 2);
	CHECK(ipv6_inner_host(a6, pre, &host) == 0 && host == 0x0102);
	a6[9] = 1;
	CHECK_MSG(ipv6_inner_host(a6, pre, &host) == -1, "bits 64..95 must be zero");
	a6[9] = 0, a6[1] = 0x42;
	CHECK_MSG(ipv6_inner_host(a6, pre, &host) == -1, "another prefix");
	/* the upper-layer protocol past extension headers */
	{
		uint8_t x[128];
		memset(x, 0, sizeof x);
		x[0] = 0x60;
		x[6] = 17;
		CHECK(ipv6_upper_proto(x, 48) == 17);
		x[6] = 60;              /* destination options, 8 bytes, then TCP */
		x[40] = 6;
		x[41] = 0;
		CHECK_MSG(ipv6_upper_proto(x, 68) == 6, "TCP behind destination options");
		x[41] = 10;             /* 88 bytes: past the packet */
		CHECK_MSG(ipv6_upper_proto(x, 68) == -1, "an extension header past the packet");
		x[41] = 0;
		x[40] = 44;             /* then a fragment header, then UDP */
		x[48] = 17;
		CHECK(ipv6_upper_proto(x, 64) == 17);
		for (int i = 0; i < 10; i++)
			x[40 + 8 * i] = 60, x[41 + 8 * i] = 0;
		CHECK_MSG(ipv6_upper_proto(x, 128) == -1, "more than 8 extension headers: cannot be told");
		CHECK(ipv6_upper_proto(x, 39) == -1);
	}
	return check_done();
}

/* ICMPv6 errors about inner IPv6 packets (proto/icmp6.c): addresses,
 * type/code/parameter, the checksum over the pseudo-header, the quote
 * bounded by 1280 bytes, and no error about an error, a multicast or
 * unspecified address, or a packet with extension headers. */
#include "check.h"
#include "common.h"
#include "proto/icmp6.h"
#include "proto/ipv4.h"
#include "proto/ipv6.h"

static const uint8_t SRC[16] = { 0xfd, 0x43, 0x70, 0x71, 0, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t DST[16] = { 0xfd, 0x43, 0x70, 0x71, 0, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

static size_t build(uint8_t *p, uint8_t nh, size_t l4len)
{
	memset(p, 0, IPV6_HDR_LEN);
	p[0] = 0x60;
	store16_be(p + 4, (uint16_t)l4len);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, SRC, 16);
	memcpy(p + 24, DST, 16);
	for (size_t i = 0; i < l4len; i++)
		p[IPV6_HDR_LEN + i] = (uint8_t)(i + 3);
	if (nh == 17)
		store16_be(p + IPV6_HDR_LEN + 4, (uint16_t)l4len);
	return IPV6_HDR_LEN + l4len;
}

static int sum_ok(const uint8_t *m, size_t n)
{
	size_t l4 = n - IPV6_HDR_LEN;
	return csum_fold(csum_partial(m + IPV6_HDR_LEN, l4, csum_partial(m + 8, 32, 58u + (uint32_t)l4))) == 0;
}

int main(void)
{
	static uint8_t p[2000], out[1400];
	size_t n = build(p, 17, 100);

	int r = icmp6_error(out, sizeof out, p, n, DST, ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0);
	CHECK(r == (int)(IPV6_HDR_LEN + 8 + n));
	CHECK(ipv6_check(out, (size_t)r) == r && out[6] == 58 && out[7] == 64);
	CHECK_MSG(!memcmp(out + 8, DST, 16) && !memcmp(out + 24, SRC, 16), "from the destination to the sender");
	CHECK(out[40] == 1 && out[41] == 3 && load16_be(out + 44) == 0 && load16_be(out + 46) == 0);
	CHECK_MSG(sum_ok(out, (size_t)r), "checksum over the pseudo-header");
	CHECK(!memcmp(out + 48, p, n));

	/* packet too big: the MTU in the parameter, the quote bounded by 1280 */
	n = build(p, 6, 1400);
	r = icmp6_error(out, sizeof out, p, n, DST, ICMP6_PACKET_TOO_BIG, 0, 1280);
	CHECK_MSG(r == ICMP6_ERROR_MAX, "the error fits IPv6's minimum MTU");
	CHECK(out[40] == 2 && out[41] == 0 && load16_be(out + 46) == 1280 && load16_be(out + 4) == 1240);
	CHECK(sum_ok(out, (size_t)r) && !memcmp(out + 48, p, 1232));
	r = icmp6_error(out, 200, p, n, DST, ICMP6_PACKET_TOO_BIG, 0, 1280);
	CHECK_MSG(r == 200 && sum_ok(out, 200), "the quote bounded by the capacity");
	CHECK(icmp6_error(out, 48, p, n, DST, 1, 0, 0) == -1);

	/* an echo request is answered, an error is not */
	n = build(p, 58, 16);
	p[40] = 128;
	CHECK(icmp6_error(out, sizeof out, p, n, DST, 1, 3, 0) > 0);
	p[40] = 1;
	CHECK_MSG(icmp6_error(out, sizeof out, p, n, DST, 1, 3, 0) == -1, "never about an error");
	p[40] = 135;                         /* neighbour solicitation (informational): answered only if unicast */
	p[24] = 0xff;
	CHECK_MSG(icmp6_error(out, sizeof out, p, n, DST, 1, 3, 0) == -1, "never about a multicast destination");
	n = build(p, 17, 20);
	memset(p + 8, 0, 16);
	CHECK_MSG(icmp6_error(out, sizeof out, p, n, DST, 1, 3, 0) == -1, "never to the unspecified address");
	n = build(p, 17, 20);
	p[8] = 0xff;
	CHECK_MSG(icmp6_error(out, sizeof out, p, n, DST, 1, 3, 0) == -1, "never to a multicast source");
	n = build(p, 44, 20);
	CHECK_MSG(icmp6_error(out, sizeof out, p, n, DST, 1, 3, 0) == -1, "not behind extension headers");
	n = build(p, 17, 20);
	CHECK_MSG(icmp6_error(out, sizeof out, p, n - 1, DST, 1, 3, 0) == -1, "truncated");
	return check_done();
}

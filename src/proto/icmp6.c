/* ICMPv6 errors (see icmp6.h). */
#include <string.h>
#include "common.h"
#include "proto/icmp6.h"
#include "proto/ipv4.h"
#include "proto/ipv6.h"

#define NH_TCP 6
#define NH_UDP 17
#define NH_ICMPV6 58
#define ICMP6_HDR_LEN 8

static int is_multicast(const uint8_t *a) { return a[0] == 0xff; }

static int is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}

int icmp6_error(uint8_t *out, size_t cap, const uint8_t *orig, size_t origlen, const uint8_t from[16],
                uint8_t type, uint8_t code, uint32_t param)
{
	int total = ipv6_check(orig, origlen);
	if (total < 0)
		return -1;
	uint8_t nh = orig[6];
	if (nh != NH_TCP && nh != NH_UDP && nh != NH_ICMPV6)
		return -1;
	if (nh == NH_ICMPV6 && ((size_t)total < IPV6_HDR_LEN + 1 || orig[IPV6_HDR_LEN] < 128))
		return -1;                       /* never an error about an error */
	if (is_multicast(orig + 8) || is_unspecified(orig + 8) || is_multicast(orig + 24) || is_multicast(from))
		return -1;
	size_t quote = (size_t)total;
	if (quote > ICMP6_ERROR_MAX - IPV6_HDR_LEN - ICMP6_HDR_LEN)
		quote = ICMP6_ERROR_MAX - IPV6_HDR_LEN - ICMP6_HDR_LEN;
	if (cap < IPV6_HDR_LEN + ICMP6_HDR_LEN + 1)
		return -1;
	if (quote > cap - IPV6_HDR_LEN - ICMP6_HDR_LEN)
		quote = cap - IPV6_HDR_LEN - ICMP6_HDR_LEN;
	size_t l4len = ICMP6_HDR_LEN + quote;

	memset(out, 0, IPV6_HDR_LEN + ICMP6_HDR_LEN);
	out[0] = 0x60;
	store16_be(out + 4, (uint16_t)l4len);
	out[6] = NH_ICMPV6;
	out[7] = 64;
	memcpy(out + 8, from, 16);
	memcpy(out + 24, orig + 8, 16);     /* to the packet's sender */
	uint8_t *m = out + IPV6_HDR_LEN;
	m[0] = type;
	m[1] = code;
	store32_be(m + 4, param);
	memmove(m + ICMP6_HDR_LEN, orig, quote);
	/* pseudo-header: addresses, upper-layer length, next header */
	uint32_t sum = csum_partial(out + 8, 32, (uint32_t)NH_ICMPV6 + (uint32_t)l4len);
	store16_be(m + 2, csum_fold(csum_partial(m, l4len, sum)));
	return (int)(IPV6_HDR_LEN + l4len);
}

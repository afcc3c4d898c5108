/* ICMP and ICMPv6 errors into the TUN (see tunerr.h). */
#include <string.h>
#include "io/tunerr.h"
#include "proto/icmp6.h"
#include "proto/ipv4.h"
#include "proto/ipv6.h"

void tunerr_init(struct rl_one *rl) { ratelimit_one_init(rl, TUNERR_RATE, TUNERR_BURST); }

int tunerr_frag_needed(struct tunio *t, struct rl_one *rl, const uint8_t *pkt, size_t n, uint16_t mtu, uint64_t now)
{
	uint8_t icmp[20 + 8 + 60 + 8];
	int len = icmp_frag_needed(icmp, sizeof icmp, pkt, n, ipv4_dst(pkt), mtu);
	if (len < 0)
		return 0;
	if (!ratelimit_one_allow(rl, now))
		return -1;
	return tunio_deliver(t, icmp, (size_t)len, ipv4_dst(pkt), ipv4_src(pkt)) == 0 ? 1 : -2;
}

int tunerr_icmp6(struct tunio *t, struct rl_one *rl, const uint8_t *pkt, size_t n, uint8_t type, uint8_t code,
                 uint32_t param, uint64_t now)
{
	uint8_t icmp[ICMP6_ERROR_MAX];
	uint8_t src[16], dst[16];
	int len = icmp6_error(icmp, sizeof icmp, pkt, n, pkt + 24, type, code, param);
	if (len < 0)
		return 0;
	if (!ratelimit_one_allow(rl, now))
		return -1;
	memcpy(src, pkt + 24, 16);
	memcpy(dst, pkt + 8, 16);
	return tunio_deliver6(t, icmp, (size_t)len, src, dst) == 0 ? 1 : -2;
}

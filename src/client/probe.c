/* Probe packets (see probe.h). */
#include <string.h>
#include "common.h"
#include "client/probe.h"
#include "proto/ipv4.h"

#define PROBE_MAGIC "pqcprobe"

int probe_build(uint8_t *out, size_t cap, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, uint64_t now)
{
	if (cap < PROBE_LEN)
		return -1;
	memset(out, 0, PROBE_LEN);
	out[0] = 0x45;
	store16_be(out + 2, PROBE_LEN);
	store16_be(out + 4, seq);
	out[6] = 0x40;                  /* DF */
	out[8] = 64;                    /* TTL */
	out[9] = 1;                     /* ICMP */
	store32_be(out + 12, src);
	store32_be(out + 16, dst);
	store16_be(out + 10, csum_fold(csum_partial(out, 20, 0)));
	uint8_t *icmp = out + 20;
	icmp[0] = 8;                    /* echo request */
	store16_be(icmp + 4, id);
	store16_be(icmp + 6, seq);
	memcpy(icmp + 8, PROBE_MAGIC, 8);
	memcpy(icmp + 16, &now, 8);
	store16_be(icmp + 2, csum_fold(csum_partial(icmp, 24, 0)));
	return PROBE_LEN;
}

int probe_match(const uint8_t *pkt, size_t len, uint16_t id, uint16_t *seq)
{
	if (len < 20 || (pkt[0] >> 4) != 4)
		return 0;
	size_t ihl = (size_t)(pkt[0] & 15) * 4;
	if (pkt[9] != 1 || ihl < 20 || len < ihl + 16)
		return 0;
	const uint8_t *icmp = pkt + ihl;
	if (icmp[0] != 0 || load16_be(icmp + 4) != id || memcmp(icmp + 8, PROBE_MAGIC, 8))
		return 0;
	*seq = load16_be(icmp + 6);
	return 1;
}

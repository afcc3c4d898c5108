/* IPv4 fragmentation (see ipv4frag.h). */
#include <string.h>
#include "common.h"
#include "proto/ipv4.h"
#include "proto/ipv4frag.h"

#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define OPT_END 0
#define OPT_NOP 1

int ipv4_df(const uint8_t *pkt) { return (load16_be(pkt + 6) & IP_DF) != 0; }

/* The options of a later fragment: those without the copy bit become NOPs.
 * 0, or -1 if the options are malformed. */
static int later_options(uint8_t *opt, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t t = opt[i];
		if (t == OPT_END)
			return 0;
		if (t == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || opt[i + 1] > n - i)
			return -1;
		size_t ol = opt[i + 1];
		if (!(t & 0x80))
			memset(opt + i, OPT_NOP, ol);
		i += ol;
	}
	return 0;
}

static void fix_header(uint8_t *p, size_t ihl)
{
	p[10] = p[11] = 0;
	store16_be(p + 10, csum_fold(csum_partial(p, ihl, 0)));
}

int ipv4_fragment(const uint8_t *pkt, size_t len, size_t mtu, uint8_t *frag, size_t cap,
                  int (*cb)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	int total = ipv4_check(pkt, len);
	if (total < 0 || ipv4_df(pkt) || cap < mtu)
		return -1;
	size_t ihl = (size_t)(pkt[0] & 15) * 4;
	if (mtu < ihl + 8)
		return -1;
	size_t step = (mtu - ihl) & ~(size_t)7;
	size_t data = (size_t)total - ihl;
	if (data == 0)
		return -1;                          /* nothing to cut */
	uint16_t flags = load16_be(pkt + 6);
	size_t base = (size_t)(flags & IP_OFFMASK) * 8;
	int orig_mf = (flags & IP_MF) != 0;
	uint8_t later[60];

	if (base + data > 65536)        /* every offset must fit 13 bits */
		return -1;
	memcpy(later, pkt, ihl);
	if (later_options(later + 20, ihl - 20) < 0)
		return -1;
	int count = 0;
	for (size_t off = 0; off < data; off += step) {
		size_t n = data - off < step ? data - off : step;
		int last = off + n == data;
		memcpy(frag, off == 0 ? pkt : later, ihl);
		memcpy(frag + ihl, pkt + ihl + off, n);
		store16_be(frag + 2, (uint16_t)(ihl + n));
		store16_be(frag + 6, (uint16_t)((flags & ~(IP_MF | IP_OFFMASK)) | (last && !orig_mf ? 0 : IP_MF) |
		                                ((base + off) / 8)));
		fix_header(frag, ihl);
		count++;
		if (cb(arg, frag, ihl + n))
			break;
	}
	return count;
}

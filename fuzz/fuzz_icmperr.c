/* icmperr: the errors about inner packets and the IPv4 fragmentation to
 * the IPv4 MTU (proto/icmp6.c, proto/ipv4frag.c, icmp_frag_needed).  The
 * first input byte picks the MTU; the rest is the packet.  Fragments are
 * well formed, no longer than the MTU, their header checksums verify and
 * their data put together is the packet's; errors are well formed, at most
 * 1280 bytes, and their checksums verify. */
#include <string.h>

#include "fuzz.h"
#include "common.h"
#include "proto/icmp6.h"
#include "proto/ipv4.h"
#include "proto/ipv4frag.h"
#include "proto/ipv6.h"

static uint8_t joined[70000];
static size_t next_off, ihl_first;

static int check_frag(void *arg, const uint8_t *p, size_t n)
{
	size_t mtu = *(const size_t *)arg;
	FUZZ_ASSERT(n <= mtu && ipv4_check(p, n) == (int)n);
	size_t ihl = (size_t)(p[0] & 15) * 4;
	FUZZ_ASSERT(ihl == ihl_first && csum_fold(csum_partial(p, ihl, 0)) == 0);
	size_t off = (size_t)(load16_be(p + 6) & 0x1fff) * 8;
	FUZZ_ASSERT(off == next_off && off + (n - ihl) <= sizeof joined);
	memcpy(joined + off, p + ihl, n - ihl);
	next_off = off + (n - ihl);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frag[2048], out[2048];
	static const uint8_t from[16] = { 0xfd, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	if (size < 1 || size > 4000)
		return 0;
	size_t mtu = 28 + (size_t)data[0] * 8;
	const uint8_t *pkt = data + 1;
	size_t len = size - 1;

	int total = ipv4_check(pkt, len);
	if (total >= 0) {
		size_t ihl = (size_t)(pkt[0] & 15) * 4;
		size_t base = (size_t)(load16_be(pkt + 6) & 0x1fff) * 8;
		ihl_first = ihl;
		next_off = base;
		int n = ipv4_fragment(pkt, len, mtu, frag, sizeof frag, check_frag, &mtu);
		FUZZ_ASSERT(n != 0);
		if (n > 0) {
			FUZZ_ASSERT(!ipv4_df(pkt) && next_off == base + ((size_t)total - ihl));
			FUZZ_ASSERT(memcmp(joined + base, pkt + ihl, (size_t)total - ihl) == 0);
		}
		int r = icmp_frag_needed(out, sizeof out, pkt, len, 0x0a2b0002, 1200);
		if (r > 0) {
			FUZZ_ASSERT(ipv4_check(out, (size_t)r) == r && r <= 20 + 8 + 60 + 8);
			FUZZ_ASSERT(csum_fold(csum_partial(out + 20, (size_t)r - 20, 0)) == 0);
		}
	}
	if (ipv6_check(pkt, len) >= 0) {
		int r = icmp6_error(out, sizeof out, pkt, len, from, ICMP6_PACKET_TOO_BIG, 0, 1280);
		if (r > 0) {
			FUZZ_ASSERT(r <= ICMP6_ERROR_MAX && ipv6_check(out, (size_t)r) == r);
			size_t l4 = (size_t)r - IPV6_HDR_LEN;
			FUZZ_ASSERT(csum_fold(csum_partial(out + IPV6_HDR_LEN, l4, csum_partial(out + 8, 32, 58u + (uint32_t)l4))) == 0);
			FUZZ_ASSERT(!memcmp(out + 24, pkt + 8, 16) && !memcmp(out + 8, from, 16));
		}
	}
	return 0;
}

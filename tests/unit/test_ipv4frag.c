/* IPv4 fragmentation to the IPv4 MTU (proto/ipv4frag.c) and the ICMP
 * "fragmentation needed" that answers a DF packet (proto/ipv4.c):
 * fragment sizes, offsets and flags, header checksums, the data put back
 * together, options without the copy bit, and every refusal giving
 * nothing. */
#include "check.h"
#include "common.h"
#include "proto/ipv4.h"
#include "proto/ipv4frag.h"

struct got {
	int n;
	size_t len[8];
	uint8_t pkt[8][1300];
};

static int collect(void *arg, const uint8_t *p, size_t n)
{
	struct got *g = arg;
	if (g->n < 8 && n <= sizeof g->pkt[0]) {
		memcpy(g->pkt[g->n], p, n);
		g->len[g->n] = n;
	}
	g->n++;
	return 0;
}

/* an IPv4 UDP packet of total bytes with ihl header bytes (options after 20) */
static void build(uint8_t *p, size_t total, size_t ihl, uint16_t frag)
{
	memset(p, 0, ihl);
	p[0] = (uint8_t)(0x40 | (ihl / 4));
	store16_be(p + 2, (uint16_t)total);
	store16_be(p + 4, 0x1234);
	store16_be(p + 6, frag);
	p[8] = 64;
	p[9] = 17;
	store32_be(p + 12, 0x0a2b0001);
	store32_be(p + 16, 0x0a2b0005);
	for (size_t i = ihl; i < total; i++)
		p[i] = (uint8_t)(i * 7);
	p[10] = p[11] = 0;
	store16_be(p + 10, csum_fold(csum_partial(p, ihl, 0)));
}

int main(void)
{
	static uint8_t p[1400], frag[1300];
	static struct got g;

	/* 1250 bytes at MTU 1200: 1176 + 54 data bytes */
	build(p, 1250, 20, 0);
	memset(&g, 0, sizeof g);
	CHECK(ipv4_fragment(p, 1250, 1200, frag, sizeof frag, collect, &g) == 2 && g.n == 2);
	CHECK_MSG(g.len[0] == 1196 && g.len[1] == 20 + 54, "fragment sizes: data a multiple of 8 but the last");
	CHECK(load16_be(g.pkt[0] + 6) == 0x2000 && load16_be(g.pkt[1] + 6) == 1176 / 8);
	CHECK(load16_be(g.pkt[0] + 2) == 1196 && load16_be(g.pkt[1] + 2) == 74);
	CHECK_MSG(csum_fold(csum_partial(g.pkt[0], 20, 0)) == 0 && csum_fold(csum_partial(g.pkt[1], 20, 0)) == 0,
	          "header checksums");
	CHECK(ipv4_check(g.pkt[0], g.len[0]) == (int)g.len[0] && ipv4_check(g.pkt[1], g.len[1]) == (int)g.len[1]);
	CHECK_MSG(!memcmp(g.pkt[0] + 20, p + 20, 1176) && !memcmp(g.pkt[1] + 20, p + 20 + 1176, 54), "data in order");
	CHECK(load16_be(g.pkt[1] + 4) == 0x1234 && g.pkt[1][9] == 17 && ipv4_dst(g.pkt[1]) == 0x0a2b0005);

	/* DF: refused, nothing given */
	build(p, 1250, 20, 0x4000);
	memset(&g, 0, sizeof g);
	CHECK(ipv4_df(p) && ipv4_fragment(p, 1250, 1200, frag, sizeof frag, collect, &g) == -1 && g.n == 0);

	/* a fragment (offset 800, MF) is cut further: offsets add, MF stays on all */
	build(p, 1250, 20, 0x2000 | 100);
	memset(&g, 0, sizeof g);
	CHECK(ipv4_fragment(p, 1250, 1200, frag, sizeof frag, collect, &g) == 2);
	CHECK(load16_be(g.pkt[0] + 6) == (0x2000 | 100) && load16_be(g.pkt[1] + 6) == (0x2000 | (100 + 147)));
	/* the last fragment of a datagram: MF only on the first piece */
	build(p, 1250, 20, 100);
	memset(&g, 0, sizeof g);
	CHECK(ipv4_fragment(p, 1250, 1200, frag, sizeof frag, collect, &g) == 2);
	CHECK(load16_be(g.pkt[0] + 6) == (0x2000 | 100) && load16_be(g.pkt[1] + 6) == 100 + 147);

	/* options: record route (7, no copy bit) becomes NOPs after the first
	 * fragment, loose source route (0x83) stays */
	build(p, 1250, 32, 0);
	p[20] = 7; p[21] = 3; p[22] = 4;
	p[23] = 0x83; p[24] = 7; p[25] = 4; p[26] = 1; p[27] = 2; p[28] = 3; p[29] = 4;
	p[30] = 0; p[31] = 0;
	p[10] = p[11] = 0;
	store16_be(p + 10, csum_fold(csum_partial(p, 32, 0)));
	memset(&g, 0, sizeof g);
	CHECK(ipv4_fragment(p, 1250, 1200, frag, sizeof frag, collect, &g) == 2);
	CHECK_MSG(!memcmp(g.pkt[0] + 20, p + 20, 12), "first fragment: every option");
	CHECK_MSG(g.pkt[1][20] == 1 && g.pkt[1][21] == 1 && g.pkt[1][22] == 1 && !memcmp(g.pkt[1] + 23, p + 23, 7),
	          "later fragment: copied options only");
	CHECK(g.len[0] == 32 + 1168 && csum_fold(csum_partial(g.pkt[1], 32, 0)) == 0);
	p[21] = 40;                          /* an option longer than the header */
	memset(&g, 0, sizeof g);
	CHECK(ipv4_fragment(p, 1250, 1200, frag, sizeof frag, collect, &g) == -1 && g.n == 0);

	/* refusals */
	build(p, 1250, 20, 0);
	CHECK_MSG(ipv4_fragment(p, 1250, 1200, frag, 1000, collect, &g) == -1, "cap below the MTU");
	CHECK_MSG(ipv4_fragment(p, 1250, 27, frag, sizeof frag, collect, &g) == -1, "MTU below header + 8");
	CHECK_MSG(ipv4_fragment(p, 1249, 1200, frag, sizeof frag, collect, &g) == -1, "truncated");

	/* the answer to a DF packet: type 3 code 4, next-hop MTU 1200 */
	{
		uint8_t icmp[96];
		build(p, 1250, 20, 0x4000);
		int n = icmp_frag_needed(icmp, sizeof icmp, p, 1250, 0x0a2b0005, 1200);
		CHECK(n == 20 + 8 + 28 && icmp[9] == 1 && icmp[20] == 3 && icmp[21] == 4);
		CHECK(load16_be(icmp + 24) == 0 && load16_be(icmp + 26) == 1200);
		CHECK(ipv4_src(icmp) == 0x0a2b0005 && ipv4_dst(icmp) == 0x0a2b0001);
		CHECK(csum_fold(csum_partial(icmp + 20, (size_t)n - 20, 0)) == 0 && !memcmp(icmp + 28, p, 28));
	}
	return check_done();
}

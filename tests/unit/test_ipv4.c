/* IPv4 re-addressing and the UDP framing of DNS answers: packets built by
 * hand, checksums verified with an independent one's-complement sum. */
#include "check.h"
#include "common.h"
#include "proto/ipv4.h"

/* Independent one's-complement sum of 16-bit words, folded (not complemented). */
static uint16_t ones(const uint8_t *p, size_t n, uint32_t add)
{
	uint64_t s = add;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (unsigned)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (unsigned)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static int ip_hdr_ok(const uint8_t *p)
{
	return ones(p, (size_t)(p[0] & 15) * 4, 0) == 0xffff;
}

/* L4 checksum over the IPv4 pseudo-header is valid */
static int l4_ok4(const uint8_t *p, size_t l4len)
{
	size_t ihl = (size_t)(p[0] & 15) * 4;
	uint32_t pseudo = ones(p + 12, 8, 0) + p[9] + (uint32_t)l4len;
	return ones(p + ihl, l4len, pseudo) == 0xffff;
}

static int l4_ok6(const uint8_t *p, size_t l4len)
{
	uint32_t pseudo = ones(p + 8, 32, 0) + 17 + (uint32_t)l4len;
	return ones(p + 40, l4len, pseudo) == 0xffff;
}

static size_t mk_ipv4(uint8_t *p, unsigned ihl_words, uint8_t proto, size_t l4len,
                      uint16_t frag, const char *src, const char *dst)
{
	unsigned s[4], d[4];
	size_t ihl = ihl_words * 4u, total = ihl + l4len;
	sscanf(src, "%u.%u.%u.%u", &s[0], &s[1], &s[2], &s[3]);
	sscanf(dst, "%u.%u.%u.%u", &d[0], &d[1], &d[2], &d[3]);
	memset(p, 0, ihl);
	p[0] = (uint8_t)(0x40 | ihl_words);
	p[2] = (uint8_t)(total >> 8); p[3] = (uint8_t)total;
	p[4] = 0x12; p[5] = 0x34;
	p[6] = (uint8_t)(frag >> 8); p[7] = (uint8_t)frag;
	p[8] = 64; p[9] = proto;
	for (int i = 0; i < 4; i++) { p[12 + i] = (uint8_t)s[i]; p[16 + i] = (uint8_t)d[i]; }
	for (size_t i = 20; i < ihl; i++)
		p[i] = i == 20 ? 0x94 : i == 21 ? 0x04 : 0;   /* router alert option */
	/* a deliberately stale header checksum */
	p[10] = 0xde; p[11] = 0xad;
	return total;
}

static void test_csum(void)
{
	uint8_t h[20];
	unhex(h, "4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
	CHECK(csum_fold(csum_partial(h, 20, 0)) == 0xb861);
	/* split sums add up, odd lengths pad with zero */
	CHECK(csum_fold(csum_partial(h + 10, 10, csum_partial(h, 10, 0))) == 0xb861);
	uint8_t odd[3] = { 0x01, 0x02, 0x03 };
	CHECK(csum_fold(csum_partial(odd, 3, 0)) == (uint16_t)~0x0402);
	CHECK(csum_fold(0) == 0xffff);
	CHECK(csum_fold(0x1fffe) == 0x0000);
	/* a long buffer of 0xff: no overflow */
	static uint8_t big[70000];
	memset(big, 0xff, sizeof big);
	CHECK(csum_fold(csum_partial(big, sizeof big, 0xffffffffu)) == 0x0000);
	CHECK(ipv4_check(h, 20) == -1);                /* total 0x73 > 20 */
	CHECK(ipv4_check(h, 0x73) == 0x73);
	CHECK(ipv4_check(h, 0x80) == 0x73);
}

static void test_udp_tcp(void)
{
	uint8_t p[256], copy[256];
	const char *payload = "hello, tunnel";     /* odd length */
	size_t pl = strlen(payload);

	/* UDP as the reference sender leaves it: destination zeroed, stale checksums */
	size_t n = mk_ipv4(p, 5, 17, 8 + pl, 0x4000, "10.43.0.1", "0.0.0.0");
	p[20] = 0x14; p[21] = 0xe9; p[22] = 0; p[23] = 53;
	p[24] = 0; p[25] = (uint8_t)(8 + pl); p[26] = 0x55; p[27] = 0x66;
	memcpy(p + 28, payload, pl);
	CHECK(ipv4_readdress(p, n, 0x0a2a0005, 0x0a2a0001, NULL) >= 0);
	CHECK(ipv4_src(p) == 0x0a2a0005 && ipv4_dst(p) == 0x0a2a0001);
	CHECK(ip_hdr_ok(p));
	CHECK(l4_ok4(p, 8 + pl));
	CHECK(p[8] == 64 && p[4] == 0x12 && p[5] == 0x34 && p[6] == 0x40);
	CHECK(memcmp(p + 28, payload, pl) == 0);
	/* trailing bytes beyond the total length are not covered */
	memcpy(copy, p, n);
	memset(p + n, 0xaa, 8);
	CHECK(ipv4_readdress(p, n + 8, 0x0a2a0006, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && l4_ok4(p, 8 + pl));

	/* a payload that makes the computed UDP checksum 0: sent as ffff */
	n = mk_ipv4(p, 5, 17, 8 + 4, 0, "1.2.3.4", "5.6.7.8");
	p[20] = 0x30; p[21] = 0x39; p[22] = 0; p[23] = 53; p[24] = 0; p[25] = 12;
	p[26] = p[27] = 0; p[28] = p[29] = p[30] = p[31] = 0;
	store16_be(p + 12, 0x0a2a); store16_be(p + 14, 0x0002);
	store16_be(p + 16, 0x0a2a); store16_be(p + 18, 0x0001);
	uint16_t s = ones(p + 12, 8, 17 + 12);
	s = ones(p + 20, 12, s);
	store16_be(p + 30, (uint16_t)(0xffff - s));
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(p[26] == 0xff && p[27] == 0xff);
	CHECK(l4_ok4(p, 12));

	/* TCP, with payload */
	n = mk_ipv4(p, 5, 6, 20 + pl, 0x4000, "10.43.0.1", "0.0.0.0");
	memset(p + 20, 0, 20);
	p[20] = 0x01; p[21] = 0xbb; p[22] = 0xc3; p[23] = 0x50;
	p[32] = 0x50; p[33] = 0x18; p[34] = 0xff; p[35] = 0xff; p[36] = 0x12; p[37] = 0x34;
	memcpy(p + 40, payload, pl);
	CHECK(ipv4_readdress(p, n, 0x0a2a0007, 0xc0000201, NULL) >= 0);
	CHECK(ip_hdr_ok(p));
	CHECK(l4_ok4(p, 20 + pl));
	CHECK(p[36] != 0x12 || p[37] != 0x34);

	/* TCP too short for its header: malformed, untouched */
	n = mk_ipv4(p, 5, 6, 10, 0, "10.43.0.1", "0.0.0.0");
	memcpy(copy, p, n);
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	CHECK(memcmp(copy, p, n) == 0);

	/* ICMP echo: its checksum does not cover the addresses and stays valid */
	n = mk_ipv4(p, 5, 1, 12, 0, "10.43.0.1", "0.0.0.0");
	memset(p + 20, 0, 12);
	p[20] = 8; memcpy(p + 24, "\x00\x01\x00\x02ping", 8);
	store16_be(p + 22, (uint16_t)~ones(p + 20, 12, 0));
	CHECK(ones(p + 20, 12, 0) == 0xffff);
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && ones(p + 20, 12, 0) == 0xffff);

	/* other protocol (GRE): header checksum only, body untouched */
	n = mk_ipv4(p, 5, 47, 8, 0, "10.43.0.1", "0.0.0.0");
	memcpy(p + 20, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && memcmp(p + 20, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
}

static void test_options_fragments(void)
{
	uint8_t p[256], copy[256];

	/* IHL 6 with a router-alert option: UDP header at 24 */
	size_t n = mk_ipv4(p, 6, 17, 8 + 5, 0, "10.43.0.1", "0.0.0.0");
	p[24] = 0x10; p[25] = 0x00; p[26] = 0; p[27] = 53; p[28] = 0; p[29] = 13; p[30] = 1; p[31] = 2;
	memcpy(p + 32, "abcde", 5);
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && l4_ok4(p, 13));
	CHECK(p[20] == 0x94 && p[21] == 0x04);

	/* first fragment of a UDP datagram: checksum becomes 0 (none) */
	n = mk_ipv4(p, 5, 17, 8 + 16, 0x2000, "10.43.0.1", "0.0.0.0");
	p[20] = 0x10; p[21] = 0; p[22] = 0; p[23] = 53; p[24] = 0x05; p[25] = 0xdc; p[26] = 0x77; p[27] = 0x88;
	memset(p + 28, 'x', 16);
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && p[26] == 0 && p[27] == 0);
	CHECK(p[24] == 0x05 && p[25] == 0xdc);     /* UDP length of the whole datagram kept */

	/* a later fragment: header checksum only, body untouched */
	n = mk_ipv4(p, 5, 17, 24, 0x00b9, "10.43.0.1", "0.0.0.0");
	memset(p + 20, 0x5a, 24);
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && p[20] == 0x5a && p[26] == 0x5a && p[27] == 0x5a);
	/* a last fragment shorter than a UDP header is fine too */
	n = mk_ipv4(p, 5, 17, 3, 0x0010, "10.43.0.1", "0.0.0.0");
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0 && ip_hdr_ok(p));

	/* first fragment of a TCP segment: TCP bytes untouched */
	n = mk_ipv4(p, 5, 6, 24, 0x2000, "10.43.0.1", "0.0.0.0");
	memset(p + 20, 0x33, 24);
	CHECK(ipv4_readdress(p, n, 0x0a2a0002, 0x0a2a0001, NULL) >= 0);
	CHECK(ip_hdr_ok(p) && p[36] == 0x33 && p[37] == 0x33);

	/* malformed: each left untouched */
	n = mk_ipv4(p, 5, 17, 8, 0, "10.43.0.1", "0.0.0.0");
	p[24] = 0; p[25] = 8;
	memcpy(copy, p, n);
	p[0] = 0x44;                                   /* IHL 4 */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1 && ipv4_check(p, n) == -1);
	p[0] = 0x65;                                   /* version 6 */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	p[0] = 0x4f;                                   /* IHL 15: 60 > total 28 */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	p[0] = 0x45;
	CHECK(ipv4_readdress(p, n - 1, 1, 2, NULL) == -1);   /* total length beyond the data */
	CHECK(ipv4_readdress(p, 19, 1, 2, NULL) == -1);
	p[25] = 9;                                     /* UDP length beyond the packet */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	p[25] = 7;                                     /* UDP length below its header */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	p[25] = 8;
	p[2] = 0; p[3] = 27;                           /* total < IHL + UDP header */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	p[3] = 19;                                     /* total < IHL */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) == -1);
	p[3] = 28;
	CHECK(memcmp(copy + 12, p + 12, 8) == 0);      /* addresses never changed */
	CHECK(ipv4_readdress(p, n, 1, 2, NULL) >= 0);
}

/* A DNS answer from 192.0.2.53:53 to 192.0.2.1:40000, and the same over IPv6. */
static size_t mk_dns4(uint8_t *p, const uint8_t *dns, size_t dl)
{
	size_t n = mk_ipv4(p, 5, 17, 8 + dl, 0x4000, "192.0.2.53", "192.0.2.1");
	p[20] = 0; p[21] = 53; p[22] = 0x9c; p[23] = 0x40;
	store16_be(p + 24, (uint16_t)(8 + dl)); p[26] = p[27] = 0;
	memcpy(p + 28, dns, dl);
	p[10] = p[11] = 0;
	store16_be(p + 10, (uint16_t)~ones(p, 20, 0));
	store16_be(p + 26, (uint16_t)~ones(p + 20, 8 + dl, ones(p + 12, 8, 0) + 17 + (uint32_t)(8 + dl)));
	return n;
}

static size_t mk_dns6(uint8_t *p, uint8_t nh, const uint8_t *dns, size_t dl)
{
	memset(p, 0, 40);
	p[0] = 0x60; p[1] = 0x01;
	store16_be(p + 4, (uint16_t)(8 + dl)); p[6] = nh; p[7] = 64;
	p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = 0xb8; p[23] = 0x53;
	p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 0x01;
	p[40] = 0; p[41] = 53; p[42] = 0x9c; p[43] = 0x41;
	store16_be(p + 44, (uint16_t)(8 + dl)); p[46] = p[47] = 0;
	memcpy(p + 48, dns, dl);
	store16_be(p + 46, (uint16_t)~ones(p + 40, 8 + dl, ones(p + 8, 32, 0) + 17 + (uint32_t)(8 + dl)));
	return 48 + dl;
}

static void test_udppkt(void)
{
	uint8_t pkt[2048], out[2048], dns[600], longer[600];
	struct udppkt u;

	for (size_t i = 0; i < sizeof dns; i++)
		dns[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof longer; i++)
		longer[i] = (uint8_t)(i * 13 + 5);

	size_t n = mk_dns4(pkt, dns, 61);
	CHECK(ip_hdr_ok(pkt) && l4_ok4(pkt, 69));
	CHECK(udppkt_parse(&u, pkt, n) == 0);
	CHECK(u.family == 4 && u.l4_off == 20 && u.sport == 53 && u.dport == 40000);
	CHECK(u.payload == pkt + 28 && u.payload_len == 61);
	/* longer */
	int m = udppkt_rebuild(out, sizeof out, pkt, n, &u, longer, 163);
	CHECK(m == 20 + 8 + 163);
	CHECK(out[2] == 0 && out[3] == 191 && ip_hdr_ok(out));
	CHECK(out[24] == 0 && out[25] == 171 && l4_ok4(out, 171));
	CHECK(memcmp(out + 28, longer, 163) == 0 && memcmp(out + 12, pkt + 12, 8) == 0);
	CHECK(out[20] == 0 && out[21] == 53 && out[22] == 0x9c && out[23] == 0x40);
	struct udppkt u2;
	CHECK(udppkt_parse(&u2, out, (size_t)m) == 0 && u2.payload_len == 163);
	/* shorter */
	m = udppkt_rebuild(out, sizeof out, pkt, n, &u, longer, 30);
	CHECK(m == 58 && out[3] == 58 && ip_hdr_ok(out) && out[25] == 38 && l4_ok4(out, 38));
	/* cap too small */
	CHECK(udppkt_rebuild(out, 57, pkt, n, &u, longer, 30) == -1);
	/* rebuilding in place, payload already in out */
	memcpy(out, pkt, n);
	memcpy(out + 28, longer, 40);
	m = udppkt_rebuild(out, sizeof out, out, n, &u, out + 28, 40);
	CHECK(m == 68 && ip_hdr_ok(out) && l4_ok4(out, 48) && memcmp(out + 28, longer, 40) == 0);

	/* rejections */
	uint8_t bad[2048];
	memcpy(bad, pkt, n);
	bad[6] = 0x20;                                    /* MF: a fragment */
	CHECK(udppkt_parse(&u2, bad, n) == -1);
	bad[6] = 0x00; bad[7] = 0x08;                     /* offset: a fragment */
	CHECK(udppkt_parse(&u2, bad, n) == -1);
	bad[7] = 0; bad[9] = 6;                           /* TCP */
	CHECK(udppkt_parse(&u2, bad, n) == -1);
	bad[9] = 17; bad[25] = 70;                        /* UDP length beyond */
	CHECK(udppkt_parse(&u2, bad, n) == -1);
	bad[25] = 69;
	CHECK(udppkt_parse(&u2, bad, n) == 0);
	CHECK(udppkt_parse(&u2, bad, n - 1) == -1);
	CHECK(udppkt_parse(&u2, bad, 27) == -1);
	CHECK(udppkt_parse(&u2, bad, 0) == -1);

	/* IPv6 */
	n = mk_dns6(pkt, 17, dns, 77);
	CHECK(l4_ok6(pkt, 85));
	CHECK(udppkt_parse(&u, pkt, n) == 0);
	CHECK(u.family == 6 && u.l4_off == 40 && u.sport == 53 && u.dport == 40001);
	CHECK(u.payload == pkt + 48 && u.payload_len == 77);
	m = udppkt_rebuild(out, sizeof out, pkt, n, &u, longer, 300);
	CHECK(m == 348);
	CHECK(out[4] == 0x01 && out[5] == 0x34 && out[44] == 0x01 && out[45] == 0x34);
	CHECK(l4_ok6(out, 308) && memcmp(out, pkt, 4) == 0 && memcmp(out + 6, pkt + 6, 34) == 0);
	m = udppkt_rebuild(out, sizeof out, pkt, n, &u, longer, 12);
	CHECK(m == 60 && out[5] == 20 && l4_ok6(out, 20));
	/* trailing data after the IPv6 payload is ignored; truncation is not */
	CHECK(udppkt_parse(&u2, pkt, n + 10) == 0 && u2.payload_len == 77);
	CHECK(udppkt_parse(&u2, pkt, n - 1) == -1);
	CHECK(udppkt_parse(&u2, pkt, 39) == -1);
	n = mk_dns6(pkt, 44, dns, 20);                    /* fragment header */
	CHECK(udppkt_parse(&u2, pkt, n) == -1);
	n = mk_dns6(pkt, 0, dns, 20);                     /* hop-by-hop */
	CHECK(udppkt_parse(&u2, pkt, n) == -1);
	pkt[0] = 0x50;
	CHECK(udppkt_parse(&u2, pkt, n) == -1);
}

int main(void)
{
	test_csum();
	test_udp_tcp();
	test_options_fragments();
	test_udppkt();
		/* ICMP host unreachable for a packet no tunnel could take */
	{
		uint8_t orig[60], icmp[128];
		memset(orig, 0, sizeof orig);
		orig[0] = 0x45; store16_be(orig + 2, 60); orig[8] = 64; orig[9] = 6;
		store32_be(orig + 12, 0x0a2b0001); store32_be(orig + 16, 0x0a2b0005);
		store16_be(orig + 10, csum_fold(csum_partial(orig, 20, 0)));
		int n = icmp_host_unreachable(icmp, sizeof icmp, orig, sizeof orig, 0x0a2b0005);
		CHECK_MSG(n == 20 + 8 + 28 && ipv4_check(icmp, (size_t)n) == n, "unreachable: header + 8 bytes quoted");
		CHECK(icmp[9] == 1 && icmp[20] == 3 && icmp[21] == 1);
		CHECK(ipv4_src(icmp) == 0x0a2b0005 && ipv4_dst(icmp) == 0x0a2b0001);
		CHECK(csum_fold(csum_partial(icmp, 20, 0)) == 0 && csum_fold(csum_partial(icmp + 20, (size_t)n - 20, 0)) == 0);
		CHECK(!memcmp(icmp + 28, orig, 28));
		CHECK_MSG(icmp_host_unreachable(icmp, 40, orig, sizeof orig, 1) == -1, "cap too small");
		orig[9] = 1; orig[20] = 3;           /* an ICMP error: never answered */
		CHECK(icmp_host_unreachable(icmp, sizeof icmp, orig, sizeof orig, 1) == -1);
		orig[9] = 6; store16_be(orig + 6, 100);   /* a later fragment */
		CHECK(icmp_host_unreachable(icmp, sizeof icmp, orig, sizeof orig, 1) == -1);
	}
	return check_done();
}

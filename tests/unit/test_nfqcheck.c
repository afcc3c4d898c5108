/* The client monitor's check of the worker's replacement packets
 * (src/proto/nfqcheck.c) and the DNS question helpers it uses: what the
 * worker genuinely sends (rewrite, AAAA removal, NXDOMAIN, a case change)
 * passes; every other change of addresses, ports, protocol, id, question or
 * lengths is refused with its reason. */
#include "check.h"
#include "common.h"
#include "proto/dns.h"
#include "proto/ipv4.h"
#include "proto/nfqcheck.h"

/* an answer: www.Example.COM A, CNAME to a pq1-looking name, A, AAAA */
static size_t mk_dns(uint8_t *m, uint16_t id, const char *qname, uint16_t qtype)
{
	size_t n = 0;
	store16_be(m, id);
	store16_be(m + 2, 0x8180);
	store16_be(m + 4, 1);
	store16_be(m + 6, 2);
	store16_be(m + 8, 0);
	store16_be(m + 10, 0);
	n = 12;
	const char *s = qname;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		m[n++] = (uint8_t)l;
		memcpy(m + n, s, l);
		n += l;
		s += l + (dot ? 1 : 0);
	}
	m[n++] = 0;
	store16_be(m + n, qtype); store16_be(m + n + 2, 1); n += 4;
	/* answer 1: A 192.0.2.7 */
	m[n++] = 0xc0; m[n++] = 12;
	store16_be(m + n, 1); store16_be(m + n + 2, 1); store32_be(m + n + 4, 300); store16_be(m + n + 8, 4);
	store32_be(m + n + 10, 0xc0000207); n += 14;
	/* answer 2: AAAA 2001:db8::7 */
	m[n++] = 0xc0; m[n++] = 12;
	store16_be(m + n, 28); store16_be(m + n + 2, 1); store32_be(m + n + 4, 300); store16_be(m + n + 8, 16);
	memset(m + n + 10, 0, 16); m[n + 10] = 0x20; m[n + 11] = 0x01; m[n + 12] = 0x0d; m[n + 13] = 0xb8;
	m[n + 25] = 7; n += 26;
	return n;
}

/* IPv4 (family 4) or IPv6 (6) + UDP sport -> dport around a DNS payload */
static size_t mk_pkt(uint8_t *p, int family, uint16_t sport, uint16_t dport, const uint8_t *dns, size_t dl)
{
	size_t hl = family == 4 ? 20 : 40;
	memset(p, 0, hl + 8);
	if (family == 4) {
		p[0] = 0x45;
		store16_be(p + 2, (uint16_t)(hl + 8 + dl));
		p[6] = 0x40;
		p[8] = 64;
		p[9] = 17;
		store32_be(p + 12, 0xc0000235);         /* 192.0.2.53, the resolver */
		store32_be(p + 16, 0xc0000214);         /* 192.0.2.20, us */
		store16_be(p + 10, (uint16_t)~csum_fold(csum_partial(p, 20, 0)));
	} else {
		p[0] = 0x60;
		store16_be(p + 4, (uint16_t)(8 + dl));
		p[6] = 17;
		p[7] = 64;
		p[8] = 0x20; p[9] = 0x01; p[10] = 0x0d; p[11] = 0xb8; p[23] = 0x53;
		p[24] = 0x20; p[25] = 0x01; p[26] = 0x0d; p[27] = 0xb8; p[39] = 0x20;
	}
	store16_be(p + hl, sport);
	store16_be(p + hl + 2, dport);
	store16_be(p + hl + 4, (uint16_t)(8 + dl));
	memcpy(p + hl + 8, dns, dl);
	return hl + 8 + dl;
}

/* the worker's way: new DNS payload into the original's headers */
static size_t rebuild(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len, const uint8_t *dns, size_t dl)
{
	struct udppkt u;
	if (udppkt_parse(&u, pkt, len) < 0)
		return 0;
	int n = udppkt_rebuild(out, cap, pkt, len, &u, dns, dl);
	return n < 0 ? 0 : (size_t)n;
}

static void test_question(void)
{
	uint8_t m[512], m2[512];
	struct dns_question a, b;
	size_t n = mk_dns(m, 0x1234, "www.Example.COM", 1);

	CHECK(dns_question_get(m, n, &a) == 0);
	CHECK(a.id == 0x1234 && a.qdcount == 1 && a.qtype == 1 && a.qclass == 1 && (a.flags & 0x8000));
	CHECK_MSG(a.name_len == 17 && memcmp(a.name, "\3www\7example\3com", 17) == 0, "name lower-cased, wire form");
	size_t n2 = mk_dns(m2, 0x1234, "WWW.example.com", 1);
	CHECK(dns_question_get(m2, n2, &b) == 0 && dns_question_same(&a, &b));
	n2 = mk_dns(m2, 0x1234, "www.example.con", 1);
	CHECK(dns_question_get(m2, n2, &b) == 0 && !dns_question_same(&a, &b));
	n2 = mk_dns(m2, 0x1234, "www.example.com", 28);
	CHECK(dns_question_get(m2, n2, &b) == 0 && !dns_question_same(&a, &b));
	n2 = mk_dns(m2, 0x1235, "www.example.com", 1);
	CHECK(dns_question_get(m2, n2, &b) == 0 && !dns_question_same(&a, &b));
	n2 = mk_dns(m2, 0x1234, "www.example.com.x", 1);
	CHECK(dns_question_get(m2, n2, &b) == 0 && !dns_question_same(&a, &b));
	/* a byte that is a letter only after lower-casing a length byte: '\x41' labels do not exist (max 63) */
	n2 = mk_dns(m2, 0x1234, "www.example.com", 1);
	store16_be(m2 + 12 + 17 + 2, 3);                 /* class CH */
	CHECK(dns_question_get(m2, n2, &b) == 0 && !dns_question_same(&a, &b));
	/* header only, no question */
	memcpy(m2, m, 12);
	store16_be(m2 + 4, 0);
	store16_be(m2 + 6, 0);
	CHECK(dns_question_get(m2, 12, &b) == 0 && b.qdcount == 0 && b.name_len == 0);
	CHECK(!dns_question_same(&a, &b));
	struct dns_question c = b;
	CHECK(dns_question_same(&b, &c));
	/* two questions, short messages, bad names: refused */
	memcpy(m2, m, n);
	store16_be(m2 + 4, 2);
	CHECK(dns_question_get(m2, n, &b) == -1);
	CHECK(dns_question_get(m, 11, &b) == -1);
	CHECK(dns_question_get(m, 12 + 17 + 3, &b) == -1);    /* qtype/qclass cut */
	memcpy(m2, m, n);
	m2[12] = 0xc0; m2[13] = 12;                           /* pointer to itself */
	CHECK(dns_question_get(m2, n, &b) == -1);
	m2[12] = 0x40;                                        /* extended label type */
	CHECK(dns_question_get(m2, n, &b) == -1);
	CHECK(dns_well_formed(m, n));
	CHECK(!dns_well_formed(m, n - 1));
	memcpy(m2, m, n);
	m2[n] = 0;
	CHECK(!dns_well_formed(m2, n + 1));
}

static void test_check(int family)
{
	static uint8_t dns[1024], dns2[1024], pkt[2048], repl[2048], t[2048];
	struct nfqc_orig o;
	size_t dl = mk_dns(dns, 0xbeef, "www.example.com", 1);
	size_t pl = mk_pkt(pkt, family, 53, 41234, dns, dl);
	size_t hl = family == 4 ? 20 : 40;
	uint32_t addr = 0x0a2b0002;
	int n;
	size_t rl;

	nfqc_record(&o, pkt, pl);
	CHECK(o.family == family && o.sport == 53 && o.dport == 41234 && o.q.id == 0xbeef);

	/* what the worker makes: all accepted */
	n = dns_rewrite(dns2, sizeof dns2, dns, dl, &addr);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, (size_t)n);
	CHECK_MSG(rl > 0 && nfqc_check(&o, repl, rl) == NFQC_OK, "the rewritten answer");
	n = dns_rewrite(dns2, sizeof dns2, dns, dl, NULL);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, (size_t)n);
	CHECK_MSG(rl > 0 && nfqc_check(&o, repl, rl) == NFQC_OK, "AAAA removed");
	n = dns_make_nxdomain(dns2, sizeof dns2, dns, dl);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, (size_t)n);
	CHECK_MSG(rl > 0 && nfqc_check(&o, repl, rl) == NFQC_OK, "NXDOMAIN");
	size_t d2 = mk_dns(dns2, 0xbeef, "WWW.EXAMPLE.com", 1);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK_MSG(rl > 0 && nfqc_check(&o, repl, rl) == NFQC_OK, "the question with other case");
	CHECK_MSG(nfqc_check(&o, pkt, pl) == NFQC_OK, "the original itself");

	/* the same answer for another question / id */
	d2 = mk_dns(dns2, 0xbeef, "www.example.org", 1);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK(nfqc_check(&o, repl, rl) == NFQC_QUESTION);
	d2 = mk_dns(dns2, 0xbeef, "www.example.com", 28);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK(nfqc_check(&o, repl, rl) == NFQC_QUESTION);
	d2 = mk_dns(dns2, 0xbeee, "www.example.com", 1);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK(nfqc_check(&o, repl, rl) == NFQC_ID);
	d2 = mk_dns(dns2, 0xbeef, "www.example.com", 1);
	store16_be(dns2 + 4, 0);                 /* no question: header then records */
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK(nfqc_check(&o, repl, rl) != NFQC_OK);
	d2 = mk_dns(dns2, 0xbeef, "www.example.com", 1);
	dns2[2] &= 0x7f;                         /* a query, not an answer */
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK(nfqc_check(&o, repl, rl) == NFQC_NOT_DNS);
	d2 = mk_dns(dns2, 0xbeef, "www.example.com", 1);
	store16_be(dns2 + 6, 3);                 /* claims a third answer */
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, d2);
	CHECK(nfqc_check(&o, repl, rl) == NFQC_NOT_DNS);
	rl = rebuild(repl, sizeof repl, pkt, pl, dns2, 11);
	CHECK(nfqc_check(&o, repl, rl) == NFQC_SIZE);   /* shorter than a DNS header */

	/* addresses, ports, protocol */
	memcpy(t, pkt, pl);
	t[family == 4 ? 15 : 23] ^= 1;           /* source address */
	CHECK(nfqc_check(&o, t, pl) == NFQC_ADDR);
	memcpy(t, pkt, pl);
	t[family == 4 ? 19 : 39] ^= 1;           /* destination address */
	CHECK(nfqc_check(&o, t, pl) == NFQC_ADDR);
	memcpy(t, pkt, pl);
	store16_be(t + hl, 5353);
	CHECK(nfqc_check(&o, t, pl) == NFQC_PORT);
	memcpy(t, pkt, pl);
	store16_be(t + hl + 2, 41235);
	CHECK(nfqc_check(&o, t, pl) == NFQC_PORT);
	memcpy(t, pkt, pl);
	t[family == 4 ? 9 : 6] = 6;              /* TCP */
	CHECK(nfqc_check(&o, t, pl) == NFQC_NOT_UDP);
	if (family == 4) {
		memcpy(t, pkt, pl);
		t[6] = 0x20;                         /* more fragments */
		CHECK(nfqc_check(&o, t, pl) == NFQC_NOT_UDP);
	}
	/* the other family with the same ports and DNS */
	size_t ol = mk_pkt(t, family == 4 ? 6 : 4, 53, 41234, dns, dl);
	CHECK(nfqc_check(&o, t, ol) == NFQC_ADDR);
	memcpy(t, pkt, pl);
	t[0] = 0x55;                             /* IP version 5 */
	CHECK(nfqc_check(&o, t, pl) == NFQC_NOT_UDP);

	/* lengths: exact, and bounds first */
	memcpy(t, pkt, pl);
	t[pl] = 0;
	CHECK_MSG(nfqc_check(&o, t, pl + 1) == NFQC_SIZE, "a byte beyond the IP length");
	CHECK_MSG(nfqc_check(&o, pkt, pl - 1) == NFQC_SIZE, "one byte short of the IP length");
	memcpy(t, pkt, pl);
	store16_be(t + hl + 4, (uint16_t)(8 + dl - 1));
	CHECK_MSG(nfqc_check(&o, t, pl) == NFQC_SIZE, "UDP length shorter than the IP payload");
	memcpy(t, pkt, pl);
	store16_be(t + hl + 4, (uint16_t)(8 + dl + 1));
	CHECK_MSG(nfqc_check(&o, t, pl) == NFQC_NOT_UDP, "UDP length longer than the IP payload");
	CHECK(nfqc_check(&o, pkt, NFQC_MIN_LEN - 1) == NFQC_SIZE);
	CHECK(nfqc_check(&o, pkt, NFQC_MAX_LEN + 1) == NFQC_SIZE);
	CHECK(nfqc_check(&o, pkt, 0) == NFQC_SIZE);

	/* originals that admit no replacement */
	struct nfqc_orig none;
	memcpy(t, pkt, pl);
	store16_be(t + hl, 54);                  /* not from port 53 */
	nfqc_record(&none, t, pl);
	CHECK(none.family == 0 && nfqc_check(&none, t, pl) == NFQC_NONE);
	memcpy(t, pkt, pl);
	t[hl + 8 + 2] &= 0x7f;                   /* a query */
	nfqc_record(&none, t, pl);
	CHECK(nfqc_check(&none, t, pl) == NFQC_NONE);
	memcpy(t, pkt, pl);
	store16_be(t + hl + 8 + 4, 2);           /* two questions */
	nfqc_record(&none, t, pl);
	CHECK(nfqc_check(&none, t, pl) == NFQC_NONE);
	nfqc_record(&none, pkt, 10);
	CHECK(nfqc_check(&none, pkt, pl) == NFQC_NONE);
	CHECK(strcmp(nfqc_result_str(NFQC_QUESTION), "another question") == 0);
}

int main(void)
{
	test_question();
	test_check(4);
	test_check(6);
	return check_done();
}

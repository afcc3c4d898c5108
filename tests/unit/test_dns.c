/* DNS codec: real answers built byte by byte (the captured answers of
 * PROTOCOL.md §14.1, compression the way servers do it), the pq1 decision,
 * the rewrite (re-parsed and compared with an independent decoder), the
 * canary, the TXT helpers, and malformed messages of every kind. */
#include "check.h"
#include "proto/dns.h"

/* ---- a tiny message builder ---- */
struct mb { uint8_t b[8192]; size_t n; };

static void u8(struct mb *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void u16(struct mb *m, unsigned v) { u8(m, v >> 8); u8(m, v & 255); }
static void u32(struct mb *m, uint32_t v) { u16(m, v >> 16); u16(m, v & 0xffff); }
static void raw(struct mb *m, const void *p, size_t n) { memcpy(m->b + m->n, p, n); m->n += n; }
/* labels of a dotted name, no terminator (follow with ptr() or end()) */
static void labels(struct mb *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		u8(m, (unsigned)l);
		raw(m, name, l);
		name += l + (dot ? 1 : 0);
	}
}
static void end(struct mb *m) { u8(m, 0); }
static void name(struct mb *m, const char *n) { labels(m, n); end(m); }
static void ptr(struct mb *m, size_t off) { u16(m, 0xc000 | (unsigned)off); }
static void hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	u16(m, id); u16(m, flags); u16(m, qd); u16(m, an); u16(m, ns); u16(m, ar);
}
static void rrhead(struct mb *m, unsigned type, uint32_t ttl) { u16(m, type); u16(m, 1); u32(m, ttl); }
/* rdlength placeholder, patched by rdend() */
static size_t rdstart(struct mb *m) { size_t at = m->n; u16(m, 0); return at; }
static void rdend(struct mb *m, size_t at) { size_t l = m->n - at - 2; m->b[at] = (uint8_t)(l >> 8); m->b[at + 1] = (uint8_t)l; }
static void a_rdata(struct mb *m, uint32_t ip) { u16(m, 4); u32(m, ip); }
static void aaaa_rdata(struct mb *m, uint8_t last) { u16(m, 16); for (int i = 0; i < 15; i++) u8(m, i == 0 ? 0x20 : i == 1 ? 0x01 : 0); u8(m, last); }
static void set_count(struct mb *m, int sec, unsigned v) { m->b[4 + 2 * sec] = (uint8_t)(v >> 8); m->b[5 + 2 * sec] = (uint8_t)v; }

/* ---- an independent decoder for checking results: "owner TYPE ttl data" lines ---- */
static size_t t_name(const uint8_t *m, size_t len, size_t off, char *out, size_t *o)
{
	size_t next = 0;
	int hops = 0;
	*o = 0;
	for (;;) {
		if (off >= len || hops > 50)
			return 0;
		uint8_t c = m[off];
		if ((c & 0xc0) == 0xc0) {
			if (!next)
				next = off + 2;
			off = ((size_t)(c & 0x3f) << 8) | m[off + 1];
			hops++;
			continue;
		}
		if (c == 0) {
			if (!next)
				next = off + 1;
			if (*o == 0)
				out[(*o)++] = '.';
			out[*o] = 0;
			return next;
		}
		memcpy(out + *o, m + off + 1, c);
		*o += c;
		out[(*o)++] = '.';
		off += c + 1u;
	}
}

/* Dump the answer/authority/additional records of m into text, one per line. */
static int dump(const uint8_t *m, size_t len, char *text)
{
	char nm[300], tg[300];
	size_t o, off = 12;
	unsigned qd = (m[4] << 8) | m[5];
	unsigned total = ((m[6] << 8) | m[7]) + ((m[8] << 8) | m[9]) + ((m[10] << 8) | m[11]);
	text[0] = 0;
	for (unsigned i = 0; i < qd; i++) {
		off = t_name(m, len, off, nm, &o);
		if (!off)
			return -1;
		sprintf(text + strlen(text), "Q %s %u\n", nm, (m[off] << 8) | m[off + 1]);
		off += 4;
	}
	for (unsigned i = 0; i < total; i++) {
		off = t_name(m, len, off, nm, &o);
		if (!off || off + 10 > len)
			return -1;
		unsigned type = (m[off] << 8) | m[off + 1];
		uint32_t ttl = ((uint32_t)m[off + 4] << 24) | ((uint32_t)m[off + 5] << 16) | ((uint32_t)m[off + 6] << 8) | m[off + 7];
		unsigned rdl = (m[off + 8] << 8) | m[off + 9];
		size_t rd = off + 10;
		char *t = text + strlen(text);
		if (type == 1)
			sprintf(t, "%s A %u %u.%u.%u.%u\n", nm, ttl, m[rd], m[rd + 1], m[rd + 2], m[rd + 3]);
		else if (type == 5 || type == 2) {
			if (!t_name(m, len, rd, tg, &o))
				return -1;
			sprintf(t, "%s %s %u %s\n", nm, type == 5 ? "CNAME" : "NS", ttl, tg);
		} else if (type == 28)
			sprintf(t, "%s AAAA %u ..%02x\n", nm, ttl, m[rd + 15]);
		else
			sprintf(t, "%s T%u %u len%u\n", nm, type, ttl, rdl);
		off = rd + rdl;
	}
	return off == len ? 0 : -1;
}

/* ---- the captured answers of §14.1 ---- */
#define PQC_HASH_TEXT "u1hy1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu1"
#define PQC_LABEL "pq1" PQC_HASH_TEXT
#define PQC_HASH_HEX "3a3c1f34c43a8a82e2ed236ac359ba3599d8fa3464ba95071e5018cd6a394ce9"
#define JLEV_LABEL "pq19hgt13tpu5jpvgltnwnu03xutulqfg8rlhhpv1c5834n74bm22x1"
#define JLEV_HASH_HEX "e9b91c46aebac0ba9dcc94530d46d7594bdb1cbaf2bdbac32a68107a889a42f4"

/* www.pqconnect.net A?  ->  CNAME (TTL 1) pq1….pqconnect.net, A (TTL 31) 131.155.69.126,
 * compressed as a server does it. */
static void msg_pqconnect(struct mb *m, const char *qname_www, const char *pq1label, const char *zone)
{
	hdr(m, 0xbeef, 0x8180, 1, 2, 0, 0);
	size_t q = m->n;
	labels(m, qname_www);       /* "www" */
	size_t zone_off = m->n;
	name(m, zone);
	u16(m, 1); u16(m, 1);
	ptr(m, q); rrhead(m, 5, 1);
	size_t rd = rdstart(m);
	size_t target = m->n;
	labels(m, pq1label); ptr(m, zone_off);
	rdend(m, rd);
	ptr(m, target); rrhead(m, 1, 31); a_rdata(m, 0x839b457e);
}

static void test_captured(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];
	char text[4096];

	msg_pqconnect(&m, "www", PQC_LABEL, "pqconnect.net");
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1);
	CHECK(info.id == 0xbeef);
	CHECK(info.qtype == DNS_TYPE_A);
	CHECK_HEX(info.pq1.hash, PQC_HASH_HEX);
	CHECK(info.pq1.has_ports == 0);
	CHECK(strcmp(info.pq1_owner, PQC_LABEL ".pqconnect.net") == 0);
	CHECK(info.naddrs == 1 && info.addrs[0] == 0x839b457e);
	CHECK(info.naaaa == 0);
	CHECK(info.min_ttl == 1);

	uint32_t tun = 0x0a3b0002;   /* 10.59.0.2 */
	int n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0);
	CHECK(dns_inspect(out, (size_t)n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && info.naddrs == 1 && info.addrs[0] == tun);
	CHECK(info.min_ttl == 0);
	CHECK_HEX(info.pq1.hash, PQC_HASH_HEX);
	CHECK(dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text,
		"Q www.pqconnect.net. 1\n"
		"www.pqconnect.net. CNAME 1 " PQC_LABEL ".pqconnect.net.\n"
		PQC_LABEL ".pqconnect.net. A 0 10.59.0.2\n") == 0);
	/* compressed as well as the original: same length */
	CHECK((size_t)n == m.n);
	/* the header flags are kept */
	CHECK(out[2] == 0x81 && out[3] == 0x80);
	/* rewriting without an address keeps the A record as it was */
	n = dns_rewrite(out, sizeof out, m.b, m.n, NULL);
	CHECK(n == (int)m.n && memcmp(out, m.b, m.n) == 0);

	msg_pqconnect(&m, "www", JLEV_LABEL, "jlev.in");
	m.b[m.n - 4] = 195; m.b[m.n - 3] = 201; m.b[m.n - 2] = 35; m.b[m.n - 1] = 121;
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1);
	CHECK_HEX(info.pq1.hash, JLEV_HASH_HEX);
	CHECK(strcmp(info.pq1_owner, JLEV_LABEL ".jlev.in") == 0);
	CHECK(info.naddrs == 1 && info.addrs[0] == 0xc3c92379);
	n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text,
		"Q www.jlev.in. 1\n"
		"www.jlev.in. CNAME 1 " JLEV_LABEL ".jlev.in.\n"
		JLEV_LABEL ".jlev.in. A 0 10.59.0.2\n") == 0);

	/* the 63-character form carries the ports */
	msg_pqconnect(&m, "www", PQC_LABEL "55g15fg1", "pqconnect.net");
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && info.pq1.has_ports == 1);
	CHECK(info.pq1.cryptoport == 42424 && info.pq1.keyport == 42425);
	CHECK_HEX(info.pq1.hash, PQC_HASH_HEX);
	msg_pqconnect(&m, "www", PQC_LABEL "zzz1zzz1", "pqconnect.net");
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.pq1.has_ports && info.pq1.cryptoport == 65535 && info.pq1.keyport == 65535);

	/* invalid base32 in a pq1-shaped label: no PQConnect */
	msg_pqconnect(&m, "www", "pq1aeio1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu1", "pqconnect.net");
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PASS);
	CHECK(info.naddrs == 1);
}

/* 0x20-randomised case: detected, owner in lower case, names kept byte for byte. */
static void test_case(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];
	char text[4096];
	char upper[64];

	strcpy(upper, PQC_LABEL);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z' && ((p - upper) & 1))
			*p = (char)(*p - 32);
	msg_pqconnect(&m, "wWw", upper, "PqCoNnEcT.nEt");
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1);
	CHECK_HEX(info.pq1.hash, PQC_HASH_HEX);
	CHECK(strcmp(info.pq1_owner, PQC_LABEL ".pqconnect.net") == 0);
	uint32_t tun = 0x0a3b0002;
	int n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	char want[1024];
	snprintf(want, sizeof want,
		"Q wWw.PqCoNnEcT.nEt. 1\n"
		"wWw.PqCoNnEcT.nEt. CNAME 1 %s.PqCoNnEcT.nEt.\n"
		"%s.PqCoNnEcT.nEt. A 0 10.59.0.2\n", upper, upper);
	CHECK(strcmp(text, want) == 0);

	/* all upper case */
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	msg_pqconnect(&m, "WWW", upper, "PQCONNECT.NET");
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1);
	CHECK_HEX(info.pq1.hash, PQC_HASH_HEX);
	CHECK(strcmp(info.pq1_owner, PQC_LABEL ".pqconnect.net") == 0);
}

/* www.example.com CNAME svc.example.com CNAME pq1….example.com CNAME edge.cdn.example.net A x2;
 * the pq1 name sits in the middle of the chain. */
static void test_chain(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];
	char text[4096];

	hdr(&m, 7, 0x8180, 1, 5, 0, 0);
	size_t q = m.n; name(&m, "www.example.com"); u16(&m, 1); u16(&m, 1);
	size_t ex = q + 4;
	ptr(&m, q); rrhead(&m, 5, 300);
	size_t rd = rdstart(&m); size_t svc = m.n; labels(&m, "svc"); ptr(&m, ex); rdend(&m, rd);
	ptr(&m, svc); rrhead(&m, 5, 60);
	rd = rdstart(&m); size_t pq = m.n; labels(&m, PQC_LABEL "55g15fg1"); ptr(&m, ex); rdend(&m, rd);
	ptr(&m, pq); rrhead(&m, 5, 20);
	rd = rdstart(&m); size_t edge = m.n; name(&m, "edge.cdn.example.net"); rdend(&m, rd);
	ptr(&m, edge); rrhead(&m, 1, 40); a_rdata(&m, 0xc0000201);
	ptr(&m, edge); rrhead(&m, 1, 40); a_rdata(&m, 0xc0000202);

	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1);
	CHECK(strcmp(info.pq1_owner, PQC_LABEL "55g15fg1.example.com") == 0);
	CHECK(info.pq1.has_ports && info.pq1.cryptoport == 42424);
	CHECK(info.naddrs == 2 && info.addrs[0] == 0xc0000201 && info.addrs[1] == 0xc0000202);
	CHECK(info.min_ttl == 20);
	uint32_t tun = 0x0a3b0003;
	int n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text,
		"Q www.example.com. 1\n"
		"www.example.com. CNAME 300 svc.example.com.\n"
		"svc.example.com. CNAME 60 " PQC_LABEL "55g15fg1.example.com.\n"
		PQC_LABEL "55g15fg1.example.com. CNAME 20 edge.cdn.example.net.\n"
		"edge.cdn.example.net. A 0 10.59.0.3\n"
		"edge.cdn.example.net. A 0 10.59.0.3\n") == 0);

	/* two pq1 names in the chain, the first asked for: a high-security
	 * name, whose key wins over the one owning the A records */
	hdr(&m, 8, 0x8180, 1, 2, 0, 0);
	q = m.n; name(&m, JLEV_LABEL ".jlev.in"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 300);
	rd = rdstart(&m); size_t t = m.n; name(&m, PQC_LABEL ".pqconnect.net"); rdend(&m, rd);
	ptr(&m, t); rrhead(&m, 1, 40); a_rdata(&m, 0x839b457e);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && info.qname_pq1);
	CHECK_HEX(info.pq1.hash, JLEV_HASH_HEX);
	CHECK(strcmp(info.pq1_owner, JLEV_LABEL ".jlev.in") == 0);

	/* the same chain asked for through a plain name: the one owning the A records wins */
	hdr(&m, 9, 0x8180, 1, 3, 0, 0);
	q = m.n; name(&m, "www.jlev.in"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 300);
	rd = rdstart(&m); size_t t1 = m.n; name(&m, JLEV_LABEL ".jlev.in"); rdend(&m, rd);
	ptr(&m, t1); rrhead(&m, 5, 300);
	rd = rdstart(&m); size_t t2 = m.n; name(&m, PQC_LABEL ".pqconnect.net"); rdend(&m, rd);
	ptr(&m, t2); rrhead(&m, 1, 40); a_rdata(&m, 0x839b457e);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && !info.qname_pq1);
	CHECK_HEX(info.pq1.hash, PQC_HASH_HEX);
	CHECK(strcmp(info.pq1_owner, PQC_LABEL ".pqconnect.net") == 0);
}

/* AAAA records to remove, with compression pointers into the removed
 * record's owner name from a later A record, an authority NS record and
 * its rdata, and an EDNS OPT record that must stay. */
/* DNSSEC: the RRSIG over the rewritten A records goes, the one over the
 * CNAME stays, and the AD flag is cleared */
static void rrsig_rdata(struct mb *m, unsigned covered)
{
	size_t rd = rdstart(m);
	u16(m, covered); u8(m, 13); u8(m, 3); u32(m, 300); u32(m, 1800000000); u32(m, 1700000000); u16(m, 4321);
	name(m, "pqconnect.net");
	for (int i = 0; i < 8; i++)
		u8(m, 0x5a);
	rdend(m, rd);
}

static void test_dnssec(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];
	char text[4096];

	hdr(&m, 11, 0x81a0, 1, 4, 0, 0);                   /* QR RD RA AD */
	size_t q = m.n; name(&m, "www.pqconnect.net"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 60);
	size_t rd = rdstart(&m); size_t t = m.n; labels(&m, PQC_LABEL); ptr(&m, q + 4); rdend(&m, rd);
	ptr(&m, q); rrhead(&m, 46, 60); rrsig_rdata(&m, 5);
	ptr(&m, t); rrhead(&m, 1, 60); a_rdata(&m, 0x839b457e);
	ptr(&m, t); rrhead(&m, 46, 60); rrsig_rdata(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == 0 && info.verdict == DNS_PQ1);
	uint32_t tun = 0x0a3b0002;
	int n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0);
	CHECK_MSG(out[2] == 0x81 && out[3] == 0x80, "AD cleared, the other flags kept");
	CHECK_MSG(out[6] == 0 && out[7] == 3, "ANCOUNT 4 -> 3: the RRSIG over A removed");
	CHECK(dump(out, (size_t)n, text) == 0);
	CHECK_MSG(strstr(text, "T46") != NULL && strstr(text, "A 0 10.59.0.2") != NULL, "RRSIG over the CNAME kept");
	/* a plain (non-pq1) signed answer is not rewritten at all: dns_inspect says PASS */
}

static void test_aaaa(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];
	char text[4096];

	hdr(&m, 9, 0x8580, 1, 4, 1, 1);
	size_t q = m.n; name(&m, "www.pqconnect.net"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 1);
	size_t rd = rdstart(&m); labels(&m, "alias"); ptr(&m, q + 4); rdend(&m, rd);
	/* AAAA, owner written in full here (the only full copy of the pq1 name) */
	size_t owner = m.n; labels(&m, PQC_LABEL); ptr(&m, q + 4); rrhead(&m, 28, 50); aaaa_rdata(&m, 0x11);
	ptr(&m, owner); rrhead(&m, 1, 31); a_rdata(&m, 0x839b457e);
	/* a second AAAA whose owner points into the first one's */
	ptr(&m, owner); rrhead(&m, 28, 50); aaaa_rdata(&m, 0x22);
	/* authority: pqconnect.net NS ns1.<pq1 name> (both pointing into the removed owner) */
	ptr(&m, owner + 1 + 55); u16(&m, 2); u16(&m, 1); u32(&m, 3600);
	rd = rdstart(&m); labels(&m, "ns1"); ptr(&m, owner); rdend(&m, rd);
	/* additional: OPT, UDP size 1232, DO bit, one option */
	u8(&m, 0); u16(&m, 41); u16(&m, 1232); u32(&m, 0x00008000); u16(&m, 6); u16(&m, 10); u16(&m, 2); u16(&m, 0xabcd);

	CHECK(dump(m.b, m.n, text) == 0);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1);
	CHECK(info.naddrs == 1 && info.naaaa == 2);
	CHECK(strcmp(info.pq1_owner, PQC_LABEL ".pqconnect.net") == 0);
	uint32_t tun = 0x0a3b0002;
	int n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0);
	CHECK(out[6] == 0 && out[7] == 2);                 /* ANCOUNT 4 -> 2 */
	CHECK(out[8] == 0 && out[9] == 1 && out[10] == 0 && out[11] == 1);
	CHECK(out[2] == 0x85 && out[3] == 0x80);
	CHECK(dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text,
		"Q www.pqconnect.net. 1\n"
		"www.pqconnect.net. CNAME 1 alias.pqconnect.net.\n"
		PQC_LABEL ".pqconnect.net. A 0 10.59.0.2\n"
		"pqconnect.net. NS 3600 ns1." PQC_LABEL ".pqconnect.net.\n"
		". T41 32768 len6\n") == 0);
	/* the OPT record byte for byte at the end */
	static const uint8_t opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 6, 0, 10, 0, 2, 0xab, 0xcd };
	CHECK(memcmp(out + n - sizeof opt, opt, sizeof opt) == 0);
	CHECK(dns_inspect(out, (size_t)n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && info.naaaa == 0 && info.naddrs == 1 && info.addrs[0] == tun);

	/* the output must fit in cap, or fail */
	CHECK(dns_rewrite(out, (size_t)n, m.b, m.n, &tun) == n);
	CHECK(dns_rewrite(out, (size_t)n - 1, m.b, m.n, &tun) == -1);
	CHECK(dns_rewrite(out, 5, m.b, m.n, &tun) == -1);

	/* AAAA-only answer for a pq1 name: still PQ1 so the AAAA can be removed */
	hdr(&m, 10, 0x8180, 1, 2, 0, 0);
	q = m.n; name(&m, "www.pqconnect.net"); u16(&m, 28); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 1);
	rd = rdstart(&m); size_t t = m.n; labels(&m, PQC_LABEL); ptr(&m, q + 4); rdend(&m, rd);
	ptr(&m, t); rrhead(&m, 28, 31); aaaa_rdata(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && info.naddrs == 0 && info.naaaa == 1 && info.qtype == 28);
	n = dns_rewrite(out, sizeof out, m.b, m.n, &tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text, "Q www.pqconnect.net. 28\nwww.pqconnect.net. CNAME 1 " PQC_LABEL ".pqconnect.net.\n") == 0);
}

/* A server with IPv6 addresses only: the AAAA records are collected, and
 * the A answer (CNAME, no A) gets the internal address added at the end of
 * the chain, before the authority section. */
static void test_add_a(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];
	char text[4096];
	uint32_t tun = 0x0a2b0002;

	/* AAAA answer: both addresses collected, in order */
	hdr(&m, 11, 0x8180, 1, 3, 0, 0);
	size_t q = m.n; name(&m, "www.pqconnect.net"); u16(&m, 28); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 1);
	size_t rd = rdstart(&m); size_t t = m.n; labels(&m, PQC_LABEL); ptr(&m, q + 4); rdend(&m, rd);
	ptr(&m, t); rrhead(&m, 28, 31); aaaa_rdata(&m, 7);
	ptr(&m, t); rrhead(&m, 28, 31); aaaa_rdata(&m, 8);
	CHECK(dns_inspect(m.b, m.n, &info) == 0 && info.naddrs6 == 2 && info.naaaa == 2);
	CHECK(info.addrs6[0][0] == 0x20 && info.addrs6[0][15] == 7 && info.addrs6[1][15] == 8);
	/* an AAAA question: add_a is the plain rewrite */
	int n = dns_rewrite_add_a(out, sizeof out, m.b, m.n, tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text, "Q www.pqconnect.net. 28\nwww.pqconnect.net. CNAME 1 " PQC_LABEL ".pqconnect.net.\n") == 0);

	/* A answer: www CNAME alias, alias CNAME pq1..., no A; SOA in authority */
	hdr(&m, 12, 0x8180, 1, 2, 1, 0);
	q = m.n; name(&m, "www.pqconnect.net"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 1);
	rd = rdstart(&m); size_t alias = m.n; labels(&m, "alias"); ptr(&m, q + 4); rdend(&m, rd);
	ptr(&m, alias); rrhead(&m, 5, 1);
	rd = rdstart(&m); labels(&m, PQC_LABEL); ptr(&m, q + 4); rdend(&m, rd);
	ptr(&m, q + 4); u16(&m, 6); u16(&m, 1); u32(&m, 300);
	rd = rdstart(&m); u8(&m, 0); u8(&m, 0); for (int i = 0; i < 20; i++) u8(&m, 1); rdend(&m, rd);
	CHECK(dump(m.b, m.n, text) == 0);
	CHECK(dns_inspect(m.b, m.n, &info) == 0 && info.verdict == DNS_PQ1 && info.naddrs == 0 && info.qtype == 1);
	n = dns_rewrite_add_a(out, sizeof out, m.b, m.n, tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	CHECK(out[6] == 0 && out[7] == 3 && out[8] == 0 && out[9] == 1);
	CHECK(strcmp(text,
		"Q www.pqconnect.net. 1\n"
		"www.pqconnect.net. CNAME 1 alias.pqconnect.net.\n"
		"alias.pqconnect.net. CNAME 1 " PQC_LABEL ".pqconnect.net.\n"
		PQC_LABEL ".pqconnect.net. A 0 10.43.0.2\n"
		"pqconnect.net. T6 300 len22\n") == 0);
	CHECK(dns_inspect(out, (size_t)n, &info) == 0 && info.naddrs == 1 && info.addrs[0] == tun);
	/* the plain rewrite adds nothing; the output fits cap or fails */
	CHECK(dns_rewrite(out, sizeof out, m.b, m.n, &tun) == (int)m.n);
	CHECK(dns_rewrite_add_a(out, (size_t)n, m.b, m.n, tun) == n);
	CHECK(dns_rewrite_add_a(out, (size_t)n - 1, m.b, m.n, tun) == -1);

	/* no CNAME at all (the pq1 name asked for): the question's name owns it, case kept */
	hdr(&m, 13, 0x8180, 1, 0, 0, 0);
	name(&m, "PQ1" PQC_HASH_TEXT ".example"); u16(&m, 1); u16(&m, 1);
	n = dns_rewrite_add_a(out, sizeof out, m.b, m.n, tun);
	CHECK(n > 0 && dump(out, (size_t)n, text) == 0);
	CHECK(strcmp(text, "Q PQ1" PQC_HASH_TEXT ".example. 1\nPQ1" PQC_HASH_TEXT ".example. A 0 10.43.0.2\n") == 0);

	/* an error answer (NXDOMAIN) gets nothing added */
	hdr(&m, 14, 0x8183, 1, 0, 0, 0);
	name(&m, "PQ1" PQC_HASH_TEXT ".example"); u16(&m, 1); u16(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == 0 && info.rcode == 3);
	n = dns_rewrite_add_a(out, sizeof out, m.b, m.n, tun);
	CHECK(n == (int)m.n && out[7] == 0);

	/* A records present: rewritten, nothing added */
	msg_pqconnect(&m, "www", PQC_LABEL, "pqconnect.net");
	n = dns_rewrite_add_a(out, sizeof out, m.b, m.n, tun);
	CHECK(n > 0 && dns_inspect(out, (size_t)n, &info) == 0 && info.naddrs == 1 && info.addrs[0] == tun);
	CHECK(out[7] == 2);
}

/* Inner IPv6: with a server that carries it, the AAAA records of the
 * answer section get the internal IPv6 address and TTL 0 instead of being
 * removed (the RRSIG over them still goes); nothing is added where there
 * was no AAAA record; without addr6 the AAAA records are removed as
 * always. */
static void test_rewrite6(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096], out2[4096];
	uint32_t tun = 0x0a2b0002;
	static const uint8_t a6[16] = { 0xfd, 0x43, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

	/* AAAA answer: CNAME to the pq1 name, two AAAA, an RRSIG over AAAA */
	hdr(&m, 21, 0x81a0, 1, 4, 0, 0);
	size_t q = m.n; name(&m, "www.pqconnect.net"); u16(&m, 28); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 5, 1);
	size_t rd = rdstart(&m); size_t t = m.n; labels(&m, PQC_LABEL); ptr(&m, q + 4); rdend(&m, rd);
	ptr(&m, t); rrhead(&m, 28, 300); aaaa_rdata(&m, 7);
	ptr(&m, t); rrhead(&m, 28, 300); aaaa_rdata(&m, 8);
	ptr(&m, t); rrhead(&m, 46, 300); rrsig_rdata(&m, 28);
	CHECK(dns_inspect(m.b, m.n, &info) == 0 && info.naaaa == 2);
	int n = dns_rewrite_add_a6(out, sizeof out, m.b, m.n, tun, a6);
	CHECK(n > 0 && dns_inspect(out, (size_t)n, &info) == 0);
	CHECK_MSG(info.verdict == DNS_PQ1 && info.naaaa == 2 && info.naddrs == 0, "AAAA kept, no A added");
	CHECK_MSG(!memcmp(info.addrs6[0], a6, 16) && !memcmp(info.addrs6[1], a6, 16), "both AAAA := fd43::2");
	CHECK_MSG(info.min_ttl == 0, "TTL 0");
	CHECK_MSG(out[7] == 3 && !(out[3] & 0x20), "the RRSIG over AAAA removed, AD cleared");
	/* the output fits cap or fails */
	CHECK(dns_rewrite_add_a6(out2, (size_t)n, m.b, m.n, tun, a6) == n);
	CHECK(dns_rewrite_add_a6(out2, (size_t)n - 1, m.b, m.n, tun, a6) == -1);
	/* without addr6: removed, as dns_rewrite_add_a */
	n = dns_rewrite_add_a6(out, sizeof out, m.b, m.n, tun, NULL);
	CHECK(n > 0 && n == dns_rewrite_add_a(out2, sizeof out2, m.b, m.n, tun) && !memcmp(out, out2, (size_t)n));
	CHECK(dns_inspect(out, (size_t)n, &info) == 0 && info.naaaa == 0 && out[7] == 1);

	/* an A answer with A records: A rewritten, no AAAA made up */
	msg_pqconnect(&m, "www", PQC_LABEL, "pqconnect.net");
	n = dns_rewrite_add_a6(out, sizeof out, m.b, m.n, tun, a6);
	CHECK(n > 0 && dns_inspect(out, (size_t)n, &info) == 0 && info.naddrs == 1 && info.addrs[0] == tun &&
	      info.naaaa == 0);
}

static void test_pass(void)
{
	struct mb m;
	struct dns_info info;

	/* plain answer */
	hdr(&m, 11, 0x8180, 1, 1, 0, 0);
	size_t q = m.n; name(&m, "example.com"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 1, 3600); a_rdata(&m, 0x5db8d822);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PASS && info.naddrs == 1 && info.addrs[0] == 0x5db8d822 && info.min_ttl == 3600);
	/* the same as a query: not a response */
	m.b[2] = 0x01;
	CHECK(dns_inspect(m.b, m.n, &info) == -1);

	/* a TXT answer, even for a pq1 name */
	hdr(&m, 12, 0x8180, 1, 2, 0, 0);
	q = m.n; name(&m, PQC_LABEL ".pqconnect.net"); u16(&m, 16); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 16, 60); u16(&m, 8); u8(&m, 7); raw(&m, "p=42424", 7);
	ptr(&m, q); rrhead(&m, 1, 60); a_rdata(&m, 0x839b457e);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PASS && info.qtype == 16);

	/* more than 25 A records */
	hdr(&m, 13, 0x8180, 1, 26, 0, 0);
	q = m.n; name(&m, PQC_LABEL ".pqconnect.net"); u16(&m, 1); u16(&m, 1);
	for (int i = 0; i < 26; i++) { ptr(&m, q); rrhead(&m, 1, 60); a_rdata(&m, 0x0a000001u + (uint32_t)i); }
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PASS);
	set_count(&m, 1, 25);
	m.n -= 16;
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PQ1 && info.naddrs == 25 && info.addrs[24] == 0x0a000019);

	/* no answer at all (NXDOMAIN with SOA) */
	hdr(&m, 14, 0x8183, 1, 0, 1, 0);
	q = m.n; name(&m, "nope.example.com"); u16(&m, 1); u16(&m, 1);
	ptr(&m, q + 5); u16(&m, 6); u16(&m, 1); u32(&m, 900);
	size_t rd = rdstart(&m); labels(&m, "ns"); ptr(&m, q + 5); labels(&m, "hostmaster"); ptr(&m, q + 5);
	u32(&m, 1); u32(&m, 2); u32(&m, 3); u32(&m, 4); u32(&m, 5); rdend(&m, rd);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_PASS && info.naddrs == 0 && info.min_ttl == 0);
	uint8_t out[1024];
	char text[2048];
	int n = dns_rewrite(out, sizeof out, m.b, m.n, NULL);
	CHECK(n == (int)m.n && memcmp(out, m.b, m.n) == 0);
	CHECK(dump(out, (size_t)n, text) == 0 && strstr(text, "example.com. T6 900 len") != NULL);
}

static void test_canary(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[512], q[512];

	hdr(&m, 0x4242, 0x8180, 1, 1, 0, 1);
	size_t qo = m.n; name(&m, "Use-Application-DNS.net"); u16(&m, 1); u16(&m, 1);
	ptr(&m, qo); rrhead(&m, 1, 60); a_rdata(&m, 0x01020304);
	u8(&m, 0); u16(&m, 41); u16(&m, 1232); u32(&m, 0); u16(&m, 0);
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	CHECK(info.verdict == DNS_CANARY);
	CHECK(dns_is_canary_query(m.b, m.n) == 1);
	int n = dns_make_nxdomain(out, sizeof out, m.b, m.n);
	CHECK(n == 12 + 25 + 4);
	CHECK(out[0] == 0x42 && out[1] == 0x42);
	CHECK((out[2] & 0x80) && (out[3] & 0x0f) == 3);
	CHECK(out[4] == 0 && out[5] == 1);
	CHECK(memcmp(out + 6, "\0\0\0\0\0\0", 6) == 0);
	CHECK(memcmp(out + 12, m.b + 12, 29) == 0);
	CHECK(dns_inspect(out, (size_t)n, &info) == 0 && info.verdict == DNS_CANARY);
	CHECK(dns_make_nxdomain(out, 20, m.b, m.n) == -1);

	int ql = dns_build_query(q, sizeof q, 0x1111, "use-application-dns.net.", 28);
	CHECK(ql == 12 + 25 + 4);
	CHECK(dns_is_canary_query(q, (size_t)ql) == 1);
	ql = dns_build_query(q, sizeof q, 0x1111, "application-dns.net", 28);
	CHECK(dns_is_canary_query(q, (size_t)ql) == 0);
	CHECK(dns_is_canary_query(q, 5) == 0);
	/* a canary-looking name that is longer */
	ql = dns_build_query(q, sizeof q, 0x1111, "x.use-application-dns.net", 1);
	CHECK(dns_is_canary_query(q, (size_t)ql) == 0);
}

static void test_build_query(void)
{
	uint8_t q[512];
	char long_label[80];

	int n = dns_build_query(q, sizeof q, 0xabcd, "www.example.com", DNS_TYPE_TXT);
	CHECK(n == 33);
	CHECK_HEX(q, "abcd 0100 0001 0000 0000 0000 03777777 076578616d706c65 03636f6d 00 0010 0001");
	CHECK(dns_build_query(q, sizeof q, 0xabcd, "www.example.com.", DNS_TYPE_TXT) == 33);
	CHECK(dns_build_query(q, 32, 0xabcd, "www.example.com", DNS_TYPE_TXT) == -1);
	CHECK(dns_build_query(q, sizeof q, 1, "a..b", 1) == -1);
	CHECK(dns_build_query(q, sizeof q, 1, ".a", 1) == -1);
	CHECK(dns_build_query(q, sizeof q, 1, "a..", 1) == -1);
	memset(long_label, 'x', 64); long_label[64] = 0;
	CHECK(dns_build_query(q, sizeof q, 1, long_label, 1) == -1);
	long_label[63] = 0;
	CHECK(dns_build_query(q, sizeof q, 1, long_label, 1) == 12 + 65 + 4);
	/* the name of a TXT lookup for a pq1 owner */
	n = dns_build_query(q, sizeof q, 5, "ks." PQC_LABEL ".pqconnect.net", 16);
	CHECK(n == 12 + 3 + 56 + 10 + 4 + 1 + 4);
	CHECK(dns_build_query(q, sizeof q, 5, "", 2) == 17);   /* the root */
}

struct txt_acc { char buf[1024]; int calls, stop_after; };
static int txt_cb(void *arg, const uint8_t *t, size_t n)
{
	struct txt_acc *a = arg;
	strncat(a->buf, (const char *)t, n);
	strcat(a->buf, "|");
	return ++a->calls == a->stop_after;
}

static void test_txt(void)
{
	struct mb m;
	struct txt_acc acc;
	int rcode = -1;

	hdr(&m, 0x7777, 0x8180, 1, 3, 0, 0);
	size_t q = m.n; name(&m, "ks." PQC_LABEL ".pqconnect.net"); u16(&m, 16); u16(&m, 1);
	ptr(&m, q); rrhead(&m, 16, 60); u16(&m, 26); u8(&m, 25); raw(&m, "ip=195.201.35.121;p=42425", 25);
	ptr(&m, q); rrhead(&m, 1, 60); a_rdata(&m, 0x01020304);
	ptr(&m, q); rrhead(&m, 16, 60); u16(&m, 7); u8(&m, 2); raw(&m, "ab", 2); u8(&m, 0); u8(&m, 2); raw(&m, "cd", 2);

	memset(&acc, 0, sizeof acc);
	CHECK(dns_txt_strings(m.b, m.n, 0x7777, &rcode, txt_cb, &acc) == 0);
	CHECK(rcode == 0);
	CHECK(strcmp(acc.buf, "ip=195.201.35.121;p=42425|ab||cd|") == 0);
	memset(&acc, 0, sizeof acc);
	acc.stop_after = 1;
	CHECK(dns_txt_strings(m.b, m.n, 0x7777, &rcode, txt_cb, &acc) == 0);
	CHECK(acc.calls == 1);
	memset(&acc, 0, sizeof acc);
	CHECK(dns_txt_strings(m.b, m.n, 0x7778, &rcode, txt_cb, &acc) == -1);
	CHECK(acc.calls == 0);
	/* malformed character-string: length beyond the rdata */
	m.b[m.n - 3] = 3;
	CHECK(dns_txt_strings(m.b, m.n, 0x7777, &rcode, txt_cb, &acc) == -1);
	CHECK(acc.calls == 0);
	/* NXDOMAIN response: rcode reported */
	hdr(&m, 0x7777, 0x8183, 1, 0, 0, 0);
	name(&m, "x.example"); u16(&m, 16); u16(&m, 1);
	CHECK(dns_txt_strings(m.b, m.n, 0x7777, &rcode, txt_cb, &acc) == 0 && rcode == 3);

	uint16_t port = 0;
#define P(s) dns_txt_parse_p((const uint8_t *)(s), strlen(s), &port)
#define KS(s) dns_txt_parse_ks((const uint8_t *)(s), strlen(s), &port)
	CHECK(P("p=42424") == 0 && port == 42424);
	CHECK(P("\"p=42423\"") == 0 && port == 42423);
	CHECK(P(" p = 443 ") == 0 && port == 443);
	CHECK(P("p=1=2") == -1);
	CHECK(P("q=42424") == -1);
	CHECK(P("p=") == -1);
	CHECK(P("p") == -1);
	CHECK(P("p=70000") == -1);
	CHECK(P("p=0") == -1);
	CHECK(P("p=12a") == -1);
	CHECK(P("pp=1") == -1);
	CHECK(KS("ip=192.0.2.10;p=42425") == 0 && port == 42425);
	CHECK(KS("\"ip=195.201.35.121;p=42426\"") == 0 && port == 42426);
	CHECK(KS("ip=192.0.2.10; p = 53") == 0 && port == 53);
	CHECK(KS("ip=192.0.2.10") == -1);
	CHECK(KS("ip=192.0.2.10;p=1;x=2") == -1);
	CHECK(KS("ip=192.0.2.10;q=42425") == -1);
	CHECK(KS("ip=192.0.2.10;p=") == -1);
	CHECK(KS("ip192.0.2.10;p=5") == -1);
	CHECK(KS("p=42425") == -1);
}

/* Every prefix of a valid message is malformed; random byte changes never
 * crash, and anything inspect accepts rewrites into something that parses. */
static void test_truncate_and_mutate(void)
{
	struct mb msgs[3];
	struct dns_info info;
	uint8_t out[8192];
	int bad_prefix = 0, bad_rewrite = 0, accepted = 0;

	msg_pqconnect(&msgs[0], "www", PQC_LABEL, "pqconnect.net");
	msg_pqconnect(&msgs[1], "www", JLEV_LABEL "55g15fg1", "jlev.in");
	hdr(&msgs[2], 9, 0x8580, 1, 2, 0, 1);
	size_t q = msgs[2].n; name(&msgs[2], "www.pqconnect.net"); u16(&msgs[2], 1); u16(&msgs[2], 1);
	size_t owner = msgs[2].n; labels(&msgs[2], PQC_LABEL); ptr(&msgs[2], q + 4); rrhead(&msgs[2], 28, 50); aaaa_rdata(&msgs[2], 1);
	ptr(&msgs[2], owner); rrhead(&msgs[2], 1, 31); a_rdata(&msgs[2], 0x839b457e);
	u8(&msgs[2], 0); u16(&msgs[2], 41); u16(&msgs[2], 1232); u32(&msgs[2], 0); u16(&msgs[2], 0);

	for (int k = 0; k < 3; k++) {
		struct mb *m = &msgs[k];
		CHECK(dns_inspect(m->b, m->n, &info) == 0 && info.verdict == DNS_PQ1);
		for (size_t l = 0; l < m->n; l++) {
			int rc = 0;
			if (dns_inspect(m->b, l, &info) != -1 || dns_rewrite(out, sizeof out, m->b, l, NULL) != -1 ||
			    dns_make_nxdomain(out, sizeof out, m->b, l) != -1 ||
			    dns_txt_strings(m->b, l, m->b[0] << 8 | m->b[1], &rc, txt_cb, NULL) != -1)
				bad_prefix++;
		}
		/* trailing garbage */
		m->b[m->n] = 0;
		CHECK(dns_inspect(m->b, m->n + 1, &info) == -1);
		uint32_t seed = 12345 + (uint32_t)k;
		for (int iter = 0; iter < 20000; iter++) {
			struct mb c = *m;
			int flips = 1 + (iter & 3);
			for (int f = 0; f < flips; f++) {
				seed = seed * 1103515245u + 12345u;
				size_t at = (seed >> 8) % c.n;
				seed = seed * 1103515245u + 12345u;
				c.b[at] = (uint8_t)(seed >> 16);
			}
			if (dns_inspect(c.b, c.n, &info) != 0)
				continue;
			accepted++;
			uint32_t a = 0x0a3b0002;
			int n = dns_rewrite(out, sizeof out, c.b, c.n, &a);
			struct dns_info again;
			uint8_t out2[8192];
			/* the result parses, has no AAAA left, keeps the pq1 name if it
			 * still holds one, and rewriting it again changes nothing */
			if (n < 0 || dns_inspect(out, (size_t)n, &again) != 0 || again.naaaa != 0 ||
			    (again.verdict == DNS_PQ1 && strcmp(again.pq1_owner, info.pq1_owner) != 0) ||
			    dns_rewrite(out2, sizeof out2, out, (size_t)n, &a) != n || memcmp(out, out2, (size_t)n) != 0)
				bad_rewrite++;
		}
	}
	CHECK(bad_prefix == 0);
	CHECK(bad_rewrite == 0);
	CHECK(accepted > 1000);
}

static void test_malformed(void)
{
	struct mb m;
	struct dns_info info;
	uint8_t out[4096];

	/* pointer to itself */
	hdr(&m, 1, 0x8180, 1, 0, 0, 0); ptr(&m, 12); u16(&m, 1); u16(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	CHECK(dns_is_canary_query(m.b, m.n) == 0);
	/* a label then a pointer back to that label: a loop */
	hdr(&m, 1, 0x8180, 1, 0, 0, 0); labels(&m, "a"); ptr(&m, 12); u16(&m, 1); u16(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* two names pointing at each other */
	hdr(&m, 1, 0x8180, 1, 1, 0, 0); name(&m, "x"); u16(&m, 1); u16(&m, 1);
	size_t a = m.n; labels(&m, "b"); ptr(&m, a + 4); /* forward, into its own pointer */
	rrhead(&m, 1, 1); a_rdata(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* a forward pointer to a valid name */
	hdr(&m, 1, 0x8180, 1, 1, 0, 0); ptr(&m, 18); u16(&m, 1); u16(&m, 1);
	name(&m, "example.com"); rrhead(&m, 1, 1); a_rdata(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* a pointer into the header */
	hdr(&m, 1, 0x8180, 1, 0, 0, 0); ptr(&m, 4); u16(&m, 1); u16(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* label of 64 (0x40: extended label type) and 0x80 */
	hdr(&m, 1, 0x8180, 1, 0, 0, 0); u8(&m, 64); for (int i = 0; i < 64; i++) u8(&m, 'a'); end(&m); u16(&m, 1); u16(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	hdr(&m, 1, 0x8180, 1, 0, 0, 0); u8(&m, 0x80); u8(&m, 0); u16(&m, 1); u16(&m, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* name of exactly 255 bytes is fine, 256 is not */
	for (int extra = 0; extra < 2; extra++) {
		hdr(&m, 1, 0x8180, 1, 0, 0, 0);
		for (int l = 0; l < 3; l++) { u8(&m, 63); for (int i = 0; i < 63; i++) u8(&m, 'a'); }
		u8(&m, 61u + (unsigned)extra); for (int i = 0; i < 61 + extra; i++) u8(&m, 'b');
		end(&m); u16(&m, 1); u16(&m, 1);
		CHECK(dns_inspect(m.b, m.n, &info) == (extra ? -1 : 0));
	}
	/* name longer than 255 through compression: each name adds labels to the previous */
	hdr(&m, 1, 0x8180, 5, 0, 0, 0);
	size_t prev = 0;
	for (int k = 0; k < 5; k++) {
		size_t here = m.n;
		u8(&m, 60); for (int i = 0; i < 60; i++) u8(&m, 'c');
		if (k == 0) end(&m); else ptr(&m, prev);
		u16(&m, 1); u16(&m, 1);
		prev = here;
	}
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	set_count(&m, 0, 4);  /* 4 x 61 + 1 = 245: fine once the fifth question is gone */
	m.n -= 1 + 60 + 2 + 4;
	CHECK(dns_inspect(m.b, m.n, &info) == 0);
	/* counts larger than the data */
	msg_pqconnect(&m, "www", PQC_LABEL, "pqconnect.net");
	set_count(&m, 1, 3);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	CHECK(dns_rewrite(out, sizeof out, m.b, m.n, NULL) == -1);
	set_count(&m, 1, 2); set_count(&m, 3, 1);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	set_count(&m, 3, 0); set_count(&m, 0, 0xffff);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* wrong rdata lengths: A of 5 bytes, CNAME with a byte after the name */
	hdr(&m, 1, 0x8180, 0, 1, 0, 0); name(&m, "a"); rrhead(&m, 1, 1); u16(&m, 5); u32(&m, 1); u8(&m, 0);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	hdr(&m, 1, 0x8180, 0, 1, 0, 0); name(&m, "a"); rrhead(&m, 5, 1); u16(&m, 4); name(&m, "b"); u8(&m, 0);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* CNAME rdata whose name runs past rdlength */
	hdr(&m, 1, 0x8180, 0, 1, 0, 0); name(&m, "a"); rrhead(&m, 5, 1); u16(&m, 2); name(&m, "b");
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* empty TXT rdata */
	hdr(&m, 1, 0x8180, 0, 1, 0, 0); name(&m, "a"); rrhead(&m, 16, 1); u16(&m, 0);
	CHECK(dns_inspect(m.b, m.n, &info) == -1);
	/* short header */
	CHECK(dns_inspect(m.b, 11, &info) == -1);
	CHECK(dns_make_nxdomain(out, sizeof out, m.b, 11) == -1);
	CHECK(dns_is_canary_query(m.b, 0) == 0);
}

int main(void)
{
	test_captured();
	test_case();
	test_chain();
	test_aaaa();
	test_add_a();
	test_rewrite6();
	test_dnssec();
	test_pass();
	test_canary();
	test_build_query();
	test_txt();
	test_truncate_and_mutate();
	test_malformed();
	return check_done();
}

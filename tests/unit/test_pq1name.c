/* pq1 labels and names (PROTOCOL.md §4.3, §4.4, §4.7, §14.1). */
#include "check.h"
#include "proto/pq1name.h"

#define EX_HASH "u1hy1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu1"
#define EX_HEX "3a3c1f34c43a8a82e2ed236ac359ba3599d8fa3464ba95071e5018cd6a394ce9"

static const struct { uint16_t port; const char *chars; } ports[] = {
	{ 42424, "55g1" }, { 42425, "5fg1" }, { 42423, "5xf1" }, { 624, "20w0" },
	{ 584, "20l0" }, { 443, "1sg1" }, { 53, "08f0" }, { 65535, "zzz1" },
};

static int parse(struct pq1name *n, const char *s)
{
	return pq1_parse_name(n, s, strlen(s));
}

int main(void)
{
	struct pq1name n;
	char buf[PQ1_LONG_LEN + 1];
	uint8_t hash[32];

	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		char c[4];
		uint16_t p;
		pq1_port_encode(c, ports[i].port);
		CHECK_MSG(memcmp(c, ports[i].chars, 4) == 0, ports[i].chars);
		CHECK(pq1_port_decode(&p, ports[i].chars) == 0 && p == ports[i].port);
	}
	uint16_t p;
	CHECK(pq1_port_decode(&p, "zzz2") == -1);
	CHECK(pq1_port_decode(&p, "55a1") == -1);
	/* every port round-trips */
	int all = 1;
	for (unsigned q = 0; q < 65536; q++) {
		char c[4];
		pq1_port_encode(c, (uint16_t)q);
		if (pq1_port_decode(&p, c) != 0 || p != q)
			all = 0;
	}
	CHECK_MSG(all, "all 65536 ports round-trip");

	/* §4.7 worked example, short form */
	CHECK(parse(&n, "pq1" EX_HASH ".pqconnect.net") == 1);
	CHECK_HEX(n.hash, EX_HEX);
	CHECK(n.hash[0] == 0x3a && n.hash[1] == 0x3c && (n.hash[31] & 0x80));
	CHECK(n.has_ports == 0);
	CHECK(parse(&n, "pq1" EX_HASH ".pqconnect.net.") == 1);
	CHECK(parse(&n, "pq1" EX_HASH) == 1);

	/* long form with default ports */
	unhex(hash, EX_HEX);
	CHECK(pq1_format(buf, hash, 1, 42424, 42425) == 63);
	CHECK(memcmp(buf, "pq1" EX_HASH "55g15fg1", 63) == 0);
	CHECK(pq1_format(buf, hash, 0, 0, 0) == 55);
	CHECK(memcmp(buf, "pq1" EX_HASH, 55) == 0);
	CHECK(parse(&n, "pq1" EX_HASH "55g15fg1.example.org") == 1);
	CHECK(n.has_ports && n.cryptoport == 42424 && n.keyport == 42425);
	CHECK_HEX(n.hash, EX_HEX);
	CHECK(parse(&n, "www.pq1" EX_HASH "zzz1zzz1.pqconnect.net") == 1);
	CHECK(n.has_ports && n.cryptoport == 65535 && n.keyport == 65535);
	CHECK_HEX(n.hash, EX_HEX);
	CHECK(parse(&n, "pq1" EX_HASH "20w020l0") == 1);
	CHECK(n.cryptoport == 624 && n.keyport == 584);

	/* 1.2.3's pqconnect.net hash */
	CHECK(parse(&n, "pq1htvv9k4wkfcmpx6rufjlt1qrr4mnv0dzygx5mlrjdfsxczbnzun0.pqconnect.net") == 1);
	CHECK_HEX(n.hash, "2fef9d22e1b1ad59bbb9ba419983bd974cba01fbdef532e585ace1bebea25f53");

	/* invalid characters: "no PQConnect" for the whole name */
	CHECK(parse(&n, "pq1aeio1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu1.pqconnect.net") == -1);
	CHECK(parse(&n, "pq1" EX_HASH "55g15fa1") == -1);
	/* value that does not fit: last hash char >= '2' */
	CHECK(parse(&n, "pq1u1hy1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu2") == -1);
	CHECK(parse(&n, "pq1" EX_HASH "55g25fg1") == -1);

	/* case-insensitive: 0x20-randomised resolvers */
	CHECK(parse(&n, "PQ1U1HY1UJSUK258KRX3KU6WD9RP96KFXM64MGCT3S3J26UDP57DBU1.PQCONNECT.NET") == 1);
	CHECK_HEX(n.hash, EX_HEX);
	CHECK(parse(&n, "Pq1u1Hy1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu155G15fg1") == 1);
	CHECK(n.cryptoport == 42424);

	/* not pq1 labels: other lengths, other prefixes, other versions */
	CHECK(parse(&n, "www.example.com") == 0);
	CHECK(parse(&n, "") == 0);
	CHECK(parse(&n, ".") == 0);
	CHECK(parse(&n, "..") == 0);
	CHECK(parse(&n, "pq1") == 0);
	CHECK(parse(&n, "pq1abc.example") == 0);
	CHECK(parse(&n, "pq2" EX_HASH) == 0);
	CHECK(parse(&n, "xq1" EX_HASH) == 0);
	CHECK(parse(&n, "pq1" EX_HASH "0") == 0);         /* 56 chars */
	CHECK(parse(&n, "pq1" EX_HASH "55g15fg") == 0);   /* 62 chars */
	CHECK(parse(&n, "pq1" EX_HASH "55g15fg10") == 0); /* 64 chars */
	/* the first pq1 label decides; wrong-length pq1 labels are skipped */
	CHECK(parse(&n, "pq1short.pq1" EX_HASH ".x") == 1);
	CHECK(parse(&n, "pq1" EX_HASH "zzz1zzz1.pq1" EX_HASH) == 1 && n.has_ports);
	CHECK(parse(&n, "pq1aeio1ujsuk258krx3ku6wd9rp96kfxm64mgct3s3j26udp57dbu1.pq1" EX_HASH) == -1);

	/* label API directly */
	CHECK(pq1_parse_label(&n, "pq1" EX_HASH, 55) == 1);
	CHECK(pq1_parse_label(&n, "pq1" EX_HASH, 54) == 0);
	CHECK(pq1_parse_label(&n, "pq1" EX_HASH ".", 56) == 0);

	/* truncations of a name at every length never crash and never read past */
	const char *full = "www.pq1" EX_HASH "55g15fg1.example.org";
	size_t fl = strlen(full);
	int ok = 1;
	for (size_t l = 0; l <= fl; l++) {
		char *copy = malloc(l ? l : 1);
		memcpy(copy, full, l);
		int r = pq1_parse_name(&n, copy, l);
		if (l < 4 + 63 && r == 1 && l != 4 + 55)
			ok = 0;
		free(copy);
	}
	CHECK_MSG(ok, "truncated names parse only at label boundaries");
	return check_done();
}

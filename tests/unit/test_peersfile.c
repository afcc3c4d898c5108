/* The static peers file parser (src/client/peersfile.c): stanza and
 * one-line forms, defaults, ports from a 63-char label, every kind of
 * error with its line number, and no reads past the given length. */
#include "check.h"
#include "client/peersfile.c"

static char hash_a[53], hash_b[53], label_b[PQ1_LONG_LEN + 1];
static uint8_t raw_a[32], raw_b[32];

static int parse(struct peersfile *pf, const char *text, struct pf_error *e)
{
	return peersfile_parse(pf, text, strlen(text), e);
}

/* Parse expecting an error on line `line` whose message contains `word`. */
static int fails_at(const char *text, unsigned line, const char *word)
{
	static struct peersfile pf;
	struct pf_error e;
	if (parse(&pf, text, &e) != -1)
		return 0;
	if (e.line != line || !strstr(e.msg, word)) {
		printf("# got line %u: %s\n", e.line, e.msg);
		return 0;
	}
	return 1;
}

int main(void)
{
	static struct peersfile pf;
	struct pf_error e;
	char text[4096], label[PQ1_LONG_LEN];

	for (int i = 0; i < 32; i++) {
		raw_a[i] = (uint8_t)(i * 7 + 1);
		raw_b[i] = (uint8_t)(0xff - i);
	}
	pq1_format(label, raw_a, 0, 0, 0);
	memcpy(hash_a, label + 3, 52);
	pq1_format(label, raw_b, 0, 0, 0);
	memcpy(hash_b, label + 3, 52);
	pq1_format(label_b, raw_b, 1, 624, 584);
	label_b[PQ1_LONG_LEN] = 0;

	/* stanza form, every key, comments and blank lines, CRLF */
	snprintf(text, sizeof text,
	         "# static peers\n\n[office]\r\nhash = %s\naddress = 192.0.2.10\nport = 4000\nkeyport=4001\n"
	         "internal = 10.43.0.50\nevery = 500ms\ntimeout = 2s\nretries = 3\n"
	         "ifup = /usr/local/sbin/up \"$P_PEER\" x\nifdown = logger down\n"
	         "; the other one, one line, ports from its label\n"
	         "[lab] hash=%s address=198.51.100.7 every=1m\n",
	         hash_a, label_b);
	CHECK(parse(&pf, text, &e) == 0);
	CHECK(pf.n == 2);
	CHECK(!strcmp(pf.peer[0].name, "office"));
	CHECK(!memcmp(pf.peer[0].hash, raw_a, 32));
	CHECK(!memcmp(pf.peer[0].addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x0a", 16));
	CHECK(pf.peer[0].port == 4000 && pf.peer[0].keyport == 4001);
	CHECK(pf.peer[0].internal == 0x0a2b0032);
	CHECK(pf.peer[0].every_ms == 500 && pf.peer[0].timeout_ms == 2000 && pf.peer[0].retries == 3);
	CHECK(!strcmp(pf.peer[0].ifup, "/usr/local/sbin/up \"$P_PEER\" x"));
	CHECK(!strcmp(pf.peer[0].ifdown, "logger down"));
	CHECK(pf.peer[0].line == 3);
	CHECK(!strcmp(pf.peer[1].name, "lab"));
	CHECK(!memcmp(pf.peer[1].hash, raw_b, 32));
	CHECK(pf.peer[1].port == 624 && pf.peer[1].keyport == 584);
	CHECK(pf.peer[1].every_ms == 60000);
	CHECK(pf.peer[1].timeout_ms == PF_DEFAULT_TIMEOUT_MS && pf.peer[1].retries == PF_DEFAULT_RETRIES);
	CHECK(pf.peer[1].internal == 0 && pf.peer[1].ifup[0] == 0);
	CHECK(peersfile_find(&pf, raw_b) == &pf.peer[1]);

	/* defaults: ports 42424/42425 from a bare hash; explicit port beats the label */
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\n[b]\nport=7\nhash=%s\naddress=192.0.2.2\n", hash_a,
	         label_b);
	CHECK(parse(&pf, text, &e) == 0);
	CHECK(pf.peer[0].port == 42424 && pf.peer[0].keyport == 42425);
	CHECK(pf.peer[1].port == 7 && pf.peer[1].keyport == 584);
	/* IPv6 endpoints, and the crypto port with the address */
	snprintf(text, sizeof text, "[a] hash=%s address=2001:db8::7\n[b]\nhash=%s\naddress=[2001:db8::8]:4000\n",
	         hash_a, hash_b);
	CHECK(parse(&pf, text, &e) == 0 && pf.n == 2);
	CHECK(pf.peer[0].addr[0] == 0x20 && pf.peer[0].addr[1] == 0x01 && pf.peer[0].addr[15] == 7);
	CHECK(pf.peer[0].port == 42424 && pf.peer[0].keyport == 42425);
	CHECK(pf.peer[1].addr[15] == 8 && pf.peer[1].port == 4000 && pf.peer[1].keyport == 42425);
	snprintf(text, sizeof text, "[a] hash=%s address=192.0.2.3:4100 keyport=9\n", hash_a);
	CHECK(parse(&pf, text, &e) == 0 && pf.peer[0].port == 4100 && pf.peer[0].keyport == 9 &&
	      pf.peer[0].addr[10] == 0xff && pf.peer[0].addr[15] == 3);
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=[2001:db8::8]:4000\nport=4000\n", hash_a);
	CHECK(fails_at(text, 1, "given twice"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=2001:db8:8:4000:1:2:3:4:5\n", hash_a);
	CHECK(fails_at(text, 3, "bad address"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=[fe80::1%%eth0]:4000\n", hash_a);
	CHECK(fails_at(text, 3, "bad address"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=::ffff:192.0.2.1\n", hash_a);
	CHECK(fails_at(text, 3, "bad address"));
	/* empty file, only comments, no final newline */
	CHECK(parse(&pf, "", &e) == 0 && pf.n == 0);
	CHECK(parse(&pf, "# nothing\n  \n", &e) == 0 && pf.n == 0);
	snprintf(text, sizeof text, "[a] hash=%s address=192.0.2.1", hash_a);
	CHECK(parse(&pf, text, &e) == 0 && pf.n == 1);
	/* the length is what counts: a NUL-free prefix of a longer buffer */
	CHECK(peersfile_parse(&pf, text, 3, &e) == -1 && e.line == 1);   /* "[a]" without hash */

	/* errors, with their line */
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\ncolour=blue\n", hash_a);
	CHECK(fails_at(text, 4, "unknown key"));
	CHECK(fails_at("address=192.0.2.1\n", 1, "outside"));
	CHECK(fails_at("[a]\naddress=192.0.2.1\n", 1, "without hash"));
	snprintf(text, sizeof text, "\n[a]\nhash=%s\n", hash_a);
	CHECK(fails_at(text, 2, "without address"));
	CHECK(fails_at("[a]\nhash=abc\n", 2, "not a pq1"));
	snprintf(text, sizeof text, "[a]\nhash=%.51s!\n", hash_a);
	CHECK(fails_at(text, 2, "not a pq1"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.256\n", hash_a);
	CHECK(fails_at(text, 3, "bad address"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.01\n", hash_a);
	CHECK(fails_at(text, 3, "bad address"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2\n", hash_a);
	CHECK(fails_at(text, 3, "bad address"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\nport=65536\n", hash_a);
	CHECK(fails_at(text, 4, "bad port"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\nport=0\n", hash_a);
	CHECK(fails_at(text, 4, "bad port"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\nevery=5d\n", hash_a);
	CHECK(fails_at(text, 4, "bad time"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\ntimeout=10ms\n", hash_a);
	CHECK(fails_at(text, 4, "bad time"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\nretries=0\n", hash_a);
	CHECK(fails_at(text, 4, "retries"));
	snprintf(text, sizeof text, "[a]\nhash=%s\nhash=%s\n", hash_a, hash_a);
	CHECK(fails_at(text, 3, "twice"));
	snprintf(text, sizeof text, "[a]\nhash=%s\naddress=192.0.2.1\nport=\n", hash_a);
	CHECK(fails_at(text, 4, "empty value"));
	snprintf(text, sizeof text, "[a] hash=%s address=192.0.2.1\n[a] hash=%s address=192.0.2.2\n", hash_a, hash_b);
	CHECK(fails_at(text, 2, "used twice"));
	snprintf(text, sizeof text, "[a] hash=%s address=192.0.2.1\n[b] hash=%s address=192.0.2.2\n", hash_a, hash_a);
	CHECK(fails_at(text, 2, "same hash"));
	snprintf(text, sizeof text, "[a] hash=%s address=192.0.2.1 internal=10.43.0.9\n"
	                            "[b] hash=%s address=192.0.2.2 internal=10.43.0.9\n", hash_a, hash_b);
	CHECK(fails_at(text, 2, "same internal"));
	CHECK(fails_at("[bad name]\n", 1, "bad character"));
	CHECK(fails_at("[]\n", 1, "1 to 63"));
	CHECK(fails_at("[a\n", 1, "missing ']'"));
	CHECK(fails_at("[a] hash\n", 1, "key=value"));
	CHECK(fails_at("[a]\njunk\n", 2, "key = value"));
	CHECK(fails_at("[a]\nifup=a\001b\n", 2, "control character"));
	{
		static char big[PF_LINE_MAX + 64];
		memset(big, 'x', sizeof big - 1);
		memcpy(big, "[a]\nifup=", 9);
		CHECK(fails_at(big, 2, "too long"));
	}
	{
		const char nul[] = "[a]\nhash=\0abc\n";
		CHECK(peersfile_parse(&pf, nul, sizeof nul - 1, &e) == -1 && e.line == 2 && strstr(e.msg, "NUL"));
	}
	{
		/* more peers than fit */
		static char many[PF_MAX_PEERS * 120 + 200];
		size_t off = 0;
		uint8_t raw[32] = { 0 };
		for (int i = 0; i <= PF_MAX_PEERS; i++) {
			raw[0] = (uint8_t)i;
			pq1_format(label, raw, 0, 0, 0);
			off += (size_t)snprintf(many + off, sizeof many - off, "[p%d] hash=%.52s address=192.0.2.1\n", i,
			                        label + 3);
		}
		CHECK(fails_at(many, PF_MAX_PEERS + 1, "too many"));
	}
	/* a hostile byte soup: returns, never crashes (ASan/valgrind run this too) */
	{
		uint8_t soup[2048];
		uint32_t x = 12345;
		int ok = 1;
		for (int round = 0; round < 2000; round++) {
			size_t n = (size_t)(x % sizeof soup);
			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				soup[i] = "[]=\n #abhpq1.0123456789 \r\x00\xff"[(x >> 16) % 24];
			}
			int r = peersfile_parse(&pf, (const char *)soup, n, &e);
			if (r != 0 && r != -1)
				ok = 0;
		}
		CHECK(ok);
	}
	return check_done();
}

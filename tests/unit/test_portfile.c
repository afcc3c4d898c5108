/* Port files: the reference's int(text.strip()) & 65535, and refusals. */
#include "check.h"
#include "proto/portfile.h"

static int p(const char *s, uint16_t *port) { return portfile_parse(s, strlen(s), port); }

int main(void)
{
	uint16_t port = 1;
	CHECK(p("42424\n", &port) == 0 && port == 42424);
	CHECK(p("  624  \r\n", &port) == 0 && port == 624);
	CHECK(p("+584", &port) == 0 && port == 584);
	CHECK_MSG(p("107960", &port) == 0 && port == 42424, "107960 & 65535 = 42424");
	CHECK_MSG(p("-1", &port) == 0 && port == 65535, "-1 & 65535 = 65535");
	CHECK_MSG(p("-65536", &port) == 0 && port == 0, "-65536 & 65535 = 0");
	CHECK(p("-0", &port) == 0 && port == 0);
	CHECK(p("0", &port) == 0 && port == 0);
	CHECK(p("65535", &port) == 0 && port == 65535);
	CHECK(p("65536", &port) == 0 && port == 0);
	/* 10^30 + 42424 mod 65536: 10^30 mod 65536 = 0 (2^16 divides 10^30) */
	CHECK_MSG(p("1000000000000000000000000000000042424", &port) == 0 && port == 42424, "any length, mod 65536");
	port = 7;
	CHECK(p("", &port) == -1 && port == 7);
	CHECK(p(" \n", &port) == -1);
	CHECK(p("-", &port) == -1);
	CHECK(p("42424x", &port) == -1);
	CHECK(p("4 2", &port) == -1);
	CHECK(p("0x10", &port) == -1);
	CHECK(p("1_000", &port) == -1);
	CHECK(portfile_parse("42\0" "4", 4, &port) == -1);
	CHECK(port == 7);
	static char big[PORTFILE_MAX + 2];
	memset(big, '1', sizeof big);
	CHECK_MSG(portfile_parse(big, PORTFILE_MAX + 1, &port) == -1, "longer than PORTFILE_MAX: refused");
	CHECK(portfile_parse(big, PORTFILE_MAX, &port) == 0);
	/* the next key's default port: + 1, never the crypto port, 0 or itself */
	CHECK(portfile_next_keyport(42424, 42425) == 42426);
	CHECK(portfile_next_keyport(42426, 42425) == 42427);
	CHECK(portfile_next_keyport(1, 65535) == 2);
	CHECK(portfile_next_keyport(42424, 42423) == 42425);
	return check_done();
}

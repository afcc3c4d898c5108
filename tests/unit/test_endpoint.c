/* Outer addresses as the peers file writes them (proto/endpoint.c): IPv4
 * and IPv6, with and without a port, and every refusal; no reads past the
 * given length. */
#include <stdlib.h>
#include "check.h"
#include "proto/endpoint.h"

static int ok(const char *s, struct endpoint *ep) { return endpoint_parse(s, strlen(s), ep) == 0; }
static int bad(const char *s)
{
	struct endpoint ep;
	memset(&ep, 0x55, sizeof ep);
	int r = endpoint_parse(s, strlen(s), &ep);
	return r == -1 && ep.is_v4 == 0 && ep.has_port == 0;   /* nothing half-filled */
}

int main(void)
{
	struct endpoint ep;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 10 };

	CHECK(ok("192.0.2.10", &ep) && ep.is_v4 && !ep.has_port && !memcmp(ep.addr, v4, 16));
	CHECK(ok("192.0.2.10:42424", &ep) && ep.is_v4 && ep.has_port && ep.port == 42424 && !memcmp(ep.addr, v4, 16));
	CHECK(ok("2001:db8::1", &ep) && !ep.is_v4 && !ep.has_port && !memcmp(ep.addr, v6, 16));
	CHECK(ok("[2001:db8::1]", &ep) && !ep.is_v4 && !ep.has_port && !memcmp(ep.addr, v6, 16));
	CHECK(ok("[2001:DB8::1]:65535", &ep) && ep.has_port && ep.port == 65535 && !memcmp(ep.addr, v6, 16));
	CHECK(ok("[2001:db8:0:0:0:0:0:1]:1", &ep) && ep.port == 1 && !memcmp(ep.addr, v6, 16));
	CHECK(ok("::1", &ep) && !ep.is_v4 && ep.addr[15] == 1);
	CHECK(ok("fd00:43::2", &ep) && ep.addr[0] == 0xfd);
	CHECK(ok("127.0.0.1", &ep) && ep.is_v4);

	CHECK(bad(""));
	CHECK(bad("0.0.0.0"));
	CHECK(bad("255.255.255.255"));
	CHECK(bad("192.0.2.010"));
	CHECK(bad("192.0.2.256"));
	CHECK(bad("192.0.2"));
	CHECK(bad("192.0.2.1."));
	CHECK(bad("192.0.2.1:"));
	CHECK(bad("192.0.2.1:0"));
	CHECK(bad("192.0.2.1:65536"));
	CHECK(bad("192.0.2.1:042"));
	CHECK(bad("192.0.2.1:4x"));
	CHECK(bad(" 192.0.2.1"));
	CHECK(bad("::"));
	CHECK(bad("[::]:42424"));
	CHECK(bad("ff02::1"));
	CHECK(bad("::ffff:192.0.2.1"));
	CHECK(bad("[::ffff:192.0.2.1]:5"));
	CHECK(bad("fe80::1%eth0"));
	CHECK(bad("[fe80::1%eth0]:5"));
	CHECK(bad("[2001:db8::1]:"));
	CHECK(bad("[2001:db8::1]:0"));
	CHECK(bad("[2001:db8::1]42424"));
	CHECK(bad("[2001:db8::1"));
	CHECK(bad("2001:db8::1]"));
	CHECK(bad("[]"));
	CHECK(bad("[192.0.2.1]"));
	CHECK(bad("2001:db8::g"));
	CHECK(bad("2001:db8:::1"));
	CHECK(bad("1:2:3:4:5:6:7:8:9"));
	CHECK(bad("[2001:db8::1]:42424 "));
	CHECK(bad("example.org"));
	CHECK(bad("[2001:0db8:0000:0000:0000:0000:0000:0001]:42424xxxxxxxxxxxxxx"));

	/* the length is what counts: no read past it (ASan sees the heap copy's end) */
	const char *full = "[2001:db8::1]:42424";
	for (size_t n = 0; n <= strlen(full); n++) {
		char *h = malloc(n ? n : 1);
		memcpy(h, full, n);
		int r = endpoint_parse(h, n, &ep);
		free(h);
		if (n == 13 || n >= 15)   /* "[2001:db8::1]" and "[2001:db8::1]:4" .. ":42424" */
			CHECK_MSG(r == 0, "prefix that is itself an address");
		else if (r != -1)
			CHECK_MSG(0, "a cut address is refused");
	}
	CHECK(endpoint_parse("192.0.2.1\0" "5", 11, &ep) == -1);
	return check_done();
}

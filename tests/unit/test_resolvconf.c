/* resolv.conf: IPv6 nameservers counted, malformed text refused. */
#include <string.h>
#include "check.h"
#include "proto/resolvconf.h"

static int c(const char *s) { return resolvconf_ipv6_nameservers(s, strlen(s)); }

int main(void)
{
	static char big[RESOLVCONF_MAX_LINE + 64];
	CHECK(c("") == 0);
	CHECK(c("nameserver 10.255.255.53\n") == 0);
	CHECK(c("nameserver 2001:db8::53\n") == 1);
	CHECK(c("nameserver 2001:db8::53") == 1);
	CHECK_MSG(c("  nameserver\t::1  \r\n") == 1, "blanks around, CRLF");
	CHECK_MSG(c("nameserver fe80::1%eth0\n") == 1, "a scope id");
	CHECK(c("nameserver 192.0.2.53\nnameserver 2001:db8::1\nnameserver 2001:db8::2\n") == 2);
	CHECK_MSG(c("# nameserver 2001:db8::53\n; nameserver ::1\n") == 0, "comments");
	CHECK_MSG(c("nameservers 2001:db8::53\n") == 0 && c("nameserver2001:db8::53\n") == 0, "not the keyword");
	CHECK_MSG(c("search nameserver 2001:db8::53\n") == 0, "not at the start of a line");
	CHECK_MSG(c("nameserver 2001:db8:::53\nnameserver\n") == 0, "no valid address: ignored, as glibc does");
	CHECK_MSG(resolvconf_ipv6_nameservers("nameserver ::1\0", 15) == -1, "a NUL byte: malformed");
	memset(big, 'x', sizeof big - 1);
	CHECK_MSG(c(big) == -1, "a line longer than the bound: malformed");
	memcpy(big, "nameserver ::1\n", 15);
	big[15 + RESOLVCONF_MAX_LINE] = 0;
	CHECK(c(big) == 1);
	return check_done();
}

/* Token buckets: a burst passes, then the rate; sources are independent;
 * the global bucket caps everything.  Source keys: IPv4 (and v4-mapped)
 * by address, IPv6 by /64. */
#include <arpa/inet.h>
#include "check.h"
#include "crypto/crypto.h"
#include "core/ratelimit.h"

static uint64_t key6(const char *text)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	if (inet_pton(AF_INET6, text, &s6.sin6_addr) != 1)
		abort();
	return ratelimit_key((const struct sockaddr *)&s6);
}

static uint64_t key4(const char *text)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	if (inet_pton(AF_INET, text, &s4.sin_addr) != 1)
		abort();
	return ratelimit_key((const struct sockaddr *)&s4);
}

/* how many of 100 packets from key pass at time now */
static int burst(struct ratelimit *r, uint64_t key, uint64_t now)
{
	int n = 0;
	for (int i = 0; i < 100; i++)
		n += ratelimit_allow(r, key, now);
	return n;
}

int main(void)
{
	static struct ratelimit r;
	int n = 0;
	CHECK(crypto_init() == 0);
	ratelimit_init(&r, 10, 20, 1000, 1000);
	CHECK_MSG(burst(&r, key4("192.0.2.20"), 1000) == 20, "a burst of 20 from one source, then nothing");
	CHECK_MSG(burst(&r, key4("192.0.2.20"), 2000) == 10, "one second later: 10 more");
	CHECK_MSG(ratelimit_allow(&r, key4("192.0.2.21"), 2000), "another source is not affected");
	/* the global bucket: 1000 per second over many sources */
	ratelimit_init(&r, 10, 20, 1000, 1000);
	n = 0;
	for (uint32_t s = 0; s < 500; s++)
		for (int i = 0; i < 5; i++)
			n += ratelimit_allow(&r, ratelimit_key_ip4(0x0a000000 + s * 7919), 10000);
	CHECK_MSG(n == 1000, "the global limit caps 500 sources x 5");

	/* keys */
	CHECK(key4("192.0.2.20") == ratelimit_key_ip4(0xc0000214));
	CHECK_MSG(key6("::ffff:192.0.2.20") == key4("192.0.2.20"), "v4-mapped IPv6 = its IPv4 address");
	CHECK_MSG(key6("2001:db8:1:2::1") == key6("2001:db8:1:2:ffff:ffff:ffff:ffff"), "one /64, one key");
	CHECK_MSG(key6("2001:db8:1:2::1") != key6("2001:db8:1:3::1"), "another /64, another key");
	CHECK_MSG(key6("2001:db8:1:2::1") == 0x20010db800010002ull, "the /64 itself");
	CHECK_MSG(key6("2001:db8::1") != 0 && key6("2001:db8::1") != key6("fe80::1"), "native IPv6 is not key 0");
	CHECK_MSG(key4("0.0.0.0") != key6("::") && key4("255.255.255.255") != key6("ffff:ffff::"),
	          "IPv4 keys are outside the unicast IPv6 key space");
	CHECK_MSG((key6("2001:db8::1") >> 56) != 0xff && (key4("10.0.0.1") >> 56) == 0xff, "the v4 tag");
	struct sockaddr un = { .sa_family = AF_UNIX };
	CHECK(ratelimit_key(&un) == 0);

	/* the issue: one IPv6 host used to lock out every IPv6 source */
	ratelimit_init(&r, 10, 20, 100000, 100000);
	CHECK_MSG(burst(&r, key6("2001:db8:bad::1"), 1000) == 20, "an IPv6 flooder gets its burst");
	CHECK_MSG(burst(&r, key6("2001:db8:bad::2"), 1000) == 0, "and no more from another address of its /64");
	CHECK_MSG(burst(&r, key6("2001:db8:900d::1"), 1000) == 20, "an IPv6 client in another /64 is not affected");
	CHECK_MSG(burst(&r, key6("::ffff:198.51.100.7"), 1000) == 20, "nor a v4-mapped client");
	n = 0;
	for (uint32_t s = 0; s < 1000; s++) {
		uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, (uint8_t)(s >> 8), (uint8_t)s, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
		n += ratelimit_allow(&r, ratelimit_key_ip6(a), 2000);
	}
	CHECK_MSG(n == 1000, "1000 /64s are 1000 sources: each gets its first packet");
	return check_done();
}

/* Token buckets: a burst passes, then the rate; sources are independent;
 * the global bucket caps everything. */
#include "check.h"
#include "crypto/crypto.h"
#include "core/ratelimit.h"

int main(void)
{
	static struct ratelimit r;
	int n = 0;
	CHECK(crypto_init() == 0);
	ratelimit_init(&r, 10, 20, 1000, 1000);
	for (int i = 0; i < 100; i++)
		n += ratelimit_allow(&r, 0xc0000214, 1000);
	CHECK_MSG(n == 20, "a burst of 20 from one source, then nothing");
	n = 0;
	for (int i = 0; i < 100; i++)
		n += ratelimit_allow(&r, 0xc0000214, 2000);           /* one second later: 10 more */
	CHECK(n == 10);
	CHECK(ratelimit_allow(&r, 0xc0000215, 2000));          /* another source is not affected */
	/* the global bucket: 1000 per second over many sources */
	ratelimit_init(&r, 10, 20, 1000, 1000);
	n = 0;
	for (uint32_t s = 0; s < 500; s++)
		for (int i = 0; i < 5; i++)
			n += ratelimit_allow(&r, 0x0a000000 + s * 7919, 10000);
	CHECK_MSG(n == 1000, "the global limit caps 500 sources x 5");
	return check_done();
}

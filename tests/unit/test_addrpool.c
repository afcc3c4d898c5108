/* Address pool: lowest free first, reservation at allocation, reuse of
 * freed numbers, own address and broadcast never handed out, exhaustion. */
#include "check.h"
#include "core/addrpool.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

int main(void)
{
	static struct addrpool p;
	uint32_t a = 0, b = 0, c = 0, d = 0;

	CHECK(addrpool_init(&p, IP(10, 43, 0, 1), 16) == 0);
	CHECK(addrpool_alloc(&p, &a) == 0 && a == IP(10, 43, 0, 2));
	CHECK(addrpool_alloc(&p, &b) == 0 && b == IP(10, 43, 0, 3));
	CHECK(addrpool_alloc(&p, &c) == 0 && c == IP(10, 43, 0, 4));
	CHECK(addrpool_is_used(&p, b));
	addrpool_free(&p, b);
	CHECK(!addrpool_is_used(&p, b));
	CHECK(addrpool_alloc(&p, &d) == 0 && d == IP(10, 43, 0, 3));   /* lowest free again */
	addrpool_free(&p, IP(10, 43, 0, 1));                              /* own: not freeable */
	CHECK(addrpool_alloc(&p, &d) == 0 && d == IP(10, 43, 0, 5));
	CHECK(addrpool_in_subnet(&p, IP(10, 43, 200, 7)));
	CHECK(!addrpool_in_subnet(&p, IP(10, 44, 0, 7)));
	CHECK(addrpool_index(&p, IP(10, 43, 1, 2)) == 258);
	CHECK(addrpool_index(&p, IP(192, 0, 2, 1)) == -1);
	CHECK(p.used == 4);

	/* a /29: hosts 2..6 only (0 network, 1 reserved, 7 broadcast) */
	CHECK(addrpool_init(&p, IP(192, 168, 5, 1), 29) == 0);
	int n = 0;
	uint32_t last = 0;
	while (addrpool_alloc(&p, &a) == 0) {
		n++;
		last = a;
	}
	CHECK(n == 5);
	CHECK(last == IP(192, 168, 5, 6));
	addrpool_free(&p, IP(192, 168, 5, 7));   /* broadcast: ignored */
	CHECK(addrpool_alloc(&p, &a) == -1);
	addrpool_free(&p, IP(192, 168, 5, 4));
	CHECK(addrpool_alloc(&p, &a) == 0 && a == IP(192, 168, 5, 4));

	/* own address in the middle (overlap fallback gives odd addresses) */
	CHECK(addrpool_init(&p, IP(10, 0, 0, 2), 24) == 0);
	CHECK(addrpool_alloc(&p, &a) == 0 && a == IP(10, 0, 0, 3));

	/* a /8 is capped at 65536 host numbers */
	CHECK(addrpool_init(&p, IP(10, 0, 0, 1), 8) == 0);
	CHECK(p.size == 65536);
	int m = 0;
	while (addrpool_alloc(&p, &a) == 0)
		m++;
	CHECK(m == 65534);
	CHECK(a == IP(10, 0, 255, 255));
	CHECK(addrpool_init(&p, IP(10, 0, 0, 1), 7) == -1);
	return check_done();
}

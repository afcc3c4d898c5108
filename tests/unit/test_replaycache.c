/* The initiation replay cache: seen while live, forgotten after the TTL,
 * refuses to forget early when full. */
#include "check.h"
#include "crypto/crypto.h"
#include "core/replaycache.h"

int main(void)
{
	static struct replaycache r;
	uint8_t c0[MCE_CT_LEN], other[MCE_CT_LEN];
	CHECK(crypto_init() == 0);
	CHECK(replaycache_init(&r, 150000) == 0);
	random_bytes(c0, sizeof c0);
	memcpy(other, c0, sizeof other);
	other[193] ^= 1;
	CHECK(!replaycache_seen(&r, c0, sizeof c0, 1000));
	CHECK(replaycache_add(&r, c0, sizeof c0, 1000) == 0);
	CHECK(replaycache_seen(&r, c0, sizeof c0, 1001));
	CHECK(!replaycache_seen(&r, other, sizeof other, 1001));        /* one bit differs */
	CHECK(replaycache_seen(&r, c0, sizeof c0, 1000 + 149999));      /* still inside the window */
	CHECK(!replaycache_seen(&r, c0, sizeof c0, 1000 + 150000));     /* expired */
	CHECK(r.count == 0);
	/* many entries, all found, then all expire together */
	memset(other, 0, sizeof other);
	int ok = 1;
	for (uint32_t i = 0; i < 100000; i++) {
		memcpy(other, &i, sizeof i);
		ok &= replaycache_add(&r, other, sizeof other, 5000) == 0;
	}
	for (uint32_t i = 0; i < 100000; i += 997) {
		memcpy(other, &i, sizeof i);
		ok &= replaycache_seen(&r, other, sizeof other, 6000);
	}
	CHECK_MSG(ok, "100000 entries remembered");
	/* full: new entries refused rather than old ones forgotten */
	ok = 1;
	for (uint32_t i = 100000; i < REPLAY_CAP; i++) {
		memcpy(other, &i, sizeof i);
		ok &= replaycache_add(&r, other, sizeof other, 7000) == 0;
	}
	CHECK_MSG(ok, "filled to capacity");
	CHECK(replaycache_add(&r, c0, sizeof c0, 8000) == -1);
	memset(other, 0, sizeof other);
	CHECK(replaycache_seen(&r, other, sizeof other, 8000));         /* the oldest is still there */
	CHECK(replaycache_add(&r, c0, sizeof c0, 5000 + 150000) == 0);  /* room again once the first expired */
	replaycache_free(&r);
	return check_done();
}

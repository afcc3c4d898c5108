/* Short-term keys: made just in time (current + next slot), published for
 * the current slot, accepted for 120 s, erased after. */
#include "check.h"
#include "crypto/crypto.h"
#include "core/ephkeys.h"

static int used(const struct ephkeys *k)
{
	int n = 0;
	for (int i = 0; i < EPH_SLOTS; i++)
		n += k->slot[i].used;
	return n;
}

int main(void)
{
	static struct ephkeys k;
	const struct ephkey *acc[EPH_SLOTS];
	uint64_t t = 1700000000;          /* a multiple of 30 plus 20 */
	t += 30 - t % 30 + 5;
	CHECK(crypto_init() == 0);
	CHECK(ephkeys_rotate(&k, t) == 0);
	CHECK(used(&k) == 2);                                   /* current and next, no more */
	const struct ephkey *cur = ephkeys_current(&k, t);
	CHECK(cur && cur->start == eph_round(t));
	uint8_t pk[X25519_LEN];
	x25519_public(pk, cur->x_sk);
	CHECK(!memcmp(pk, cur->x_pk, sizeof pk));
	CHECK(ephkeys_accepted(&k, t, acc, EPH_SLOTS) == 1);
	/* six slots later (5 s into a slot): the keys of the last 120 s are
	 * accepted, newest first (4 here, 5 right at a slot boundary); older
	 * ones are erased */
	for (int i = 1; i <= 6; i++)
		ephkeys_rotate(&k, t + 30 * (uint64_t)i);
	int n = ephkeys_accepted(&k, t + 180, acc, EPH_SLOTS);
	CHECK(n == 4);
	n = ephkeys_accepted(&k, t + 180, acc, EPH_SLOTS);
	int order = 1;
	for (int i = 1; i < n; i++)
		order &= acc[i - 1]->start > acc[i]->start;
	CHECK_MSG(order, "accepted keys come newest first");
	CHECK(acc[0]->start == eph_round(t + 180) && acc[n - 1]->start + EPH_ACCEPT_S >= t + 180);
	CHECK(used(&k) <= 6);
	CHECK(k.erased >= 2);
	/* erased slots hold no secret */
	static const uint8_t zero[NTRU_SK_LEN];
	int clean = 1;
	for (int i = 0; i < EPH_SLOTS; i++)
		if (!k.slot[i].used)
			clean &= !memcmp(k.slot[i].ntru_sk, zero, NTRU_SK_LEN) && !memcmp(k.slot[i].x_sk, zero, X25519_LEN);
	CHECK_MSG(clean, "erased slots are zero");
	/* a backwards clock jump of a day: fresh keys, the future ones dropped */
	CHECK(ephkeys_rotate(&k, t + 180 - 86400) == 0);
	CHECK(ephkeys_current(&k, t + 180 - 86400)->start == eph_round(t + 180 - 86400));
	CHECK(ephkeys_accepted(&k, t + 180 - 86400, acc, EPH_SLOTS) == 1);
	ephkeys_wipe(&k);
	return check_done();
}

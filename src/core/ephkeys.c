/* Short-term key slots, made just in time and erased after the acceptance window. */
#include <string.h>
#include "core/ephkeys.h"

static struct ephkey *find(struct ephkeys *k, uint64_t start)
{
	for (int i = 0; i < EPH_SLOTS; i++)
		if (k->slot[i].used && k->slot[i].start == start)
			return &k->slot[i];
	return NULL;
}

static void erase(struct ephkeys *k, struct ephkey *e)
{
	wipe(e, sizeof *e);
	k->erased++;
}

static struct ephkey *make(struct ephkeys *k, uint64_t start)
{
	struct ephkey *e = find(k, start), *oldest = NULL;
	if (e)
		return e;
	for (int i = 0; i < EPH_SLOTS && !e; i++)
		if (!k->slot[i].used)
			e = &k->slot[i];
	if (!e) {
		/* clock jumped: reuse the oldest slot */
		for (int i = 0; i < EPH_SLOTS; i++)
			if (!oldest || k->slot[i].start < oldest->start)
				oldest = &k->slot[i];
		erase(k, oldest);
		e = oldest;
	}
	if (ntru_keypair(e->ntru_pk, e->ntru_sk) != 0) {
		wipe(e, sizeof *e);
		return NULL;
	}
	x25519_keypair(e->x_pk, e->x_sk);
	e->start = start;
	e->used = 1;
	k->generated++;
	return e;
}

int ephkeys_rotate(struct ephkeys *k, uint64_t now)
{
	uint64_t cur = eph_round(now);
	for (int i = 0; i < EPH_SLOTS; i++) {
		struct ephkey *e = &k->slot[i];
		/* too old, or far in the future after a backwards clock jump */
		if (e->used && (e->start + EPH_ACCEPT_S < now || e->start > cur + EPH_SLOT_S))
			erase(k, e);
	}
	if (!make(k, cur) || !make(k, cur + EPH_SLOT_S))
		return -1;
	return 0;
}

const struct ephkey *ephkeys_current(struct ephkeys *k, uint64_t now)
{
	return make(k, eph_round(now));
}

int ephkeys_accepted(const struct ephkeys *k, uint64_t now, const struct ephkey **out, int max)
{
	uint64_t cur = eph_round(now);
	int n = 0;
	for (int i = 0; i < EPH_SLOTS; i++) {
		const struct ephkey *e = &k->slot[i];
		if (e->used && e->start <= cur && e->start + EPH_ACCEPT_S >= now && n < max)
			out[n++] = e;
	}
	/* newest first: insertion sort of a handful */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out[j]->start > out[j - 1]->start; j--) {
			const struct ephkey *t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

void ephkeys_wipe(struct ephkeys *k)
{
	wipe(k, sizeof *k);
}

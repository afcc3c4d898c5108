#include <string.h>
#include "crypto/crypto.h"
#include "core/ratelimit.h"

void ratelimit_init(struct ratelimit *r, double rate, double burst, double grate, double gburst)
{
	memset(r, 0, sizeof *r);
	r->rate = rate;
	r->burst = burst;
	r->grate = grate;
	r->gburst = gburst;
	r->global.tokens = gburst;
	random_bytes(&r->salt, sizeof r->salt);
}

static int take(struct rl_bucket *b, double rate, double burst, uint64_t now)
{
	if (now > b->last) {
		b->tokens += (double)(now - b->last) * rate / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

int ratelimit_allow(struct ratelimit *r, uint32_t key, uint64_t now)
{
	uint32_t h = (key ^ r->salt) * 2654435761u;
	struct rl_bucket *b = &r->slot[h >> 20];   /* 12 bits */
	if (b->key != key || b->last == 0) {
		/* a new source (or a collision): start with a full bucket */
		b->key = key;
		b->tokens = r->burst;
		b->last = now;
	}
	if (!take(b, r->rate, r->burst, now))
		return 0;
	return take(&r->global, r->grate, r->gburst, now);
}

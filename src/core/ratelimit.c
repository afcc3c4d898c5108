#include <string.h>
#include <netinet/in.h>
#include <sodium.h>
#include "crypto/crypto.h"
#include "core/ratelimit.h"

_Static_assert(sizeof ((struct ratelimit *)0)->salt == crypto_shorthash_KEYBYTES, "SipHash key size");

uint64_t ratelimit_key_ip4(uint32_t addr)
{
	return RL_KEY_V4_TAG | addr;
}

uint64_t ratelimit_key_ip6(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint64_t k = 0;

	if (!memcmp(a, mapped, sizeof mapped))
		return ratelimit_key_ip4((uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15]);
	for (int i = 0; i < 8; i++)
		k = k << 8 | a[i];
	return k;
}

uint64_t ratelimit_key(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
		return ratelimit_key_ip4(ntohl(in4->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		return ratelimit_key_ip6(in6->sin6_addr.s6_addr);
	}
	return 0;
}

void ratelimit_init(struct ratelimit *r, double rate, double burst, double grate, double gburst)
{
	memset(r, 0, sizeof *r);
	r->rate = rate;
	r->burst = burst;
	r->grate = grate;
	r->gburst = gburst;
	r->global.tokens = gburst;
	random_bytes(r->salt, sizeof r->salt);
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

int ratelimit_allow(struct ratelimit *r, uint64_t key, uint64_t now)
{
	uint8_t in[8], h[crypto_shorthash_BYTES];

	for (int i = 0; i < 8; i++)
		in[i] = (uint8_t)(key >> (56 - 8 * i));
	crypto_shorthash(h, in, sizeof in, r->salt);
	struct rl_bucket *b = &r->slot[((unsigned)h[0] << 8 | h[1]) % RL_SLOTS];
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

void ratelimit_one_init(struct rl_one *r, double rate, double burst)
{
	r->rate = rate;
	r->burst = burst;
	r->b.key = 0;
	r->b.tokens = burst;
	r->b.last = 0;
}

int ratelimit_one_allow(struct rl_one *r, uint64_t now) { return take(&r->b, r->rate, r->burst, now); }

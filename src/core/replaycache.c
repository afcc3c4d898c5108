/* A ring of entries in arrival order (so expiry is oldest-first and O(1)),
 * indexed by a chained hash table.  Tags are 16 bytes of H(c0). */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "crypto/crypto.h"
#include "core/replaycache.h"

int replaycache_init(struct replaycache *r, uint64_t ttl)
{
	memset(r, 0, sizeof *r);
	r->e = calloc(REPLAY_CAP, sizeof *r->e);
	r->ttl = ttl;
	return r->e ? 0 : -1;
}

void replaycache_free(struct replaycache *r)
{
	free(r->e);
	r->e = NULL;
}

static void tag_of(uint8_t tag[16], uint32_t *bucket, const uint8_t *c0, unsigned len)
{
	uint8_t h[HASH_LEN];
	hash32(h, c0, len);
	memcpy(tag, h, 16);
	*bucket = (uint32_t)(h[16] | h[17] << 8) % REPLAY_BUCKETS;
}

static void unlink_entry(struct replaycache *r, uint32_t idx)
{
	uint32_t *p = &r->head[r->e[idx].bucket];
	while (*p) {
		if (*p == idx + 1) {
			*p = r->e[idx].next;
			return;
		}
		p = &r->e[*p - 1].next;
	}
}

static void expire(struct replaycache *r, uint64_t now)
{
	while (r->count && r->e[r->first].expire <= now) {
		unlink_entry(r, r->first);
		r->first = (r->first + 1) % REPLAY_CAP;
		r->count--;
	}
}

int replaycache_seen(struct replaycache *r, const uint8_t *c0, unsigned len, uint64_t now)
{
	uint8_t tag[16];
	uint32_t b;
	expire(r, now);
	tag_of(tag, &b, c0, len);
	for (uint32_t i = r->head[b]; i; i = r->e[i - 1].next)
		if (!memcmp(r->e[i - 1].tag, tag, 16))
			return 1;
	return 0;
}

int replaycache_add(struct replaycache *r, const uint8_t *c0, unsigned len, uint64_t now)
{
	uint32_t idx, b;
	expire(r, now);
	if (r->count == REPLAY_CAP)
		return -1;
	idx = (r->first + r->count) % REPLAY_CAP;
	tag_of(r->e[idx].tag, &b, c0, len);
	r->e[idx].expire = now + r->ttl;
	r->e[idx].bucket = b;
	r->e[idx].next = r->head[b];
	r->head[b] = idx + 1;
	r->count++;
	return 0;
}

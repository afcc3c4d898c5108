/* Initiations seen (PROTOCOL.md §7.4, §15.1 item 4): keyed by the McEliece
 * ciphertext c0 (its hash), remembered for the whole time its ephemeral key
 * can be accepted.  Fixed-size: memory is bounded by construction; when the
 * table is full of live entries, new handshakes are refused rather than an
 * entry forgotten early (a forgotten entry would let a replay through). */
#ifndef PQC_REPLAYCACHE_H
#define PQC_REPLAYCACHE_H
#include <stdint.h>

#define REPLAY_BUCKETS 65536u
#define REPLAY_CAP 262144u     /* live entries at most */

struct replay_entry {
	uint8_t tag[16];
	uint64_t expire;           /* ms */
	uint32_t next;             /* index + 1 in the bucket chain, 0 = end */
	uint32_t bucket;
};

struct replaycache {
	uint32_t head[REPLAY_BUCKETS];   /* index + 1 */
	struct replay_entry *e;          /* ring of REPLAY_CAP entries, oldest first */
	uint32_t first, count;
	uint64_t ttl;
};

int replaycache_init(struct replaycache *r, uint64_t ttl_ms);
void replaycache_free(struct replaycache *r);
/* 1 if c0 (any length) was seen and has not expired. */
int replaycache_seen(struct replaycache *r, const uint8_t *c0, unsigned len, uint64_t now);
/* Remember c0 until now + ttl.  0, -1 if the table is full of live entries. */
int replaycache_add(struct replaycache *r, const uint8_t *c0, unsigned len, uint64_t now);
#endif

/* The server's short-term keys (PROTOCOL.md §3.3): one sntrup761 + X25519
 * pair per 30-second slot, labelled start = wall time rounded down to 30 s.
 * Unlike the reference (a whole day made in advance), pairs are made just in
 * time, one slot ahead; the pair of the current slot is published; a
 * handshake may use any pair whose start is within the last 120 s (what the
 * reference accepts); older pairs are erased. */
#ifndef PQC_EPHKEYS_H
#define PQC_EPHKEYS_H
#include <stdint.h>
#include "crypto/crypto.h"

#define EPH_SLOT_S 30
#define EPH_ACCEPT_S 120
#define EPH_SLOTS 7          /* accepted (5) + current + one ahead, with room */

struct ephkey {
	int used;
	uint64_t start;                      /* wall seconds, multiple of 30 */
	uint8_t ntru_pk[NTRU_PK_LEN];
	uint8_t ntru_sk[NTRU_SK_LEN];
	uint8_t x_pk[X25519_LEN];
	uint8_t x_sk[X25519_LEN];
};

struct ephkeys {
	struct ephkey slot[EPH_SLOTS];
	uint64_t generated;                  /* pairs made so far (stats) */
	uint64_t erased;
};

static inline uint64_t eph_round(uint64_t wall) { return wall - wall % EPH_SLOT_S; }

/* Make sure the pairs for round(now) and round(now)+30 exist; erase every
 * pair with start < now - 120.  Call at start and at every slot boundary
 * (calling more often is harmless).  0, or -1 if a key could not be made. */
int ephkeys_rotate(struct ephkeys *k, uint64_t wall_now);
/* The published pair (start == round(now)), made on demand; NULL on failure. */
const struct ephkey *ephkeys_current(struct ephkeys *k, uint64_t wall_now);
/* Accepted pairs, newest first: fills out[] (at most max), returns the count.
 * Accepted: start <= round(now) and start >= now - 120. */
int ephkeys_accepted(const struct ephkeys *k, uint64_t wall_now, const struct ephkey **out, int max);
void ephkeys_wipe(struct ephkeys *k);
#endif

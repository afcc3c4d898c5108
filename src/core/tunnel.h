/* One tunnel's key schedule (PROTOCOL.md §8.2–§8.4), with the reference's
 * epoch numbering but safer receive rules:
 *  - the ratchet (new receive epochs, counter windows, send-epoch catch-up)
 *    moves only after a packet authenticates; candidates are derived in
 *    scratch memory first;
 *  - every packet key is used once and erased; a sliding window of chain
 *    steps per epoch replaces the reference's 90-key cap;
 *  - receive epochs are erased 120 s after they were created, send epochs
 *    when they end (30 s); epoch numbers never wrap (the tunnel reports that
 *    it needs a new handshake first).
 * No I/O; time is passed in (monotonic ms). */
#ifndef PQC_TUNNEL_H
#define PQC_TUNNEL_H
#include <stddef.h>
#include <stdint.h>
#include "proto/handshake.h"

#define CHAIN_STEP 18               /* packet keys per chain step */
#define EPOCH_MS 30000              /* epoch length */
#define EPOCH_TIMEOUT_MS 120000     /* lifetime of a receive epoch */
#define RX_EPOCHS 5                 /* receive epochs held at most */
#define RX_STEPS 8                  /* chain steps (x18 keys) held per receive epoch */
#define RX_AHEAD_STEPS 256          /* how far ahead of the window a counter may jump freely */
#define RX_FAR_STEPS 16384          /* ... and at most (295k packets: a long loss burst), */
#define RX_FAR_PER_MS 20            /* paid from a budget of scratch chain steps per tunnel */
#define EPOCH_REKEY 65000           /* ask for a new handshake from this epoch on */

struct keyblock {                   /* the 18 packet keys of one chain step */
	uint8_t key[CHAIN_STEP][32];
	uint32_t unused;                /* bit i set: key i not used yet */
};

struct rx_epoch {
	int used;                       /* slot in use */
	uint16_t num;
	uint64_t created;
	int has_root;                   /* next_root valid (only for the newest epoch) */
	uint8_t next_root[32];          /* R_{num+1} */
	uint8_t ck[32];                 /* chain key of step next_step */
	uint32_t base_step;             /* oldest step still held */
	uint32_t next_step;             /* steps < next_step are derived */
	struct keyblock *blk[RX_STEPS]; /* blk[s % RX_STEPS] for base_step <= s < next_step */
};

struct tx_chain {
	uint16_t epoch;
	uint64_t expire;                /* when the epoch ends (ms) */
	uint8_t next_root[32];          /* R_{epoch+1} */
	uint8_t ck[32];                 /* next chain key */
	uint8_t keys[CHAIN_STEP][32];
	unsigned left;                  /* unused keys at the end of keys[] */
	uint32_t counter;
};

struct tunnel {
	uint8_t tid[32];
	struct tx_chain tx;
	struct rx_epoch rx[RX_EPOCHS];
	uint64_t created;
	uint64_t last_rx;               /* last authenticated packet */
	uint64_t last_tx;
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint32_t far_budget;            /* chain steps a far jump may still derive */
	uint64_t far_t;                 /* budget last refilled */
};

enum tunnel_err {
	TUN_ESHORT = -1,                /* not a tunnel packet / too short */
	TUN_EEPOCH = -2,                /* epoch not held and not reachable */
	TUN_EOLD = -3,                  /* counter below the window */
	TUN_EAHEAD = -4,                /* counter too far ahead */
	TUN_EREPLAY = -5,               /* key already used */
	TUN_EAUTH = -6,                 /* tag did not verify */
	TUN_EEXHAUSTED = -7,            /* epochs used up: handshake again */
	TUN_ESPACE = -8,                /* output buffer too small */
	TUN_ENOMEM = -9,
	TUN_ETOOLONG = -10,             /* longer than any tunnel packet (TP_MAX_LEN) */
};

/* initiator = 1 on the client (sends with T_I), 0 on the server. */
void tunnel_init(struct tunnel *t, const struct hs_keys *k, int initiator, uint64_t now);
/* Encrypts n bytes of pt into a datagram of n + 56 bytes; returns its
 * length or a negative tunnel_err. */
int tunnel_seal(struct tunnel *t, uint8_t *out, size_t cap, const uint8_t *pt, size_t n, uint64_t now);
/* Decrypts a tunnel datagram (type and TID already matched by the caller)
 * into pt, which holds cap bytes.  Sizes come first: a datagram shorter
 * than 56 or longer than TP_MAX_LEN bytes is TUN_ESHORT / TUN_ETOOLONG, one
 * whose plaintext (len - 56) exceeds cap is TUN_ESPACE, before any key is
 * looked at.  Returns the plaintext length or a negative tunnel_err; on any error the tunnel's keys and epochs are unchanged (only
 * the far-jump budget may have been spent: a counter more than
 * RX_AHEAD_STEPS chain steps ahead costs scratch derivations, which an
 * unauthenticated packet may cause but only RX_FAR_PER_MS per ms of). */
int tunnel_open(struct tunnel *t, uint8_t *pt, size_t cap, const uint8_t *in, size_t len, uint64_t now);
/* Housekeeping: erase receive epochs older than 120 s and derive receive
 * epochs up to the send epoch (the send epoch itself moves only when a
 * packet is sent, as in the reference).  Call at least once per epoch. */
void tunnel_tick(struct tunnel *t, uint64_t now);
/* Alive while a receive epoch is held and the epochs are not used up. */
int tunnel_alive(const struct tunnel *t, uint64_t now);
int tunnel_needs_rekey(const struct tunnel *t);
/* The newest receive epoch held (0 if none). */
uint16_t tunnel_rx_epoch(const struct tunnel *t);
/* Erase every key. */
void tunnel_wipe(struct tunnel *t);
const char *tunnel_strerror(int err);
#endif

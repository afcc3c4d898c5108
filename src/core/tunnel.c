/* The tunnel key schedule of PROTOCOL.md §8.2–§8.4.
 *
 * Per direction and epoch e:  (R_{e+1}, CK_{e,0}) = KDF2(R_e);
 *                             (CK_{e,j+1}, K(e,18j) .. K(e,18j+17)) = KDF19(CK_{e,j}).
 *
 * Receive state is changed only by a packet that authenticated: a candidate
 * key is derived into scratch memory, tried, and only then are the new
 * epochs and chain steps committed.  A forged packet with a valid TID can
 * cost CPU (bounded by RX_AHEAD_STEPS, and beyond that by the far-jump
 * budget) but never moves the ratchet. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "crypto/crypto.h"
#include "core/tunnel.h"
#include "proto/tunnelpkt.h"

/* ---------------------------------------------------------------- send -- */

static void tx_enter_epoch(struct tx_chain *tx, const uint8_t root[32])
{
	uint8_t out[64];
	kdf(out, 2, root, NULL);
	memcpy(tx->next_root, out, 32);
	memcpy(tx->ck, out + 32, 32);
	wipe(out, sizeof out);
	wipe(tx->keys, sizeof tx->keys);
	tx->left = 0;
	tx->counter = 0;
}

/* Next epoch, starting at start (ms).  -1 when the 16-bit epoch is used up. */
static int tx_advance(struct tx_chain *tx, uint64_t start)
{
	uint8_t root[32];
	if (tx->epoch == UINT16_MAX)
		return -1;
	memcpy(root, tx->next_root, 32);
	tx_enter_epoch(tx, root);
	wipe(root, sizeof root);
	tx->epoch++;
	tx->expire = start + EPOCH_MS;
	return 0;
}

static int tx_follow_time(struct tx_chain *tx, uint64_t now)
{
	while (now > tx->expire) {
		/* start = min(now, old expire) = old expire here */
		if (tx_advance(tx, tx->expire) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- receive -- */

static void block_free(struct keyblock *b)
{
	if (b) {
		wipe(b, sizeof *b);
		free(b);
	}
}

static void rx_epoch_wipe(struct rx_epoch *ep)
{
	for (int i = 0; i < RX_STEPS; i++)
		block_free(ep->blk[i]);
	wipe(ep, sizeof *ep);
}

static void rx_epoch_start(struct rx_epoch *ep, uint16_t num, const uint8_t root[32], uint64_t now)
{
	uint8_t out[64];
	memset(ep, 0, sizeof *ep);
	kdf(out, 2, root, NULL);
	ep->used = 1;
	ep->num = num;
	ep->created = now;
	ep->has_root = 1;
	memcpy(ep->next_root, out, 32);
	memcpy(ep->ck, out + 32, 32);
	wipe(out, sizeof out);
}

static struct rx_epoch *rx_find(struct tunnel *t, uint16_t num)
{
	for (int i = 0; i < RX_EPOCHS; i++)
		if (t->rx[i].used && t->rx[i].num == num)
			return &t->rx[i];
	return NULL;
}

static struct rx_epoch *rx_newest(struct tunnel *t)
{
	struct rx_epoch *n = NULL;
	for (int i = 0; i < RX_EPOCHS; i++)
		if (t->rx[i].used && (!n || t->rx[i].num > n->num))
			n = &t->rx[i];
	return n;
}

/* A free slot, or the oldest epoch's slot after erasing it. */
static struct rx_epoch *rx_slot(struct tunnel *t)
{
	struct rx_epoch *o = NULL;
	for (int i = 0; i < RX_EPOCHS; i++) {
		if (!t->rx[i].used)
			return &t->rx[i];
		if (!o || t->rx[i].num < o->num)
			o = &t->rx[i];
	}
	rx_epoch_wipe(o);
	return o;
}

/* Create the epoch after the newest one (which must hold its root). */
static int rx_extend(struct tunnel *t, uint64_t now)
{
	struct rx_epoch *n = rx_newest(t), *e;
	uint8_t root[32];
	uint16_t num;
	if (!n || !n->has_root || n->num == UINT16_MAX)
		return -1;
	num = (uint16_t)(n->num + 1);
	memcpy(root, n->next_root, 32);
	wipe(n->next_root, 32);
	n->has_root = 0;
	e = rx_slot(t);
	rx_epoch_start(e, num, root, now);
	wipe(root, sizeof root);
	return 0;
}

/* Derive the chain steps of ep up to (excluding) step `to`, keeping the
 * blocks of the last RX_STEPS steps and erasing older ones. */
static int rx_derive_to(struct rx_epoch *ep, uint32_t to)
{
	uint8_t out[32 * (CHAIN_STEP + 1)];
	while (ep->next_step < to) {
		uint32_t s = ep->next_step;
		kdf(out, CHAIN_STEP + 1, ep->ck, NULL);
		memcpy(ep->ck, out, 32);
		if (to - s <= RX_STEPS) {
			struct keyblock *b = malloc(sizeof *b);
			if (!b) {
				wipe(out, sizeof out);
				return -1;
			}
			memcpy(b->key, out + 32, sizeof b->key);
			b->unused = (1u << CHAIN_STEP) - 1;
			block_free(ep->blk[s % RX_STEPS]);
			ep->blk[s % RX_STEPS] = b;
		} else {
			block_free(ep->blk[s % RX_STEPS]);
			ep->blk[s % RX_STEPS] = NULL;
		}
		ep->next_step = s + 1;
		if (ep->next_step > RX_STEPS && ep->base_step < ep->next_step - RX_STEPS)
			ep->base_step = ep->next_step - RX_STEPS;
	}
	wipe(out, sizeof out);
	return 0;
}

/* Scratch: the key of step `step`, index i, reached from chain key ck
 * (which is the key of step `from`).  Nothing is stored. */
static void key_ahead(uint8_t key[32], const uint8_t ck[32], uint32_t from, uint32_t step, unsigned i)
{
	uint8_t c[32], out[32 * (CHAIN_STEP + 1)];
	memcpy(c, ck, 32);
	for (uint32_t s = from;; s++) {
		kdf(out, CHAIN_STEP + 1, c, NULL);
		if (s == step)
			break;
		memcpy(c, out, 32);
	}
	memcpy(key, out + 32 * (1 + i), 32);
	wipe(c, sizeof c);
	wipe(out, sizeof out);
}

/* Receive epochs up to our send epoch: a peer follows our epochs (its send
 * epoch catches up with what it receives), so its replies come in them.
 * Depends only on our own state, never on a received packet. */
static void rx_follow_tx(struct tunnel *t, uint64_t now)
{
	struct rx_epoch *nw;
	while ((nw = rx_newest(t)) && nw->num < t->tx.epoch && nw->has_root)
		if (rx_extend(t, now) < 0)
			break;
}

/* After a loss burst the next packet may be far ahead.  Deriving up to it
 * costs about 0.7 µs per chain step, spent before the packet can be
 * authenticated: beyond RX_AHEAD_STEPS it comes from a per-tunnel budget
 * (RX_FAR_PER_MS steps per ms, at most RX_FAR_STEPS), so forged far-ahead
 * packets cost at most a few percent of a core per tunnel. */
static int far_allow(struct tunnel *t, uint32_t steps, uint64_t now)
{
	if (steps < RX_AHEAD_STEPS)
		return 1;
	if (steps >= RX_FAR_STEPS)
		return 0;
	uint64_t b = t->far_budget + (now > t->far_t ? (now - t->far_t) * RX_FAR_PER_MS : 0);
	t->far_budget = b > RX_FAR_STEPS ? RX_FAR_STEPS : (uint32_t)b;
	t->far_t = now;
	if (steps > t->far_budget)
		return 0;
	t->far_budget -= steps;
	return 1;
}

/* ------------------------------------------------------------- tunnel -- */

void tunnel_init(struct tunnel *t, const struct hs_keys *k, int initiator, uint64_t now)
{
	memset(t, 0, sizeof *t);
	memcpy(t->tid, k->tid, 32);
	tx_enter_epoch(&t->tx, initiator ? k->t_i : k->t_r);
	t->tx.epoch = 0;
	t->tx.expire = now + EPOCH_MS;
	rx_epoch_start(&t->rx[0], 0, initiator ? k->t_r : k->t_i, now);
	t->created = now;
	t->last_rx = 0;
	t->last_tx = 0;
	t->far_budget = RX_FAR_STEPS;
	t->far_t = now;
}

int tunnel_seal(struct tunnel *t, uint8_t *out, size_t cap, const uint8_t *pt, size_t n, uint64_t now)
{
	struct tx_chain *tx = &t->tx;
	if (cap < n + TP_OVERHEAD)
		return TUN_ESPACE;
	uint16_t e0 = tx->epoch;
	if (tx_follow_time(tx, now) < 0)
		return TUN_EEXHAUSTED;
	if (tx->epoch != e0)
		rx_follow_tx(t, now);
	if (tx->counter == UINT32_MAX && tx_advance(tx, now) < 0)
		return TUN_EEXHAUSTED;
	if (tx->left == 0) {
		uint8_t buf[32 * (CHAIN_STEP + 1)];
		kdf(buf, CHAIN_STEP + 1, tx->ck, NULL);
		memcpy(tx->ck, buf, 32);
		memcpy(tx->keys, buf + 32, sizeof tx->keys);
		wipe(buf, sizeof buf);
		tx->left = CHAIN_STEP;
	}
	uint8_t *key = tx->keys[CHAIN_STEP - tx->left];
	size_t len = tp_seal(out, t->tid, tx->epoch, tx->counter, pt, n, key);
	wipe(key, 32);
	tx->left--;
	tx->counter++;
	t->last_tx = now;
	t->tx_packets++;
	t->tx_bytes += n;
	return (int)len;
}

/* After an authenticated packet of epoch e: the send epoch catches up. */
static void tx_catch_up(struct tunnel *t, uint16_t e, uint64_t now)
{
	while (t->tx.epoch < e) {
		uint64_t start = now < t->tx.expire ? now : t->tx.expire;
		if (tx_advance(&t->tx, start) < 0)
			break;
	}
}

int tunnel_open(struct tunnel *t, uint8_t *pt, size_t cap, const uint8_t *in, size_t len, uint64_t now)
{
	struct tp_header h;
	struct rx_epoch *ep;
	uint8_t key[32];
	unsigned i;
	uint32_t s;
	int n;

	/* sizes first: nothing below may write more than cap bytes to pt */
	if (len < TP_OVERHEAD)
		return TUN_ESHORT;
	if (len > TP_MAX_LEN)
		return TUN_ETOOLONG;
	if (len - TP_OVERHEAD > cap)
		return TUN_ESPACE;
	if (tp_parse_header(&h, in, len) < 0)
		return TUN_ESHORT;
	s = h.counter / CHAIN_STEP;
	i = h.counter % CHAIN_STEP;
	ep = rx_find(t, h.epoch);

	if (!ep) {
		/* a later epoch: derive its key in scratch, commit only if it opens */
		struct rx_epoch *nw = rx_newest(t);
		uint8_t root[32], out[64];
		if (!nw || !nw->has_root || h.epoch <= nw->num || h.epoch - nw->num > RX_EPOCHS - 1)
			return TUN_EEPOCH;
		if (!far_allow(t, s, now))
			return TUN_EAHEAD;
		memcpy(root, nw->next_root, 32);
		for (unsigned e = nw->num + 1u;; e++) {
			kdf(out, 2, root, NULL);
			if (e == h.epoch)
				break;
			memcpy(root, out, 32);
		}
		key_ahead(key, out + 32, 0, s, i);
		wipe(root, sizeof root);
		wipe(out, sizeof out);
		n = tp_open(pt, cap, in, len, key);
		wipe(key, sizeof key);
		if (n < 0)
			return TUN_EAUTH;
		while ((nw = rx_newest(t))->num < h.epoch)
			if (rx_extend(t, now) < 0)
				return TUN_ENOMEM;   /* cannot happen: checked above */
		ep = nw;
		if (rx_derive_to(ep, s + 1) < 0)
			return TUN_ENOMEM;
		wipe(ep->blk[s % RX_STEPS]->key[i], 32);
		ep->blk[s % RX_STEPS]->unused &= ~(1u << i);
		goto accepted;
	}

	if (s < ep->base_step)
		return TUN_EOLD;
	if (s < ep->next_step) {
		struct keyblock *b = ep->blk[s % RX_STEPS];
		if (!b || !(b->unused & (1u << i)))
			return TUN_EREPLAY;
		n = tp_open(pt, cap, in, len, b->key[i]);
		if (n < 0)
			return TUN_EAUTH;
		wipe(b->key[i], 32);
		b->unused &= ~(1u << i);
		if (!b->unused) {
			block_free(b);
			ep->blk[s % RX_STEPS] = NULL;
		}
		goto accepted;
	}
	if (!far_allow(t, s - ep->next_step, now))
		return TUN_EAHEAD;
	key_ahead(key, ep->ck, ep->next_step, s, i);
	n = tp_open(pt, cap, in, len, key);
	wipe(key, sizeof key);
	if (n < 0)
		return TUN_EAUTH;
	if (rx_derive_to(ep, s + 1) < 0)
		return TUN_ENOMEM;
	wipe(ep->blk[s % RX_STEPS]->key[i], 32);
	ep->blk[s % RX_STEPS]->unused &= ~(1u << i);

accepted:
	tx_catch_up(t, h.epoch, now);
	t->last_rx = now;
	t->rx_packets++;
	t->rx_bytes += (uint64_t)n;
	return n;
}

void tunnel_tick(struct tunnel *t, uint64_t now)
{
	/* a send epoch that has ended keeps no packet key: the next packet
	 * starts a new epoch from next_root anyway (tx_follow_time) */
	if (now > t->tx.expire) {
		wipe(t->tx.ck, sizeof t->tx.ck);
		wipe(t->tx.keys, sizeof t->tx.keys);
		t->tx.left = 0;
	}
	rx_follow_tx(t, now);
	for (int k = 0; k < RX_EPOCHS; k++)
		if (t->rx[k].used && now >= t->rx[k].created + EPOCH_TIMEOUT_MS)
			rx_epoch_wipe(&t->rx[k]);
}

int tunnel_alive(const struct tunnel *t, uint64_t now)
{
	for (int k = 0; k < RX_EPOCHS; k++)
		if (t->rx[k].used && now < t->rx[k].created + EPOCH_TIMEOUT_MS)
			return t->tx.epoch < UINT16_MAX;
	return 0;
}

int tunnel_needs_rekey(const struct tunnel *t)
{
	if (t->tx.epoch >= EPOCH_REKEY)
		return 1;
	for (int k = 0; k < RX_EPOCHS; k++)
		if (t->rx[k].used && t->rx[k].num >= EPOCH_REKEY)
			return 1;
	return 0;
}

uint16_t tunnel_rx_epoch(const struct tunnel *t)
{
	uint16_t e = 0;
	for (int k = 0; k < RX_EPOCHS; k++)
		if (t->rx[k].used && t->rx[k].num > e)
			e = t->rx[k].num;
	return e;
}

void tunnel_wipe(struct tunnel *t)
{
	for (int k = 0; k < RX_EPOCHS; k++)
		if (t->rx[k].used)
			rx_epoch_wipe(&t->rx[k]);
	wipe(t, sizeof *t);
}

const char *tunnel_strerror(int err)
{
	switch (err) {
	case TUN_ESHORT: return "malformed tunnel packet";
	case TUN_EEPOCH: return "epoch not held";
	case TUN_EOLD: return "counter below the window";
	case TUN_EAHEAD: return "counter too far ahead";
	case TUN_EREPLAY: return "replayed packet";
	case TUN_EAUTH: return "authentication failed";
	case TUN_EEXHAUSTED: return "epochs used up";
	case TUN_ESPACE: return "buffer too small";
	case TUN_ETOOLONG: return "longer than any tunnel packet";
	case TUN_ENOMEM: return "out of memory";
	default: return "error";
	}
}

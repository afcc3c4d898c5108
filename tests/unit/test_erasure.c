/* Every key is erased when its time is over (issue 8, "Secrets").
 *
 * The key schedules are plain structs, so the test looks at them directly:
 * a secret that should be gone must not appear, as 32 bytes in a row,
 * anywhere in the tunnel (the struct and the key blocks it points to) or in
 * the ephemeral-key table, and slots that were erased must be all zero.
 *   - tunnel: the handshake roots never enter it; each packet key is zero
 *     right after sealing or opening; a used-up key block is freed; the send
 *     chain of an ended epoch is gone once the next epoch starts; receive
 *     epochs are erased 120 s after they were made; when the window moves
 *     on, old key blocks go; tunnel_wipe leaves nothing but zeros;
 *   - ephemeral keys: made just in time (at most one slot ahead), the pair of
 *     a slot is erased once it is older than the acceptance window, also
 *     after clock jumps either way; ephkeys_wipe leaves nothing;
 *   - handshake: a failed responder step leaves its state zero. */
#include "check.h"
#include "crypto/crypto.h"
#include "core/tunnel.h"
#include "core/ephkeys.h"
#include "proto/handshake.h"
#include "proto/tunnelpkt.h"

/* the 32 bytes s occur somewhere in mem[0..n) */
static int has32(const void *mem, size_t n, const uint8_t s[32])
{
	const uint8_t *m = mem;
	for (size_t i = 0; i + 32 <= n; i++)
		if (m[i] == s[0] && !memcmp(m + i, s, 32))
			return 1;
	return 0;
}

/* s occurs in the tunnel or in one of its key blocks */
static int tunnel_has(const struct tunnel *t, const uint8_t s[32])
{
	if (has32(t, sizeof *t, s))
		return 1;
	for (int e = 0; e < RX_EPOCHS; e++)
		for (int b = 0; b < RX_STEPS; b++)
			if (t->rx[e].blk[b] && has32(t->rx[e].blk[b]->key, sizeof t->rx[e].blk[b]->key, s))
				return 1;
	return 0;
}

static int blocks_held(const struct tunnel *t)
{
	int n = 0;
	for (int e = 0; e < RX_EPOCHS; e++)
		for (int b = 0; b < RX_STEPS; b++)
			n += t->rx[e].blk[b] != NULL;
	return n;
}

static void test_tunnel(void)
{
	struct hs_keys k;
	struct tunnel c, s;
	uint8_t pkt[256], pt[256], ck0[32], root0[32], firstkeys[CHAIN_STEP][32], rxck[32];
	uint64_t now = 5000000;
	int n, ok;

	random_bytes(&k, sizeof k);
	tunnel_init(&c, &k, 1, now);
	tunnel_init(&s, &k, 0, now);
	CHECK_MSG(!tunnel_has(&c, k.t_i) && !tunnel_has(&c, k.t_r) &&
	          !tunnel_has(&s, k.t_i) && !tunnel_has(&s, k.t_r),
	          "the handshake roots T_I/T_R are not kept in either tunnel");

	/* send side: each packet key is zero right after use */
	memcpy(ck0, c.tx.ck, 32);
	memcpy(root0, c.tx.next_root, 32);
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"a", 1, now);
	CHECK(n == 57);
	CHECK_MSG(all_zero(c.tx.keys[0], 32), "tx key 0 zero right after sealing packet 0");
	ok = 1;
	for (int i = 1; i < CHAIN_STEP; i++)
		ok &= !all_zero(c.tx.keys[i], 32);
	CHECK_MSG(ok, "tx keys 1..17 (not used yet) still held");
	memcpy(firstkeys, c.tx.keys, sizeof firstkeys);
	CHECK_MSG(!tunnel_has(&c, ck0), "the chain key that made step 0 is gone after step 0 was derived");

	/* receive side: the key of packet 0 is zero right after opening */
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	CHECK_MSG(s.rx[0].blk[0] && all_zero(s.rx[0].blk[0]->key[0], 32), "rx key 0 zero right after opening packet 0");
	CHECK_MSG(s.rx[0].blk[0] && !all_zero(s.rx[0].blk[0]->key[1], 32), "rx key 1 (not used yet) still held");
	memcpy(rxck, s.rx[0].ck, 32);

	/* the other 17 keys of step 0 */
	for (int i = 1; i < CHAIN_STEP; i++) {
		n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"a", 1, now);
		CHECK_MSG(n == 57 && tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1 && all_zero(c.tx.keys[i], 32),
		          "packet of step 0 sealed, opened, its tx key zero");
	}
	CHECK_MSG(all_zero(c.tx.keys, sizeof c.tx.keys), "every tx key of step 0 zero once all 18 are used");
	CHECK_MSG(s.rx[0].blk[0] == NULL, "the used-up rx key block of step 0 is freed");
	ok = 1;
	for (int i = 1; i < CHAIN_STEP; i++)   /* firstkeys[0] was copied after its erasure */
		ok &= !tunnel_has(&c, firstkeys[i]) && !tunnel_has(&s, firstkeys[i]);
	CHECK_MSG(ok, "no packet key of step 0 left anywhere in either tunnel");

	/* a skipped packet key in the window is held; once the window has moved
	 * RX_STEPS steps further on, its block is gone */
	uint8_t skipped[32];
	tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"a", 1, now);   /* step 1, key 0: lost */
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"a", 1, now);
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	CHECK_MSG(s.rx[0].blk[1] && !all_zero(s.rx[0].blk[1]->key[0], 32), "the skipped key of step 1 is held in the window");
	memcpy(skipped, s.rx[0].blk[1] ? s.rx[0].blk[1]->key[0] : pkt, 32);
	for (int j = 0; j < CHAIN_STEP * (RX_STEPS + 2); j++) {
		n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"a", 1, now);
		if (tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) != 1)
			break;
	}
	CHECK_MSG(s.rx[0].base_step > 1 && !tunnel_has(&s, skipped),
	          "once the window has moved past step 1, its skipped key is gone");
	CHECK_MSG(blocks_held(&s) <= RX_STEPS, "at most RX_STEPS key blocks held per epoch");

	/* send epoch change: the ended epoch's chain is gone */
	uint8_t txck[32], txroot[32];
	memcpy(txck, c.tx.ck, 32);
	memcpy(txroot, c.tx.next_root, 32);
	uint64_t t1 = now + EPOCH_MS + 1;
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"b", 1, t1);
	CHECK(c.tx.epoch == 1);
	CHECK_MSG(!tunnel_has(&c, txck) && !tunnel_has(&c, root0) && !tunnel_has(&c, txroot),
	          "after the send epoch ends, its chain key and root are gone (R_1 itself too, once used)");
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, t1) == 1);

	/* receive epochs: 120 s after creation, everything of them is erased */
	CHECK(s.rx[0].used);
	uint64_t created0 = s.rx[0].created;
	tunnel_tick(&s, created0 + EPOCH_TIMEOUT_MS - 1);
	CHECK_MSG(s.rx[0].used, "rx epoch 0 still held 1 ms before 120 s");
	tunnel_tick(&s, created0 + EPOCH_TIMEOUT_MS);
	int e0_gone = 1;
	for (int e = 0; e < RX_EPOCHS; e++)
		if (s.rx[e].used && s.rx[e].num == 0)
			e0_gone = 0;
	CHECK_MSG(e0_gone, "rx epoch 0 erased at 120 s");
	CHECK_MSG(!tunnel_has(&s, rxck), "its chain key is gone");
	tunnel_tick(&s, t1 + EPOCH_TIMEOUT_MS);
	ok = 1;
	for (int e = 0; e < RX_EPOCHS; e++) {
		for (int b = 0; b < RX_STEPS; b++)
			ok &= s.rx[e].blk[b] == NULL;
		ok &= all_zero(&s.rx[e], sizeof s.rx[e]);
	}
	CHECK_MSG(ok, "120 s after the last epoch: every rx epoch slot is all zero, no key block held");
	CHECK(!tunnel_alive(&s, t1 + EPOCH_TIMEOUT_MS));

	/* more epochs than slots: the oldest slot is erased when reused */
	struct tunnel a, b;
	random_bytes(&k, sizeof k);
	tunnel_init(&a, &k, 1, now);
	tunnel_init(&b, &k, 0, now);
	uint64_t t = now;
	uint8_t first_rx_ck[32];
	memcpy(first_rx_ck, a.rx[0].ck, 32);
	for (int e = 0; e < RX_EPOCHS + 3; e++) {
		t += EPOCH_MS + 1;
		n = tunnel_seal(&a, pkt, sizeof pkt, (const uint8_t *)"c", 1, t);
		tunnel_open(&b, pt, sizeof pt, pkt, (size_t)n, t);
		n = tunnel_seal(&b, pkt, sizeof pkt, (const uint8_t *)"d", 1, t);
		tunnel_open(&a, pt, sizeof pt, pkt, (size_t)n, t);
	}
	CHECK_MSG(a.tx.epoch == RX_EPOCHS + 3 && !tunnel_has(&a, first_rx_ck),
	          "after 8 epochs the client's rx epoch 0 chain key is gone (slot reused)");

	/* tunnel_wipe: nothing but zeros */
	tunnel_wipe(&c);
	tunnel_wipe(&s);
	tunnel_wipe(&a);
	tunnel_wipe(&b);
	CHECK_MSG(all_zero(&c, sizeof c) && all_zero(&s, sizeof s) && all_zero(&a, sizeof a) && all_zero(&b, sizeof b),
	          "tunnel_wipe leaves every tunnel all zero");
}

static int slot_of(const struct ephkeys *k, uint64_t start)
{
	for (int i = 0; i < EPH_SLOTS; i++)
		if (k->slot[i].used && k->slot[i].start == start)
			return i;
	return -1;
}

static int eph_has(const struct ephkeys *k, const void *sk, size_t len)
{
	const uint8_t *m = (const uint8_t *)k;
	for (size_t i = 0; i + len <= sizeof *k; i++)
		if (!memcmp(m + i, sk, len))
			return 1;
	return 0;
}

static void test_ephkeys(void)
{
	static struct ephkeys k;
	static uint8_t ntru_sk[NTRU_SK_LEN];
	uint8_t x_sk[32];
	uint64_t t0 = 1700000010;   /* 10 s into a slot */
	uint64_t cur = eph_round(t0);
	int i, ok;

	memset(&k, 0, sizeof k);
	CHECK(ephkeys_rotate(&k, t0) == 0);
	int used = 0, ahead = 0;
	for (i = 0; i < EPH_SLOTS; i++) {
		used += k.slot[i].used;
		ahead += k.slot[i].used && k.slot[i].start > cur + EPH_SLOT_S;
	}
	CHECK_MSG(used == 2 && ahead == 0, "just in time: only the current pair and the next one exist");
	i = slot_of(&k, cur);
	CHECK(i >= 0);
	memcpy(x_sk, k.slot[i].x_sk, 32);
	memcpy(ntru_sk, k.slot[i].ntru_sk, NTRU_SK_LEN);

	/* every 30 s through the window: still there while accepted */
	uint64_t t;
	for (t = cur + EPH_SLOT_S; t <= cur + EPH_ACCEPT_S; t += EPH_SLOT_S)
		ephkeys_rotate(&k, t);
	CHECK_MSG(slot_of(&k, cur) >= 0, "the pair is kept while its start is within the last 120 s");
	ephkeys_rotate(&k, cur + EPH_ACCEPT_S + 1);
	CHECK_MSG(slot_of(&k, cur) < 0, "the pair is erased once older than 120 s");
	CHECK_MSG(!eph_has(&k, x_sk, 32) && !eph_has(&k, ntru_sk, NTRU_SK_LEN),
	          "neither its X25519 nor its sntrup761 secret is anywhere in the table");
	ok = 1;
	for (i = 0; i < EPH_SLOTS; i++)
		if (!k.slot[i].used)
			ok &= all_zero(&k.slot[i], sizeof k.slot[i]);
	CHECK_MSG(ok, "every free slot is all zero");
	CHECK(k.erased >= 1);

	/* clock jump backwards by a day: the pairs of the "future" go */
	i = slot_of(&k, eph_round(cur + EPH_ACCEPT_S + 1));
	CHECK(i >= 0);
	memcpy(x_sk, k.slot[i].x_sk, 32);
	ephkeys_rotate(&k, t0 - 86400);
	CHECK_MSG(!eph_has(&k, x_sk, 32), "clock jump back: pairs from the future are erased");
	used = 0;
	for (i = 0; i < EPH_SLOTS; i++)
		used += k.slot[i].used;
	CHECK_MSG(used == 2, "clock jump back: again only the current and next pair");

	/* clock jump forwards by a day: the old pairs go */
	i = slot_of(&k, eph_round(t0 - 86400));
	memcpy(x_sk, k.slot[i].x_sk, 32);
	ephkeys_rotate(&k, t0 + 86400);
	CHECK_MSG(!eph_has(&k, x_sk, 32), "clock jump forward: the old pairs are erased");

	ephkeys_wipe(&k);
	CHECK_MSG(all_zero(&k, sizeof k), "ephkeys_wipe leaves the table all zero");
}

static void test_handshake(void)
{
	static uint8_t msg[HS_INIT_LEN], mce_sk[MCE_SK_LEN];
	struct hs_responder st;
	uint8_t x_sk[32];

	random_bytes(msg, sizeof msg);
	msg[0] = 0x01;
	msg[1] = 0x00;
	random_bytes(mce_sk, sizeof mce_sk);
	random_bytes(x_sk, sizeof x_sk);
	memset(&st, 0xaa, sizeof st);
	CHECK(hs_respond_begin(&st, msg, sizeof msg, mce_sk, x_sk) == -1);
	CHECK_MSG(all_zero(&st, sizeof st), "a failed hs_respond_begin leaves its state all zero");
	memset(&st, 0xaa, sizeof st);
	hs_responder_wipe(&st);
	CHECK(all_zero(&st, sizeof st));
}

int main(void)
{
	CHECK(crypto_init() == 0);
	test_tunnel();
	test_ephkeys();
	test_handshake();
	return check_done();
}

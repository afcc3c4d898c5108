/* The tunnel key schedule: PROTOCOL.md §14.2 vector, round trips, replay,
 * forgery, reordering, epochs, expiry — and that nothing unauthenticated
 * changes the state. */
#include "check.h"
#include "common.h"
#include "crypto/crypto.h"
#include "core/tunnel.h"
#include "proto/tunnelpkt.h"

static int used_epochs(const struct tunnel *t)
{
	int n = 0;
	for (int i = 0; i < RX_EPOCHS; i++)
		n += t->rx[i].used;
	return n;
}

static void pair(struct tunnel *c, struct tunnel *s, uint64_t now)
{
	struct hs_keys k;
	random_bytes(&k, sizeof k);
	tunnel_init(c, &k, 1, now);
	tunnel_init(s, &k, 0, now);
}

int main(void)
{
	uint8_t pkt[2048], pt[2048], copy[2048];
	struct tunnel c, s, snap;
	uint64_t now = 1000000;
	int n, m;

	CHECK(crypto_init() == 0);

	/* §14.2: client packet, epoch 0, counter 0, "hello" */
	struct hs_keys k;
	unhex(k.tid, "f5f9adb21c9bebcbd8a5325d90b02cb6be27b05fa91844ba8cc6d0599e0976d8");
	unhex(k.t_i, "201d450126c80699c07c9445dea87463a3215bbd1e96f0db9d4d7fc7c6973d5b");
	unhex(k.t_r, "6bf665ec49de7985d33beec99ca7e00e98afdf3a1aa2b5876d6193032440615f");
	tunnel_init(&c, &k, 1, now);
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"hello", 5, now);
	CHECK(n == 61);
	CHECK_HEX(pkt, "0200f5f9adb21c9bebcbd8a5325d90b02cb6be27b05fa91844ba8cc6d0599e0976d8000000000000"
	               "6bece294510a45160269faab9a6e2a2412dba97bb4");
	tunnel_init(&s, &k, 0, now);
	m = tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now);
	CHECK(m == 5 && !memcmp(pt, "hello", 5));
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == TUN_EREPLAY);
	tunnel_wipe(&c);
	tunnel_wipe(&s);

	/* receive chain with root 0: K(0,0) and K(1,5) of §14.1 */
	memset(&k, 0, sizeof k);
	tunnel_init(&s, &k, 0, now);   /* server receives with T_I = 0 */
	{
		struct tunnel c0;
		tunnel_init(&c0, &k, 1, now);
		/* client sends 6 packets in epoch 1: counter 5 is K(1,5) */
		uint64_t t1 = now + EPOCH_MS + 1;
		for (int j = 0; j < 6; j++)
			n = tunnel_seal(&c0, pkt, sizeof pkt, (const uint8_t *)"x", 1, t1);
		CHECK(pkt[34] == 0 && pkt[35] == 1 && pkt[39] == 5);
		/* decrypt by hand with the pinned key */
		uint8_t key[32];
		unhex(key, "27443b6fd8d38aff8e1dec89f971c5e2a7fe8e78e870712d527f4cb3a8eda375");
		CHECK(tp_open(pt, sizeof pt, pkt, (size_t)n, key) == 1);
		CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, t1) == 1);
		CHECK(s.tx.epoch == 1);          /* send epoch caught up */
		tunnel_wipe(&c0);
	}
	tunnel_wipe(&s);

	/* round trips both ways, many packets across chain steps */
	pair(&c, &s, now);
	int ok = 1;
	for (int j = 0; j < 200; j++) {
		uint8_t msg[100];
		memset(msg, j, sizeof msg);
		n = tunnel_seal(&c, pkt, sizeof pkt, msg, (size_t)(j % 100), now);
		m = tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now);
		ok &= m == j % 100 && !memcmp(pt, msg, (size_t)m);
		n = tunnel_seal(&s, pkt, sizeof pkt, msg, 50, now);
		ok &= tunnel_open(&c, pt, sizeof pt, pkt, (size_t)n, now) == 50;
	}
	CHECK_MSG(ok, "200 round trips each way");

	/* forged: flip a bit; state unchanged, then the genuine packet still opens */
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"abc", 3, now);
	memcpy(copy, pkt, (size_t)n);
	copy[45] ^= 1;
	snap = s;
	CHECK(tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now) == TUN_EAUTH);
	CHECK(!memcmp(&snap, &s, sizeof s));
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 3);

	/* truncated */
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, 55, now) == TUN_ESHORT);

	/* forged future epoch (valid TID, garbage tag): no new epoch, no send catch-up */
	memcpy(copy, pkt, (size_t)n);
	copy[34] = 0; copy[35] = 3;
	int before = used_epochs(&s);
	uint16_t txe = s.tx.epoch;
	CHECK(tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now) == TUN_EAUTH);
	CHECK(used_epochs(&s) == before && s.tx.epoch == txe);
	/* forged far-ahead counter */
	copy[34] = 0; copy[35] = 0;
	copy[36] = 0x7f;
	CHECK(tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now) == TUN_EAHEAD);
	/* 03 00 or other types are not tunnel packets */
	copy[0] = 3;
	CHECK(tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now) == TUN_ESHORT);

	/* reordering inside the window */
	uint8_t q[40][200];
	int ql[40];
	for (int j = 0; j < 40; j++)
		ql[j] = tunnel_seal(&c, q[j], sizeof q[j], (const uint8_t *)"r", 1, now);
	ok = 1;
	for (int j = 39; j >= 0; j--)
		ok &= tunnel_open(&s, pt, sizeof pt, q[j], (size_t)ql[j], now) == 1;
	CHECK_MSG(ok, "40 packets delivered in reverse order");
	ok = 1;
	for (int j = 0; j < 40; j++)
		ok &= tunnel_open(&s, pt, sizeof pt, q[j], (size_t)ql[j], now) == TUN_EREPLAY ||
		      tunnel_open(&s, pt, sizeof pt, q[j], (size_t)ql[j], now) == TUN_EOLD;
	CHECK_MSG(ok, "all 40 replays refused");

	/* loss: 500 packets lost, then the next one still opens (sliding window) */
	for (int j = 0; j < 500; j++)
		tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"l", 1, now);
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"L", 1, now);
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	/* a packet older than the window */
	CHECK(tunnel_open(&s, pt, sizeof pt, q[0], (size_t)ql[0], now) == TUN_EOLD);
	/* a long loss burst (100,000 packets, 5556 chain steps: beyond the free
	 * RX_AHEAD_STEPS) is followed once, from the far-jump budget */
	for (int j = 0; j < 100000; j++)
		tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"b", 1, now);
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"B", 1, now);
	CHECK_MSG(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1, "the first packet after 100,000 lost ones opens");
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"C", 1, now);
	CHECK_MSG(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1, "and the next one");
	/* forged packets far ahead (5000 steps each) spend the budget, then are
	 * refused unopened until it refills; keys and epochs never change */
	memcpy(copy, pkt, (size_t)n);
	uint32_t fc = load32_be(pkt + 36) + 5000 * CHAIN_STEP;
	copy[36] = (uint8_t)(fc >> 24); copy[37] = (uint8_t)(fc >> 16);
	copy[38] = (uint8_t)(fc >> 8); copy[39] = (uint8_t)fc;
	s.far_budget = RX_FAR_STEPS;
	s.far_t = now;
	snap = s;
	int auth = 0, ahead = 0;
	for (int j = 0; j < 10; j++) {
		int r = tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now);
		auth += r == TUN_EAUTH;
		ahead += r == TUN_EAHEAD;
	}
	CHECK_MSG(auth == RX_FAR_STEPS / 5000 && ahead == 10 - auth, "a full budget pays for 3 forged far jumps, then EAHEAD");
	CHECK_MSG(!memcmp(snap.rx, s.rx, sizeof s.rx) && !memcmp(&snap.tx, &s.tx, sizeof s.tx), "no key or epoch changed");
	CHECK_MSG(tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now + 250) == TUN_EAUTH, "250 ms later the budget pays for one more");
	/* beyond RX_FAR_STEPS: never */
	fc = load32_be(pkt + 36) + (RX_FAR_STEPS + 1) * CHAIN_STEP;
	copy[36] = (uint8_t)(fc >> 24); copy[37] = (uint8_t)(fc >> 16);
	copy[38] = (uint8_t)(fc >> 8); copy[39] = (uint8_t)fc;
	CHECK(tunnel_open(&s, pt, sizeof pt, copy, (size_t)n, now + 10000) == TUN_EAHEAD);
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"D", 1, now);
	CHECK_MSG(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1, "the real tunnel goes on");

	/* epochs: the client's send epoch moves after 30 s; the server follows */
	now += EPOCH_MS + 1;
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"e", 1, now);
	CHECK(c.tx.epoch == 1);
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	CHECK(s.tx.epoch == 1);
	/* a jump of 4 epochs (long idle) is followed */
	now += 4 * EPOCH_MS;
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"j", 1, now);
	CHECK(c.tx.epoch == 5);
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	CHECK(s.tx.epoch == 5);
	n = tunnel_seal(&s, pkt, sizeof pkt, (const uint8_t *)"k", 1, now);
	CHECK(tunnel_open(&c, pt, sizeof pt, pkt, (size_t)n, now) == 1);

	/* expiry: 120 s without new epochs kills the tunnel, and tick erases the keys */
	CHECK(tunnel_alive(&s, now));
	now += EPOCH_TIMEOUT_MS + 1;
	tunnel_tick(&s, now);
	CHECK(!tunnel_alive(&s, now));
	CHECK(used_epochs(&s) == 0);
	tunnel_wipe(&c);
	tunnel_wipe(&s);

	/* keepalives once per epoch keep a tunnel alive for 10 minutes */
	pair(&c, &s, now);
	ok = 1;
	for (int j = 0; j < 20; j++) {
		now += EPOCH_MS;
		n = tunnel_seal(&c, pkt, sizeof pkt, NULL, 0, now);
		ok &= tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 0;
		n = tunnel_seal(&s, pkt, sizeof pkt, NULL, 0, now);
		ok &= tunnel_open(&c, pt, sizeof pt, pkt, (size_t)n, now) == 0;
		tunnel_tick(&c, now);
		tunnel_tick(&s, now);
		ok &= tunnel_alive(&c, now) && tunnel_alive(&s, now);
	}
	CHECK_MSG(ok, "empty keepalives keep both ends alive");
	/* only the client sends (server silent); the client's receive side
	 * follows its send epochs so a late server reply still opens */
	for (int j = 0; j < 6; j++) {
		now += EPOCH_MS;
		n = tunnel_seal(&c, pkt, sizeof pkt, NULL, 0, now);
		tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now);
		tunnel_tick(&c, now);
		tunnel_tick(&s, now);
	}
	n = tunnel_seal(&s, pkt, sizeof pkt, (const uint8_t *)"late", 4, now);
	CHECK(tunnel_open(&c, pt, sizeof pt, pkt, (size_t)n, now) == 4);
	tunnel_wipe(&c);
	tunnel_wipe(&s);

	/* an ended send epoch keeps no key material but next_root, and sending
	 * afterwards still works */
	pair(&c, &s, now);
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"a", 1, now);
	CHECK(tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	now += EPOCH_MS + 1;
	tunnel_tick(&c, now);
	{
		static const uint8_t zero[sizeof c.tx.keys];
		CHECK(!memcmp(c.tx.ck, zero, sizeof c.tx.ck) && !memcmp(c.tx.keys, zero, sizeof c.tx.keys));
	}
	n = tunnel_seal(&c, pkt, sizeof pkt, (const uint8_t *)"b", 1, now);
	CHECK(c.tx.epoch == 1 && tunnel_open(&s, pt, sizeof pt, pkt, (size_t)n, now) == 1);
	tunnel_wipe(&c);
	tunnel_wipe(&s);

	/* sizes first: an authenticated packet whose plaintext does not fit
	 * the caller's buffer, or longer than any tunnel packet, is refused
	 * before any key is used, and changes nothing */
	{
		static uint8_t bigpt[70000], bigpkt[70000 + TP_OVERHEAD], small[64];
		pair(&c, &s, now);
		memset(bigpt, 0xa5, sizeof bigpt);
		n = tunnel_seal(&c, bigpkt, sizeof bigpkt, bigpt, 100, now);
		CHECK(n == 156);
		snap = s;
		CHECK_MSG(tunnel_open(&s, small, sizeof small, bigpkt, (size_t)n, now) == TUN_ESPACE,
		          "100-byte plaintext into a 64-byte buffer: TUN_ESPACE");
		CHECK(!memcmp(&snap, &s, sizeof s));
		CHECK(tunnel_open(&s, bigpt, 100, bigpkt, (size_t)n, now) == 100);
		static const size_t sizes[] = { TP_MAX_PLAINTEXT + 1, 3000, 20000, 65000 };
		for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			n = tunnel_seal(&c, bigpkt, sizeof bigpkt, bigpt, sizes[j], now);
			CHECK(n == (int)(sizes[j] + TP_OVERHEAD));
			snap = s;
			CHECK_MSG(tunnel_open(&s, bigpt, sizeof bigpt, bigpkt, (size_t)n, now) == TUN_ETOOLONG,
			          "an authenticated plaintext longer than TP_MAX_PLAINTEXT: TUN_ETOOLONG");
			CHECK(!memcmp(&snap, &s, sizeof s));
		}
		n = tunnel_seal(&c, bigpkt, sizeof bigpkt, bigpt, TP_MAX_PLAINTEXT, now);
		CHECK(tunnel_open(&s, bigpt, TP_MAX_PLAINTEXT, bigpkt, (size_t)n, now) == TP_MAX_PLAINTEXT);
		tunnel_wipe(&c);
		tunnel_wipe(&s);
	}

	/* exhausted epochs */
	pair(&c, &s, now);
	c.tx.epoch = UINT16_MAX;
	c.tx.expire = now;
	CHECK(tunnel_seal(&c, pkt, sizeof pkt, NULL, 0, now + 1) == TUN_EEXHAUSTED);
	CHECK(tunnel_needs_rekey(&c));
	tunnel_wipe(&c);
	tunnel_wipe(&s);
	return check_done();
}

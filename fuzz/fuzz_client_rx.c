/* client_rx: datagrams into the client worker's tunnel receive path
 * (datapath_rx_datagram), with a peer whose tunnel keys the harness knows (and
 * a second peer in the same hash bucket), so that sealed packets get past
 * authentication: sizes, inner IPv4, re-addressing, GSO coalescing,
 * keepalives, probe replies, the replaced (old) tunnel, roaming, replay
 * windows, epochs.
 *
 * Input: byte 0 = set-up (bit 0: TUN with offloads, bit 1: -H host,
 * bit 2: the peer has an old tunnel too, bit 3: TUN writes fail, bit 4:
 * inner IPv6 on, and the first peer's server carries it), then
 * operations; op & 15 is the
 * kind, op >> 4 the datagram source (fz_source):
 *   0  raw datagram: u16 length, bytes
 *   1  sealed by the server end of a tunnel: flags f, u16 length (+65536
 *      if f & 0x80, at most 70000), plaintext bytes (zeros past the
 *      input's end), then by flags: 0x01 the old tunnel, 0x04 the other
 *      peer's, 0x40 make it look like IPv4, 0x02 damage one byte (u16
 *      position, u8 mask), 0x10 change the length (s8), 0x20 keep it for
 *      op 8 instead, 0x08 send it twice
 *   2  time passes: u16 x 10 ms
 *   3  skip u16 chain steps of a send chain; u8 w: bit 0 fake (the
 *      counter only: fz_skip), bit 1 the old tunnel's; real skips are
 *      u16 % 1024, at most FZ_REAL_STEPS per input
 *   4  housekeeping: tunnel_tick on the peers' tunnels (epochs expire)
 *   5  a new handshake: the current tunnel becomes the old one
 *   6  a probe reply (ICMP echo reply with our id and magic), sequence
 *      u16; flags u8: 0x01 a ping is out with this sequence, 0x02 through
 *      the old tunnel, 0x04 a wrong id
 *   7  end of a receive batch: flush the TUN writes
 *   8  the datagram kept by op 1 flag 0x20
 *   9  the peer's tunnels are dropped (kick)
 * (The numbers match fuzz_server_crypto's where the meaning does.)
 * Invariants: a datagram longer than TP_MAX_LEN is counted rx_too_long
 * and nothing else; an undamaged packet sealed in order, before time
 * moved, steps were skipped or tunnels changed, is accepted. */
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "common.h"
#include "client/client.h"
#include "client/datapath.h"
#include "proto/ipv6.h"
#include "client/lifecycle.h"
#include "client/ping.h"
#include "crypto/crypto.h"
#include "io/loop.h"
#include "proto/ipv4.h"
#include "proto/tunnelpkt.h"

#define NKEYS 4                  /* key sets 0..2 rotate through peer A; 3 is peer B's */
#define PROBE_ID 0x5071

struct client client;            /* main.c's, which is not linked */

/* The lifecycle's hooks, as main.c registers them, but sending nothing:
 * the receive path reports authenticated packets and probe replies. */
static int no_start(struct peer *p) { (void)p; return -1; }
static void no_peer(struct peer *p) { (void)p; }
static void no_peer_now(struct peer *p, uint64_t now) { (void)p, (void)now; }
static void no_release(struct peer *p, int ok) { (void)p, (void)ok; }
static void no_arm(struct peer *p, uint64_t at) { (void)p, (void)at; }
static const struct lifecycle_hooks hooks = {
	.attempt_start = no_start, .attempt_abort = no_peer, .send_probe = no_peer_now,
	.send_keepalive = no_peer_now, .answers_release = no_release, .packets_release = no_release, .iface = no_release,
	.probe_reply = ping_reply, .arm = no_arm, .added = no_peer_now, .removing = no_peer,
};

static uint8_t pt[FZ_MAX_PT], dg[FZ_MAX_PT + TP_OVERHEAD + 256], held[sizeof dg];
static size_t held_len;
static union sockaddr_any held_from;
static struct hs_keys keys[NKEYS];
/* the server ends: srv[k] matches the client's tunnel made from keys[k] */
static struct tunnel srv[NKEYS];
static const uint8_t hash_a[32] = { 0xa1, 1 }, hash_b[32] = { 0xb2, 2 };
static int devnull, devnull_ro;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_log_init();
	FUZZ_ASSERT(crypto_init() == 0);
	client.tun_addr = 0x0a2b0001;
	client.maskbits = 16;
	client.mtu = 1280;
	FUZZ_ASSERT(ipv6_inner_prefix_parse("fd43:7071:63::", client.prefix6) == 0);
	ipv6_inner_addr(client.tun_addr6, client.prefix6, 1);
	client.tunfd = devnull = fz_devnull(0);
	devnull_ro = fz_devnull(1);
	client.udpfd = client.sigfd = client.monfd = client.ctlfd = -1;
	FUZZ_ASSERT(loop_init(&client.loop) == 0);
	lifecycle_set_hooks(&hooks);
	FUZZ_ASSERT(peertable_init(client.tun_addr, client.maskbits) == 0);
	FUZZ_ASSERT(datapath_init() == 0);  /* client.tx->fd stays -1: nothing is sent */
	for (unsigned i = 0; i < NKEYS; i++)
		fz_keys(&keys[i], i);
	return 0;
}

static struct peer *make_peer(const uint8_t hash[32], uint32_t ext_ip)
{
	struct peer *p = peertable_add(hash, 0);
	FUZZ_ASSERT(p);
	p->state = PS_UP;
	ping_start(p, now_ms());          /* as main.c's hook does for a new peer */
	sa_from_ip4(&p->ext, ext_ip, 0);
	p->cryptoport = 42424;
	p->keyport = 42425;
	p->have_ports = 1;
	p->probe_id = PROBE_ID;
	p->probe_seq = 0;
	return p;
}

static void install(struct peer *p, unsigned k, uint64_t now)
{
	union sockaddr_any ep;
	ep = p->ext;
	sa_set_port(&ep, p->cryptoport);
	peer_install_tunnel(p, &keys[k], &ep, now);
	tunnel_init(&srv[k], &keys[k], 0, now);
}

/* The tunnel (of srv[]) whose packets p's current (old = 0) or old tunnel opens. */
static int key_of(const struct peer *p, int old)
{
	if (old ? !p->has_old : !p->has_tunnel)
		return -1;
	const uint8_t *tid = old ? p->old.tid : p->tun.tid;
	for (int k = 0; k < NKEYS; k++)
		if (!memcmp(keys[k].tid, tid, 32))
			return k;
	return -1;
}

static void dispatch(const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now)
{
	struct counters before = client.cnt;
	datapath_rx_datagram(m, len, from, now);
	if (len > TP_MAX_LEN) {
		FUZZ_ASSERT(client.cnt.rx_too_long == before.rx_too_long + 1);
		FUZZ_ASSERT(client.cnt.rx_keepalive == before.rx_keepalive && client.cnt.rx_probe == before.rx_probe &&
		            client.cnt.rx_bad_inner == before.rx_bad_inner && client.cnt.rx_open_fail == before.rx_open_fail);
	}
}


/* An ICMP echo reply from the peer's internal address, as the server's
 * kernel answers our probe. */
static size_t probe_reply(uint8_t *pkt, const struct peer *p, uint16_t id, uint16_t seq)
{
	memset(pkt, 0, 44);
	pkt[0] = 0x45;
	store16_be(pkt + 2, 44);
	pkt[8] = 64;
	pkt[9] = 1;
	store32_be(pkt + 12, p->int_addr);
	store32_be(pkt + 16, client.tun_addr);
	store16_be(pkt + 10, csum_fold(csum_partial(pkt, 20, 0)));
	uint8_t *icmp = pkt + 20;
	store16_be(icmp + 4, id);
	store16_be(icmp + 6, seq);
	memcpy(icmp + 8, "pqcprobe", 8);
	store16_be(icmp + 2, csum_fold(csum_partial(icmp, 24, 0)));
	return 44;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	union sockaddr_any from;
	uint64_t now = now_ms();
	unsigned cfg = fz_u8(&in), budget = FZ_REAL_STEPS, next = 2;
	int clean = 1;
	size_t got;

	while (peers_first()) {
		ping_stop(peers_first());
		peertable_remove(peers_first());
	}
	memset(&client.cnt, 0, sizeof client.cnt);
	FUZZ_ASSERT(client.tio.gro->nseg == 0);
	client.tio.vnet = cfg & 1;
	client.tio.fd = cfg & 8 ? devnull_ro : devnull;
	client.host_ip = cfg & 2 ? 0x0a2b0063 : 0;
	struct peer *a = make_peer(hash_a, 0xc6336407), *b = make_peer(hash_b, 0xcb007109);
	client.inner6 = a->inner6 = (cfg & 16) != 0;
	if (cfg & 4)
		install(a, 0, now);
	install(a, 1, now);
	install(b, 3, now);
	held_len = 0;

	while (in.n) {
		unsigned op = fz_u8(&in);
		fz_source(&from, op >> 4);
		switch (op & 15) {
		default:
		case 0: {
			const uint8_t *m = fz_bytes(&in, fz_u16(&in), &got);
			memcpy(dg, m, got);
			dispatch(dg, got, &from, now);
			break;
		}
		case 1:
		case 6: {
			unsigned f;
			size_t n;
			int k, old;
			if ((op & 15) == 1) {
				f = fz_u8(&in);
				n = fz_u16(&in) + (f & 0x80 ? 65536u : 0);
				if (n > FZ_MAX_PT)
					n = FZ_MAX_PT;
				const uint8_t *m = fz_bytes(&in, n, &got);
				memcpy(pt, m, got);
				memset(pt + got, 0, n - got);
				if (f & 0x40)
					fz_ipv4_fixup(pt, n);
				old = f & 4 ? 0 : f & 1;
				k = f & 4 ? key_of(b, 0) : key_of(a, old);
			} else {
				unsigned seq = fz_u16(&in), pf = fz_u8(&in);
				if (pf & 1) {
					a->ping.checking = 1;
					a->ping.seq = (uint16_t)seq;
				}
				n = probe_reply(pt, a, pf & 4 ? PROBE_ID ^ 1 : PROBE_ID, (uint16_t)seq);
				f = 0;
				old = pf & 2;
				k = key_of(a, old);
			}
			if (k < 0)
				break;
			int r = tunnel_seal(&srv[k], dg, sizeof dg, pt, n, now);
			if (r < 0)
				break;
			size_t len = (size_t)r;
			int intact = 1;
			if (f & 2) {
				unsigned at = fz_u16(&in), mask = fz_u8(&in) | 1;
				dg[at % len] ^= (uint8_t)mask;
				intact = 0;
			}
			if (f & 0x10) {
				int d = (int8_t)fz_u8(&in);
				if (d < 0 && (size_t)-d > len)
					d = -(int)len;
				if (d > 0)
					memset(dg + len, 0, (size_t)d);
				len = (size_t)((long)len + d);
				intact = intact && d == 0;
			}
			if (f & 0x20) {
				memcpy(held, dg, len);
				held_len = len;
				held_from = from;
				clean = 0;
				break;
			}
			struct peer *p = f & 4 ? b : a;
			struct tunnel *t = old ? &p->old : &p->tun;
			uint64_t rx0 = t->rx_packets;
			dispatch(dg, len, &from, now);
			if (clean && intact && n <= TP_MAX_PLAINTEXT)
				FUZZ_ASSERT(t->rx_packets == rx0 + 1);
			if (f & 8)
				dispatch(dg, len, &from, now);
			break;
		}
		case 3: {
			unsigned steps = fz_u16(&in), w = fz_u8(&in);
			int k = key_of(a, w & 2);
			if (k >= 0)
				fz_skip(&srv[k], w & 1 ? steps : steps % 1024, !(w & 1), &budget, now);
			clean = 0;
			break;
		}
		case 2:
			now += (uint64_t)fz_u16(&in) * 10;
			clean = 0;
			break;
		case 4:
			for (struct peer *p = peers_first(); p; p = p->next_all) {
				if (p->has_old)
					tunnel_tick(&p->old, now);
				if (p->has_tunnel)
					tunnel_tick(&p->tun, now);
			}
			clean = 0;
			break;
		case 5: {
			/* key sets 0..2 in turn; the one in neither of a's tunnels */
			int cur = key_of(a, 0), prev = key_of(a, 1);
			for (unsigned i = 0; i < 3; i++, next = (next + 1) % 3)
				if ((int)next != cur && (int)next != prev)
					break;
			install(a, next, now);
			next = (next + 1) % 3;
			clean = 0;
			break;
		}
		case 7:
			tunio_flush(&client.tio);
			break;
		case 9:
			peer_drop_tunnel(a);
			clean = 0;
			break;
		case 8:
			if (held_len)
				dispatch(held, held_len, &held_from, now);
			break;
		}
	}
	tunio_flush(&client.tio);
	udp_tx_flush(client.tx);
	if (log_get_level() >= L_DEBUG) {       /* PQC_FUZZ_LOG=3: what the input did */
#define X(n) if (client.cnt.n) fprintf(stderr, "counter %s: %llu\n", #n, (unsigned long long)client.cnt.n);
		CLIENT_COUNTERS(X)
#undef X
		fprintf(stderr, "tunio: %llu packets out, %llu writes\n", (unsigned long long)client.tio.packets_out,
		        (unsigned long long)client.tio.writes);
	}
	return 0;
}

/* server_crypto: datagrams into the server's crypto-port dispatch
 * (cryptoserver_datagram), with two peers whose tunnel keys the harness
 * knows, so that sealed packets get past authentication and reach what
 * comes after it: sizes, inner IPv4, re-addressing, GSO coalescing,
 * keepalives, cookies, roaming, replay windows, epochs.
 *
 * Input: byte 0 = set-up (bit 0: TUN with offloads, bit 1: -H host, bit 3:
 * TUN writes fail, bit 2: every datagram through a data thread's path,
 * cryptoserver_datagram_shared under the read lock, then what it deferred
 * through the exclusive one, as dataplane.c does per batch), then
 * operations until the input ends; an operation byte op has its kind in
 * op & 15 and the datagram source (fz_source) in op >> 4:
 *   0  raw datagram: u16 length, bytes
 *   1  sealed: flags f, u16 length (+65536 if f & 0x80, at most 70000),
 *      plaintext bytes (zeros past the input's end), then by flags:
 *      0x01 other known peer, 0x04 the genuine initiation's tunnel,
 *      0x40 make it look like IPv4, 0x02 damage one byte (u16 position,
 *      u8 mask), 0x10 change the length (s8), 0x20 keep it for op 8
 *      instead, 0x08 send it twice
 *   2  time passes: u16 x 10 ms
 *   3  skip u16 chain steps of a send chain (far-ahead counters); u8 w:
 *      bit 0 fake (the counter only: fz_skip), bit 1 the genuine tunnel,
 *      bit 2 the other known peer; real skips are u16 % 1024, at most
 *      FZ_REAL_STEPS per input
 *   4  housekeeping (tunnel_tick, expiry)
 *   5  an initiation from the source is with the workers from now on
 *      (early packets are kept; op 6 from that source then replays them)
 *   6  the genuine initiation (u16 position, u8 mask: damage if mask != 0)
 *   7  end of a receive batch: flush the TUN writes and UDP replies
 *   8  the datagram kept by op 1 flag 0x20
 * Invariants: a datagram longer than TP_MAX_LEN is counted tun_too_long
 * and nothing else; an undamaged packet sealed in order by a known peer,
 * before time moved or steps were skipped, is accepted. */
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "server_env.h"
#include "crypto/crypto.h"
#include "io/loop.h"
#include "proto/tunnelpkt.h"

static uint8_t pt[FZ_MAX_PT], dg[FZ_MAX_PT + TP_OVERHEAD + 256], held[sizeof dg];
static size_t held_len;
static union sockaddr_any held_from;

/* the client ends of the known tunnels, and of the genuine one */
static struct tunnel ct[FZS_PEERS], gt;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fzs_init();
	return 0;
}

static uint64_t accepted_total(const struct server_stats *st)
{
	return st->tun_ok + st->tun_keepalive + st->tun_cookie + st->tun_bad_inner + st->tun_write_fail;
}

static int shared;                  /* set-up bit 2 */

/* the loop's counters and the data thread's */
static struct server_stats totals(void)
{
	struct server_stats t = fzs.s.st;
#define X(n) t.n += fzs.w->st.n;
	SERVER_COUNTERS(X)
#undef X
	return t;
}

static void dispatch(const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now)
{
	struct server *s = &fzs.s;
	struct server_stats before = totals(), after;
	if (shared) {
		struct udp_src local = { .set = 0 };
		pthread_rwlock_rdlock(&s->lock);
		cryptoserver_datagram_shared(s, &fzs.w->dp, m, len, from, &local, now);
		pthread_rwlock_unlock(&s->lock);
		dataplane_drain(fzs.w);
	} else
		cryptoserver_datagram(s, m, len, from, now);
	after = totals();
	if (len > TP_MAX_LEN && len >= 2 && m[0] == 2 && m[1] == 0) {
		FUZZ_ASSERT(after.tun_too_long == before.tun_too_long + 1);
		FUZZ_ASSERT(accepted_total(&after) == accepted_total(&before) && after.tun_early == before.tun_early);
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	struct server *s = &fzs.s;
	union sockaddr_any from;
	uint64_t now = now_ms();
	unsigned cfg = fz_u8(&in), budget = FZ_REAL_STEPS;
	struct hs_job *inflight = NULL;
	int clean = 1;                  /* no time passed, nothing skipped or held back */
	size_t got;

	fzs_reset(now, cfg & 1, cfg & 2 ? 0x0a2a0063 : 0, cfg & 8);
	shared = (cfg & 4) != 0;
	for (unsigned i = 0; i < FZS_PEERS; i++)
		tunnel_init(&ct[i], &fzs.known[i], 1, now);
	tunnel_init(&gt, &fzs.genuine_keys, 1, now);
	held_len = 0;

	while (in.n) {
		unsigned op = fz_u8(&in), kind = op & 15;
		fz_source(&from, op >> 4);
		switch (kind) {
		default:
		case 0: {
			const uint8_t *m = fz_bytes(&in, fz_u16(&in), &got);
			memcpy(dg, m, got);     /* a copy: ASan sees the exact length */
			dispatch(dg, got, &from, now);
			break;
		}
		case 1: {
			unsigned f = fz_u8(&in);
			size_t n = fz_u16(&in) + (f & 0x80 ? 65536u : 0);
			if (n > FZ_MAX_PT)
				n = FZ_MAX_PT;
			const uint8_t *b = fz_bytes(&in, n, &got);
			memcpy(pt, b, got);
			memset(pt + got, 0, n - got);
			if (f & 0x40)
				fz_ipv4_fixup(pt, n);
			unsigned who = f & 1;
			struct tunnel *t = f & 4 ? &gt : &ct[who];
			int r = tunnel_seal(t, dg, sizeof dg, pt, n, now);
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
			struct peer *p = f & 4 ? NULL : fzs_known(who);
			uint64_t rx0 = p ? p->tun.rx_packets : 0;
			dispatch(dg, len, &from, now);
			if (p && clean && intact && n <= TP_MAX_PLAINTEXT) {
				FUZZ_ASSERT(fzs_known(who) == p);
				FUZZ_ASSERT(p->tun.rx_packets == rx0 + 1);
			}
			if (f & 8)
				dispatch(dg, len, &from, now);
			break;
		}
		case 2:
			now += (uint64_t)fz_u16(&in) * 10;
			clean = 0;
			break;
		case 3: {
			unsigned steps = fz_u16(&in), w = fz_u8(&in);
			fz_skip(w & 2 ? &gt : &ct[(w >> 2) & 1], w & 1 ? steps : steps % 1024, !(w & 1), &budget, now);
			clean = 0;
			break;
		}
		case 4:
			peers_housekeeping(s, now);
			clean = 0;
			break;
		case 5:
			/* what hspool_submit does with threads: the job stays queued
			 * until the loop takes it back (no worker runs this one) */
			if (inflight)
				break;
			{
				uint8_t addr[16];
				struct hsq_key key;
				int evicted = 0;
				sa_addr16(&from, addr);
				hsq_key_from_addr(&key, addr);
				inflight = hspool_get(&s->hsp, HSQ_PLAIN, &key, &evicted);
			}
			if (!inflight)
				break;
			inflight->from = from;
			inflight->t_recv = now;
			inflight->queued = 1;
			s->hsp.queued++;
			break;
		case 6: {
			static uint8_t m[HS_INIT_LEN];
			unsigned at = fz_u16(&in), mask = fz_u8(&in);
			memcpy(m, fzs.genuine, HS_INIT_LEN);
			m[at % HS_INIT_LEN] ^= (uint8_t)mask;
			dispatch(m, HS_INIT_LEN, &from, now);
			break;
		}
		case 7:
			tunio_flush(&s->tio);
			udp_tx_flush(&s->tx);
			tunio_flush(&fzs.w->tio);
			udp_tx_flush(&fzs.w->tx);
			break;
		case 8:
			if (held_len)
				dispatch(held, held_len, &held_from, now);
			break;
		}
	}
	if (inflight) {
		inflight->queued = 0;
		s->hsp.queued--;
		hspool_release(&s->hsp, inflight);
	}
	fzs_finish();
	return 0;
}

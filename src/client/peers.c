/* Peers: the table (by server hash, by tunnel id, by internal address), the
 * data path between the TUN device and the tunnel socket, and liveness:
 * keepalives once per epoch while a tunnel is in use, ICMP probes when it
 * goes quiet, re-handshakes when it is dead, removal when it is idle.
 *
 * Peer life:  created (address reserved) -> connecting -> tunnel up
 *             -> [quiet: probing] -> [dead: re-handshake, same address]
 *             -> idle and dead: removed, address freed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "client/client.h"
#include "io/log.h"
#include "proto/base32.h"
#include "proto/ipv4.h"
#include "proto/tunnelpkt.h"

#define PROBE_MAGIC "pqcprobe"

static unsigned bucket(const uint8_t *b) { return b[0]; }

struct peer *peer_by_hash(const uint8_t hash[32])
{
	for (struct peer *p = client.by_hash[bucket(hash)]; p; p = p->next_hash)
		if (!memcmp(p->hash, hash, 32))
			return p;
	return NULL;
}

struct peer *peer_by_tid(const uint8_t tid[32])
{
	for (struct peer *p = client.by_tid[bucket(tid)]; p; p = p->next_tid)
		if (p->has_tunnel && !memcmp(p->tun.tid, tid, 32))
			return p;
	return NULL;
}

struct peer *peer_by_addr(uint32_t int_addr)
{
	long i = addrpool_index(&client.pool, int_addr);
	return i < 0 ? NULL : client.by_host[i];
}

static void tid_unlink(struct peer *p)
{
	struct peer **pp = &client.by_tid[bucket(p->tun.tid)];
	for (; *pp; pp = &(*pp)->next_tid)
		if (*pp == p) {
			*pp = p->next_tid;
			break;
		}
	p->next_tid = NULL;
}

static void oldtid_unlink(struct peer *p)
{
	struct peer **pp = &client.by_oldtid[bucket(p->old.tid)];
	for (; *pp; pp = &(*pp)->next_oldtid)
		if (*pp == p) {
			*pp = p->next_oldtid;
			break;
		}
	p->next_oldtid = NULL;
}

/* The peer whose replaced (old) tunnel has this TID. */
static struct peer *peer_by_oldtid(const uint8_t tid[32])
{
	for (struct peer *p = client.by_oldtid[bucket(tid)]; p; p = p->next_oldtid)
		if (p->has_old && !memcmp(p->old.tid, tid, 32))
			return p;
	return NULL;
}

static void drop_old(struct peer *p)
{
	if (!p->has_old)
		return;
	oldtid_unlink(p);
	tunnel_wipe(&p->old);
	p->has_old = 0;
}

void peer_drop_tunnel(struct peer *p)
{
	drop_old(p);
	if (p->has_tunnel) {
		tid_unlink(p);
		tunnel_wipe(&p->tun);
		p->has_tunnel = 0;
	}
	p->ping.checking = 0;
}

static void on_tick(struct loop *l, struct timer *t);

struct peer *peer_create(const uint8_t hash[32]) { return peer_create_at(hash, 0); }

struct peer *peer_create_at(const uint8_t hash[32], uint32_t want)
{
	struct peer *p;
	uint32_t addr = want;

	if (want ? addrpool_take(&client.pool, want) < 0 : addrpool_alloc(&client.pool, &addr) < 0)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p) {
		addrpool_free(&client.pool, addr);
		return NULL;
	}
	memcpy(p->hash, hash, 32);
	base32_encode(p->hashtxt, hash, 32);
	p->hashtxt[52] = 0;
	p->int_addr = addr;
	p->created = p->last_dns = now_ms();
	random_bytes(&p->probe_id, sizeof p->probe_id);
	timer_init(&p->tick, on_tick, p);
	timer_in(&client.loop, &p->tick, CLIENT_TICK_MS);
	ping_reset(p);

	client.by_host[addrpool_index(&client.pool, addr)] = p;
	p->next_hash = client.by_hash[bucket(hash)];
	client.by_hash[bucket(hash)] = p;
	p->next_all = client.peers;
	client.peers = p;
	client.npeers++;
	return p;
}

void peer_remove(struct peer *p)
{
	struct peer **pp;

	log_info("Removing peer %s (%s)", ip4_str(p->int_addr), ip4_str(p->ext_ip));
	connect_abort(p);
	held_resolve(p, 0);
	timer_cancel(&client.loop, &p->tick);
	timer_cancel(&client.loop, &p->ping.timer);
	peer_drop_tunnel(p);
	worker_hook(p, 0);
	for (pp = &client.by_hash[bucket(p->hash)]; *pp; pp = &(*pp)->next_hash)
		if (*pp == p) {
			*pp = p->next_hash;
			break;
		}
	for (pp = &client.peers; *pp; pp = &(*pp)->next_all)
		if (*pp == p) {
			*pp = p->next_all;
			break;
		}
	client.by_host[addrpool_index(&client.pool, p->int_addr)] = NULL;
	addrpool_free(&client.pool, p->int_addr);
	client.npeers--;
	free(p->mce_pk);
	wipe(p, sizeof *p);
	free(p);
}

int peer_tunnel_up(const struct peer *p, uint64_t now)
{
	return p->has_tunnel && tunnel_alive(&p->tun, now) && !tunnel_needs_rekey(&p->tun);
}

void peer_install_tunnel(struct peer *p, const struct hs_keys *k, uint64_t now)
{
	if (p->has_tunnel) {
		/* keep the replaced tunnel for packets still under way (kick,
		 * re-handshake): its receive epochs expire by themselves */
		drop_old(p);
		tid_unlink(p);
		memcpy(&p->old, &p->tun, sizeof p->old);
		memset(&p->tun, 0, sizeof p->tun);   /* its key blocks now belong to old */
		p->has_old = 1;
		p->next_oldtid = client.by_oldtid[bucket(p->old.tid)];
		client.by_oldtid[bucket(p->old.tid)] = p;
	}
	tunnel_init(&p->tun, k, 1, now);
	p->last_handshake = now;
	p->ping.checking = 0;
	p->ping.next = now + (p->every_ms ? p->every_ms : PF_DEFAULT_EVERY_MS);
	p->has_tunnel = 1;
	p->next_tid = client.by_tid[bucket(p->tun.tid)];
	client.by_tid[bucket(p->tun.tid)] = p;
	sa_from_ip4(&p->ep, p->ext_ip, p->cryptoport);
	p->last_auth_rx = now;     /* a fresh tunnel gets the benefit of the doubt */
	p->probe_since = 0;
}

/* ------------------------------------------------------------ sending -- */

/* Seal pt into the transmit batch for p.  0 / -1. */
static int send_sealed(struct peer *p, const uint8_t *pt, size_t n, uint64_t now)
{
	uint8_t *slot = udp_tx_slot(client.tx);
	int r = tunnel_seal(&p->tun, slot, UDP_BUFSZ, pt, n, now);
	if (r < 0) {
		client.cnt.tun_seal_fail++;
		log_ratelimited(L_WARNING, "seal", "cannot encrypt to %s: %s", ip4_str(p->ext_ip),
		                tunnel_strerror(r));
		return -1;
	}
	udp_tx_commit(client.tx, (size_t)r, &p->ep);
	return 0;
}

void peer_send_probe(struct peer *p, uint64_t now)
{
	uint8_t pkt[20 + 8 + 16];
	uint32_t src = client.tun_addr, dst = p->int_addr;

	if (!p->has_tunnel)
		return;
	memset(pkt, 0, sizeof pkt);
	pkt[0] = 0x45;
	store16_be(pkt + 2, sizeof pkt);
	store16_be(pkt + 4, p->probe_seq);
	pkt[6] = 0x40;                  /* DF */
	pkt[8] = 64;                    /* TTL */
	pkt[9] = 1;                     /* ICMP */
	store32_be(pkt + 12, src);
	store32_be(pkt + 16, dst);
	store16_be(pkt + 10, csum_fold(csum_partial(pkt, 20, 0)));
	uint8_t *icmp = pkt + 20;
	icmp[0] = 8;                    /* echo request */
	store16_be(icmp + 4, p->probe_id);
	store16_be(icmp + 6, p->probe_seq++);
	memcpy(icmp + 8, PROBE_MAGIC, 8);
	memcpy(icmp + 16, &now, 8);
	store16_be(icmp + 2, csum_fold(csum_partial(icmp, 24, 0)));
	if (send_sealed(p, pkt, sizeof pkt, now) == 0) {
		p->last_tx_epoch = p->tun.tx.epoch;
		udp_tx_flush(client.tx);
	}
}

/* Is this decrypted packet the reply to one of our probes? */
static int is_probe_reply(const struct peer *p, const uint8_t *pkt, size_t len)
{
	size_t ihl = (size_t)(pkt[0] & 15) * 4;
	if (pkt[9] != 1 || len < ihl + 16)
		return 0;
	const uint8_t *icmp = pkt + ihl;
	return icmp[0] == 0 && load16_be(icmp + 4) == p->probe_id && !memcmp(icmp + 8, PROBE_MAGIC, 8);
}

/* ------------------------------------------------------ TUN -> tunnel -- */

/* One IPv4 packet from the TUN (or one segment of a super-packet). */
static int tun_packet(void *arg, const uint8_t *buf, size_t n)
{
	uint64_t now = *(const uint64_t *)arg;
	struct peer *p = peer_by_addr(ipv4_dst(buf));
	if (!p) {
		client.cnt.tun_no_peer++;
		log_ratelimited(L_DEBUG, "tun_no_peer", "dropping packet to %s: no peer", ip4_str(ipv4_dst(buf)));
		return 0;
	}
	if (!p->has_tunnel) {
		/* a known server whose tunnel expired: handshake again on demand
		 * (this packet is lost; TCP and friends resend) */
		client.cnt.tun_no_tunnel++;
		p->last_app_tx = now;
		if (!p->conn && p->have_ports && now >= p->fail_until)
			connect_start(p);
		return 0;
	}
	if (n + TP_OVERHEAD > UDP_BUFSZ) {
		client.cnt.tun_seal_fail++;
		return 0;
	}
	if (send_sealed(p, buf, n, now) == 0) {
		p->last_app_tx = now;
		p->last_tx_epoch = p->tun.tx.epoch;
	}
	return 0;
}

void on_tun_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t now = now_ms();

	for (int budget = 0; budget < 64; budget++) {
		int r = tunio_read(&client.tio, tun_packet, &now);
		if (r < 0) {
			log_ratelimited(L_ERROR, "tun_read", "TUN read: %s", strerror(errno));
			break;
		}
		if (r == 0)
			break;
	}
	udp_tx_flush(client.tx);
}

/* ------------------------------------------------------ tunnel -> TUN -- */

void peer_rx_datagram(const uint8_t *d, size_t len, const union sockaddr_any *from, uint64_t now)
{
	uint8_t pt[TP_MAX_PLAINTEXT];
	struct tp_header h;

	if (len == 2 && d[0] == 3 && d[1] == 0) {
		/* HANDSHAKE_FAIL is unauthenticated: never let it kill a peer */
		client.cnt.rx_handshake_fail++;
		log_ratelimited(L_DEBUG, "rx_fail", "ignoring 03 00 from %s", sa_str(from));
		return;
	}
	/* sizes first (GRO hands a datagram reassembled from fragments on whole) */
	if (len > TP_MAX_LEN) {
		client.cnt.rx_too_long++;
		log_ratelimited(L_WARNING, "rx_long", "%zu-byte datagram from %s: longer than any tunnel packet, dropped",
		                len, sa_str(from));
		return;
	}
	if (tp_parse_header(&h, d, len) < 0) {
		client.cnt.rx_not_tunnel++;
		log_ratelimited(L_DEBUG, "rx_junk", "ignoring %zu-byte datagram from %s", len, sa_str(from));
		return;
	}
	struct peer *p = peer_by_tid(h.tid);
	struct tunnel *t = p ? &p->tun : NULL;
	if (!p && (p = peer_by_oldtid(h.tid))) {
		t = &p->old;
		client.cnt.rx_old_tunnel++;
	}
	if (!p) {
		client.cnt.rx_unknown_tid++;
		log_ratelimited(L_DEBUG, "rx_tid", "unknown tunnel id from %s", sa_str(from));
		return;
	}
	int n = tunnel_open(t, pt, sizeof pt, d, len, now);
	if (n < 0) {
		client.cnt.rx_open_fail++;
		log_ratelimited(L_DEBUG, "rx_open", "tunnel packet from %s dropped: %s", sa_str(from),
		                tunnel_strerror(n));
		return;
	}
	/* authenticated: roam, and count as a sign of life */
	if (!sa_equal(&p->ep, from)) {
		log_debug("peer %s moved to %s", ip4_str(p->int_addr), sa_str(from));
		p->ep = *from;
	}
	p->last_auth_rx = now;
	p->probe_since = 0;
	if (n == 0) {
		client.cnt.rx_keepalive++;
		return;
	}
	if (ipv4_check(pt, (size_t)n) < 0) {
		client.cnt.rx_bad_inner++;
		return;
	}
	if (is_probe_reply(p, pt, (size_t)n)) {
		client.cnt.rx_probe++;
		ping_reply(p, load16_be(pt + (size_t)(pt[0] & 15) * 4 + 6), now);
		if (p->conn)
			connect_probe_reply(p);
		return;
	}
	uint32_t dst = client.host_ip ? client.host_ip : client.tun_addr;
	int w = tunio_deliver(&client.tio, pt, (size_t)n, p->int_addr, dst);
	if (w == -1) {
		client.cnt.rx_bad_inner++;
		return;
	}
	p->last_app_rx = now;
	if (w < 0) {
		client.cnt.tun_write_fail++;
		log_ratelimited(L_WARNING, "tun_write", "TUN write: %s", strerror(errno));
	}
}

void on_udp_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t now = now_ms();
	for (int round = 0; round < 8; round++) {
		int n = udp_recv_batch(fd, client.rx);
		client.cnt.rx_truncated += client.rx->truncated;
		if (n <= 0 && client.rx->truncated)
			continue;
		if (n <= 0) {
			if (n < 0)
				log_ratelimited(L_ERROR, "udp_recv", "tunnel socket: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			peer_rx_datagram(client.rx->dg[i].p, client.rx->dg[i].len, client.rx->dg[i].from, now);
		/* coalesced segments go to the TUN once per batch */
		if (tunio_flush(&client.tio) < 0)
			client.cnt.tun_write_fail++;
		if (n < UDP_BATCH)
			break;
	}
	/* replies (e.g. probes) may have been queued */
	udp_tx_flush(client.tx);
}

/* ------------------------------------------------------------ liveness -- */

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;
	return m > c ? m : c;
}

static void on_tick(struct loop *l, struct timer *t)
{
	struct peer *p = t->arg;
	uint64_t now = now_ms();
	uint64_t last_app = max3(p->last_app_tx, p->last_app_rx, p->last_dns);
	/* static peers are always in use: kept warm and pinged */
	int in_use = p->is_static || now - last_app < CLIENT_IN_USE_MS;

	if (p->has_old) {
		tunnel_tick(&p->old, now);
		if (!tunnel_alive(&p->old, now))
			drop_old(p);
	}
	if (!p->has_tunnel) {
		/* keep the address and keys a while: a packet to it re-handshakes */
		if (p->is_static) {
			/* TrIPE's connect keeps trying: every `every` */
			uint64_t every = p->every_ms ? p->every_ms : PF_DEFAULT_EVERY_MS;
			if (!p->conn && now >= p->fail_until && now - p->last_try >= every) {
				p->last_try = now;
				connect_start(p);
			}
		} else if (!p->conn && now - last_app > CLIENT_FORGET_MS) {
			peer_remove(p);
			return;
		}
		timer_in(l, &p->tick, CLIENT_TICK_MS);
		return;
	}
	tunnel_tick(&p->tun, now);
	if (!in_use) {
		/* idle: no keepalives; the tunnel is let go once it has died */
		if (!p->conn && now - last_app > CLIENT_FORGET_MS) {
			peer_remove(p);
			return;
		}
		if (!p->conn && !tunnel_alive(&p->tun, now)) {
			log_info("Tunnel to %s (%s) idle and expired", ip4_str(p->ext_ip), ip4_str(p->int_addr));
			peer_drop_tunnel(p);
		}
		timer_in(l, &p->tick, CLIENT_TICK_MS);
		return;
	}
	if (!p->conn) {
		int dead = !tunnel_alive(&p->tun, now) || tunnel_needs_rekey(&p->tun);
		if (p->probe_since && now - p->probe_since > CLIENT_PROBE_DEAD_MS)
			dead = 1;
		if (dead) {
			log_info("Tunnel to %s (%s) looks dead: handshaking again", ip4_str(p->ext_ip),
			         ip4_str(p->int_addr));
			p->probe_since = 0;
			connect_start(p);
		} else if (now - p->last_app_tx < CLIENT_SILENT_MS && now - p->last_auth_rx > CLIENT_SILENT_MS) {
			/* we send, nothing comes back: ask the server's kernel */
			if (!p->probe_since)
				p->probe_since = now;
			peer_send_probe(p, now);
		} else if (now > p->tun.tx.expire) {
			/* nothing sent in this epoch yet: keep the peer's state alive */
			if (send_sealed(p, (const uint8_t *)"", 0, now) == 0) {
				p->last_tx_epoch = p->tun.tx.epoch;
				udp_tx_flush(client.tx);
				log_trace("keepalive to %s", ip4_str(p->ext_ip));
			}
		}
	}
	timer_in(l, &p->tick, CLIENT_TICK_MS);
}

void peer_connect_done(struct peer *p, int ok)
{
	if (ok) {
		client.cnt.connect_ok++;
		p->fail_until = 0;
		worker_hook(p, 1);
	} else {
		client.cnt.connect_fail++;
		p->fail_until = now_ms() + CLIENT_FAIL_BACKOFF_MS;
	}
	held_resolve(p, ok);
}

int peers_init(void)
{
	if (addrpool_init(&client.pool, client.tun_addr, client.maskbits) < 0)
		return -1;
	client.by_host = calloc(client.pool.size, sizeof *client.by_host);
	client.rx = malloc(sizeof *client.rx);
	client.tx = calloc(1, sizeof *client.tx);
	if (!client.by_host || !client.rx || !client.tx)
		return -1;
	if (udp_rx_init_gro(client.rx, client.udpfd) < 0 ||
	    tunio_adopt(&client.tio, client.tunfd, client.tunvnet) < 0)
		return -1;
	client.tx->fd = -1;
	return 0;
}

void peers_shutdown(void)
{
	while (client.peers)
		peer_remove(client.peers);
	free(client.by_host);
	if (client.rx)
		udp_rx_free(client.rx);
	free(client.rx);
	free(client.tx);
	client.by_host = NULL;
	client.rx = NULL;
	client.tx = NULL;
}

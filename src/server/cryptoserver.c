/* The crypto port (PROTOCOL.md §7.4, §8, §10): dispatch on the first bytes.
 *   01 00  initiation: exactly 1299 bytes; rate-limited per source;
 *          handed to a handshake worker (hspool.c), which decapsulates
 *          McEliece once, then tries each accepted ephemeral key; back in
 *          the loop, c0 is remembered for the acceptance window (replays
 *          refused); an existing tunnel id is never replaced.
 *   04 00  initiation with an address cookie (proto/cookiemsg.h): exactly
 *          1321 bytes; a valid cookie puts the initiation in the cookie lane
 *          of the handshake queue (core/hsqueue.h), with rate-limit buckets
 *          of its own; an invalid or expired one is counted and the
 *          initiation goes on as a plain one (a client behind a NAT that
 *          maps each destination port anew never gets a valid cookie).
 *   02 00  tunnel packet: TID lookup, authenticated decryption, roaming,
 *          re-addressing, delivery to the TUN; a plaintext "pqcsess..."
 *          is a session-resumption claim (resume.c), never delivered.  An
 *          unknown TID that a restored session names gets a restart hint
 *          (resume.c; rate-limited, never to the reference).
 *   03 00, pqccookE, anything else: counted and ignored (unauthenticated
 *          messages never change or end a tunnel). */
#include <string.h>
#include "common.h"
#include "io/log.h"
#include "proto/cookiemsg.h"
#include "proto/handshake.h"
#include "proto/sessionmsg.h"
#include "proto/tunnelpkt.h"
#include "server/server.h"

static const uint8_t cookie_prefix[8] = { 'p', 'q', 'c', 'c', 'o', 'o', 'k', 'E' };

static void handshake_finish(struct server *s, struct hs_job *j, uint64_t now);
static void tunnel_packet(struct server *s, struct dpath *d, const uint8_t *m, size_t len,
                          const union sockaddr_any *from, const struct udp_src *local, uint64_t now);

/* The loop's thread's (or a data thread's holding the write lock) */
static struct dpath exclusive(struct server *s)
{
	return (struct dpath){ &s->tio, &s->tx, &s->st, NULL, &s->tun_err_rl };
}

/* Early packets.  The handshake is 0-RTT: a client sends its first tunnel
 * packets right behind the initiation, and they can arrive while a worker
 * still has the initiation.  A packet with an unknown TID from the source
 * of an initiation in flight is kept here (the newest EARLY_SLOTS, at most
 * EARLY_MAX_MS) and handled once that handshake is done (s->early,
 * server.h). */
#define EARLY_MAX_MS 1000

/* Is an initiation from this source with the workers? */
static int from_inflight(const struct hspool *p, const union sockaddr_any *from)
{
	for (int i = 0, seen = 0; i < HSPOOL_JOBS && seen < p->queued; i++)
		if (p->jobs[i].queued) {
			seen++;
			if (sa_equal(&p->jobs[i].from, from))
				return 1;
		}
	return 0;
}

static int early_park(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from,
                      const struct udp_src *local, uint64_t now)
{
	if (s->hsp.queued == 0 || len > sizeof s->early[0].m || !from_inflight(&s->hsp, from))
		return 0;
	struct early *e = &s->early[s->early_next++ % EARLY_SLOTS];
	e->t = now;
	e->len = len;
	e->from = *from;
	e->local = *local;
	memcpy(e->m, m, len);
	s->st.tun_early++;
	return 1;
}

/* A tunnel with this TID now exists: handle what waited for it. */
static void early_replay(struct server *s, const uint8_t tid[32], uint64_t now)
{
	struct dpath d = exclusive(s);
	for (unsigned i = 0; i < EARLY_SLOTS; i++) {
		struct early *e = &s->early[(s->early_next + i) % EARLY_SLOTS];     /* oldest first */
		if (!e->len || memcmp(e->m + TP_TID_OFF, tid, 32))
			continue;
		if (now - e->t <= EARLY_MAX_MS) {
			s->st.tun_early_replayed++;
			tunnel_packet(s, &d, e->m, e->len, &e->from, &e->local, now);
		}
		e->len = 0;
	}
}

/* The cheap checks in the loop; the expensive part goes to the handshake
 * workers (hspool.c) with copies of the accepted ephemeral secret keys.
 * lane: HSQ_COOKIE only for an initiation whose cookie was checked. */
static void handshake(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now,
                      enum hsq_lane lane)
{
	const struct ephkey *cand[EPH_SLOTS];
	struct hsq_key key;
	struct hs_job *j;
	uint8_t addr[16];
	int n, evicted;

	if (len != HS_INIT_LEN) {
		s->st.hs_bad_len++;
		log_ratelimited(L_DEBUG, "hs_len", "Initiation of %zu bytes from %s: dropped", len, sa_str(from));
		return;
	}
	/* a proven source has buckets that forged packets cannot empty */
	if (!ratelimit_allow(lane == HSQ_COOKIE ? &s->hs_cookie_rl : &s->hs_rl, ratelimit_key(&from->sa), now)) {
		s->st.hs_ratelimited++;
		log_ratelimited(L_WARNING, "hs_rl", "Too many initiations from %s: dropped", sa_str(from));
		return;
	}
	if (replaycache_seen(&s->replay, m + HS_OFF_C0, MCE_CT_LEN, now)) {
		s->st.hs_replay++;
		log_ratelimited(L_WARNING, "hs_replay", "Replayed initiation from %s: dropped", sa_str(from));
		return;
	}
	n = ephkeys_accepted(&s->eph, wall_s(), cand, EPH_SLOTS);
	if (n == 0) {
		s->st.hs_no_ephkey++;
		return;
	}
	sa_addr16(from, addr);
	hsq_key_from_addr(&key, addr);
	j = hspool_get(&s->hsp, lane, &key, &evicted);
	if (!j) {
		s->st.hs_queue_full++;
		log_ratelimited(L_WARNING, "hs_full", "Handshake workers busy: initiation from %s dropped", sa_str(from));
		return;
	}
	if (evicted) {
		s->st.hs_evicted++;
		log_ratelimited(L_WARNING, "hs_evict", "Handshake workers busy: a queued initiation gave way to one from %s%s",
		                sa_str(from), lane == HSQ_COOKIE ? " (with a cookie)" : "");
	}
	memcpy(j->msg, m, HS_INIT_LEN);
	j->from = *from;
	j->local = s->rx_local;
	j->t_recv = now;
	j->lane = lane;
	j->key = key;
	j->ncand = n;
	for (int i = 0; i < n; i++) {
		memcpy(j->cand[i].x_sk, cand[i]->x_sk, X25519_LEN);
		memcpy(j->cand[i].ntru_sk, cand[i]->ntru_sk, NTRU_SK_LEN);
	}
	if (hspool_submit(&s->hsp, j)) {     /* run inline (--handshake-threads 0) */
		handshake_finish(s, j, now);
		hspool_release(&s->hsp, j);
	}
}

/* An initiation behind an address cookie: sizes first, then the cookie
 * decides the lane.  A cookie that does not check out is counted and the
 * initiation is treated as a plain one: it is no worse than one without. */
static void cookie_handshake(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from,
                             uint64_t now)
{
	const uint8_t *cookie, *init;
	uint8_t addr[16];

	if (cookiemsg_init_parse(m, len, &cookie, &init) < 0) {
		s->st.hs_cookie_len++;
		log_ratelimited(L_DEBUG, "hs_clen", "Initiation with cookie of %zu bytes from %s: dropped", len, sa_str(from));
		return;
	}
	sa_addr16(from, addr);
	switch (cookie_check(&s->cookies, now, addr, sa_port(from), cookie)) {
	case COOKIE_OK:
		s->st.hs_cookie++;
		handshake(s, init, HS_INIT_LEN, from, now, HSQ_COOKIE);
		return;
	case COOKIE_EXPIRED:
		s->st.hs_cookie_expired++;
		log_ratelimited(L_DEBUG, "hs_cexp", "Expired cookie from %s: initiation queued without it", sa_str(from));
		break;
	case COOKIE_BAD:
		s->st.hs_cookie_bad++;
		log_ratelimited(L_INFO, "hs_cbad", "Cookie from %s not made for that address: initiation queued without it",
		                sa_str(from));
		break;
	}
	handshake(s, init, HS_INIT_LEN, from, now, HSQ_PLAIN);
}

/* A worker is done with j: make the tunnel (or count why not). */
static void handshake_finish(struct server *s, struct hs_job *j, uint64_t now)
{
	const union sockaddr_any *from = &j->from;
	struct peer *p;

	switch (j->result) {
	case HSJ_STALE:
		s->st.hs_stale++;
		log_ratelimited(L_WARNING, "hs_stale", "Initiation from %s waited over %d ms for a worker: dropped",
		                sa_str(from), HSPOOL_STALE_MS);
		return;
	case HSJ_C1:
		s->st.hs_decrypt_fail++;
		log_ratelimited(L_INFO, "hs_fail", "Handshake from %s failed (c1 does not open)", sa_str(from));
		return;
	case HSJ_C3:
		s->st.hs_decrypt_fail++;
		log_ratelimited(L_INFO, "hs_fail", "Handshake from %s failed (no accepted ephemeral key opens c3)", sa_str(from));
		return;
	case HSJ_OK:
		break;
	}
	/* the same initiation may have been queued twice before either finished */
	if (replaycache_seen(&s->replay, j->msg + HS_OFF_C0, MCE_CT_LEN, now)) {
		s->st.hs_replay++;
		log_ratelimited(L_WARNING, "hs_replay", "Replayed initiation from %s: dropped", sa_str(from));
		return;
	}
	if (replaycache_add(&s->replay, j->msg + HS_OFF_C0, MCE_CT_LEN, now) < 0) {
		s->st.hs_replay_full++;
		log_ratelimited(L_WARNING, "hs_full", "Replay cache full: handshake from %s refused", sa_str(from));
		return;
	}
	p = peer_add(s, &j->keys, from, now);
	if (!p) {
		log_ratelimited(L_WARNING, "hs_peer", "Handshake from %s succeeded but no tunnel could be made", sa_str(from));
		return;
	}
	p->local = j->local;
	s->st.hs_ok++;
	if (j->key_index)
		s->st.hs_ok_next++;     /* under the next long-term key (reload.c) */
	if (j->lane == HSQ_COOKIE)
		s->st.hs_ok_cookie++;
	early_replay(s, j->keys.tid, now);
	log_info("Handshake succeeded: New tunnel created");
	log_info("New Session Established:  External IP: %s  Internal IP: %s", sa_str(from), ip4_str(p->addr));
	log_debug("Tunnel with tID %02x%02x%02x%02x... created successfully", j->keys.tid[0], j->keys.tid[1],
	          j->keys.tid[2], j->keys.tid[3]);
}

/* Take back every job the workers have finished. */
static void finish_done(struct server *s, uint64_t now)
{
	struct hs_job *j;
	while ((j = hspool_done(&s->hsp)) != NULL) {
		handshake_finish(s, j, now);
		hspool_release(&s->hsp, j);     /* erases the session keys too */
	}
}

void handshakes_finished(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	(void)l, (void)fd, (void)events;
	finish_done(s, now_ms());
	/* early packets went to the TUN */
	if (tunio_flush(&s->tio) < 0)
		s->st.tun_write_fail++;
	udp_tx_flush(&s->tx);
}

/* Shared (d->w set: a data thread under the read lock): the peer table
 * is only read, and p's tunnel, endpoint and local address change under
 * p->mu; whatever would change anything else (a new or unknown TID, a
 * peer's first packet, a session message) goes to the exclusive path,
 * which sees the datagram (or the decrypted message) as if it came now. */
static void tunnel_packet(struct server *s, struct dpath *d, const uint8_t *m, size_t len,
                          const union sockaddr_any *from, const struct udp_src *local, uint64_t now)
{
	uint8_t pt[TP_MAX_PLAINTEXT];
	struct server_stats *st = d->st;
	struct peer *p;
	int n;

	/* sizes first, before any lookup (a datagram reassembled from
	 * fragments, or handed on whole by GRO, can be up to 64 KiB) */
	if (len < TP_OVERHEAD) {
		st->tun_short++;
		log_ratelimited(L_DEBUG, "tun_short", "Tunnel packet of %zu bytes from %s: too short", len, sa_str(from));
		return;
	}
	if (len > TP_MAX_LEN) {
		st->tun_too_long++;
		log_ratelimited(L_WARNING, "tun_long", "Tunnel packet of %zu bytes from %s: longer than %d, dropped",
		                len, sa_str(from), TP_MAX_LEN);
		return;
	}
	p = peer_by_tid(s, m + TP_TID_OFF);
	if (d->w && (!p || !p->alive)) {
		dataplane_defer(d->w, DEFER_DATAGRAM, m, len, from, local, NULL);
		return;
	}
	if (!p && early_park(s, m, len, from, local, now))
		return;
	if (!p) {
		st->tun_unknown_tid++;
		if (!resume_unknown_tid(s, m + TP_TID_OFF, from, now))
			log_ratelimited(L_DEBUG, "tun_tid", "Tunnel packet with unknown TID from %s", sa_str(from));
		return;
	}
	if (d->w)
		pthread_mutex_lock(&p->mu);
	n = tunnel_open(&p->tun, pt, sizeof pt, m, len, now);
	/* authenticated: roaming follows the newest authenticated source, and
	 * our reply source the address it now sends to */
	if (n >= 0 && !sa_equal(&p->ep, from)) {
		if (p->alive)
			log_info("Peer %s moved to %s", sa_str(&p->ep), sa_str(from));
		p->ep = *from;
	}
	if (n >= 0 && !udp_src_equal(&p->local, local))
		p->local = *local;
	if (d->w)
		pthread_mutex_unlock(&p->mu);
	if (n < 0) {
		switch (n) {
		case TUN_EAUTH: st->tun_auth++; break;
		case TUN_EREPLAY: st->tun_replay++; break;
		case TUN_EOLD: st->tun_old++; break;
		case TUN_EEPOCH: st->tun_epoch++; break;
		case TUN_EAHEAD: st->tun_ahead++; break;
		case TUN_ETOOLONG: case TUN_ESPACE: st->tun_too_long++; break;
		default: st->tun_short++; break;
		}
		log_ratelimited(L_DEBUG, "tun_drop", "Tunnel packet from %s dropped: %s", sa_str(from), tunnel_strerror(n));
		return;
	}
	if (!d->w)
		peer_mark_alive(s, p);      /* (shared: it is alive already) */
	if (n == 0) {
		st->tun_keepalive++;
		return;
	}
	if (n >= 8 && !memcmp(pt, cookie_prefix, 8)) {
		st->tun_cookie++;
		return;
	}
	if (sessionmsg_is_session(pt, (size_t)n)) {
		if (d->w)
			dataplane_defer(d->w, DEFER_SESSION, pt, (size_t)n, from, local, p->tun.tid);
		else
			resume_message(s, p, pt, (size_t)n, now);
		return;
	}
	deliver_to_tun(s, d, p, pt, (size_t)n);
}

void cryptoserver_datagram(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now)
{
	uint16_t type = len >= 2 ? load16_be(m) : 0;
	struct dpath d = exclusive(s);
	if (type == TP_TYPE)
		tunnel_packet(s, &d, m, len, from, &s->rx_local, now);
	else if (type == HS_INIT_TYPE)
		handshake(s, m, len, from, now, HSQ_PLAIN);
	else if (type == HS_COOKIE_TYPE)
		cookie_handshake(s, m, len, from, now);
	else if (type == 0x0300) {
		s->st.hsfail_ignored++;
		log_ratelimited(L_DEBUG, "hsfail", "Unauthenticated 03 00 from %s ignored", sa_str(from));
	} else if (len >= 8 && !memcmp(m, cookie_prefix, 8))
		s->st.tun_cookie++;
	else
		s->st.crypto_unknown_type++;
}

void cryptoserver_datagram_shared(struct server *s, struct dpath *d, const uint8_t *m, size_t len,
                                  const union sockaddr_any *from, const struct udp_src *local, uint64_t now)
{
	uint16_t type = len >= 2 ? load16_be(m) : 0;
	if (type == TP_TYPE)
		tunnel_packet(s, d, m, len, from, local, now);
	else if ((type == HS_INIT_TYPE || type == HS_COOKIE_TYPE) && len <= DEFER_MAX_LEN)
		dataplane_defer(d->w, DEFER_DATAGRAM, m, len, from, local, NULL);
	else if (type == HS_INIT_TYPE || type == HS_COOKIE_TYPE) {
		/* longer than either initiation (the sizes are checked first there too) */
		if (type == HS_INIT_TYPE)
			d->st->hs_bad_len++;
		else
			d->st->hs_cookie_len++;
		log_ratelimited(L_DEBUG, type == HS_INIT_TYPE ? "hs_len" : "hs_clen", "Initiation of %zu bytes from %s: dropped",
		                len, sa_str(from));
	} else if (type == 0x0300) {
		/* only counted, here as in cryptoserver_datagram: no lock needed */
		d->st->hsfail_ignored++;
		log_ratelimited(L_DEBUG, "hsfail", "Unauthenticated 03 00 from %s ignored", sa_str(from));
	} else if (len >= 8 && !memcmp(m, cookie_prefix, 8))
		d->st->tun_cookie++;
	else
		d->st->crypto_unknown_type++;
}

void cryptoserver_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	int n;
	for (int round = 0; round < 16; round++) {
		n = udp_recv_batch(fd, &s->rx);
		s->st.udp_truncated += s->rx.truncated;
		if (n <= 0 && !s->rx.truncated)
			break;
		uint64_t now = now_ms();
		/* finished jobs back first: under a flood a wake-up reads up to
		 * 16 batches, and jobs left waiting for the loop meanwhile would
		 * hold the slots the queue's policy shares out */
		if (s->hsp.queued)
			finish_done(s, now);
		for (int i = 0; i < n; i++) {
			s->rx_local = *s->rx.dg[i].local;
			cryptoserver_datagram(s, s->rx.dg[i].p, s->rx.dg[i].len, s->rx.dg[i].from, now);
		}
		s->rx_local.set = 0;
		/* coalesced segments to the TUN, and replies, go out per batch */
		if (tunio_flush(&s->tio) < 0)
			s->st.tun_write_fail++;
		udp_tx_flush(&s->tx);
	}
}

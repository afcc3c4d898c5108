/* The client's data path (see datapath.h).  Sizes come first on the receive
 * side: a datagram longer than any tunnel packet is dropped before any
 * lookup, and tunnel_open writes at most the buffer it is given. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "client/client.h"
#include "client/connect.h"
#include "client/datapath.h"
#include "client/intercept.h"
#include "client/serverfeat.h"
#include "client/lifecycle.h"
#include "client/probe.h"
#include "client/session.h"
#include "io/log.h"
#include "proto/cookiemsg.h"
#include "io/tun.h"
#include "io/tunerr.h"
#include "proto/featmsg.h"
#include "proto/icmp6.h"
#include "proto/ipv4.h"
#include "proto/ipv4frag.h"
#include "proto/ipv6.h"
#include "proto/sessionmsg.h"
#include "proto/tunnelpkt.h"

int datapath_init(void)
{
	client.rx = malloc(sizeof *client.rx);
	client.tx = calloc(1, sizeof *client.tx);
	if (!client.rx || !client.tx)
		return -1;
	if (udp_rx_init_gro(client.rx, client.udpfd) < 0 ||
	    tunio_adopt(&client.tio, client.tunfd, client.tunvnet) < 0)
		return -1;
	client.tx->fd = client.udpfd;
	client.tx->gso = client.offload;
	tunerr_init(&client.tun_err_rl);
	return 0;
}

void datapath_free(void)
{
	if (client.rx)
		udp_rx_free(client.rx);
	free(client.rx);
	free(client.tx);
	client.rx = NULL;
	client.tx = NULL;
}

int datapath_route_check(struct peer *p, uint64_t now)
{
	const union sockaddr_any *cand[2] = { &p->ext, &p->ext6_hint };
	if (!p->has_tunnel || udp_route_exists(&p->ep))
		return 0;
	for (int i = 0; i < 2; i++) {
		union sockaddr_any alt = *cand[i];
		if (!alt.sa.sa_family || sa_same_host(&alt, &p->ep))
			continue;
		sa_set_port(&alt, sa_port(&p->ep));
		if (!udp_route_exists(&alt))
			continue;
		log_info("No route to %s any more: tunnel of %s moved to %s", sa_str(&p->ep), ip4_str(p->int_addr),
		         sa_str(&alt));
		p->ep = alt;
		datapath_send_keepalive(p, now);
		return 0;
	}
	log_info("No route to %s any more, and no other address of the server has one", sa_str(&p->ep));
	return -1;
}

/* Seal pt into the transmit batch for p.  0 / -1. */
static int send_sealed(struct peer *p, const uint8_t *pt, size_t n, uint64_t now)
{
	uint8_t *slot = udp_tx_slot(client.tx);
	int r = tunnel_seal(&p->tun, slot, UDP_BUFSZ, pt, n, now);
	if (r < 0) {
		client.cnt.tun_seal_fail++;
		log_ratelimited(L_WARNING, "seal", "cannot encrypt to %s: %s", sa_host_str(&p->ext),
		                tunnel_strerror(r));
		return -1;
	}
	udp_tx_commit(client.tx, (size_t)r, &p->ep);
	p->last_tx_epoch = p->tun.tx.epoch;
	return 0;
}

int datapath_send_probe(struct peer *p, uint64_t now)
{
	uint8_t pkt[PROBE_LEN];
	uint16_t seq = p->probe_seq;

	if (!p->has_tunnel)
		return -1;
	if (probe_build(pkt, sizeof pkt, client.tun_addr, p->int_addr, p->probe_id, seq, now) < 0)
		return -1;
	p->probe_seq++;
	if (send_sealed(p, pkt, sizeof pkt, now) < 0)
		return -1;
	udp_tx_flush(client.tx);
	return seq;
}

int datapath_send_plain(struct peer *p, const uint8_t *pt, size_t n, uint64_t now)
{
	if (!p->has_tunnel || send_sealed(p, pt, n, now) < 0)
		return -1;
	udp_tx_flush(client.tx);
	return 0;
}

void datapath_send_keepalive(struct peer *p, uint64_t now)
{
	if (!p->has_tunnel || send_sealed(p, (const uint8_t *)"", 0, now) < 0)
		return;
	udp_tx_flush(client.tx);
	log_trace("keepalive to %s", sa_host_str(&p->ext));
}

/* ------------------------------------------- packets waiting for a tunnel -- */

struct waiting {
	struct waiting *next;
	size_t len;
	uint8_t pkt[];
};

/* Tell the application at once that p cannot be reached (instead of a
 * silent drop): ICMP host unreachable from p's internal address. */
static void count_err(int r)
{
	if (r > 0)
		return;
	if (r == -1)
		client.cnt.tun_err_limited++;
	else if (r == -2)
		client.cnt.tun_write_fail++;
}

/* An ICMPv6 error about the inner IPv6 packet pkt, into the TUN. */
static void icmp6_back(const uint8_t *pkt, size_t n, uint8_t type, uint8_t code, uint32_t param, uint64_t now)
{
	int r = tunerr_icmp6(&client.tio, &client.tun_err_rl, pkt, n, type, code, param, now);
	if (r > 0)
		client.cnt.tun_icmp6++;
	count_err(r);
}

static void refuse(struct peer *p, const uint8_t *pkt, size_t n)
{
	uint8_t icmp[20 + 8 + 60 + 8];
	if ((pkt[0] >> 4) == 6) {
		/* inner IPv6: address unreachable, as a router says it */
		client.cnt.tun_unreachable++;
		icmp6_back(pkt, n, ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0, now_ms());
		return;
	}
	int len = icmp_host_unreachable(icmp, sizeof icmp, pkt, n, p->int_addr);
	if (len < 0)
		return;
	client.cnt.tun_unreachable++;
	if (tunio_deliver(&client.tio, icmp, (size_t)len, p->int_addr, ipv4_src(pkt)) < 0)
		client.cnt.tun_write_fail++;
}

static void wait_for_tunnel(struct peer *p, const uint8_t *pkt, size_t n)
{
	struct waiting *w;
	if (p->nwaiting >= DATAPATH_MAX_WAITING || !(w = malloc(sizeof *w + n))) {
		client.cnt.tun_no_tunnel++;
		return;
	}
	w->len = n;
	memcpy(w->pkt, pkt, n);
	/* oldest first */
	struct waiting **tail = &p->waiting;
	while (*tail)
		tail = &(*tail)->next;
	w->next = NULL;
	*tail = w;
	p->nwaiting++;
	client.cnt.tun_waited++;
}

void datapath_release_waiting(struct peer *p, int ok, uint64_t now)
{
	struct waiting *w = p->waiting, *next;
	p->waiting = NULL;
	p->nwaiting = 0;
	for (; w; w = next) {
		next = w->next;
		/* (an IPv6 packet waited on a flag of an earlier server at this
		 * name: the tunnel now up may be to one without inner IPv6, such
		 * as the reference, which must never receive IPv6) */
		int v6_ok = (w->pkt[0] >> 4) != 6 || features_inner6(p);
		if (ok && p->has_tunnel && v6_ok && w->len + TP_OVERHEAD <= UDP_BUFSZ) {
			if (send_sealed(p, w->pkt, w->len, now) == 0)
				p->last_app_tx = now;
		} else
			refuse(p, w->pkt, w->len);
		wipe(w->pkt, w->len);
		free(w);
	}
	udp_tx_flush(client.tx);
	if (tunio_flush(&client.tio) < 0)
		client.cnt.tun_write_fail++;
}

/* ------------------------------------------------------ TUN -> tunnel -- */

/* The peer an IPv6 packet from the TUN is for (its destination is the
 * peer's internal IPv6 address), if inner IPv6 may go to it. */
static struct peer *peer_of_v6(const uint8_t *buf, size_t n, uint64_t now)
{
	uint32_t a4;
	struct peer *p;
	if (!client.inner6 || features_addr4_of(buf + 24, &a4) < 0) {
		client.cnt.tun_no_peer++;     /* also the kernel's own IPv6 (router solicitations, MLD) */
		return NULL;
	}
	if (!(p = peer_by_addr(a4))) {
		/* an internal address nobody holds (any more) */
		client.cnt.tun_no_peer++;
		icmp6_back(buf, n, ICMP6_DST_UNREACH, ICMP6_UNREACH_ADDR, 0, now);
		return NULL;
	}
	if (!features_inner6(p)) {
		/* never to a server that did not say it carries IPv6 (the reference) */
		client.cnt.tun_inner6_refused++;
		icmp6_back(buf, n, ICMP6_DST_UNREACH, ICMP6_UNREACH_ADMIN, 0, now);
		return NULL;
	}
	if (n > (size_t)client.mtu6) {
		/* only from a socket that ignores the TUN's MTU (raw) */
		icmp6_back(buf, n, ICMP6_PACKET_TOO_BIG, 0, (uint32_t)client.mtu6, now);
		return NULL;
	}
	return p;
}

static int tun_packet(void *arg, const uint8_t *buf, size_t n);

/* An IPv4 packet longer than the IPv4 MTU towards the peers (the TUN's
 * MTU may be IPv6's 1280 while IPv4 keeps 1200: proto/ipv4frag.h): cut
 * into fragments without DF, refused with "fragmentation needed" with it. */
static int too_long4(uint64_t *now, const uint8_t *buf, size_t n)
{
	uint8_t frag[TUN_MTU_MAX];
	if (ipv4_df(buf)) {
		int r = tunerr_frag_needed(&client.tio, &client.tun_err_rl, buf, n, (uint16_t)client.mtu, *now);
		client.cnt.tun_too_big++;
		count_err(r);
		return 0;
	}
	if (ipv4_fragment(buf, n, (size_t)client.mtu, frag, sizeof frag, tun_packet, now) < 0)
		client.cnt.tun_not_ipv4++;
	else
		client.cnt.tun_fragmented++;
	return 0;
}

/* One IPv4 packet from the TUN (or one segment of a super-packet), or one
 * IPv6 packet. */
static int tun_packet(void *arg, const uint8_t *buf, size_t n)
{
	uint64_t now = *(const uint64_t *)arg;
	int v6 = (buf[0] >> 4) == 6;
	if (!v6 && n > (size_t)client.mtu)
		return too_long4(arg, buf, n);
	struct peer *p = v6 ? peer_of_v6(buf, n, now) : peer_by_addr(ipv4_dst(buf));
	if (!p && v6)
		return 0;
	if (!p) {
		client.cnt.tun_no_peer++;
		log_ratelimited(L_DEBUG, "tun_no_peer", "dropping packet to %s: no peer", ip4_str(ipv4_dst(buf)));
		return 0;
	}
	p->last_app_tx = now;
	if (!p->has_tunnel || p->state == PS_RESUMING) {
		/* the packet waits for the attempt (or the resumption's grant),
		 * or is refused: it never leaves unprotected */
		if (peer_ev_app_packet(p, now))
			wait_for_tunnel(p, buf, n);
		else
			refuse(p, buf, n);
		return 0;
	}
	if (n + TP_OVERHEAD > UDP_BUFSZ) {
		client.cnt.tun_seal_fail++;
		return 0;
	}
	if (send_sealed(p, buf, n, now) == 0 && v6)
		client.cnt.tun_inner6++;
	return 0;
}

void on_tun_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint64_t now = now_ms();
	(void)l, (void)fd, (void)events, (void)arg;

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

void datapath_rx_datagram(const uint8_t *d, size_t len, const union sockaddr_any *from, uint64_t now)
{
	uint8_t pt[TP_MAX_PLAINTEXT];
	struct tp_header h;
	uint16_t seq;

	if (len == 2 && d[0] == 3 && d[1] == 0) {
		/* HANDSHAKE_FAIL is unauthenticated: never let it kill a peer */
		client.cnt.rx_handshake_fail++;
		log_ratelimited(L_DEBUG, "rx_fail", "ignoring 03 00 from %s", sa_str(from));
		return;
	}
	if (len == CM_LEN && load16_be(d) == CM_REPLY_TYPE) {
		/* an address cookie from a key server (proto/cookiemsg.h) */
		connect_cookie_reply(d, len, from, now);
		return;
	}
	if (len == FM_LEN && load16_be(d) == FM_REPLY_TYPE) {
		/* a key server's features (proto/featmsg.h); AAAA answers held for them */
		struct peer *fp = features_reply(d, len, from);
		if (fp)
			held_features_known(fp);
		return;
	}
	if (len == SM_HINT_LEN && load16_be(d) == SM_HINT_TYPE) {
		/* a restarted server of ours (unauthenticated: an earlier check, nothing more) */
		const uint8_t *tid;
		struct peer *hp = sessionmsg_hint_parse(d, len, &tid) == 0 ? peer_by_tid(tid) : NULL;
		/* only for a server of ours that gave us a grant (the reference
		 * never sends one: an injected hint cannot push its peers around) */
		if (hp && hp->sess_have && session_server_is_ours(hp) && sa_equal(&hp->ep, from))
			peer_ev_restart_hint(hp, now);
		else
			client.cnt.rx_hint_ignored++;
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
	peer_ev_auth_rx(p, now);
	if (n == 0) {
		client.cnt.rx_keepalive++;
		return;
	}
	if (sessionmsg_is_session(pt, (size_t)n)) {
		/* only through the current tunnel: a late grant on the old one
		 * must not end the new tunnel's resumption */
		if (t == &p->tun)
			session_rx(p, pt, (size_t)n, now);
		else
			client.cnt.sess_bad++;
		wipe(pt, (size_t)n);     /* a grant carries the resumption secret */
		return;
	}
	/* (the inner packet is checked once, where it is re-addressed) */
	if (probe_match(pt, (size_t)n, p->probe_id, &seq)) {
		client.cnt.rx_probe++;
		peer_ev_probe_reply(p, seq, now);
		return;
	}
	int w;
	if ((pt[0] >> 4) == 6) {
		/* inner IPv6: only from a server that offers it, from its
		 * internal IPv6 address to the TUN's */
		uint8_t src6[16];
		features_addr6(p->int_addr, src6);
		w = features_inner6(p) ? tunio_deliver6(&client.tio, pt, (size_t)n, src6, client.tun_addr6) : -1;
		if (w == 0)
			client.cnt.rx_inner6++;
	} else {
		uint32_t dst = client.host_ip ? client.host_ip : client.tun_addr;
		w = tunio_deliver(&client.tio, pt, (size_t)n, p->int_addr, dst);
	}
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
	(void)l, (void)events, (void)arg;

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
			datapath_rx_datagram(client.rx->dg[i].p, client.rx->dg[i].len, client.rx->dg[i].from, now);
		/* coalesced segments go to the TUN once per batch */
		if (tunio_flush(&client.tio) < 0)
			client.cnt.tun_write_fail++;
		if (n < UDP_BATCH)
			break;
	}
	/* replies (e.g. probes) may have been queued */
	udp_tx_flush(client.tx);
}

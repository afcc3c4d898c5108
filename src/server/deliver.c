/* The TUN side (PROTOCOL.md §8.5, §12.3).  Decrypted packets are re-addressed
 * so local services see the client as its internal address (never its real
 * one) talking to the server's TUN address (or the -H host address), with
 * checksums recomputed.  Packets the kernel routes to an internal address
 * are sealed into that peer's tunnel. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "io/log.h"
#include "io/tun.h"
#include "io/tunerr.h"
#include "proto/icmp6.h"
#include "proto/ipv4.h"
#include "proto/ipv4frag.h"
#include "proto/ipv6.h"
#include "proto/tunnelpkt.h"
#include "server/server.h"

static uint32_t mask_of(int bits) { return bits <= 0 ? 0 : ~((1u << (32 - bits)) - 1); }

void server_addr6(const struct server *s, uint32_t addr, uint8_t out[16])
{
	ipv6_inner_addr(out, s->prefix6, addr & ~mask_of(s->maskbits));
}

/* The peer an IPv6 packet from the TUN is for: its destination is
 * prefix6::<host number of the peer's IPv4 address>. */
static struct peer *peer_by_addr6(struct server *s, const uint8_t *pkt)
{
	uint32_t host;
	if (!s->inner6 || ipv6_inner_host(pkt + 24, s->prefix6, &host) < 0 || host & mask_of(s->maskbits))
		return NULL;
	return peer_by_addr(s, (s->tun_addr & mask_of(s->maskbits)) | host);
}

void deliver_to_tun(struct server *s, struct dpath *d, struct peer *p, uint8_t *pkt, size_t len)
{
	int r;
	if (len >= 1 && (pkt[0] >> 4) == 6) {
		/* inner IPv6 (only a client we told FEAT_INNER6 sends it) */
		uint8_t src[16];
		if (!s->inner6)
			r = -1;
		else {
			server_addr6(s, p->addr, src);
			r = tunio_deliver6(d->tio, pkt, len, src, s->tun_addr6);
		}
		if (r == 0) {
			d->st->tun_inner6++;
			/* (a data thread may set it while another reads it) */
			if (!__atomic_load_n(&p->inner6, __ATOMIC_RELAXED))
				__atomic_store_n(&p->inner6, 1, __ATOMIC_RELAXED);
		}
	} else
		r = tunio_deliver(d->tio, pkt, len, p->addr, s->host ? s->host : s->tun_addr);
	if (r == -1) {
		d->st->tun_bad_inner++;
		log_ratelimited(L_DEBUG, "inner", "Malformed inner packet from %s dropped", sa_str(&p->ep));
		return;
	}
	if (r < 0) {
		d->st->tun_write_fail++;
		log_ratelimited(L_WARNING, "tunw", "write to TUN: %s", strerror(errno));
		return;
	}
	d->st->tun_ok++;
}

struct seal_ctx { struct server *s; struct dpath *d; uint64_t now; };

static void count_err(struct dpath *d, int r)
{
	if (r == -1)
		d->st->out_err_limited++;
	else if (r == -2)
		d->st->tun_write_fail++;
}

/* An ICMPv6 error about the inner IPv6 packet pkt, into the TUN. */
static void icmp6_back(struct seal_ctx *c, const uint8_t *pkt, size_t len, uint8_t code)
{
	int r = tunerr_icmp6(c->d->tio, c->d->err_rl, pkt, len, ICMP6_DST_UNREACH, code, 0, c->now);
	if (r > 0)
		c->d->st->out_icmp6++;
	count_err(c->d, r);
}

/* The peer of an IPv6 packet from the TUN: a client that sent inner IPv6
 * itself.  Otherwise an ICMPv6 error for an address in our prefix. */
static struct peer *peer_of_v6(struct seal_ctx *c, const uint8_t *pkt, size_t len)
{
	struct server *s = c->s;
	uint32_t host;
	struct peer *p = peer_by_addr6(s, pkt);
	if (p && __atomic_load_n(&p->inner6, __ATOMIC_RELAXED))
		return p;
	if (p) {
		/* a client that never sent IPv6 (the reference's, or ours asking nothing) */
		c->d->st->out_inner6_refused++;
		icmp6_back(c, pkt, len, ICMP6_UNREACH_ADMIN);
	} else if (s->inner6 && ipv6_inner_host(pkt + 24, s->prefix6, &host) == 0)
		icmp6_back(c, pkt, len, ICMP6_UNREACH_ADDR);   /* the client is gone */
	return NULL;
}

static int seal_one(void *arg, const uint8_t *pkt, size_t len);

/* An IPv4 packet longer than the IPv4 MTU towards the clients (the TUN's
 * MTU may be IPv6's 1280 while IPv4 keeps 1200: proto/ipv4frag.h): cut
 * into fragments without DF, refused with "fragmentation needed" with it. */
static int too_long4(struct seal_ctx *c, const uint8_t *pkt, size_t len)
{
	struct server *s = c->s;
	struct dpath *d = c->d;
	uint8_t frag[TUN_MTU_MAX];
	if (ipv4_df(pkt)) {
		d->st->out_too_big++;
		count_err(d, tunerr_frag_needed(d->tio, d->err_rl, pkt, len, (uint16_t)s->mtu4, c->now));
		return 0;
	}
	if (ipv4_fragment(pkt, len, (size_t)s->mtu4, frag, sizeof frag, seal_one, c) < 0)
		d->st->out_bad++;
	else
		d->st->out_fragmented++;
	return 0;
}

/* one IPv4 packet from the TUN (a segment of a super-packet, maybe), or
 * one IPv6 packet */
static int seal_one(void *arg, const uint8_t *pkt, size_t len)
{
	struct seal_ctx *c = arg;
	struct server *s = c->s;
	struct dpath *d = c->d;
	int v6 = (pkt[0] >> 4) == 6;
	if (!v6 && len > (size_t)s->mtu4)
		return too_long4(c, pkt, len);
	struct peer *p = v6 ? peer_of_v6(c, pkt, len) : peer_by_addr(s, ipv4_dst(pkt));
	union sockaddr_any ep;
	struct udp_src local;
	if (!p) {
		d->st->out_no_peer++;
		return 0;
	}
	if (len + TP_OVERHEAD > UDP_BUFSZ) {
		d->st->out_bad++;
		return 0;
	}
	uint8_t *out = udp_tx_slot(d->tx);
	/* shared (a data thread): the tunnel's send chain, and where it is
	 * sent, under the peer's lock (another thread may be opening or
	 * roaming it) */
	const union sockaddr_any *to = &p->ep;
	const struct udp_src *from = &p->local;
	int n;
	if (d->w) {
		pthread_mutex_lock(&p->mu);
		n = tunnel_seal(&p->tun, out, UDP_BUFSZ, pkt, len, c->now);
		ep = p->ep;
		local = p->local;
		pthread_mutex_unlock(&p->mu);
		to = &ep;
		from = &local;
	} else
		n = tunnel_seal(&p->tun, out, UDP_BUFSZ, pkt, len, c->now);
	if (n < 0) {
		d->st->out_seal_fail++;
		if (n == TUN_EEXHAUSTED) {
			if (d->w)
				dataplane_defer(d->w, DEFER_EXHAUSTED, NULL, 0, to, from, p->tun.tid);
			else
				peer_remove(s, p, "epochs used up");
		}
		return 0;
	}
	udp_tx_commit_from(d->tx, (size_t)n, to, from);
	d->st->out_ok++;
	if (v6)
		d->st->out_inner6++;
	return 0;
}

void tun_read_into(struct server *s, struct dpath *d)
{
	struct seal_ctx c = { s, d, now_ms() };

	/* bounded per wake-up; the UDP batch is flushed at the end */
	for (int i = 0; i < 64; i++) {
		int r = tunio_read(d->tio, seal_one, &c);
		if (r < 0) {
			log_ratelimited(L_ERROR, "tunr", "read from TUN: %s", strerror(errno));
			break;
		}
		if (r == 0)
			break;
	}
	udp_tx_flush(d->tx);
}

void tun_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	struct dpath d = { &s->tio, &s->tx, &s->st, NULL, &s->tun_err_rl };
	(void)l, (void)fd, (void)events;
	tun_read_into(s, &d);
}

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
#include "proto/ipv4.h"
#include "proto/tunnelpkt.h"
#include "server/server.h"

void deliver_to_tun(struct server *s, struct peer *p, uint8_t *pkt, size_t len)
{
	int r = tunio_deliver(&s->tio, pkt, len, p->addr, s->host ? s->host : s->tun_addr);
	if (r == -1) {
		s->st.tun_bad_inner++;
		log_ratelimited(L_DEBUG, "inner", "Malformed inner packet from %s dropped", sa_str(&p->ep));
		return;
	}
	if (r < 0) {
		s->st.tun_write_fail++;
		log_ratelimited(L_WARNING, "tunw", "write to TUN: %s", strerror(errno));
		return;
	}
	s->st.tun_ok++;
}

struct seal_ctx { struct server *s; uint64_t now; };

/* one IPv4 packet from the TUN (a segment of a super-packet, maybe) */
static int seal_one(void *arg, const uint8_t *pkt, size_t len)
{
	struct seal_ctx *c = arg;
	struct server *s = c->s;
	struct peer *p = peer_by_addr(s, ipv4_dst(pkt));
	if (!p) {
		s->st.out_no_peer++;
		return 0;
	}
	if (len + TP_OVERHEAD > UDP_BUFSZ) {
		s->st.out_bad++;
		return 0;
	}
	uint8_t *out = udp_tx_slot(&s->tx);
	int n = tunnel_seal(&p->tun, out, UDP_BUFSZ, pkt, len, c->now);
	if (n < 0) {
		s->st.out_seal_fail++;
		if (n == TUN_EEXHAUSTED)
			peer_remove(s, p, "epochs used up");
		return 0;
	}
	udp_tx_commit_from(&s->tx, (size_t)n, &p->ep, &p->local);
	s->st.out_ok++;
	return 0;
}

void tun_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	struct seal_ctx c = { s, now_ms() };

	/* bounded per wake-up; the UDP batch is flushed at the end */
	for (int i = 0; i < 64; i++) {
		int r = tunio_read(&s->tio, seal_one, &c);
		if (r < 0) {
			log_ratelimited(L_ERROR, "tunr", "read from TUN: %s", strerror(errno));
			break;
		}
		if (r == 0)
			break;
	}
	udp_tx_flush(&s->tx);
}

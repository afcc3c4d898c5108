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
	int tot = ipv4_check(pkt, len);
	if (tot < 0 || ipv4_readdress(pkt, (size_t)tot, p->addr, s->host ? s->host : s->tun_addr) < 0) {
		s->st.tun_bad_inner++;
		log_ratelimited(L_DEBUG, "inner", "Malformed inner packet from %s dropped", sa_str(&p->ep));
		return;
	}
	if (write(s->tun_fd, pkt, (size_t)tot) != tot) {
		s->st.tun_write_fail++;
		log_ratelimited(L_WARNING, "tunw", "write to TUN: %s", strerror(errno));
		return;
	}
	s->st.tun_ok++;
}

void tun_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	static uint8_t pkt[UDP_BUFSZ];
	uint64_t now = now_ms();

	/* bounded per wake-up; the UDP batch is flushed once at the end */
	for (int i = 0; i < 256; i++) {
		ssize_t r = read(fd, pkt, sizeof pkt - TP_OVERHEAD);
		if (r <= 0)
			break;
		int tot = ipv4_check(pkt, (size_t)r);
		if (tot < 0) {
			s->st.out_bad++;
			continue;
		}
		struct peer *p = peer_by_addr(s, ipv4_dst(pkt));
		if (!p) {
			s->st.out_no_peer++;
			continue;
		}
		uint8_t *out = udp_tx_slot(&s->tx);
		int n = tunnel_seal(&p->tun, out, UDP_BUFSZ, pkt, (size_t)tot, now);
		if (n < 0) {
			s->st.out_seal_fail++;
			if (n == TUN_EEXHAUSTED)
				peer_remove(s, p, "epochs used up");
			continue;
		}
		udp_tx_commit(&s->tx, (size_t)n, &p->ep);
		s->st.out_ok++;
	}
	udp_tx_flush(&s->tx);
}

/* The worker's side of the privilege separation (see worker.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "client/client.h"
#include "client/intercept.h"
#include "client/staticpeers.h"
#include "client/worker.h"
#include "io/log.h"
#include "proto/ipv4.h"

static uint8_t rbuf[PM_MAX_MSG];

/* Verdict for a queued packet: pkt NULL = accept unchanged. */
static void verdict(uint32_t id, const uint8_t *pkt, size_t len)
{
	int r = pkt ? pm_send(client.monfd, PM_REPLACE, id, pkt, len) : pm_send(client.monfd, PM_ACCEPT, id, NULL, 0);
	if (r < 0)
		/* the monitor accepts it unchanged after its own deadline */
		log_ratelimited(L_WARNING, "verdict", "cannot pass a verdict to the monitor: %s", strerror(errno));
}

void worker_hook(struct peer *p, int up)
{
	struct pm_hook h;

	memset(&h, 0, sizeof h);
	memcpy(h.hash, p->hash, 32);
	h.int_addr = p->int_addr;
	sa_addr16(&p->ext, h.ext);
	h.port = p->cryptoport;
	h.keyport = p->keyport;
	h.up = (uint32_t)up;
	if (pm_send(client.monfd, PM_HOOK, 0, &h, sizeof h) < 0)
		log_warn("cannot ask for the %s hook of %s: %s", up ? "ifup" : "ifdown", p->name, strerror(errno));
}

int worker_request_reload(void)
{
	return pm_send(client.monfd, PM_RELOAD, 0, NULL, 0);
}

/* ---------------------------------- the netfilter-queue transport -- */

/* A queued packet held for a peer: the verdict goes back with its id. */
struct queued {
	uint32_t id;
	size_t len;
	uint8_t pkt[];                  /* the whole IP packet */
};

static void release_queued(void *ctx, const uint8_t *dns, size_t dlen)
{
	static uint8_t out[65536];
	struct queued *q = ctx;
	struct udppkt u;

	if (dns && udppkt_parse(&u, q->pkt, q->len) == 0) {
		int n = udppkt_rebuild(out, sizeof out, q->pkt, q->len, &u, dns, dlen);
		if (n > 0) {
			verdict(q->id, out, (size_t)n);
			free(q);
			return;
		}
	}
	verdict(q->id, NULL, 0);
	free(q);
}

/* A queued packet the monitor handed over. */
static void queued_packet(uint32_t id, const uint8_t *pkt, size_t len)
{
	static uint8_t dns_out[65536], pkt_out[65536];
	struct udppkt u;
	struct peer *p = NULL;
	size_t outlen = 0;
	uint64_t now = now_ms();

	if (udppkt_parse(&u, pkt, len) < 0 || u.sport != 53) {
		client.cnt.dns_unparsable++;
		verdict(id, NULL, 0);
		return;
	}
	switch (dns_decide(u.payload, u.payload_len, dns_out, sizeof dns_out, &outlen, &p, now)) {
	case DEC_PASS:
		verdict(id, NULL, 0);
		return;
	case DEC_REPLACE: {
		int n = udppkt_rebuild(pkt_out, sizeof pkt_out, pkt, len, &u, dns_out, outlen);
		if (n < 0)
			verdict(id, NULL, 0);
		else
			verdict(id, pkt_out, (size_t)n);
		return;
	}
	case DEC_HOLD:
		break;
	}
	struct queued *q = malloc(sizeof *q + len);
	if (q) {
		q->id = id;
		q->len = len;
		memcpy(q->pkt, pkt, len);
		if (held_add(p, u.payload, u.payload_len, release_queued, q, now) == 0)
			return;
		free(q);
	}
	client.cnt.dns_failopen++;
	verdict(id, NULL, 0);
}

static void on_monitor(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct pm_hdr h;
	const uint8_t *body;
	(void)events, (void)arg;

	for (int budget = 0; budget < 256; budget++) {
		int r = pm_recv(fd, rbuf, sizeof rbuf, PM_FROM_MONITOR, &h, &body);
		if (r == 0)
			return;
		if (r == -1) {
			log_error("the monitor has gone: exiting");
			loop_del_fd(l, fd);
			loop_stop(l);
			return;
		}
		if (r == -2) {
			client.cnt.mon_bad++;
			continue;
		}
		switch (h.type) {
		case PM_PACKET:
			if (client.proxy_mode || h.len < 20) {
				client.cnt.mon_bad++;
				verdict(h.id, NULL, 0);
				break;
			}
			queued_packet(h.id, body, h.len);
			break;
		case PM_PEERS:
			static_peers_apply((const char *)body, h.len);
			break;
		case PM_STATS:
			if (h.len == sizeof client.mon)
				memcpy(&client.mon, body, sizeof client.mon);
			else
				client.cnt.mon_bad++;
			break;
		default:
			client.cnt.mon_bad++;
			break;
		}
	}
}

int worker_channel_open(int fd)
{
	return loop_add_fd(&client.loop, fd, EPOLLIN, on_monitor, NULL);
}

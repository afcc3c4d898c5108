/* The worker's side of the privilege separation: the channel to the root
 * monitor (queued packets in, verdicts, hook and reload requests out), and
 * the static peers of the peers file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "client/client.h"
#include "io/log.h"

static uint8_t rbuf[PM_MAX_MSG];

void worker_verdict(uint32_t id, const uint8_t *pkt, size_t len)
{
	int r = pkt ? pm_send(client.monfd, PM_REPLACE, id, pkt, len) : pm_send(client.monfd, PM_ACCEPT, id, NULL, 0);
	if (r < 0)
		/* the monitor accepts it unchanged after its own deadline */
		log_ratelimited(L_WARNING, "verdict", "cannot pass a verdict to the monitor: %s", strerror(errno));
}

void worker_hook(struct peer *p, int up)
{
	struct pm_hook h;

	if (!p->is_static || p->hook_up == up)
		return;
	p->hook_up = up;
	memset(&h, 0, sizeof h);
	memcpy(h.hash, p->hash, 32);
	h.int_addr = p->int_addr;
	h.ext_ip = p->ext_ip;
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

static void on_monitor(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct pm_hdr h;
	const uint8_t *body;

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
				worker_verdict(h.id, NULL, 0);
				break;
			}
			intercept_packet(h.id, body, h.len);
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

/* ------------------------------------------------------- static peers -- */

static void configure(struct peer *p, const struct pf_peer *pp)
{
	if (p->ext_ip != pp->addr || p->cryptoport != pp->port || p->keyport != pp->keyport)
		log_info("static peer %s: %s crypto port %u key port %u", pp->name, ip4_str(pp->addr), pp->port,
		         pp->keyport);
	p->is_static = 1;
	snprintf(p->name, sizeof p->name, "%s", pp->name);
	p->ext_ip = pp->addr;
	p->have_ports = 1;
	p->cryptoport = pp->port;
	p->keyport = pp->keyport;
	p->owner[0] = 0;          /* no DNS: ports and address come from the file */
	p->every_ms = pp->every_ms;
	p->timeout_ms = pp->timeout_ms;
	p->retries = pp->retries;
}

void static_peers_apply(const char *text, size_t len)
{
	if (text) {
		struct peersfile *pf = malloc(sizeof *pf);
		struct pf_error err;
		if (!pf)
			return;
		if (peersfile_parse(pf, text, len, &err) < 0) {
			/* the monitor checked it first: this cannot happen unless it changed under us */
			log_error("peers file line %u: %s", err.line, err.msg);
			free(pf);
			return;
		}
		free(client.pf);
		client.pf = pf;
	}
	/* peers no longer in the file become ordinary peers (idle ones go away) */
	for (struct peer *p = client.peers; p; p = p->next_all)
		if (p->is_static && (!client.pf || !peersfile_find(client.pf, p->hash))) {
			log_info("%s is no longer a static peer", p->name);
			worker_hook(p, 0);
			p->is_static = 0;
			p->name[0] = 0;
		}
	if (!client.pf)
		return;
	for (unsigned i = 0; i < client.pf->n; i++) {
		const struct pf_peer *pp = &client.pf->peer[i];
		struct peer *p = peer_by_hash(pp->hash);
		if (p && pp->internal && p->int_addr != pp->internal)
			log_warn("static peer %s keeps %s until it is forgotten (configured: %s)", pp->name,
			         ip4_str(p->int_addr), ip4_str(pp->internal));
		if (!p) {
			if (pp->internal && !addrpool_in_subnet(&client.pool, pp->internal)) {
				log_error("static peer %s: internal address %s is outside %s/%d", pp->name,
				          ip4_str(pp->internal), ip4_str(client.tun_addr), client.maskbits);
				continue;
			}
			p = peer_create_at(pp->hash, pp->internal);
			if (!p) {
				log_error("static peer %s: internal address %s is not free", pp->name,
				          pp->internal ? ip4_str(pp->internal) : "(any)");
				continue;
			}
			configure(p, pp);
			log_info("static peer %s: %s, internal address %s", p->name, p->hashtxt, ip4_str(p->int_addr));
			connect_start(p);
			continue;
		}
		configure(p, pp);
		if (!p->has_tunnel && !p->conn)
			connect_start(p);
	}
}

/* ---------------------------------------------------------- lookup -- */

struct peer *peer_find(const char *name)
{
	size_t n = strlen(name);
	struct peer *hit = NULL;
	int hits = 0;

	for (struct peer *p = client.peers; p; p = p->next_all)
		if ((p->name[0] && !strcmp(p->name, name)) || !strcmp(ip4_str(p->int_addr), name) ||
		    !strcasecmp(p->hashtxt, name))
			return p;
	/* a unique hash prefix, or the external address */
	for (struct peer *p = client.peers; p; p = p->next_all)
		if ((n >= 4 && n <= 52 && !strncasecmp(p->hashtxt, name, n)) || !strcmp(ip4_str(p->ext_ip), name)) {
			hit = p;
			hits++;
		}
	return hits == 1 ? hit : NULL;
}

/* The client's control socket commands (pqconnect-ctl); see ctlcmd.h.
 * Answers are built in the worker from its own state; the monitor's
 * counters arrive every 500 ms and are shown with the others. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "client/client.h"
#include "client/control.h"
#include "client/serverfeat.h"
#include "proto/ctlcmd.h"
#include "client/lifecycle.h"
#include "client/ping.h"
#include "client/worker.h"
#include "io/log.h"


static double ago(uint64_t now, uint64_t then) { return then ? (double)(now - then) / 1000.0 : -1.0; }

static void show(struct ctlbuf *o, int json)
{
	uint64_t now = now_ms();
	int first = 1;

	if (json)
		ctl_printf(o, "{\"role\":\"client\",\"interface\":\"%s\",\"address\":\"%s\",\"port\":%u,\"tunnels\":[",
		           client.ifname, ip4_str(client.tun_addr), client.port);
	else
		ctl_printf(o, "interface: %s %s/%d, port %u, %u peer(s)\n", client.ifname, ip4_str(client.tun_addr),
		           client.maskbits, client.port, peers_count());
	for (const struct peer *p = peers_first(); p; p = p->next_all) {
		const struct tunnel *t = &p->tun;
		int up = p->has_tunnel;
		char in6[INET6_ADDRSTRLEN] = "";
		if (features_inner6(p)) {
			uint8_t a6[16];
			features_addr6(p->int_addr, a6);
			inet_ntop(AF_INET6, a6, in6, sizeof in6);
		}
		if (json) {
			ctl_printf(o, "%s{\"peer\":\"%s\",\"hash\":\"%s\",\"static\":%s,\"state\":\"%s\","
			              "\"endpoint\":\"%s\",\"internal\":\"%s\",\"internal6\":\"%s\",\"age_s\":%.1f,\"tx_epoch\":%u,"
			              "\"rx_epoch\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,\"tx_packets\":%llu,"
			              "\"tx_bytes\":%llu,\"last_handshake_s\":%.1f,\"last_rx_s\":%.1f,\"old_tunnel\":%s,"
			              "\"ping_state\":\"%s\",\"n_ping\":%llu,\"n_lost\":%llu,\"server_side\":\"%s\"}",
			           first ? "" : ",", p->name[0] ? p->name : p->hashtxt, p->hashtxt,
			           p->is_static ? "true" : "false", peer_state_name(p, now), sa_str(&p->ep), ip4_str(p->int_addr),
			           in6, up ? ago(now, t->created) : -1.0, up ? t->tx.epoch : 0, up ? tunnel_rx_epoch(t) : 0,
			           up ? (unsigned long long)t->rx_packets : 0ULL, up ? (unsigned long long)t->rx_bytes : 0ULL,
			           up ? (unsigned long long)t->tx_packets : 0ULL, up ? (unsigned long long)t->tx_bytes : 0ULL,
			           ago(now, p->last_handshake), up ? ago(now, t->last_rx) : -1.0,
			           p->has_old ? "true" : "false", p->ping.checking ? "check" : "idle",
			           (unsigned long long)p->ping.n, (unsigned long long)p->ping.lost,
			           p->sess_have ? ip4_str(p->sess_addr) : "");
			first = 0;
			continue;
		}
		ctl_printf(o, "\npeer %s%s\n  hash: %s\n  state: %s\n  endpoint: %s\n  internal: %s\n",
		           p->name[0] ? p->name : p->hashtxt, p->is_static ? " (static)" : "", p->hashtxt,
		           peer_state_name(p, now), p->has_tunnel ? sa_str(&p->ep) : sa_host_str(&p->ext), ip4_str(p->int_addr));
		if (in6[0])
			ctl_printf(o, "  internal IPv6: %s\n", in6);
		if (p->sess_have)
			ctl_printf(o, "  on the server: %s (resumable)\n", ip4_str(p->sess_addr));
		if (!up)
			continue;
		ctl_printf(o, "  age: %.1f s\n  epoch: send %u, receive %u\n  received: %llu packets, %llu bytes\n"
		              "  sent: %llu packets, %llu bytes\n  last handshake: %.1f s ago\n  last packet received: ",
		           ago(now, t->created), t->tx.epoch, tunnel_rx_epoch(t), (unsigned long long)t->rx_packets,
		           (unsigned long long)t->rx_bytes, (unsigned long long)t->tx_packets,
		           (unsigned long long)t->tx_bytes, ago(now, p->last_handshake));
		if (t->last_rx)
			ctl_printf(o, "%.1f s ago\n", ago(now, t->last_rx));
		else
			ctl_printf(o, "never\n");
		if (p->has_old)
			ctl_printf(o, "  previous tunnel: still accepted (%llu packets received)\n",
			           (unsigned long long)p->old.rx_packets);
	}
	if (json)
		ctl_printf(o, "]}\n");
}

static void stats(struct ctlbuf *o, int json)
{
	const struct counters *c = &client.cnt;
	const struct pm_stats *m = &client.mon;
	const char *sep = json ? "," : "";

	if (json)
		ctl_printf(o, "{\"peers\":%u", peers_count());
	else
		ctl_printf(o, "peers %u\n", peers_count());
#define X(n) \
	if (json) ctl_printf(o, ",\"%s\":%llu", #n, (unsigned long long)c->n); \
	else ctl_printf(o, "%s %llu\n", #n, (unsigned long long)c->n);
	CLIENT_COUNTERS(X)
#undef X
#define M(n) \
	if (json) ctl_printf(o, "%s\"monitor_%s\":%llu", sep, #n, (unsigned long long)m->n); \
	else ctl_printf(o, "monitor_%s %llu\n", #n, (unsigned long long)m->n);
	M(queued) M(passed) M(forwarded) M(worker_full) M(verdict_timeout) M(tcp_unseen_dropped) M(verdict_bad) M(replace_refused)
	M(queue_losses)
	M(hooks_run)
#undef M
#define X(n) \
	if (json) ctl_printf(o, ",\"%s\":%llu", #n, (unsigned long long)ctlsock_stats()->n); \
	else ctl_printf(o, "%s %llu\n", #n, (unsigned long long)ctlsock_stats()->n);
	CTLSOCK_COUNTERS(X)
#undef X
	if (json)
		ctl_printf(o, "}\n");
}

/* The counters and the peers for Prometheus (pqconnect-ctl stats --prometheus). */
static void stats_prometheus(struct ctlbuf *o)
{
	const struct counters *c = &client.cnt;
	const struct pm_stats *m = &client.mon;
	uint64_t now = now_ms();
	char name[96];

	ctl_metric_head(o, "pqconnect_client_peers", "gauge", "Servers the client knows (with or without a tunnel).");
	ctl_metric(o, "pqconnect_client_peers", "", peers_count());
#define X(n) \
	ctl_metric_head(o, "pqconnect_client_" #n "_total", "counter", "Client counter " #n " (pqconnect-ctl stats)."); \
	ctl_metric(o, "pqconnect_client_" #n "_total", "", (double)c->n);
	CLIENT_COUNTERS(X)
#undef X
#define M(n) \
	ctl_metric_head(o, "pqconnect_client_monitor_" #n "_total", "counter", "Client root monitor counter " #n "."); \
	ctl_metric(o, "pqconnect_client_monitor_" #n "_total", "", (double)m->n);
	M(queued) M(passed) M(forwarded) M(worker_full) M(verdict_timeout) M(tcp_unseen_dropped) M(verdict_bad) M(replace_refused)
	M(queue_losses) M(hooks_run)
#undef M
#define X(n) \
	ctl_metric_head(o, "pqconnect_client_control_" #n "_total", "counter", "Control socket counter " #n "."); \
	ctl_metric(o, "pqconnect_client_control_" #n "_total", "", (double)ctlsock_stats()->n);
	CTLSOCK_COUNTERS(X)
#undef X
	static const struct { const char *name, *type, *help; } per[] = {
		{ "up", "gauge", "1 if the tunnel to the peer is up." },
		{ "rx_packets_total", "counter", "Packets received through the peer's current tunnel." },
		{ "tx_packets_total", "counter", "Packets sent through the peer's current tunnel." },
		{ "rx_bytes_total", "counter", "Plaintext bytes received through the peer's current tunnel." },
		{ "tx_bytes_total", "counter", "Plaintext bytes sent through the peer's current tunnel." },
		{ "last_handshake_seconds", "gauge", "Seconds since the peer's last handshake (-1: none)." },
		{ "ping_lost_total", "counter", "Liveness pings of the peer that got no reply." },
	};
	for (size_t k = 0; k < sizeof per / sizeof per[0]; k++) {
		snprintf(name, sizeof name, "pqconnect_client_peer_%s", per[k].name);
		ctl_metric_head(o, name, per[k].type, per[k].help);
		for (const struct peer *p = peers_first(); p; p = p->next_all) {
			char lab[256] = "";
			const struct tunnel *t = &p->tun;
			int has = p->has_tunnel;
			double v = 0;
			ctl_label(lab, sizeof lab, "peer", p->name[0] ? p->name : p->hashtxt);
			ctl_label(lab, sizeof lab, "internal", ip4_str(p->int_addr));
			switch (k) {
			case 0: v = p->state == PS_UP && peer_tunnel_usable(p, now); break;
			case 1: v = has ? (double)t->rx_packets : 0; break;
			case 2: v = has ? (double)t->tx_packets : 0; break;
			case 3: v = has ? (double)t->rx_bytes : 0; break;
			case 4: v = has ? (double)t->tx_bytes : 0; break;
			case 5: v = p->last_handshake ? (double)(now - p->last_handshake) / 1000.0 : -1; break;
			case 6: v = (double)p->ping.lost; break;
			}
			ctl_metric(o, name, lab, v);
		}
	}
	ctl_printf(o, "# EOF\n");
}

static void info(struct ctlbuf *o, const struct peer *p)
{
	uint64_t now = now_ms();
	ctl_printf(o, "peer=%s\nhash=%s\nstatic=%s\nendpoint=%s\ninternal=%s\ntunnel=%s\n",
	           p->name[0] ? p->name : p->hashtxt, p->hashtxt, p->is_static ? "yes" : "no",
	           p->has_tunnel ? sa_str(&p->ep) : sa_host_str(&p->ext), ip4_str(p->int_addr), peer_state_name(p, now));
	if (p->has_tunnel)
		ctl_printf(o, "age=%.1fs\nlast-handshake=%.1fs\nlast-rx=%.1fs\nsend-epoch=%u\nrx-packets=%llu\n"
		              "tx-packets=%llu\nrx-bytes=%llu\ntx-bytes=%llu\n",
		           ago(now, p->tun.created), ago(now, p->last_handshake), ago(now, p->tun.last_rx),
		           p->tun.tx.epoch, (unsigned long long)p->tun.rx_packets, (unsigned long long)p->tun.tx_packets,
		           (unsigned long long)p->tun.rx_bytes, (unsigned long long)p->tun.tx_bytes);
	ping_info(p, o);
}

void client_control(void *arg, int argc, char **argv, struct ctlbuf *o)
{
	struct ctlcmd cmd;
	char err[128];
	struct peer *p = NULL;

	(void)arg;
	if (ctlcmd_parse(CTL_CLIENT, argc, argv, &cmd, err, sizeof err) < 0) {
		ctl_printf(o, "error: %s\n", err);
		return;
	}
	if (cmd.peer && !(p = peer_find(cmd.peer))) {
		ctl_printf(o, "error: no such peer: %s\n", cmd.peer);
		return;
	}
	switch (cmd.cmd) {
	case CMD_SHOW:
		show(o, cmd.json);
		return;
	case CMD_STATS:
		if (cmd.prometheus)
			stats_prometheus(o);
		else
			stats(o, cmd.json);
		return;
	case CMD_INFO:
		info(o, p);
		return;
	case CMD_KICK: {
		const char *why = "";
		if (peer_ev_kick(p, now_ms(), &why) < 0)
			ctl_printf(o, "error: %s: %s\n", cmd.peer, why);
		else
			ctl_printf(o, "ok\n");
		return;
	}
	case CMD_FORGET:
		peer_ev_forget(p);
		ctl_printf(o, "ok\n");
		return;
	case CMD_RELOAD:
		if (!client.peers_path) {
			ctl_printf(o, "error: no peers file (start with --peers FILE)\n");
			return;
		}
		if (worker_request_reload() < 0) {
			ctl_printf(o, "error: cannot reach the monitor\n");
			return;
		}
		ctl_printf(o, "ok: re-reading %s (tunnels are kept)\n", client.peers_path);
		return;
	case CMD_PING:
		ctl_printf(o, "pong\n");
		return;
	}
}

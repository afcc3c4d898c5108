/* Commands of the server's control socket (pqconnect-ctl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/ctlsock.h"
#include "io/log.h"
#include "proto/ctlcmd.h"
#include "server/server.h"

static void hex8(char out[17], const uint8_t *tid)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hx[tid[i] >> 4];
		out[2 * i + 1] = hx[tid[i] & 15];
	}
	out[16] = 0;
}


static void show(struct server *s, struct ctlbuf *o, int json)
{
	uint64_t now = now_ms();
	int first = 1;
	unsigned next_port = s->next.mce_sk ? s->next.keyport : 0;   /* 0: no key rotation under way */
	if (json)
		ctl_printf(o, "{\"role\":\"server\",\"interface\":\"%s\",\"address\":\"%s\",\"cryptoport\":%u,\"keyport\":%u,"
		              "\"next_keyport\":%u,\"tunnels\":[",
		           s->ifname, ip4_str(s->tun_addr), s->cryptoport, s->keyport, next_port);
	else {
		ctl_printf(o, "interface: %s %s/%d, crypto port %u, key port %u", s->ifname, ip4_str(s->tun_addr),
		           s->maskbits, s->cryptoport, s->keyport);
		if (next_port)
			ctl_printf(o, ", next key on key port %u", next_port);
		ctl_printf(o, ", %u tunnel(s)\n", s->npeers);
	}
	for (unsigned b = 0; b < s->tid_buckets; b++)
		for (struct peer *p = s->by_tid[b]; p; p = p->tid_next) {
			char tid[17];
			const struct tunnel *t = &p->tun;
			hex8(tid, t->tid);
			double age = (double)(now - p->established) / 1000.0;
			double lrx = t->last_rx ? (double)(now - t->last_rx) / 1000.0 : -1;
			if (json) {
				ctl_printf(o, "%s{\"tid\":\"%s\",\"endpoint\":\"%s\",\"internal\":\"%s\",\"age_s\":%.1f,"
				              "\"tx_epoch\":%u,\"rx_epoch\":%u,\"rx_packets\":%llu,\"rx_bytes\":%llu,"
				              "\"tx_packets\":%llu,\"tx_bytes\":%llu,\"last_handshake_s\":%.1f,\"last_rx_s\":%.1f,"
				              "\"state\":\"%s\"}",
				           first ? "" : ",", tid, sa_str(&p->ep), ip4_str(p->addr), age, t->tx.epoch,
				           tunnel_rx_epoch(t), (unsigned long long)t->rx_packets,
				           (unsigned long long)t->rx_bytes, (unsigned long long)t->tx_packets,
				           (unsigned long long)t->tx_bytes, age, lrx, p->alive ? "alive" : "new");
				first = 0;
			} else {
				ctl_printf(o, "\ntunnel %s\n  endpoint: %s\n  internal: %s\n  age: %.1f s\n"
				              "  epoch: send %u, receive %u\n  received: %llu packets, %llu bytes\n"
				              "  sent: %llu packets, %llu bytes\n  last handshake: %.1f s ago\n"
				              "  last packet received: ",
				           tid, sa_str(&p->ep), ip4_str(p->addr), age, t->tx.epoch, tunnel_rx_epoch(t),
				           (unsigned long long)t->rx_packets, (unsigned long long)t->rx_bytes,
				           (unsigned long long)t->tx_packets, (unsigned long long)t->tx_bytes, age);
				if (t->last_rx)
					ctl_printf(o, "%.1f s ago\n", lrx);
				else
					ctl_printf(o, "never\n");
			}
		}
	if (json)
		ctl_printf(o, "]}\n");
}

/* Per data thread (--threads N > 1): what it moved and what it handed to
 * the loop's code (deferred), to see the load spread over them. */
static void thread_stats(struct server *s, struct ctlbuf *o, int json)
{
	for (int i = 0; s->dw && i < s->nthreads; i++) {
		const struct dworker *w = &s->dw[i];
		unsigned long long v[4] = { __atomic_load_n(&w->pub.tun_ok, __ATOMIC_RELAXED),
		                            __atomic_load_n(&w->pub.out_ok, __ATOMIC_RELAXED),
		                            __atomic_load_n(&w->pub_deferred, __ATOMIC_RELAXED),
		                            __atomic_load_n(&w->pub_batches, __ATOMIC_RELAXED) };
		static const char *const name[4] = { "tun_ok", "out_ok", "deferred", "batches" };
		for (int k = 0; k < 4; k++) {
			if (json)
				ctl_printf(o, ",\"thread%d_%s\":%llu", i, name[k], v[k]);
			else
				ctl_printf(o, "thread%d_%s %llu\n", i, name[k], v[k]);
		}
	}
}

static void stats(struct server *s, struct ctlbuf *o, int json)
{
	struct server_stats st;
	int first = 1;
	server_stats_total(s, &st);
	if (json)
		ctl_printf(o, "{\"peers\":%u", s->npeers);
	else
		ctl_printf(o, "peers %u\n", s->npeers);
#define X(n) \
	if (json) ctl_printf(o, ",\"%s\":%llu", #n, (unsigned long long)st.n); \
	else ctl_printf(o, "%s %llu\n", #n, (unsigned long long)st.n);
	SERVER_COUNTERS(X)
#undef X
	if (json)
		ctl_printf(o, ",\"data_threads\":%d", s->nthreads);
	else
		ctl_printf(o, "data_threads %d\n", s->nthreads);
	thread_stats(s, o, json);
#define X(n) \
	if (json) ctl_printf(o, ",\"%s\":%llu", #n, (unsigned long long)ctlsock_stats()->n); \
	else ctl_printf(o, "%s %llu\n", #n, (unsigned long long)ctlsock_stats()->n);
	CTLSOCK_COUNTERS(X)
#undef X
	(void)first;
	if (json)
		ctl_printf(o, ",\"ephemeral_generated\":%llu,\"ephemeral_erased\":%llu}\n",
		           (unsigned long long)s->eph.generated, (unsigned long long)s->eph.erased);
	else
		ctl_printf(o, "ephemeral_generated %llu\nephemeral_erased %llu\n",
		           (unsigned long long)s->eph.generated, (unsigned long long)s->eph.erased);
}

/* The counters and the tunnels for Prometheus (pqconnect-ctl stats --prometheus). */
static void stats_prometheus(struct server *s, struct ctlbuf *o)
{
	uint64_t now = now_ms();
	char name[96];
	struct server_stats st;
	server_stats_total(s, &st);

	ctl_metric_head(o, "pqconnect_server_tunnels", "gauge", "Tunnels the server holds.");
	ctl_metric(o, "pqconnect_server_tunnels", "", s->npeers);
#define X(n) \
	ctl_metric_head(o, "pqconnect_server_" #n "_total", "counter", "Server counter " #n " (pqconnect-ctl stats)."); \
	ctl_metric(o, "pqconnect_server_" #n "_total", "", (double)st.n);
	SERVER_COUNTERS(X)
#undef X
#define X(n) \
	ctl_metric_head(o, "pqconnect_server_control_" #n "_total", "counter", "Control socket counter " #n "."); \
	ctl_metric(o, "pqconnect_server_control_" #n "_total", "", (double)ctlsock_stats()->n);
	CTLSOCK_COUNTERS(X)
#undef X
	ctl_metric_head(o, "pqconnect_server_ephemeral_generated_total", "counter", "Short-term key pairs made.");
	ctl_metric(o, "pqconnect_server_ephemeral_generated_total", "", (double)s->eph.generated);
	ctl_metric_head(o, "pqconnect_server_ephemeral_erased_total", "counter", "Short-term key pairs erased.");
	ctl_metric(o, "pqconnect_server_ephemeral_erased_total", "", (double)s->eph.erased);
	static const struct { const char *name, *type, *help; } per[] = {
		{ "rx_packets_total", "counter", "Packets received through the tunnel." },
		{ "tx_packets_total", "counter", "Packets sent through the tunnel." },
		{ "rx_bytes_total", "counter", "Plaintext bytes received through the tunnel." },
		{ "tx_bytes_total", "counter", "Plaintext bytes sent through the tunnel." },
		{ "age_seconds", "gauge", "Seconds since the tunnel's handshake." },
	};
	for (size_t k = 0; k < sizeof per / sizeof per[0]; k++) {
		snprintf(name, sizeof name, "pqconnect_server_tunnel_%s", per[k].name);
		ctl_metric_head(o, name, per[k].type, per[k].help);
		for (unsigned b = 0; b < s->tid_buckets; b++)
			for (struct peer *p = s->by_tid[b]; p; p = p->tid_next) {
				char lab[160] = "", tid[17];
				const struct tunnel *t = &p->tun;
				double v = 0;
				hex8(tid, t->tid);
				ctl_label(lab, sizeof lab, "internal", ip4_str(p->addr));
				ctl_label(lab, sizeof lab, "tid", tid);
				switch (k) {
				case 0: v = (double)t->rx_packets; break;
				case 1: v = (double)t->tx_packets; break;
				case 2: v = (double)t->rx_bytes; break;
				case 3: v = (double)t->tx_bytes; break;
				case 4: v = (double)(now - p->established) / 1000.0; break;
				}
				ctl_metric(o, name, lab, v);
			}
	}
	ctl_printf(o, "# EOF\n");
}

/* A peer named by TID prefix (hex), internal address or endpoint ip[:port]. */
static struct peer *find(struct server *s, const char *name)
{
	for (unsigned b = 0; b < s->tid_buckets; b++)
		for (struct peer *p = s->by_tid[b]; p; p = p->tid_next) {
			char tid[17];
			hex8(tid, p->tun.tid);
			if ((strlen(name) >= 4 && !strncmp(tid, name, strlen(name) < 16 ? strlen(name) : 16)) ||
			    !strcmp(name, ip4_str(p->addr)) || !strcmp(name, sa_str(&p->ep)) ||
			    !strcmp(name, sa_host_str(&p->ep)))
				return p;
		}
	return NULL;
}

void server_control(void *arg, int argc, char **argv, struct ctlbuf *o)
{
	struct server *s = arg;
	struct ctlcmd cmd;
	struct peer *p = NULL;
	char err[128];

	if (ctlcmd_parse(CTL_SERVER, argc, argv, &cmd, err, sizeof err) < 0) {
		ctl_printf(o, "error: %s\n", err);
		return;
	}
	if (cmd.peer && !(p = find(s, cmd.peer))) {
		ctl_printf(o, "error: no such peer: %s\n", cmd.peer);
		return;
	}
	switch (cmd.cmd) {
	case CMD_SHOW:
		show(s, o, cmd.json);
		return;
	case CMD_STATS:
		if (cmd.prometheus)
			stats_prometheus(s, o);
		else
			stats(s, o, cmd.json);
		return;
	case CMD_FORGET:
		peer_remove(s, p, "forgotten by pqconnect-ctl");
		ctl_printf(o, "ok\n");
		return;
	case CMD_INFO: {
		uint64_t now = now_ms();
		ctl_printf(o, "endpoint=%s internal=%s age=%.1f state=%s rx-packets=%llu tx-packets=%llu "
		              "last-rx=%.1f send-epoch=%u\n",
		           sa_str(&p->ep), ip4_str(p->addr), (double)(now - p->established) / 1000.0,
		           p->alive ? "alive" : "new", (unsigned long long)p->tun.rx_packets,
		           (unsigned long long)p->tun.tx_packets,
		           p->tun.last_rx ? (double)(now - p->tun.last_rx) / 1000.0 : -1.0, p->tun.tx.epoch);
		return;
	}
	case CMD_RELOAD: {
		char why[256];
		if (server_reload(s, 0, why, sizeof why) == 0)
			ctl_printf(o, "ok: %s\n", why);
		else
			ctl_printf(o, "error: %s (the running configuration is kept)\n", why);
		return;
	}
	case CMD_PING:
		ctl_printf(o, "pong\n");
		return;
	case CMD_KICK:
		break;          /* not a server command: ctlcmd_parse refused it */
	}
	ctl_printf(o, "error: not a server command\n");
}

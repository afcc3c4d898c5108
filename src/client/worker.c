/* The worker's side of the privilege separation (see worker.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "common.h"
#include "proto/ipv6.h"
#include "client/client.h"
#include "client/intercept.h"
#include "client/staticpeers.h"
#include "client/worker.h"
#include "io/log.h"
#include "proto/dnsflow.h"
#include "proto/dnstcp.h"
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
	uint32_t int_addr;              /* TCP: the peer's internal address, for the in-place rewrite */
	uint8_t pkt[];                  /* the whole IP packet */
};

static void drop_verdict(uint32_t id)
{
	if (pm_send(client.monfd, PM_DROP, id, NULL, 0) < 0)
		log_ratelimited(L_WARNING, "verdict", "cannot pass a verdict to the monitor: %s", strerror(errno));
}

/* A held TCP answer: rewritten in place (dns non-NULL: the tunnel is up)
 * or unchanged.  Only CNAME-discovered names are ever held. */
static void release_queued_tcp(void *ctx, const uint8_t *dns, size_t dlen)
{
	struct queued *q = ctx;
	struct tcppkt t;
	size_t off, mlen;
	(void)dlen;
	if (dns && tcppkt_parse(&t, q->pkt, q->len) == 0 &&
	    dnstcp_messages(q->pkt + t.payload_off, t.payload_len, &off, &mlen, 1) == 1 &&
	    dnstcp_rewrite_inplace(q->pkt + t.payload_off + off, mlen, &q->int_addr) > 0) {
		tcppkt_fix_checksum(q->pkt, q->len, &t);
		client.cnt.dns_tcp_rewritten++;
		verdict(q->id, q->pkt, q->len);
	} else
		verdict(q->id, NULL, 0);
	free(q);
}

/* The connections whose query named a high-security name (dnsflow.h). */
static struct dnsflow_table strict_flows;

/* The host's own segment to port 53 (a query over TCP): a connection that
 * asks for a high-security name is marked, and if it cannot be (the table
 * is full of live ones) the query is dropped: the application sends it
 * again, and never gets an answer that was not checked whole. */
static void queued_tcp_query(uint32_t id, const uint8_t *pkt, const struct tcppkt *t, uint64_t now)
{
	struct dnsflow_key k;

	dnsflow_key_of(&k, pkt, t, 0);
	if (t->flags & (TCPF_RST | TCPF_SYN))
		/* reset, or a new connection on the same ports: nothing of an
		 * earlier one applies (its position would drop every answer) */
		dnsflow_forget(&strict_flows, &k);
	if (!(t->flags & TCPF_RST) && t->payload_len > 0 && dnstcp_query_strict(pkt + t->payload_off, t->payload_len)) {
		if (!(t->flags & TCPF_ACK) || dnsflow_mark(&strict_flows, &k, t->ack, now) < 0) {
			client.cnt.dns_tcp_flow_full++;
			log_ratelimited(L_WARNING, "tcp_flow_full", "high-security name asked over TCP: %s: query dropped "
			                "(the application asks again)", (t->flags & TCPF_ACK) ? "too many such connections" :
			                "data before the connection is open");
			drop_verdict(id);
			return;
		}
		log_debug("DNS over TCP: connection from port %u marked (high-security name)", t->sport);
	}
	verdict(id, NULL, 0);
}

/* A segment on a marked connection that is not one whole answer right
 * where the application's stream ends: dropped (TCP sends it again). */
static void split_drop(uint32_t id, const char *why)
{
	client.cnt.dns_tcp_split_dropped++;
	log_ratelimited(L_WARNING, "tcp_split", "high-security name over TCP: answer segment %s: dropped (TCP sends "
	                "it again)", why);
	drop_verdict(id);
}

/* A segment from port 53 holding several whole answers (nm >= 2): each
 * rewritten in place, as one.  An answer that would be held (waiting for
 * its tunnel) cannot be held apart from the others: the segment is
 * dropped, and TCP sends it again, by when the tunnel is up or given up. */
static void queued_tcp_several(uint32_t id, const uint8_t *pkt, size_t len, const struct tcppkt *t,
                               const size_t *offs, const size_t *mlens, unsigned nm, struct dnsflow *flow,
                               uint64_t now)
{
	static uint8_t copy[65536];
	int changed = 0;
	memcpy(copy, pkt, len);
	for (unsigned i = 0; i < nm; i++) {
		struct peer *p = NULL;
		switch (dns_decide_inplace(copy + t->payload_off + offs[i], mlens[i], &p, now)) {
		case DEC_PASS:
			break;
		case DEC_REPLACE:
			changed = 1;
			break;
		case DEC_DROP:
			client.cnt.dns_tcp_dropped++;
			drop_verdict(id);
			return;
		case DEC_HOLD:
			split_drop(id, "with several answers, one waiting for its tunnel");
			return;
		}
	}
	if (flow)
		dnsflow_passed(flow, t->seq, t->payload_len, now);
	if (!changed) {
		verdict(id, NULL, 0);
		return;
	}
	tcppkt_fix_checksum(copy, len, t);
	client.cnt.dns_tcp_rewritten++;
	verdict(id, copy, len);
}

/* A TCP segment from port 53 (DNS over TCP): a segment holding whole
 * answers is rewritten in place; a high-security answer that cannot be is
 * dropped, anything else passes (dnstcp.h), except on a marked connection
 * (dnsflow.h), where only whole answers at the right place pass. */
static void queued_tcp(uint32_t id, const uint8_t *pkt, size_t len)
{
	static uint8_t copy[65536];
	struct tcppkt t;
	struct peer *p = NULL;
	struct dnsflow *flow = NULL;
	struct dnsflow_key k;
	size_t offs[DNSTCP_MAX_MSGS], mlens[DNSTCP_MAX_MSGS];
	unsigned nm;
	uint64_t now = now_ms();

	if (len > sizeof copy || tcppkt_parse(&t, pkt, len) < 0) {
		/* (IPv6 extension headers, an IPv4 fragment): its connection
		 * cannot be told, so it may be a marked one: dropped */
		client.cnt.dns_unparsable++;
		log_ratelimited(L_WARNING, "tcp_unparsable", "a queued TCP segment that cannot be parsed: dropped");
		drop_verdict(id);
		return;
	}
	if (t.sport != 53 && t.dport == 53) {
		queued_tcp_query(id, pkt, &t, now);
		return;
	}
	/* urgent data from a DNS server: DNS never sends it, and the
	 * application's stream leaves the urgent byte out, so what we would
	 * check is not what it reads (an independent review got a real address
	 * through that way): dropped, whatever the connection */
	if ((t.flags & TCPF_URG) || load16_be(pkt + t.l4_off + 18) != 0) {
		client.cnt.dns_tcp_split_dropped++;
		log_ratelimited(L_WARNING, "tcp_urg", "DNS answer segment with urgent data: dropped");
		drop_verdict(id);
		return;
	}
	/* a reset from the server's side never ends a mark: the host may
	 * ignore it (not exactly in sequence), and the connection live on
	 * unchecked; the host's own reset or SYN ends it (queued_tcp_query) */
	dnsflow_key_of(&k, pkt, &t, 1);
	flow = dnsflow_find(&strict_flows, &k, now);
	if (t.payload_len == 0) {
		verdict(id, NULL, 0);
		return;
	}
	nm = dnstcp_messages(pkt + t.payload_off, t.payload_len, offs, mlens, DNSTCP_MAX_MSGS);
	/* several messages are rewritten together only if each is a
	 * well-formed response with one question, as the monitor checks each
	 * of them: else, as a segment not framed */
	for (unsigned i = 0; nm > 1 && i < nm; i++) {
		struct dns_question q;
		const uint8_t *m = pkt + t.payload_off + offs[i];
		if (!dns_well_formed(m, mlens[i]) || dns_question_get(m, mlens[i], &q) < 0 || !(q.flags & 0x8000))
			nm = 0;
	}
	if (flow && dnsflow_position(flow, t.seq, t.payload_len) == DNSFLOW_ELSEWHERE) {
		split_drop(id, "not where the application's stream ends (cut, overlapping or out of order)");
		return;
	}
	if (flow && nm == 0) {
		split_drop(id, "not whole messages (cut across segments)");
		return;
	}
	if (nm == 0) {
		if (dnstcp_asks_pq1(pkt + t.payload_off, t.payload_len)) {
			client.cnt.dns_tcp_dropped++;
			log_ratelimited(L_WARNING, "tcp_strict", "high-security name over TCP in a segment that cannot be "
			                "rewritten (cut, or too many messages): dropped");
			drop_verdict(id);
			return;
		}
		client.cnt.dns_tcp_unhandled++;
		verdict(id, NULL, 0);
		return;
	}
	if (nm > 1) {
		queued_tcp_several(id, pkt, len, &t, offs, mlens, nm, flow, now);
		return;
	}
	size_t mlen = mlens[0];
	memcpy(copy, pkt, len);
	uint8_t *msg = copy + t.payload_off + offs[0];
	enum decision d = dns_decide_inplace(msg, mlen, &p, now);
	if (flow && d != DEC_DROP)
		dnsflow_passed(flow, t.seq, t.payload_len, now);
	switch (d) {
	case DEC_PASS:
		verdict(id, NULL, 0);
		return;
	case DEC_REPLACE:
		tcppkt_fix_checksum(copy, len, &t);
		client.cnt.dns_tcp_rewritten++;
		verdict(id, copy, len);
		return;
	case DEC_DROP:
		client.cnt.dns_tcp_dropped++;
		drop_verdict(id);
		return;
	case DEC_HOLD:
		break;
	}
	struct queued *q = malloc(sizeof *q + len);
	if (q) {
		q->id = id;
		q->len = len;
		q->int_addr = p->int_addr;
		memcpy(q->pkt, pkt, len);
		if (held_add(p, pkt + t.payload_off + offs[0], mlen, release_queued_tcp, q, now) == 0)
			return;
		free(q);
	}
	client.cnt.dns_failopen++;
	verdict(id, NULL, 0);
}

static void release_queued(void *ctx, const uint8_t *dns, size_t dlen)
{
	static uint8_t out[65536];
	struct queued *q = ctx;
	struct udppkt u;

	if (dns && udppkt_parse(&u, q->pkt, q->len) == 0) {
		int n = udppkt_rebuild(out, sizeof out, q->pkt, q->len, &u, dns, dlen);
		if (n > 0)
			verdict(q->id, out, (size_t)n);
		else if (dns_may_ask_pq1(u.payload, u.payload_len))
			drop_verdict(q->id);     /* a high-security name: never the original */
		else
			verdict(q->id, NULL, 0);
		free(q);
		return;
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

	/* (IPv6: TCP behind extension headers too: queued_tcp drops it, its
	 * connection cannot be told; an independent review got a real address
	 * through as a "UDP" packet that could not be parsed) */
	if (len >= 20 && (((pkt[0] >> 4) == 4 && pkt[9] == 6) || ipv6_upper_proto(pkt, len) == 6)) {
		queued_tcp(id, pkt, len);
		return;
	}
	if (udppkt_parse(&u, pkt, len) < 0 || u.sport != 53) {
		/* (e.g. IPv6 extension headers before UDP, which the kernel
		 * still delivers): what may answer a high-security name is
		 * dropped, the rest passes */
		client.cnt.dns_unparsable++;
		if (dns_bytes_pq1(pkt, len)) {
			log_ratelimited(L_WARNING, "dns_pkt_unparsable", "a queued packet that cannot be parsed names a pq1 "
			                "server: dropped");
			drop_verdict(id);
		} else {
			verdict(id, NULL, 0);
		}
		return;
	}
	/* the socket the answer goes to: our own lookups' answers pass */
	union sockaddr_any to;
	uint8_t dst[16] = { [10] = 0xff, [11] = 0xff };
	if (u.family == 4)
		memcpy(dst + 12, pkt + 16, 4);
	else
		memcpy(dst, pkt + 24, 16);
	sa_from_addr16(&to, dst, u.dport);
	switch (dns_decide(u.payload, u.payload_len, &to, dns_out, sizeof dns_out, &outlen, &p, now)) {
	case DEC_PASS:
		verdict(id, NULL, 0);
		return;
	case DEC_REPLACE: {
		int n = udppkt_rebuild(pkt_out, sizeof pkt_out, pkt, len, &u, dns_out, outlen);
		if (n >= 0)
			verdict(id, pkt_out, (size_t)n);
		else if (dns_may_ask_pq1(u.payload, u.payload_len))
			drop_verdict(id);     /* a high-security name: never the original */
		else
			verdict(id, NULL, 0);
		return;
	}
	case DEC_DROP:          /* only for in-place (TCP) decisions: never here */
		drop_verdict(id);
		return;
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

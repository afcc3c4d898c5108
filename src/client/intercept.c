/* DNS answers: the decision pipeline shared by the netfilter queue and the
 * DNS proxy, and the answers held while a connect runs.
 *
 *   not DNS / no pq1            -> pass unchanged (byte for byte)
 *   use-application-dns.net     -> NXDOMAIN
 *   pq1, no A record (AAAA q.)  -> AAAA records removed
 *   pq1, A already ours         -> pass (seen twice through a stub resolver)
 *   pq1, tunnel up and healthy  -> A := internal address, TTL 0, AAAA removed
 *   pq1, otherwise              -> hold; connect; rewrite on success, or
 *                                  release unchanged on failure or after 2 s */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client/client.h"
#include "io/log.h"
#include "proto/ipv4.h"

static struct held *held_list;
static unsigned held_count;

int dns_rewrite_for(const struct peer *p, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	uint32_t a = p->int_addr;
	return dns_rewrite(out, cap, msg, len, &a);
}

enum decision dns_decide(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                         struct peer **pp)
{
	struct dns_info info;
	struct peer *p;
	uint64_t now = now_ms();
	int n;

	if (dns_inspect(msg, len, &info) < 0) {
		client.cnt.dns_unparsable++;
		return DEC_PASS;
	}
	switch (info.verdict) {
	case DNS_PASS:
		return DEC_PASS;
	case DNS_CANARY:
		n = dns_make_nxdomain(out, cap, msg, len);
		if (n < 0)
			return DEC_PASS;
		client.cnt.dns_canary++;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	case DNS_PQ1:
		break;
	}
	if (info.naddrs == 0) {
		/* e.g. the AAAA half of a lookup: keep applications off the unprotected v6 path */
		if (info.naaaa == 0)
			return DEC_PASS;
		n = dns_rewrite(out, cap, msg, len, NULL);
		if (n < 0)
			return DEC_PASS;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	}
	if (addrpool_in_subnet(&client.pool, info.addrs[0]))
		return DEC_PASS;

	p = peer_by_hash(info.pq1.hash);
	if (!p) {
		p = peer_create(info.pq1.hash);
		if (!p) {
			log_ratelimited(L_WARNING, "pool_full", "no free internal address: answer passed unchanged");
			client.cnt.dns_failopen++;
			return DEC_PASS;
		}
		log_debug("new peer %s for %s", ip4_str(p->int_addr), info.pq1_owner);
	}
	p->last_dns = now;
	if (!p->conn && !p->is_static) {
		/* the answer is the freshest truth about where the server is
		 * (a static peer's address and ports come from the peers file) */
		p->ext_ip = info.addrs[0];
		snprintf(p->owner, sizeof p->owner, "%s", info.pq1_owner);
		if (info.pq1.has_ports) {
			p->have_ports = 1;
			p->cryptoport = info.pq1.cryptoport;
			p->keyport = info.pq1.keyport;
		}
	}
	if (peer_tunnel_up(p, now) && now - p->last_auth_rx < CLIENT_SILENT_MS) {
		n = dns_rewrite_for(p, msg, len, out, cap);
		if (n < 0)
			return DEC_PASS;
		client.cnt.dns_rewritten++;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	}
	if (!p->conn && p->fail_until && now < p->fail_until) {
		/* it failed moments ago: do not make every lookup wait again */
		client.cnt.dns_failopen++;
		return DEC_PASS;
	}
	if (p->has_tunnel && peer_tunnel_up(p, now))
		connect_verify(p);   /* quiet tunnel: one probe before trusting it */
	else
		connect_start(p);
	if (!p->conn) {
		/* could not even start: fail open */
		client.cnt.dns_failopen++;
		return DEC_PASS;
	}
	*pp = p;
	return DEC_HOLD;
}

/* ------------------------------------------------------------- held -- */

static void held_unlink(struct held *h)
{
	for (struct held **hp = &held_list; *hp; hp = &(*hp)->next)
		if (*hp == h) {
			*hp = h->next;
			held_count--;
			return;
		}
}

static void held_free(struct held *h)
{
	timer_cancel(&client.loop, &h->deadline);
	free(h->pkt);
	free(h);
}

static void on_deadline(struct loop *l, struct timer *t)
{
	struct held *h = t->arg;
	held_unlink(h);
	client.cnt.dns_failopen++;
	log_warn("No tunnel after %u ms: releasing the DNS answer unchanged", CLIENT_DNS_DEADLINE_MS);
	h->release(h, NULL, 0);
	held_free(h);
}

/* nfq: pkt is the IP packet; payload (if any) is the new DNS message. */
static void release_nfq(struct held *h, const uint8_t *payload, size_t plen)
{
	static uint8_t out[65536];
	struct udppkt u;

	if (payload && udppkt_parse(&u, h->pkt, h->len) == 0) {
		int n = udppkt_rebuild(out, sizeof out, h->pkt, h->len, &u, payload, plen);
		if (n > 0) {
			worker_verdict(h->nfq_id, out, (size_t)n);
			return;
		}
	}
	worker_verdict(h->nfq_id, NULL, 0);
}

static void release_proxy(struct held *h, const uint8_t *payload, size_t plen)
{
	if (payload)
		dnsproxy_send_answer(&h->client, payload, plen);
	else
		dnsproxy_send_answer(&h->client, h->pkt, h->len);
}

int held_add(struct peer *p, const uint8_t *pkt, size_t len, int is_nfq, uint32_t nfq_id,
             const union sockaddr_any *asker)
{
	struct held *h;

	if (held_count >= CLIENT_MAX_HELD)
		return -1;
	h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	h->pkt = malloc(len);
	if (!h->pkt) {
		free(h);
		return -1;
	}
	memcpy(h->pkt, pkt, len);
	h->len = len;
	memcpy(h->hash, p->hash, 32);
	h->release = is_nfq ? release_nfq : release_proxy;
	h->nfq_id = nfq_id;
	if (asker)
		h->client = *asker;
	h->since = now_ms();
	timer_init(&h->deadline, on_deadline, h);
	timer_in(&client.loop, &h->deadline, CLIENT_DNS_DEADLINE_MS);
	h->next = held_list;
	held_list = h;
	held_count++;
	return 0;
}

/* The DNS message inside a held item. */
static const uint8_t *held_dns(struct held *h, size_t *len)
{
	struct udppkt u;
	if (h->release == release_proxy) {
		*len = h->len;
		return h->pkt;
	}
	if (udppkt_parse(&u, h->pkt, h->len) < 0)
		return NULL;
	*len = u.payload_len;
	return u.payload;
}

void held_resolve(struct peer *p, int ok)
{
	static uint8_t out[65536];
	struct held *h, *next, *mine = NULL;

	/* detach first: release callbacks must not see a half-walked list */
	for (struct held **hp = &held_list; (h = *hp);) {
		if (!memcmp(h->hash, p->hash, 32)) {
			*hp = h->next;
			held_count--;
			h->next = mine;
			mine = h;
		} else
			hp = &h->next;
	}
	for (h = mine; h; h = next) {
		next = h->next;
		size_t dlen;
		const uint8_t *dns = ok ? held_dns(h, &dlen) : NULL;
		int n = dns ? dns_rewrite_for(p, dns, dlen, out, sizeof out) : -1;
		if (n >= 0) {
			client.cnt.dns_rewritten++;
			h->release(h, out, (size_t)n);
		} else {
			client.cnt.dns_failopen++;
			if (!ok)
				log_warn("Connection to %s failed: releasing the DNS answer unchanged",
				         ip4_str(p->ext_ip));
			h->release(h, NULL, 0);
		}
		held_free(h);
	}
}

void held_release_all(void)
{
	while (held_list) {
		struct held *h = held_list;
		held_list = h->next;
		held_count--;
		h->release(h, NULL, 0);
		held_free(h);
	}
}

/* ------------------------------- netfilter queue (through the monitor) -- */

void intercept_packet(uint32_t id, const uint8_t *pkt, size_t len)
{
	static uint8_t dns_out[65536], pkt_out[65536];
	struct udppkt u;
	struct peer *p = NULL;
	size_t outlen = 0;

	if (udppkt_parse(&u, pkt, len) < 0 || u.sport != 53) {
		client.cnt.dns_unparsable++;
		worker_verdict(id, NULL, 0);
		return;
	}
	switch (dns_decide(u.payload, u.payload_len, dns_out, sizeof dns_out, &outlen, &p)) {
	case DEC_PASS:
		worker_verdict(id, NULL, 0);
		return;
	case DEC_REPLACE: {
		int n = udppkt_rebuild(pkt_out, sizeof pkt_out, pkt, len, &u, dns_out, outlen);
		if (n < 0)
			worker_verdict(id, NULL, 0);
		else
			worker_verdict(id, pkt_out, (size_t)n);
		return;
	}
	case DEC_HOLD:
		if (held_add(p, pkt, len, 1, id, NULL) < 0) {
			client.cnt.dns_failopen++;
			worker_verdict(id, NULL, 0);
		}
		return;
	}
}

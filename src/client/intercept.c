/* DNS answers (see intercept.h):
 *
 *   not DNS / no pq1            -> pass unchanged (byte for byte)
 *   use-application-dns.net     -> NXDOMAIN
 *   our own AAAA lookup         -> pass unchanged (txt.c registered it)
 *   pq1, no A record (AAAA q.)  -> AAAA records removed (the first one is
 *                                  remembered: the server's IPv6 address)
 *   pq1, no A record (A q.)     -> a server with IPv6 addresses only: as
 *                                  below, and the rewrite adds the A record
 *   pq1, A already ours         -> pass (seen twice through a stub resolver)
 *   pq1, otherwise              -> the lifecycle decides: rewrite now (A :=
 *                                  internal address, TTL 0, AAAA removed),
 *                                  hold, or pass unchanged (backoff)
 *   the name asked for is pq1   -> always rewritten (a high-security name is
 *                                  never failed open: lifecycle.c) */
#include <stdlib.h>
#include <string.h>
#include "client/client.h"
#include "client/intercept.h"
#include "client/lifecycle.h"
#include "io/log.h"

struct held {
	struct held *next;
	uint8_t hash[32];
	held_release_fn release;
	void *ctx;
	uint8_t *dns;                   /* the answer, for the rewrite */
	size_t len;
	uint64_t since;
	struct timer deadline;
};

static struct held *held_list;
static unsigned nheld;

static int rewrite_for(const struct peer *p, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	return dns_rewrite_add_a(out, cap, msg, len, p->int_addr);
}

/* ---------------------------------------------- own AAAA lookups -- */

static struct dns_question own[OWN_QUERIES_MAX];
static int own_used[OWN_QUERIES_MAX];

int own_query_add(const uint8_t *query, size_t len)
{
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		if (!own_used[i]) {
			if (dns_question_get(query, len, &own[i]) < 0)
				return -1;
			own_used[i] = 1;
			return 0;
		}
	return -1;
}

void own_query_del(const uint8_t *query, size_t len)
{
	struct dns_question q;
	if (dns_question_get(query, len, &q) < 0)
		return;
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		if (own_used[i] && dns_question_same(&own[i], &q)) {
			own_used[i] = 0;
			return;
		}
}

static int own_answer(const uint8_t *msg, size_t len)
{
	struct dns_question q;
	int any = 0;
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		any |= own_used[i];
	if (!any || dns_question_get(msg, len, &q) < 0)
		return 0;
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		if (own_used[i] && dns_question_same(&own[i], &q))
			return 1;
	return 0;
}

/* ------------------------------------- IPv6 addresses of pq1 names -- */

/* The first AAAA record of the latest AAAA answers of pq1 names (an
 * application asks A and AAAA together): the server's IPv6 address, for
 * when it has no A record or the host no IPv4 route.  A small ring. */
#define HINTS 32
static struct { uint8_t hash[32]; uint8_t addr[16]; int used; } hints[HINTS];
static unsigned hint_next;

static void hint_store(const uint8_t hash[32], const uint8_t addr[16])
{
	for (unsigned i = 0; i < HINTS; i++)
		if (hints[i].used && !memcmp(hints[i].hash, hash, 32)) {
			memcpy(hints[i].addr, addr, 16);
			return;
		}
	unsigned i = hint_next++ % HINTS;
	memcpy(hints[i].hash, hash, 32);
	memcpy(hints[i].addr, addr, 16);
	hints[i].used = 1;
}

static void hint_get(const uint8_t hash[32], union sockaddr_any *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < HINTS; i++)
		if (hints[i].used && !memcmp(hints[i].hash, hash, 32)) {
			sa_from_addr16(out, hints[i].addr, 0);
			return;
		}
}

/* A high-security name is never released with its real address: when it
 * cannot be rewritten, the application gets SERVFAIL. */
static enum decision strict_refusal(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                                    const char *why)
{
	int n = dns_make_error(out, cap, msg, len, DNS_RCODE_SERVFAIL);
	log_ratelimited(L_WARNING, "strict_fail", "high-security name: %s: SERVFAIL instead of the real address", why);
	client.cnt.dns_strict_refused++;
	if (n < 0)
		return DEC_PASS;     /* cannot happen: dns_inspect parsed it */
	*outlen = (size_t)n;
	return DEC_REPLACE;
}

enum decision dns_decide(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                         struct peer **pp, uint64_t now)
{
	struct dns_info info;
	struct peer *p;
	int n;

	if (dns_inspect(msg, len, &info) < 0) {
		client.cnt.dns_unparsable++;
		return DEC_PASS;
	}
	if (own_answer(msg, len))
		return DEC_PASS;
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
	if (info.naddrs == 0 && info.naaaa > 0) {
		/* the AAAA half of a lookup: keep applications off the unprotected
		 * v6 path, and remember where the server is on IPv6 */
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (info.naddrs6 > 0 && memcmp(info.addrs6[0], mapped, 12)) {
			hint_store(info.pq1.hash, info.addrs6[0]);
			if ((p = peer_by_hash(info.pq1.hash)) != NULL) {
				union sockaddr_any a6;
				sa_from_addr16(&a6, info.addrs6[0], 0);
				peer_ev_aaaa(p, &a6);
			}
		}
		n = dns_rewrite(out, cap, msg, len, NULL);
		if (n < 0)
			return DEC_PASS;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	}
	/* no A and no AAAA: only a NOERROR answer to an A question makes a
	 * server with IPv6 addresses only (the rewrite adds the A record) */
	if (info.naddrs == 0 && (info.qtype != DNS_TYPE_A || info.rcode != 0))
		return DEC_PASS;
	if (info.naddrs > 0 && peertable_is_internal(info.addrs[0]))
		return DEC_PASS;

	p = peer_by_hash(info.pq1.hash);
	if (!p) {
		p = peer_ev_new(info.pq1.hash, 0, now);
		if (!p && info.qname_pq1)
			return strict_refusal(msg, len, out, cap, outlen, "no free internal address");
		if (!p) {
			log_ratelimited(L_WARNING, "pool_full", "no free internal address: answer passed unchanged");
			client.cnt.dns_failopen++;
			return DEC_PASS;
		}
		log_debug("new peer %s for %s", ip4_str(p->int_addr), info.pq1_owner);
	}
	struct peer_location loc = { .owner = info.pq1_owner, .has_ports = info.pq1.has_ports,
	                             .cryptoport = info.pq1.cryptoport, .keyport = info.pq1.keyport,
	                             .strict = info.qname_pq1 };
	if (info.naddrs > 0)
		sa_from_ip4(&loc.addr, info.addrs[0], 0);
	hint_get(info.pq1.hash, &loc.addr6);
	switch (peer_ev_dns_answer(p, &loc, now)) {
	case ANSWER_REWRITE:
		n = rewrite_for(p, msg, len, out, cap);
		if (n < 0 && info.qname_pq1)
			return strict_refusal(msg, len, out, cap, outlen, "the answer cannot be rewritten");
		if (n < 0)
			return DEC_PASS;
		client.cnt.dns_rewritten++;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	case ANSWER_PASS:
		client.cnt.dns_failopen++;
		return DEC_PASS;
	case ANSWER_HOLD:
		break;
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
			nheld--;
			return;
		}
}

/* Release h (rewritten: dns/len; unchanged: NULL) and free it. */
static void held_finish(struct held *h, const uint8_t *dns, size_t len)
{
	timer_cancel(&client.loop, &h->deadline);
	h->release(h->ctx, dns, len);
	free(h->dns);
	free(h);
}

static void on_deadline(struct loop *l, struct timer *t)
{
	struct held *h = t->arg;
	(void)l;
	held_unlink(h);
	client.cnt.dns_failopen++;
	log_warn("No tunnel after %u ms: releasing the DNS answer unchanged", CLIENT_DNS_DEADLINE_MS);
	held_finish(h, NULL, 0);
}

int held_add(struct peer *p, const uint8_t *dns, size_t len, held_release_fn release, void *ctx, uint64_t now)
{
	struct held *h;

	if (nheld >= CLIENT_MAX_HELD)
		return -1;
	h = calloc(1, sizeof *h);
	if (!h)
		return -1;
	h->dns = malloc(len ? len : 1);
	if (!h->dns) {
		free(h);
		return -1;
	}
	memcpy(h->dns, dns, len);
	h->len = len;
	memcpy(h->hash, p->hash, 32);
	h->release = release;
	h->ctx = ctx;
	h->since = now;
	timer_init(&h->deadline, on_deadline, h);
	timer_in(&client.loop, &h->deadline, CLIENT_DNS_DEADLINE_MS);
	h->next = held_list;
	held_list = h;
	nheld++;
	return 0;
}

/* Detach the held answers that match (hash, or all with hash NULL) and are
 * due (since <= due); released outside the walk, so that a release cannot
 * see a half-walked list. */
static struct held *detach(const uint8_t *hash, uint64_t due)
{
	struct held *h, *mine = NULL;
	for (struct held **hp = &held_list; (h = *hp);) {
		if ((!hash || !memcmp(h->hash, hash, 32)) && h->since <= due) {
			*hp = h->next;
			nheld--;
			h->next = mine;
			mine = h;
		} else
			hp = &h->next;
	}
	return mine;
}

void held_resolve(struct peer *p, int ok)
{
	static uint8_t out[65536];
	struct held *h, *next;

	for (h = detach(p->hash, UINT64_MAX); h; h = next) {
		next = h->next;
		int n = ok ? rewrite_for(p, h->dns, h->len, out, sizeof out) : -1;
		if (n >= 0) {
			client.cnt.dns_rewritten++;
			held_finish(h, out, (size_t)n);
		} else {
			client.cnt.dns_failopen++;
			if (!ok)
				log_warn("Connection to %s failed: releasing the DNS answer unchanged", sa_host_str(&p->ext));
			held_finish(h, NULL, 0);
		}
	}
}

void held_expire(uint64_t now)
{
	struct held *h, *next;
	if (now < CLIENT_DNS_DEADLINE_MS)
		return;
	for (h = detach(NULL, now - CLIENT_DNS_DEADLINE_MS); h; h = next) {
		next = h->next;
		client.cnt.dns_failopen++;
		held_finish(h, NULL, 0);
	}
}

void held_release_all(void)
{
	struct held *h, *next;
	for (h = detach(NULL, UINT64_MAX); h; h = next) {
		next = h->next;
		held_finish(h, NULL, 0);
	}
}

unsigned held_count(void) { return nheld; }

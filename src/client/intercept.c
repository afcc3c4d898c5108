/* DNS answers (see intercept.h):
 *
 *   not DNS / no pq1            -> pass unchanged (byte for byte)
 *   use-application-dns.net     -> NXDOMAIN
 *   our own AAAA lookup         -> pass unchanged (txt.c registered it)
 *   pq1, no A record (AAAA q.)  -> AAAA records removed (the first one is
 *                                  remembered: the server's IPv6 address),
 *                                  or, when the server carries inner IPv6
 *                                  (serverfeat.c) and its tunnel is up,
 *                                  rewritten to the peer's internal IPv6
 *                                  address (TTL 0)
 *                                  while the tunnel is being made, or the
 *                                  server's feature reply is awaited, the
 *                                  AAAA answer is held (over UDP, with inner
 *                                  IPv6 on) and then rewritten or stripped,
 *                                  never released with the real address
 *   pq1, AAAA already ours      -> pass (seen twice through a stub resolver)
 *   pq1, no A record (A q.)     -> a server with IPv6 addresses only: as
 *                                  below, and the rewrite adds the A record
 *   pq1, A already ours         -> pass (seen twice through a stub resolver)
 *   pq1, otherwise              -> the lifecycle decides: rewrite now (A :=
 *                                  internal address, TTL 0, AAAA removed or
 *                                  rewritten as above),
 *                                  hold, or pass unchanged (backoff)
 *   the name asked for is pq1   -> always rewritten (a high-security name is
 *                                  never failed open: lifecycle.c)
 *
 * Over TCP (dns_decide_inplace) the answer keeps its length: A records get
 * the internal address, AAAA records 100:: (unroutable), TTLs 0; a
 * high-security answer that cannot be rewritten is dropped. */
#include <stdlib.h>
#include <string.h>
#include "client/client.h"
#include "client/serverfeat.h"
#include "client/intercept.h"
#include "client/lifecycle.h"
#include "io/log.h"
#include "proto/dnstcp.h"
#include "proto/endpoint.h"

struct held {
	struct held *next;
	uint8_t hash[32];
	held_release_fn release;
	void *ctx;
	uint8_t *dns;                   /* the answer, for the rewrite */
	size_t len;
	int aaaa;                       /* the AAAA half of a lookup: rewritten or stripped, never
	                                 * released unchanged (the server's real IPv6 address) */
	uint64_t since;
	struct timer deadline;
};

static struct held *held_list;
static unsigned nheld;

/* A := p's internal address; AAAA := its internal IPv6 address if the
 * server carries inner IPv6, else removed. */
static int rewrite_for(const struct peer *p, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
	uint8_t a6[16];
	if (!features_inner6(p))
		return dns_rewrite_add_a(out, cap, msg, len, p->int_addr);
	features_addr6(p->int_addr, a6);
	return dns_rewrite_add_a6(out, cap, msg, len, p->int_addr, a6);
}

/* ---------------------------------------------- own AAAA lookups -- */

static struct dns_question own[OWN_QUERIES_MAX];
static union sockaddr_any own_local[OWN_QUERIES_MAX];   /* the lookup socket's own address */
static int own_used[OWN_QUERIES_MAX];

int own_query_add(const uint8_t *query, size_t len, const union sockaddr_any *local)
{
	if (!local || sa_port(local) == 0)
		return -1;
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		if (!own_used[i]) {
			if (dns_question_get(query, len, &own[i]) < 0)
				return -1;
			own_local[i] = *local;
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

/* An answer to one of our own lookups: the same id and question, and
 * going to that lookup's socket (to: address and port; NULL: not known,
 * never ours). */
static int own_answer(const uint8_t *msg, size_t len, const union sockaddr_any *to)
{
	struct dns_question q;
	int any = 0;
	if (!to)
		return 0;
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		any |= own_used[i] && sa_equal(&own_local[i], to);
	if (!any || dns_question_get(msg, len, &q) < 0)
		return 0;
	for (int i = 0; i < OWN_QUERIES_MAX; i++)
		if (own_used[i] && sa_equal(&own_local[i], to) && dns_question_same(&own[i], &q))
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

/* a DNS-given IPv4 address (host order) that may be a server's outer
 * address (proto/endpoint.c: not 0/8, 127/8, multicast, 240/4) */
static int usable_a(uint32_t a)
{
	uint8_t a16[16] = { [10] = 0xff, [11] = 0xff };
	a16[12] = (uint8_t)(a >> 24), a16[13] = (uint8_t)(a >> 16), a16[14] = (uint8_t)(a >> 8), a16[15] = (uint8_t)a;
	return endpoint_usable_outer(a16, 1, 0);
}

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
	client.cnt.dns_strict_refused++;
	if (n < 0) {
		/* a message that cannot be taken apart: no SERVFAIL can be made
		 * of it, and it must not pass either */
		log_ratelimited(L_WARNING, "strict_fail", "high-security name: %s: answer dropped", why);
		return DEC_DROP;
	}
	log_ratelimited(L_WARNING, "strict_fail", "high-security name: %s: SERVFAIL instead of the real address", why);
	*outlen = (size_t)n;
	return DEC_REPLACE;
}

/* What an answer calls for, whatever the transport. */
enum action {
	ACT_PASS,
	ACT_CANARY,     /* the DoH canary: NXDOMAIN */
	ACT_AAAA_ONLY,  /* a pq1 answer without A records: its AAAA records go */
	ACT_AAAA_INNER, /* the same for a server with inner IPv6 and its tunnel up:
	                 * AAAA := p's internal IPv6 address (over UDP) */
	ACT_REWRITE,    /* A := p's internal address */
	ACT_REFUSE,     /* a high-security name with no internal address: never its real one */
	ACT_REFUSE_UNPARSABLE, /* an answer dns_inspect cannot take apart, for a
	                 * name that is or may be a high-security name */
	ACT_HOLD,       /* until p's tunnel is up or failed */
	ACT_AAAA_HOLD,  /* an AAAA answer while p's tunnel is being made or its
	                 * feature reply is awaited: held, then as above */
};

/* Every A record of the answer is one of our internal addresses. */
static int all_internal(const struct dns_info *info)
{
	for (unsigned i = 0; i < info->naddrs && i < DNS_MAX_ADDRS; i++)
		if (!peertable_is_internal(info->addrs[i]))
			return 0;
	return 1;
}

/* Every AAAA record of the answer is one of our internal IPv6 addresses. */
static int all_inner6(const struct dns_info *info)
{
	uint32_t a4;
	if (info->naaaa > info->naddrs6)
		return 0;     /* some were not kept: they cannot be checked */
	for (unsigned i = 0; i < info->naddrs6 && i < DNS_MAX_ADDRS; i++)
		if (features_addr4_of(info->addrs6[i], &a4) != 0)
			return 0;
	return 1;
}

/* Is p's answer on inner IPv6 still to come: an attempt runs (its end
 * releases the held answers), or the tunnel is up and the feature reply
 * is awaited (features_known releases them)? */
static int inner6_pending(const struct peer *p)
{
	if (!client.inner6)
		return 0;
	if (p->state == PS_CONNECTING || p->state == PS_VERIFYING)
		return 1;
	return p->state == PS_UP && p->feat_asked;
}

static enum action classify(const uint8_t *msg, size_t len, const union sockaddr_any *to, struct peer **pp,
                           int *strict, uint64_t now)
{
	struct dns_info info;
	struct peer *p;

	*strict = 0;
	if (dns_inspect(msg, len, &info) < 0) {
		/* what the rewrite cannot read, a stub resolver may still take
		 * (a byte after the message, a broken record in another section):
		 * for a name that is, or may be, a high-security name it never
		 * passes; other names pass (fail-open) */
		client.cnt.dns_unparsable++;
		if (dns_may_ask_pq1(msg, len)) {
			*strict = 1;
			return ACT_REFUSE_UNPARSABLE;
		}
		return ACT_PASS;
	}
	if (own_answer(msg, len, to))
		return ACT_PASS;
	switch (info.verdict) {
	case DNS_PASS:
		/* a high-security name's addresses that the rewrite leaves alone
		 * (more than DNS_MAX_ADDRS of them, or records it does not take
		 * apart): never the real address */
		return dns_asks_pq1_addresses(msg, len) ? ACT_REFUSE : ACT_PASS;
	case DNS_CANARY:
		return ACT_CANARY;
	case DNS_PQ1:
		break;
	}
	*strict = info.qname_pq1;
	if (info.naddrs == 0 && info.naaaa > 0) {
		/* the AAAA half of a lookup: keep applications off the unprotected
		 * v6 path, and remember where the server is on IPv6
		 * (the first usable unicast address: never ::, ::1, multicast,
		 * link-local, v4-mapped, ...) */
		unsigned i = 0;
		uint32_t a4;
		if (info.naddrs6 > 0 && client.inner6 && all_inner6(&info))
			return ACT_PASS;     /* already ours (every record: a real
			                      * address after one of ours is removed) */
		while (i < info.naddrs6 && (!endpoint_usable_outer(info.addrs6[i], 0, 0) ||
		                            (client.inner6 && features_addr4_of(info.addrs6[i], &a4) == 0)))
			i++;     /* (nor one of our internal IPv6 addresses) */
		if (i > 0)
			log_ratelimited(L_INFO, "aaaa_unusable", "%s: %u AAAA record(s) that cannot be a server's address skipped",
			                info.pq1_owner, i);
		if (i < info.naddrs6) {
			hint_store(info.pq1.hash, info.addrs6[i]);
			if ((p = peer_by_hash(info.pq1.hash)) != NULL) {
				union sockaddr_any a6;
				sa_from_addr16(&a6, info.addrs6[i], 0);
				peer_ev_aaaa(p, &a6);
			}
		}
		p = peer_by_hash(info.pq1.hash);
		if (p && features_inner6(p) && p->state == PS_UP && peer_tunnel_usable(p, now)) {
			/* a server that carries inner IPv6, through a tunnel that works */
			*pp = p;
			return ACT_AAAA_INNER;
		}
		if (p && inner6_pending(p)) {
			*pp = p;
			return ACT_AAAA_HOLD;
		}
		return ACT_AAAA_ONLY;
	}
	/* no A and no AAAA: only a NOERROR answer to an A question makes a
	 * server with IPv6 addresses only (the rewrite adds the A record) */
	if (info.naddrs == 0 && (info.qtype != DNS_TYPE_A || info.rcode != 0))
		return ACT_PASS;
	if (info.naddrs > 0 && all_internal(&info))
		return ACT_PASS;     /* already ours; a mix is rewritten whole below */
	/* the A records that may be the server's outer address, in order
	 * (never 0.0.0.0, 127/8, multicast, broadcast) */
	uint32_t usable[DNS_MAX_ADDRS];
	unsigned nusable = 0;
	for (unsigned i = 0; i < info.naddrs && i < DNS_MAX_ADDRS; i++)
		if (usable_a(info.addrs[i]) && !peertable_is_internal(info.addrs[i]))
			usable[nusable++] = info.addrs[i];
	if (info.naddrs > 0 && nusable == 0) {
		log_ratelimited(L_WARNING, "a_unusable", "%s: no A record can be a server's address (%s...): answer %s",
		                info.pq1_owner, ip4_str(info.addrs[0]), info.qname_pq1 ? "refused" : "passed unchanged");
		if (info.qname_pq1)
			return ACT_REFUSE;
		client.cnt.dns_failopen++;
		return ACT_PASS;
	}

	p = peer_by_hash(info.pq1.hash);
	if (!p) {
		p = peer_ev_new(info.pq1.hash, 0, now);
		if (!p && info.qname_pq1)
			return ACT_REFUSE;
		if (!p) {
			log_ratelimited(L_WARNING, "pool_full", "no free internal address: answer passed unchanged");
			client.cnt.dns_failopen++;
			return ACT_PASS;
		}
		log_debug("new peer %s for %s", ip4_str(p->int_addr), info.pq1_owner);
	}
	struct peer_location loc = { .addrs = usable, .naddrs = nusable, .owner = info.pq1_owner,
	                             .has_ports = info.pq1.has_ports, .cryptoport = info.pq1.cryptoport,
	                             .keyport = info.pq1.keyport, .strict = info.qname_pq1 };
	if (nusable > 0)
		sa_from_ip4(&loc.addr, usable[0], 0);
	hint_get(info.pq1.hash, &loc.addr6);
	*pp = p;
	switch (peer_ev_dns_answer(p, &loc, now)) {
	case ANSWER_REWRITE:
		return ACT_REWRITE;
	case ANSWER_PASS:
		client.cnt.dns_failopen++;
		return ACT_PASS;
	case ANSWER_HOLD:
		break;
	}
	return ACT_HOLD;
}

enum decision dns_decide(const uint8_t *msg, size_t len, const union sockaddr_any *to, uint8_t *out,
                         size_t cap, size_t *outlen, struct peer **pp, uint64_t now)
{
	struct peer *p = NULL;
	int strict, n;

	switch (classify(msg, len, to, &p, &strict, now)) {
	case ACT_PASS:
		return DEC_PASS;
	case ACT_CANARY:
		n = dns_make_nxdomain(out, cap, msg, len);
		if (n < 0)
			return DEC_PASS;
		client.cnt.dns_canary++;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	case ACT_AAAA_ONLY:
		n = dns_rewrite(out, cap, msg, len, NULL);
		if (n < 0)
			return strict ? strict_refusal(msg, len, out, cap, outlen, "its AAAA records cannot be removed")
			              : DEC_PASS;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	case ACT_AAAA_INNER:
		n = rewrite_for(p, msg, len, out, cap);
		if (n < 0)
			return strict ? strict_refusal(msg, len, out, cap, outlen, "its AAAA records cannot be rewritten")
			              : DEC_PASS;
		client.cnt.dns_aaaa_rewritten++;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	case ACT_REFUSE:
		return strict_refusal(msg, len, out, cap, outlen, "no free internal address, or too many records to rewrite");
	case ACT_REFUSE_UNPARSABLE:
		return strict_refusal(msg, len, out, cap, outlen, "an answer that cannot be parsed");
	case ACT_REWRITE:
		n = rewrite_for(p, msg, len, out, cap);
		if (n < 0 && strict)
			return strict_refusal(msg, len, out, cap, outlen, "the answer cannot be rewritten");
		if (n < 0)
			return DEC_PASS;
		client.cnt.dns_rewritten++;
		*outlen = (size_t)n;
		return DEC_REPLACE;
	case ACT_AAAA_HOLD:
		client.cnt.dns_aaaa_held++;
		break;
	case ACT_HOLD:
		break;
	}
	*pp = p;
	return DEC_HOLD;
}

/* A high-security name whose answer cannot keep its length and be
 * rewritten: it is dropped (over TCP the application's query then times
 * out: the segment is never delivered, and neither is any later one). */
static enum decision strict_drop(const char *why)
{
	log_ratelimited(L_WARNING, "strict_drop", "high-security name over TCP: %s: answer dropped", why);
	client.cnt.dns_strict_refused++;
	return DEC_DROP;
}

enum decision dns_decide_inplace(uint8_t *msg, size_t len, struct peer **pp, uint64_t now)
{
	struct peer *p = NULL;
	int strict;
	uint32_t a;

	/* our own lookups are over UDP only: none of them is answered here */
	switch (classify(msg, len, NULL, &p, &strict, now)) {
	case ACT_PASS:
	case ACT_CANARY:
		return DEC_PASS;
	case ACT_AAAA_ONLY:
	case ACT_AAAA_INNER:     /* over TCP: AAAA made unroutable even then */
	case ACT_AAAA_HOLD:      /* (and never held) */
		if (dnstcp_rewrite_inplace(msg, len, NULL) > 0)
			return DEC_REPLACE;
		return strict ? strict_drop("its AAAA records cannot be rewritten") : DEC_PASS;
	case ACT_REFUSE:
		return strict_drop("no free internal address, or too many records to rewrite");
	case ACT_REFUSE_UNPARSABLE:
		return strict_drop("an answer that cannot be parsed");
	case ACT_REWRITE:
		a = p->int_addr;
		if (dnstcp_rewrite_inplace(msg, len, &a) > 0) {
			client.cnt.dns_rewritten++;
			return DEC_REPLACE;
		}
		return strict ? strict_drop("the answer cannot be rewritten") : DEC_PASS;
	case ACT_HOLD:
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

/* Release h (rewritten: dns/len; unchanged: NULL) and free it.  A held
 * AAAA answer is never released unchanged: its AAAA records go. */
static void held_finish(struct held *h, const uint8_t *dns, size_t len)
{
	static uint8_t stripped[65536];
	timer_cancel(&client.loop, &h->deadline);
	if (!dns && h->aaaa) {
		int n = dns_rewrite(stripped, sizeof stripped, h->dns, h->len, NULL);
		if (n >= 0) {
			dns = stripped;
			len = (size_t)n;
		} else {
			n = dns_make_error(stripped, sizeof stripped, h->dns, h->len, DNS_RCODE_SERVFAIL);
			dns = stripped;
			len = n > 0 ? (size_t)n : 0;
		}
	}
	h->release(h->ctx, dns, len);
	free(h->dns);
	free(h);
}

static void on_deadline(struct loop *l, struct timer *t)
{
	struct held *h = t->arg;
	(void)l;
	held_unlink(h);
	if (h->aaaa)
		log_info("No inner IPv6 answer after %u ms: AAAA records removed", CLIENT_DNS_DEADLINE_MS);
	else {
		client.cnt.dns_failopen++;
		log_warn("No tunnel after %u ms: releasing the DNS answer unchanged", CLIENT_DNS_DEADLINE_MS);
	}
	held_finish(h, NULL, 0);
}

/* An AAAA answer that cannot be held is never released as it is (the
 * caller would pass the original: the server's real IPv6 address): it is
 * released at once, its AAAA records removed (or as SERVFAIL).  0 if it was
 * one, -1 if not. */
static int release_aaaa_stripped(const uint8_t *dns, size_t len, held_release_fn release, void *ctx)
{
	static uint8_t out[65536];
	struct dns_info info;
	if (dns_inspect(dns, len, &info) < 0 || info.naddrs != 0 || info.naaaa == 0)
		return -1;
	int n = dns_rewrite(out, sizeof out, dns, len, NULL);
	if (n < 0)
		n = dns_make_error(out, sizeof out, dns, len, DNS_RCODE_SERVFAIL);
	if (n < 0)
		return -1;
	client.cnt.dns_failopen++;
	release(ctx, out, (size_t)n);
	return 0;
}

int held_add(struct peer *p, const uint8_t *dns, size_t len, held_release_fn release, void *ctx, uint64_t now)
{
	struct held *h;

	if (nheld >= CLIENT_MAX_HELD)
		return release_aaaa_stripped(dns, len, release, ctx);
	h = calloc(1, sizeof *h);
	if (!h)
		return release_aaaa_stripped(dns, len, release, ctx);
	h->dns = malloc(len ? len : 1);
	if (!h->dns) {
		free(h);
		return release_aaaa_stripped(dns, len, release, ctx);
	}
	memcpy(h->dns, dns, len);
	h->len = len;
	struct dns_info info;
	h->aaaa = dns_inspect(dns, len, &info) == 0 && info.naddrs == 0 && info.naaaa > 0;
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

/* Put h back on the list (an AAAA answer still waiting for the feature
 * reply: its deadline runs on). */
static void held_keep(struct held *h)
{
	h->next = held_list;
	held_list = h;
	nheld++;
}

/* A held AAAA answer once p's tunnel is up: its internal IPv6 address if
 * the server carries inner IPv6, else stripped; kept while the feature
 * reply is awaited. */
static void aaaa_finish(struct peer *p, struct held *h, uint8_t *out, size_t cap)
{
	int n = features_inner6(p) ? rewrite_for(p, h->dns, h->len, out, cap) : -1;
	if (n >= 0) {
		client.cnt.dns_aaaa_rewritten++;
		held_finish(h, out, (size_t)n);
	} else if (p->feat_asked && p->state == PS_UP)
		held_keep(h);
	else
		held_finish(h, NULL, 0);     /* stripped */
}

void held_features_known(struct peer *p)
{
	static uint8_t out[65536];
	struct held *h, *next, *others = NULL;

	if (p->state != PS_UP)
		return;     /* the attempt's end releases them */
	for (h = detach(p->hash, UINT64_MAX); h; h = next) {
		next = h->next;
		if (h->aaaa)
			aaaa_finish(p, h, out, sizeof out);
		else {
			h->next = others;
			others = h;
		}
	}
	for (h = others; h; h = next) {
		next = h->next;
		held_keep(h);
	}
}

void held_resolve(struct peer *p, int ok)
{
	static uint8_t out[65536];
	struct held *h, *next;

	for (h = detach(p->hash, UINT64_MAX); h; h = next) {
		next = h->next;
		if (h->aaaa) {
			if (ok)
				aaaa_finish(p, h, out, sizeof out);
			else
				held_finish(h, NULL, 0);     /* stripped */
			continue;
		}
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
		if (!h->aaaa)
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

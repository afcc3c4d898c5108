/* One attempt to make a tunnel (see connect.h).  Steps, each with its own
 * wait and all under one overall deadline:
 *
 *   ADDR    the address to reach the server at: the peer's (from the A
 *           record or the peers file) if the host has a route to it, else
 *           an IPv6 address of the name (an AAAA record seen in an answer,
 *           or our own AAAA lookup of the pq1 name) that has a route
 *   TXT     short pq1 form only: TXT p= and TXT ks. in parallel
 *   KEYS    static keys: memory, disk cache, else fetch the key tree
 *   EPH     ephemeral key from the key server (retried every 300 ms), and
 *           in the same round trip an address cookie (proto/cookiemsg.h),
 *           asked for from the tunnel socket just before
 *           -> initiation from the tunnel socket (behind the cookie when
 *           there is one), tunnel installed: done
 *
 * A server name with several addresses: when another address is left to
 * try (p->addr_tries < p->naddrs, the lifecycle's), an attempt that has
 * heard nothing from the key server CLIENT_ADDR_SILENT_MS after it first
 * asked ends at once as unanswered, so that the lifecycle tries the next
 * address within the time a held DNS answer waits.
 *
 * Address cookies: the request goes out unless the server is known not to
 * answer it (a reference server: no answer twice in a row on a first try,
 * or three times after answering before); it is asked again an hour
 * later.  When the ephemeral key arrives first, the initiation waits for
 * the cookie at most COOKIE_WAIT_KNOWN_MS if the server has answered
 * before, COOKIE_WAIT_FIRST_MS if not (our server sends the cookie before
 * the key, so it normally comes first); then it goes out without one.
 * A cookie reply proves a pqconnect-c server: only then are its features
 * asked for (serverfeat.c), so the reference never sees that request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client/client.h"
#include "client/connect.h"
#include "client/serverfeat.h"
#include "client/fetch.h"
#include "client/session.h"
#include "client/txt.h"
#include "io/log.h"
#include "proto/cookiemsg.h"
#include "proto/endpoint.h"
#include "proto/handshake.h"
#include "proto/keytree.h"

enum cstate { CS_ADDR, CS_TXT, CS_KEYS, CS_EPH };

#define COOKIE_WAIT_FIRST_MS 5
#define COOKIE_WAIT_KNOWN_MS 30
#define COOKIE_RETRY_MS (3600 * 1000)
#define COOKIE_MAX_MISSES 3

struct conn {
	struct peer *p;
	connect_done_fn done;
	enum cstate st;
	uint64_t started;
	struct timer step, deadline;
	struct txtq *txt_p, *txt_ks;
	int port_p, port_ks, txt_wait;
	int ports_learnt;
	uint16_t cryptoport, keyport;   /* the ports this attempt uses */
	union sockaddr_any host;        /* the address this attempt uses (port unused) */
	int host_learnt;                /* host is not the peer's ext */
	struct txtq *aaaa;
	struct keyfetch *kf;
	struct ephfetch *ef;
	/* the address cookie and the ephemeral key, whichever comes first */
	int cookie_asked, have_cookie, have_eph;
	uint8_t cookie_nonce[CM_NONCE_LEN];
	uint8_t cookie[COOKIE_LEN];
	uint8_t eph_ntru[NTRU_PK_LEN], eph_x[X25519_LEN];
	struct timer cookie_wait;
	struct timer silent;            /* no answer from this address yet? */
	int asked, heard;               /* the key server was asked / has answered */
};

static void run(struct conn *c);

/* Stop everything the attempt has running and detach it from its peer. */
static void conn_release(struct conn *c)
{
	timer_cancel(&client.loop, &c->step);
	timer_cancel(&client.loop, &c->deadline);
	timer_cancel(&client.loop, &c->cookie_wait);
	timer_cancel(&client.loop, &c->silent);
	if (c->txt_p)
		txt_cancel(c->txt_p);
	if (c->txt_ks)
		txt_cancel(c->txt_ks);
	if (c->aaaa)
		txt_cancel(c->aaaa);
	if (c->kf)
		keyfetch_cancel(c->kf);
	if (c->ef)
		ephfetch_cancel(c->ef);
	connect_erase_prekey(c->p);
	c->p->conn = NULL;
}

static void finish(struct conn *c, int ok, const char *why)
{
	struct peer *p = c->p;
	connect_done_fn done = c->done;
	struct attempt_result r = { .ok = ok, .why = why, .ports_learnt = c->ports_learnt,
	                            .cryptoport = c->cryptoport, .keyport = c->keyport,
	                            .addr_learnt = c->host_learnt, .addr = c->host,
	                            .unanswered = !ok && c->asked && !c->heard };
	uint64_t now = now_ms();

	log_debug("attempt for %s ended after %llu ms: %s", p->hashtxt, (unsigned long long)(now - c->started), why);
	conn_release(c);
	free(c);
	done(p, &r, now);
}

static void on_deadline(struct loop *l, struct timer *t)
{
	struct conn *c = t->arg;
	static const char *const what[] = { "AAAA lookup", "TXT lookup", "key download", "ephemeral key" };
	(void)l;
	finish(c, 0, what[c->st]);
}

/* The key server is asked for the first time (keys or ephemeral key). */
static void first_ask(struct conn *c)
{
	if (c->asked)
		return;
	c->asked = 1;
	if (c->p->addr_tries < c->p->naddrs)
		timer_in(&client.loop, &c->silent, CLIENT_ADDR_SILENT_MS);
}

static void on_silent(struct loop *l, struct timer *t)
{
	struct conn *c = t->arg;
	(void)l;
	if (c->kf && keyfetch_nodes(c->kf) > 0)
		c->heard = 1;
	if (!c->heard)
		finish(c, 0, "no answer from the key server at this address");
}

static void to_state(struct conn *c, enum cstate st)
{
	c->st = st;
	timer_in(&client.loop, &c->step, 0);   /* continue from the loop, never re-entrantly */
}

static void use_host(struct conn *c, const union sockaddr_any *a)
{
	c->host = *a;
	c->host_learnt = !sa_same_host(a, &c->p->ext);
	if (c->host_learnt)
		log_info("Reaching %s at %s (%s)", c->p->hashtxt, sa_host_str(a),
		         c->p->ext.sa.sa_family ? "no route to its IPv4 address" : "it has no IPv4 address");
	to_state(c, CS_TXT);
}

static void on_aaaa(void *arg, const uint8_t (*addrs)[16], unsigned n)
{
	struct conn *c = arg;
	c->aaaa = NULL;
	for (unsigned i = 0; i < n; i++) {
		union sockaddr_any a;
		sa_from_addr16(&a, addrs[i], 0);
		/* never ::, ::1, multicast, link-local, v4-mapped (proto/endpoint.c) */
		if (a.sa.sa_family == AF_INET6 && endpoint_usable_outer(addrs[i], 0, 0) && udp_route_exists(&a)) {
			use_host(c, &a);
			return;
		}
	}
	finish(c, 0, n ? "no route to the server's addresses" : "no route to the server's IPv4 address and no AAAA record");
}

static void txt_done(struct conn *c)
{
	if (--c->txt_wait > 0)
		return;
	if (c->port_p < 0 || c->port_ks < 0) {
		finish(c, 0, "TXT records missing (short pq1 name needs p= and ks. records)");
		return;
	}
	c->cryptoport = (uint16_t)c->port_p;
	c->keyport = (uint16_t)c->port_ks;
	c->ports_learnt = 1;
	log_debug("ports from TXT: crypto %u, keys %u", c->cryptoport, c->keyport);
	to_state(c, CS_KEYS);
}

static void on_txt_p(void *arg, int port)
{
	struct conn *c = arg;
	c->txt_p = NULL;
	c->port_p = port;
	txt_done(c);
}

static void on_txt_ks(void *arg, int port)
{
	struct conn *c = arg;
	c->txt_ks = NULL;
	c->port_ks = port;
	txt_done(c);
}

/* Make the encapsulation for this attempt now (while the ephemeral key is
 * on its way), if the peer has none ready.  Never made ahead for a later
 * handshake: it would outlive the 2-minute erasure promise. */
static void prekey_fill(struct peer *p)
{
	if (p->have_pre || !p->mce_pk)
		return;
	p->have_pre = mce_enc(p->pre_c0, p->pre_k0, p->mce_pk) == 0;
}

void connect_erase_prekey(struct peer *p)
{
	wipe(p->pre_k0, sizeof p->pre_k0);
	wipe(p->pre_c0, sizeof p->pre_c0);
	p->have_pre = 0;
}

static void set_keys(struct peer *p, uint8_t *data /* KT_DATA_LEN, malloc'd: taken */)
{
	free(p->mce_pk);
	p->mce_pk = data;   /* M || X: the 32 bytes of X at the end are harmless */
	memcpy(p->x_pk, data + MCE_PK_LEN, 32);
	connect_erase_prekey(p);
}

static void on_keys(void *arg, const uint8_t *data)
{
	struct conn *c = arg;
	struct peer *p = c->p;
	c->kf = NULL;
	if (data)
		c->heard = 1;
	if (!data) {
		finish(c, 0, "key download failed");
		return;
	}
	uint8_t *copy = malloc(KT_DATA_LEN);
	if (!copy) {
		finish(c, 0, "out of memory");
		return;
	}
	memcpy(copy, data, KT_DATA_LEN);
	set_keys(p, copy);
	client_keycache_store(p->hash, data);
	log_debug("static keys of %s fetched in %llu ms", p->hashtxt,
	          (unsigned long long)(now_ms() - c->started));
	to_state(c, CS_EPH);
}

/* What the server's answers to our cookie requests tell: it answers them
 * (a grant it gave, restored from the state file, counts as an answer: see
 * session_server_is_ours),
 * or (after a miss on the first try, or COOKIE_MAX_MISSES in a row) it is
 * taken not to until COOKIE_RETRY_MS have passed. */
static void cookie_outcome(struct peer *p, int got, uint64_t now)
{
	if (got) {
		p->cookie_state = 1;
		p->cookie_misses = 0;
		return;
	}
	/* what a server here said of its features no longer holds: the
	 * server at this address does not answer as ours (an earlier answer
	 * may have come from another host a forged DNS answer named, or the
	 * name moved to a reference server) */
	if (p->inner6) {
		log_info("%s: no cookie reply from %s: inner IPv6 off until it answers again", p->hashtxt,
		         sa_host_str(&p->ext));
		p->inner6 = 0;
	}
	if (!session_server_is_ours(p) || ++p->cookie_misses >= COOKIE_MAX_MISSES) {
		if (p->cookie_state >= 0)
			log_debug("%s does not answer cookie requests: plain initiations for now", sa_host_str(&p->ext));
		p->cookie_state = -1;
		p->cookie_misses = 0;
		p->cookie_retry_at = now + COOKIE_RETRY_MS;
	}
}

/* Ask the key server for an address cookie, from the tunnel socket (the
 * cookie is bound to the address and port the initiation will come from). */
static void cookie_ask(struct conn *c, uint64_t now)
{
	struct peer *p = c->p;
	uint8_t req[CM_LEN];
	union sockaddr_any dst;

	if (p->cookie_state < 0 && now < p->cookie_retry_at)
		return;
	random_bytes(c->cookie_nonce, sizeof c->cookie_nonce);
	cookiemsg_req_build(req, c->cookie_nonce);
	dst = c->host;
	sa_set_port(&dst, c->keyport);
	if (udp_send(client.udpfd, req, sizeof req, &dst) == 0)
		c->cookie_asked = 1;
}

/* The ephemeral key is here (and the cookie, or no more waiting for it):
 * make and send the initiation, install the tunnel. */
static void initiate(struct conn *c)
{
	struct peer *p = c->p;
	uint8_t msg[HS_COOKIE_INIT_LEN], c0[MCE_CT_LEN], k0[KEM_SS_LEN];
	uint8_t *init = msg + HS_COOKIE_INIT_LEN - HS_INIT_LEN;   /* room for the cookie in front */
	struct hs_keys keys;
	union sockaddr_any dst;
	uint64_t now = now_ms();

	timer_cancel(&client.loop, &c->cookie_wait);
	if (c->cookie_asked) {
		cookie_outcome(p, c->have_cookie, now);
		if (!c->have_cookie)
			client.cnt.cookie_missing++;
	}
	prekey_fill(p);
	memcpy(c0, p->pre_c0, sizeof c0);
	memcpy(k0, p->pre_k0, sizeof k0);
	int have = p->have_pre;
	connect_erase_prekey(p);
	if (!have || hs_initiate(init, &keys, c0, k0, p->x_pk, c->eph_ntru, c->eph_x) != 0) {
		wipe(k0, sizeof k0);
		finish(c, 0, "handshake computation failed");
		return;
	}
	wipe(k0, sizeof k0);
	/* from the tunnel socket: the server learns our real port at once */
	dst = c->host;
	sa_set_port(&dst, c->cryptoport);
	const uint8_t *out = init;
	size_t len = HS_INIT_LEN;
	if (c->have_cookie) {
		cookiemsg_init_build(msg, c->cookie, init);
		out = msg;
		len = HS_COOKIE_INIT_LEN;
	}
	if (udp_send(client.udpfd, out, len, &dst) < 0) {
		wipe(&keys, sizeof keys);
		finish(c, 0, "cannot send the initiation");
		return;
	}
	if (c->have_cookie)
		client.cnt.init_cookie++;
	peer_install_tunnel(p, &keys, &dst, now);
	wipe(&keys, sizeof keys);
	log_debug("initiation%s sent to %s", c->have_cookie ? " with address cookie" : "", sa_str(&dst));
	finish(c, 1, "initiation sent, tunnel installed");
}

static void on_cookie_wait(struct loop *l, struct timer *t)
{
	(void)l;
	initiate(t->arg);
}

static void on_eph(void *arg, const uint8_t *ntru_pk, const uint8_t *x_pk)
{
	struct conn *c = arg;

	c->ef = NULL;
	if (ntru_pk)
		c->heard = 1;
	if (!ntru_pk) {
		finish(c, 0, "no ephemeral key from the key server");
		return;
	}
	memcpy(c->eph_ntru, ntru_pk, NTRU_PK_LEN);
	memcpy(c->eph_x, x_pk, X25519_LEN);
	c->have_eph = 1;
	if (c->have_cookie || !c->cookie_asked) {
		initiate(c);
		return;
	}
	timer_in(&client.loop, &c->cookie_wait, session_server_is_ours(c->p) ? COOKIE_WAIT_KNOWN_MS : COOKIE_WAIT_FIRST_MS);
}

void connect_cookie_reply(const uint8_t *d, size_t len, const union sockaddr_any *from, uint64_t now)
{
	const uint8_t *nonce, *cookie;
	(void)now;
	if (cookiemsg_reply_parse(d, len, &nonce, &cookie) < 0) {
		client.cnt.rx_cookie_stray++;
		return;
	}
	for (struct peer *p = peers_first(); p; p = p->next_all) {
		struct conn *c = p->conn;
		if (!c || !c->cookie_asked || c->have_cookie || !sa_same_host(from, &c->host) ||
		    sa_port(from) != c->keyport || memcmp(nonce, c->cookie_nonce, CM_NONCE_LEN))
			continue;
		memcpy(c->cookie, cookie, COOKIE_LEN);
		c->have_cookie = 1;
		c->heard = 1;
		client.cnt.rx_cookie++;
		/* a pqconnect-c server: what else does it offer? */
		features_ask(p, &c->host, c->keyport);
		if (c->have_eph)
			initiate(c);
		return;
	}
	client.cnt.rx_cookie_stray++;
	log_ratelimited(L_DEBUG, "rx_cookie", "cookie reply from %s that no attempt asked for", sa_str(from));
}

static void run(struct conn *c)
{
	struct peer *p = c->p;

	switch (c->st) {
	case CS_ADDR:
		if (p->ext.sa.sa_family && udp_route_exists(&p->ext)) {
			c->host = p->ext;
			c->st = CS_TXT;
			run(c);
			return;
		}
		if (p->ext6_hint.sa.sa_family && udp_route_exists(&p->ext6_hint)) {
			use_host(c, &p->ext6_hint);
			return;
		}
		if (!p->owner[0]) {
			finish(c, 0, p->ext.sa.sa_family ? "no route to the server" : "no address for the server");
			return;
		}
		c->aaaa = aaaa_lookup(p->owner, on_aaaa, c);
		if (!c->aaaa)
			finish(c, 0, "cannot start the AAAA lookup");
		return;
	case CS_TXT:
		if (p->have_ports) {
			c->cryptoport = p->cryptoport;
			c->keyport = p->keyport;
			c->st = CS_KEYS;
			run(c);
			return;
		}
		if (!p->owner[0]) {
			finish(c, 0, "no name for the TXT lookup");
			return;
		}
		char ks[DNS_MAX_NAME + 4];
		snprintf(ks, sizeof ks, "ks.%s", p->owner);
		c->port_p = c->port_ks = -1;
		c->txt_wait = 2;
		c->txt_p = txt_lookup(p->owner, 0, on_txt_p, c);
		c->txt_ks = txt_lookup(ks, 1, on_txt_ks, c);
		if (!c->txt_p || !c->txt_ks)
			finish(c, 0, "cannot start the TXT lookups");
		return;
	case CS_KEYS:
		if (!p->mce_pk) {
			uint8_t *data = client_keycache_load(p->hash);
			if (data) {
				set_keys(p, data);
				log_debug("static keys of %s from the disk cache", p->hashtxt);
			}
		}
		if (p->mce_pk) {
			c->st = CS_EPH;
			run(c);
			return;
		}
		c->kf = keyfetch_start(&c->host, c->keyport, p->hash, on_keys, c);
		first_ask(c);
		if (!c->kf)
			finish(c, 0, "cannot start the key download");
		return;
	case CS_EPH:
		/* first, so that the server answers it first */
		cookie_ask(c, now_ms());
		c->ef = ephfetch_start(&c->host, c->keyport, on_eph, c);
		first_ask(c);
		/* the encapsulation while the ephemeral key is on its way: made
		 * here, used within the attempt's deadline, erased in on_eph */
		prekey_fill(p);
		if (!c->ef)
			finish(c, 0, "cannot ask for the ephemeral key");
		return;
	}
}

static void on_step(struct loop *l, struct timer *t)
{
	(void)l;
	run(t->arg);
}

int connect_start(struct peer *p, connect_done_fn done)
{
	if (p->conn)
		return -1;
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	c->p = p;
	c->done = done;
	c->st = CS_ADDR;
	c->started = now_ms();
	timer_init(&c->step, on_step, c);
	timer_init(&c->deadline, on_deadline, c);
	timer_init(&c->cookie_wait, on_cookie_wait, c);
	timer_init(&c->silent, on_silent, c);
	timer_in(&client.loop, &c->deadline, CLIENT_CONNECT_DEADLINE_MS);
	p->conn = c;
	log_info("Connecting to peer at %s with pk hash %s", p->ext.sa.sa_family ? sa_host_str(&p->ext) : "(AAAA to look up)", p->hashtxt);
	timer_in(&client.loop, &c->step, 0);
	return 0;
}

void connect_abort(struct peer *p)
{
	struct conn *c = p->conn;
	if (!c)
		return;
	conn_release(c);
	free(c);
	connect_erase_prekey(p);
}

/* Connecting to one server (one connect per server hash; answers for the
 * same server join it).  States, each with its own wait and all under one
 * overall deadline:
 *
 *   VERIFY  (existing quiet tunnel) probe it; reply -> done, 400 ms -> TXT
 *   TXT     short pq1 form only: TXT p= and TXT ks. in parallel
 *   KEYS    static keys: memory, disk cache, else fetch the key tree
 *   EPH     ephemeral key from the key server (retried every 300 ms)
 *           -> initiation from the tunnel socket, tunnel installed
 *   PROBE   ICMP echo through the tunnel every 50 ms; reply -> done;
 *           400 ms without reply -> done anyway (ICMP may be filtered)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client/client.h"
#include "io/log.h"
#include "proto/handshake.h"
#include "proto/keytree.h"

#define VERIFY_MS 400
#define PROBE_EVERY_MS 50
#define PROBE_GIVEUP_MS 400

enum cstate { CS_VERIFY, CS_TXT, CS_KEYS, CS_EPH, CS_PROBE };

struct conn {
	struct peer *p;
	enum cstate st;
	uint64_t started, init_sent;
	struct timer step, deadline;
	struct txtq *txt_p, *txt_ks;
	int port_p, port_ks, txt_wait;
	struct keyfetch *kf;
	struct ephfetch *ef;
	int rehandshake;
};

static void run(struct conn *c);

/* The pre-made McEliece encapsulation lives only while one connect attempt
 * runs (at most CLIENT_CONNECT_DEADLINE_MS): it is made when the ephemeral
 * key is asked for and erased when the attempt ends, however it ends. */
static void prekey_wipe(struct peer *p)
{
	wipe(p->pre_k0, sizeof p->pre_k0);
	wipe(p->pre_c0, sizeof p->pre_c0);
	p->have_pre = 0;
}

/* Stop everything a connect attempt has running and detach it from its peer. */
static void conn_release(struct conn *c)
{
	timer_cancel(&client.loop, &c->step);
	timer_cancel(&client.loop, &c->deadline);
	if (c->txt_p)
		txt_cancel(c->txt_p);
	if (c->txt_ks)
		txt_cancel(c->txt_ks);
	if (c->kf)
		keyfetch_cancel(c->kf);
	if (c->ef)
		ephfetch_cancel(c->ef);
	prekey_wipe(c->p);
	c->p->conn = NULL;
}

static void finish(struct conn *c, int ok, const char *why)
{
	struct peer *p = c->p;
	uint64_t took = now_ms() - c->started;

	conn_release(c);
	if (ok && c->st == CS_VERIFY)
		log_debug("Tunnel to %s confirmed (%llu ms)", ip4_str(p->ext_ip), (unsigned long long)took);
	else if (ok)
		log_info("Tunnel up: %s <-> %s (%s) in %llu ms", ip4_str(p->int_addr), sa_str(&p->ep),
		         why, (unsigned long long)took);
	else
		log_warn("Connecting to %s failed after %llu ms: %s", ip4_str(p->ext_ip),
		         (unsigned long long)took, why);
	free(c);
	peer_connect_done(p, ok);
}

static void on_deadline(struct loop *l, struct timer *t)
{
	struct conn *c = t->arg;
	static const char *const what[] = { "probe", "TXT lookup", "key download", "ephemeral key", "probe" };
	finish(c, 0, what[c->st]);
}

/* -------------------------------------------------------------- steps -- */

static void to_state(struct conn *c, enum cstate st)
{
	c->st = st;
	timer_in(&client.loop, &c->step, 0);   /* continue from the loop, never re-entrantly */
}

static void txt_done(struct conn *c)
{
	struct peer *p = c->p;
	if (--c->txt_wait > 0)
		return;
	if (c->port_p < 0 || c->port_ks < 0) {
		finish(c, 0, "TXT records missing (short pq1 name needs p= and ks. records)");
		return;
	}
	p->cryptoport = (uint16_t)c->port_p;
	p->keyport = (uint16_t)c->port_ks;
	p->have_ports = 1;
	log_debug("ports from TXT: crypto %u, keys %u", p->cryptoport, p->keyport);
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

static void on_keys(void *arg, const uint8_t *data)
{
	struct conn *c = arg;
	struct peer *p = c->p;
	c->kf = NULL;
	if (!data) {
		finish(c, 0, "key download failed");
		return;
	}
	p->mce_pk = malloc(MCE_PK_LEN);
	if (!p->mce_pk) {
		finish(c, 0, "out of memory");
		return;
	}
	memcpy(p->mce_pk, data, MCE_PK_LEN);
	memcpy(p->x_pk, data + MCE_PK_LEN, 32);
	client_keycache_store(p, data);
	log_debug("static keys of %s fetched in %llu ms", p->hashtxt,
	          (unsigned long long)(now_ms() - c->started));
	to_state(c, CS_EPH);
}

static void on_eph(void *arg, const uint8_t *ntru_pk, const uint8_t *x_pk)
{
	struct conn *c = arg;
	struct peer *p = c->p;
	uint8_t msg[HS_INIT_LEN], c0[MCE_CT_LEN], k0[KEM_SS_LEN];
	struct hs_keys keys;
	union sockaddr_any dst;
	uint64_t now = now_ms();

	c->ef = NULL;
	if (!ntru_pk) {
		finish(c, 0, "no ephemeral key from the key server");
		return;
	}
	prekey_fill(p);
	memcpy(c0, p->pre_c0, sizeof c0);
	memcpy(k0, p->pre_k0, sizeof k0);
	wipe(p->pre_k0, sizeof p->pre_k0);
	int have = p->have_pre;
	p->have_pre = 0;
	if (!have || hs_initiate(msg, &keys, c0, k0, p->x_pk, ntru_pk, x_pk) != 0) {
		wipe(k0, sizeof k0);
		finish(c, 0, "handshake computation failed");
		return;
	}
	wipe(k0, sizeof k0);
	/* from the tunnel socket: the server learns our real port at once */
	sa_from_ip4(&dst, p->ext_ip, p->cryptoport);
	if (udp_send(client.udpfd, msg, sizeof msg, &dst) < 0) {
		wipe(&keys, sizeof keys);
		finish(c, 0, "cannot send the initiation");
		return;
	}
	peer_install_tunnel(p, &keys, now);
	wipe(&keys, sizeof keys);
	c->init_sent = now;
	log_debug("initiation sent to %s", sa_str(&dst));
	c->st = CS_PROBE;
	peer_send_probe(p, now);
	timer_in(&client.loop, &c->step, PROBE_EVERY_MS);
}

static void run(struct conn *c)
{
	struct peer *p = c->p;
	uint64_t now = now_ms();

	switch (c->st) {
	case CS_VERIFY:
		/* the probe went unanswered: a new handshake with the cached keys */
		log_info("Tunnel to %s silent: handshaking again", ip4_str(p->ext_ip));
		c->rehandshake = 1;
		c->st = CS_TXT;
		/* fall through */
	case CS_TXT:
		if (p->have_ports) {
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
		if (!p->mce_pk && client_keycache_load(p) == 0)
			log_debug("static keys of %s from the disk cache", p->hashtxt);
		if (p->mce_pk) {
			c->st = CS_EPH;
			run(c);
			return;
		}
		c->kf = keyfetch_start(p->ext_ip, p->keyport, p->hash, on_keys, c);
		if (!c->kf)
			finish(c, 0, "cannot start the key download");
		return;
	case CS_EPH:
		c->ef = ephfetch_start(p->ext_ip, p->keyport, on_eph, c);
		prekey_fill(p);       /* while the ephemeral key is on its way */
		if (!c->ef)
			finish(c, 0, "cannot ask for the ephemeral key");
		return;
	case CS_PROBE:
		if (now - c->init_sent >= PROBE_GIVEUP_MS) {
			finish(c, 1, "unconfirmed: no ICMP echo reply");
			return;
		}
		peer_send_probe(p, now);
		timer_in(&client.loop, &c->step, PROBE_EVERY_MS);
		return;
	}
}

static void on_step(struct loop *l, struct timer *t) { run(t->arg); }

static struct conn *conn_new(struct peer *p, enum cstate st)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->p = p;
	c->st = st;
	c->started = now_ms();
	timer_init(&c->step, on_step, c);
	timer_init(&c->deadline, on_deadline, c);
	timer_in(&client.loop, &c->deadline, CLIENT_CONNECT_DEADLINE_MS);
	p->conn = c;
	return c;
}

void connect_start(struct peer *p)
{
	if (p->conn)
		return;
	struct conn *c = conn_new(p, CS_TXT);
	if (!c)
		return;
	log_info("Connecting to peer at %s with pk hash %s", ip4_str(p->ext_ip), p->hashtxt);
	timer_in(&client.loop, &c->step, 0);
}

void connect_verify(struct peer *p)
{
	if (p->conn)
		return;
	struct conn *c = conn_new(p, CS_VERIFY);
	if (!c)
		return;
	peer_send_probe(p, c->started);
	timer_in(&client.loop, &c->step, VERIFY_MS);
}

void connect_probe_reply(struct peer *p)
{
	struct conn *c = p->conn;
	if (c && (c->st == CS_VERIFY || c->st == CS_PROBE))
		finish(c, 1, "confirmed by ICMP echo");
}

void connect_abort(struct peer *p)
{
	struct conn *c = p->conn;
	if (!c)
		return;
	conn_release(c);
	free(c);
}

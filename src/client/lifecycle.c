/* The life of a peer (see lifecycle.h).  Transitions, as WireGuard's
 * timers.c lists its timers:
 *
 *  state       event                                 next        action
 *  NEW, DOWN   DNS answer / app packet / static conf CONNECTING  start an attempt (answer held,
 *                                                                packets wait)
 *  CONNECTING  attempt made a tunnel, our server,    RESUMING    resumption claim sent (again
 *              a grant held                                      every 100 ms); packets wait
 *  CONNECTING  attempt made a tunnel                 VERIFYING   (our server: a claim asking for
 *                                                                a grant); waiting packets sent
 *                                                                (0-RTT); probe every 50 ms
 *  CONNECTING  attempt unanswered, another address   CONNECTING  the next address of the name
 *              of the name not tried, within 10 s                (answer still held, packets wait)
 *  RESUMING    grant (authenticated)                 UP          waiting packets sent; answers
 *                                                                rewritten
 *  RESUMING    1 s without a grant                   VERIFYING   waiting packets sent (0-RTT)
 *  CONNECTING  attempt failed                        BACKOFF     held answers released unchanged,
 *                                                                waiting packets: ICMP unreachable
 *  VERIFYING   probe reply                           UP          held answers rewritten; ifup
 *  VERIFYING   400 ms, new tunnel                    UP          trusted anyway (ICMP may be filtered)
 *  VERIFYING   400 ms, quiet tunnel                  CONNECTING  handshake again
 *  UP          DNS answer, heard within 10 s         UP          answer rewritten at once
 *  UP          DNS answer, quiet                     VERIFYING   one probe before trusting it
 *  UP          in use, sending, silent 10 s          UP          probe (every tick)
 *  UP          probing 5 s unanswered, tunnel dead
 *              or out of epochs, all pings lost      CONNECTING  handshake again (tunnel kept)
 *  UP          in use, nothing sent this epoch       UP          keepalive
 *  UP          idle and the tunnel expired           DOWN        tunnel dropped
 *  UP          restart hint for the current tunnel   VERIFYING   quiet: 400 ms to answer a probe,
 *              (at most once a second)                           else handshake again
 *  BACKOFF     DNS answer before retry_at            BACKOFF     answer passes unchanged
 *  BACKOFF     retry_at passed                       UP / DOWN   UP if the tunnel is still alive
 *  DOWN        static peer, `every` since last try   CONNECTING
 *  NEW         restored from the state file, with    CONNECTING  (the client restarted: an
 *              a grant                                           application may wait)
 *  any         kick (operator; backoff ignored)      CONNECTING
 *  any         forget, or unused for 10 min          (removed)   attempt aborted, answers
 *                                                                released, ifdown, keys erased
 * Whatever the state, a DNS answer for a tunnel that works and was heard
 * from within 10 s is rewritten at once (also during a re-handshake).
 * A high-security name (the name asked for is the pq1 name itself, seed
 * crypto.md) is never failed open: its answer is rewritten at once, an
 * attempt started if none runs (outside the backoff), and the
 * application's packets wait for the tunnel or get ICMP host unreachable;
 * they never leave unprotected. */
#include <string.h>
#include <stdio.h>
#include "client/lifecycle.h"
#include "client/client.h"
#include "io/log.h"

static struct lifecycle_hooks hk;

void lifecycle_set_hooks(const struct lifecycle_hooks *h) { hk = *h; }

static const char *label(const struct peer *p) { return p->name[0] ? p->name : p->hashtxt; }
static uint64_t every(const struct peer *p) { return p->every_ms ? p->every_ms : PF_DEFAULT_EVERY_MS; }

static uint64_t last_use(const struct peer *p)
{
	uint64_t m = p->last_app_tx > p->last_app_rx ? p->last_app_tx : p->last_app_rx;
	return m > p->last_dns ? m : p->last_dns;
}

int peer_in_use(const struct peer *p, uint64_t now)
{
	/* static peers are always in use: kept warm and pinged */
	return p->is_static || now - last_use(p) < CLIENT_IN_USE_MS;
}

const char *peer_state_name(const struct peer *p, uint64_t now)
{
	switch (p->state) {
	case PS_NEW: return "new";
	case PS_CONNECTING: return p->has_tunnel ? "rekeying" : "connecting";
	case PS_RESUMING: return "resuming";
	case PS_VERIFYING: return "verifying";
	case PS_UP: return peer_tunnel_usable(p, now) ? "up" : "expiring";
	case PS_BACKOFF: return "backoff";
	case PS_DOWN: return "down";
	}
	return "?";
}

static void set_state(struct peer *p, enum peer_state st, uint64_t now)
{
	p->state = st;
	p->state_since = now;
}

static void rearm(struct peer *p)
{
	uint64_t at = p->next_tick;
	if (p->state == PS_VERIFYING && p->verify_next < at)
		at = p->verify_next;
	if (p->state == PS_RESUMING && p->resume_next < at)
		at = p->resume_next;
	hk.arm(p, at);
}

static void iface(struct peer *p, int up)
{
	if (p->hook_up == up || (up && !p->is_static))
		return;
	p->hook_up = up;
	hk.iface(p, up);
}

static void remove_peer(struct peer *p)
{
	log_info("Removing peer %s (%s)", ip4_str(p->int_addr), sa_host_str(&p->ext));
	hk.removing(p);
	if (p->state == PS_CONNECTING)
		hk.attempt_abort(p);
	hk.answers_release(p, 0);
	hk.packets_release(p, 0);
	iface(p, 0);
	peertable_remove(p);
}

static void fail(struct peer *p, const char *why, uint64_t now)
{
	client.cnt.connect_fail++;
	log_warn("Connecting to %s failed after %llu ms: %s", sa_host_str(&p->ext), (unsigned long long)(now - p->last_try),
	         why);
	p->retry_at = now + CLIENT_FAIL_BACKOFF_MS;
	set_state(p, PS_BACKOFF, now);
	hk.answers_release(p, 0);
	/* packets may still use a tunnel that works (a failed re-handshake) */
	hk.packets_release(p, p->has_tunnel && tunnel_alive(&p->tun, now));
}

/* -> CONNECTING (or BACKOFF if nothing could start).  0 / -1. */
static int start(struct peer *p, uint64_t now)
{
	if (p->state == PS_CONNECTING)
		return 0;
	p->last_try = now;
	p->addr_tries = 1;
	p->probe_since = 0;
	set_state(p, PS_CONNECTING, now);
	if (hk.attempt_start(p) < 0) {
		fail(p, "the attempt could not start", now);
		return -1;
	}
	return 0;
}

static void verify(struct peer *p, int quiet, uint64_t now)
{
	set_state(p, PS_VERIFYING, now);
	p->verify_quiet = quiet;
	p->verify_until = now + (quiet ? VERIFY_QUIET_MS : VERIFY_NEW_MS);
	p->verify_next = now + VERIFY_EVERY_MS;
	hk.send_probe(p, now);
	rearm(p);
}

static void up(struct peer *p, const char *why, uint64_t now)
{
	uint64_t took = now - p->last_try;
	if (p->verify_quiet)
		log_debug("Tunnel to %s confirmed", sa_host_str(&p->ext));
	else
		log_info("Tunnel up: %s <-> %s (%s) in %llu ms", ip4_str(p->int_addr), sa_str(&p->ep), why,
		         (unsigned long long)took);
	set_state(p, PS_UP, now);
	p->retry_at = 0;
	p->probe_since = 0;
	iface(p, 1);
	hk.answers_release(p, 1);
	rearm(p);
}

struct peer *peer_ev_new(const uint8_t hash[32], uint32_t want, uint64_t now)
{
	struct peer *p = peertable_add(hash, want);
	if (!p)
		return NULL;
	p->created = p->last_dns = now;
	set_state(p, PS_NEW, now);
	p->next_tick = now + CLIENT_TICK_MS;
	hk.added(p, now);
	rearm(p);
	return p;
}

enum answer_use peer_ev_dns_answer(struct peer *p, const struct peer_location *loc, uint64_t now)
{
	p->last_dns = now;
	if (!p->is_static && p->state != PS_CONNECTING) {
		/* the answer is the freshest truth about where the server is
		 * (a static peer's address and ports come from the peers file);
		 * an address that made the tunnel stays while the name lists it */
		int keep = 0;
		int working = p->ext.sa.sa_family && peer_tunnel_usable(p, now) &&
		              now - p->last_auth_rx < CLIENT_SILENT_MS;
		p->naddrs = 0;
		for (unsigned i = 0; loc->addrs && i < loc->naddrs && p->naddrs < PEER_MAX_ADDRS; i++) {
			p->addrs[p->naddrs++] = loc->addrs[i];
			keep |= p->has_tunnel && p->ext.sa.sa_family == AF_INET && loc->addrs[i] == sa_ip4(&p->ext);
		}
		if (!keep && loc->addr.sa.sa_family)
			p->ext = loc->addr;
		else if (!keep && !working)
			memset(&p->ext, 0, sizeof p->ext);   /* no A record: the attempt looks up AAAA */
		/* (a NODATA answer leaves the address of a tunnel that works alone:
		 * a forged one must not make the next attempt fail) */
		if (loc->addr6.sa.sa_family)
			p->ext6_hint = loc->addr6;
		snprintf(p->owner, sizeof p->owner, "%s", loc->owner);
		if (loc->has_ports) {
			p->have_ports = 1;
			p->cryptoport = loc->cryptoport;
			p->keyport = loc->keyport;
		}
	}
	if (peer_tunnel_usable(p, now) && now - p->last_auth_rx < CLIENT_SILENT_MS)
		return ANSWER_REWRITE;
	if (loc->strict) {
		p->strict = 1;
		if (p->state == PS_UP && peer_tunnel_usable(p, now))
			verify(p, 1, now);
		else if (p->state == PS_NEW || p->state == PS_DOWN || p->state == PS_UP ||
		         (p->state == PS_BACKOFF && now >= p->retry_at))
			start(p, now);
		return ANSWER_REWRITE;
	}
	switch (p->state) {
	case PS_CONNECTING:
	case PS_RESUMING:
	case PS_VERIFYING:
		return ANSWER_HOLD;
	case PS_BACKOFF:
		if (now < p->retry_at) {
			/* it failed moments ago: do not make every lookup wait again */
			return ANSWER_PASS;
		}
		break;
	case PS_UP:
		if (peer_tunnel_usable(p, now)) {
			verify(p, 1, now);    /* quiet tunnel: one probe before trusting it */
			return ANSWER_HOLD;
		}
		break;
	case PS_NEW:
	case PS_DOWN:
		break;
	}
	return start(p, now) == 0 ? ANSWER_HOLD : ANSWER_PASS;
}

int peer_ev_app_packet(struct peer *p, uint64_t now)
{
	/* a known server whose tunnel is gone: handshake again on demand */
	if (p->state == PS_CONNECTING || p->state == PS_RESUMING)
		return 1;
	if (!p->have_ports && !p->owner[0])
		return 0;
	if (p->state == PS_NEW || p->state == PS_DOWN || (p->state == PS_BACKOFF && now >= p->retry_at))
		return start(p, now) == 0;
	return 0;
}

void peer_ev_auth_rx(struct peer *p, uint64_t now)
{
	p->last_auth_rx = now;
	p->probe_since = 0;
}

void peer_ev_probe_reply(struct peer *p, uint16_t seq, uint64_t now)
{
	hk.probe_reply(p, seq, now);
	if (p->state == PS_VERIFYING)
		up(p, "confirmed by ICMP echo", now);
}

/* An attempt got no word from the server's address: the next address of
 * the name, while some are untried and the round is young.  1 if an
 * attempt to it runs. */
static int next_address(struct peer *p, const struct attempt_result *r, uint64_t now)
{
	unsigned at = 0;
	if (!r->unanswered || p->is_static || p->addr_tries >= p->naddrs ||
	    now - p->last_try >= CLIENT_NEXT_ADDR_WITHIN_MS)
		return 0;
	uint32_t cur = p->ext.sa.sa_family == AF_INET ? sa_ip4(&p->ext) : 0;
	while (at < p->naddrs && p->addrs[at] != cur)
		at++;
	uint32_t next = at < p->naddrs ? p->addrs[(at + 1) % p->naddrs] : p->addrs[0];
	log_info("%s does not answer (%s): trying %s, address %u of %u", p->ext.sa.sa_family ? sa_host_str(&p->ext) : "the name",
	         r->why, ip4_str(next), p->addr_tries + 1, p->naddrs);
	client.cnt.connect_next_addr++;
	sa_from_ip4(&p->ext, next, 0);
	p->addr_tries++;
	if (hk.attempt_start(p) < 0)
		return 0;
	rearm(p);
	return 1;
}

void peer_ev_attempt_done(struct peer *p, const struct attempt_result *r, uint64_t now)
{
	if (p->state != PS_CONNECTING)
		return;
	if (r->ports_learnt) {
		p->have_ports = 1;
		p->cryptoport = r->cryptoport;
		p->keyport = r->keyport;
	}
	if (r->addr_learnt && r->addr.sa.sa_family == AF_INET6)
		p->ext6_hint = r->addr;   /* ext keeps the A record: either family can be moved to */
	if (!r->ok && next_address(p, r, now))
		return;
	if (!r->ok) {
		fail(p, r->why, now);
		rearm(p);
		return;
	}
	client.cnt.connect_ok++;
	p->last_auth_rx = now;     /* a fresh tunnel gets the benefit of the doubt */
	/* our server, and an address there to take back: the claim goes
	 * first, and the packets wait for its grant (from a fresh address,
	 * the server's kernel would answer them with resets) */
	if (hk.send_claim && hk.send_claim(p, now) == 1) {
		set_state(p, PS_RESUMING, now);
		p->resume_until = now + RESUME_WAIT_MS;
		p->resume_next = now + RESUME_EVERY_MS;
		rearm(p);
		return;
	}
	/* the handshake is 0-RTT: waiting packets go now, before any later one */
	hk.packets_release(p, 1);
	verify(p, 0, now);
}

void peer_ev_session_grant(struct peer *p, int resumed, uint64_t now)
{
	if (p->state != PS_RESUMING)
		return;
	if (resumed)
		client.cnt.sess_resumed++;
	hk.packets_release(p, 1);
	p->verify_quiet = 0;
	up(p, resumed ? "session resumed: the same address on the server" : "the server kept no session: a fresh address",
	   now);
}

static void resume_step(struct peer *p, uint64_t now)
{
	if (now < p->resume_until) {
		if (hk.send_claim)
			hk.send_claim(p, now);
		p->resume_next = now + RESUME_EVERY_MS;
		return;
	}
	log_warn("No answer from %s to the resumption claim: going on with a fresh address", sa_host_str(&p->ext));
	client.cnt.sess_no_grant++;
	hk.packets_release(p, 1);
	verify(p, 0, now);
}

void peer_ev_restart_hint(struct peer *p, uint64_t now)
{
	/* (no test of how recently the old tunnel answered: a restart under
	 * systemd takes a quarter of a second, and the hint right after it
	 * must count) */
	if (p->state != PS_UP || (p->hint_at && now - p->hint_at < HINT_GAP_MS)) {
		client.cnt.rx_hint_ignored++;
		return;
	}
	p->hint_at = now;
	client.cnt.rx_hint++;
	log_info("%s says it restarted: checking the tunnel now", sa_host_str(&p->ext));
	verify(p, 1, now);
}

struct peer *peer_ev_restored(const uint8_t hash[32], uint32_t want, const uint8_t server[16], uint16_t cryptoport,
                              uint16_t keyport, uint64_t now)
{
	struct peer *p = peer_ev_new(hash, want, now);
	if (!p)
		return NULL;
	sa_from_addr16(&p->ext, server, 0);
	p->have_ports = 1;
	p->cryptoport = cryptoport;
	p->keyport = keyport;
	return p;
}

void peer_ev_restored_start(struct peer *p, uint64_t now)
{
	if (p->state == PS_NEW) {
		start(p, now);
		rearm(p);
	}
}

void peer_ev_ping_lost(struct peer *p, uint64_t now)
{
	if (p->state != PS_UP)
		return;
	log_warn("reconnecting %s", label(p));
	client.cnt.reconnects++;
	start(p, now);
	rearm(p);
}

int peer_ev_kick(struct peer *p, uint64_t now, const char **why)
{
	if (p->state == PS_CONNECTING) {
		*why = "a handshake is already running";
		return -1;
	}
	if (!p->have_ports) {
		*why = "ports unknown (short pq1 name not looked up yet)";
		return -1;
	}
	log_info("kick %s: new handshake (the old tunnel stays until it expires)", label(p));
	if (start(p, now) < 0) {
		*why = "could not start a handshake";
		return -1;
	}
	rearm(p);
	return 0;
}

void peer_ev_aaaa(struct peer *p, const union sockaddr_any *a6)
{
	if (!p->is_static && a6->sa.sa_family == AF_INET6)
		p->ext6_hint = *a6;
}

void peer_ev_forget(struct peer *p)
{
	log_info("forget %s: tunnel ended, keys erased", label(p));
	remove_peer(p);
}

void peer_ev_config(struct peer *p, const struct pf_peer *pp, uint64_t now)
{
	union sockaddr_any addr;
	sa_from_addr16(&addr, pp->addr, 0);
	if (!sa_same_host(&p->ext, &addr) || p->cryptoport != pp->port || p->keyport != pp->keyport)
		log_info("static peer %s: %s crypto port %u key port %u", pp->name, sa_host_str(&addr), pp->port,
		         pp->keyport);
	p->is_static = 1;
	snprintf(p->name, sizeof p->name, "%s", pp->name);
	p->ext = addr;
	p->have_ports = 1;
	p->cryptoport = pp->port;
	p->keyport = pp->keyport;
	p->owner[0] = 0;          /* no DNS: ports and address come from the file */
	p->every_ms = pp->every_ms;
	p->timeout_ms = pp->timeout_ms;
	p->retries = pp->retries;
	if (!p->has_tunnel && p->state != PS_CONNECTING) {
		start(p, now);
		rearm(p);
	}
}

void peer_ev_unconfig(struct peer *p)
{
	log_info("%s is no longer a static peer", p->name);
	iface(p, 0);
	p->is_static = 0;
	p->name[0] = 0;
}

/* ------------------------------------------------------------- timers -- */

static void verify_step(struct peer *p, uint64_t now)
{
	if (now < p->verify_until) {
		hk.send_probe(p, now);
		p->verify_next = now + VERIFY_EVERY_MS;
		return;
	}
	if (!p->verify_quiet) {
		up(p, "unconfirmed: no ICMP echo reply", now);
		return;
	}
	log_info("Tunnel to %s silent: handshaking again", sa_host_str(&p->ext));
	start(p, now);
}

/* The housekeeping every CLIENT_TICK_MS.  0, or -1 if p was removed. */
static int tick(struct peer *p, uint64_t now)
{
	int in_use = peer_in_use(p, now);

	peer_tick_tunnels(p, now);
	if (p->state == PS_BACKOFF && now >= p->retry_at) {
		if (p->has_tunnel && tunnel_alive(&p->tun, now)) {
			/* still alive (a re-handshake failed): keep it; the UP rules
			 * below ask for a new handshake if it needs one */
			set_state(p, PS_UP, now);
			iface(p, 1);
		} else {
			peer_drop_tunnel(p);
			set_state(p, PS_DOWN, now);
		}
	}
	switch (p->state) {
	case PS_CONNECTING:
	case PS_RESUMING:
	case PS_VERIFYING:
	case PS_BACKOFF:
		break;          /* the attempt, the claim, the probe, the backoff have their own deadlines */
	case PS_NEW:
	case PS_DOWN:
		if (p->is_static) {
			/* TrIPE's connect keeps trying: every `every` */
			if (now - p->last_try >= every(p))
				start(p, now);
		} else if (now - last_use(p) > CLIENT_FORGET_MS) {
			remove_peer(p);
			return -1;
		}
		break;
	case PS_UP:
		if (!in_use) {
			/* idle: no keepalives; the tunnel is let go once it has died */
			if (now - last_use(p) > CLIENT_FORGET_MS) {
				remove_peer(p);
				return -1;
			}
			if (!tunnel_alive(&p->tun, now)) {
				log_info("Tunnel to %s (%s) idle and expired", sa_host_str(&p->ext), ip4_str(p->int_addr));
				peer_drop_tunnel(p);
				set_state(p, PS_DOWN, now);
			}
			break;
		}
		if (!tunnel_alive(&p->tun, now) || tunnel_needs_rekey(&p->tun) ||
		    (p->probe_since && now - p->probe_since > CLIENT_PROBE_DEAD_MS) ||
		    (hk.route_check && hk.route_check(p, now) < 0)) {
			log_info("Tunnel to %s (%s) looks dead: handshaking again", sa_host_str(&p->ext),
			         ip4_str(p->int_addr));
			start(p, now);
		} else if (now - p->last_app_tx < CLIENT_SILENT_MS && now - p->last_auth_rx > CLIENT_SILENT_MS) {
			/* we send, nothing comes back: ask the server's kernel */
			if (!p->probe_since)
				p->probe_since = now;
			hk.send_probe(p, now);
		} else if (now > p->tun.tx.expire) {
			/* nothing sent in this epoch yet: keep the peer's state alive */
			hk.send_keepalive(p, now);
		}
		break;
	}
	return 0;
}

void lifecycle_timer(struct peer *p, uint64_t now)
{
	if (p->state == PS_RESUMING && now >= p->resume_next)
		resume_step(p, now);
	if (p->state == PS_VERIFYING && now >= p->verify_next)
		verify_step(p, now);
	if (now >= p->next_tick) {
		p->next_tick = now + CLIENT_TICK_MS;
		if (tick(p, now) < 0)
			return;
	}
	rearm(p);
}

void lifecycle_shutdown(void)
{
	while (peers_first())
		remove_peer(peers_first());
}

/* Session resumption, the server's side (proto/sessionmsg.h has the
 * messages and the files).
 *   - A claim inside a tunnel: a valid proof for an address kept for its
 *     client (peers.c) moves the tunnel onto that address; anything else
 *     leaves the tunnel on the fresh address it got.  Either way the answer
 *     is a grant: the address the tunnel now has and its secret.  Only our
 *     clients send claims (the reference never does), so only they ever see
 *     a grant.
 *   - The state file (--state-dir DIR, file "sessions", 0600, atomic):
 *     every resumable address with its secret, the newest tunnel id on it
 *     and its endpoint; no traffic keys.  Read back at start (as untrusted
 *     input), so a restarted server honours the proofs of its clients.
 *   - Restart hints: at start, each restored client is told (an
 *     unauthenticated f6 00 with its old tunnel id) that the server is back;
 *     a tunnel packet with one of those old ids gets the same answer,
 *     rate-limited per source.  The client takes it only as a reason to
 *     check its tunnel at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "io/keyfiles.h"
#include "io/log.h"
#include "proto/sessionmsg.h"
#include "server/server.h"

#define STATE_FILE SESSION_STATE_FILE
#define SAVE_EVERY_MS 60000      /* rewritten at least this often while sessions exist (their "seen") */
#define HINT_EVERY_MS 200        /* per restored session */
#define ANNOUNCE_MAX_AGE_S 120   /* start-up hints only to endpoints alive this recently (a
                                  * NAT may have given an older one to someone else) */

/* The restored sessions' old tunnel ids, sorted (looked up for every
 * packet with an unknown TID: a binary search, no pointers kept). */
struct hint_entry { uint8_t tid[32]; uint32_t addr; };
static struct hint_entry *hints;
static size_t nhints;
static uint64_t last_save;

static void send_grant(struct server *s, struct peer *p, int resumed, const struct session *sess, uint64_t now)
{
	uint8_t pt[SM_GRANT_LEN];
	sessionmsg_grant_build(pt, resumed, sess->addr, sess->secret);
	uint8_t *out = udp_tx_slot(&s->tx);
	int n = tunnel_seal(&p->tun, out, UDP_BUFSZ, pt, sizeof pt, now);
	wipe(pt, sizeof pt);
	if (n < 0) {
		s->st.out_seal_fail++;
		return;
	}
	udp_tx_commit_from(&s->tx, (size_t)n, &p->ep, &p->local);     /* from the address the client uses */
}

void resume_message(struct server *s, struct peer *p, const uint8_t *pt, size_t len, uint64_t now)
{
	uint32_t addr;
	const uint8_t *proof;
	int resumed = 0;

	if (sessionmsg_claim_parse(pt, len, &addr, &proof) < 0) {
		s->st.sess_bad_msg++;
		log_ratelimited(L_DEBUG, "sess_msg", "Session message of %zu bytes from %s: not a claim, dropped", len,
		                sa_str(&p->ep));
		return;
	}
	if (addr) {
		struct session *sess = session_of(s, addr);
		if (!sess) {
			s->st.sess_claim_unknown++;
			log_ratelimited(L_INFO, "sess_unknown", "Peer %s claims %s, which is kept for nobody: it stays on %s",
			                sa_str(&p->ep), ip4_str(addr), ip4_str(p->addr));
		} else if (!sessionmsg_claim_check(proof, sess->secret, p->tun.tid, addr)) {
			s->st.sess_claim_bad++;
			log_ratelimited(L_WARNING, "sess_bad", "Peer %s claims %s with a wrong proof: refused, it stays on %s",
			                sa_str(&p->ep), ip4_str(addr), ip4_str(p->addr));
		} else {
			resumed = 1;
			if (addr != p->addr) {
				s->st.sess_resumed++;
				log_info("Session resumed: %s takes back internal IP %s (instead of %s)", sa_str(&p->ep),
				         ip4_str(addr), ip4_str(p->addr));
				peer_move_to(s, p, sess);
			}
		}
	}
	struct session *sess = session_add(s, p);
	if (!sess)
		return;
	if (!resumed)
		s->st.sess_granted++;
	send_grant(s, p, resumed, sess, now);
}

static int hint_cmp(const void *a, const void *b)
{
	return memcmp(((const struct hint_entry *)a)->tid, ((const struct hint_entry *)b)->tid, 32);
}

/* from: the local address the client's packet came to (a multi-homed
 * server answers from it: the client takes a hint only from its server's
 * address), or NULL at start-up (the kernel picks) */
static void send_hint(struct server *s, struct session *sess, const union sockaddr_any *to,
                      const struct udp_src *from, uint64_t now)
{
	uint8_t m[SM_HINT_LEN];
	sessionmsg_hint_build(m, sess->tid);
	uint8_t *out = udp_tx_slot(&s->tx);
	memcpy(out, m, sizeof m);
	if (from)
		udp_tx_commit_from(&s->tx, sizeof m, to, from);
	else
		udp_tx_commit(&s->tx, sizeof m, to);
	sess->hinted = now;
	s->st.sess_hints++;
}

int resume_unknown_tid(struct server *s, const uint8_t tid[32], const union sockaddr_any *from, uint64_t now)
{
	struct hint_entry key;
	if (!nhints)
		return 0;
	memcpy(key.tid, tid, 32);
	const struct hint_entry *e = bsearch(&key, hints, nhints, sizeof *hints, hint_cmp);
	if (!e)
		return 0;
	struct session *sess = session_of(s, e->addr);
	if (!sess || !sess->restored || memcmp(sess->tid, tid, 32))
		return 0;
	if (now - sess->hinted < HINT_EVERY_MS || !ratelimit_allow(&s->hint_rl, ratelimit_key(&from->sa), now)) {
		s->st.sess_hint_limited++;
		return 0;
	}
	send_hint(s, sess, from, &s->rx_local, now);
	log_ratelimited(L_INFO, "sess_hint", "Packet of an old tunnel from %s (internal %s): told it we restarted",
	                sa_str(from), ip4_str(sess->addr));
	return 1;
}

void resume_announce(struct server *s, uint64_t now)
{
	unsigned n = 0;
	uint64_t wall = wall_s();
	for (size_t i = 0; i < nhints; i++) {
		struct session *sess = session_of(s, hints[i].addr);
		if (!sess || !sess->restored || sess->seen + ANNOUNCE_MAX_AGE_S < wall)
			continue;
		send_hint(s, sess, &sess->ep, NULL, now);
		if (++n % 32 == 0)
			udp_tx_flush(&s->tx);
	}
	udp_tx_flush(&s->tx);
	if (n)
		log_info("Restart: told %u client%s of the last run that we are back", n, n == 1 ? "" : "s");
}

static void ep_from_rec(union sockaddr_any *ep, const struct sf_server_rec *r)
{
	memset(ep, 0, sizeof *ep);
	if (r->family == 4) {
		ep->in4.sin_family = AF_INET;
		memcpy(&ep->in4.sin_addr.s_addr, r->ip + 12, 4);
		ep->in4.sin_port = htons(r->port);
	} else {
		ep->in6.sin6_family = AF_INET6;
		memcpy(ep->in6.sin6_addr.s6_addr, r->ip, 16);
		ep->in6.sin6_port = htons(r->port);
	}
}

void resume_load(struct server *s, uint64_t now)
{
	size_t cap = statefile_server_size(SF_MAX_RECORDS), len = 0;
	uint64_t wall = wall_s();
	unsigned ok = 0, bad = 0, old = 0;

	ratelimit_init(&s->hint_rl, 5, 10, 2000, 2000);
	last_save = now;
	if (!s->statedir)
		return;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return;
	if (keyfile_read_upto(s->statedir, STATE_FILE, buf, cap, &len) < 0) {
		if (errno != ENOENT) {
			s->st.sess_load_bad++;
			log_warn("%s/%s: unreadable, no sessions restored", s->statedir, STATE_FILE);
		}
		free(buf);
		return;
	}
	long n = statefile_server_count(buf, len);
	if (n < 0) {
		s->st.sess_load_bad++;
		log_warn("%s/%s: not a session file of the right size (%zu bytes): ignored", s->statedir, STATE_FILE, len);
		n = 0;
	}
	hints = n ? calloc((size_t)n, sizeof *hints) : NULL;
	for (long i = 0; i < n && hints; i++) {
		struct sf_server_rec r;
		struct session *sess;
		if (statefile_server_rec_parse(buf, len, (size_t)i, &r) < 0) {
			bad++;
			continue;
		}
		/* up to a minute ahead (a clock stepped back) counts as now */
		if (r.seen > wall + 60 || (r.seen <= wall ? wall - r.seen : 0) > SESSION_HOLD_MS / 1000) {
			old++;
		} else if (!(sess = calloc(1, sizeof *sess))) {
			bad++;
		} else {
			sess->addr = r.addr;
			memcpy(sess->secret, r.secret, sizeof sess->secret);
			memcpy(sess->tid, r.tid, 32);
			ep_from_rec(&sess->ep, &r);
			sess->seen = r.seen;
			if (session_restore(s, sess, now) < 0) {
				wipe(sess, sizeof *sess);
				free(sess);
				bad++;
			} else {
				memcpy(hints[nhints].tid, r.tid, 32);
				hints[nhints++].addr = r.addr;
				ok++;
			}
		}
		wipe(&r, sizeof r);
	}
	wipe(buf, len);
	free(buf);
	if (nhints)
		qsort(hints, nhints, sizeof *hints, hint_cmp);
	s->st.sess_loaded += ok;
	s->st.sess_load_bad += bad;
	log_info("Sessions: %u restored from %s/%s (%u unusable, %u too old)", ok, s->statedir, STATE_FILE, bad, old);
}

void resume_save(struct server *s, int force)
{
	uint64_t now = now_ms();
	if (!s->statedir || (!force && !s->sessions_dirty && (now - last_save < SAVE_EVERY_MS || !s->nsessions)))
		return;
	size_t len = statefile_server_size(s->nsessions);
	uint8_t *buf = malloc(len);
	if (!buf) {
		s->st.sess_save_fail++;
		return;
	}
	uint64_t wall = wall_s();
	uint32_t n = 0;
	for (long i = 0; i < ADDRPOOL_MAX && n < s->nsessions; i++) {
		const struct session *sess = s->sessions[i];
		if (!sess)
			continue;
		struct sf_server_rec r = { .addr = sess->addr, .seen = s->by_host[i] ? wall : sess->seen };
		memcpy(r.secret, sess->secret, sizeof r.secret);
		memcpy(r.tid, sess->tid, 32);
		const union sockaddr_any *ep = s->by_host[i] ? &s->by_host[i]->ep : &sess->ep;
		r.family = ep->sa.sa_family == AF_INET6 ? 6 : 4;
		r.port = sa_port(ep);
		sa_addr16(ep, r.ip);
		if (!r.port)        /* (a record without a port would not parse back) */
			r.port = s->cryptoport;
		statefile_server_rec_build(buf + statefile_server_size(n), &r);
		wipe(&r, sizeof r);
		n++;
	}
	statefile_server_header(buf, n);
	len = statefile_server_size(n);
	if (s->statedir_fd < 0 || keyfile_write_at(s->statedir_fd, STATE_FILE, buf, len, 0600) < 0) {
		s->st.sess_save_fail++;
		log_ratelimited(L_WARNING, "sess_save", "%s/%s: could not be written", s->statedir, STATE_FILE);
	} else {
		s->st.sess_saved++;
		s->sessions_dirty = 0;
	}
	last_save = now;
	wipe(buf, len);
	free(buf);
}

void resume_free(void)
{
	free(hints);
	hints = NULL;
	nhints = 0;
}

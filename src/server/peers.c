/* The server's peer table: a hash table by tunnel id and an array by
 * internal host number.  A peer is created only by a handshake that
 * authenticated, and an existing tunnel id is never replaced.
 *
 * Peers that have not yet sent an authenticated packet are also on a list,
 * oldest first.  When the address pool is full, a handshake takes the
 * address of the oldest of them: a flood of valid initiations (each makes a
 * peer that never speaks) would otherwise hold every address for the two
 * minutes a silent tunnel lives, and no new client could get in.
 *
 * Resumable addresses (struct session, handed out by resume.c) are kept
 * here too, by host number: the pool bit of such an address stays set
 * while the session exists, so no other client gets it while its owner
 * re-handshakes; once no peer holds it, it is kept SESSION_HOLD_MS (or
 * until the pool runs out, oldest first), then freed. */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "io/log.h"
#include "server/server.h"

int peers_init(struct server *s)
{
	s->tid_buckets = 4096;
	s->by_tid = calloc(s->tid_buckets, sizeof *s->by_tid);
	s->by_host = calloc(ADDRPOOL_MAX, sizeof *s->by_host);
	s->sessions = calloc(ADDRPOOL_MAX, sizeof *s->sessions);
	return s->by_tid && s->by_host && s->sessions ? 0 : -1;
}

static void peer_drop(struct server *s, struct peer *p);
static int session_evict_oldest(struct server *s);

static unsigned tid_bucket(const struct server *s, const uint8_t tid[32])
{
	/* the TID is uniformly random: its first bytes are a fine hash */
	return (unsigned)(tid[0] | tid[1] << 8 | tid[2] << 16) % s->tid_buckets;
}

struct peer *peer_by_tid(struct server *s, const uint8_t tid[32])
{
	for (struct peer *p = s->by_tid[tid_bucket(s, tid)]; p; p = p->tid_next)
		if (!memcmp(p->tun.tid, tid, 32))
			return p;
	return NULL;
}

struct peer *peer_by_addr(struct server *s, uint32_t addr)
{
	long i = addrpool_index(&s->pool, addr);
	return i < 0 ? NULL : s->by_host[i];
}

struct peer *peer_add(struct server *s, const struct hs_keys *k, const union sockaddr_any *from, uint64_t now)
{
	struct peer *p;
	uint32_t addr;
	unsigned b = tid_bucket(s, k->tid);

	if (peer_by_tid(s, k->tid)) {
		s->st.hs_tid_exists++;
		return NULL;
	}
	int got = addrpool_alloc(&s->pool, &addr) == 0;
	if (!got && s->new_head) {
		struct peer *old = s->new_head;
		s->st.peers_evicted++;
		log_ratelimited(L_WARNING, "peer_evict", "Address pool full: peer %s (internal %s), silent for %llu ms, "
		                "removed for a new one", sa_str(&old->ep), ip4_str(old->addr),
		                (unsigned long long)(now - old->established));
		peer_drop(s, old);
		got = addrpool_alloc(&s->pool, &addr) == 0;
	}
	if (!got && session_evict_oldest(s) == 0)
		got = addrpool_alloc(&s->pool, &addr) == 0;
	if (!got) {
		s->st.hs_no_address++;
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		addrpool_free(&s->pool, addr);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	tunnel_init(&p->tun, k, 0, now);
	p->addr = addr;
	p->ep = *from;        /* always with its port, whatever it is (§7.4 step 11) */
	p->established = now;
	p->tid_next = s->by_tid[b];
	s->by_tid[b] = p;
	s->by_host[addrpool_index(&s->pool, addr)] = p;
	p->new_prev = s->new_tail;
	if (s->new_tail)
		s->new_tail->new_next = p;
	else
		s->new_head = p;
	s->new_tail = p;
	s->npeers++;
	return p;
}

static void new_unlink(struct server *s, struct peer *p)
{
	if (p->new_prev)
		p->new_prev->new_next = p->new_next;
	else if (s->new_head == p)
		s->new_head = p->new_next;
	if (p->new_next)
		p->new_next->new_prev = p->new_prev;
	else if (s->new_tail == p)
		s->new_tail = p->new_prev;
	p->new_prev = p->new_next = NULL;
}

void peer_mark_alive(struct server *s, struct peer *p)
{
	if (p->alive)
		return;
	p->alive = 1;
	new_unlink(s, p);
}

/* Out of every table, address freed, keys erased. */
static void peer_drop(struct server *s, struct peer *p)
{
	struct peer **pp = &s->by_tid[tid_bucket(s, p->tun.tid)];
	while (*pp && *pp != p)
		pp = &(*pp)->tid_next;
	if (*pp)
		*pp = p->tid_next;
	long i = addrpool_index(&s->pool, p->addr);
	if (i >= 0)
		s->by_host[i] = NULL;
	if (i >= 0 && s->sessions[i])
		s->sessions[i]->released = now_ms();    /* the address stays reserved for its owner */
	else
		addrpool_free(&s->pool, p->addr);
	if (!p->alive)
		new_unlink(s, p);
	/* no data thread holds p: they use peers under the read lock only,
	 * and this runs under the write lock (or with no data threads) */
	pthread_mutex_destroy(&p->mu);
	tunnel_wipe(&p->tun);
	free(p);
	s->npeers--;
}

void peer_remove(struct server *s, struct peer *p, const char *why)
{
	log_info("Removing peer %s (internal %s): %s", sa_str(&p->ep), ip4_str(p->addr), why);
	peer_drop(s, p);
	s->st.peers_removed++;
}

static void session_free(struct server *s, long i)
{
	struct session *sess = s->sessions[i];
	if (!s->by_host[i])
		addrpool_free(&s->pool, sess->addr);
	wipe(sess, sizeof *sess);
	free(sess);
	s->sessions[i] = NULL;
	s->nsessions--;
	s->sessions_dirty = 1;
}

/* The pool is full: the address held longest for a client that has not
 * come back is given up.  0, or -1 if every session has a peer. */
static int session_evict_oldest(struct server *s)
{
	long best = -1;
	for (long i = 0; s->nsessions && i < ADDRPOOL_MAX; i++)
		if (s->sessions[i] && !s->by_host[i] && (best < 0 || s->sessions[i]->released < s->sessions[best]->released))
			best = i;
	if (best < 0)
		return -1;
	s->st.sess_evicted++;
	log_ratelimited(L_WARNING, "sess_evict", "Address pool full: %s, kept for a client to resume, given up",
	                ip4_str(s->sessions[best]->addr));
	session_free(s, best);
	return 0;
}

struct session *session_of(struct server *s, uint32_t addr)
{
	long i = addrpool_index(&s->pool, addr);
	return i < 0 ? NULL : s->sessions[i];
}

struct session *session_add(struct server *s, struct peer *p)
{
	long i = addrpool_index(&s->pool, p->addr);
	if (i < 0)
		return NULL;
	if (s->sessions[i])
		return s->sessions[i];
	struct session *sess = calloc(1, sizeof *sess);
	if (!sess)
		return NULL;
	sess->addr = p->addr;
	random_bytes(sess->secret, sizeof sess->secret);
	memcpy(sess->tid, p->tun.tid, 32);
	sess->ep = p->ep;
	sess->seen = wall_s();
	s->sessions[i] = sess;
	s->nsessions++;
	s->sessions_dirty = 1;
	return sess;
}

void peer_move_to(struct server *s, struct peer *p, struct session *sess)
{
	long to = addrpool_index(&s->pool, sess->addr), from = addrpool_index(&s->pool, p->addr);
	if (to < 0 || from < 0 || to == from)
		return;
	if (s->by_host[to])
		peer_remove(s, s->by_host[to], "its client resumed the address in a new tunnel");
	/* p's fresh address goes back (or stays held, if it had a session) */
	s->by_host[from] = NULL;
	if (s->sessions[from])
		s->sessions[from]->released = now_ms();
	else
		addrpool_free(&s->pool, p->addr);
	p->addr = sess->addr;
	s->by_host[to] = p;
	sess->released = 0;
	sess->restored = 0;
	memcpy(sess->tid, p->tun.tid, 32);
	sess->ep = p->ep;
	sess->seen = wall_s();
	s->sessions_dirty = 1;
}

int session_restore(struct server *s, struct session *sess, uint64_t now)
{
	long i = addrpool_index(&s->pool, sess->addr);
	if (i < 0 || s->sessions[i] || addrpool_take(&s->pool, sess->addr) < 0)
		return -1;
	sess->released = now ? now : 1;
	sess->restored = 1;
	s->sessions[i] = sess;
	s->nsessions++;
	return 0;
}

void peers_housekeeping(struct server *s, uint64_t now)
{
	for (long i = 0; s->nsessions && i < ADDRPOOL_MAX; i++) {
		struct session *sess = s->sessions[i];
		if (!sess)
			continue;
		if (s->by_host[i]) {
			sess->seen = wall_s();
			sess->ep = s->by_host[i]->ep;
		} else if (now - sess->released > SESSION_HOLD_MS) {
			s->st.sess_expired++;
			log_info("Address %s no longer kept for its client (not back within %d min)", ip4_str(sess->addr),
			         SESSION_HOLD_MS / 60000);
			session_free(s, i);
		}
	}
	for (unsigned b = 0; b < s->tid_buckets; b++) {
		struct peer *p = s->by_tid[b], *next;
		for (; p; p = next) {
			next = p->tid_next;
			tunnel_tick(&p->tun, now);
			if (!tunnel_alive(&p->tun, now))
				peer_remove(s, p, "tunnel expired");
		}
	}
}

void sessions_clear(struct server *s)
{
	for (long i = 0; s->nsessions && i < ADDRPOOL_MAX; i++)
		if (s->sessions[i])
			session_free(s, i);
}

void peers_free(struct server *s)
{
	for (unsigned b = 0; b < s->tid_buckets; b++)
		while (s->by_tid[b])
			peer_remove(s, s->by_tid[b], "shutting down");
	sessions_clear(s);
	free(s->by_tid);
	free(s->by_host);
	free(s->sessions);
}

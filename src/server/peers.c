/* The server's peer table: a hash table by tunnel id and an array by
 * internal host number.  A peer is created only by a handshake that
 * authenticated, and an existing tunnel id is never replaced.
 *
 * Peers that have not yet sent an authenticated packet are also on a list,
 * oldest first.  When the address pool is full, a handshake takes the
 * address of the oldest of them: a flood of valid initiations (each makes a
 * peer that never speaks) would otherwise hold every address for the two
 * minutes a silent tunnel lives, and no new client could get in. */
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
	return s->by_tid && s->by_host ? 0 : -1;
}

static void peer_drop(struct server *s, struct peer *p);

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
	if (!got) {
		s->st.hs_no_address++;
		return NULL;
	}
	p = calloc(1, sizeof *p);
	if (!p) {
		addrpool_free(&s->pool, addr);
		return NULL;
	}
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
	addrpool_free(&s->pool, p->addr);
	if (!p->alive)
		new_unlink(s, p);
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

void peers_housekeeping(struct server *s, uint64_t now)
{
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

void peers_free(struct server *s)
{
	for (unsigned b = 0; b < s->tid_buckets; b++)
		while (s->by_tid[b])
			peer_remove(s, s->by_tid[b], "shutting down");
	free(s->by_tid);
	free(s->by_host);
}

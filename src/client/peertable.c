/* The peer table: peers by server hash, by tunnel id (current and replaced
 * tunnels) and by internal address, and each peer's tunnels.  Nothing here
 * decides anything about a peer's life (lifecycle.c does) or does I/O. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "client/peer.h"
#include "core/addrpool.h"
#include "io/log.h"
#include "proto/base32.h"

static struct {
	struct addrpool pool;
	struct peer **by_host;          /* pool.size entries */
	struct peer *all;
	unsigned n;
	struct peer *by_hash[256], *by_tid[256], *by_oldtid[256];
} tab;

static unsigned bucket(const uint8_t *b) { return b[0]; }

int peertable_init(uint32_t tun_addr, int maskbits)
{
	if (addrpool_init(&tab.pool, tun_addr, maskbits) < 0)
		return -1;
	tab.by_host = calloc(tab.pool.size, sizeof *tab.by_host);
	return tab.by_host ? 0 : -1;
}

void peertable_free(void)
{
	while (tab.all)
		peertable_remove(tab.all);
	free(tab.by_host);
	tab.by_host = NULL;
}

struct peer *peers_first(void) { return tab.all; }
unsigned peers_count(void) { return tab.n; }
int peertable_is_internal(uint32_t addr) { return addrpool_in_subnet(&tab.pool, addr); }

struct peer *peer_by_hash(const uint8_t hash[32])
{
	for (struct peer *p = tab.by_hash[bucket(hash)]; p; p = p->next_hash)
		if (!memcmp(p->hash, hash, 32))
			return p;
	return NULL;
}

struct peer *peer_by_tid(const uint8_t tid[32])
{
	for (struct peer *p = tab.by_tid[bucket(tid)]; p; p = p->next_tid)
		if (p->has_tunnel && !memcmp(p->tun.tid, tid, 32))
			return p;
	return NULL;
}

struct peer *peer_by_oldtid(const uint8_t tid[32])
{
	for (struct peer *p = tab.by_oldtid[bucket(tid)]; p; p = p->next_oldtid)
		if (p->has_old && !memcmp(p->old.tid, tid, 32))
			return p;
	return NULL;
}

struct peer *peer_by_addr(uint32_t int_addr)
{
	long i = addrpool_index(&tab.pool, int_addr);
	return i < 0 ? NULL : tab.by_host[i];
}

struct peer *peer_find(const char *name)
{
	size_t n = strlen(name);
	struct peer *hit = NULL;
	int hits = 0;

	for (struct peer *p = tab.all; p; p = p->next_all)
		if ((p->name[0] && !strcmp(p->name, name)) || !strcmp(ip4_str(p->int_addr), name) ||
		    !strcasecmp(p->hashtxt, name))
			return p;
	/* a unique hash prefix, or the external address */
	for (struct peer *p = tab.all; p; p = p->next_all)
		if ((n >= 4 && n <= 52 && !strncasecmp(p->hashtxt, name, n)) || !strcmp(sa_host_str(&p->ext), name)) {
			hit = p;
			hits++;
		}
	return hits == 1 ? hit : NULL;
}

static void tid_unlink(struct peer *p)
{
	for (struct peer **pp = &tab.by_tid[bucket(p->tun.tid)]; *pp; pp = &(*pp)->next_tid)
		if (*pp == p) {
			*pp = p->next_tid;
			break;
		}
	p->next_tid = NULL;
}

static void oldtid_unlink(struct peer *p)
{
	for (struct peer **pp = &tab.by_oldtid[bucket(p->old.tid)]; *pp; pp = &(*pp)->next_oldtid)
		if (*pp == p) {
			*pp = p->next_oldtid;
			break;
		}
	p->next_oldtid = NULL;
}

static void drop_old(struct peer *p)
{
	if (!p->has_old)
		return;
	oldtid_unlink(p);
	tunnel_wipe(&p->old);
	p->has_old = 0;
}

void peer_drop_tunnel(struct peer *p)
{
	drop_old(p);
	if (p->has_tunnel) {
		tid_unlink(p);
		tunnel_wipe(&p->tun);
		p->has_tunnel = 0;
	}
}

void peer_install_tunnel(struct peer *p, const struct hs_keys *k, const union sockaddr_any *ep, uint64_t now)
{
	if (p->has_tunnel) {
		/* keep the replaced tunnel for packets still under way (kick,
		 * re-handshake): its receive epochs expire by themselves */
		drop_old(p);
		tid_unlink(p);
		memcpy(&p->old, &p->tun, sizeof p->old);
		memset(&p->tun, 0, sizeof p->tun);   /* its key blocks now belong to old */
		p->has_old = 1;
		p->next_oldtid = tab.by_oldtid[bucket(p->old.tid)];
		tab.by_oldtid[bucket(p->old.tid)] = p;
	}
	tunnel_init(&p->tun, k, 1, now);
	p->last_handshake = now;
	p->has_tunnel = 1;
	p->next_tid = tab.by_tid[bucket(p->tun.tid)];
	tab.by_tid[bucket(p->tun.tid)] = p;
	p->ep = *ep;
}

void peer_tick_tunnels(struct peer *p, uint64_t now)
{
	if (p->has_old) {
		tunnel_tick(&p->old, now);
		if (!tunnel_alive(&p->old, now))
			drop_old(p);
	}
	if (p->has_tunnel)
		tunnel_tick(&p->tun, now);
}

int peer_tunnel_usable(const struct peer *p, uint64_t now)
{
	return p->has_tunnel && tunnel_alive(&p->tun, now) && !tunnel_needs_rekey(&p->tun);
}

struct peer *peertable_add(const uint8_t hash[32], uint32_t want)
{
	struct peer *p;
	uint32_t addr = want;

	if (want ? addrpool_take(&tab.pool, want) < 0 : addrpool_alloc(&tab.pool, &addr) < 0)
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p) {
		addrpool_free(&tab.pool, addr);
		return NULL;
	}
	memcpy(p->hash, hash, 32);
	base32_encode(p->hashtxt, hash, 32);
	p->hashtxt[52] = 0;
	p->int_addr = addr;
	random_bytes(&p->probe_id, sizeof p->probe_id);
	tab.by_host[addrpool_index(&tab.pool, addr)] = p;
	p->next_hash = tab.by_hash[bucket(hash)];
	tab.by_hash[bucket(hash)] = p;
	p->next_all = tab.all;
	tab.all = p;
	tab.n++;
	return p;
}

void peertable_remove(struct peer *p)
{
	struct peer **pp;

	peer_drop_tunnel(p);
	for (pp = &tab.by_hash[bucket(p->hash)]; *pp; pp = &(*pp)->next_hash)
		if (*pp == p) {
			*pp = p->next_hash;
			break;
		}
	for (pp = &tab.all; *pp; pp = &(*pp)->next_all)
		if (*pp == p) {
			*pp = p->next_all;
			break;
		}
	tab.by_host[addrpool_index(&tab.pool, p->int_addr)] = NULL;
	addrpool_free(&tab.pool, p->int_addr);
	tab.n--;
	free(p->mce_pk);
	wipe(p, sizeof *p);
	free(p);
}

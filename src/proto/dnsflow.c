/* Marked DNS-over-TCP connections: see dnsflow.h. */
#include <string.h>
#include "proto/dnsflow.h"

void dnsflow_key_of(struct dnsflow_key *k, const uint8_t *pkt, const struct tcppkt *t, int from_server)
{
	const uint8_t *src, *dst;
	size_t alen = t->family == 4 ? 4 : 16;
	memset(k, 0, sizeof *k);
	k->family = (uint8_t)t->family;
	src = t->family == 4 ? pkt + 12 : pkt + 8;
	dst = t->family == 4 ? pkt + 16 : pkt + 24;
	memcpy(k->host, from_server ? dst : src, alen);
	memcpy(k->server, from_server ? src : dst, alen);
	k->host_port = from_server ? t->dport : t->sport;
	k->server_port = from_server ? t->sport : t->dport;
}

static int same(const struct dnsflow_key *a, const struct dnsflow_key *b)
{
	return a->family == b->family && a->host_port == b->host_port && a->server_port == b->server_port &&
	       !memcmp(a->host, b->host, 16) && !memcmp(a->server, b->server, 16);
}

/* A mark is never dropped for silence alone (a resolver that waits out
 * any idle limit would then send its answer cut, unchecked): only the
 * host's own reset or a new connection on the same ports ends it, or, when
 * the table is full, the mark that has been idle longest, if that is over
 * DNSFLOW_IDLE_MS. */
struct dnsflow *dnsflow_find(struct dnsflow_table *tb, const struct dnsflow_key *k, uint64_t now)
{
	(void)now;
	for (unsigned i = 0; i < DNSFLOW_MAX; i++) {
		struct dnsflow *f = &tb->f[i];
		if (f->used && same(&f->key, k))
			return f;
	}
	return NULL;
}

int dnsflow_mark(struct dnsflow_table *tb, const struct dnsflow_key *k, uint32_t server_next, uint64_t now)
{
	struct dnsflow *f = dnsflow_find(tb, k, now), *slot = NULL;
	if (f) {
		f->seen = now;
		return 0;
	}
	struct dnsflow *oldest = NULL;
	for (unsigned i = 0; i < DNSFLOW_MAX && !slot; i++) {
		if (!tb->f[i].used)
			slot = &tb->f[i];
		else if (!oldest || tb->f[i].seen < oldest->seen)
			oldest = &tb->f[i];
	}
	if (!slot && oldest && now - oldest->seen > DNSFLOW_IDLE_MS) {
		slot = oldest;          /* full: the longest idle gives way */
		tb->n--;
	}
	if (!slot)
		return -1;
	memset(slot, 0, sizeof *slot);
	slot->used = 1;
	slot->key = *k;
	slot->seen = now;
	slot->next_seq = server_next;
	tb->n++;
	return 0;
}

void dnsflow_forget(struct dnsflow_table *tb, const struct dnsflow_key *k)
{
	for (unsigned i = 0; i < DNSFLOW_MAX; i++)
		if (tb->f[i].used && same(&tb->f[i].key, k)) {
			tb->f[i].used = 0;
			tb->n--;
		}
}

enum dnsflow_pos dnsflow_position(const struct dnsflow *f, uint32_t seq, size_t len)
{
	if (len == 0 || len > UINT32_MAX)
		return DNSFLOW_ELSEWHERE;
	if (seq == f->next_seq)
		return DNSFLOW_NEXT;
	if (f->last_len && seq == f->last_seq && len == f->last_len)
		return DNSFLOW_REPEAT;
	return DNSFLOW_ELSEWHERE;
}

void dnsflow_passed(struct dnsflow *f, uint32_t seq, size_t len, uint64_t now)
{
	f->seen = now;
	if (seq == f->next_seq) {          /* (a repeat leaves the position alone) */
		f->last_seq = seq;
		f->last_len = (uint32_t)len;
		f->next_seq = seq + (uint32_t)len;
	}
}

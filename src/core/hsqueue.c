/* The handshake queue's policy (see hsqueue.h).  Linear scans over the
 * flows of a lane: at most HSQ_SLOTS of them. */
#include <string.h>

#include "core/hsqueue.h"

void hsq_key_from_addr(struct hsq_key *k, const uint8_t addr[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(k, 0, sizeof *k);
	if (!memcmp(addr, mapped, sizeof mapped)) {
		k->b[0] = 4;
		memcpy(k->b + 1, addr + 12, 3);
	} else {
		k->b[0] = 6;
		memcpy(k->b + 1, addr, 8);
	}
}

void hsq_init(struct hsq *q)
{
	memset(q, 0, sizeof *q);
	for (int i = 0; i < HSQ_SLOTS; i++) {
		q->job_flow[i] = -1;
		q->flow[i].next = i + 1 < HSQ_SLOTS ? i + 1 : -1;
	}
	q->free_flow = 0;
	q->rr[HSQ_PLAIN] = q->rr[HSQ_COOKIE] = -1;
}

static int flow_find(const struct hsq *q, int lane, const struct hsq_key *k)
{
	int first = q->rr[lane], f = first;
	if (f < 0)
		return -1;
	do {
		if (!memcmp(&q->flow[f].key, k, sizeof *k))
			return f;
		f = q->flow[f].next;
	} while (f != first);
	return -1;
}

/* A new flow, placed last in the ring (served after every waiting flow). */
static int flow_new(struct hsq *q, int lane, const struct hsq_key *k)
{
	int f = q->free_flow;
	if (f < 0)
		return -1;              /* cannot happen: a flow holds at least one job */
	struct hsq_flow *fl = &q->flow[f];
	q->free_flow = fl->next;
	fl->key = *k;
	fl->lane = lane;
	fl->head = fl->tail = -1;
	fl->count = 0;
	int first = q->rr[lane];
	if (first < 0) {
		fl->prev = fl->next = f;
		q->rr[lane] = f;
	} else {
		int last = q->flow[first].prev;
		fl->prev = last;
		fl->next = first;
		q->flow[last].next = f;
		q->flow[first].prev = f;
	}
	return f;
}

static void flow_free(struct hsq *q, int f)
{
	struct hsq_flow *fl = &q->flow[f];
	int lane = fl->lane;
	if (fl->next == f)
		q->rr[lane] = -1;
	else {
		q->flow[fl->prev].next = fl->next;
		q->flow[fl->next].prev = fl->prev;
		if (q->rr[lane] == f)
			q->rr[lane] = fl->next;
	}
	fl->next = q->free_flow;
	q->free_flow = f;
}

void hsq_push(struct hsq *q, int job, enum hsq_lane lane, const struct hsq_key *k)
{
	if (job < 0 || job >= HSQ_SLOTS || q->job_flow[job] >= 0)
		return;
	int f = flow_find(q, lane, k);
	if (f < 0 && (f = flow_new(q, lane, k)) < 0)
		return;
	struct hsq_flow *fl = &q->flow[f];
	q->job_next[job] = -1;
	q->job_flow[job] = f;
	if (fl->tail >= 0)
		q->job_next[fl->tail] = job;
	else
		fl->head = job;
	fl->tail = job;
	fl->count++;
	q->queued[lane]++;
}

/* Take the oldest job of flow f; the flow is freed when it runs empty. */
static int flow_take(struct hsq *q, int f)
{
	struct hsq_flow *fl = &q->flow[f];
	int job = fl->head;
	fl->head = q->job_next[job];
	if (fl->head < 0)
		fl->tail = -1;
	fl->count--;
	q->queued[fl->lane]--;
	q->job_flow[job] = -1;
	if (fl->count == 0)
		flow_free(q, f);
	return job;
}

int hsq_pop(struct hsq *q)
{
	for (int lane = HSQ_COOKIE; lane >= HSQ_PLAIN; lane--) {
		int f = q->rr[lane];
		if (f < 0)
			continue;
		/* the next flow's turn comes next, whether this one empties or not */
		q->rr[lane] = q->flow[f].next;
		return flow_take(q, f);
	}
	return -1;
}

static int fattest(const struct hsq *q, int lane)
{
	int first = q->rr[lane], f = first, best = -1;
	if (f < 0)
		return -1;
	do {
		if (best < 0 || q->flow[f].count > q->flow[best].count)
			best = f;
		f = q->flow[f].next;
	} while (f != first);
	return best;
}

int hsq_evict(struct hsq *q, enum hsq_lane lane, const struct hsq_key *k)
{
	int victim_lane = lane, f;
	if (lane == HSQ_COOKIE && q->queued[HSQ_PLAIN] > 0) {
		/* a proven source goes before any unproven one */
		f = fattest(q, HSQ_PLAIN);
		return f < 0 ? -1 : flow_take(q, f);
	}
	f = fattest(q, victim_lane);
	if (f < 0)
		return -1;
	int own = flow_find(q, victim_lane, k);
	int own_count = own < 0 ? 0 : q->flow[own].count;
	if (q->flow[f].count <= own_count)
		return -1;              /* its own flow is (one of) the largest */
	return flow_take(q, f);
}

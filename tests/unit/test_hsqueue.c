/* The handshake queue's policy: flow keys (/24, /64), the cookie lane goes
 * first, flows are served round robin, and when full an arrival pushes out
 * the oldest job of the fattest flow (any plain one for a cookie arrival)
 * or is dropped when its own flow is the fattest; a long flood of
 * one network leaves every other network its turn. */
#include "check.h"
#include "core/hsqueue.h"

static struct hsq q;

static struct hsq_key k4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t ad[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d };
	struct hsq_key k;
	hsq_key_from_addr(&k, ad);
	return k;
}

static struct hsq_key k6(uint16_t w3, uint16_t w7)
{
	uint8_t ad[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, (uint8_t)(w3 >> 8), (uint8_t)w3,
	                   0, 0, 0, 0, 0, 0, (uint8_t)(w7 >> 8), (uint8_t)w7 };
	struct hsq_key k;
	hsq_key_from_addr(&k, ad);
	return k;
}

static int same(struct hsq_key a, struct hsq_key b) { return !memcmp(&a, &b, sizeof a); }

static void keys(void)
{
	CHECK_MSG(same(k4(192, 0, 2, 20), k4(192, 0, 2, 99)), "IPv4: one /24, one flow");
	CHECK_MSG(!same(k4(192, 0, 2, 20), k4(192, 0, 3, 20)), "IPv4: another /24, another flow");
	CHECK_MSG(same(k6(1, 1), k6(1, 0xffff)), "IPv6: one /64, one flow");
	CHECK_MSG(!same(k6(1, 1), k6(2, 1)), "IPv6: another /64, another flow");
	struct hsq_key a = k4(0, 0, 0, 1), b = k6(0, 1);
	CHECK_MSG(!same(a, b) && a.b[0] == 4 && b.b[0] == 6, "IPv4 and IPv6 never share a flow");
}

static void order(void)
{
	struct hsq_key a = k4(198, 18, 0, 1), b = k4(203, 0, 113, 7), c = k4(192, 0, 2, 20);
	int got[8], n = 0, j;

	hsq_init(&q);
	CHECK_MSG(hsq_pop(&q) == -1 && hsq_total(&q) == 0, "empty: nothing to pop");
	for (int i = 0; i < 4; i++)
		hsq_push(&q, i, HSQ_PLAIN, &a);      /* jobs 0..3 from network a */
	hsq_push(&q, 4, HSQ_PLAIN, &b);              /* job 4 from network b */
	hsq_push(&q, 5, HSQ_COOKIE, &c);             /* job 5 with a cookie, last in */
	CHECK(hsq_total(&q) == 6 && q.queued[HSQ_COOKIE] == 1);
	while ((j = hsq_pop(&q)) >= 0 && n < 8)
		got[n++] = j;
	CHECK_MSG(n == 6 && got[0] == 5, "the cookie lane goes first");
	CHECK_MSG(got[1] == 0 && got[2] == 4 && got[3] == 1 && got[4] == 2 && got[5] == 3,
	          "round robin: a, b, then a's remaining in order");
	CHECK_MSG(hsq_total(&q) == 0 && q.rr[0] == -1 && q.rr[1] == -1, "empty again, no flow left");
	hsq_push(&q, 7, HSQ_PLAIN, &a);
	hsq_push(&q, 7, HSQ_PLAIN, &b);
	CHECK_MSG(hsq_total(&q) == 1, "a job already queued is not queued twice");
	CHECK(hsq_pop(&q) == 7 && hsq_pop(&q) == -1);
}

static void eviction(void)
{
	struct hsq_key flood = k4(198, 18, 0, 1), ref = k4(192, 0, 2, 20), ours = k4(192, 0, 2, 30);
	int v;

	/* one network fills the queue */
	hsq_init(&q);
	for (int i = 0; i < HSQ_SLOTS; i++)
		hsq_push(&q, i, HSQ_PLAIN, &flood);
	CHECK_MSG(hsq_evict(&q, HSQ_PLAIN, &flood) == -1, "full: the flooding network's next one is dropped");
	v = hsq_evict(&q, HSQ_PLAIN, &ref);
	CHECK_MSG(v == 0, "another network's initiation takes the flood's oldest slot");
	hsq_push(&q, v, HSQ_PLAIN, &ref);
	v = hsq_evict(&q, HSQ_PLAIN, &ref);
	CHECK_MSG(v == 1, "and again while its flow is the smaller");
	hsq_push(&q, v, HSQ_PLAIN, &ref);
	v = hsq_evict(&q, HSQ_COOKIE, &ours);
	CHECK_MSG(v == 2, "a cookie initiation takes a slot of the fattest plain flow");
	hsq_push(&q, v, HSQ_COOKIE, &ours);
	CHECK_MSG(hsq_pop(&q) == 2, "and is served first");
	CHECK_MSG(hsq_pop(&q) == 3 && hsq_pop(&q) == 0 && hsq_pop(&q) == 4, "then the flood and the other network alternate");

	/* a queue full of cookie initiations from two networks of equal size */
	hsq_init(&q);
	for (int i = 0; i < HSQ_SLOTS; i++)
		hsq_push(&q, i, HSQ_COOKIE, i % 2 ? &ours : &ref);
	CHECK_MSG(hsq_evict(&q, HSQ_COOKIE, &ours) == -1, "cookie lane full of flows as large as its own: dropped");
	CHECK_MSG(hsq_evict(&q, HSQ_PLAIN, &flood) == -1, "a plain initiation never takes a cookie slot");
	v = hsq_evict(&q, HSQ_COOKIE, &flood);
	CHECK_MSG(v == 0, "a cookie initiation of a new network takes the oldest of a fattest cookie flow");

	/* plain lane full of 256 networks with one each (a wide flood): a new
	 * network still gets in, in place of the oldest; then its own flow is
	 * as large as any, and its next is dropped */
	hsq_init(&q);
	for (int i = 0; i < HSQ_SLOTS; i++) {
		struct hsq_key k = k4(10, (uint8_t)(i >> 8), (uint8_t)i, 1);
		hsq_push(&q, i, HSQ_PLAIN, &k);
	}
	v = hsq_evict(&q, HSQ_PLAIN, &ref);
	CHECK_MSG(v == 0, "all flows of one: a new network takes the oldest");
	hsq_push(&q, v, HSQ_PLAIN, &ref);
	CHECK_MSG(hsq_evict(&q, HSQ_PLAIN, &ref) == -1, "then its own flow is as large as any: dropped");
	CHECK_MSG(hsq_evict(&q, HSQ_COOKIE, &ours) == 1, "a cookie initiation takes the next oldest");
}

/* A simulation: a flood from 4 networks keeps the queue full (8 arrivals
 * per service), one reference client's initiation arrives in the middle:
 * it must be served within a round of the flows, not after the backlog. */
static void fairness(void)
{
	struct hsq_key fl[4] = { k4(198, 18, 0, 1), k4(198, 18, 1, 1), k4(198, 18, 2, 1), k4(198, 18, 3, 1) };
	struct hsq_key ref = k4(192, 0, 2, 20);
	int free_top = 0, freelist[HSQ_SLOTS], owner[HSQ_SLOTS];
	int served_at = -1, dropped = 0;

	hsq_init(&q);
	for (int i = 0; i < HSQ_SLOTS; i++)
		freelist[i] = i;
	free_top = HSQ_SLOTS;
	for (int step = 0; step < 2000 && served_at < 0; step++) {
		for (int a = 0; a < 8; a++) {
			int is_ref = step == 1000 && a == 0;
			const struct hsq_key *k = is_ref ? &ref : &fl[(step * 8 + a) % 4];
			int j = free_top ? freelist[--free_top] : hsq_evict(&q, HSQ_PLAIN, k);
			if (j < 0) {
				dropped += is_ref;
				continue;
			}
			owner[j] = is_ref;
			hsq_push(&q, j, HSQ_PLAIN, k);
		}
		int j = hsq_pop(&q);
		if (j >= 0) {
			if (owner[j] && step >= 1000)
				served_at = step - 1000;
			freelist[free_top++] = j;
		}
	}
	CHECK_MSG(dropped == 0, "the reference client's initiation is taken into the full queue");
	CHECK_MSG(served_at >= 0 && served_at <= 5, "and served within one round of the five flows");
	printf("# served %d services after it arrived (the queue held %d)\n", served_at, HSQ_SLOTS);
}

int main(void)
{
	keys();
	order();
	eviction();
	fairness();
	return check_done();
}

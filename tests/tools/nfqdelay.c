/* nfqdelay: a userspace stand-in for `tc netem delay D reorder P` (the test
 * machine's kernel has no sch_netem), for tests/e2e/faults.
 *
 *   nfqdelay QUEUE DELAY_MS REORDER_PERCENT
 *
 * Every packet sent to netfilter queue QUEUE is held DELAY_MS and then
 * accepted, except REORDER_PERCENT of them, picked at random, which are
 * accepted at once and so overtake the held ones (netem's reordering).
 * Packet loss is left to an nftables `numgen random` rule.  Held packets
 * are verdicted in arrival order; verdicts may be given in any order, so
 * nothing blocks.  Counters go to stdout once a second:
 *   nfqdelay: seen N delayed N reordered N
 * Use the rule with `bypass`, so traffic flows again if this process ends. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/crypto.h"
#include "io/loop.h"
#include "io/nfq.h"

#define HELD_MAX 8192

static struct {
	struct loop loop;
	struct nfqueue *q;
	struct timer release, report;
	uint64_t delay_ms;
	unsigned reorder;
	uint32_t id[HELD_MAX];
	uint64_t due[HELD_MAX];
	unsigned head, count;
	uint64_t seen, delayed, reordered, overflow;
} nd;

static void arm(void)
{
	if (nd.count)
		timer_at(&nd.loop, &nd.release, nd.due[nd.head]);
}

static void on_release(struct loop *l, struct timer *t)
{
	uint64_t now = now_ms();
	(void)l;
	(void)t;
	while (nd.count && nd.due[nd.head] <= now) {
		nfqueue_accept(nd.q, nd.id[nd.head]);
		nd.head = (nd.head + 1) % HELD_MAX;
		nd.count--;
	}
	arm();
}

static void on_report(struct loop *l, struct timer *t)
{
	printf("nfqdelay: seen %llu delayed %llu reordered %llu overflow %llu\n",
	       (unsigned long long)nd.seen, (unsigned long long)nd.delayed,
	       (unsigned long long)nd.reordered, (unsigned long long)nd.overflow);
	fflush(stdout);
	timer_in(l, t, 1000);
}

static void on_packet(struct nfqueue *q, uint32_t id, const uint8_t *pkt, size_t len, void *arg)
{
	uint32_t r;
	(void)pkt;
	(void)len;
	(void)arg;
	nd.seen++;
	random_bytes(&r, sizeof r);
	if (r % 100 < nd.reorder || nd.count == HELD_MAX) {
		if (nd.count == HELD_MAX)
			nd.overflow++;
		else if (nd.count)
			nd.reordered++;   /* overtakes the held packets */
		nfqueue_accept(q, id);
		return;
	}
	unsigned tail = (nd.head + nd.count) % HELD_MAX;
	nd.id[tail] = id;
	nd.due[tail] = now_ms() + nd.delay_ms;
	nd.count++;
	nd.delayed++;
	if (nd.count == 1)
		arm();
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: nfqdelay QUEUE DELAY_MS REORDER_PERCENT\n");
		return 2;
	}
	nd.delay_ms = strtoull(argv[2], NULL, 10);
	nd.reorder = (unsigned)atoi(argv[3]);
	if (crypto_init() < 0 || loop_init(&nd.loop) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	nd.q = nfqueue_open(&nd.loop, (uint16_t)atoi(argv[1]), on_packet, NULL);
	if (!nd.q) {
		fprintf(stderr, "nfqdelay: cannot bind queue %s\n", argv[1]);
		return 1;
	}
	timer_init(&nd.release, on_release, NULL);
	timer_init(&nd.report, on_report, NULL);
	timer_in(&nd.loop, &nd.report, 1000);
	printf("nfqdelay: queue %s, delay %llu ms, reorder %u%%\n", argv[1],
	       (unsigned long long)nd.delay_ms, nd.reorder);
	fflush(stdout);
	loop_run(&nd.loop);
	return 0;
}

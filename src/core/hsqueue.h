/* The handshake queue's policy: which queued initiation a worker takes
 * next, and which one gives way when every job is taken.  Pure (indices in,
 * indices out), no locking: server/hspool.c holds its mutex around it.
 *
 * Two lanes.  COOKIE: initiations that carried a valid address cookie
 * (core/cookie.h): their source can receive, so they are not part of a
 * flood from forged sources.  PLAIN: every other initiation (reference
 * clients, and anything forged).  Workers take from COOKIE first; PLAIN gets
 * what COOKIE leaves.
 *
 * Within a lane, initiations are grouped in flows by source prefix (/24 of
 * an IPv4 address, /64 of an IPv6 one) and the flows are served round
 * robin, one initiation each: a network that sends a thousand initiations
 * waits its turn like one that sends one.
 *
 * When all HSQ_SLOTS jobs are taken an arrival may push out a queued one
 * (hsq_evict): a COOKIE arrival takes the oldest initiation of the fattest
 * PLAIN flow (or, with PLAIN empty, of the fattest COOKIE flow if that one
 * holds more than the arrival's own); a PLAIN arrival takes the oldest of
 * the fattest PLAIN flow if that one holds more than the arrival's own flow.
 * Otherwise the arrival is dropped.  So a queue full of one network's
 * initiations still takes every other network's, and a cookie initiation is
 * only ever refused when the queue is full of cookie initiations of flows at
 * most as large as its own.
 *
 * Memory is fixed: HSQ_SLOTS jobs, and at most as many flows. */
#ifndef PQC_HSQUEUE_H
#define PQC_HSQUEUE_H
#include <stdint.h>

#define HSQ_SLOTS 256

enum hsq_lane { HSQ_PLAIN = 0, HSQ_COOKIE = 1, HSQ_LANES = 2 };

/* 4 then the first 3 bytes (IPv4 /24), or 6 then the first 8 (IPv6 /64) */
struct hsq_key { uint8_t b[9]; };

struct hsq_flow {
	struct hsq_key key;
	int lane;
	int head, tail;                 /* its jobs, oldest first (via job_next) */
	int count;
	int prev, next;                 /* the lane's round-robin ring; next: free list */
};

struct hsq {
	int job_next[HSQ_SLOTS];
	int job_flow[HSQ_SLOTS];        /* -1: the job is not queued */
	struct hsq_flow flow[HSQ_SLOTS];
	int free_flow;
	int rr[HSQ_LANES];              /* a flow of the ring (the next served), -1 if none */
	int queued[HSQ_LANES];
};

/* The flow key of an address (IPv4 as v4-mapped IPv6). */
void hsq_key_from_addr(struct hsq_key *k, const uint8_t addr[16]);

void hsq_init(struct hsq *q);
/* Queue job (0..HSQ_SLOTS-1, not queued now) in lane under key. */
void hsq_push(struct hsq *q, int job, enum hsq_lane lane, const struct hsq_key *k);
/* The job to run next (taken out of the queue), or -1 if none is queued. */
int hsq_pop(struct hsq *q);
/* The queue is full and an initiation of lane/k arrives: the queued job it
 * replaces (taken out of the queue), or -1: drop the arrival. */
int hsq_evict(struct hsq *q, enum hsq_lane lane, const struct hsq_key *k);
static inline int hsq_total(const struct hsq *q) { return q->queued[HSQ_PLAIN] + q->queued[HSQ_COOKIE]; }
#endif

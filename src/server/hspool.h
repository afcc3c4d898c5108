/* Handshake workers: the McEliece decapsulation and the ephemeral steps of
 * an initiation (about 270 µs of CPU) run on threads of their own, so that
 * the event loop, which moves the packets of the existing tunnels, never
 * waits for them, and a server with several cores accepts handshakes on all
 * of them.
 *
 * The event loop does the cheap checks (length, cookie, rate limit,
 * replay), takes a job (a bounded pool, so a flood cannot build a queue of
 * seconds: when every job is taken, the queue's policy in core/hsqueue.h
 * either frees a queued job of a fatter flow or a lower lane for the
 * arrival, or drops the arrival; both are counted), copies in the message,
 * the source and the accepted ephemeral secret keys, and submits it.  The
 * workers take jobs in the order of that policy: initiations with a valid
 * address cookie first, then the others round robin by source prefix.  A worker runs it and signals the eventfd; the loop then finishes the
 * handshake (replay cache, peer table, log) and releases the job, which
 * erases it.  A job that waited longer than HSPOOL_STALE_MS in the queue is
 * not run: its initiator has given up or sent another.
 *
 * With 0 threads nothing is started: hspool_submit() runs the job in the
 * caller's thread. */
#ifndef PQC_HSPOOL_H
#define PQC_HSPOOL_H
#include <pthread.h>
#include <stdint.h>
#include "core/ephkeys.h"
#include "core/hsqueue.h"
#include "io/udp.h"
#include "proto/handshake.h"

#define HSPOOL_MAX_THREADS 16
#define HSPOOL_JOBS HSQ_SLOTS       /* 256 */
#define HSPOOL_STALE_MS 1000
#define HSPOOL_NICE 10          /* the workers yield to the event loop */

enum hs_result { HSJ_OK, HSJ_C1, HSJ_C3, HSJ_STALE };

/* The long-term secret keys an initiation may be made for: the current
 * key, and during a key rotation the next one (server/reload.c).  The
 * initiation does not say which: the workers decapsulate under each in
 * turn until c1 opens, so while a next key is held an initiation for it
 * (and any garbage) costs two decapsulations instead of one. */
#define HSPOOL_KEYS 2
struct hs_longterm {
	int n;
	const uint8_t *mce_sk[HSPOOL_KEYS];
	const uint8_t *x_sk[HSPOOL_KEYS];
};

struct hs_job {
	/* in */
	uint8_t msg[HS_INIT_LEN];
	union sockaddr_any from;
	uint64_t t_recv;                /* now_ms() when it arrived */
	enum hsq_lane lane;             /* where it queues (core/hsqueue.h) */
	struct hsq_key key;             /* its source prefix */
	int ncand;
	struct {
		uint8_t x_sk[X25519_LEN];
		uint8_t ntru_sk[NTRU_SK_LEN];
	} cand[EPH_SLOTS];
	/* out */
	enum hs_result result;
	int key_index;                  /* HSJ_OK: which long-term key opened c1 (0: current) */
	struct hs_keys keys;
	int queued;                     /* submitted, not yet taken back by hspool_done */
	int next;                       /* ring / free-list link */
};

struct hspool {
	int nthreads, started, running;
	pthread_t th[HSPOOL_MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hs_job *jobs;            /* HSPOOL_JOBS */
	int free_top;                   /* LIFO of free jobs (hot ones reused first) */
	struct hsq todo;                /* submitted jobs, by lane and source prefix */
	int done_head, done_tail;       /* FIFO of finished jobs */
	int queued;                     /* jobs with queued set */
	int stop;
	int efd;                        /* eventfd: finished jobs are waiting */
	struct hs_longterm lt;          /* long-term secrets, read-only; replaced only by hspool_set_keys */
	unsigned lt_gen;                /* bumped by each hspool_set_keys */
	int busy[2];                    /* workers running a job, by parity of the lt_gen they took */
};

/* Allocates the jobs and the eventfd; starts nthreads workers (0: none).
 * 0, or -1 with a log line. */
int hspool_start(struct hspool *p, int nthreads, const uint8_t *mce_sk, const uint8_t *x_sk);
/* Replace the long-term keys (1 or 2; the first is the current one).
 * Returns once no worker uses the previous ones any more: the caller may
 * then erase and free them.  Called from the event loop only. */
void hspool_set_keys(struct hspool *p, const struct hs_longterm *lt);
/* A free job for an initiation of this lane and source prefix.  When all
 * are taken, the queue's policy may take back a queued job for it (its
 * initiation is dropped, the job erased: *evicted is set to 1); else NULL. */
struct hs_job *hspool_get(struct hspool *p, enum hsq_lane lane, const struct hsq_key *key, int *evicted);
/* Hands a filled job (lane and key set) to the workers: 0.  With 0 threads it is run at once
 * instead: 1, and the caller finishes and releases it itself.
 * submit and done are the event loop's: it may read p->queued and each
 * job's queued and from without the lock (only it writes them). */
int hspool_submit(struct hspool *p, struct hs_job *j);
/* The next finished job, or NULL.  Clears the eventfd when none is left. */
struct hs_job *hspool_done(struct hspool *p);
/* Erases the job and returns it to the free list. */
void hspool_release(struct hspool *p, struct hs_job *j);
/* Stops and joins the workers, erases every job, frees. */
void hspool_stop(struct hspool *p);

/* The work itself, pure: decapsulate under each long-term key until c1
 * opens, then try each candidate ephemeral key. */
void hspool_run(struct hs_job *j, const struct hs_longterm *lt, uint64_t now);
#endif

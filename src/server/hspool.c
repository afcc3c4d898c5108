/* Handshake workers (see hspool.h).  One mutex guards the free list, the
 * queue and the list of finished jobs; a
 * job is touched by one thread at a time: the loop until submitted, a
 * worker until finished, the loop again until released. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "io/log.h"
#include "io/loop.h"
#include "server/hspool.h"

void hspool_run(struct hs_job *j, const struct hs_longterm *lt, uint64_t now)
{
	struct hs_responder st;
	int k;

	if (now - j->t_recv > HSPOOL_STALE_MS) {
		j->result = HSJ_STALE;
		return;
	}
	/* the initiation does not name the key: the current one first */
	for (k = 0; k < lt->n; k++) {
		if (hs_respond_begin(&st, j->msg, HS_INIT_LEN, lt->mce_sk[k], lt->x_sk[k]) == 0)
			break;
		hs_responder_wipe(&st);
	}
	if (k == lt->n) {
		j->result = HSJ_C1;
		return;
	}
	j->key_index = k;
	j->result = HSJ_C3;
	for (int i = 0; i < j->ncand; i++)
		if (hs_respond_try(&st, j->msg, j->cand[i].x_sk, j->cand[i].ntru_sk, &j->keys) == 0) {
			j->result = HSJ_OK;
			break;
		}
	hs_responder_wipe(&st);
	/* the candidates' secrets are not needed any more */
	wipe(j->cand, sizeof j->cand);
}

static int idx(const struct hspool *p, const struct hs_job *j) { return (int)(j - p->jobs); }

/* list helpers, called with p->mu held */
static void fifo_put(struct hspool *p, int *head, int *tail, int i)
{
	p->jobs[i].next = -1;
	if (*tail >= 0)
		p->jobs[*tail].next = i;
	else
		*head = i;
	*tail = i;
}

static int fifo_take(struct hspool *p, int *head, int *tail)
{
	int i = *head;
	if (i >= 0) {
		*head = p->jobs[i].next;
		if (*head < 0)
			*tail = -1;
	}
	return i;
}

static void signal_done(struct hspool *p)
{
	uint64_t one = 1;
	/* fails only with EAGAIN, after 2^64 - 2 unread wake-ups: harmless */
	ssize_t r = write(p->efd, &one, sizeof one);
	(void)r;
}

static void *worker(void *arg)
{
	struct hspool *p = arg;
	/* the event loop, which moves the packets of existing tunnels, goes
	 * first when the cores are busy: workers are niced (per thread) */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), HSPOOL_NICE) < 0)
		log_warn("handshake worker: setpriority: %s", strerror(errno));
	pthread_mutex_lock(&p->mu);
	/* glibc has set this thread up (rseq and all): a seccomp filter may
	 * now be installed */
	p->running++;
	pthread_cond_broadcast(&p->cv);
	for (;;) {
		while (!p->stop && hsq_total(&p->todo) == 0)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		int i = hsq_pop(&p->todo);
		/* a copy of the key pointers, valid until busy[] goes down:
		 * hspool_set_keys waits for that before the caller frees them */
		struct hs_longterm lt = p->lt;
		unsigned gen = p->lt_gen & 1;
		p->busy[gen]++;
		pthread_mutex_unlock(&p->mu);
		hspool_run(&p->jobs[i], &lt, now_ms());
		pthread_mutex_lock(&p->mu);
		if (--p->busy[gen] == 0)
			pthread_cond_broadcast(&p->cv);
		int was_empty = p->done_head < 0;
		fifo_put(p, &p->done_head, &p->done_tail, i);
		if (was_empty)
			signal_done(p);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int hspool_start(struct hspool *p, int nthreads, const uint8_t *mce_sk, const uint8_t *x_sk)
{
	memset(p, 0, sizeof *p);
	p->done_head = p->done_tail = -1;
	hsq_init(&p->todo);
	p->lt.n = 1;
	p->lt.mce_sk[0] = mce_sk;
	p->lt.x_sk[0] = x_sk;
	p->nthreads = nthreads < 0 ? 0 : nthreads > HSPOOL_MAX_THREADS ? HSPOOL_MAX_THREADS : nthreads;
	/* calloc'd pages are only touched when a job is first used */
	p->jobs = calloc(HSPOOL_JOBS, sizeof *p->jobs);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!p->jobs || p->efd < 0) {
		log_error("handshake pool: %s", strerror(errno));
		return -1;
	}
	p->free_top = -1;
	for (int i = HSPOOL_JOBS - 1; i >= 0; i--) {
		p->jobs[i].next = p->free_top;
		p->free_top = i;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (; p->started < p->nthreads; p->started++) {
		int e = pthread_create(&p->th[p->started], NULL, worker, p);
		if (e) {
			log_error("handshake pool: thread %d: %s", p->started, strerror(e));
			return -1;
		}
	}
	/* return only once every worker runs: a thread still starting makes
	 * system calls (rseq, sigaltstack...) that the seccomp filter installed
	 * next, with TSYNC, would refuse */
	pthread_mutex_lock(&p->mu);
	while (p->running < p->started)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void hspool_set_keys(struct hspool *p, const struct hs_longterm *lt)
{
	if (p->nthreads == 0) {
		p->lt = *lt;
		return;
	}
	pthread_mutex_lock(&p->mu);
	unsigned old = p->lt_gen & 1;
	p->lt = *lt;
	p->lt_gen++;
	/* only the workers that took the old keys are waited for: those that
	 * start from now on count under the other parity */
	while (p->busy[old])
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

struct hs_job *hspool_get(struct hspool *p, enum hsq_lane lane, const struct hsq_key *key, int *evicted)
{
	struct hs_job *j = NULL;
	int i;
	*evicted = 0;
	pthread_mutex_lock(&p->mu);
	if (p->free_top >= 0) {
		j = &p->jobs[p->free_top];
		p->free_top = j->next;
	} else if ((i = hsq_evict(&p->todo, lane, key)) >= 0) {
		/* queued, never started: its initiation is dropped */
		j = &p->jobs[i];
		wipe(j, sizeof *j);
		p->queued--;
		*evicted = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return j;
}

int hspool_submit(struct hspool *p, struct hs_job *j)
{
	if (p->nthreads == 0) {
		hspool_run(j, &p->lt, now_ms());
		return 1;
	}
	pthread_mutex_lock(&p->mu);
	hsq_push(&p->todo, idx(p, j), j->lane, &j->key);
	j->queued = 1;
	p->queued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

struct hs_job *hspool_done(struct hspool *p)
{
	uint64_t v;
	pthread_mutex_lock(&p->mu);
	int i = fifo_take(p, &p->done_head, &p->done_tail);
	if (i < 0) {
		/* read under the lock: a worker that finishes after this sees an
		 * empty list and writes again */
		if (read(p->efd, &v, sizeof v) < 0 && errno != EAGAIN)
			log_warn("handshake pool eventfd: %s", strerror(errno));
	} else {
		p->jobs[i].queued = 0;
		p->queued--;
	}
	pthread_mutex_unlock(&p->mu);
	return i < 0 ? NULL : &p->jobs[i];
}

void hspool_release(struct hspool *p, struct hs_job *j)
{
	wipe(j, sizeof *j);
	pthread_mutex_lock(&p->mu);
	j->next = p->free_top;
	p->free_top = idx(p, j);
	pthread_mutex_unlock(&p->mu);
}

void hspool_stop(struct hspool *p)
{
	if (!p->jobs)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->started; i++)
		pthread_join(p->th[i], NULL);
	wipe(p->jobs, HSPOOL_JOBS * sizeof *p->jobs);
	free(p->jobs);
	p->jobs = NULL;
	if (p->efd >= 0)
		close(p->efd);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
}

/* Data threads (--threads N > 1): every core on the data path.
 *
 * Each thread owns one socket of a SO_REUSEPORT group on the crypto port
 * (the kernel spreads the senders over them by address hash, so a
 * client's datagrams stay on one thread, in order) and one queue of the
 * multi-queue TUN (the kernel spreads the flows routed to it), with its
 * own receive and send batches, GRO buffers and counters.
 *
 * The server's state stays the loop's: the loop's thread holds s->lock
 * for writing around each of its turns (timers, key port, finished
 * handshakes, control socket, signals: io/loop.h's hooks); a data thread
 * holds it for reading around each batch, and then only reads the peer
 * table.  Under the read lock a thread opens and seals the tunnels of
 * live peers, a tunnel's keys, endpoint and local address changing under
 * that peer's own mutex (p->mu: the same tunnel may be opened by one
 * thread and sealed by another).  Everything else (initiations, unknown
 * TIDs, a peer's first packet, session messages, a tunnel whose epochs
 * are used up) is deferred: copied into the thread's slots and run, after
 * the read lock is dropped, through the single-threaded code under the
 * write lock (drain), exactly as the loop would have run it.  A peer is
 * freed only under the write lock, so no thread can hold one.
 *
 * Counters: a thread counts into its own struct, published after each
 * batch with relaxed atomic stores; server_stats_total adds them up for
 * the control socket and the metrics. */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "common.h"
#include "crypto/crypto.h"
#include "io/log.h"
#include "io/tunerr.h"
#include "server/server.h"

enum { TAG_STOP, TAG_UDP, TAG_TUN };

static pthread_mutex_t start_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t start_cv = PTHREAD_COND_INITIALIZER;
static int running;

static void write_enter(void *arg) { pthread_rwlock_wrlock(&((struct server *)arg)->lock); }
static void write_leave(void *arg) { pthread_rwlock_unlock(&((struct server *)arg)->lock); }

static void publish(struct dworker *w)
{
#define X(n) __atomic_store_n(&w->pub.n, w->st.n, __ATOMIC_RELAXED);
	SERVER_COUNTERS(X)
#undef X
	__atomic_store_n(&w->pub_deferred, w->deferred, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub_batches, w->batches, __ATOMIC_RELAXED);
}

void server_stats_total(const struct server *s, struct server_stats *out)
{
	*out = s->st;
	for (int i = 0; s->dw && i < s->nthreads; i++) {
		const struct dworker *w = &s->dw[i];
#define X(n) out->n += __atomic_load_n(&w->pub.n, __ATOMIC_RELAXED);
		SERVER_COUNTERS(X)
#undef X
	}
}

/* What was deferred, through the exclusive path: the read lock is not
 * held here. */
void dataplane_drain(struct dworker *w)
{
	struct server *s = w->s;
	if (!w->ndef)
		return;
	uint64_t now = now_ms();
	pthread_rwlock_wrlock(&s->lock);
	for (unsigned i = 0; i < w->ndef; i++) {
		struct deferred *e = &w->def[i];
		struct peer *p;
		switch (e->kind) {
		case DEFER_DATAGRAM:
			s->rx_local = e->local;
			cryptoserver_datagram(s, e->m, e->len, &e->from, now);
			break;
		case DEFER_SESSION:
			/* the peer may have gone meanwhile: then so has the message */
			if ((p = peer_by_tid(s, e->tid)) != NULL)
				resume_message(s, p, e->m, e->len, now);
			wipe(e->m, e->len);
			break;
		case DEFER_EXHAUSTED:
			if ((p = peer_by_tid(s, e->tid)) != NULL)
				peer_remove(s, p, "epochs used up");
			break;
		}
	}
	s->rx_local.set = 0;
	if (tunio_flush(&s->tio) < 0)
		s->st.tun_write_fail++;
	udp_tx_flush(&s->tx);
	pthread_rwlock_unlock(&s->lock);
	w->deferred += w->ndef;
	w->ndef = 0;
}

static void udp_turn(struct dworker *w)
{
	struct server *s = w->s;
	for (int round = 0; round < 16; round++) {
		int n = udp_recv_batch(w->fd, &w->rx);
		w->st.udp_truncated += w->rx.truncated;
		if (n <= 0 && !w->rx.truncated)
			break;
		uint64_t now = now_ms();
		pthread_rwlock_rdlock(&s->lock);
		for (int i = 0; i < n; i++)
			cryptoserver_datagram_shared(s, &w->dp, w->rx.dg[i].p, w->rx.dg[i].len, w->rx.dg[i].from,
			                             w->rx.dg[i].local, now);
		pthread_rwlock_unlock(&s->lock);
		dataplane_drain(w);
		/* coalesced segments to the TUN, and replies, go out per batch */
		if (tunio_flush(&w->tio) < 0)
			w->st.tun_write_fail++;
		udp_tx_flush(&w->tx);
		w->batches++;
		publish(w);
	}
}

static void tun_turn(struct dworker *w)
{
	struct server *s = w->s;
	pthread_rwlock_rdlock(&s->lock);
	tun_read_into(s, &w->dp);
	pthread_rwlock_unlock(&s->lock);
	dataplane_drain(w);
	w->batches++;
	publish(w);
}

static void *data_thread(void *arg)
{
	struct dworker *w = arg;
	struct epoll_event ev[4];

	pthread_mutex_lock(&start_mu);
	/* glibc has set this thread up: a seccomp filter may now be installed */
	running++;
	pthread_cond_broadcast(&start_cv);
	pthread_mutex_unlock(&start_mu);
	for (;;) {
		int n = epoll_wait(w->epfd, ev, 4, 5000);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("data thread %d: epoll_wait: %s", w->idx, strerror(errno));
			break;
		}
		if (n == 0) {
			aead_forget();  /* idle: the last packet key out of this thread's context */
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u32 == TAG_STOP)
				return NULL;
			if (ev[i].data.u32 == TAG_UDP)
				udp_turn(w);
			else
				tun_turn(w);
		}
	}
	return NULL;
}

static int watch(int epfd, int fd, uint32_t tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = tag };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

int dataplane_start(struct server *s)
{
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&s->lock, &a) != 0) {
		log_error("data threads: no lock");
		return -1;
	}
	pthread_rwlockattr_destroy(&a);
	for (int i = 0; i < s->nthreads; i++) {
		struct dworker *w = &s->dw[i];
		w->s = s;
		w->idx = i;
		tunerr_init(&w->err_rl);
		w->dp = (struct dpath){ &w->tio, &w->tx, &w->st, w, &w->err_rl };
		w->drain = dataplane_drain;
		w->def = calloc(DEFER_SLOTS, sizeof *w->def);     /* pages touched when used */
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (!w->def || w->epfd < 0 || w->stopfd < 0 || watch(w->epfd, w->stopfd, TAG_STOP) < 0 ||
		    watch(w->epfd, w->fd, TAG_UDP) < 0 || watch(w->epfd, w->tio.fd, TAG_TUN) < 0) {
			log_error("data thread %d: %s", i, strerror(errno));
			return -1;
		}
	}
	/* from here on the loop's turns exclude the data threads */
	s->loop.enter = write_enter;
	s->loop.leave = write_leave;
	s->loop.hook_arg = s;
	for (int i = 0; i < s->nthreads; i++) {
		int e = pthread_create(&s->dw[i].th, NULL, data_thread, &s->dw[i]);
		if (e) {
			log_error("data thread %d: %s", i, strerror(e));
			return -1;
		}
		s->dw[i].started = 1;
	}
	/* every thread running before a seccomp filter is installed with TSYNC */
	pthread_mutex_lock(&start_mu);
	while (running < s->nthreads)
		pthread_cond_wait(&start_cv, &start_mu);
	pthread_mutex_unlock(&start_mu);
	return 0;
}

void dataplane_stop(struct server *s)
{
	uint64_t one = 1;
	for (int i = 0; s->dw && i < s->nthreads; i++) {
		struct dworker *w = &s->dw[i];
		if (w->started && write(w->stopfd, &one, sizeof one) == sizeof one)
			pthread_join(w->th, NULL);
		w->started = 0;
		/* their counters stay in the totals (dump at exit) */
		publish(w);
	}
}

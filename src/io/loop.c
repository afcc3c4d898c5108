/* The event loop: epoll plus a binary min-heap of timers.  Callbacks are
 * registered per descriptor; the epoll data holds a small record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "io/loop.h"
#include "io/log.h"

struct loop_fd {
	int fd;
	loop_fd_cb cb;
	void *arg;
	struct loop_fd *next_dead;
};

/* records removed during a batch are freed when the batch is over */
static struct loop_fd *graveyard;
static void bury(void);

/* descriptors are small integers: a table indexed by fd */
#define LOOP_MAX_FDS 4096
static struct loop_fd *fds[LOOP_MAX_FDS];

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

int loop_init(struct loop *l)
{
	memset(l, 0, sizeof *l);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -1;
	l->cap = 64;
	l->heap = calloc((size_t)l->cap, sizeof *l->heap);
	return l->heap ? 0 : -1;
}

void loop_free(struct loop *l)
{
	for (int i = 0; i < LOOP_MAX_FDS; i++) {
		free(fds[i]);
		fds[i] = NULL;
	}
	bury();
	free(l->heap);
	l->heap = NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct loop_fd *r;

	if (fd < 0 || fd >= LOOP_MAX_FDS || fds[fd])
		return -1;
	r = malloc(sizeof *r);
	if (!r)
		return -1;
	r->fd = fd;
	r->cb = cb;
	r->arg = arg;
	ev.data.ptr = r;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(r);
		return -1;
	}
	fds[fd] = r;
	return 0;
}

int loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || fd >= LOOP_MAX_FDS || !fds[fd])
		return -1;
	ev.data.ptr = fds[fd];
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || fd >= LOOP_MAX_FDS || !fds[fd])
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	/* the current epoll batch may still name the record: free it later */
	fds[fd]->cb = NULL;
	fds[fd]->next_dead = graveyard;
	graveyard = fds[fd];
	fds[fd] = NULL;
}

static void bury(void)
{
	while (graveyard) {
		struct loop_fd *r = graveyard;
		graveyard = r->next_dead;
		free(r);
	}
}

/* ---- timers: binary min-heap on t->when ---- */
static void heap_swap(struct loop *l, int a, int b)
{
	struct timer *t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->idx = a;
	l->heap[b]->idx = b;
}

static void heap_up(struct loop *l, int i)
{
	while (i > 0) {
		int p = (i - 1) / 2;
		if (l->heap[p]->when <= l->heap[i]->when)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void heap_down(struct loop *l, int i)
{
	for (;;) {
		int c = 2 * i + 1, m = i;
		if (c < l->ntimers && l->heap[c]->when < l->heap[m]->when)
			m = c;
		if (c + 1 < l->ntimers && l->heap[c + 1]->when < l->heap[m]->when)
			m = c + 1;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

void timer_init(struct timer *t, void (*cb)(struct loop *, struct timer *), void *arg)
{
	t->when = 0;
	t->cb = cb;
	t->arg = arg;
	t->idx = -1;
}

void timer_cancel(struct loop *l, struct timer *t)
{
	int i = t->idx;
	if (i < 0)
		return;
	l->ntimers--;
	if (i != l->ntimers) {
		l->heap[i] = l->heap[l->ntimers];
		l->heap[i]->idx = i;
		heap_down(l, i);
		heap_up(l, i);
	}
	t->idx = -1;
}

void timer_at(struct loop *l, struct timer *t, uint64_t when)
{
	timer_cancel(l, t);
	if (l->ntimers == l->cap) {
		struct timer **h = realloc(l->heap, (size_t)l->cap * 2 * sizeof *h);
		if (!h) {
			log_error("timer heap full");
			return;
		}
		l->heap = h;
		l->cap *= 2;
	}
	t->when = when;
	t->idx = l->ntimers;
	l->heap[l->ntimers++] = t;
	heap_up(l, t->idx);
}

void timer_in(struct loop *l, struct timer *t, uint64_t delay)
{
	timer_at(l, t, now_ms() + delay);
}

void loop_stop(struct loop *l) { l->stop = 1; }

static void enter(struct loop *l)
{
	if (l->enter)
		l->enter(l->hook_arg);
}

static void leave(struct loop *l)
{
	if (l->leave)
		l->leave(l->hook_arg);
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[64];

	while (!l->stop) {
		int timeout = -1;
		enter(l);
		uint64_t now = now_ms();
		/* run due timers first */
		while (l->ntimers && l->heap[0]->when <= now && !l->stop) {
			struct timer *t = l->heap[0];
			timer_cancel(l, t);
			t->cb(l, t);
			now = now_ms();
		}
		if (l->ntimers) {
			uint64_t d = l->heap[0]->when - now;
			timeout = d > 60000 ? 60000 : (int)d;
		}
		leave(l);
		if (l->stop)
			break;
		int n = epoll_wait(l->epfd, ev, 64, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return -1;
		}
		enter(l);
		for (int i = 0; i < n; i++) {
			struct loop_fd *r = ev[i].data.ptr;
			if (r->cb)
				r->cb(l, r->fd, ev[i].events, r->arg);
		}
		bury();
		leave(l);
	}
	bury();
	return 0;
}

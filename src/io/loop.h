/* One event loop per process: epoll for descriptors, a binary heap of
 * one-shot timers, monotonic milliseconds.  Its descriptors are
 * process-wide (one loop per process); other threads do not use it. */
#ifndef PQC_LOOP_H
#define PQC_LOOP_H
#include <stdint.h>

struct loop;
typedef void (*loop_fd_cb)(struct loop *l, int fd, uint32_t events, void *arg);

struct timer {
	uint64_t when;                       /* monotonic ms */
	void (*cb)(struct loop *l, struct timer *t);
	void *arg;
	int idx;                             /* position in the heap, -1 when not armed */
};

#define LOOP_MAX_TIMERS 65536

struct loop_fd;
struct loop {
	int epfd;
	int stop;
	struct timer **heap;
	int ntimers;
	int cap;
	/* Called around the callbacks' turns (timers, then descriptors), never
	 * around the wait: the server's data threads are kept out of the
	 * server's shared state while the loop's thread works on it (NULL:
	 * nothing to do, the single-threaded case). */
	void (*enter)(void *arg), (*leave)(void *arg);
	void *hook_arg;
};

uint64_t now_ms(void);                   /* CLOCK_MONOTONIC in ms */
uint64_t wall_s(void);                   /* CLOCK_REALTIME in s */

int loop_init(struct loop *l);
void loop_free(struct loop *l);
/* events: EPOLLIN etc. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb, void *arg);
/* Change the events of a descriptor already in the loop.  0 / -1. */
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
void loop_del_fd(struct loop *l, int fd);
void timer_init(struct timer *t, void (*cb)(struct loop *, struct timer *), void *arg);
void timer_at(struct loop *l, struct timer *t, uint64_t when_ms);     /* (re)arm */
void timer_in(struct loop *l, struct timer *t, uint64_t delay_ms);
void timer_cancel(struct loop *l, struct timer *t);
static inline int timer_armed(const struct timer *t) { return t->idx >= 0; }
/* Runs until loop_stop; returns 0. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
#endif

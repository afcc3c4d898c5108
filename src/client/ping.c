/* Liveness pings, as TrIPE's connect service does them: while a tunnel is
 * in use (static peers always), every `every` an ICMP echo goes to the
 * peer's internal address through the tunnel (the server's kernel answers:
 * compatible with any PQConnect server).  No reply within `timeout`: the
 * next attempt, up to `retries`; when all fail, a new handshake.  The
 * statistics are those of TrIPE's `info`. */
#include <string.h>
#include <time.h>
#include "client/client.h"
#include "client/datapath.h"
#include "client/lifecycle.h"
#include "client/ping.h"
#include "io/log.h"

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint32_t every(const struct peer *p) { return p->every_ms ? p->every_ms : PF_DEFAULT_EVERY_MS; }
static uint32_t timeout(const struct peer *p) { return p->timeout_ms ? p->timeout_ms : PF_DEFAULT_TIMEOUT_MS; }
static uint32_t retries(const struct peer *p) { return p->retries ? p->retries : PF_DEFAULT_RETRIES; }
static const char *label(const struct peer *p) { return p->name[0] ? p->name : p->hashtxt; }

static int wanted(const struct peer *p, uint64_t now)
{
	/* (a probe of the lifecycle's, VERIFYING, does not interrupt the schedule) */
	return (p->state == PS_UP || p->state == PS_VERIFYING) && p->has_tunnel && peer_in_use(p, now);
}

static void send_ping(struct peer *p, uint64_t now)
{
	struct pingstat *s = &p->ping;
	int seq = datapath_send_probe(p, now);
	s->checking = 1;
	s->seq_valid = seq >= 0;        /* nothing sent: no reply may count */
	s->seq = (uint16_t)(seq >= 0 ? seq : 0);
	s->sent = now;
	s->sent_us = now_us();
	client.cnt.ping_sent++;
	log_debug("ping %s attempt %u of %u", label(p), s->attempt, retries(p));
}

static void on_timer(struct loop *l, struct timer *t)
{
	struct peer *p = t->arg;
	struct pingstat *s = &p->ping;
	uint64_t now = now_ms();

	if (!wanted(p, now)) {
		/* idle, connecting or no tunnel: state idle, look again soon */
		s->checking = 0;
		s->attempt = 0;
		timer_in(l, t, every(p) < 1000 ? every(p) : 1000);
		return;
	}
	if (s->up_since != p->last_handshake) {
		/* a new tunnel: the first ping goes `every` after its handshake */
		s->up_since = p->last_handshake;
		s->next = p->last_handshake + every(p);
	}
	if (s->checking) {
		if (now - s->sent < timeout(p)) {
			timer_at(l, t, s->sent + timeout(p));
			return;
		}
		s->checking = 0;
		s->lost++;
		s->failures++;
		s->last_timeout = 1;
		client.cnt.ping_lost++;
		log_warn("ping-timeout %s attempt %u of %u", label(p), s->attempt, retries(p));
		if (s->attempt < retries(p)) {
			s->attempt++;
			send_ping(p, now);
			timer_in(l, t, timeout(p));
			return;
		}
		s->attempt = 0;
		s->next = now + every(p);
		peer_ev_ping_lost(p, now);
		timer_in(l, t, every(p) < 1000 ? every(p) : 1000);
		return;
	}
	if (now >= s->next) {
		s->attempt = 1;
		s->failures = 0;
		send_ping(p, now);
		timer_in(l, t, timeout(p));
		return;
	}
	timer_at(l, t, s->next);
}

void ping_reply(struct peer *p, uint16_t seq, uint64_t now)
{
	struct pingstat *s = &p->ping;
	if (!s->checking || !s->seq_valid || seq != s->seq)
		return;
	double ms = (double)(now_us() - s->sent_us) / 1000.0;
	s->checking = 0;
	s->last_timeout = 0;
	s->last = ms;
	if (s->n == 0 || ms < s->min)
		s->min = ms;
	if (s->n == 0 || ms > s->max)
		s->max = ms;
	s->n++;
	s->sum += ms;
	s->sumsq += ms * ms;
	s->next = now + every(p);
	s->attempt = 0;
	client.cnt.ping_ok++;
	log_info("ping-ok %s %.1f ms", label(p), ms);
	timer_at(&client.loop, &s->timer, s->next);
}

void ping_start(struct peer *p, uint64_t now)
{
	struct pingstat *s = &p->ping;
	memset(s, 0, sizeof *s);
	timer_init(&s->timer, on_timer, p);
	s->next = now + every(p);
	timer_in(&client.loop, &s->timer, 1000);
}

void ping_stop(struct peer *p)
{
	timer_cancel(&client.loop, &p->ping.timer);
}

static double root(double v)
{
	/* Newton's method: the daemon does not need libm for one square root */
	double x = v > 1 ? v : 1;
	for (int i = 0; i < 60; i++)
		x = 0.5 * (x + v / x);
	return x;
}

/* TrIPE's `info` numbers: "-" before the first success. */
void ping_info(const struct peer *p, struct ctlbuf *o)
{
	const struct pingstat *s = &p->ping;
	if (s->last_timeout)
		ctl_printf(o, "last-ping=timeout\n");
	else if (s->n)
		ctl_printf(o, "last-ping=%.1fms\n", s->last);
	else
		ctl_printf(o, "last-ping=-\n");
	if (s->n) {
		double mean = s->sum / (double)s->n;
		double var = s->sumsq / (double)s->n - mean * mean;
		ctl_printf(o, "min-ping=%.1fms\nmean-ping=%.1fms\nmax-ping=%.1fms\nsd-ping=%.1fms\n", s->min, mean,
		           s->max, var > 0 ? root(var) : 0.0);
	} else
		ctl_printf(o, "min-ping=-\nmean-ping=-\nmax-ping=-\nsd-ping=-\n");
	ctl_printf(o, "n-ping=%llu\nn-lost=%llu\nfailures=%u\nstate=%s\n", (unsigned long long)s->n,
	           (unsigned long long)s->lost, s->failures, s->checking ? "check" : "idle");
	ctl_printf(o, "every=%ums\ntimeout=%ums\nretries=%u\n", every(p), timeout(p), retries(p));
}

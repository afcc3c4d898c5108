/* --dns-proxy over TCP (see dnsproxytcp.h).  Each client connection is
 * one slot of a fixed table (PT_CONNS; one more is refused at once) and
 * carries one query at a time, length-prefixed (RFC 7766): the query is
 * read whole (at most PT_QUERY_MAX bytes), sent under a fresh random id
 * to an upstream resolver over a TCP connection of its own, and the
 * answer (the same id and question, or it is refused) runs through the
 * same decision as the UDP side (pass / rewrite / hold until the tunnel
 * is up), then goes back with the client's id.  The connection then
 * waits for the next query.  Deadlines: PT_IDLE_MS for a client to send
 * a query or take its answer, PT_UP_MS for an upstream to connect and
 * answer (then the next upstream, PT_TRIES in all, then the client's
 * connection is closed: its resolver asks again).  Buffers: the query in
 * the slot, the answer (at most 65535 bytes, what the prefix can say)
 * allocated while it is in flight. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"
#include "client/client.h"
#include "client/dnsproxytcp.h"
#include "client/intercept.h"
#include "io/log.h"

#define PT_CONNS 64
#define PT_QUERY_MAX 4096
#define PT_ANSWER_MAX 65535
#define PT_IDLE_MS 10000
#define PT_UP_MS 4000
#define PT_TRIES 3
#define DNS_HDR 12

enum pt_state { PT_FREE = 0, PT_QUERY, PT_UPSTREAM, PT_HELD, PT_WRITE };

struct ptconn {
	enum pt_state st;
	int cfd, ufd;
	unsigned gen;                    /* changes when the slot is closed: stale held answers */
	uint64_t deadline;
	union sockaddr_any peer;
	int up, tries;
	uint16_t orig_id;
	struct dns_question q;           /* what we asked (with our id) */
	uint8_t query[2 + PT_QUERY_MAX]; /* the framed query */
	size_t qhave, usent;
	uint8_t *ans;                    /* the framed answer from upstream */
	size_t ahave;
	uint8_t *out;                    /* the framed answer to the client */
	size_t olen, osent;
};

static struct {
	int lfd;
	const union sockaddr_any *up;
	int nup;
	struct ptconn c[PT_CONNS];
} pt = { .lfd = -1 };

static void conn_close(struct ptconn *c)
{
	if (c->st == PT_FREE)
		return;
	if (c->ufd >= 0) {
		loop_del_fd(&client.loop, c->ufd);
		close(c->ufd);
	}
	if (c->cfd >= 0) {
		loop_del_fd(&client.loop, c->cfd);
		close(c->cfd);
	}
	free(c->ans);
	free(c->out);
	unsigned gen = c->gen + 1;
	memset(c, 0, sizeof *c);
	c->gen = gen;
	c->cfd = c->ufd = -1;
	c->st = PT_FREE;
}

static void drop_conn(struct ptconn *c, const char *why)
{
	client.cnt.proxy_drop++;
	log_ratelimited(L_DEBUG, "proxy_tcp_drop", "DNS proxy (TCP): %s: connection from %s closed", why,
	                sa_str(&c->peer));
	conn_close(c);
}

static void write_more(struct ptconn *c)
{
	while (c->osent < c->olen) {
		ssize_t w = send(c->cfd, c->out + c->osent, c->olen - c->osent, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			loop_mod_fd(&client.loop, c->cfd, EPOLLOUT);
			return;
		}
		if (w <= 0) {
			drop_conn(c, "write to the client failed");
			return;
		}
		c->osent += (size_t)w;
	}
	/* answered: the next query */
	free(c->out);
	free(c->ans);
	c->out = c->ans = NULL;
	c->olen = c->osent = c->qhave = c->ahave = 0;
	c->st = PT_QUERY;
	c->deadline = now_ms() + PT_IDLE_MS;
	loop_mod_fd(&client.loop, c->cfd, EPOLLIN);
}

/* The answer msg (n bytes) to the client, framed. */
static void send_client(struct ptconn *c, const uint8_t *msg, size_t n)
{
	if (n > PT_ANSWER_MAX || !(c->out = malloc(2 + n))) {
		drop_conn(c, "answer too long or no memory");
		return;
	}
	store16_be(c->out, (uint16_t)n);
	memcpy(c->out + 2, msg, n);
	c->olen = 2 + n;
	c->osent = 0;
	c->st = PT_WRITE;
	c->deadline = now_ms() + PT_IDLE_MS;
	write_more(c);
}

/* A held answer released (rewritten: dns; unchanged: NULL). */
struct pt_held { unsigned idx, gen; };

static void release_held(void *ctx, const uint8_t *dns, size_t len)
{
	struct pt_held *h = ctx;
	struct ptconn *c = &pt.c[h->idx];
	if (c->st == PT_HELD && c->gen == h->gen && c->ans)
		send_client(c, dns ? dns : c->ans + 2, dns ? len : c->ahave - 2);
	free(h);
}

static void upstream_start(struct ptconn *c);

/* This upstream failed (or timed out): the next one, or give up. */
static void upstream_fail(struct ptconn *c, const char *why)
{
	log_ratelimited(L_INFO, "proxy_tcp_up", "DNS proxy (TCP): upstream %s: %s", sa_str(&pt.up[c->up]), why);
	if (c->ufd >= 0) {
		loop_del_fd(&client.loop, c->ufd);
		close(c->ufd);
		c->ufd = -1;
	}
	if (++c->tries >= PT_TRIES) {
		drop_conn(c, "no upstream answered");
		return;
	}
	c->up = (c->up + 1) % pt.nup;
	upstream_start(c);
}

static void answer_done(struct ptconn *c)
{
	static uint8_t out[65536];
	struct dns_question a;
	uint8_t *msg = c->ans + 2;
	size_t n = c->ahave - 2, outlen = 0;
	struct peer *p = NULL;
	uint64_t now = now_ms();

	/* a TCP connection of our own: still, only the answer to our question */
	if (dns_question_get(msg, n, &a) < 0 || !(a.flags & 0x8000) || !dns_question_same(&a, &c->q)) {
		client.cnt.proxy_mismatch++;
		log_ratelimited(L_WARNING, "proxy_mismatch", "DNS proxy (TCP): answer from %s with the wrong id or "
		                "question: dropped", sa_str(&pt.up[c->up]));
		upstream_fail(c, "wrong answer");
		return;
	}
	loop_del_fd(&client.loop, c->ufd);
	close(c->ufd);
	c->ufd = -1;
	store16_be(msg, c->orig_id);
	switch (dns_decide(msg, n, &c->peer, out, sizeof out, &outlen, &p, now)) {
	case DEC_PASS:
		send_client(c, msg, n);
		return;
	case DEC_REPLACE:
		send_client(c, out, outlen);
		return;
	case DEC_HOLD: {
		struct pt_held *h = malloc(sizeof *h);
		if (h) {
			h->idx = (unsigned)(c - pt.c);
			h->gen = c->gen;
			c->st = PT_HELD;
			c->deadline = now + CLIENT_DNS_DEADLINE_MS + PT_IDLE_MS;   /* held.c releases it first */
			if (held_add(p, msg, n, release_held, h, now) == 0)
				return;
			free(h);
		}
		client.cnt.dns_failopen++;
		send_client(c, msg, n);
		return;
	}
	case DEC_DROP:           /* only for in-place (TCP segment) decisions: never here */
		drop_conn(c, "answer refused");
		return;
	}
}

/* Read more of one length-prefixed DNS message into buf (have bytes of it
 * there; room for 2 + hi).  FR_MORE: wait for more; FR_DONE: whole;
 * FR_CLOSED: the peer closed or reset; FR_BAD: its length is below a DNS
 * header or above hi.  The length is checked as soon as it is read. */
enum framed { FR_MORE, FR_DONE, FR_CLOSED, FR_BAD };
static enum framed framed_recv(int fd, uint8_t *buf, size_t *have, size_t hi)
{
	for (;;) {
		size_t need = *have < 2 ? 2 : 2 + (size_t)load16_be(buf);
		ssize_t r = recv(fd, buf + *have, need - *have, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return FR_MORE;
		if (r <= 0)
			return FR_CLOSED;
		*have += (size_t)r;
		if (*have >= 2) {
			size_t len = load16_be(buf);
			if (len < DNS_HDR || len > hi)
				return FR_BAD;
			if (*have == 2 + len)
				return FR_DONE;
		}
	}
}

static void on_upstream(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ptconn *c = arg;
	size_t qlen = 2 + (size_t)load16_be(c->query);
	(void)l;

	if (c->st != PT_UPSTREAM || c->ufd != fd)
		return;
	if (c->usent < qlen) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			upstream_fail(c, err ? strerror(err) : "connect failed");
			return;
		}
		while (c->usent < qlen) {
			ssize_t w = send(fd, c->query + c->usent, qlen - c->usent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (w <= 0) {
				upstream_fail(c, "send failed");
				return;
			}
			c->usent += (size_t)w;
		}
		loop_mod_fd(&client.loop, fd, EPOLLIN);
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	if (!c->ans && !(c->ans = malloc(2 + PT_ANSWER_MAX))) {
		upstream_fail(c, "no memory");
		return;
	}
	switch (framed_recv(fd, c->ans, &c->ahave, PT_ANSWER_MAX)) {
	case FR_MORE:
		return;
	case FR_CLOSED:
		upstream_fail(c, "closed or failed before the answer");
		return;
	case FR_BAD:
		upstream_fail(c, "answer shorter than a DNS header");
		return;
	case FR_DONE:
		answer_done(c);
		return;
	}
}

/* Ask upstream c->up over a TCP connection of its own, under a new id. */
static void upstream_start(struct ptconn *c)
{
	const union sockaddr_any *u = &pt.up[c->up];
	uint16_t id;

	random_bytes(&id, sizeof id);
	store16_be(c->query + 2, id);
	c->q.id = id;
	c->usent = c->ahave = 0;
	c->deadline = now_ms() + PT_UP_MS;
	c->ufd = socket(u->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->ufd < 0) {
		upstream_fail(c, strerror(errno));
		return;
	}
	if ((connect(c->ufd, &u->sa, sa_len(u)) < 0 && errno != EINPROGRESS) ||
	    loop_add_fd(&client.loop, c->ufd, EPOLLOUT, on_upstream, c) < 0) {
		close(c->ufd);
		c->ufd = -1;
		upstream_fail(c, "connect failed");
	}
}

/* The client's query is whole in c->query. */
static void query_done(struct ptconn *c)
{
	uint8_t *msg = c->query + 2, out[PT_QUERY_MAX + 512];
	size_t n = load16_be(c->query);

	if (msg[2] & 0x80) {
		drop_conn(c, "not a query");
		return;
	}
	if (dns_is_canary_query(msg, n)) {
		int m = dns_make_nxdomain(out, sizeof out, msg, n);
		if (m < DNS_HDR) {
			drop_conn(c, "canary answer failed");
			return;
		}
		out[2] |= 0x80;           /* QR */
		out[3] |= 0x80;           /* RA */
		client.cnt.dns_canary++;
		send_client(c, out, (size_t)m);
		return;
	}
	if (dns_question_get(msg, n, &c->q) < 0 || c->q.qdcount != 1) {
		drop_conn(c, "malformed query");
		return;
	}
	c->orig_id = load16_be(msg);
	c->st = PT_UPSTREAM;
	c->tries = 0;
	c->up = 0;
	loop_mod_fd(&client.loop, c->cfd, 0);     /* one query at a time */
	upstream_start(c);
}

static void on_client(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ptconn *c = arg;
	(void)l;

	if (c->st == PT_FREE || c->cfd != fd)
		return;
	if (c->st == PT_WRITE) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			write_more(c);
		return;
	}
	if (c->st != PT_QUERY) {
		if (events & (EPOLLERR | EPOLLHUP))
			conn_close(c);          /* the client went away while we asked */
		return;
	}
	switch (framed_recv(fd, c->query, &c->qhave, PT_QUERY_MAX)) {
	case FR_MORE:
		return;
	case FR_CLOSED:
		conn_close(c);          /* closed (or reset) by the client */
		return;
	case FR_BAD:
		drop_conn(c, "query length out of bounds");
		return;
	case FR_DONE:
		query_done(c);
		return;
	}
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *arg)
{
	(void)l, (void)events, (void)arg;
	for (int budget = 0; budget < 16; budget++) {
		union sockaddr_any from;
		socklen_t fl = sizeof from;
		int cfd = accept4(fd, &from.sa, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct ptconn *c = NULL;
		for (int i = 0; i < PT_CONNS && !c; i++)
			if (pt.c[i].st == PT_FREE)
				c = &pt.c[i];
		if (!c) {
			close(cfd);
			client.cnt.proxy_drop++;
			log_ratelimited(L_WARNING, "proxy_tcp_full", "DNS proxy (TCP): %d connections open: one more refused",
			                PT_CONNS);
			continue;
		}
		c->st = PT_QUERY;
		c->cfd = cfd;
		c->ufd = -1;
		c->peer = from;
		c->deadline = now_ms() + PT_IDLE_MS;
		if (loop_add_fd(&client.loop, cfd, EPOLLIN, on_client, c) < 0) {
			c->cfd = -1;
			close(cfd);
			conn_close(c);
		}
	}
}

void dnsproxy_tcp_sweep(uint64_t now)
{
	for (int i = 0; i < PT_CONNS; i++) {
		struct ptconn *c = &pt.c[i];
		if (c->st == PT_FREE || now < c->deadline)
			continue;
		if (c->st == PT_UPSTREAM)
			upstream_fail(c, "no answer in time");
		else
			drop_conn(c, "idle");
	}
}

int dnsproxy_tcp_start(const union sockaddr_any *addr, const union sockaddr_any *up, int nup)
{
	int one = 1;
	pt.up = up;
	pt.nup = nup;
	for (int i = 0; i < PT_CONNS; i++)
		pt.c[i].cfd = pt.c[i].ufd = -1;
	pt.lfd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pt.lfd < 0)
		return -1;
	setsockopt(pt.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (addr->sa.sa_family == AF_INET6)
		setsockopt(pt.lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(pt.lfd, &addr->sa, sa_len(addr)) < 0 || listen(pt.lfd, PT_CONNS) < 0 ||
	    loop_add_fd(&client.loop, pt.lfd, EPOLLIN, on_accept, NULL) < 0) {
		close(pt.lfd);
		pt.lfd = -1;
		return -1;
	}
	return 0;
}

void dnsproxy_tcp_stop(void)
{
	for (int i = 0; i < PT_CONNS; i++)
		conn_close(&pt.c[i]);
	if (pt.lfd >= 0) {
		loop_del_fd(&client.loop, pt.lfd);
		close(pt.lfd);
	}
	pt.lfd = -1;
}

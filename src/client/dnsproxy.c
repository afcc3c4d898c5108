/* --dns-proxy ADDR[:PORT]: for systems without a netfilter queue.  A small
 * forwarding resolver (UDP here; TCP, on the same address and port, in
 * dnsproxytcp.c): queries from local clients go to the upstream
 * resolvers of /etc/resolv.conf; the answer runs through the same decision
 * as intercepted answers (pass / rewrite / hold until the tunnel is up) and
 * goes back to the client with its own id.  Firefox's
 * use-application-dns.net canary is answered NXDOMAIN here directly.
 *
 * Against off-path spoofing (issue 13 item 5), every upstream query (and
 * every retry) gets its own UDP socket, connected to the upstream resolver
 * from a fresh source port the kernel picks at random from its ephemeral
 * range, and a fresh random id.  An answer is taken only if it arrives on
 * that socket from the resolver's address and port (the kernel filters
 * connected sockets; we compare again) and is a response with our id and
 * the question we asked (name case-insensitively, qtype, qclass).  So a
 * spoofer must guess port and id together (about 2^31 tries for a
 * 28 000-port range, instead of 2^16 with one fixed port), and still
 * cannot answer another question.  Anything else is dropped, counted
 * (proxy_mismatch) and logged rate-limited; the query keeps waiting for
 * the real answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"
#include "client/client.h"
#include "client/dnsproxy.h"
#include "client/dnsproxytcp.h"
#include "client/intercept.h"
#include "client/txt.h"
#include "io/log.h"

#define PROXY_SLOTS 512              /* queries in flight: one socket each */
#define PROXY_TRY_MS 1500
#define PROXY_TRIES 3
#define PROXY_MAX_UP 4
#define PROXY_QUERY_MAX 512
#define DNS_HDR 12

struct pending {
	int used;
	int fd;                      /* this query's own upstream socket, or -1 */
	uint16_t our_id, orig_id;
	int up;                      /* upstream index */
	unsigned tries;
	uint64_t sent;
	union sockaddr_any asker;
	struct dns_question q;       /* what we asked (with our_id) */
	size_t qlen;
	uint8_t query[PROXY_QUERY_MAX];
};

static struct {
	int lfd;
	union sockaddr_any listen;
	union sockaddr_any up[PROXY_MAX_UP];
	int nup;
	struct pending slot[PROXY_SLOTS];
	struct timer sweep;
} px = { .lfd = -1 };

static int parse_spec(const char *spec, union sockaddr_any *sa)
{
	char host[128];
	long port = 53;
	const char *colon;

	memset(sa, 0, sizeof *sa);
	if (spec[0] == '[') {                /* [v6]:port */
		const char *end = strchr(spec, ']');
		if (!end || (size_t)(end - spec - 1) >= sizeof host)
			return -1;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = 0;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -1;
	} else {
		colon = strchr(spec, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;            /* bare IPv6 address */
		size_t hl = colon ? (size_t)(colon - spec) : strlen(spec);
		if (hl >= sizeof host)
			return -1;
		memcpy(host, spec, hl);
		host[hl] = 0;
	}
	if (colon) {
		char *e;
		port = strtol(colon + 1, &e, 10);
		if (*e || port < 1 || port > 65535)
			return -1;
	}
	if (inet_pton(AF_INET, host, &sa->in4.sin_addr) == 1) {
		sa->in4.sin_family = AF_INET;
		sa->in4.sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &sa->in6.sin6_addr) == 1) {
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_port = htons((uint16_t)port);
	} else
		return -1;
	return 0;
}

static int bound_socket(const union sockaddr_any *sa)
{
	int one = 1;
	int fd = socket(sa->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (sa->sa.sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, &sa->sa, sa_len(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void send_answer(const union sockaddr_any *to, const uint8_t *msg, size_t len)
{
	if (sendto(px.lfd, msg, len, MSG_DONTWAIT, &to->sa, sa_len(to)) != (ssize_t)len)
		client.cnt.proxy_drop++;
}

static void slot_close(struct pending *s)
{
	if (s->fd >= 0) {
		loop_del_fd(&client.loop, s->fd);
		close(s->fd);
	}
	s->fd = -1;
}

static void slot_free(struct pending *s)
{
	slot_close(s);
	s->used = 0;
}

static void on_answer(struct loop *l, int fd, uint32_t events, void *arg);

/* (Re)send s to upstream s->up from a new socket (new random source port)
 * under a new random id.  0 / -1. */
static int send_upstream(struct pending *s)
{
	const union sockaddr_any *u = &px.up[s->up];

	s->sent = now_ms();
	s->tries++;
	slot_close(s);
	random_bytes(&s->our_id, sizeof s->our_id);
	store16_be(s->query, s->our_id);
	s->q.id = s->our_id;
	s->fd = socket(u->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	/* connect: the kernel binds a random ephemeral port and delivers only
	 * datagrams from u's address and port to this socket */
	if (connect(s->fd, &u->sa, sa_len(u)) < 0 || loop_add_fd(&client.loop, s->fd, EPOLLIN, on_answer, s) < 0) {
		close(s->fd);
		s->fd = -1;
		return -1;
	}
	return send(s->fd, s->query, s->qlen, MSG_DONTWAIT) == (ssize_t)s->qlen ? 0 : -1;
}

static void on_query(struct loop *l, int fd, uint32_t events, void *arg)
{
	uint8_t buf[4096], out[4096];
	union sockaddr_any from;
	struct dns_question q;

	for (int budget = 0; budget < 64; budget++) {
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC, &from.sa, &fl);
		if (n < 0)
			return;
		/* sizes first: a DNS header at least, at most what a slot holds */
		if (n < DNS_HDR || (size_t)n > sizeof px.slot[0].query || (buf[2] & 0x80)) {
			client.cnt.proxy_drop++;
			log_ratelimited(L_DEBUG, "proxy_qsize", "DNS proxy: %zd-byte datagram from %s is not a query "
			                "we forward: dropped", n, sa_str(&from));
			continue;
		}
		if (dns_is_canary_query(buf, (size_t)n)) {
			int m = dns_make_nxdomain(out, sizeof out, buf, (size_t)n);
			if (m >= 12) {
				out[2] |= 0x80;           /* QR: this is the answer */
				out[3] |= 0x80;           /* RA */
				client.cnt.dns_canary++;
				send_answer(&from, out, (size_t)m);
			}
			continue;
		}
		/* one question, which the answer will have to repeat */
		if (dns_question_get(buf, (size_t)n, &q) < 0 || q.qdcount != 1) {
			client.cnt.proxy_drop++;
			log_ratelimited(L_DEBUG, "proxy_qbad", "DNS proxy: malformed query from %s: dropped", sa_str(&from));
			continue;
		}
		struct pending *s = NULL;
		for (int i = 0; i < PROXY_SLOTS && !s; i++)
			if (!px.slot[i].used)
				s = &px.slot[i];
		if (!s) {
			client.cnt.proxy_drop++;
			log_ratelimited(L_WARNING, "proxy_full", "DNS proxy: too many queries in flight");
			continue;
		}
		memset(s, 0, sizeof *s);
		s->fd = -1;
		s->used = 1;
		s->orig_id = load16_be(buf);
		s->asker = from;
		s->q = q;
		s->qlen = (size_t)n;
		memcpy(s->query, buf, (size_t)n);
		if (send_upstream(s) < 0)
			log_ratelimited(L_WARNING, "proxy_send", "DNS proxy: send to %s: %s (retried)", sa_str(&px.up[s->up]),
			                strerror(errno));
	}
}

/* An answer held for a peer: it goes back to the asker when released. */
struct held_answer {
	union sockaddr_any asker;
	size_t len;
	uint8_t msg[];                  /* the answer as the upstream gave it */
};

static void release_answer(void *ctx, const uint8_t *dns, size_t len)
{
	struct held_answer *a = ctx;
	if (dns)
		send_answer(&a->asker, dns, len);
	else
		send_answer(&a->asker, a->msg, a->len);
	free(a);
}

static void hold(struct peer *p, const union sockaddr_any *asker, const uint8_t *msg, size_t len, uint64_t now)
{
	struct held_answer *a = malloc(sizeof *a + len);
	if (a) {
		a->asker = *asker;
		a->len = len;
		memcpy(a->msg, msg, len);
		if (held_add(p, msg, len, release_answer, a, now) == 0)
			return;
		free(a);
	}
	client.cnt.dns_failopen++;
	send_answer(asker, msg, len);
}

static void on_answer(struct loop *l, int fd, uint32_t events, void *arg)
{
	static uint8_t buf[65536], out[65536];
	struct pending *s = arg;
	union sockaddr_any from;
	struct dns_question a;

	for (int budget = 0; budget < 16 && s->used && s->fd == fd; budget++) {
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC, &from.sa, &fl);
		if (n < 0)
			return;
		if (n < DNS_HDR || (size_t)n > sizeof buf) {
			client.cnt.proxy_drop++;
			log_ratelimited(L_DEBUG, "proxy_asize", "DNS proxy: %zd-byte answer from %s: dropped", n,
			                sa_str(&from));
			continue;
		}
		/* the kernel already filtered on address and port (connected socket) */
		if (!sa_equal(&from, &px.up[s->up]) || dns_question_get(buf, (size_t)n, &a) < 0 ||
		    !(a.flags & 0x8000) || !dns_question_same(&a, &s->q)) {
			client.cnt.proxy_mismatch++;
			log_ratelimited(L_WARNING, "proxy_mismatch", "DNS proxy: answer from %s with the wrong id or "
			                "question: dropped (spoofed?)", sa_str(&from));
			continue;
		}
		union sockaddr_any asker = s->asker;
		store16_be(buf, s->orig_id);
		slot_free(s);

		struct peer *p = NULL;
		size_t outlen = 0;
		uint64_t now = now_ms();
		/* the answer goes to the asker's socket: our own lookups' answers
		 * (txt.c, through this proxy) pass */
		switch (dns_decide(buf, (size_t)n, &asker, out, sizeof out, &outlen, &p, now)) {
		case DEC_PASS:
			send_answer(&asker, buf, (size_t)n);
			break;
		case DEC_REPLACE:
			send_answer(&asker, out, outlen);
			break;
		case DEC_HOLD:
			hold(p, &asker, buf, (size_t)n, now);
			break;
		case DEC_DROP:          /* only for in-place (TCP) decisions: never here */
			client.cnt.proxy_drop++;
			break;
		}
		return;
	}
}

static void on_sweep(struct loop *l, struct timer *t)
{
	uint64_t now = now_ms();
	for (int i = 0; i < PROXY_SLOTS; i++) {
		struct pending *s = &px.slot[i];
		if (!s->used || now - s->sent < PROXY_TRY_MS)
			continue;
		if (s->tries >= PROXY_TRIES) {
			slot_free(s);
			client.cnt.proxy_drop++;
			continue;
		}
		s->up = (s->up + 1) % px.nup;     /* next upstream, new port, new id */
		send_upstream(s);
	}
	dnsproxy_tcp_sweep(now);
	timer_in(l, &px.sweep, 250);
}

int dnsproxy_start(const char *spec)
{
	union sockaddr_any ns[PROXY_MAX_UP + 4];
	int n;

	if (parse_spec(spec, &px.listen) < 0) {
		log_error("--dns-proxy: cannot parse %s (ADDR or ADDR:PORT)", spec);
		return -1;
	}
	n = resolv_nameservers(ns, (int)ARRAY_SIZE(ns));
	for (int i = 0; i < n && px.nup < PROXY_MAX_UP; i++) {
		if (sa_equal(&ns[i], &px.listen))
			continue;    /* that is us: asking ourselves would loop */
		px.up[px.nup++] = ns[i];
	}
	if (px.nup == 0) {
		log_error("--dns-proxy: no upstream resolver in /etc/resolv.conf (other than %s)",
		          sa_str(&px.listen));
		return -1;
	}
	px.lfd = bound_socket(&px.listen);
	if (px.lfd < 0) {
		log_error("--dns-proxy: cannot bind %s: %s", sa_str(&px.listen), strerror(errno));
		return -1;
	}
	for (int i = 0; i < PROXY_SLOTS; i++)
		px.slot[i].fd = -1;
	/* a socket per query in flight, two per TCP connection: make room
	 * for them (still root here) */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < PROXY_SLOTS + 1024) {
		rl.rlim_cur = rl.rlim_max < PROXY_SLOTS + 1024 ? rl.rlim_max : PROXY_SLOTS + 1024;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (loop_add_fd(&client.loop, px.lfd, EPOLLIN, on_query, NULL) < 0)
		return -1;
	if (dnsproxy_tcp_start(&px.listen, px.up, px.nup) < 0)
		log_warn("--dns-proxy: cannot listen on TCP %s: %s (DNS over TCP not served)", sa_str(&px.listen),
		         strerror(errno));
	timer_init(&px.sweep, on_sweep, NULL);
	timer_in(&client.loop, &px.sweep, 250);
	for (int i = 0; i < px.nup; i++)
		log_info("DNS proxy on %s, upstream %s", sa_str(&px.listen), sa_str(&px.up[i]));
	return 0;
}

void dnsproxy_stop(void)
{
	dnsproxy_tcp_stop();
	timer_cancel(&client.loop, &px.sweep);
	for (int i = 0; i < PROXY_SLOTS; i++)
		if (px.slot[i].used)
			slot_free(&px.slot[i]);
	if (px.lfd >= 0) {
		loop_del_fd(&client.loop, px.lfd);
		close(px.lfd);
	}
	px.lfd = -1;
}

/* The system's resolvers (/etc/resolv.conf) and the TXT lookups that give
 * the ports of a short (55-character) pq1 name (PROTOCOL.md §4.5):
 * TXT <owner> "p=<crypto port>" and TXT ks.<owner> "ip=...;p=<key port>".
 * Each lookup has its own socket connect()ed to the first nameserver,
 * one retry, and a deadline.  Its answer passes our own queue untouched
 * (answers with TXT records are never rewritten).
 *
 * The same machinery looks up the AAAA records of a pq1 name, for a server
 * the client reaches over IPv6 (no A record, or no IPv4 route).  Those
 * answers would have their AAAA records removed by our own queue: the
 * lookup is registered with intercept.c (id and question), which lets
 * exactly that answer pass. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "client/client.h"
#include "client/intercept.h"
#include "client/txt.h"
#include "crypto/crypto.h"
#include "proto/dns.h"
#include "io/log.h"

#define TXT_TRY_MS 1000
#define TXT_TRIES 2

int resolv_nameservers(union sockaddr_any *out, int max)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/etc/resolv.conf", "re");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof line, f)) {
		char addr[128];
		if (sscanf(line, " nameserver %127s", addr) != 1)
			continue;
		char *pct = strchr(addr, '%');   /* fe80::1%eth0: scope ids not supported */
		if (pct)
			continue;
		memset(&out[n], 0, sizeof out[n]);
		if (inet_pton(AF_INET, addr, &out[n].in4.sin_addr) == 1) {
			out[n].in4.sin_family = AF_INET;
			out[n].in4.sin_port = htons(53);
			n++;
		} else if (inet_pton(AF_INET6, addr, &out[n].in6.sin6_addr) == 1) {
			out[n].in6.sin6_family = AF_INET6;
			out[n].in6.sin6_port = htons(53);
			n++;
		}
	}
	fclose(f);
	return n;
}

struct txtq {
	int fd;
	int ks;
	uint16_t qtype;                 /* DNS_TYPE_TXT or DNS_TYPE_AAAA */
	void (*addr_cb)(void *arg, const uint8_t (*addrs)[16], unsigned n);
	uint16_t id;
	uint8_t query[DNS_MAX_NAME + 32];
	size_t qlen;
	unsigned tries;
	int port;
	struct timer retry;
	void (*cb)(void *arg, int port);
	void *arg;
};

static void txtq_free(struct txtq *q)
{
	if (q->qtype == DNS_TYPE_AAAA)
		own_query_del(q->query, q->qlen);
	timer_cancel(&client.loop, &q->retry);
	loop_del_fd(&client.loop, q->fd);
	close(q->fd);
	free(q);
}

static void addr_end(struct txtq *q, const uint8_t (*addrs)[16], unsigned n)
{
	void (*cb)(void *, const uint8_t (*)[16], unsigned) = q->addr_cb;
	void *arg = q->arg;
	txtq_free(q);
	cb(arg, addrs, n);
}

static void txt_end(struct txtq *q, int port)
{
	if (q->qtype == DNS_TYPE_AAAA) {
		addr_end(q, NULL, 0);
		return;
	}
	void (*cb)(void *, int) = q->cb;
	void *arg = q->arg;
	txtq_free(q);
	cb(arg, port);
}

static int on_string(void *arg, const uint8_t *txt, size_t n)
{
	struct txtq *q = arg;
	uint16_t port;
	if ((q->ks ? dns_txt_parse_ks(txt, n, &port) : dns_txt_parse_p(txt, n, &port)) == 0) {
		q->port = port;
		return 1;
	}
	return 0;
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct txtq *q = arg;
	uint8_t buf[4096];
	int rcode;

	for (int budget = 0; budget < 16; budget++) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			return;
		if ((size_t)n > sizeof buf) {          /* MSG_TRUNC: the real length */
			log_ratelimited(L_DEBUG, "txt_long", "TXT answer of %zd bytes: longer than %zu, ignored", n, sizeof buf);
			continue;
		}
		if (q->qtype == DNS_TYPE_AAAA) {
			static struct dns_info info;
			struct dns_question mine, theirs;
			if (dns_inspect(buf, (size_t)n, &info) < 0 || info.id != q->id ||
			    dns_question_get(q->query, q->qlen, &mine) < 0 ||
			    dns_question_get(buf, (size_t)n, &theirs) < 0 || !dns_question_same(&mine, &theirs))
				continue;   /* not our answer */
			addr_end(q, (const uint8_t (*)[16])info.addrs6, info.naddrs6);
			return;
		}
		q->port = -1;
		if (dns_txt_strings(buf, (size_t)n, q->id, &rcode, on_string, q) < 0)
			continue;   /* not our answer */
		if (q->port < 0)
			log_debug("TXT answer without a usable record (rcode %d)", rcode);
		txt_end(q, q->port);
		return;
	}
}

static void on_retry(struct loop *l, struct timer *t)
{
	struct txtq *q = t->arg;
	if (q->tries >= TXT_TRIES) {
		log_debug("%s lookup timed out", q->qtype == DNS_TYPE_AAAA ? "AAAA" : "TXT");
		txt_end(q, -1);
		return;
	}
	send(q->fd, q->query, q->qlen, MSG_DONTWAIT);
	q->tries++;
	timer_in(l, &q->retry, TXT_TRY_MS);
}

static struct txtq *lookup(const char *name, uint16_t qtype)
{
	union sockaddr_any ns[4];
	struct txtq *q;
	int n = resolv_nameservers(ns, 4);

	if (n == 0)
		sa_from_ip4(&ns[0], 0x7f000001, 53);
	q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	random_bytes(&q->id, sizeof q->id);
	int len = dns_build_query(q->query, sizeof q->query, q->id, name, qtype);
	q->fd = socket(ns[0].sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (len < 0 || q->fd < 0 || connect(q->fd, &ns[0].sa, sa_len(&ns[0])) < 0 ||
	    loop_add_fd(&client.loop, q->fd, EPOLLIN, on_readable, q) < 0) {
		if (q->fd >= 0)
			close(q->fd);
		free(q);
		return NULL;
	}
	q->qlen = (size_t)len;
	q->qtype = qtype;
	timer_init(&q->retry, on_retry, q);
	log_debug("%s lookup %s via %s", qtype == DNS_TYPE_AAAA ? "AAAA" : "TXT", name, sa_str(&ns[0]));
	return q;
}

struct txtq *txt_lookup(const char *name, int ks, void (*cb)(void *arg, int port), void *arg)
{
	struct txtq *q = lookup(name, DNS_TYPE_TXT);
	if (!q)
		return NULL;
	q->ks = ks;
	q->cb = cb;
	q->arg = arg;
	on_retry(&client.loop, &q->retry);
	return q;
}

struct txtq *aaaa_lookup(const char *name, void (*cb)(void *arg, const uint8_t (*addrs)[16], unsigned n), void *arg)
{
	struct txtq *q = lookup(name, DNS_TYPE_AAAA);
	if (!q)
		return NULL;
	/* the socket's own address: only answers to it are our lookup's */
	union sockaddr_any local;
	socklen_t ll = sizeof local;
	memset(&local, 0, sizeof local);
	if (getsockname(q->fd, &local.sa, &ll) < 0 || own_query_add(q->query, q->qlen, &local) < 0) {
		q->qtype = DNS_TYPE_TXT;   /* nothing registered to take back */
		txtq_free(q);
		return NULL;
	}
	q->addr_cb = cb;
	q->arg = arg;
	on_retry(&client.loop, &q->retry);
	return q;
}

void txt_cancel(struct txtq *q)
{
	if (q)
		txtq_free(q);
}

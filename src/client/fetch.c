/* Static and ephemeral keys from a server's key server (PROTOCOL.md §6),
 * and the on-disk cache of verified static keys.
 *
 * Key tree: level by level ((0,0) and (1,0), then the 26 depth-2 nodes,
 * then the 910 leaves), at most FETCH_WINDOW requests outstanding, each
 * resent after FETCH_RTO_MS; every node is checked against its parent by
 * keytree_offer, so nothing unverified is ever kept.  The socket is
 * connect()ed to the server's IP and key port: the kernel drops datagrams
 * from anyone else. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "client/client.h"
#include "client/fetch.h"
#include "io/keycache.h"
#include "io/log.h"
#include "proto/keymsg.h"
#include "proto/keytree.h"

#define FETCH_WINDOW 64
#define FETCH_RTO_MS 200
#define FETCH_PUMP_MS 50
#define FETCH_DEADLINE_MS 8000
#define EPH_RETRY_MS 300
#define EPH_DEADLINE_MS 3000
#define REFUSED_GIVEUP 3       /* ICMP port unreachable this often: the port is closed */

static int connected_socket(const union sockaddr_any *host, uint16_t port)
{
	union sockaddr_any sa = *host;
	sa_set_port(&sa, port);
	return udp_connected(&sa);
}

/* ------------------------------------------------------------ key tree -- */

struct keyfetch {
	int fd;
	struct keytree tree;
	int level;                 /* 0 (root and depth 1), 2, 3 */
	int got_root;
	uint64_t sent[KT_NODES];   /* last send time per node, 0 = never */
	uint64_t started;
	unsigned requests, refused;
	struct timer pump, deadline;
	void (*cb)(void *arg, const uint8_t *data);
	void *arg;
};

/* Nodes of a level as (depth, pos) by index. */
static unsigned level_nodes(int level) { return level == 0 ? 2 : keytree_level_count((unsigned)level); }
static void level_node(int level, unsigned i, unsigned *depth, unsigned *pos)
{
	if (level == 0) {
		*depth = i;       /* (0,0) and (1,0) */
		*pos = 0;
	} else {
		*depth = (unsigned)level;
		*pos = i;
	}
}
static unsigned node_index(int level, unsigned i) { return level == 0 ? i : level == 2 ? 2 + i : 28 + i; }

static int have_node(const struct keyfetch *f, unsigned depth, unsigned pos)
{
	switch (depth) {
	case 0: return f->got_root;
	case 1: return f->tree.have_l1;
	case 2: return f->tree.have_l2[pos];
	default: return f->tree.have_leaf[pos];
	}
}

static int level_done(const struct keyfetch *f)
{
	unsigned d, pos;
	for (unsigned i = 0; i < level_nodes(f->level); i++) {
		level_node(f->level, i, &d, &pos);
		if (!have_node(f, d, pos))
			return 0;
	}
	return 1;
}

static void send_requests(struct keyfetch *f)
{
	uint8_t req[KM_STATIC_OVERHEAD + KT_SEG];
	uint64_t now = now_ms();
	unsigned outstanding = 0, d, pos, n = level_nodes(f->level);

	for (unsigned i = 0; i < n; i++) {
		level_node(f->level, i, &d, &pos);
		uint64_t s = f->sent[node_index(f->level, i)];
		if (!have_node(f, d, pos) && s && now - s < FETCH_RTO_MS)
			outstanding++;
	}
	for (unsigned i = 0; i < n && outstanding < FETCH_WINDOW; i++) {
		level_node(f->level, i, &d, &pos);
		uint64_t *s = &f->sent[node_index(f->level, i)];
		if (have_node(f, d, pos) || (*s && now - *s < FETCH_RTO_MS))
			continue;
		int len = keymsg_static_req_build(req, sizeof req, d, pos);
		if (len < 0)
			continue;
		if (send(f->fd, req, (size_t)len, MSG_DONTWAIT) != len && errno == EAGAIN)
			break;   /* socket buffer full: the pump timer retries */
		*s = now;
		outstanding++;
		f->requests++;
	}
}

static void keyfetch_free(struct keyfetch *f)
{
	timer_cancel(&client.loop, &f->pump);
	timer_cancel(&client.loop, &f->deadline);
	loop_del_fd(&client.loop, f->fd);
	close(f->fd);
	keytree_free(&f->tree);
	free(f);
}

static void keyfetch_end(struct keyfetch *f, int ok)
{
	void (*cb)(void *, const uint8_t *) = f->cb;
	void *arg = f->arg;
	if (ok)
		log_debug("key tree: %u requests for %u nodes in %llu ms", f->requests, KT_NODES,
		          (unsigned long long)(now_ms() - f->started));
	/* the callback runs while the data is still ours; it must not cancel f */
	f->cb = NULL;
	cb(arg, ok ? f->tree.data : NULL);
	keyfetch_free(f);
}

static void on_key_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct keyfetch *f = arg;
	uint8_t buf[UDP_BUFSZ];

	for (int budget = 0; budget < 256; budget++) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == ECONNREFUSED && ++f->refused >= REFUSED_GIVEUP) {
			log_debug("key server port closed (ICMP port unreachable)");
			keyfetch_end(f, 0);
			return;
		}
		if (n < 0 && errno == ECONNREFUSED)
			continue;
		if (n < 0)
			break;
		if ((size_t)n > sizeof buf) {          /* MSG_TRUNC: the real length */
			client.cnt.key_stray++;
			continue;
		}
		unsigned depth, pos;
		const uint8_t *node;
		size_t nlen;
		if (keymsg_static_resp_parse(buf, (size_t)n, &depth, &pos, &node, &nlen) < 0) {
			client.cnt.key_stray++;
			continue;
		}
		int r = keytree_offer(&f->tree, depth, pos, node, nlen);
		if (r < 0) {
			client.cnt.key_bad_node++;
			log_ratelimited(L_WARNING, "bad_node", "key server sent a node (%u,%u) that does not verify",
			                depth, pos);
			continue;
		}
		if (depth == 0)
			f->got_root = 1;
	}
	while (level_done(f)) {
		if (f->level == 3) {
			keyfetch_end(f, keytree_complete(&f->tree));
			return;
		}
		f->level = f->level == 0 ? 2 : 3;
	}
	send_requests(f);
}

static void on_pump(struct loop *l, struct timer *t)
{
	struct keyfetch *f = t->arg;
	send_requests(f);
	timer_in(l, &f->pump, FETCH_PUMP_MS);
}

static void on_fetch_deadline(struct loop *l, struct timer *t)
{
	struct keyfetch *f = t->arg;
	log_warn("key download timed out (level %d, %u requests)", f->level, f->requests);
	keyfetch_end(f, 0);
}

struct keyfetch *keyfetch_start(const union sockaddr_any *host, uint16_t port, const uint8_t hash[32],
                                void (*cb)(void *arg, const uint8_t *data), void *arg)
{
	struct keyfetch *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->fd = connected_socket(host, port);
	if (f->fd < 0) {
		free(f);
		return NULL;
	}
	if (keytree_init_fetch(&f->tree, hash) < 0 ||
	    loop_add_fd(&client.loop, f->fd, EPOLLIN, on_key_readable, f) < 0) {
		keytree_free(&f->tree);
		close(f->fd);
		free(f);
		return NULL;
	}
	f->cb = cb;
	f->arg = arg;
	f->started = now_ms();
	timer_init(&f->pump, on_pump, f);
	timer_init(&f->deadline, on_fetch_deadline, f);
	timer_in(&client.loop, &f->pump, FETCH_PUMP_MS);
	timer_in(&client.loop, &f->deadline, FETCH_DEADLINE_MS);
	send_requests(f);
	return f;
}

void keyfetch_cancel(struct keyfetch *f)
{
	if (f)
		keyfetch_free(f);
}

/* ----------------------------------------------------------- ephemeral -- */

struct ephfetch {
	int fd;
	unsigned tries, refused;
	struct timer retry, deadline;
	void (*cb)(void *arg, const uint8_t *ntru_pk, const uint8_t *x_pk);
	void *arg;
};

static void ephfetch_free(struct ephfetch *f)
{
	timer_cancel(&client.loop, &f->retry);
	timer_cancel(&client.loop, &f->deadline);
	loop_del_fd(&client.loop, f->fd);
	close(f->fd);
	free(f);
}

static void eph_send(struct ephfetch *f)
{
	uint8_t req[KM_EPH_LEN];
	keymsg_eph_req_build(req);
	send(f->fd, req, sizeof req, MSG_DONTWAIT);
	f->tries++;
}

static void on_eph_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ephfetch *f = arg;
	uint8_t buf[UDP_BUFSZ];
	const uint8_t *ntru, *x;

	for (int budget = 0; budget < 64; budget++) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == ECONNREFUSED && ++f->refused >= REFUSED_GIVEUP) {
			void (*cb)(void *, const uint8_t *, const uint8_t *) = f->cb;
			log_debug("key server port closed (ICMP port unreachable)");
			f->cb = NULL;
			cb(f->arg, NULL, NULL);
			ephfetch_free(f);
			return;
		}
		if (n < 0 && errno == ECONNREFUSED)
			continue;
		if (n < 0)
			return;
		if ((size_t)n > sizeof buf) {          /* MSG_TRUNC: the real length */
			client.cnt.key_stray++;
			continue;
		}
		if (keymsg_eph_resp_parse(buf, (size_t)n, &ntru, &x) < 0) {
			client.cnt.key_stray++;
			continue;
		}
		void (*cb)(void *, const uint8_t *, const uint8_t *) = f->cb;
		void *cbarg = f->arg;
		f->cb = NULL;
		cb(cbarg, ntru, x);
		ephfetch_free(f);
		return;
	}
}

static void on_eph_retry(struct loop *l, struct timer *t)
{
	struct ephfetch *f = t->arg;
	eph_send(f);
	timer_in(l, &f->retry, EPH_RETRY_MS);
}

static void on_eph_deadline(struct loop *l, struct timer *t)
{
	struct ephfetch *f = t->arg;
	void (*cb)(void *, const uint8_t *, const uint8_t *) = f->cb;
	log_debug("no ephemeral key after %u requests", f->tries);
	f->cb = NULL;
	cb(f->arg, NULL, NULL);
	ephfetch_free(f);
}

struct ephfetch *ephfetch_start(const union sockaddr_any *host, uint16_t port,
                                void (*cb)(void *arg, const uint8_t *ntru_pk, const uint8_t *x_pk), void *arg)
{
	struct ephfetch *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->fd = connected_socket(host, port);
	if (f->fd < 0 || loop_add_fd(&client.loop, f->fd, EPOLLIN, on_eph_readable, f) < 0) {
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return NULL;
	}
	f->cb = cb;
	f->arg = arg;
	timer_init(&f->retry, on_eph_retry, f);
	timer_init(&f->deadline, on_eph_deadline, f);
	eph_send(f);
	timer_in(&client.loop, &f->retry, EPH_RETRY_MS);
	timer_in(&client.loop, &f->deadline, EPH_DEADLINE_MS);
	return f;
}

void ephfetch_cancel(struct ephfetch *f)
{
	if (f)
		ephfetch_free(f);
}

/* ---------------------------------------------------------- disk cache -- */

uint8_t *client_keycache_load(const uint8_t hash[32])
{
	uint8_t *data;
	if (keycache_load(client.keydir, hash, time(NULL), KEYCACHE_MAX_AGE_S, &data) < 0)
		return NULL;
	return data;
}

void client_keycache_store(const uint8_t hash[32], const uint8_t *data)
{
	if (keycache_store(client.keydir, hash, data) < 0)
		log_debug("key cache: cannot store keys in %s: %s", client.keydir, strerror(errno));
}

/* The server's data threads (dataplane.c) under real concurrency: two
 * data threads, each with its own UDP socket on loopback and its own "TUN"
 * (a SOCK_SEQPACKET socketpair that carries one IPv4 packet per message),
 * get tunnel packets of the same peers on both sockets (so one tunnel is
 * opened by both threads at once), packets to seal from both TUN ends,
 * junk that is only counted and datagrams that must be deferred (an
 * initiation, unknown TIDs); meanwhile this thread, as the event loop does,
 * takes the write lock to remove and re-add a peer and reads the summed
 * counters.  Checks: every thread decrypted and sealed, the deferred
 * datagrams reached the single-threaded code, the counters add up, the
 * threads stop.  Meant for ThreadSanitizer (meson -Db_sanitize=thread) as
 * much as for the ordinary and ASan builds. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "common.h"
#include "crypto/crypto.h"
#include "io/log.h"
#include "proto/ipv4.h"
#include "io/tunerr.h"
#include "server/server.h"

#define NPEERS 4
#define ROUNDS 400                      /* packets per peer */

static struct server srv;
static struct tunnel client[NPEERS];
static struct hs_keys keys[NPEERS];
static union sockaddr_any peer_ep;      /* where the peers "are" (a socket of ours) */

static void make_keys(struct hs_keys *k, unsigned i)
{
	for (unsigned j = 0; j < 32; j++) {
		k->tid[j] = (uint8_t)(0x30 + 5 * j + 11 * i);
		k->t_i[j] = (uint8_t)(0x21 * (i + 1) + j);
		k->t_r[j] = (uint8_t)(0x6a ^ (29 * j + i));
	}
}

/* an IPv4 UDP packet of 60 bytes from src to dst (checksum left 0) */
static size_t inner(uint8_t *p, uint32_t src, uint32_t dst, unsigned seq)
{
	memset(p, 0, 60);
	p[0] = 0x45;
	p[3] = 60;
	p[8] = 64;
	p[9] = 17;
	store32_be(p + 12, src);
	store32_be(p + 16, dst);
	store16_be(p + 20, 1000);
	store16_be(p + 22, 2000);
	store16_be(p + 24, 40);
	store32_be(p + 28, seq);
	store16_be(p + 10, csum_fold(csum_partial(p, 20, 0)));
	return 60;
}

static int udp_local(union sockaddr_any *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int big = 4 << 20;
	socklen_t al = sizeof *a;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	sa_from_ip4(a, 0x7f000001, 0);
	if (fd < 0 || bind(fd, &a->sa, sizeof a->in4) < 0 || getsockname(fd, &a->sa, &al) < 0)
		return -1;
	return fd;
}

static uint64_t total(uint64_t (*get)(const struct server_stats *))
{
	struct server_stats st;
	pthread_rwlock_rdlock(&srv.lock);
	server_stats_total(&srv, &st);
	pthread_rwlock_unlock(&srv.lock);
	return get(&st);
}
static uint64_t opened(const struct server_stats *st)
{
	return st->tun_ok + st->tun_replay + st->tun_old + st->tun_auth + st->tun_epoch + st->tun_ahead +
	       st->tun_write_fail + st->tun_bad_inner;
}
static uint64_t sealed(const struct server_stats *st) { return st->out_ok + st->out_no_peer + st->out_seal_fail; }
static uint64_t unknown(const struct server_stats *st) { return st->tun_unknown_tid; }
static uint64_t initiations(const struct server_stats *st)
{
	return st->hs_no_ephkey + st->hs_ratelimited + st->hs_replay + st->hs_bad_len;
}
static uint64_t junk(const struct server_stats *st) { return st->hsfail_ignored + st->crypto_unknown_type; }

/* read and drop what the threads wrote to their TUN ends and to the peers */
static void drain_fd(int fd)
{
	uint8_t b[4096];
	while (read(fd, b, sizeof b) > 0)
		;
}

int main(void)
{
	struct server *s = &srv;
	int sp[2][2], peer_fd, devnull;
	union sockaddr_any addr[2];
	uint8_t pt[128], dg[256];
	uint64_t now = now_ms();
	unsigned sent_tun = 0, sent_seal = 0;

	log_set_level(L_ERROR);
	CHECK(crypto_init() == 0);
	s->tun_addr = 0x0a2a0001;
	s->maskbits = 16;
	s->mtu4 = 1200;                 /* the defaults: IPv4 1200 on a 1280 TUN */
	s->mtu6 = 1280;
	tunerr_init(&s->tun_err_rl);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK(devnull >= 0);
	CHECK(peers_init(s) == 0 && addrpool_init(&s->pool, s->tun_addr, s->maskbits) == 0);
	CHECK(replaycache_init(&s->replay, 60000) == 0);
	ratelimit_init(&s->hs_rl, 10, 20, 5000, 5000);
	ratelimit_init(&s->hs_cookie_rl, 10, 20, 5000, 5000);
	ratelimit_init(&s->hint_rl, 5, 10, 2000, 2000);
	CHECK(hspool_start(&s->hsp, 0, NULL, NULL) == 0);
	CHECK(tunio_adopt(&s->tio, devnull, 0) == 0);
	s->tx.fd = devnull;
	peer_fd = udp_local(&peer_ep);
	CHECK(peer_fd >= 0);
	for (unsigned i = 0; i < NPEERS; i++) {
		make_keys(&keys[i], i);
		tunnel_init(&client[i], &keys[i], 1, now);
		struct peer *p = peer_add(s, &keys[i], &peer_ep, now);
		CHECK(p != NULL);
		peer_mark_alive(s, p);
	}

	s->nthreads = 2;
	s->dw = calloc(2, sizeof *s->dw);
	CHECK(s->dw != NULL);
	for (int i = 0; i < 2; i++) {
		struct dworker *w = &s->dw[i];
		CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp[i]) == 0);
		w->fd = udp_local(&addr[i]);
		CHECK(w->fd >= 0 && udp_rx_init(&w->rx) == 0 && tunio_adopt(&w->tio, sp[i][0], 0) == 0);
		w->tx.fd = w->fd;
	}
	CHECK(dataplane_start(s) == 0);

	/* the traffic: each peer's packets alternately to both threads' sockets,
	 * a packet to seal for it into both TUN ends; every 50 rounds a peer is
	 * removed and added again under the write lock, as the loop would */
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < NPEERS; i++) {
			uint32_t a = 0x0a2a0002 + i;    /* the pool hands out .2, .3, ... in order */
			size_t n = inner(pt, a, s->tun_addr, r);
			int len = tunnel_seal(&client[i], dg, sizeof dg, pt, n, now_ms());
			if (len > 0 && sendto(peer_fd, dg, (size_t)len, 0, &addr[(r + i) % 2].sa, sizeof addr[0].in4) == len)
				sent_tun++;
			n = inner(pt, s->tun_addr, a, r);
			if (write(sp[(r + i) % 2][1], pt, n) == (ssize_t)n)
				sent_seal++;
		}
		if (r % 50 == 25) {
			/* junk (counted in the thread), an initiation and an unknown TID (deferred) */
			memset(dg, 0, sizeof dg);
			dg[0] = 3;
			sendto(peer_fd, dg, 60, 0, &addr[r % 2].sa, sizeof addr[0].in4);
			dg[0] = 2;
			memset(dg + 2, 0xee, 32);
			sendto(peer_fd, dg, 120, 0, &addr[(r + 1) % 2].sa, sizeof addr[0].in4);
			uint8_t init[HS_INIT_LEN] = { 1, 0 };
			sendto(peer_fd, init, sizeof init, 0, &addr[r % 2].sa, sizeof addr[0].in4);
		}
		if (r % 50 == 49) {
			unsigned i = (r / 50) % NPEERS;
			pthread_rwlock_wrlock(&s->lock);
			struct peer *p = peer_by_tid(s, keys[i].tid);
			if (p)
				peer_remove(s, p, "test: removed while in use");
			p = peer_add(s, &keys[i], &peer_ep, now_ms());
			if (p)
				peer_mark_alive(s, p);
			pthread_rwlock_unlock(&s->lock);
			/* its tunnel starts over: so does the client's */
			tunnel_wipe(&client[i]);
			tunnel_init(&client[i], &keys[i], 1, now_ms());
		}
		drain_fd(sp[0][1]);
		drain_fd(sp[1][1]);
		drain_fd(peer_fd);
		if (r % 8 == 7)
			usleep(1000);                   /* loopback buffers: let the threads keep up */
	}
	/* wait (bounded) until the threads have seen it all */
	for (int t = 0; t < 500; t++) {
		if (total(opened) >= sent_tun && total(sealed) >= sent_seal && total(unknown) > 0 && total(initiations) > 0)
			break;
		drain_fd(sp[0][1]);
		drain_fd(sp[1][1]);
		drain_fd(peer_fd);
		usleep(10000);
	}
	CHECK_MSG(total(opened) >= sent_tun * 9 / 10, "tunnel packets opened (up to a few lost on loopback)");
	CHECK_MSG(total(sealed) >= sent_seal * 9 / 10, "packets from the TUN ends sealed");
	CHECK_MSG(total(unknown) > 0, "unknown TIDs deferred and counted by the single-threaded code");
	CHECK_MSG(total(initiations) > 0, "initiations deferred and counted by the single-threaded code");
	CHECK_MSG(total(junk) > 0, "03 00 counted in the thread");
	for (int i = 0; i < 2; i++) {
		const struct dworker *w = &s->dw[i];
		CHECK_MSG(__atomic_load_n(&w->pub.tun_ok, __ATOMIC_RELAXED) > 0, "each thread decrypted packets");
		CHECK_MSG(__atomic_load_n(&w->pub.out_ok, __ATOMIC_RELAXED) > 0, "each thread sealed packets");
		CHECK_MSG(__atomic_load_n(&w->pub_deferred, __ATOMIC_RELAXED) > 0, "each thread deferred datagrams");
	}
	dataplane_stop(s);
	CHECK_MSG(1, "the threads stopped");
	printf("# sent %u tunnel packets, %u to seal; opened %llu, sealed %llu\n", sent_tun, sent_seal,
	       (unsigned long long)total(opened), (unsigned long long)total(sealed));
	for (int i = 0; i < 2; i++) {
		struct dworker *w = &s->dw[i];
		tunio_close(&w->tio);
		udp_rx_free(&w->rx);
		close(w->fd);
		close(w->epfd);
		close(w->stopfd);
		free(w->def);
		close(sp[i][1]);
	}
	free(s->dw);
	s->dw = NULL;
	peers_free(s);
	hspool_stop(&s->hsp);
	replaycache_free(&s->replay);
	tunio_close(&s->tio);
	close(peer_fd);
	return check_done();
}

/* pqprobe: a hand-driven PQConnect peer for tests and benchmarks.  It speaks
 * the wire protocol with the project's codecs, one step at a time, so tests
 * can replay, forge, truncate and flood exactly as an attacker would.
 *
 *   pqprobe amp HOST KEYPORT
 *       every request size 0..1400 of every key-server type: no answer may be
 *       larger than its request
 *   pqprobe attack HOST CRYPTOPORT KEYPORT HASH52
 *       a real tunnel, then replayed / forged / truncated / out-of-window
 *       packets and initiations: the tunnel must keep answering
 *   pqprobe handshakes HOST CRYPTOPORT KEYPORT HASH52 N
 *       N fresh initiations as fast as possible (a load generator)
 * Load generators for bench/ (sources spread over NSRC addresses from
 * SRCBASE on, which must be local, because the server rate-limits per source):
 *   pqprobe hsload HOST CRYPTOPORT KEYPORT HASH52 N SRCBASE NSRC RATE
 *       N precomputed fresh initiations, paced at RATE per second
 *   pqprobe tunnels HOST CRYPTOPORT KEYPORT HASH52 N [SRCBASE NSRC RATE]
 *       the same, then one keepalive in each of the N tunnels (marks it alive)
 *   pqprobe fetch HOST KEYPORT HASH52 N [SRCBASE NSRC]
 *       N full key-tree fetches (verified), NSRC fetchers in parallel
 * Oversize packets (issue 13; every datagram sent without DF, so that one
 * longer than the link MTU leaves as IP fragments):
 *   pqprobe oversize HOST CRYPTOPORT KEYPORT HASH52 SIZE...
 *       a real tunnel, then per SIZE one authenticated ICMP echo request of
 *       SIZE bytes of plaintext: one that fits a tunnel packet
 *       (TP_MAX_PLAINTEXT) must be answered, a longer one must not; after
 *       each, an ordinary echo must still come back
 *   pqprobe junk HOST PORT SIZE HEXPREFIX [COUNT]
 *       COUNT (default 1) unauthenticated datagrams of SIZE bytes: HEXPREFIX,
 *       then random bytes
 *   pqprobe hostile ADDR CRYPTOPORT KEYPORT KEYDIR SIZE...
 *       a minimal hostile server with the keys in KEYDIR (pqconnect-keygen):
 *       serves its key tree and an ephemeral key (each kind of answer once
 *       preceded by a 65000-byte one), answers initiations, answers ICMP echo
 *       requests in the tunnel; on SIGUSR1 sends the client one
 *       authenticated ICMP echo request per SIZE, as in oversize (again on
 *       each further SIGUSR1 once done); SIGTERM or SIGINT ends it
 * Flood tests (tests/e2e/flood, bench/extra):
 *   pqprobe flood HOST CRYPTOPORT KEYPORT HASH52 RATE SECONDS SRCBASE NPFX NHOST
 *       initiations at RATE/s for SECONDS, each from a forged source: NPFX
 *       /24 networks from SRCBASE on, NHOST addresses in each, random ports
 *       (a raw socket: root; nothing comes back).  Valid fresh ones (a new
 *       McEliece encapsulation each; the ephemeral parts shared, which the
 *       server cannot tell) as fast as this CPU makes them; when that falls
 *       behind RATE, the rest are copies of FLOOD_POOL valid ones made
 *       beforehand with the last tag (t3) changed: the server finds out only
 *       after the decapsulation and a try with every accepted ephemeral key
 *       (the costliest failure), and never remembers them as replays
 *   pqprobe trials HOST CRYPTOPORT KEYPORT HASH52 N [PINGS]
 *       N fresh tunnels one after the other, as a reference client makes
 *       them (ephemeral key, plain initiation), each timed from the
 *       ephemeral-key request to the first echo reply through the tunnel
 *       (at most 3 s); "trial I: MS ms" or "trial I: none"; PINGS - 1
 *       more echoes through each tunnel that answered (tests/e2e/threads:
 *       packets of live tunnels), each of them required to come back
 * Session resumption (tests/e2e/sessions):
 *   pqprobe claim HOST CRYPTOPORT KEYPORT HASH52 ADDR
 *       a real tunnel (from wherever pqprobe runs: in the victim client's
 *       namespace, its source address), then resumption claims for ADDR
 *       (another client's internal address on the server) with the proof
 *       of a made-up secret, and with a proof made for another tunnel id:
 *       each grant must keep this tunnel on an address other than ADDR
 * Prints "ok ..." / "FAIL ..." lines and exits 1 on any failure. */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "crypto/crypto.h"
#include "core/tunnel.h"
#include "proto/handshake.h"
#include "proto/ipv4.h"
#include "proto/keymsg.h"
#include "proto/keytree.h"
#include "proto/pq1name.h"
#include "proto/sessionmsg.h"
#include "proto/tunnelpkt.h"
#include "proto/base32.h"

static int failures;
static struct sockaddr_in srv_key, srv_crypto;

#define OK(cond, ...) do { if (cond) { printf("ok "); } else { printf("FAIL "); failures++; } \
	printf(__VA_ARGS__); printf("\n"); fflush(stdout); } while (0)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sock(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	/* a whole key tree (about 1.1 MB) may arrive at once: room for it */
	int sz = 4 << 20;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	struct sockaddr_in a = { .sin_family = AF_INET };
	bind(fd, (struct sockaddr *)&a, sizeof a);
	return fd;
}

/* receive one datagram within ms; length or -1 */
static int recv_wait(int fd, uint8_t *buf, size_t cap, int ms, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof *from;
	struct sockaddr_in dummy;
	if (poll(&p, 1, ms) <= 0)
		return -1;
	return (int)recvfrom(fd, buf, cap, 0, (struct sockaddr *)(from ? from : &dummy), &fl);
}

static void sendto_addr(int fd, const void *b, size_t n, const struct sockaddr_in *a)
{
	sendto(fd, b, n, 0, (const struct sockaddr *)a, sizeof *a);
}

/* ---- amplification ---- */
static int amp(void)
{
	int fd = sock(), answered = 0, larger = 0;
	uint8_t req[1500], resp[4096];
	static const uint16_t types[] = { 0xf000, 0xf200, 0xf100, 0xf300, 0xf400, 0xf500, 0x0100, 0x0000 };
	for (size_t t = 0; t < ARRAY_SIZE(types); t++)
		for (size_t len = 0; len <= 1400; len += (len < 64 ? 1 : 7)) {
			memset(req, 0, sizeof req);
			if (len >= 2)
				store16_be(req, types[t]);
			else if (len == 1)
				req[0] = (uint8_t)(types[t] >> 8);
			/* a plausible static-request header for the f0 00 sizes */
			if (types[t] == 0xf000 && len >= 11) {
				req[3] = 1; req[4] = 3; req[6] = 2; req[7] = 5;
				store16_be(req + 9, (uint16_t)(len - 11));
			}
			sendto_addr(fd, req, len, &srv_key);
			int n = recv_wait(fd, resp, sizeof resp, 20, NULL);
			if (n >= 0) {
				answered++;
				if ((size_t)n > len) {
					larger++;
					printf("  reply of %d bytes to a %zu-byte request of type %04x\n", n, len, types[t]);
				}
			}
		}
	/* the canonical requests are answered with exactly their own size */
	int n = keymsg_static_req_build(req, sizeof req, 3, 909);
	sendto_addr(fd, req, (size_t)n, &srv_key);
	int r = recv_wait(fd, resp, sizeof resp, 1000, NULL);
	OK(r == n, "canonical static request (3,909): %d-byte request, %d-byte reply", n, r);
	keymsg_eph_req_build(req);
	sendto_addr(fd, req, KM_EPH_LEN, &srv_key);
	r = recv_wait(fd, resp, sizeof resp, 1000, NULL);
	OK(r == KM_EPH_LEN, "canonical ephemeral request: %d-byte reply", r);
	sendto_addr(fd, req, 2, &srv_key);
	r = recv_wait(fd, resp, sizeof resp, 300, NULL);
	OK(r < 0, "bare f2 00 gets no answer (the reference answers with 1196 bytes)");
	OK(larger == 0, "no reply larger than its request (%d requests answered of every size, %d larger)", answered, larger);
	close(fd);
	return 0;
}

/* ---- a client session ---- */
struct session {
	struct keytree tree;
	struct tunnel tun;
	int fd;
	uint8_t init[HS_INIT_LEN];
};

static int fetch_fast(int fd, struct keytree *t, const uint8_t root[32]);

/* the whole key tree on a socket of its own (fetch_fast below) */
static int fetch_tree(struct keytree *t, const uint8_t root[32])
{
	int fd = sock();
	int r = fetch_fast(fd, t, root);
	close(fd);
	return r;
}

static int fetch_eph(uint8_t ntru_pk[NTRU_PK_LEN], uint8_t x_pk[32])
{
	int fd = sock();
	uint8_t req[KM_EPH_LEN], resp[4096];
	const uint8_t *np, *xp;
	keymsg_eph_req_build(req);
	for (int i = 0; i < 10; i++) {
		sendto_addr(fd, req, sizeof req, &srv_key);
		int n = recv_wait(fd, resp, sizeof resp, 500, NULL);
		if (n > 0 && keymsg_eph_resp_parse(resp, (size_t)n, &np, &xp) == 0) {
			memcpy(ntru_pk, np, NTRU_PK_LEN);
			memcpy(x_pk, xp, 32);
			close(fd);
			return 0;
		}
	}
	close(fd);
	return -1;
}

static int make_init(struct session *s, struct hs_keys *k)
{
	uint8_t c0[MCE_CT_LEN], k0[32], np[NTRU_PK_LEN], xp[32];
	if (fetch_eph(np, xp) < 0)
		return -1;
	mce_enc(c0, k0, keytree_mce_pk(&s->tree));
	int r = hs_initiate(s->init, k, c0, k0, keytree_x_pk(&s->tree), np, xp);
	wipe(k0, sizeof k0);
	return r;
}

/* an ICMP echo request from 10.43.0.1 to 10.43.0.2 (the server re-addresses it) */
static size_t icmp_echo(uint8_t *p, uint16_t seq)
{
	memset(p, 0, 28);
	p[0] = 0x45; p[9] = 1; p[8] = 64;
	store16_be(p + 2, 28);
	store32_be(p + 12, 0x0a2b0001);
	store32_be(p + 16, 0x0a2b0002);
	store16_be(p + 10, csum_fold(csum_partial(p, 20, 0)));
	p[20] = 8;
	store16_be(p + 24, 0x7071);
	store16_be(p + 26, seq);
	store16_be(p + 22, csum_fold(csum_partial(p + 20, 8, 0)));
	return 28;
}

/* send a ping through the tunnel, 1 if the echo reply comes back */
/* An echo through the tunnel: up to `tries` tries of 1 s each. */
static int ping_tries(struct session *s, uint16_t seq, int tries)
{
	uint8_t pkt[128], out[256], in[4096], pt[4096];
	size_t n = icmp_echo(pkt, seq);
	for (int attempt = 0; attempt < tries; attempt++) {
		int len = tunnel_seal(&s->tun, out, sizeof out, pkt, n, (uint64_t)(now_s() * 1000));
		sendto_addr(s->fd, out, (size_t)len, &srv_crypto);
		double end = now_s() + 1.0;
		while (now_s() < end) {
			int r = recv_wait(s->fd, in, sizeof in, 200, NULL);
			if (r <= 0)
				continue;
			int m = tunnel_open(&s->tun, pt, sizeof pt, in, (size_t)r, (uint64_t)(now_s() * 1000));
			if (m >= 28 && pt[9] == 1 && pt[20] == 0 && load16_be(pt + 26) == seq)
				return 1;
		}
	}
	return 0;
}

/* 3 tries: a server under valgrind may still be busy with what came before */
static int ping(struct session *s, uint16_t seq) { return ping_tries(s, seq, 3); }

static int open_session(struct session *s)
{
	struct hs_keys k;
	s->fd = sock();
	if (make_init(s, &k) < 0)
		return -1;
	sendto_addr(s->fd, s->init, HS_INIT_LEN, &srv_crypto);
	tunnel_init(&s->tun, &k, 1, (uint64_t)(now_s() * 1000));
	wipe(&k, sizeof k);
	usleep(50000);
	return 0;
}

static int attack(const uint8_t root[32])
{
	struct session s, s2;
	uint8_t pkt[128], out[256], saved[256], junk[2048];
	int len, n;

	memset(&s, 0, sizeof s);
	double t0 = now_s();
	OK(fetch_tree(&s.tree, root) == 0, "static key tree fetched and verified (%.0f ms)", (now_s() - t0) * 1000);
	if (failures)
		return 1;
	OK(open_session(&s) == 0, "initiation sent");
	OK(ping(&s, 1), "ping through the tunnel");

	/* replayed initiation: must not create or replace anything */
	sendto_addr(s.fd, s.init, HS_INIT_LEN, &srv_crypto);
	usleep(50000);
	OK(ping(&s, 2), "tunnel still answers after a replayed initiation");

	/* replayed tunnel packet: the server must not deliver it twice */
	n = (int)icmp_echo(pkt, 3);
	len = tunnel_seal(&s.tun, out, sizeof out, pkt, (size_t)n, (uint64_t)(now_s() * 1000));
	memcpy(saved, out, (size_t)len);
	sendto_addr(s.fd, out, (size_t)len, &srv_crypto);
	n = recv_wait(s.fd, junk, sizeof junk, 1000, NULL);
	OK(n > 0, "echo 3 answered once");
	sendto_addr(s.fd, saved, (size_t)len, &srv_crypto);
	n = recv_wait(s.fd, junk, sizeof junk, 500, NULL);
	OK(n < 0, "replayed tunnel packet gets no second answer");

	/* forged packets with the real TID: bad tag, future epochs, far counters */
	for (int i = 0; i < 50; i++) {
		memcpy(junk, saved, (size_t)len);
		random_bytes(junk + 40, (size_t)len - 40);
		junk[34] = 0;
		junk[35] = (uint8_t)(i % 5);
		store32_be(junk + 36, (uint32_t)(i * 977));
		sendto_addr(s.fd, junk, (size_t)len, &srv_crypto);
	}
	/* truncated packets, every length */
	for (int l = 0; l < 56; l++)
		sendto_addr(s.fd, saved, (size_t)l, &srv_crypto);
	/* spoofed handshake-fail and cookie-looking packets */
	sendto_addr(s.fd, "\x03\x00", 2, &srv_crypto);
	sendto_addr(s.fd, "pqccookE0123456789", 18, &srv_crypto);
	/* a truncated and an oversized initiation */
	sendto_addr(s.fd, s.init, HS_INIT_LEN - 1, &srv_crypto);
	memcpy(junk, s.init, HS_INIT_LEN);
	sendto_addr(s.fd, junk, HS_INIT_LEN + 1, &srv_crypto);
	usleep(100000);
	while (recv_wait(s.fd, junk, sizeof junk, 10, NULL) > 0)
		;
	OK(ping(&s, 4), "tunnel still answers after forged, truncated, 03 00 and cookie packets");

	/* a second client gets its own tunnel; the first is unaffected */
	memset(&s2, 0, sizeof s2);
	s2.tree = s.tree;
	OK(open_session(&s2) == 0 && ping(&s2, 5), "a second tunnel works");
	OK(ping(&s, 6), "the first tunnel still works");
	/* roaming: the first client's packets now come from a new port */
	close(s.fd);
	s.fd = sock();
	OK(ping(&s, 7), "roaming: answers follow the new source port");
	/* 0-RTT: an echo sent right behind the initiation, before the server
	 * can have finished the handshake, is answered (held, then handled) */
	struct session s3;
	struct hs_keys k3;
	memset(&s3, 0, sizeof s3);
	s3.tree = s.tree;
	s3.fd = sock();
	if (make_init(&s3, &k3) == 0) {
		sendto_addr(s3.fd, s3.init, HS_INIT_LEN, &srv_crypto);
		tunnel_init(&s3.tun, &k3, 1, (uint64_t)(now_s() * 1000));
		wipe(&k3, sizeof k3);
		/* one try: a second would pass even if the first echo was lost */
		OK(ping_tries(&s3, 8, 1), "an echo sent right behind the initiation is answered (0-RTT)");
	} else
		OK(0, "third initiation made");
	close(s3.fd);
	tunnel_wipe(&s3.tun);
	close(s.fd);
	close(s2.fd);
	tunnel_wipe(&s.tun);
	tunnel_wipe(&s2.tun);
	keytree_free(&s.tree);
	return 0;
}

static int handshakes(const uint8_t root[32], int count)
{
	struct session s;
	memset(&s, 0, sizeof s);
	if (fetch_tree(&s.tree, root) < 0) {
		OK(0, "key fetch");
		return 1;
	}
	uint8_t np[NTRU_PK_LEN], xp[32];
	if (fetch_eph(np, xp) < 0) {
		OK(0, "ephemeral key fetch");
		return 1;
	}
	/* precompute the initiations so the measurement is the server's work */
	uint8_t (*msgs)[HS_INIT_LEN] = malloc((size_t)count * HS_INIT_LEN);
	for (int i = 0; i < count; i++) {
		uint8_t c0[MCE_CT_LEN], k0[32];
		struct hs_keys k;
		mce_enc(c0, k0, keytree_mce_pk(&s.tree));
		hs_initiate(msgs[i], &k, c0, k0, keytree_x_pk(&s.tree), np, xp);
	}
	int fd = sock();
	double t0 = now_s();
	for (int i = 0; i < count; i++)
		sendto_addr(fd, msgs[i], HS_INIT_LEN, &srv_crypto);
	printf("sent %d initiations in %.3f s\n", count, now_s() - t0);
	free(msgs);
	close(fd);
	keytree_free(&s.tree);
	return 0;
}

/* One claim through s's tunnel; the address of the grant (0: none came). */
static uint32_t claim_once(struct session *s, uint32_t addr, const uint8_t secret[32], const uint8_t tid[32])
{
	uint8_t pt[SM_CLAIM_LEN], out[256], in[4096], back[4096];
	sessionmsg_claim_build(pt, addr, secret, tid);
	for (int attempt = 0; attempt < 3; attempt++) {
		int len = tunnel_seal(&s->tun, out, sizeof out, pt, sizeof pt, (uint64_t)(now_s() * 1000));
		sendto_addr(s->fd, out, (size_t)len, &srv_crypto);
		double end = now_s() + 1.0;
		while (now_s() < end) {
			int r = recv_wait(s->fd, in, sizeof in, 200, NULL);
			if (r <= 0)
				continue;
			int m = tunnel_open(&s->tun, back, sizeof back, in, (size_t)r, (uint64_t)(now_s() * 1000));
			int resumed;
			uint32_t got;
			const uint8_t *sec;
			if (m > 0 && sessionmsg_grant_parse(back, (size_t)m, &resumed, &got, &sec) == 0) {
				OK(!resumed, "grant says %s", resumed ? "resumed" : "not resumed");
				return got;
			}
		}
	}
	return 0;
}

static const char *addr_str(uint32_t a)
{
	static char buf[2][16];
	static int n;
	char *b = buf[n++ & 1];
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return a ? b : "(no grant)";
}

static int claim(const uint8_t root[32], const char *victim)
{
	struct session s;
	struct in_addr va;
	uint8_t secret[32], other_tid[32];

	memset(&s, 0, sizeof s);
	if (inet_pton(AF_INET, victim, &va) != 1) {
		OK(0, "address %s", victim);
		return 1;
	}
	uint32_t want = ntohl(va.s_addr);
	if (fetch_tree(&s.tree, root) < 0 || open_session(&s) < 0) {
		OK(0, "tunnel to the server");
		return 1;
	}
	random_bytes(secret, sizeof secret);
	uint32_t got = claim_once(&s, want, secret, s.tun.tid);
	OK(got && got != want, "claim of %s with a made-up secret: the tunnel stays on %s", victim,
	   addr_str(got));
	memcpy(other_tid, s.tun.tid, 32);
	other_tid[0] ^= 0x80;
	got = claim_once(&s, want, secret, other_tid);
	OK(got && got != want, "claim of %s with a proof for another tunnel: the tunnel stays on %s", victim,
	   addr_str(got));
	close(s.fd);
	keytree_free(&s.tree);
	return 0;
}

static int bench_main(int argc, char **argv, int *rc);
static int over_main(int argc, char **argv, int *rc);
static int flood_main(int argc, char **argv);
static uint32_t parse_src(const char *s);

int main(int argc, char **argv)
{
	uint8_t root[32];
	int brc;
	if (bench_main(argc, argv, &brc))
		return brc;
	if (over_main(argc, argv, &brc))
		return brc;
	if (argc < 4 || crypto_init() < 0) {
		fprintf(stderr, "usage: pqprobe amp HOST KEYPORT | attack HOST CPORT KPORT HASH52 | handshakes HOST CPORT KPORT HASH52 N\n");
		return 2;
	}
	srv_key.sin_family = srv_crypto.sin_family = AF_INET;
	inet_pton(AF_INET, argv[2], &srv_key.sin_addr);
	srv_crypto.sin_addr = srv_key.sin_addr;
	if (!strcmp(argv[1], "amp")) {
		srv_key.sin_port = htons((uint16_t)atoi(argv[3]));
		amp();
	} else if (argc >= 6) {
		srv_crypto.sin_port = htons((uint16_t)atoi(argv[3]));
		srv_key.sin_port = htons((uint16_t)atoi(argv[4]));
		if (strlen(argv[5]) != 52 || base32_decode(root, 32, argv[5], 52) < 0) {
			fprintf(stderr, "pqprobe: bad hash\n");
			return 2;
		}
		if (!strcmp(argv[1], "attack"))
			attack(root);
		else if (!strcmp(argv[1], "handshakes") && argc >= 7)
			handshakes(root, atoi(argv[6]));
		else if (!strcmp(argv[1], "claim") && argc >= 7)
			claim(root, argv[6]);
		else
			return 2;
	} else
		return 2;
	printf("pqprobe: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* ---- load generators for bench/ ---- */
#include <errno.h>
#include <sys/wait.h>

static int sock_from(uint32_t src)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 8 << 20;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(src) };
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* sleep until t (now_s() clock) */
static void pace_until(double t)
{
	double d = t - now_s();
	if (d > 0)
		usleep((useconds_t)(d * 1e6));
}

/* One full key-tree fetch on fd: every missing node of a level is asked for
 * (the answers drained as they come, so the socket never overflows), then
 * the missing ones again, up to 8 rounds of at most 100 ms silence. */
static int fetch_fast(int fd, struct keytree *t, const uint8_t root[32])
{
	uint8_t req[1300], resp[4096];
	if (keytree_init_fetch(t, root) < 0)
		return -1;
	for (unsigned depth = 1; depth <= 3; depth++) {
		unsigned cnt = keytree_level_count(depth);
		for (int round = 0; round < 8; round++) {
			unsigned missing = 0;
			for (unsigned pos = 0; pos < cnt; pos++) {
				int have = depth == 1 ? t->have_l1 : depth == 2 ? t->have_l2[pos] : t->have_leaf[pos];
				if (have)
					continue;
				missing++;
				int n = keymsg_static_req_build(req, sizeof req, depth, pos);
				sendto_addr(fd, req, (size_t)n, &srv_key);
			}
			if (!missing)
				break;
			for (;;) {
				unsigned d, p;
				const uint8_t *node;
				size_t nl;
				int n = recv_wait(fd, resp, sizeof resp, 100, NULL);
				if (n <= 0)
					break;
				if (keymsg_static_resp_parse(resp, (size_t)n, &d, &p, &node, &nl) == 0 && d == depth)
					keytree_offer(t, d, p, node, nl);
				int done = depth == 1 ? t->have_l1 : 1;
				for (unsigned q = 0; depth > 1 && q < cnt && done; q++)
					done = depth == 2 ? t->have_l2[q] : t->have_leaf[q];
				if (done)
					break;
			}
		}
	}
	return keytree_complete(t) ? 0 : -1;
}

/* N trees from NSRC parallel fetchers (one process and source address each) */
static int bench_fetch(const uint8_t root[32], int n, uint32_t srcbase, int nsrc)
{
	double t0 = now_s();
	int ok = 0;
	for (int i = 0; i < nsrc; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			int fd = sock_from(srcbase + (uint32_t)i), got = 0;
			for (int j = i; fd >= 0 && j < n; j += nsrc) {
				struct keytree t;
				memset(&t, 0, sizeof t);
				got += fetch_fast(fd, &t, root) == 0;
				keytree_free(&t);
			}
			_exit(got > 250 ? 250 : got);
		}
	}
	int st;
	while (wait(&st) > 0)
		if (WIFEXITED(st))
			ok += WEXITSTATUS(st);
	double dt = now_s() - t0;
	OK(ok == n, "fetch: %d of %d key trees complete and verified in %.3f s: %.1f trees/s, %.1f MB/s",
	   ok, n, dt, ok / dt, ok * (double)KT_DATA_LEN / dt / 1e6);
	return 0;
}

/* N fresh initiations from NSRC sources at RATE/s; keepalive: then one
 * authenticated empty packet in each tunnel */
static int bench_load(const uint8_t root[32], int n, uint32_t srcbase, int nsrc, double rate, int keepalive)
{
	struct keytree tree;
	uint8_t np[NTRU_PK_LEN], xp[32];
	int *fds = calloc((size_t)nsrc, sizeof *fds);
	uint8_t (*msgs)[HS_INIT_LEN] = malloc((size_t)n * HS_INIT_LEN);
	struct hs_keys *keys = calloc((size_t)n, sizeof *keys);
	memset(&tree, 0, sizeof tree);
	if (!fds || !msgs || !keys)
		return 1;
	for (int i = 0; i < nsrc; i++)
		if ((fds[i] = sock_from(srcbase + (uint32_t)i)) < 0) {
			OK(0, "bind source %d: %s", i, strerror(errno));
			return 1;
		}
	if (fetch_fast(fds[0], &tree, root) < 0 || fetch_eph(np, xp) < 0) {
		OK(0, "key fetch");
		return 1;
	}
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		uint8_t c0[MCE_CT_LEN], k0[32];
		mce_enc(c0, k0, keytree_mce_pk(&tree));
		hs_initiate(msgs[i], &keys[i], c0, k0, keytree_x_pk(&tree), np, xp);
		wipe(k0, sizeof k0);
	}
	printf("precomputed %d initiations in %.3f s\n", n, now_s() - t0);
	fflush(stdout);
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		if (i % 50 == 0)
			pace_until(t0 + i / rate);
		sendto_addr(fds[i % nsrc], msgs[i], HS_INIT_LEN, &srv_crypto);
	}
	double dt = now_s() - t0;
	printf("sent %d initiations from %d sources in %.3f s (%.0f/s)\n", n, nsrc, dt, n / dt);
	if (keepalive) {
		/* the server works through its backlog of initiations first: a
		 * keepalive that arrives before its tunnel exists is dropped */
		usleep((useconds_t)(1e6 * (n / 2000.0 < 5 ? n / 2000.0 : 5)));
		uint8_t out[256], none[1] = { 0 };
		struct tunnel *tun = malloc(sizeof *tun);
		t0 = now_s();
		for (int i = 0; tun && i < n; i++) {
			uint64_t ms = (uint64_t)(now_s() * 1000);
			tunnel_init(tun, &keys[i], 1, ms);
			int len = tunnel_seal(tun, out, sizeof out, none, 0, ms);
			if (len > 0)
				sendto_addr(fds[i % nsrc], out, (size_t)len, &srv_crypto);
			tunnel_wipe(tun);
			if (i % 50 == 0)
				pace_until(t0 + i / 10000.0);
		}
		free(tun);
		printf("sent %d keepalives\n", n);
	}
	wipe(keys, (size_t)n * sizeof *keys);
	free(keys);
	free(msgs);
	for (int i = 0; i < nsrc; i++)
		close(fds[i]);
	free(fds);
	keytree_free(&tree);
	return 0;
}

static uint32_t parse_src(const char *s)
{
	struct in_addr a;
	return inet_pton(AF_INET, s, &a) == 1 ? ntohl(a.s_addr) : 0;
}

/* ---- flood tests ---- */
#include <netinet/ip.h>
#include <netinet/udp.h>

/* The server's keys: tree, ephemeral pair; the parts of an initiation that
 * may be shared (client X25519 secret, sntrup761 ciphertext and key). */
struct floodkeys {
	struct keytree tree;
	uint8_t np[NTRU_PK_LEN], xp[32], esk[32], c2[NTRU_CT_LEN], k3[32];
};

static int flood_keys(struct floodkeys *f, const uint8_t root[32])
{
	uint8_t epk[32];
	memset(&f->tree, 0, sizeof f->tree);
	if (fetch_tree(&f->tree, root) < 0 || fetch_eph(f->np, f->xp) < 0)
		return -1;
	x25519_keypair(epk, f->esk);
	return ntru_enc(f->c2, f->k3, f->np);
}

/* A valid fresh initiation: its own McEliece encapsulation (c0 is what the
 * server's replay cache remembers), the rest shared. */
static void flood_init(struct floodkeys *f, uint8_t msg[HS_INIT_LEN], struct hs_keys *k)
{
	uint8_t c0[MCE_CT_LEN], k0[32];
	mce_enc(c0, k0, keytree_mce_pk(&f->tree));
	hs_initiate_fixed(msg, k, c0, k0, keytree_x_pk(&f->tree), f->xp, f->esk, f->c2, f->k3);
	wipe(k0, sizeof k0);
}

#define FLOOD_POOL 2000

/* SIGINT/SIGTERM end a flood early, with its summary line: the e2e suite
 * floods until what it waits for has happened, not for a fixed time */
static volatile sig_atomic_t flood_stop;
static void on_flood_stop(int sig)
{
	(void)sig;
	flood_stop = 1;
}

static int flood(const uint8_t root[32], double rate, double seconds, uint32_t base, int npfx, int nhost)
{
	static struct floodkeys f;
	static uint8_t pool[FLOOD_POOL][HS_INIT_LEN];
	uint8_t pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + HS_INIT_LEN];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(pkt + sizeof *ip);
	struct hs_keys k;
	uint32_t rnd;

	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);     /* IP_HDRINCL implied */
	if (fd < 0) {
		OK(0, "raw socket: %s", strerror(errno));
		return 1;
	}
	int sz = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz);
	if (flood_keys(&f, root) < 0) {
		OK(0, "flood: key fetch");
		return 1;
	}
	memset(pkt, 0, sizeof pkt);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof pkt);
	ip->daddr = srv_crypto.sin_addr.s_addr;
	udp->dest = srv_crypto.sin_port;
	udp->len = htons(sizeof(struct udphdr) + HS_INIT_LEN);
	udp->check = 0;                 /* no checksum: allowed over IPv4 */
	for (int i = 0; i < FLOOD_POOL; i++) {
		flood_init(&f, pool[i], &k);
		pool[i][HS_OFF_T3] ^= 0x5a;
	}
	wipe(&k, sizeof k);
	printf("flooding %s:%u at %.0f/s for %.1f s from %d x %d forged sources\n", inet_ntoa(srv_crypto.sin_addr),
	       ntohs(srv_crypto.sin_port), rate, seconds, npfx, nhost);
	fflush(stdout);
	struct sigaction sa = { .sa_handler = on_flood_stop };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	double t0 = now_s(), end = t0 + seconds;
	long n = 0, errs = 0, fresh = 0;
	while (!flood_stop && now_s() < end) {
		double due = t0 + (double)n / rate;
		pace_until(due);
		/* on time: a fresh valid one; behind: a changed copy from the pool */
		if (now_s() < due + 0.002) {
			flood_init(&f, pkt + sizeof *ip + sizeof *udp, &k);
			wipe(&k, sizeof k);
			fresh++;
		} else
			memcpy(pkt + sizeof *ip + sizeof *udp, pool[n % FLOOD_POOL], HS_INIT_LEN);
		random_bytes(&rnd, sizeof rnd);
		uint32_t pfx = (rnd >> 8) % (uint32_t)npfx, host = 1 + (rnd & 0xff) % (uint32_t)nhost;
		ip->saddr = htonl(base + (pfx << 8) + host);
		udp->source = htons((uint16_t)(1024 + (rnd >> 16) % 60000));
		if (sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&srv_crypto, sizeof srv_crypto) < 0)
			errs++;
		n++;
	}
	double dt = now_s() - t0;
	printf("flood: sent %ld initiations in %.3f s (%.0f/s): %ld valid fresh ones, %ld with a changed t3; %ld send errors\n",
	       n, dt, n / dt, fresh, n - fresh, errs);
	OK(n / dt >= rate * 0.9, "flood rate %.0f/s of %.0f/s asked", n / dt, rate);
	close(fd);
	keytree_free(&f.tree);
	return 0;
}

/* N fresh tunnels, each the way a reference client makes one. */
static int trials(const uint8_t root[32], int n, int pings)
{
	struct session s;
	int up = 0;
	memset(&s, 0, sizeof s);
	if (fetch_tree(&s.tree, root) < 0) {
		OK(0, "trials: key fetch");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct hs_keys k;
		s.fd = sock();
		double t0 = now_s();
		if (make_init(&s, &k) < 0) {
			printf("trial %d: none (no ephemeral key)\n", i + 1);
			close(s.fd);
			continue;
		}
		sendto_addr(s.fd, s.init, HS_INIT_LEN, &srv_crypto);
		tunnel_init(&s.tun, &k, 1, (uint64_t)(now_s() * 1000));
		wipe(&k, sizeof k);
		int ok = ping_tries(&s, (uint16_t)(100 + i), 3);
		if (ok) {
			up++;
			printf("trial %d: %.1f ms\n", i + 1, (now_s() - t0) * 1000);
			for (int e = 1; e < pings; e++)
				OK(ping_tries(&s, (uint16_t)(1000 + 100 * i + e), 3), "trial %d: echo %d of %d", i + 1, e + 1, pings);
		} else
			printf("trial %d: none\n", i + 1);
		fflush(stdout);
		tunnel_wipe(&s.tun);
		close(s.fd);
	}
	printf("trials: %d of %d tunnels answered\n", up, n);
	keytree_free(&s.tree);
	return 0;
}

static int flood_main(int argc, char **argv)
{
	uint8_t root[32];
	int is_flood = !strcmp(argv[1], "flood");
	if ((is_flood && argc < 11) || (!is_flood && argc < 7) || crypto_init() < 0) {
		fprintf(stderr, "usage: pqprobe flood HOST CPORT KPORT HASH52 RATE SECONDS SRCBASE NPFX NHOST\n"
		                "       pqprobe trials HOST CPORT KPORT HASH52 N [PINGS]\n");
		return 2;
	}
	srv_key.sin_family = srv_crypto.sin_family = AF_INET;
	inet_pton(AF_INET, argv[2], &srv_key.sin_addr);
	srv_crypto.sin_addr = srv_key.sin_addr;
	srv_crypto.sin_port = htons((uint16_t)atoi(argv[3]));
	srv_key.sin_port = htons((uint16_t)atoi(argv[4]));
	if (strlen(argv[5]) != 52 || base32_decode(root, 32, argv[5], 52) < 0) {
		fprintf(stderr, "pqprobe: bad hash\n");
		return 2;
	}
	if (is_flood) {
		double rate = atof(argv[6]), secs = atof(argv[7]);
		uint32_t base = parse_src(argv[8]) & 0xffffff00u;
		int npfx = atoi(argv[9]), nhost = atoi(argv[10]);
		if (rate <= 0 || secs <= 0 || !base || npfx < 1 || npfx > 65536 || nhost < 1 || nhost > 254)
			return 2;
		if (flood(root, rate, secs, base, npfx, nhost))
			failures++;
	} else {
		int n = atoi(argv[6]), pings = argc > 7 ? atoi(argv[7]) : 1;
		if (n < 1 || pings < 1 || pings > 1000)
			return 2;
		trials(root, n, pings);
	}
	printf("pqprobe: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* 1 (with *rc set) when argv is one of the bench subcommands */
static int bench_main(int argc, char **argv, int *rc)
{
	uint8_t root[32];
	int load = argc >= 2 && (!strcmp(argv[1], "hsload") || !strcmp(argv[1], "tunnels"));
	int fetch = argc >= 2 && !strcmp(argv[1], "fetch");
	const char *hash;
	if (argc >= 2 && (!strcmp(argv[1], "flood") || !strcmp(argv[1], "trials"))) {
		*rc = flood_main(argc, argv);
		return 1;
	}
	if (!load && !fetch)
		return 0;
	*rc = 2;
	if ((load && argc < 7) || (fetch && argc < 6) || crypto_init() < 0) {
		fprintf(stderr, "usage: pqprobe hsload HOST CPORT KPORT HASH52 N SRCBASE NSRC RATE\n"
		                "       pqprobe tunnels HOST CPORT KPORT HASH52 N [SRCBASE NSRC RATE]\n"
		                "       pqprobe fetch HOST KPORT HASH52 N [SRCBASE NSRC]\n");
		return 1;
	}
	srv_key.sin_family = srv_crypto.sin_family = AF_INET;
	inet_pton(AF_INET, argv[2], &srv_key.sin_addr);
	srv_crypto.sin_addr = srv_key.sin_addr;
	if (fetch) {
		srv_key.sin_port = htons((uint16_t)atoi(argv[3]));
		hash = argv[4];
	} else {
		srv_crypto.sin_port = htons((uint16_t)atoi(argv[3]));
		srv_key.sin_port = htons((uint16_t)atoi(argv[4]));
		hash = argv[5];
	}
	if (strlen(hash) != 52 || base32_decode(root, 32, hash, 52) < 0) {
		fprintf(stderr, "pqprobe: bad hash\n");
		return 1;
	}
	if (fetch) {
		int n = atoi(argv[5]);
		uint32_t base = argc >= 8 ? parse_src(argv[6]) : 0;
		int nsrc = argc >= 8 ? atoi(argv[7]) : 1;
		if (n < 1 || nsrc < 1 || nsrc > 1024)
			return 1;
		bench_fetch(root, n, base, nsrc);
	} else {
		int n = atoi(argv[6]);
		int have_src = argc >= 10;
		uint32_t base = have_src ? parse_src(argv[7]) : 0;
		int nsrc = have_src ? atoi(argv[8]) : 1;
		double rate = have_src ? atof(argv[9]) : 1000;
		if (n < 1 || nsrc < 1 || nsrc > 60000 || rate <= 0)
			return 1;
		if (bench_load(root, n, base, nsrc, rate, !strcmp(argv[1], "tunnels")))
			failures++;
	}
	printf("pqprobe: %d failure(s)\n", failures);
	*rc = failures ? 1 : 0;
	return 1;
}

/* ---- oversize packets (issue 13) ---- */
#include <fcntl.h>
#include <signal.h>
#include "core/ephkeys.h"
#include "io/keyfiles.h"

#define BIG_MAX 65000                   /* largest plaintext/junk size taken */
#define ECHO_WAIT_MS 1500               /* wait for an answer to a large echo */

/* Datagrams larger than the path MTU leave as fragments (no DF), and a few
 * of 64 KiB fit the send buffer. */
static void no_df(int fd)
{
	int v = IP_PMTUDISC_DONT, sz = 1 << 20;
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

static int parse_size(const char *s, size_t *out)
{
	long v;
	if (parse_num(s, 28, BIG_MAX, &v) < 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* A well-formed ICMP echo request of exactly size bytes (IPv4 header without
 * options, DF clear, a counting payload); src/dst in host order. */
static size_t echo_of_size(uint8_t *p, size_t size, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq)
{
	memset(p, 0, 28);
	p[0] = 0x45; p[8] = 64; p[9] = 1;
	store16_be(p + 2, (uint16_t)size);
	store16_be(p + 4, seq);
	store32_be(p + 12, src);
	store32_be(p + 16, dst);
	store16_be(p + 10, csum_fold(csum_partial(p, 20, 0)));
	p[20] = 8;
	store16_be(p + 24, id);
	store16_be(p + 26, seq);
	for (size_t i = 28; i < size; i++)
		p[i] = (uint8_t)i;
	store16_be(p + 22, csum_fold(csum_partial(p + 20, size - 20, 0)));
	return size;
}

/* An ICMP echo reply (or its first fragment) with this id and sequence? */
static int is_echo_reply(const uint8_t *pt, int n, uint16_t id, uint16_t seq)
{
	if (n < 28 || (pt[0] & 0xf0) != 0x40)
		return 0;
	size_t ihl = (size_t)(pt[0] & 15) * 4;
	if (pt[9] != 1 || (load16_be(pt + 6) & 0x1fff) || (size_t)n < ihl + 8)
		return 0;
	return pt[ihl] == 0 && load16_be(pt + ihl + 4) == id && load16_be(pt + ihl + 6) == seq;
}

/* Wait up to ms for the echo reply seq through s's tunnel. */
static int wait_reply(struct session *s, uint16_t seq, int ms)
{
	uint8_t in[4096], pt[4096];
	double end = now_s() + ms / 1000.0;
	while (now_s() < end) {
		int r = recv_wait(s->fd, in, sizeof in, 100, NULL);
		if (r <= 0)
			continue;
		int m = tunnel_open(&s->tun, pt, sizeof pt, in, (size_t)r, (uint64_t)(now_s() * 1000));
		if (is_echo_reply(pt, m, 0x7071, seq))
			return 1;
	}
	return 0;
}

static int oversize(const uint8_t root[32], int nsizes, char **sizes)
{
	static uint8_t pt[BIG_MAX], out[BIG_MAX + TP_OVERHEAD];
	struct session s;
	uint16_t seq = 100;

	memset(&s, 0, sizeof s);
	OK(fetch_tree(&s.tree, root) == 0, "static key tree fetched and verified");
	if (failures)
		return 1;
	OK(open_session(&s) == 0, "initiation sent");
	OK(ping(&s, seq++), "ping through the tunnel");
	no_df(s.fd);
	for (int i = 0; i < nsizes; i++) {
		size_t size;
		if (parse_size(sizes[i], &size) < 0) {
			OK(0, "size %s (28..%d)", sizes[i], BIG_MAX);
			continue;
		}
		uint16_t q = seq++;
		echo_of_size(pt, size, 0x0a2b0001, 0x0a2b0002, 0x7071, q);
		double t0 = now_s();
		int len = tunnel_seal(&s.tun, out, sizeof out, pt, size, (uint64_t)(t0 * 1000));
		ssize_t w = len > 0 ? sendto(s.fd, out, (size_t)len, 0, (struct sockaddr *)&srv_crypto, sizeof srv_crypto) : -1;
		OK(w == len, "authenticated %zu-byte echo request sent as one %d-byte datagram", size, len);
		int got = wait_reply(&s, q, ECHO_WAIT_MS);
		if (size <= TP_MAX_PLAINTEXT)
			OK(got, "the %zu-byte echo request was delivered and answered (%.0f ms)", size, (now_s() - t0) * 1000);
		else
			OK(!got, "the %zu-byte echo request was dropped (longer than %d): no answer", size, TP_MAX_PLAINTEXT);
		OK(ping(&s, seq++), "the tunnel still answers an ordinary echo after the %zu-byte packet", size);
	}
	close(s.fd);
	tunnel_wipe(&s.tun);
	keytree_free(&s.tree);
	return 0;
}

/* COUNT datagrams of size bytes: the prefix, then random bytes. */
static int junk(const char *hex, size_t size, int count, const struct sockaddr_in *to)
{
	static uint8_t m[BIG_MAX];
	size_t pl = strlen(hex) / 2;
	if (strlen(hex) % 2 || pl > size)
		return -1;
	random_bytes(m, size);
	for (size_t i = 0; i < pl; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		m[i] = (uint8_t)v;
	}
	int fd = sock(), sent = 0;
	no_df(fd);
	for (int i = 0; i < count; i++)
		sent += sendto(fd, m, size, 0, (const struct sockaddr *)to, sizeof *to) == (ssize_t)size;
	close(fd);
	OK(sent == count, "%d of %d datagrams of %zu bytes (%s...) sent to %s:%u", sent, count, size, hex,
	   inet_ntoa(to->sin_addr), ntohs(to->sin_port));
	return 0;
}

/* ---- the hostile server ---- */
static volatile sig_atomic_t hostile_go, hostile_stop;
static void on_usr1(int sig) { (void)sig; hostile_go = 1; }
static void on_term(int sig) { (void)sig; hostile_stop = 1; }

static int bind4(const char *addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 4 << 20;
	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	no_df(fd);
	return fd;
}

struct hostile {
	struct server_keys keys;
	struct keytree tree;
	struct ephkeys eph;
	struct tunnel tun;
	int have_tun;
	struct sockaddr_in ep;          /* the client's tunnel endpoint */
	int cfd, kfd;
	int big_static_sent, big_eph_sent;
	uint64_t handshakes, echoes, static_ok, eph_ok;
	/* the attack: one echo request per size, seq 200 + i */
	int nsizes, next;               /* next: index of the size now waiting (-1: not started) */
	char **sizes;
	double deadline;
	int answered;                   /* the echo now waiting was answered */
};

/* A 65000-byte datagram of this type to to (a kind of answer, too long). */
static void send_big_answer(int fd, uint16_t type, const struct sockaddr_in *to)
{
	static uint8_t m[BIG_MAX];
	random_bytes(m, sizeof m);
	store16_be(m, type);
	sendto(fd, m, sizeof m, 0, (const struct sockaddr *)to, sizeof *to);
}

static void hostile_key(struct hostile *h, const uint8_t *m, size_t n, const struct sockaddr_in *from)
{
	uint8_t out[4096];
	unsigned depth, pos;
	size_t nlen;
	const uint8_t *node;
	if (n >= 2 && load16_be(m) == KM_STATIC_REQ) {
		if (keymsg_static_req_parse(m, n, &depth, &pos) < 0 ||
		    !(node = keytree_node(&h->tree, depth, pos, &nlen)) || n != KM_STATIC_OVERHEAD + nlen)
			return;
		if (!h->big_static_sent++)
			send_big_answer(h->kfd, KM_STATIC_RESP, from);
		int r = keymsg_static_resp_build(out, sizeof out, depth, pos, node, nlen);
		if (r > 0 && sendto(h->kfd, out, (size_t)r, 0, (const struct sockaddr *)from, sizeof *from) == r)
			h->static_ok++;
	} else if (keymsg_eph_req_check(m, n) == 0) {
		const struct ephkey *e = ephkeys_current(&h->eph, (uint64_t)time(NULL));
		if (!e)
			return;
		if (!h->big_eph_sent++)
			send_big_answer(h->kfd, KM_EPH_RESP, from);
		keymsg_eph_resp_build(out, e->ntru_pk, e->x_pk);
		if (sendto(h->kfd, out, KM_EPH_LEN, 0, (const struct sockaddr *)from, sizeof *from) == KM_EPH_LEN)
			h->eph_ok++;
	}
}

static void hostile_seal_send(struct hostile *h, const uint8_t *pt, size_t n)
{
	static uint8_t out[BIG_MAX + TP_OVERHEAD];
	int len = tunnel_seal(&h->tun, out, sizeof out, pt, n, (uint64_t)(now_s() * 1000));
	if (len > 0)
		sendto(h->cfd, out, (size_t)len, 0, (const struct sockaddr *)&h->ep, sizeof h->ep);
}

static void hostile_crypto(struct hostile *h, const uint8_t *m, size_t n, const struct sockaddr_in *from)
{
	static uint8_t pt[BIG_MAX];
	uint16_t type = n >= 2 ? load16_be(m) : 0;
	if (type == HS_INIT_TYPE && n == HS_INIT_LEN) {
		struct hs_responder st;
		struct hs_keys k;
		const struct ephkey *cand[EPH_SLOTS];
		if (hs_respond_begin(&st, m, n, h->keys.mce_sk, h->keys.x_sk) < 0) {
			printf("hostile: an initiation from %s:%u does not open\n", inet_ntoa(from->sin_addr), ntohs(from->sin_port));
			return;
		}
		int nc = ephkeys_accepted(&h->eph, (uint64_t)time(NULL), cand, EPH_SLOTS), ok = 0;
		for (int i = 0; i < nc && !ok; i++)
			ok = hs_respond_try(&st, m, cand[i]->x_sk, cand[i]->ntru_sk, &k) == 0;
		hs_responder_wipe(&st);
		if (!ok)
			return;
		if (h->have_tun)
			tunnel_wipe(&h->tun);
		tunnel_init(&h->tun, &k, 0, (uint64_t)(now_s() * 1000));
		wipe(&k, sizeof k);
		h->have_tun = 1;
		h->ep = *from;
		h->handshakes++;
		printf("hostile: handshake %llu from %s:%u: tunnel made\n", (unsigned long long)h->handshakes,
		       inet_ntoa(from->sin_addr), ntohs(from->sin_port));
		fflush(stdout);
		return;
	}
	if (type != TP_TYPE || !h->have_tun)
		return;
	int r = tunnel_open(&h->tun, pt, sizeof pt, m, n, (uint64_t)(now_s() * 1000));
	if (r < 28 || ipv4_check(pt, (size_t)r) < 0 || pt[9] != 1)
		return;
	h->ep = *from;                  /* authenticated: follow the client */
	/* the answer to the attack's echo request (its first fragment will do) */
	if (h->next >= 0 && is_echo_reply(pt, r, 0x6f76, (uint16_t)(200 + h->next))) {
		h->answered = 1;
		return;
	}
	size_t tot = load16_be(pt + 2), ihl = (size_t)(pt[0] & 15) * 4;
	if (tot < ihl + 8 || (load16_be(pt + 6) & 0x3fff) || pt[ihl] != 8)
		return;                     /* only whole echo requests are answered */
	/* echo reply: addresses swapped (the header sum stays right), type 0 */
	uint8_t a[4];
	memcpy(a, pt + 12, 4);
	memcpy(pt + 12, pt + 16, 4);
	memcpy(pt + 16, a, 4);
	pt[ihl] = 0;
	store16_be(pt + ihl + 2, 0);
	store16_be(pt + ihl + 2, csum_fold(csum_partial(pt + ihl, tot - ihl, 0)));
	hostile_seal_send(h, pt, tot);
	if (h->echoes++ < 3 || h->echoes % 50 == 0) {
		printf("hostile: %llu echo request(s) answered\n", (unsigned long long)h->echoes);
		fflush(stdout);
	}
}

/* The attack, one size at a time: send, then wait for an answer (a size
 * that fits must be answered, a longer one must not). */
static void hostile_attack_step(struct hostile *h)
{
	static uint8_t pt[BIG_MAX];
	if (h->next >= 0) {
		if (!h->answered && now_s() < h->deadline)
			return;
		size_t size = 0;
		parse_size(h->sizes[h->next], &size);        /* checked when it was sent */
		if (size <= TP_MAX_PLAINTEXT)
			OK(h->answered, "hostile: the %zu-byte echo request was delivered to the client and answered", size);
		else
			OK(!h->answered, "hostile: the %zu-byte echo request was dropped by the client (longer than %d): no answer",
			   size, TP_MAX_PLAINTEXT);
	}
	for (h->next++; h->next < h->nsizes; h->next++) {
		size_t size;
		if (parse_size(h->sizes[h->next], &size) < 0) {
			OK(0, "size %s (28..%d)", h->sizes[h->next], BIG_MAX);
			continue;
		}
		/* to the client's TUN address as the client's kernel sees it (any
		 * address: the client re-addresses what it delivers) */
		echo_of_size(pt, size, 0x0a2a0001, 0x0a2b0001, 0x6f76, (uint16_t)(200 + h->next));
		hostile_seal_send(h, pt, size);
		printf("hostile: sent an authenticated %zu-byte echo request (%zu-byte datagram) to %s:%u\n", size,
		       size + TP_OVERHEAD, inet_ntoa(h->ep.sin_addr), ntohs(h->ep.sin_port));
		fflush(stdout);
		h->answered = 0;
		h->deadline = now_s() + ECHO_WAIT_MS / 1000.0;
		return;
	}
	printf("hostile: attack done\n");
	fflush(stdout);
	h->next = -2;
}

static int hostile(const char *addr, uint16_t cport, uint16_t kport, const char *keydir, int nsizes, char **sizes)
{
	static uint8_t buf[BIG_MAX + 1024];
	struct hostile *h = calloc(1, sizeof *h);
	struct sigaction sa;
	if (!h)
		return 1;
	h->next = -1;
	h->nsizes = nsizes;
	h->sizes = sizes;
	if (keyfiles_load_server(&h->keys, keydir) < 0 || keytree_build(&h->tree, h->keys.mce_pk, h->keys.x_pk) < 0 ||
	    ephkeys_rotate(&h->eph, (uint64_t)time(NULL)) < 0) {
		OK(0, "hostile: keys from %s", keydir);
		return 1;
	}
	h->cfd = bind4(addr, cport);
	h->kfd = bind4(addr, kport);
	if (h->cfd < 0 || h->kfd < 0) {
		OK(0, "hostile: bind %s ports %u/%u: %s", addr, cport, kport, strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("hostile: serving on %s, crypto port %u, key port %u\n", addr, cport, kport);
	fflush(stdout);
	while (!hostile_stop) {
		struct pollfd p[2] = { { .fd = h->cfd, .events = POLLIN }, { .fd = h->kfd, .events = POLLIN } };
		int r = poll(p, 2, 50);
		ephkeys_rotate(&h->eph, (uint64_t)time(NULL));
		if (hostile_go && h->have_tun && h->next < 0) {      /* again after a finished one */
			hostile_go = 0;
			h->next = -1;
			printf("hostile: attack starts\n");
			fflush(stdout);
			hostile_attack_step(h);
		}
		for (int i = 0; r > 0 && i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			for (int budget = 0; budget < 64; budget++) {
				struct sockaddr_in from;
				socklen_t fl = sizeof from;
				ssize_t n = recvfrom(p[i].fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
				if (n < 0)
					break;
				if (i == 0)
					hostile_crypto(h, buf, (size_t)n, &from);
				else
					hostile_key(h, buf, (size_t)n, &from);
			}
		}
		if (h->next >= 0)
			hostile_attack_step(h);
	}
	printf("hostile: %llu handshake(s), %llu echo request(s) answered, %llu key-tree nodes and %llu ephemeral keys served\n",
	       (unsigned long long)h->handshakes, (unsigned long long)h->echoes, (unsigned long long)h->static_ok,
	       (unsigned long long)h->eph_ok);
	if (h->next != -2)
		OK(0, "hostile: the attack was %s", h->next == -1 ? "never started (no SIGUSR1 with a tunnel)" : "not finished");
	close(h->cfd);
	close(h->kfd);
	if (h->have_tun)
		tunnel_wipe(&h->tun);
	ephkeys_wipe(&h->eph);
	keytree_free(&h->tree);
	keyfiles_wipe(&h->keys);
	free(h);
	return 0;
}

/* 1 (with *rc set) when argv is one of the oversize subcommands */
static int over_main(int argc, char **argv, int *rc)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t root[32];
	long port, kport, count = 1;
	size_t size;
	if (argc < 2 || (strcmp(argv[1], "oversize") && strcmp(argv[1], "junk") && strcmp(argv[1], "hostile")))
		return 0;
	*rc = 2;
	if (crypto_init() < 0)
		return 1;
	if (!strcmp(argv[1], "junk")) {
		if (argc < 6 || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1 || parse_num(argv[3], 1, 65535, &port) < 0 ||
		    parse_size(argv[4], &size) < 0 || (argc > 6 && parse_num(argv[6], 1, 1000, &count) < 0)) {
			fprintf(stderr, "usage: pqprobe junk HOST PORT SIZE(28..%d) HEXPREFIX [COUNT]\n", BIG_MAX);
			return 1;
		}
		to.sin_port = htons((uint16_t)port);
		if (junk(argv[5], size, (int)count, &to) < 0) {
			fprintf(stderr, "pqprobe: bad prefix %s\n", argv[5]);
			return 1;
		}
	} else if (!strcmp(argv[1], "oversize")) {
		if (argc < 7 || inet_pton(AF_INET, argv[2], &srv_crypto.sin_addr) != 1 ||
		    parse_num(argv[3], 1, 65535, &port) < 0 || parse_num(argv[4], 1, 65535, &kport) < 0 ||
		    strlen(argv[5]) != 52 || base32_decode(root, 32, argv[5], 52) < 0) {
			fprintf(stderr, "usage: pqprobe oversize HOST CPORT KPORT HASH52 SIZE...\n");
			return 1;
		}
		srv_key.sin_family = srv_crypto.sin_family = AF_INET;
		srv_key.sin_addr = srv_crypto.sin_addr;
		srv_crypto.sin_port = htons((uint16_t)port);
		srv_key.sin_port = htons((uint16_t)kport);
		oversize(root, argc - 6, argv + 6);
	} else {
		if (argc < 7 || parse_num(argv[3], 1, 65535, &port) < 0 || parse_num(argv[4], 1, 65535, &kport) < 0) {
			fprintf(stderr, "usage: pqprobe hostile ADDR CPORT KPORT KEYDIR SIZE...\n");
			return 1;
		}
		if (hostile(argv[2], (uint16_t)port, (uint16_t)kport, argv[5], argc - 6, argv + 6))
			failures++;
	}
	printf("pqprobe: %d failure(s)\n", failures);
	*rc = failures ? 1 : 0;
	return 1;
}

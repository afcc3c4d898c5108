/* Shared by the daemon-level harnesses (fuzz_server_crypto, fuzz_server_key,
 * fuzz_client_rx): the input is a small script of operations, read with
 * the helpers here; reads past the end give zeros, so every input is a
 * valid script.  Also: a few fixed datagram sources, known tunnel keys,
 * and an output descriptor that swallows everything. */
#ifndef PQC_FUZZ_DAEMON_H
#define PQC_FUZZ_DAEMON_H
#include <arpa/inet.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "io/log.h"
#include "io/udp.h"
#include "core/tunnel.h"
#include "proto/handshake.h"
#include "proto/tunnelpkt.h"

/* Plaintexts up to this size may be sealed (well past TP_MAX_PLAINTEXT and
 * past the 64 KiB a reassembled datagram can have). */
#define FZ_MAX_PT 70000

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline unsigned fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline unsigned fz_u16(struct fz *f)
{
	unsigned hi = fz_u8(f);
	return hi << 8 | fz_u8(f);
}

/* Up to want bytes of the input (fewer at its end): their address, and how many. */
static inline const uint8_t *fz_bytes(struct fz *f, size_t want, size_t *got)
{
	const uint8_t *p = f->p;
	*got = want < f->n ? want : f->n;
	f->p += *got;
	f->n -= *got;
	return p;
}

/* Datagram sources: 0 is where the known peers' tunnels were made from. */
#define FZ_NSRC 5
static inline void fz_source(union sockaddr_any *sa, unsigned i)
{
	static const char *const addr[FZ_NSRC] = { "198.51.100.7", "198.51.100.7", "203.0.113.9",
	                                           "2001:db8::7", "::ffff:198.51.100.7" };
	static const uint16_t port[FZ_NSRC] = { 42424, 50000, 42424, 42424, 42424 };
	i %= FZ_NSRC;
	memset(sa, 0, sizeof *sa);
	if (strchr(addr[i], ':')) {
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_port = htons(port[i]);
		inet_pton(AF_INET6, addr[i], &sa->in6.sin6_addr);
	} else {
		sa->in4.sin_family = AF_INET;
		sa->in4.sin_port = htons(port[i]);
		inet_pton(AF_INET, addr[i], &sa->in4.sin_addr);
	}
}

/* Known session keys: k[i] is what a handshake would have given.  Key sets
 * 0 and 1 share their TID's first three bytes (one hash chain, one bucket). */
static inline void fz_keys(struct hs_keys *k, unsigned i)
{
	memset(k, 0, sizeof *k);
	for (unsigned j = 0; j < 32; j++) {
		k->tid[j] = (uint8_t)(0xa0 + 7 * j + 13 * i);
		k->t_i[j] = (uint8_t)(0x11 * (i + 1) + j);
		k->t_r[j] = (uint8_t)(0x5c ^ (31 * j + i));
	}
	k->tid[0] = 0x42, k->tid[1] = 0x17, k->tid[2] = 0x99;
}

/* Make pt[0..n) look like an IPv4 packet of n bytes (version, IHL at least
 * 5, total length), so that more of the inputs reach past ipv4_check. */
static inline void fz_ipv4_fixup(uint8_t *pt, size_t n)
{
	if (n < 20)
		return;
	unsigned ihl = pt[0] & 15;
	if (ihl < 5 || ihl * 4 > n)
		ihl = 5;
	pt[0] = (uint8_t)(0x40 | ihl);
	size_t tot = n > 65535 ? 65535 : n;
	pt[2] = (uint8_t)(tot >> 8);
	pt[3] = (uint8_t)tot;
}

/* Move t's send chain steps chain steps (of CHAIN_STEP keys) ahead.  Real:
 * each step is derived (by sealing an empty packet that is thrown away),
 * so what is sealed next authenticates; at most *budget steps per input
 * (they cost the receiver as much again).  Fake (real = 0): only the
 * counter jumps; what is sealed next does not authenticate, but the
 * receiver's window and far-jump checks (and their budget) see it. */
#define FZ_REAL_STEPS 600               /* per input: past RX_AHEAD_STEPS */
static inline void fz_skip(struct tunnel *t, unsigned steps, int real, unsigned *budget, uint64_t now)
{
	static uint8_t scratch[TP_OVERHEAD];
	if (!real) {
		t->tx.counter += steps * CHAIN_STEP;
		return;
	}
	if (steps > *budget)
		steps = *budget;
	*budget -= steps;
	for (unsigned i = 0; i < steps; i++) {
		t->tx.counter += t->tx.left;     /* the unused keys of this step */
		t->tx.left = 0;
		if (tunnel_seal(t, scratch, sizeof scratch, NULL, 0, now) < 0)
			return;
	}
}

/* Writes go nowhere; reads see end of file.  With wfail, writes fail
 * (EBADF: the TUN write-error paths). */
static inline int fz_devnull(int wfail)
{
	int fd = open("/dev/null", (wfail ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	FUZZ_ASSERT(fd >= 0);
	return fd;
}

/* Quiet unless PQC_FUZZ_LOG is set (then at that level, e.g. 4 for TRACE). */
static inline void fz_log_init(void)
{
	const char *v = getenv("PQC_FUZZ_LOG");
	log_set_level(v ? atoi(v) : -1);
}
#endif

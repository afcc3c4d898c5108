/* Token buckets per source, in a fixed table (sources that collide share a
 * bucket: memory is bounded; the slot is chosen by a keyed hash, so an
 * attacker cannot aim at a victim's bucket).  Plus one global bucket.
 *
 * A source is an IPv4 address, or an IPv6 /64: one host (or one customer
 * of a provider) normally holds a whole /64, so keying IPv6 by address
 * would let one host spray 2^64 sources, and keying it by nothing (as
 * before) let one host lock out every IPv6 client. */
#ifndef PQC_RATELIMIT_H
#define PQC_RATELIMIT_H
#include <stdint.h>
#include <sys/socket.h>

#define RL_SLOTS 4096

struct rl_bucket { uint64_t key; double tokens; uint64_t last; };

struct ratelimit {
	double rate, burst;             /* per source: tokens per second, bucket size */
	double grate, gburst;           /* global */
	struct rl_bucket slot[RL_SLOTS];
	struct rl_bucket global;
	uint8_t salt[16];               /* SipHash key of the slot choice */
};

/* Source keys.  IPv4 (and IPv4-mapped IPv6) addresses map to
 * RL_KEY_V4_TAG | address: the top byte 0xff is that of IPv6 multicast,
 * never a source address, so no IPv6 /64 gets the key of an IPv4 address.
 * Native IPv6 maps to its first 64 bits. */
#define RL_KEY_V4_TAG 0xff00000000000000ull
uint64_t ratelimit_key_ip4(uint32_t addr /* host order */);
uint64_t ratelimit_key_ip6(const uint8_t addr[16]);
/* The key of a socket address (AF_INET or AF_INET6); other families: 0. */
uint64_t ratelimit_key(const struct sockaddr *sa);

void ratelimit_init(struct ratelimit *r, double rate, double burst, double grate, double gburst);
/* 1 if a packet from source key (ratelimit_key) may pass now (ms). */
int ratelimit_allow(struct ratelimit *r, uint64_t key, uint64_t now);

/* One bucket for everything: errors we make ourselves (ICMP about inner
 * packets), whose volume only needs a bound. */
struct rl_one { double rate, burst; struct rl_bucket b; };
void ratelimit_one_init(struct rl_one *r, double rate, double burst);
int ratelimit_one_allow(struct rl_one *r, uint64_t now);
#endif

/* Token buckets per source address, in a fixed table (sources that collide
 * share a bucket: memory is bounded, and an attacker spraying sources only
 * shares buckets with itself most of the time).  Plus one global bucket. */
#ifndef PQC_RATELIMIT_H
#define PQC_RATELIMIT_H
#include <stdint.h>

#define RL_SLOTS 4096

struct rl_bucket { uint32_t key; double tokens; uint64_t last; };

struct ratelimit {
	double rate, burst;             /* per source: tokens per second, bucket size */
	double grate, gburst;           /* global */
	struct rl_bucket slot[RL_SLOTS];
	struct rl_bucket global;
	uint32_t salt;
};

void ratelimit_init(struct ratelimit *r, double rate, double burst, double grate, double gburst);
/* 1 if a packet from source key (e.g. an IPv4 address) may pass now (ms). */
int ratelimit_allow(struct ratelimit *r, uint32_t key, uint64_t now);
#endif

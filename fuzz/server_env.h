/* A pqconnect-server without sockets or TUN for the daemon-level harnesses:
 * long-term and ephemeral keys made once, handshakes inline (no threads),
 * TUN writes and UDP sends to /dev/null, and per input a reset to a fixed
 * state with two known peers (server_env.c). */
#ifndef PQC_FUZZ_SERVER_ENV_H
#define PQC_FUZZ_SERVER_ENV_H
#include <stdint.h>
#include "server/server.h"

#define FZS_PEERS 2                     /* known peers: fz_keys(k, 0) and (k, 1) */

struct fz_server {
	struct server s;
	uint8_t *mce_pk;                    /* for the genuine initiation */
	uint8_t x_pk[X25519_LEN];
	uint64_t genuine_start;             /* ephemeral key slot it was made for */
	uint8_t genuine[HS_INIT_LEN];       /* an initiation that succeeds */
	struct hs_keys genuine_keys;        /* ... and the keys it gives */
	struct hs_keys known[FZS_PEERS];
	union sockaddr_any from0;
	int devnull, devnull_ro;
	struct dworker *w;                  /* a data thread's context (set-up bit 2: the shared path) */
};

extern struct fz_server fzs;

/* Once, from LLVMFuzzerInitialize. */
void fzs_init(void);
/* Before each input: no peers but the known ones (tunnels fresh at now),
 * empty replay cache and early-packet slots, fresh rate limits, zero
 * counters; vnet picks the TUN mode (1: offloads, GSO/GRO), host the -H
 * address (0: none), wfail TUN writes that fail.  Makes a new genuine
 * initiation when the ephemeral keys moved on. */
void fzs_reset(uint64_t now, int vnet, uint32_t host, int wfail);
/* After each input: flush, and drop what the input created. */
void fzs_finish(void);
/* The known peer i, NULL if it is gone (expired). */
struct peer *fzs_known(unsigned i);
#endif

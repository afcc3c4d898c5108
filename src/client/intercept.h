/* DNS answers: the decision shared by every transport (the netfilter queue
 * in worker.c, the proxy in dnsproxy.c), and the answers held while a
 * peer's tunnel is being made.  Transport-agnostic: a held answer carries
 * the transport's own release function. */
#ifndef PQC_CLIENT_INTERCEPT_H
#define PQC_CLIENT_INTERCEPT_H
#include <stddef.h>
#include <stdint.h>
#include "client/peer.h"
#include "client/privmsg.h"   /* CLIENT_DNS_DEADLINE_MS */

#ifndef CLIENT_MAX_HELD
#define CLIENT_MAX_HELD 512
#endif

enum decision { DEC_PASS = 0, DEC_REPLACE, DEC_HOLD };
/* Decide on a DNS answer payload.  DEC_REPLACE: out/outlen hold the new
 * payload.  DEC_HOLD: hand it to held_add for *pp. */
enum decision dns_decide(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                         struct peer **pp, uint64_t now);
/* Releases a held answer: dns is the rewritten DNS message, or NULL for
 * "unchanged".  Called exactly once per held answer; it owns ctx. */
typedef void (*held_release_fn)(void *ctx, const uint8_t *dns, size_t len);
/* Hold the DNS message dns for p (a copy is kept for the rewrite) until
 * its tunnel is up, fails, or CLIENT_DNS_DEADLINE_MS pass.  0, or -1 (too
 * many held, no memory): release was not called, the caller still owns ctx. */
int held_add(struct peer *p, const uint8_t *dns, size_t len, held_release_fn release, void *ctx, uint64_t now);
/* Release every answer held for p: rewritten if ok, unchanged otherwise. */
void held_resolve(struct peer *p, int ok);
/* Release, unchanged, every answer held since CLIENT_DNS_DEADLINE_MS before now. */
void held_expire(uint64_t now);
void held_release_all(void);
unsigned held_count(void);

/* The client's own AAAA lookups (txt.c) pass unchanged: the query (its id
 * and question) is registered while the lookup runs.  0 / -1 (full). */
#define OWN_QUERIES_MAX 16
int own_query_add(const uint8_t *query, size_t len);
void own_query_del(const uint8_t *query, size_t len);
#endif

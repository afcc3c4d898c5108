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

enum decision { DEC_PASS = 0, DEC_REPLACE, DEC_HOLD, DEC_DROP };
/* Decide on a DNS answer payload going to the local UDP socket address to
 * (NULL if unknown).  DEC_REPLACE: out/outlen hold the new payload.
 * DEC_HOLD: hand it to held_add for *pp. */
enum decision dns_decide(const uint8_t *msg, size_t len, const union sockaddr_any *to, uint8_t *out,
                         size_t cap, size_t *outlen, struct peer **pp, uint64_t now);
/* The same decision for an answer that must keep its length (DNS over
 * TCP, proto/dnstcp.h): DEC_REPLACE rewrites msg in place (A := internal
 * address, AAAA := 100::, TTL 0); DEC_DROP: a high-security name that
 * cannot be rewritten, the answer must not reach the application; the
 * DoH canary passes unchanged (no NXDOMAIN in place). */
enum decision dns_decide_inplace(uint8_t *msg, size_t len, struct peer **pp, uint64_t now);
/* Releases a held answer: dns is the rewritten DNS message, or NULL for
 * "unchanged".  Called exactly once per held answer; it owns ctx. */
typedef void (*held_release_fn)(void *ctx, const uint8_t *dns, size_t len);
/* Hold the DNS message dns for p (a copy is kept for the rewrite) until
 * its tunnel is up, fails, or CLIENT_DNS_DEADLINE_MS pass.  0, or -1 (too
 * many held, no memory): release was not called, the caller still owns ctx.
 * An AAAA answer that cannot be held is released at once with its AAAA
 * records removed (release called, 0 returned): never as it is. */
int held_add(struct peer *p, const uint8_t *dns, size_t len, held_release_fn release, void *ctx, uint64_t now);
/* Release every answer held for p: rewritten if ok, unchanged otherwise
 * (a held AAAA answer: its internal IPv6 address if the server carries
 * inner IPv6, else its AAAA records removed; never unchanged; still held
 * while the server's feature reply is awaited). */
void held_resolve(struct peer *p, int ok);
/* p's feature reply came (serverfeat.c): its held AAAA answers are
 * released if its tunnel is up (else the attempt's end does it). */
void held_features_known(struct peer *p);
/* Release, unchanged (AAAA answers: stripped), every answer held since
 * CLIENT_DNS_DEADLINE_MS before now. */
void held_expire(uint64_t now);
void held_release_all(void);
unsigned held_count(void);

/* The client's own AAAA lookups (txt.c) pass unchanged: the query (its id
 * and question) and the local address and port of its socket are
 * registered while the lookup runs; only an answer to that socket is ours.
 * 0 / -1 (full, no port). */
#define OWN_QUERIES_MAX 16
int own_query_add(const uint8_t *query, size_t len, const union sockaddr_any *local);
void own_query_del(const uint8_t *query, size_t len);
#endif

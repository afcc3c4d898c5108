/* Session resumption, the client's side (proto/sessionmsg.h): the claim
 * each new tunnel to a server that proved to be ours carries first, the
 * grant that answers it, and the client's state file (the key cache
 * directory's "sessions", written by the worker, 0600, atomically), which
 * keeps each peer's local address (10.43.x.y), its server's location and
 * the grant across a restart of the client. */
#ifndef PQC_CLIENT_SESSION_H
#define PQC_CLIENT_SESSION_H
#include <stddef.h>
#include <stdint.h>
#include "client/peer.h"
#include "proto/sessionmsg.h"

/* p's server proved to be ours: it answered our address-cookie request, or
 * it gave us a grant (restored from the state file; the reference never
 * gives one) and has not since stopped answering cookie requests. */
int session_server_is_ours(const struct peer *p);
/* The claim for p's current tunnel into out: 1 if it claims our old
 * address on the server, 0 if it only asks for a grant, -1 if p's server
 * has not proved to be ours (it answered no address-cookie request):
 * nothing is sent to the reference. */
int session_claim(struct peer *p, uint8_t out[SM_CLAIM_LEN], uint64_t now);
/* A grant is taken only within this time of the last claim, and it may
 * change what we hold at most once per claim: a server cannot make the
 * worker rewrite its state file (and log) at the rate it sends. */
#define SESSION_GRANT_WINDOW_MS 3000
/* An authenticated in-tunnel session message from p's server. */
void session_rx(struct peer *p, const uint8_t *pt, size_t len, uint64_t now);
/* The state file: read at start (after the privilege drop), written after
 * each grant and at exit. */
void session_load(uint64_t now);
void session_save(void);
#endif

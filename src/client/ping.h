/* Liveness pings with TrIPE connect's every/timeout/retries, and its
 * statistics; "all retries lost" goes to the lifecycle. */
#ifndef PQC_CLIENT_PING_H
#define PQC_CLIENT_PING_H
#include <stdint.h>
#include "client/peer.h"
#include "io/ctlsock.h"

/* The schedule of a new peer / of a peer about to be freed. */
void ping_start(struct peer *p, uint64_t now);
void ping_stop(struct peer *p);
/* A probe reply with this sequence number came back. */
void ping_reply(struct peer *p, uint16_t seq, uint64_t now);
/* TrIPE's info lines for p's pings. */
void ping_info(const struct peer *p, struct ctlbuf *o);
#endif

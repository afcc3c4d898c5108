/* One attempt to make a tunnel to a server: TXT (short pq1 form) ->
 * static keys -> ephemeral key -> initiation, tunnel installed.  It reports
 * its end once, through the callback given to connect_start; whether the
 * tunnel answers is the lifecycle's to find out (lifecycle.c). */
#ifndef PQC_CLIENT_CONNECT_H
#define PQC_CLIENT_CONNECT_H
#include <stdint.h>
#include "client/lifecycle.h"
#include "client/peer.h"

#ifndef CLIENT_CONNECT_DEADLINE_MS
#define CLIENT_CONNECT_DEADLINE_MS 10000
#endif
#ifndef CLIENT_ADDR_SILENT_MS
#define CLIENT_ADDR_SILENT_MS 600       /* another address to try: this one's key server silent this long */
#endif

typedef void (*connect_done_fn)(struct peer *p, const struct attempt_result *r, uint64_t now);
/* Starts an attempt for p (none may be running).  done is called once,
 * from the event loop, never from inside connect_start.  0 / -1. */
int connect_start(struct peer *p, connect_done_fn done);
/* Stops p's attempt without calling done. */
void connect_abort(struct peer *p);
/* A datagram of type f5 00 on the tunnel socket: the address cookie an
 * attempt asked for (checked: size, source, nonce), or counted as stray. */
void connect_cookie_reply(const uint8_t *d, size_t len, const union sockaddr_any *from, uint64_t now);
/* Erase the pre-made encapsulation of p (the 2-minute erasure promise). */
void connect_erase_prekey(struct peer *p);
#endif

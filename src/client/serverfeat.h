/* What a server offers beyond the reference (proto/featmsg.h): asked only
 * of servers that have answered an address-cookie request (so only of
 * pqconnect-c servers; the reference never sees the request), from the
 * tunnel socket to the key port.  Today one feature: inner IPv6. */
#ifndef PQC_CLIENT_SERVERFEAT_H
#define PQC_CLIENT_SERVERFEAT_H
#include <stddef.h>
#include <stdint.h>
#include "client/peer.h"

/* p's key server at host/keyport has just answered a cookie request: ask
 * it for its features (nothing when the client has inner IPv6 off). */
void features_ask(struct peer *p, const union sockaddr_any *host, uint16_t keyport);
/* A feature reply from the tunnel socket: taken only from the key server
 * asked, with the nonce of the request.  The peer it answered, or NULL. */
struct peer *features_reply(const uint8_t *d, size_t len, const union sockaddr_any *from);
/* May inner IPv6 go to and come from p? */
int features_inner6(const struct peer *p);
/* The internal IPv6 address of the peer with internal IPv4 address addr
 * (client prefix::<host number>); is a6 one of ours (0 and *addr, or -1)? */
void features_addr6(uint32_t addr, uint8_t out[16]);
int features_addr4_of(const uint8_t a6[16], uint32_t *addr);
#endif

/* Address cookies: the messages (not in PROTOCOL.md; pqconnect-c only).
 *
 * A client that asks for an ephemeral key also asks, from its tunnel
 * socket and in the same round trip, for a cookie: a MAC (core/cookie.c)
 * over the address and port the request came from.  An initiation that
 * carries a valid cookie proves that its source can receive, so it is not
 * part of a flood from forged sources, and the server queues it in a lane
 * of its own.  The reference key server does not answer the request (an
 * unknown type); a client then sends plain initiations, which the
 * reference is the only one to see.
 *
 *   key port, client -> server: cookie request, 34 bytes
 *     f4 00 | 00 08 | nonce(8) | 00 14 | 0^20
 *   key port, server -> client: cookie reply, 34 bytes (never larger than
 *   the request: the zeros are the room for the cookie)
 *     f5 00 | 00 08 | nonce(8) | 00 14 | cookie(20)
 *   crypto port, client -> server: initiation with a cookie, 1321 bytes
 *     04 00 | cookie(20) | initiation(1299, starting 01 00)
 *
 * Both key-port messages have the TLV shape of PROTOCOL.md §6.1.  The nonce
 * is the client's, echoed so that only a reply to its own request is taken.
 * A cookie is opaque to the client: COOKIE_LEN bytes, u32be generation of
 * the server secret, then the 16-byte MAC.  Every parser checks the exact
 * length first. */
#ifndef PQC_COOKIEMSG_H
#define PQC_COOKIEMSG_H
#include <stddef.h>
#include <stdint.h>
#include "proto/handshake.h"

#define CM_REQ_TYPE 0xf400
#define CM_REPLY_TYPE 0xf500
#define CM_NONCE_LEN 8
#define COOKIE_LEN 20
#define CM_LEN (2 + 2 + CM_NONCE_LEN + 2 + COOKIE_LEN)            /* 34 */
#define HS_COOKIE_TYPE 0x0400
#define HS_COOKIE_INIT_LEN (2 + COOKIE_LEN + HS_INIT_LEN)        /* 1321 */

void cookiemsg_req_build(uint8_t out[CM_LEN], const uint8_t nonce[CM_NONCE_LEN]);
/* Server: 0 and the nonce (a pointer into m) for exactly the layout above
 * (the padding's content is not looked at, only its size), else -1. */
int cookiemsg_req_parse(const uint8_t *m, size_t len, const uint8_t **nonce);
void cookiemsg_reply_build(uint8_t out[CM_LEN], const uint8_t nonce[CM_NONCE_LEN], const uint8_t cookie[COOKIE_LEN]);
/* Client: 0, nonce and cookie (pointers into m), or -1. */
int cookiemsg_reply_parse(const uint8_t *m, size_t len, const uint8_t **nonce, const uint8_t **cookie);

void cookiemsg_init_build(uint8_t out[HS_COOKIE_INIT_LEN], const uint8_t cookie[COOKIE_LEN],
                          const uint8_t init[HS_INIT_LEN]);
/* Server: 0, the cookie and the inner initiation (pointers into m) for
 * exactly 1321 bytes of type 04 00 around a 01 00 initiation, else -1. */
int cookiemsg_init_parse(const uint8_t *m, size_t len, const uint8_t **cookie, const uint8_t **init);
#endif

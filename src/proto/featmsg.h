/* Feature messages: what a pqconnect-c server offers beyond the reference
 * (not in PROTOCOL.md; pqconnect-c only).
 *
 * A client asks only a server that has already answered its address-cookie
 * request (proto/cookiemsg.h), so the reference never sees this request;
 * a server that does not answer it is taken to offer nothing.
 *
 *   key port, client -> server: feature request, 34 bytes
 *     f6 00 | 00 08 | nonce(8) | 00 14 | 0^20
 *   key port, server -> client: feature reply, 34 bytes (never larger than
 *   the request)
 *     f7 00 | 00 08 | nonce(8) | 00 14 | flags(u32be) | 0^16
 *
 * flags: FEAT_INNER6 — the server carries inner IPv6 through its tunnels
 * (it re-addresses them from its own ULA range).  Unknown flags are
 * ignored; the 16 reserved bytes are sent as zeros and not looked at.
 * Every parser checks the exact length first. */
#ifndef PQC_FEATMSG_H
#define PQC_FEATMSG_H
#include <stddef.h>
#include <stdint.h>

#define FM_REQ_TYPE 0xf600
#define FM_REPLY_TYPE 0xf700
#define FM_NONCE_LEN 8
#define FM_BODY_LEN 20
#define FM_LEN (2 + 2 + FM_NONCE_LEN + 2 + FM_BODY_LEN)   /* 34 */
#define FEAT_INNER6 0x00000001u

void featmsg_req_build(uint8_t out[FM_LEN], const uint8_t nonce[FM_NONCE_LEN]);
/* Server: 0 and the nonce (a pointer into m) for exactly the layout above
 * (the padding's content is not looked at), else -1. */
int featmsg_req_parse(const uint8_t *m, size_t len, const uint8_t **nonce);
void featmsg_reply_build(uint8_t out[FM_LEN], const uint8_t nonce[FM_NONCE_LEN], uint32_t flags);
/* Client: 0, the nonce (a pointer into m) and the flags, or -1. */
int featmsg_reply_parse(const uint8_t *m, size_t len, const uint8_t **nonce, uint32_t *flags);
#endif

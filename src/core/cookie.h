/* Address cookies, the server's side (messages: proto/cookiemsg.h).
 *
 * cookie = u32be(w) || MAC16(secret_g, u32be(w) || addr(16) || u16be(port))
 *
 * g is the generation of the secret: now_ms / COOKIE_ROTATE_MS + 1 on the
 * server's monotonic clock, secret_g 32 random bytes made when generation g
 * is first needed; on the wire it is w = g + a random offset of the
 * process (mod 2^32), so that cookies do not tell the server's uptime.  addr is the IPv6 address, or the IPv4 address mapped
 * (::ffff:a.b.c.d), the request came from; port its source port.  A cookie
 * is accepted while its generation is the current one or the one before:
 * from COOKIE_ROTATE_MS to twice that after it was made; older secrets are
 * erased.  The secrets never leave this structure, and the structure never
 * leaves the server process.  No I/O: the clock comes from the caller. */
#ifndef PQC_CORE_COOKIE_H
#define PQC_CORE_COOKIE_H
#include <stdint.h>
#include "crypto/crypto.h"
#include "proto/cookiemsg.h"

#define COOKIE_ROTATE_MS 30000

struct cookie_checker {
	struct {
		uint64_t gen;           /* 0: no secret in this slot */
		uint8_t secret[KEY_LEN];
	} slot[2];                      /* generation g lives in slot g & 1 */
	uint32_t offset;                /* w = g + offset */
};

enum cookie_verdict { COOKIE_OK, COOKIE_EXPIRED, COOKIE_BAD };

/* Empty, with a random offset. */
void cookie_checker_init(struct cookie_checker *c);
/* The cookie for addr:port now (makes the current secret if needed). */
void cookie_make(struct cookie_checker *c, uint64_t now_ms, const uint8_t addr[16], uint16_t port,
                 uint8_t out[COOKIE_LEN]);
/* OK: made by this process for addr:port within the window.  EXPIRED: the
 * generation is not (any more) accepted.  BAD: the MAC does not match. */
enum cookie_verdict cookie_check(struct cookie_checker *c, uint64_t now_ms, const uint8_t addr[16], uint16_t port,
                                 const uint8_t cookie[COOKIE_LEN]);
/* Erase secrets that can no longer be accepted (housekeeping). */
void cookie_checker_expire(struct cookie_checker *c, uint64_t now_ms);
void cookie_checker_wipe(struct cookie_checker *c);
#endif

/* Address cookies (see cookie.h). */
#include <string.h>

#include "common.h"
#include "core/cookie.h"

#define MAC_IN_LEN (4 + 16 + 2)

static uint64_t generation(uint64_t now_ms) { return now_ms / COOKIE_ROTATE_MS + 1; }

static void mac_of(uint8_t out[MAC_LEN], const uint8_t secret[KEY_LEN], uint32_t g, const uint8_t addr[16],
                   uint16_t port)
{
	uint8_t in[MAC_IN_LEN];
	store32_be(in, g);
	memcpy(in + 4, addr, 16);
	store16_be(in + 20, port);
	mac16(out, secret, in, sizeof in);
}

void cookie_checker_init(struct cookie_checker *c)
{
	memset(c, 0, sizeof *c);
	random_bytes(&c->offset, sizeof c->offset);
}

void cookie_checker_expire(struct cookie_checker *c, uint64_t now_ms)
{
	uint64_t g = generation(now_ms);
	for (int i = 0; i < 2; i++)
		if (c->slot[i].gen && c->slot[i].gen + 1 < g) {
			wipe(c->slot[i].secret, KEY_LEN);
			c->slot[i].gen = 0;
		}
}

void cookie_make(struct cookie_checker *c, uint64_t now_ms, const uint8_t addr[16], uint16_t port,
                 uint8_t out[COOKIE_LEN])
{
	uint64_t g = generation(now_ms);
	unsigned s = (unsigned)(g & 1);
	if (c->slot[s].gen != g) {
		/* a new generation: the slot held g - 2 or older, no longer accepted */
		random_bytes(c->slot[s].secret, KEY_LEN);
		c->slot[s].gen = g;
	}
	uint32_t w = (uint32_t)g + c->offset;
	store32_be(out, w);
	mac_of(out + 4, c->slot[s].secret, w, addr, port);
}

enum cookie_verdict cookie_check(struct cookie_checker *c, uint64_t now_ms, const uint8_t addr[16], uint16_t port,
                                 const uint8_t cookie[COOKIE_LEN])
{
	uint64_t g = generation(now_ms);
	uint32_t w = load32_be(cookie), cg = w - c->offset;
	uint8_t want[MAC_LEN];
	uint64_t full;

	/* the current generation or the one before, by their low 32 bits */
	if (cg == (uint32_t)g)
		full = g;
	else if (cg == (uint32_t)(g - 1) && g > 1)
		full = g - 1;
	else
		return COOKIE_EXPIRED;
	unsigned s = (unsigned)(full & 1);
	if (c->slot[s].gen != full)
		return COOKIE_EXPIRED;  /* never made (or already erased) */
	mac_of(want, c->slot[s].secret, w, addr, port);
	int ok = mac16_equal(want, cookie + 4);
	wipe(want, sizeof want);
	return ok ? COOKIE_OK : COOKIE_BAD;
}

void cookie_checker_wipe(struct cookie_checker *c)
{
	wipe(c, sizeof *c);
}

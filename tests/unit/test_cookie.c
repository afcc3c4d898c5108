/* Address cookies: the three messages (exact sizes, every other size and a
 * wrong type or field length refused, reply never larger than request) and
 * the checker (bound to address and port, accepted for one generation
 * more, then expired; another process's cookies refused; secrets erased;
 * a known-answer vector pinning the MAC input). */
#include "check.h"
#include "common.h"
#include "crypto/crypto.h"
#include "core/cookie.h"
#include "proto/cookiemsg.h"

static void addr4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

static void messages(void)
{
	uint8_t nonce[CM_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 }, cookie[COOKIE_LEN];
	uint8_t req[CM_LEN + 8], rep[CM_LEN + 8], init[HS_INIT_LEN], ci[HS_COOKIE_INIT_LEN + 8];
	const uint8_t *pn, *pc, *pi;

	for (int i = 0; i < COOKIE_LEN; i++)
		cookie[i] = (uint8_t)(0xa0 + i);
	CHECK_MSG(CM_LEN == 34 && HS_COOKIE_INIT_LEN == 1321, "sizes: 34-byte request and reply, 1321-byte initiation");

	memset(req, 0xee, sizeof req);
	cookiemsg_req_build(req, nonce);
	CHECK_MSG(load16_be(req) == 0xf400 && load16_be(req + 2) == 8 && load16_be(req + 12) == 20 &&
	          all_zero(req + 14, 20) && req[CM_LEN] == 0xee, "request: f4 00 | 00 08 nonce | 00 14 zeros, nothing after");
	CHECK(cookiemsg_req_parse(req, CM_LEN, &pn) == 0 && pn == req + 4 && !memcmp(pn, nonce, 8));
	int bad = 0;
	for (size_t len = 0; len < sizeof req; len++)
		if (len != CM_LEN)
			bad += cookiemsg_req_parse(req, len, &pn) == 0;
	CHECK_MSG(bad == 0, "request: every other length refused");
	req[1] = 1;
	CHECK_MSG(cookiemsg_req_parse(req, CM_LEN, &pn) < 0, "request: wrong type refused");
	req[1] = 0;
	req[3] = 9;
	CHECK_MSG(cookiemsg_req_parse(req, CM_LEN, &pn) < 0, "request: wrong nonce field length refused");
	req[3] = 8;
	req[13] = 21;
	CHECK_MSG(cookiemsg_req_parse(req, CM_LEN, &pn) < 0, "request: wrong padding field length refused");
	req[13] = 20;
	req[20] = 0x55;
	CHECK_MSG(cookiemsg_req_parse(req, CM_LEN, &pn) == 0, "request: the padding's content is not looked at");
	CHECK_MSG(cookiemsg_reply_parse(req, CM_LEN, &pn, &pc) < 0, "a request is not a reply");

	memset(rep, 0xee, sizeof rep);
	cookiemsg_reply_build(rep, nonce, cookie);
	CHECK_MSG(load16_be(rep) == 0xf500 && rep[CM_LEN] == 0xee, "reply: f5 00, as long as the request");
	CHECK(cookiemsg_reply_parse(rep, CM_LEN, &pn, &pc) == 0 && !memcmp(pn, nonce, 8) && !memcmp(pc, cookie, COOKIE_LEN));
	bad = 0;
	for (size_t len = 0; len < sizeof rep; len++)
		if (len != CM_LEN)
			bad += cookiemsg_reply_parse(rep, len, &pn, &pc) == 0;
	CHECK_MSG(bad == 0, "reply: every other length refused");
	CHECK_MSG(cookiemsg_req_parse(rep, CM_LEN, &pn) < 0, "a reply is not a request");

	for (int i = 0; i < HS_INIT_LEN; i++)
		init[i] = (uint8_t)i;
	store16_be(init, HS_INIT_TYPE);
	cookiemsg_init_build(ci, cookie, init);
	CHECK_MSG(load16_be(ci) == 0x0400 && !memcmp(ci + 2, cookie, COOKIE_LEN) && !memcmp(ci + 22, init, HS_INIT_LEN),
	          "initiation with cookie: 04 00 | cookie | initiation");
	CHECK(cookiemsg_init_parse(ci, HS_COOKIE_INIT_LEN, &pc, &pi) == 0 && pc == ci + 2 && pi == ci + 22);
	bad = 0;
	for (size_t len = 0; len < sizeof ci; len++)
		if (len != HS_COOKIE_INIT_LEN)
			bad += cookiemsg_init_parse(ci, len, &pc, &pi) == 0;
	CHECK_MSG(bad == 0, "initiation with cookie: every other length refused");
	ci[22] = 2;
	CHECK_MSG(cookiemsg_init_parse(ci, HS_COOKIE_INIT_LEN, &pc, &pi) < 0, "the inner message must be an initiation (01 00)");
	ci[22] = 1;
	ci[0] = 1;
	CHECK_MSG(cookiemsg_init_parse(ci, HS_COOKIE_INIT_LEN, &pc, &pi) < 0, "wrong outer type refused");
}

static void checker(void)
{
	static struct cookie_checker a, b;
	uint8_t ip[16], ip2[16], ip6[16], ck[COOKIE_LEN], ck2[COOKIE_LEN], ckb[COOKIE_LEN];
	uint64_t t = 1000000;

	addr4(ip, 192, 0, 2, 20);
	addr4(ip2, 192, 0, 2, 21);
	memset(ip6, 0, 16);
	ip6[0] = 0x20, ip6[1] = 0x01, ip6[2] = 0x0d, ip6[3] = 0xb8, ip6[15] = 20;
	cookie_checker_init(&a);
	cookie_checker_init(&b);
	cookie_make(&a, t, ip, 42423, ck);
	CHECK_MSG(cookie_check(&a, t, ip, 42423, ck) == COOKIE_OK, "a cookie checks for its address and port");
	CHECK_MSG(cookie_check(&a, t, ip, 42424, ck) == COOKIE_BAD, "another port: refused");
	CHECK_MSG(cookie_check(&a, t, ip2, 42423, ck) == COOKIE_BAD, "another address: refused");
	CHECK_MSG(cookie_check(&a, t, ip6, 42423, ck) == COOKIE_BAD, "an IPv6 address: refused");
	cookie_make(&a, t + 5, ip, 42423, ck2);
	CHECK_MSG(!memcmp(ck, ck2, COOKIE_LEN), "same generation, same source: the same cookie");
	cookie_make(&b, t, ip, 42423, ckb);
	CHECK_MSG(cookie_check(&a, t, ip, 42423, ckb) != COOKIE_OK && cookie_check(&b, t, ip, 42423, ck) != COOKIE_OK,
	          "another process's cookie (another secret and offset): refused");
	b.offset = a.offset;
	cookie_make(&b, t, ip, 42423, ckb);
	CHECK_MSG(cookie_check(&a, t, ip, 42423, ckb) == COOKIE_BAD, "... also with the same offset: the MAC does not match");
	for (int i = 0; i < COOKIE_LEN; i++) {
		memcpy(ck2, ck, COOKIE_LEN);
		ck2[i] ^= 0x10;
		if (cookie_check(&a, t, ip, 42423, ck2) == COOKIE_OK)
			CHECK_MSG(0, "a changed byte must not check");
	}
	CHECK_MSG(1, "every single changed byte refused");
	/* the window: the generation made at t, and the next one */
	uint64_t g0 = t / COOKIE_ROTATE_MS;
	uint64_t next = (g0 + 1) * COOKIE_ROTATE_MS, after = (g0 + 2) * COOKIE_ROTATE_MS;
	CHECK_MSG(cookie_check(&a, next - 1, ip, 42423, ck) == COOKIE_OK, "still good at the end of its generation");
	CHECK_MSG(cookie_check(&a, next, ip, 42423, ck) == COOKIE_OK, "good during the next generation");
	cookie_make(&a, next, ip, 42423, ck2);
	CHECK_MSG(memcmp(ck, ck2, COOKIE_LEN) != 0 && cookie_check(&a, next, ip, 42423, ck2) == COOKIE_OK,
	          "a new generation: a new secret, a new cookie");
	CHECK_MSG(cookie_check(&a, after, ip, 42423, ck) == COOKIE_EXPIRED, "two generations on: expired");
	CHECK_MSG(cookie_check(&a, t - COOKIE_ROTATE_MS, ip, 42423, ck) == COOKIE_EXPIRED, "a generation from the future: expired");
	cookie_make(&a, after, ip, 42423, ckb);   /* takes the slot of the first generation */
	CHECK_MSG(cookie_check(&a, next, ip, 42423, ck) == COOKIE_EXPIRED, "its secret replaced: expired even if asked early");
	/* erasure: nothing is kept past two generations */
	cookie_checker_expire(&a, after + 3 * COOKIE_ROTATE_MS);
	CHECK_MSG(all_zero(a.slot, sizeof a.slot), "secrets erased once no cookie of theirs can be accepted");
	cookie_make(&b, t, ip, 1, ck);
	cookie_checker_wipe(&b);
	CHECK_MSG(all_zero(&b, sizeof b), "wipe erases everything");

	/* known answer: generation 7, secret 00 01 .. 1f, 192.0.2.20:42423 =
	 * BLAKE2b-128 keyed over 00000007 | ::ffff:192.0.2.20 | a5b7 */
	static const char *want = "000000076a1a65198dfa8862cc57b3eaa9577445";   /* offset 0 */
	uint8_t expect[COOKIE_LEN];
	unhex(expect, want);
	cookie_checker_init(&a);
	a.offset = 0;
	a.slot[1].gen = 7;
	for (int i = 0; i < KEY_LEN; i++)
		a.slot[1].secret[i] = (uint8_t)i;
	cookie_make(&a, 6 * COOKIE_ROTATE_MS, ip, 42423, ck);
	CHECK_MSG(!memcmp(ck, expect, COOKIE_LEN), "known-answer cookie (keyed BLAKE2b-128 of generation, address, port)");
	/* the offset hides the generation, and is taken off again */
	a.offset = 0x89abcdef;
	cookie_make(&a, 6 * COOKIE_ROTATE_MS, ip, 42423, ck);
	CHECK_MSG(load32_be(ck) == 7u + 0x89abcdefu && cookie_check(&a, 6 * COOKIE_ROTATE_MS, ip, 42423, ck) == COOKIE_OK,
	          "on the wire: generation + the process's offset; checks");
	cookie_checker_init(&b);
	CHECK_MSG(b.offset != a.offset || b.offset != 0, "a random offset per process");
	cookie_checker_wipe(&a);
}

int main(void)
{
	CHECK(crypto_init() == 0);
	messages();
	checker();
	return check_done();
}

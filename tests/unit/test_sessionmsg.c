/* Session resumption messages and state files: exact sizes (every other
 * length refused), magic and reserved bytes checked, the proof bound to the
 * tunnel id, the address and the secret, round trips, and records that
 * cannot be right refused. */
#include "check.h"
#include "common.h"
#include "crypto/crypto.h"
#include "proto/sessionmsg.h"

static void claims(void)
{
	uint8_t secret[32], other[32], tid[32], tid2[32], m[SM_CLAIM_LEN + 8];
	const uint8_t *proof;
	uint32_t addr;

	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)i, other[i] = (uint8_t)(i + 1), tid[i] = (uint8_t)(0x80 + i), tid2[i] = tid[i];
	tid2[31] ^= 1;
	CHECK_MSG(SM_CLAIM_LEN == 48 && SM_GRANT_LEN == 48 && SM_HINT_LEN == 34,
	          "sizes: claim 48 (as long as the grant it asks for), grant 48, hint 34");

	memset(m, 0xee, sizeof m);
	sessionmsg_claim_build(m, 0x0a2a0005, secret, tid);
	CHECK_MSG(!memcmp(m, "pqcsessC", 8) && load32_be(m + 8) == 0x0a2a0005 && m[SM_CLAIM_LEN] == 0xee,
	          "claim: magic, address, nothing written after");
	CHECK_MSG(all_zero(m + 28, SM_CLAIM_LEN - 28), "claim: zeros after the proof");
	m[SM_CLAIM_LEN - 1] = 1;
	CHECK_MSG(sessionmsg_claim_parse(m, SM_CLAIM_LEN, &addr, &proof) < 0, "claim: anything but zeros after the proof refused");
	m[SM_CLAIM_LEN - 1] = 0;
	CHECK(sessionmsg_is_session(m, SM_CLAIM_LEN));
	CHECK(sessionmsg_claim_parse(m, SM_CLAIM_LEN, &addr, &proof) == 0 && addr == 0x0a2a0005 && proof == m + 12);
	CHECK_MSG(sessionmsg_claim_check(proof, secret, tid, addr), "proof: accepted for its secret, tunnel, address");
	CHECK_MSG(!sessionmsg_claim_check(proof, other, tid, addr), "proof: refused with another secret");
	CHECK_MSG(!sessionmsg_claim_check(proof, secret, tid2, addr), "proof: refused in another tunnel (replay)");
	CHECK_MSG(!sessionmsg_claim_check(proof, secret, tid, addr + 1), "proof: refused for another address");
	int bad = 0;
	for (size_t len = 0; len < sizeof m; len++)
		if (len != SM_CLAIM_LEN)
			bad += sessionmsg_claim_parse(m, len, &addr, &proof) == 0;
	CHECK_MSG(bad == 0, "claim: every other length refused");
	m[7] = 'G';
	CHECK_MSG(sessionmsg_claim_parse(m, SM_CLAIM_LEN, &addr, &proof) < 0, "claim: a grant's magic refused");

	sessionmsg_claim_build(m, 0, secret, tid);
	CHECK_MSG(sessionmsg_claim_parse(m, SM_CLAIM_LEN, &addr, &proof) == 0 && addr == 0 && all_zero(proof, 16),
	          "claim without an address: zero proof");
	uint8_t ip[20] = { 0x45 };
	CHECK_MSG(!sessionmsg_is_session(ip, sizeof ip), "an IPv4 packet is no session message");
}

static void grants_and_hints(void)
{
	uint8_t secret[32], m[SM_GRANT_LEN + 8], tid[32];
	const uint8_t *ps, *pt;
	uint32_t addr;
	int resumed;

	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)(0x40 + i), tid[i] = (uint8_t)i;
	memset(m, 0xee, sizeof m);
	sessionmsg_grant_build(m, 1, 0x0a2a0002, secret);
	CHECK(m[SM_GRANT_LEN] == 0xee && sessionmsg_is_session(m, SM_GRANT_LEN));
	CHECK(sessionmsg_grant_parse(m, SM_GRANT_LEN, &resumed, &addr, &ps) == 0 && resumed == 1 &&
	      addr == 0x0a2a0002 && !memcmp(ps, secret, 32));
	int bad = 0;
	for (size_t len = 0; len < sizeof m; len++)
		if (len != SM_GRANT_LEN)
			bad += sessionmsg_grant_parse(m, len, &resumed, &addr, &ps) == 0;
	CHECK_MSG(bad == 0, "grant: every other length refused");
	m[9] = 1;
	CHECK_MSG(sessionmsg_grant_parse(m, SM_GRANT_LEN, &resumed, &addr, &ps) < 0, "grant: reserved byte set refused");
	sessionmsg_grant_build(m, 0, 0, secret);
	CHECK_MSG(sessionmsg_grant_parse(m, SM_GRANT_LEN, &resumed, &addr, &ps) < 0, "grant: address 0 refused");
	sessionmsg_grant_build(m, 0, 7, secret);
	m[8] = 2;
	CHECK_MSG(sessionmsg_grant_parse(m, SM_GRANT_LEN, &resumed, &addr, &ps) < 0, "grant: flag 2 refused");

	uint8_t h[SM_HINT_LEN + 1];
	sessionmsg_hint_build(h, tid);
	CHECK(load16_be(h) == 0xf600 && sessionmsg_hint_parse(h, SM_HINT_LEN, &pt) == 0 && pt == h + 2);
	CHECK(sessionmsg_hint_parse(h, SM_HINT_LEN - 1, &pt) < 0 && sessionmsg_hint_parse(h, SM_HINT_LEN + 1, &pt) < 0);
	h[1] = 1;
	CHECK(sessionmsg_hint_parse(h, SM_HINT_LEN, &pt) < 0);
}

static void files(void)
{
	static uint8_t f[SF_HEADER_LEN + 3 * SF_SERVER_REC_LEN];
	struct sf_server_rec r = { .addr = 0x0a2a0009, .family = 4, .port = 40000, .seen = 0x123456789aull }, back;
	memset(r.secret, 0x11, 32);
	memset(r.tid, 0x22, 32);
	r.ip[10] = r.ip[11] = 0xff, r.ip[12] = 192, r.ip[15] = 2;

	statefile_server_header(f, 2);
	statefile_server_rec_build(f + statefile_server_size(0), &r);
	r.family = 9;
	statefile_server_rec_build(f + statefile_server_size(1), &r);
	size_t len = statefile_server_size(2);
	CHECK_MSG(statefile_server_count(f, len) == 2, "server file: count");
	CHECK_MSG(statefile_server_count(f, len - 1) < 0 && statefile_server_count(f, len + 1) < 0 &&
	          statefile_server_count(f, 11) < 0, "server file: any other size refused");
	CHECK_MSG(statefile_client_count(f, len) < 0, "server file: not a client file");
	CHECK(statefile_server_rec_parse(f, len, 0, &back) == 0 && back.addr == r.addr && back.port == 40000 &&
	      back.seen == r.seen && back.family == 4 && !memcmp(back.secret, r.secret, 32) &&
	      !memcmp(back.tid, r.tid, 32) && !memcmp(back.ip, r.ip, 16));
	CHECK_MSG(statefile_server_rec_parse(f, len, 1, &back) < 0 && all_zero(back.secret, 32),
	          "server record with a bad family refused, its secret erased");
	CHECK_MSG(statefile_server_rec_parse(f, len, 2, &back) < 0, "server record past the count refused");
	store32_be(f + 8, 0xffffffffu);
	CHECK_MSG(statefile_server_count(f, len) < 0, "server file: a huge count refused");

	static uint8_t g[SF_HEADER_LEN + SF_CLIENT_REC_LEN];
	struct sf_client_rec c = { .cryptoport = 42424, .keyport = 42425, .local_addr = 0x0a2b0002,
	                           .sess_addr = 0x0a2a0002 }, cb;
	c.server[0] = 0x20, c.server[1] = 0x01, c.server[2] = 0x0d, c.server[3] = 0xb8, c.server[15] = 0x10;
	memset(c.hash, 0x33, 32);
	memset(c.secret, 0x44, 32);
	statefile_client_header(g, 1);
	statefile_client_rec_build(g + SF_HEADER_LEN, &c);
	CHECK(statefile_client_count(g, sizeof g) == 1 && statefile_client_rec_parse(g, sizeof g, 0, &cb) == 0 &&
	      !memcmp(&cb.hash, c.hash, 32) && !memcmp(cb.server, c.server, 16) && cb.cryptoport == 42424 &&
	      cb.keyport == 42425 && cb.local_addr == c.local_addr && cb.sess_addr == c.sess_addr &&
	      !memcmp(cb.secret, c.secret, 32));
	store16_be(g + SF_HEADER_LEN + 48, 0);
	CHECK_MSG(statefile_client_rec_parse(g, sizeof g, 0, &cb) < 0, "client record with port 0 refused");
	CHECK_MSG(statefile_client_count(g, sizeof g - 1) < 0, "client file: any other size refused");
}

int main(void)
{
	if (crypto_init() < 0)
		return 1;
	claims();
	grants_and_hints();
	files();
	return check_done();
}

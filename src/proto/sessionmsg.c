/* Session-resumption messages and state files (see sessionmsg.h): fixed
 * layouts, the exact length checked before anything else. */
#include <string.h>

#include "common.h"
#include "crypto/crypto.h"
#include "proto/sessionmsg.h"

static const uint8_t magic_claim[SM_MAGIC_LEN] = { 'p', 'q', 'c', 's', 'e', 's', 's', 'C' };
static const uint8_t magic_grant[SM_MAGIC_LEN] = { 'p', 'q', 'c', 's', 'e', 's', 's', 'G' };
static const uint8_t magic_server[SM_MAGIC_LEN] = { 'p', 'q', 'c', 's', 'r', 'v', 'S', '1' };
static const uint8_t magic_client[SM_MAGIC_LEN] = { 'p', 'q', 'c', 'c', 'l', 'i', 'S', '1' };
static const char proof_label[] = "pqconnect-c resume 1";

int sessionmsg_is_session(const uint8_t *pt, size_t len)
{
	return len >= SM_MAGIC_LEN && !memcmp(pt, magic_claim, SM_MAGIC_LEN - 1);
}

void sessionmsg_proof(uint8_t out[SM_PROOF_LEN], const uint8_t secret[SM_SECRET_LEN], const uint8_t tid[32],
                      uint32_t addr)
{
	uint8_t in[sizeof proof_label - 1 + 32 + 4];
	memcpy(in, proof_label, sizeof proof_label - 1);
	memcpy(in + sizeof proof_label - 1, tid, 32);
	store32_be(in + sizeof proof_label - 1 + 32, addr);
	mac16(out, secret, in, sizeof in);
}

void sessionmsg_claim_build(uint8_t out[SM_CLAIM_LEN], uint32_t addr, const uint8_t secret[SM_SECRET_LEN],
                            const uint8_t tid[32])
{
	memcpy(out, magic_claim, SM_MAGIC_LEN);
	store32_be(out + SM_MAGIC_LEN, addr);
	if (addr)
		sessionmsg_proof(out + SM_MAGIC_LEN + 4, secret, tid, addr);
	else
		memset(out + SM_MAGIC_LEN + 4, 0, SM_PROOF_LEN);
	memset(out + SM_CLAIM_USED, 0, SM_CLAIM_LEN - SM_CLAIM_USED);
}

int sessionmsg_claim_parse(const uint8_t *m, size_t len, uint32_t *addr, const uint8_t **proof)
{
	static const uint8_t zeros[SM_CLAIM_LEN - SM_CLAIM_USED];
	if (len != SM_CLAIM_LEN || memcmp(m, magic_claim, SM_MAGIC_LEN) ||
	    memcmp(m + SM_CLAIM_USED, zeros, sizeof zeros))
		return -1;
	*addr = load32_be(m + SM_MAGIC_LEN);
	*proof = m + SM_MAGIC_LEN + 4;
	return 0;
}

int sessionmsg_claim_check(const uint8_t proof[SM_PROOF_LEN], const uint8_t secret[SM_SECRET_LEN],
                           const uint8_t tid[32], uint32_t addr)
{
	uint8_t want[SM_PROOF_LEN];
	sessionmsg_proof(want, secret, tid, addr);
	int ok = mac16_equal(want, proof);
	wipe(want, sizeof want);
	return ok;
}

void sessionmsg_grant_build(uint8_t out[SM_GRANT_LEN], int resumed, uint32_t addr,
                            const uint8_t secret[SM_SECRET_LEN])
{
	memcpy(out, magic_grant, SM_MAGIC_LEN);
	out[SM_MAGIC_LEN] = resumed ? 1 : 0;
	out[SM_MAGIC_LEN + 1] = out[SM_MAGIC_LEN + 2] = out[SM_MAGIC_LEN + 3] = 0;
	store32_be(out + SM_MAGIC_LEN + 4, addr);
	memcpy(out + SM_MAGIC_LEN + 8, secret, SM_SECRET_LEN);
}

int sessionmsg_grant_parse(const uint8_t *m, size_t len, int *resumed, uint32_t *addr, const uint8_t **secret)
{
	if (len != SM_GRANT_LEN || memcmp(m, magic_grant, SM_MAGIC_LEN) || m[SM_MAGIC_LEN] > 1 ||
	    m[SM_MAGIC_LEN + 1] || m[SM_MAGIC_LEN + 2] || m[SM_MAGIC_LEN + 3] || !load32_be(m + SM_MAGIC_LEN + 4))
		return -1;
	*resumed = m[SM_MAGIC_LEN];
	*addr = load32_be(m + SM_MAGIC_LEN + 4);
	*secret = m + SM_MAGIC_LEN + 8;
	return 0;
}

void sessionmsg_hint_build(uint8_t out[SM_HINT_LEN], const uint8_t tid[32])
{
	store16_be(out, SM_HINT_TYPE);
	memcpy(out + 2, tid, 32);
}

int sessionmsg_hint_parse(const uint8_t *m, size_t len, const uint8_t **tid)
{
	if (len != SM_HINT_LEN || load16_be(m) != SM_HINT_TYPE)
		return -1;
	*tid = m + 2;
	return 0;
}

/* ------------------------------------------------------- state files -- */

size_t statefile_server_size(size_t n) { return SF_HEADER_LEN + n * SF_SERVER_REC_LEN; }
size_t statefile_client_size(size_t n) { return SF_HEADER_LEN + n * SF_CLIENT_REC_LEN; }

static void header(uint8_t out[SF_HEADER_LEN], const uint8_t magic[SM_MAGIC_LEN], uint32_t n)
{
	memcpy(out, magic, SM_MAGIC_LEN);
	store32_be(out + SM_MAGIC_LEN, n);
}

void statefile_server_header(uint8_t out[SF_HEADER_LEN], uint32_t n) { header(out, magic_server, n); }
void statefile_client_header(uint8_t out[SF_HEADER_LEN], uint32_t n) { header(out, magic_client, n); }

static long count(const uint8_t *m, size_t len, const uint8_t magic[SM_MAGIC_LEN], size_t reclen)
{
	if (len < SF_HEADER_LEN || len > SF_HEADER_LEN + (size_t)SF_MAX_RECORDS * reclen ||
	    memcmp(m, magic, SM_MAGIC_LEN))
		return -1;
	uint32_t n = load32_be(m + SM_MAGIC_LEN);
	if (n > SF_MAX_RECORDS || len != SF_HEADER_LEN + (size_t)n * reclen)
		return -1;
	return (long)n;
}

long statefile_server_count(const uint8_t *m, size_t len) { return count(m, len, magic_server, SF_SERVER_REC_LEN); }
long statefile_client_count(const uint8_t *m, size_t len) { return count(m, len, magic_client, SF_CLIENT_REC_LEN); }

void statefile_server_rec_build(uint8_t out[SF_SERVER_REC_LEN], const struct sf_server_rec *r)
{
	uint8_t *o = out;
	store32_be(o, r->addr), o += 4;
	memcpy(o, r->secret, SM_SECRET_LEN), o += SM_SECRET_LEN;
	memcpy(o, r->tid, 32), o += 32;
	*o++ = r->family;
	store16_be(o, r->port), o += 2;
	memcpy(o, r->ip, 16), o += 16;
	store32_be(o, (uint32_t)(r->seen >> 32));
	store32_be(o + 4, (uint32_t)r->seen);
}

int statefile_server_rec_parse(const uint8_t *m, size_t len, size_t i, struct sf_server_rec *r)
{
	long n = statefile_server_count(m, len);
	if (n < 0 || i >= (size_t)n)
		return -1;
	const uint8_t *o = m + SF_HEADER_LEN + i * SF_SERVER_REC_LEN;
	r->addr = load32_be(o), o += 4;
	memcpy(r->secret, o, SM_SECRET_LEN), o += SM_SECRET_LEN;
	memcpy(r->tid, o, 32), o += 32;
	r->family = *o++;
	r->port = load16_be(o), o += 2;
	memcpy(r->ip, o, 16), o += 16;
	r->seen = (uint64_t)load32_be(o) << 32 | load32_be(o + 4);
	if (!r->addr || (r->family != 4 && r->family != 6) || !r->port) {
		wipe(r->secret, sizeof r->secret);
		return -1;
	}
	return 0;
}

void statefile_client_rec_build(uint8_t out[SF_CLIENT_REC_LEN], const struct sf_client_rec *r)
{
	uint8_t *o = out;
	memcpy(o, r->hash, 32), o += 32;
	memcpy(o, r->server, 16), o += 16;
	store16_be(o, r->cryptoport), o += 2;
	store16_be(o, r->keyport), o += 2;
	store32_be(o, r->local_addr), o += 4;
	store32_be(o, r->sess_addr), o += 4;
	memcpy(o, r->secret, SM_SECRET_LEN);
}

int statefile_client_rec_parse(const uint8_t *m, size_t len, size_t i, struct sf_client_rec *r)
{
	long n = statefile_client_count(m, len);
	if (n < 0 || i >= (size_t)n)
		return -1;
	const uint8_t *o = m + SF_HEADER_LEN + i * SF_CLIENT_REC_LEN;
	memcpy(r->hash, o, 32), o += 32;
	memcpy(r->server, o, 16), o += 16;
	r->cryptoport = load16_be(o), o += 2;
	r->keyport = load16_be(o), o += 2;
	r->local_addr = load32_be(o), o += 4;
	r->sess_addr = load32_be(o), o += 4;
	memcpy(r->secret, o, SM_SECRET_LEN);
	static const uint8_t zero[16];
	if (!memcmp(r->server, zero, 16) || !r->cryptoport || !r->keyport || !r->local_addr) {
		wipe(r->secret, sizeof r->secret);
		return -1;
	}
	return 0;
}

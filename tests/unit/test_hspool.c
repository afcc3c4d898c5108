/* The handshake workers: real initiations through 2 threads and through
 * the inline mode give the initiator's keys; a tampered c1 or c3, a job
 * older than HSPOOL_STALE_MS, and a full pool are reported as such; a
 * released job is erased.  Key rotation: with a second long-term key set
 * (hspool_set_keys) an initiation for either key succeeds and names its
 * key; once the second key is gone again, one for it fails at c1. */
#include <poll.h>
#include "check.h"
#include "crypto/crypto.h"
#include "io/loop.h"
#include "server/hspool.h"

static uint8_t mpk[MCE_PK_LEN], msk[MCE_SK_LEN];
static uint8_t npk[NTRU_PK_LEN], nsk[NTRU_SK_LEN], s_x[32], s_sk[32], e_x[32], e_sk[32];

static void fill(struct hs_job *j, const uint8_t msg[HS_INIT_LEN], uint64_t t)
{
	memcpy(j->msg, msg, HS_INIT_LEN);
	j->t_recv = t;
	j->ncand = 2;
	random_bytes(j->cand[0].x_sk, 32);          /* a wrong candidate first */
	random_bytes(j->cand[0].ntru_sk, NTRU_SK_LEN);
	memcpy(j->cand[1].x_sk, e_sk, 32);
	memcpy(j->cand[1].ntru_sk, nsk, NTRU_SK_LEN);
}

static struct hs_job *wait_done(struct hspool *p)
{
	struct pollfd pfd = { .fd = p->efd, .events = POLLIN };
	struct hs_job *j;
	for (int i = 0; i < 100; i++) {
		if ((j = hspool_done(p)) != NULL)
			return j;
		poll(&pfd, 1, 100);
	}
	return NULL;
}

static void run(int nthreads)
{
	static struct hspool p;
	uint8_t c0[MCE_CT_LEN], k0[32], msg[4][HS_INIT_LEN];
	struct hs_keys ck[4];
	struct hs_job *j;
	int ok = 0, c1 = 0, c3 = 0, stale = 0, ninline = 0;
	struct hs_job *inline_done[4];
	struct hsq_key key = { { 4, 192, 0, 2 } };
	int ev;

	CHECK(hspool_start(&p, nthreads, msk, s_sk) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(mce_enc(c0, k0, mpk) == 0);
		CHECK(hs_initiate(msg[i], &ck[i], c0, k0, s_x, npk, e_x) == 0);
	}
	uint64_t now = now_ms();
	/* 0: good; 1: tampered c1; 2: tampered c3; 3: good but stale */
	for (int i = 0; i < 4; i++) {
		j = hspool_get(&p, i == 0 ? HSQ_COOKIE : HSQ_PLAIN, &key, &ev);
		CHECK(j != NULL && !ev);
		j->lane = i == 0 ? HSQ_COOKIE : HSQ_PLAIN;
		j->key = key;
		fill(j, msg[i], i == 3 ? now - HSPOOL_STALE_MS - 10 : now);
		if (i == 1)
			j->msg[HS_OFF_C1] ^= 1;
		if (i == 2)
			j->msg[HS_OFF_C3 + 5] ^= 1;
		j->from.sa.sa_family = AF_INET;
		if (hspool_submit(&p, j)) {
			CHECK_MSG(nthreads == 0, "only the inline mode runs at once");
			inline_done[ninline++] = j;
		} else
			CHECK_MSG(nthreads > 0, "the threads take the job");
	}
	for (int n = 0; n < 4; n++) {
		j = n < ninline ? inline_done[n] : wait_done(&p);
		CHECK_MSG(j != NULL, "a submitted job comes back");
		if (!j)
			break;
		switch (j->result) {
		case HSJ_OK:
			ok++;
			CHECK_MSG(!memcmp(&j->keys, &ck[0], sizeof j->keys), "the worker's keys are the initiator's");
			CHECK_MSG(all_zero(j->cand, sizeof j->cand), "candidate secrets erased once used");
			break;
		case HSJ_C1: c1++; break;
		case HSJ_C3: c3++; break;
		case HSJ_STALE: stale++; break;
		}
		hspool_release(&p, j);
		CHECK_MSG(all_zero(j, offsetof(struct hs_job, next)), "a released job is erased");
	}
	CHECK_MSG(ok == 1 && c1 == 1 && c3 == 1 && stale == 1, "one each of ok, c1, c3, stale");
	CHECK_MSG(hspool_done(&p) == NULL, "nothing more");

	/* the pool is bounded: HSPOOL_JOBS, then NULL (jobs taken but not
	 * queued are never taken back, whatever the lane) */
	static struct hs_job *held[HSPOOL_JOBS];
	int got = 0;
	while (got < HSPOOL_JOBS && (held[got] = hspool_get(&p, HSQ_PLAIN, &key, &ev)) != NULL)
		got++;
	CHECK_MSG(got == HSPOOL_JOBS && hspool_get(&p, HSQ_PLAIN, &key, &ev) == NULL, "HSPOOL_JOBS jobs, then none");
	CHECK_MSG(hspool_get(&p, HSQ_COOKIE, &key, &ev) == NULL && !ev, "none either for a cookie initiation");
	for (int i = 0; i < got; i++)
		hspool_release(&p, held[i]);
	CHECK(hspool_get(&p, HSQ_PLAIN, &key, &ev) != NULL);
	hspool_stop(&p);
}

static uint8_t mpk2[MCE_PK_LEN], msk2[MCE_SK_LEN], s_x2[32], s_sk2[32];

/* one initiation for key (mpk, sx) through the pool: its job back */
static struct hs_job *one(struct hspool *p, const uint8_t *pk, const uint8_t *sx, struct hs_keys *ck)
{
	uint8_t c0[MCE_CT_LEN], k0[32], msg[HS_INIT_LEN];
	struct hsq_key key = { { 4, 192, 0, 2 } };
	int ev;
	CHECK(mce_enc(c0, k0, pk) == 0);
	CHECK(hs_initiate(msg, ck, c0, k0, sx, npk, e_x) == 0);
	struct hs_job *j = hspool_get(p, HSQ_PLAIN, &key, &ev);
	CHECK(j != NULL);
	if (!j)
		return NULL;
	j->lane = HSQ_PLAIN;
	j->key = key;
	fill(j, msg, now_ms());
	if (hspool_submit(p, j))
		return j;
	return wait_done(p);
}

static void rotation(int nthreads)
{
	static struct hspool p;
	struct hs_keys ck;
	struct hs_job *j;
	struct hs_longterm two = { 2, { msk, msk2 }, { s_sk, s_sk2 } }, only_new = { 1, { msk2 }, { s_sk2 } };

	CHECK(hspool_start(&p, nthreads, msk, s_sk) == 0);
	hspool_set_keys(&p, &two);
	j = one(&p, mpk2, s_x2, &ck);
	CHECK_MSG(j && j->result == HSJ_OK && j->key_index == 1 && !memcmp(&j->keys, &ck, sizeof ck),
	          "an initiation for the next key succeeds under it");
	if (j)
		hspool_release(&p, j);
	j = one(&p, mpk, s_x, &ck);
	CHECK_MSG(j && j->result == HSJ_OK && j->key_index == 0, "one for the current key still succeeds");
	if (j)
		hspool_release(&p, j);
	hspool_set_keys(&p, &only_new);
	j = one(&p, mpk, s_x, &ck);
	CHECK_MSG(j && j->result == HSJ_C1, "the old key retired: its initiations fail at c1");
	if (j)
		hspool_release(&p, j);
	j = one(&p, mpk2, s_x2, &ck);
	CHECK_MSG(j && j->result == HSJ_OK && j->key_index == 0, "the new key is now the first");
	if (j)
		hspool_release(&p, j);
	hspool_stop(&p);
}

int main(void)
{
	CHECK(crypto_init() == 0);
	CHECK(mce_keypair(mpk, msk) == 0);
	CHECK(ntru_keypair(npk, nsk) == 0);
	x25519_keypair(s_x, s_sk);
	x25519_keypair(e_x, e_sk);
	run(2);
	run(0);
	CHECK(mce_keypair(mpk2, msk2) == 0);
	x25519_keypair(s_x2, s_sk2);
	rotation(2);
	rotation(0);
	return check_done();
}

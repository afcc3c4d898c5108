/* See server_env.h. */
#include <stdlib.h>
#include <string.h>
#include "proto/ipv6.h"
#include "daemon.h"
#include "server_env.h"
#include "crypto/crypto.h"
#include "io/loop.h"
#include "io/tunerr.h"

struct fz_server fzs;

static void remove_all_peers(struct server *s)
{
	for (unsigned b = 0; b < s->tid_buckets; b++)
		while (s->by_tid[b])
			peer_remove(s, s->by_tid[b], "fuzz reset");
	sessions_clear(s);
}

/* The ephemeral keys follow the wall clock (the dispatch reads it); a
 * genuine initiation is made again for each new slot. */
static void follow_eph(void)
{
	struct server *s = &fzs.s;
	uint64_t w = wall_s();
	if (eph_round(w) == fzs.genuine_start)
		return;
	FUZZ_ASSERT(ephkeys_rotate(&s->eph, w) == 0);
	const struct ephkey *e = ephkeys_current(&s->eph, w);
	FUZZ_ASSERT(e);
	uint8_t c0[MCE_CT_LEN], k0[KEM_SS_LEN];
	FUZZ_ASSERT(mce_enc(c0, k0, fzs.mce_pk) == 0);
	FUZZ_ASSERT(hs_initiate(fzs.genuine, &fzs.genuine_keys, c0, k0, fzs.x_pk, e->ntru_pk, e->x_pk) == 0);
	fzs.genuine_start = eph_round(w);
}

void fzs_init(void)
{
	struct server *s = &fzs.s;

	fz_log_init();
	FUZZ_ASSERT(crypto_init() == 0);
	s->tun_addr = 0x0a2a0001;
	s->maskbits = 16;
	s->mtu4 = 1200;                 /* the defaults: IPv4 1200 on a 1280 TUN */
	s->mtu6 = 1280;
	tunerr_init(&s->tun_err_rl);
	s->inner6 = 1;                  /* inner IPv6 offered: IPv6 plaintexts reach the TUN path */
	FUZZ_ASSERT(ipv6_inner_prefix_parse("fd42:7071:63::", s->prefix6) == 0);
	server_addr6(s, s->tun_addr, s->tun_addr6);
	s->cryptoport = 42424;
	s->keyport = 42425;
	fzs.mce_pk = malloc(MCE_PK_LEN);
	s->mce_sk = malloc(MCE_SK_LEN);
	FUZZ_ASSERT(fzs.mce_pk && s->mce_sk);
	FUZZ_ASSERT(mce_keypair(fzs.mce_pk, s->mce_sk) == 0);
	x25519_keypair(fzs.x_pk, s->x_sk);
	FUZZ_ASSERT(keytree_build(&s->tree, fzs.mce_pk, fzs.x_pk) == 0);
	FUZZ_ASSERT(replaycache_init(&s->replay, (EPH_ACCEPT_S + 2 * EPH_SLOT_S) * 1000) == 0);
	FUZZ_ASSERT(peers_init(s) == 0);
	FUZZ_ASSERT(addrpool_init(&s->pool, s->tun_addr, s->maskbits) == 0);
	/* --handshake-threads 0: hspool_submit runs the job inline */
	FUZZ_ASSERT(hspool_start(&s->hsp, 0, s->mce_sk, s->x_sk) == 0);
	fzs.devnull = fz_devnull(0);
	fzs.devnull_ro = fz_devnull(1);
	FUZZ_ASSERT(tunio_adopt(&s->tio, fzs.devnull, 0) == 0);
	/* sendmmsg on /dev/null fails (ENOTSOCK): replies are built, then dropped */
	s->tx.fd = s->ktx.fd = fzs.devnull;
	s->tx.gso = 1;
	s->crypto_fd = s->key_fd = -1;
	/* a data thread's context, as dataplane_start makes it (no thread:
	 * the harness calls its path itself, under the read lock) */
	FUZZ_ASSERT(pthread_rwlock_init(&s->lock, NULL) == 0);
	fzs.w = calloc(1, sizeof *fzs.w);
	FUZZ_ASSERT(fzs.w);
	fzs.w->s = s;
	fzs.w->def = calloc(DEFER_SLOTS, sizeof *fzs.w->def);
	FUZZ_ASSERT(fzs.w->def && tunio_adopt(&fzs.w->tio, fzs.devnull, 0) == 0);
	fzs.w->tx.fd = fzs.devnull;
	fzs.w->tx.gso = 1;
	tunerr_init(&fzs.w->err_rl);
	fzs.w->dp = (struct dpath){ &fzs.w->tio, &fzs.w->tx, &fzs.w->st, fzs.w, &fzs.w->err_rl };
	fzs.w->drain = dataplane_drain;
	for (unsigned i = 0; i < FZS_PEERS; i++)
		fz_keys(&fzs.known[i], i);
	fz_source(&fzs.from0, 0);
	fzs.genuine_start = UINT64_MAX;
	follow_eph();
}

void fzs_reset(uint64_t now, int vnet, uint32_t host, int wfail)
{
	struct server *s = &fzs.s;

	follow_eph();
	remove_all_peers(s);
	for (unsigned i = 0; i < EARLY_SLOTS; i++)
		s->early[i].len = 0;
	s->early_next = 0;
	if (s->replay.count) {
		replaycache_free(&s->replay);
		FUZZ_ASSERT(replaycache_init(&s->replay, (EPH_ACCEPT_S + 2 * EPH_SLOT_S) * 1000) == 0);
	}
	/* as main.c sets them up (one handshake thread's worth) */
	ratelimit_init(&s->hs_rl, 10, 20, 5000, 5000);
	ratelimit_init(&s->key_rl, 3000, 1000, 200000, 50000);
	ratelimit_init(&s->hint_rl, 5, 10, 2000, 2000);
	memset(&s->st, 0, sizeof s->st);
	FUZZ_ASSERT(s->tio.gro->nseg == 0 && s->tx.n == 0 && s->ktx.n == 0 && s->hsp.queued == 0);
	s->tio.vnet = vnet;
	s->tio.fd = wfail ? fzs.devnull_ro : fzs.devnull;
	memset(&fzs.w->st, 0, sizeof fzs.w->st);
	FUZZ_ASSERT(fzs.w->tio.gro->nseg == 0 && fzs.w->tx.n == 0 && fzs.w->ndef == 0);
	fzs.w->tio.vnet = vnet;
	fzs.w->tio.fd = s->tio.fd;
	s->host = host;
	for (unsigned i = 0; i < FZS_PEERS; i++)
		FUZZ_ASSERT(peer_add(s, &fzs.known[i], &fzs.from0, now) != NULL);
}

void fzs_finish(void)
{
	struct server *s = &fzs.s;
	tunio_flush(&s->tio);
	udp_tx_flush(&s->tx);
	udp_tx_flush(&s->ktx);
	tunio_flush(&fzs.w->tio);
	udp_tx_flush(&fzs.w->tx);
	/* PQC_FUZZ_LOG=3 or more: what the input did, by counter */
	if (log_get_level() >= L_DEBUG) {
#define X(n) if (s->st.n + fzs.w->st.n) fprintf(stderr, "counter %s: %llu\n", #n, (unsigned long long)(s->st.n + fzs.w->st.n));
		SERVER_COUNTERS(X)
#undef X
		fprintf(stderr, "tunio: %llu packets out, %llu writes\n", (unsigned long long)s->tio.packets_out,
		        (unsigned long long)s->tio.writes);
	}
}

struct peer *fzs_known(unsigned i)
{
	return peer_by_tid(&fzs.s, fzs.known[i].tid);
}

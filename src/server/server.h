/* pqconnect-server: state shared by its parts.
 *   keyserver.c     UDP key port: static key-tree nodes and ephemeral keys
 *   cryptoserver.c  UDP crypto port: initiations and tunnel packets in
 *   hspool.c        handshake worker threads (McEliece off the packet path)
 *   deliver.c       TUN side: decrypted packets out, replies into tunnels
 *   dataplane.c     data threads (--threads): one crypto-port socket and one
 *                   TUN queue each, tunnel packets in and out in parallel
 *   peers.c         the peer table (by TID, by internal address)
 *   reload.c        configuration and key files: read at start-up and on
 *                   reload (SIGHUP, pqconnect-ctl reload); the next key
 *   main.c          options, set-up, event loop, housekeeping */
#ifndef PQC_SERVER_H
#define PQC_SERVER_H
#include <pthread.h>
#include <stdint.h>
#include "core/addrpool.h"
#include "core/cookie.h"
#include "core/ephkeys.h"
#include "core/ratelimit.h"
#include "core/replaycache.h"
#include "core/tunnel.h"
#include "io/loop.h"
#include "io/udp.h"
#include "io/tunio.h"
#include "server/hspool.h"
#include "proto/keytree.h"
#include "proto/tunnelpkt.h"

struct peer {
	pthread_mutex_t mu;             /* data threads: held around tun, ep and local (see dataplane.c) */
	struct tunnel tun;
	uint32_t addr;                  /* internal address 10.42.x.y */
	union sockaddr_any ep;          /* external endpoint (roams) */
	struct udp_src local;           /* our address its authenticated packets arrive on: the
	                                 * source of what we send it (sticky, roams with ep) */
	uint64_t established;           /* ms */
	int alive;                      /* 1 after the first authenticated packet */
	int inner6;                     /* it sent inner IPv6: a client of ours that asked for it
	                                 * (IPv6 is never sealed to others, such as the reference) */
	struct peer *tid_next;          /* TID hash chain */
	struct peer *new_prev, *new_next;   /* while !alive: the list of new peers, oldest first */
};

/* A resumable internal address (resume.c hands them out, peers.c keeps
 * them): while one exists, its address stays reserved in the pool, held by
 * the peer on it or, once that one is gone, for SESSION_HOLD_MS. */
#define SESSION_HOLD_MS (30 * 60 * 1000)
#define SESSION_STATE_FILE "sessions"     /* in --state-dir */
struct session {
	uint32_t addr;
	uint8_t secret[32];             /* the resumption secret (never a traffic key) */
	uint8_t tid[32];                /* the newest tunnel on the address */
	union sockaddr_any ep;          /* its endpoint (a restarted server's hint goes there) */
	uint64_t released;              /* ms: when the last peer on it went (0: a peer holds it) */
	uint64_t seen;                  /* wall-clock s: last known alive */
	uint64_t hinted;                /* ms: last restart hint sent for it */
	int restored;                   /* from the state file, no tunnel since */
};

/* Every kind of dropped or handled packet has a counter. */
#define SERVER_COUNTERS(X) \
	X(hs_ok) X(hs_bad_len) X(hs_replay) X(hs_decrypt_fail) X(hs_ratelimited) \
	X(hs_tid_exists) X(hs_replay_full) X(hs_no_address) X(hs_no_ephkey) X(hs_queue_full) X(hs_stale) \
	X(tun_ok) X(tun_keepalive) X(tun_unknown_tid) X(tun_early) X(tun_early_replayed) X(tun_auth) X(tun_replay) X(tun_old) \
	X(tun_epoch) X(tun_ahead) X(tun_short) X(tun_too_long) X(tun_bad_inner) X(tun_cookie) X(tun_write_fail) \
	X(hsfail_ignored) X(crypto_unknown_type) X(udp_truncated) \
	X(out_ok) X(out_no_peer) X(out_bad) X(out_seal_fail) \
	X(key_static_ok) X(key_static_bad) X(key_static_size) X(key_eph_ok) X(key_eph_bad) \
	X(key_ratelimited) X(key_unknown_type) \
	X(peers_removed) \
	X(hs_cookie) X(hs_cookie_bad) X(hs_cookie_expired) X(hs_cookie_len) X(hs_evicted) X(hs_ok_cookie) \
	X(key_cookie_ok) X(key_cookie_bad) X(peers_evicted) X(key_feat_ok) X(key_feat_bad) X(tun_inner6) X(out_inner6) \
	X(hs_ok_next) X(key_next_static_ok) X(reload_ok) X(reload_failed) X(textfile_ok) X(textfile_failed) \
	X(sess_granted) X(sess_resumed) X(sess_claim_bad) X(sess_claim_unknown) X(sess_bad_msg) X(sess_expired) \
	X(sess_evicted) X(sess_hints) X(sess_hint_limited) X(sess_saved) X(sess_save_fail) X(sess_loaded) \
	X(sess_load_bad) X(out_fragmented) X(out_too_big) X(out_icmp6) X(out_inner6_refused) X(out_err_limited)

/* A tunnel packet kept while the initiation of its source is with the
 * handshake workers (cryptoserver.c). */
#define EARLY_SLOTS 64
struct early {
	uint64_t t;
	size_t len;                     /* 0: free */
	union sockaddr_any from;
	struct udp_src local;
	uint8_t m[TP_MAX_LEN];
};

struct server_stats {
#define X(n) uint64_t n;
	SERVER_COUNTERS(X)
#undef X
};

/* Where one thread's data path puts things: decrypted packets (tio),
 * datagrams (tx), counters (st).  w NULL: the caller has the server to
 * itself (the loop's thread, or a data thread holding the write lock);
 * otherwise a data thread under the read lock, which leaves everything
 * but tunnel packets of live peers to the exclusive path (dataplane.c). */
struct dworker;
struct dpath {
	struct tunio *tio;
	struct udp_tx *tx;
	struct server_stats *st;
	struct dworker *w;
	struct rl_one *err_rl;          /* ICMP errors into the TUN (io/tunerr.h): one per thread */
};

/* Data threads (dataplane.c), --threads N > 1. */
#define DATA_MAX_THREADS 16
#define DEFER_SLOTS 32
#define DEFER_MAX_LEN UDP_BUFSZ         /* >= TP_MAX_LEN and both initiation sizes */
enum defer_kind { DEFER_DATAGRAM, DEFER_SESSION, DEFER_EXHAUSTED };
struct deferred {
	enum defer_kind kind;
	size_t len;
	union sockaddr_any from;
	struct udp_src local;
	uint8_t tid[32];                /* DEFER_SESSION, DEFER_EXHAUSTED: the tunnel */
	uint8_t m[DEFER_MAX_LEN];       /* the datagram, or the session message's plaintext */
};
struct dworker {
	struct server *s;
	int idx;
	pthread_t th;
	int started, running;
	int fd, epfd, stopfd;           /* its crypto-port socket (SO_REUSEPORT), epoll, stop eventfd */
	struct udp_rx rx;
	struct udp_tx tx;
	struct tunio tio;               /* its TUN queue */
	struct rl_one err_rl;           /* its ICMP errors into the TUN (each thread: the daemon's limit) */
	struct server_stats st;         /* its counters, written by it only */
	struct server_stats pub;        /* their copy after each batch: read by the loop's thread (relaxed atomics) */
	uint64_t deferred, pub_deferred;    /* datagrams and messages handed to the exclusive path */
	uint64_t batches, pub_batches;
	struct deferred *def;           /* DEFER_SLOTS */
	void (*drain)(struct dworker *w);   /* runs them (dataplane_drain): defer.c calls it when full */
	unsigned ndef;
	struct dpath dp;
};

struct server {
	/* configuration */
	const char *keydir, *confdir, *ifname;
	uint16_t cryptoport, keyport;
	uint32_t tun_addr;              /* host order */
	int maskbits;
	uint32_t host;                  /* -H: deliver to this address (0 = tun_addr) */
	int inner6;                     /* inner IPv6 offered (--no-inner6 turns it off) */
	uint8_t prefix6[8];             /* its ULA /64 (--inner6-prefix, fd42::/64) */
	uint8_t tun_addr6[16];          /* the TUN's IPv6 address: prefix::<host number of tun_addr> */
	int mtu4;                       /* IPv4 MTU towards the clients (--mtu, 1200: the reference's) */
	int mtu6;                       /* the TUN device's MTU (1280 or more with inner IPv6) */
	struct rl_one tun_err_rl;       /* ICMP errors written into the TUN (io/tunerr.h) */

	uint32_t host_start;            /* -H, or 0: the host without a host file (reload.c) */
	uint16_t cryptoport_start, keyport_start;   /* -p/-k or the defaults: the ports without files */

	/* long-term keys: the current one, served on keyport (key_fd) */
	uint8_t *mce_sk;                /* MCE_SK_LEN, erased at exit */
	uint8_t x_sk[X25519_LEN];
	struct keytree tree;
	/* the next one during a key rotation (keydir/next, served on its own
	 * key port from confdir/next-keyport): mce_sk NULL when there is none */
	struct next_key {
		uint8_t *mce_sk;
		uint8_t x_sk[X25519_LEN];
		struct keytree tree;
		uint16_t keyport;
		int fd;
		struct udp_tx tx;
	} next;

	/* runtime */
	struct loop loop;
	int crypto_fd, key_fd;
	struct tunio tio;               /* the TUN, with offloads when the kernel has them */
	struct udp_rx rx;
	struct udp_src rx_local;        /* the local address of the datagram being handled
	                                 * (the receive loops set it; unset: the kernel chooses) */
	struct udp_tx tx;               /* crypto port */
	struct udp_tx ktx;              /* key port */
	struct ephkeys eph;
	struct hspool hsp;              /* handshake workers */
	struct replaycache replay;
	struct ratelimit hs_rl, key_rl;
	struct ratelimit hs_cookie_rl;  /* initiations with a valid cookie: their own buckets */
	struct cookie_checker cookies;  /* address cookies (core/cookie.h): the secret stays here */
	struct addrpool pool;
	struct peer **by_tid;           /* TID hash table */
	unsigned tid_buckets;
	struct peer **by_host;          /* internal host number -> peer */
	unsigned npeers;
	struct peer *new_head, *new_tail;   /* peers not yet alive, oldest first (peers.c) */
	struct session **sessions;      /* internal host number -> resumable address (peers.c) */
	unsigned nsessions;
	int sessions_dirty;             /* the state file is behind (resume.c writes it) */
	const char *statedir;           /* --state-dir: where the sessions survive a restart (NULL: nowhere) */
	int statedir_fd;                /* that directory, open (-1: none): the file is written through it */
	struct ratelimit hint_rl;       /* restart hints, per source */
	struct timer housekeeping, eph_timer;
	struct early early[EARLY_SLOTS];     /* early tunnel packets (cryptoserver.c) */
	unsigned early_next;
	struct server_stats st;
	/* --threads N > 1 (dataplane.c): the data threads; the loop's thread
	 * holds lock for writing around each of its turns, a data thread for
	 * reading around each batch (writers first: a busy data path does not
	 * starve the loop) */
	int nthreads;                   /* 1: no data threads, the loop does everything (no locks) */
	struct dworker *dw;
	pthread_rwlock_t lock;
};

/* peers.c */
int peers_init(struct server *s);
struct peer *peer_by_tid(struct server *s, const uint8_t tid[32]);
struct peer *peer_by_addr(struct server *s, uint32_t addr);
struct peer *peer_add(struct server *s, const struct hs_keys *k, const union sockaddr_any *from, uint64_t now);
void peer_remove(struct server *s, struct peer *p, const char *why);
/* p's first authenticated packet: it leaves the list of new peers. */
void peer_mark_alive(struct server *s, struct peer *p);
void peers_housekeeping(struct server *s, uint64_t now);
void peers_free(struct server *s);
/* Resumable addresses: the one of addr (or NULL); a new one for p's address
 * (NULL if out of memory); p moved onto the address of sess, whose current
 * peer (another tunnel of the same client) is removed. */
struct session *session_of(struct server *s, uint32_t addr);
struct session *session_add(struct server *s, struct peer *p);
void peer_move_to(struct server *s, struct peer *p, struct session *sess);
/* A session read back from the state file: its address reserved, held as if
 * its peer had just gone.  0, or -1 (address outside the pool or taken). */
int session_restore(struct server *s, struct session *sess, uint64_t now);
/* Every session freed, erased (their addresses go back unless a peer holds them). */
void sessions_clear(struct server *s);

/* resume.c: session resumption (proto/sessionmsg.h) */
/* An authenticated in-tunnel session message from p; the grant is queued in s->tx. */
void resume_message(struct server *s, struct peer *p, const uint8_t *pt, size_t len, uint64_t now);
/* A tunnel packet with an unknown TID: a restart hint, if the TID is one of
 * a restored session's (rate-limited); 1 if one was sent. */
int resume_unknown_tid(struct server *s, const uint8_t tid[32], const union sockaddr_any *from, uint64_t now);
/* Start-up: read the state file (as root, before the sockets exist) and, once
 * they do, tell every restored client we are back. */
void resume_load(struct server *s, uint64_t now);
void resume_announce(struct server *s, uint64_t now);
/* The state file rewritten if something changed (housekeeping; force at exit). */
void resume_save(struct server *s, int force);
void resume_free(void);

/* reload.c.  server_read_config: the files of confdir (pqcport, keyport,
 * next-keyport (0 if absent), host) over the values passed in; 0, or -1
 * with a log line.
 * server_reload: re-read the config and the key directory (keydir, and
 * keydir/next) and apply what changed without touching the tunnels:
 * new keys, the host, key ports (bound anew when they change, which the
 * unprivileged server can do for unprivileged ports only).  A crypto port
 * change needs a restart and is only logged.  Anything wrong: a log line,
 * the counter reload_failed, the old configuration kept entirely, -1 and
 * the reason in why (on success: what is served now).  startup: the ports
 * and host are main's (the command line wins over the files there).
 * keys_to_pool: hand the held secret keys to the
 * handshake workers (0, or -1 when out of memory: the workers keep what
 * they had). */
int server_read_config(struct server *s, uint16_t *cryptoport, uint16_t *keyport, uint16_t *next_keyport,
                       uint32_t *host);
int server_reload(struct server *s, int startup, char *why, size_t whycap);
int server_keys_to_pool(struct server *s);
void server_keys_free(struct server *s);

/* control.c: the control socket's commands */
struct ctlbuf;
void server_control(void *arg, int argc, char **argv, struct ctlbuf *out);

/* keyserver.c */
void keyserver_readable(struct loop *l, int fd, uint32_t events, void *arg);
/* One datagram of the key port (rate limit, then the request); answers are
 * queued in s->ktx (the caller flushes). */
void keyserver_datagram(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now);
/* The same for the next key's port (its own tree, its own replies). */
void keyserver_next_datagram(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from,
                             uint64_t now);
/* cryptoserver.c */
void cryptoserver_readable(struct loop *l, int fd, uint32_t events, void *arg);
/* One datagram of the crypto port, dispatched on its type; decrypted
 * packets are queued in s->tio and replies in s->tx (the caller flushes
 * both). */
void cryptoserver_datagram(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now);
/* The same in a data thread under the read lock (d->w set): tunnel
 * packets of live peers are handled here, into d; the rest is deferred
 * (dataplane_defer) to the exclusive path. */
void cryptoserver_datagram_shared(struct server *s, struct dpath *d, const uint8_t *m, size_t len,
                                  const union sockaddr_any *from, const struct udp_src *local, uint64_t now);
void handshakes_finished(struct loop *l, int fd, uint32_t events, void *arg);    /* hspool eventfd */
/* deliver.c */
void deliver_to_tun(struct server *s, struct dpath *d, struct peer *p, uint8_t *pkt, size_t len);
/* Packets from a TUN queue sealed into their tunnels (into d). */
void tun_read_into(struct server *s, struct dpath *d);
/* The internal IPv6 address of the peer with internal IPv4 address addr. */
void server_addr6(const struct server *s, uint32_t addr, uint8_t out[16]);
void tun_readable(struct loop *l, int fd, uint32_t events, void *arg);

/* dataplane.c */
/* Start n data threads (the sockets and TUN queues are open: w[i].fd,
 * w[i].tio), each running once this returns (a seccomp filter with TSYNC
 * may follow); the loop's turns take the write lock from now on.  0 / -1. */
int dataplane_start(struct server *s);
void dataplane_stop(struct server *s);
/* defer.c: hand something to the exclusive path (at the end of the
 * batch, or now through w->drain if the slots are full).  m of len <=
 * DEFER_MAX_LEN; called under the read lock. */
void dataplane_defer(struct dworker *w, enum defer_kind kind, const uint8_t *m, size_t len,
                     const union sockaddr_any *from, const struct udp_src *local, const uint8_t tid[32]);
/* Run what w deferred (the caller holds no lock; the batch's end). */
void dataplane_drain(struct dworker *w);
/* The counters of every thread added up (the loop's thread's and the
 * data threads' published copies). */
void server_stats_total(const struct server *s, struct server_stats *out);
#endif

/* The client daemon's state and the interfaces between its files:
 *   main.c       options, start-up, signals, shutdown
 *   intercept.c  DNS answer decision (shared by the queue and the proxy),
 *                held answers with deadlines, netfilter queue callback
 *   dnsproxy.c   --dns-proxy mode: a forwarding resolver running the same decision
 *   peers.c      peer table, data path (TUN <-> tunnel socket), liveness,
 *                keepalive, re-handshake, idle removal
 *   connect.c    the per-server connect state machine (TXT, keys, ephemeral
 *                key, initiation, ICMP confirmation)
 *   fetch.c      key-tree download, ephemeral key, on-disk key cache
 *   txt.c        /etc/resolv.conf and the TXT lookups of the short pq1 form
 *   monitor.c    the root part: netfilter queue, rules, hooks (privsep)
 *   worker.c     the worker's side of the channel to the monitor; static peers
 *   control.c    the control socket's commands (pqconnect-ctl)
 *   ping.c       liveness pings with TrIPE's every/timeout/retries
 *   peersfile.c  the static peers file parser (pure)
 * Two processes (monitor as root, worker as pqconnect), each with one epoll
 * loop, no threads; every wait has a deadline. */
#ifndef PQC_CLIENT_H
#define PQC_CLIENT_H
#include <stdint.h>
#include "io/loop.h"
#include "io/udp.h"
#include "io/tunio.h"
#include "io/nfq.h"
#include "core/addrpool.h"
#include "core/tunnel.h"
#include "proto/dns.h"
#include "crypto/crypto.h"
#include "client/peersfile.h"
#include "client/privmsg.h"
#include "io/ctlsock.h"
#include <sys/types.h>

/* timing policy (overridable at build time, e.g. for tests) */
#ifndef CLIENT_DNS_DEADLINE_MS
#define CLIENT_DNS_DEADLINE_MS 2000     /* a held DNS answer is released unchanged after this */
#endif
#ifndef CLIENT_CONNECT_DEADLINE_MS
#define CLIENT_CONNECT_DEADLINE_MS 10000
#endif
#ifndef CLIENT_FAIL_BACKOFF_MS
#define CLIENT_FAIL_BACKOFF_MS 5000     /* after a failed connect, pass answers at once for this long */
#endif
#ifndef CLIENT_MAX_HELD
#define CLIENT_MAX_HELD 512
#endif
#ifndef CLIENT_FORGET_MS
#define CLIENT_FORGET_MS 600000         /* unused this long: peer removed, address freed */
#endif
#ifndef CLIENT_IN_USE_MS
#define CLIENT_IN_USE_MS 120000
#endif
#ifndef CLIENT_TICK_MS
#define CLIENT_TICK_MS 2000
#endif
#ifndef CLIENT_SILENT_MS
#define CLIENT_SILENT_MS 10000          /* sending but nothing received: probe */
#endif
#ifndef CLIENT_PROBE_DEAD_MS
#define CLIENT_PROBE_DEAD_MS 5000
#endif
#define KEYCACHE_MAX_AGE_S (12 * 3600)

/* Every packet we drop or release unchanged is counted somewhere here. */
struct counters {
	uint64_t tun_not_ipv4;       /* TUN read: not a well-formed IPv4 packet */
	uint64_t tun_no_peer;        /* TUN read: destination is no peer's address */
	uint64_t tun_no_tunnel;      /* TUN read: peer known but no tunnel (yet) */
	uint64_t tun_seal_fail;
	uint64_t tun_write_fail;
	uint64_t rx_not_tunnel;      /* tunnel socket: neither 02 00 nor a known type */
	uint64_t rx_too_long;        /* tunnel socket: longer than any tunnel packet (TP_MAX_LEN) */
	uint64_t rx_truncated;       /* tunnel socket: larger than the receive buffer (MSG_TRUNC) */
	uint64_t rx_handshake_fail;  /* 03 00 (unauthenticated: ignored) */
	uint64_t rx_unknown_tid;
	uint64_t rx_open_fail;       /* tunnel_open failed (auth, replay, window) */
	uint64_t rx_bad_inner;       /* decrypted, but not a usable IPv4 packet */
	uint64_t rx_keepalive;       /* empty plaintexts (not a drop) */
	uint64_t rx_probe;           /* our ICMP probe replies (consumed) */
	uint64_t key_stray;          /* key-server socket: wrong source / unparsable */
	uint64_t key_bad_node;       /* key-tree node that did not verify */
	uint64_t dns_unparsable;     /* queued packet not UDP/DNS: passed */
	uint64_t dns_failopen;       /* pq1 answers released unchanged (failure/deadline/full) */
	uint64_t dns_rewritten;
	uint64_t dns_canary;
	uint64_t proxy_drop;         /* proxy mode: queries/answers dropped */
	uint64_t connect_ok, connect_fail;
	uint64_t rx_old_tunnel;      /* accepted on the tunnel a handshake replaced (not a drop) */
	uint64_t ping_sent, ping_ok, ping_lost, reconnects;
	uint64_t mon_bad;            /* malformed messages from the monitor */
};
#define CLIENT_COUNTERS(X) \
	X(tun_not_ipv4) X(tun_no_peer) X(tun_no_tunnel) X(tun_seal_fail) X(tun_write_fail) \
	X(rx_not_tunnel) X(rx_too_long) X(rx_truncated) X(rx_handshake_fail) X(rx_unknown_tid) X(rx_open_fail) X(rx_bad_inner) \
	X(rx_keepalive) X(rx_probe) X(rx_old_tunnel) X(key_stray) X(key_bad_node) X(dns_unparsable) \
	X(dns_failopen) X(dns_rewritten) X(dns_canary) X(proxy_drop) X(connect_ok) X(connect_fail) \
	X(ping_sent) X(ping_ok) X(ping_lost) X(reconnects) X(mon_bad)

/* Liveness pings of one peer (TrIPE connect's PING and its `info` keys). */
struct pingstat {
	int checking;                   /* state "check": a ping is out */
	unsigned attempt;               /* 1..retries within the current batch */
	unsigned failures;              /* failed pings in the current or last batch */
	uint16_t seq;                   /* ICMP sequence of the ping that is out */
	uint64_t sent, next;            /* when it was sent; when the next batch starts */
	int last_timeout;               /* the most recent ping timed out */
	uint64_t n, lost;
	double last, min, max, sum, sumsq;   /* ms */
	uint64_t sent_us;               /* for the round-trip time */
	struct timer timer;
};

struct conn;

struct peer {
	uint8_t hash[32];
	char hashtxt[53];
	char owner[DNS_MAX_NAME + 1];   /* pq1 owner name, for TXT lookups */
	uint32_t ext_ip;
	int have_ports;
	uint16_t cryptoport, keyport;
	uint32_t int_addr;
	union sockaddr_any ep;          /* where tunnel packets go (roams) */

	int has_tunnel;
	struct tunnel tun;
	uint16_t last_tx_epoch;         /* epoch of the last packet sent */

	struct conn *conn;              /* connect in progress, or NULL */
	uint64_t fail_until;            /* answers pass unchanged until then */

	/* verified static keys (kept for re-handshakes) */
	uint8_t *mce_pk;                /* MCE_PK_LEN bytes or NULL */
	uint8_t x_pk[32];
	/* one McEliece encapsulation made ahead of time (while the ephemeral
	 * key is on its way, or after a handshake for the next one), so the
	 * ~100 us of encapsulation is off the path from DNS answer to tunnel */
	uint8_t pre_c0[MCE_CT_LEN], pre_k0[KEM_SS_LEN];
	int have_pre;

	uint64_t created, last_dns, last_app_tx, last_app_rx, last_auth_rx;
	uint64_t probe_since;           /* liveness probe running since (0 = none) */
	uint16_t probe_id, probe_seq;
	int probe_answered;             /* set when a probe reply came back */

	struct timer tick;
	struct peer *next_all, *next_hash, *next_tid;

	uint64_t last_handshake;        /* when the current tunnel was installed */
	/* the tunnel the last handshake replaced: its packets are still
	 * accepted until its receive epochs expire (kick without a gap) */
	int has_old;
	struct tunnel old;
	struct peer *next_oldtid;

	/* static peers (peers file); 0/"" for peers learnt from DNS */
	int is_static;
	char name[PF_NAME_MAX + 1];
	uint32_t every_ms, timeout_ms, retries;
	int hook_up;                    /* ifup ran: ifdown is owed */
	uint64_t last_try;              /* last connect attempt without a tunnel */
	struct pingstat ping;
};

struct client {
	struct loop loop;
	/* configuration */
	uint16_t port;
	uint32_t tun_addr;
	int maskbits;
	int mtu;                        /* TUN MTU (--mtu) */
	char ifname[16];
	uint32_t host_ip;               /* -H: destination of decrypted packets (0 = tun_addr) */
	uint16_t queue_num;
	int proxy_mode;
	char proxy_spec[128];
	const char *keydir;             /* on-disk key cache */
	const char *pidfile;
	const char *user;               /* the worker runs as this user */
	int allow_root;                 /* --allow-root: a missing user is not fatal */
	const char *ctlpath;            /* control socket */
	const char *peers_path;         /* static peers file, or NULL */
	/* descriptors */
	int tunfd, udpfd, sigfd, monfd, ctlfd;
	int offload;                    /* try TUN and UDP segmentation offloads (default) */
	int tunvnet;                    /* the TUN was opened with a virtio-net header */
	struct tunio tio;               /* the worker's view of the TUN */
	struct udp_rx *rx;
	struct udp_tx *tx;
	struct pm_stats mon;            /* the monitor's counters (sent every 500 ms) */
	struct peersfile *pf;           /* static peers, as last loaded */
	/* peers */
	struct addrpool pool;
	struct peer *peers;
	unsigned npeers;
	struct peer *by_hash[256];
	struct peer *by_tid[256];
	struct peer *by_oldtid[256];
	struct peer **by_host;          /* pool.size entries */
	struct counters cnt;
};

extern struct client client;

/* peers.c */
struct peer *peer_by_hash(const uint8_t hash[32]);
struct peer *peer_by_tid(const uint8_t tid[32]);
struct peer *peer_by_addr(uint32_t int_addr);
struct peer *peer_create(const uint8_t hash[32]);      /* reserves an address; NULL if full */
void peer_remove(struct peer *p);
int peer_tunnel_up(const struct peer *p, uint64_t now);
/* Install a fresh tunnel (replacing an old one) and register its TID. */
void peer_install_tunnel(struct peer *p, const struct hs_keys *k, uint64_t now);
/* Send an ICMP echo request through p's tunnel (probe). */
void peer_send_probe(struct peer *p, uint64_t now);
/* Called by connect.c when a connect ends. */
void peer_connect_done(struct peer *p, int ok);
int peers_init(void);
void peers_shutdown(void);
void on_tun_readable(struct loop *l, int fd, uint32_t events, void *arg);
void on_udp_readable(struct loop *l, int fd, uint32_t events, void *arg);
/* One datagram from the tunnel socket: sizes, tunnel id (current or old
 * tunnel), decryption, probe replies, delivery to client.tio (the caller
 * flushes client.tio and client.tx). */
void peer_rx_datagram(const uint8_t *d, size_t len, const union sockaddr_any *from, uint64_t now);

/* connect.c */
/* Start (or join) a connect for p; no-op if one is running. */
void connect_start(struct peer *p);
/* Confirm a quiet tunnel with a probe first; re-handshake if it stays silent. */
void connect_verify(struct peer *p);
void connect_abort(struct peer *p);
/* A probe reply for p arrived through the tunnel. */
void connect_probe_reply(struct peer *p);

/* intercept.c */
enum decision { DEC_PASS = 0, DEC_REPLACE, DEC_HOLD };
/* Decide on a DNS answer payload.  DEC_REPLACE: out/outlen hold the new
 * payload.  DEC_HOLD: *pp is the peer whose connect decides. */
enum decision dns_decide(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
                         struct peer **pp);
/* Rewrite a held answer for p (A -> internal address, AAAA removed). */
int dns_rewrite_for(const struct peer *p, const uint8_t *msg, size_t len, uint8_t *out, size_t cap);
/* Held answers: kind-specific release callbacks. */
struct held;
typedef void (*held_release_fn)(struct held *h, const uint8_t *payload, size_t len);
struct held {
	struct held *next;
	uint8_t hash[32];
	held_release_fn release;        /* payload = the (maybe rewritten) DNS message */
	uint32_t nfq_id;
	union sockaddr_any client;      /* proxy mode: who asked */
	uint8_t *pkt;                   /* nfq: whole IP packet; proxy: DNS message */
	size_t len;
	uint64_t since;
	struct timer deadline;
};
/* Hold an answer for p; takes a copy of pkt.  Returns 0, or -1 (too many held). */
int held_add(struct peer *p, const uint8_t *pkt, size_t len, int is_nfq, uint32_t nfq_id,
             const union sockaddr_any *asker);
/* Release every answer held for p: rewritten if ok, unchanged otherwise. */
void held_resolve(struct peer *p, int ok);
void held_release_all(void);
/* A queued packet the monitor handed over; the verdict goes back through
 * worker_verdict. */
void intercept_packet(uint32_t id, const uint8_t *pkt, size_t len);

/* monitor.c (root) */
int monitor_run(pid_t worker, int sock, struct peersfile *pf, const char *pf_path);
/* Read a peers file: 0 and a malloc'd *text (NULL, *len 0 if the file does
 * not exist), or -1 (errno). */
int peersfile_read(const char *path, char **text, size_t *len);

/* worker.c */
int worker_channel_open(int fd);
/* Verdict for a queued packet: pkt NULL = accept unchanged. */
void worker_verdict(uint32_t id, const uint8_t *pkt, size_t len);
/* Ask the monitor to run p's ifup (up = 1) or ifdown hook. */
void worker_hook(struct peer *p, int up);
/* Ask the monitor to re-read the peers file (it sends it back). */
int worker_request_reload(void);
/* Apply a peers file: create/update static peers, connect to new ones. */
void static_peers_apply(const char *text, size_t len);
/* Peer by name, hash (52 chars or a prefix of at least 4), internal or external address. */
struct peer *peer_find(const char *name);

/* control.c */
void client_control(void *arg, int argc, char **argv, struct ctlbuf *out);

/* ping.c */
/* Tick of the ping schedule (called from the peer's tick). */
void ping_tick(struct peer *p, uint64_t now);
/* A probe reply with this sequence number came back. */
void ping_reply(struct peer *p, uint16_t seq, uint64_t now);
void ping_reset(struct peer *p);
/* TrIPE's info lines for p's pings. */
void ping_info(const struct peer *p, struct ctlbuf *o);

/* peers.c, for kick/forget */
/* Erase p's tunnels (current and old) and keys now. */
void peer_drop_tunnel(struct peer *p);
/* Like peer_create, at a chosen address (0 = next free). */
struct peer *peer_create_at(const uint8_t hash[32], uint32_t addr);

/* dnsproxy.c */
int dnsproxy_start(const char *spec);
void dnsproxy_stop(void);
void dnsproxy_send_answer(const union sockaddr_any *to, const uint8_t *msg, size_t len);

/* txt.c */
int resolv_nameservers(union sockaddr_any *out, int max);
struct txtq;
/* Looks up TXT name; calls cb(arg, port) with the port from the first
 * matching string (ks = 0: "p=<port>", ks = 1: "ip=..;p=<port>"), or
 * cb(arg, -1) on failure/deadline.  Returns NULL if it could not start. */
struct txtq *txt_lookup(const char *name, int ks, void (*cb)(void *arg, int port), void *arg);
void txt_cancel(struct txtq *q);

/* fetch.c */
/* On-disk cache (core/keycache): 0 and p->mce_pk / p->x_pk set on a verified fresh hit. */
int client_keycache_load(struct peer *p);
void client_keycache_store(const struct peer *p, const uint8_t *data /* KT_DATA_LEN */);
struct keyfetch;
/* Fetch the whole key tree of hash from ip:port.  cb(arg, data) with the
 * verified M||X (valid during the call), or data NULL on failure. */
struct keyfetch *keyfetch_start(uint32_t ip, uint16_t port, const uint8_t hash[32],
                                void (*cb)(void *arg, const uint8_t *data), void *arg);
void keyfetch_cancel(struct keyfetch *f);
struct ephfetch;
/* Fetch the current ephemeral keys: cb(arg, ntru_pk, x_pk) or NULLs on failure. */
struct ephfetch *ephfetch_start(uint32_t ip, uint16_t port,
                                void (*cb)(void *arg, const uint8_t *ntru_pk, const uint8_t *x_pk), void *arg);
void ephfetch_cancel(struct ephfetch *f);
#endif

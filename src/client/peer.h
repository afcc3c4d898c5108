/* One server the client talks to (a "peer"), and the table of them.
 *
 * Who writes what (one writer per field):
 *   peertable.c  the table, int_addr, hash, the tunnels (tun, old) and ep
 *                when a tunnel is installed
 *   lifecycle.c  state and everything about the peer's life: location
 *                (ext, ports, owner), static configuration, timestamps of
 *                DNS answers and authenticated packets, backoff, verification
 *   connect.c    the verified static keys (mce_pk, x_pk) and the pre-made
 *                encapsulation
 *   datapath.c   ep (roaming to the newest authenticated source),
 *                last_app_tx/rx, last_tx_epoch, the probe sequence
 *   serverfeat.c what the server offers beyond the reference (inner6), and
 *                the request that asks it
 *   ping.c       ping (TrIPE's statistics and schedule)
 *   session.c    the resumption grant (our address on the server, its secret)
 *   main.c       the timers behind the lifecycle's hooks (lc_timer) */
#ifndef PQC_CLIENT_PEER_H
#define PQC_CLIENT_PEER_H
#include <stdint.h>
#include "core/tunnel.h"
#include "crypto/crypto.h"
#include "io/loop.h"
#include "io/udp.h"
#include "proto/dns.h"
#include "client/peersfile.h"

#define PEER_MAX_ADDRS 8                /* addresses of one name a connect round tries */

/* The life of a peer (lifecycle.c has the transition table). */
enum peer_state {
	PS_NEW = 0,     /* just made: nothing tried yet */
	PS_CONNECTING,  /* an attempt (TXT, keys, ephemeral key, initiation) runs */
	PS_VERIFYING,   /* a tunnel exists; a probe through it is out */
	PS_UP,          /* a tunnel that answered */
	PS_BACKOFF,     /* the last attempt failed: answers pass until retry_at */
	PS_DOWN,        /* no tunnel (expired, or dropped); the next need reconnects */
	PS_RESUMING,    /* a new tunnel exists and a resumption claim is out: the
	                 * application's packets wait for the grant (at most
	                 * RESUME_WAIT_MS), so none reaches the server from a
	                 * fresh address */
};

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
	uint64_t up_since;              /* the tunnel the schedule belongs to (its last_handshake) */
	int seq_valid;                  /* the ping that is out was sent (seq is its sequence) */
	struct timer timer;
};

struct conn;
struct waiting;

struct peer {
	/* peertable.c */
	uint8_t hash[32];
	char hashtxt[53];
	uint32_t int_addr;
	int has_tunnel;
	struct tunnel tun;
	int has_old;                    /* the tunnel the last handshake replaced: its */
	struct tunnel old;              /* packets are accepted until its epochs expire */
	uint64_t last_handshake;        /* when the current tunnel was installed */
	struct peer *next_all, *next_hash, *next_tid, *next_oldtid;

	/* lifecycle.c */
	enum peer_state state;
	union sockaddr_any ext;         /* the server's address: the A record, or the peers
	                                 * file's (IPv4 or IPv6); port unused; unset if none */
	union sockaddr_any ext6_hint;   /* an IPv6 address of the name (an AAAA seen, or the
	                                 * one an attempt used), for when IPv4 has no route */
	uint32_t addrs[PEER_MAX_ADDRS]; /* every IPv4 address of its name, in the answer's order */
	unsigned naddrs;
	unsigned addr_tries;            /* addresses tried in the current connect round */
	int have_ports;
	uint16_t cryptoport, keyport;
	char owner[DNS_MAX_NAME + 1];   /* pq1 owner name, for TXT lookups */
	int is_static;                  /* from the peers file */
	char name[PF_NAME_MAX + 1];
	uint32_t every_ms, timeout_ms, retries;
	int hook_up;                    /* ifup ran: ifdown is owed */
	uint64_t created, last_dns, last_auth_rx, state_since;
	uint64_t retry_at;              /* BACKOFF: answers pass until then */
	uint64_t last_try;              /* last attempt started */
	uint64_t next_tick;             /* when the housekeeping runs next */
	uint64_t probe_since;           /* silence probing since (0: not probing) */
	uint64_t verify_until;          /* VERIFYING: the probe's deadline */
	uint64_t verify_next;           /* VERIFYING: the next probe */
	int verify_quiet;               /* VERIFYING a quiet tunnel (no reply: handshake again) */
	int strict;                     /* reached by its high-security name: never fail open */
	uint64_t resume_until;          /* RESUMING: the grant's deadline */
	uint64_t resume_next;           /* RESUMING: the next claim */
	uint64_t hint_at;               /* the last restart hint acted on */

	/* connect.c */
	struct conn *conn;              /* the attempt in progress, or NULL */
	uint8_t *mce_pk;                /* verified static keys: MCE_PK_LEN bytes or NULL */
	uint8_t x_pk[32];
	uint8_t pre_c0[MCE_CT_LEN], pre_k0[KEM_SS_LEN];   /* one encapsulation made ahead */
	int have_pre;
	int cookie_state;               /* address cookies: 1 answered, 0 unknown, -1 not (until cookie_retry_at) */
	unsigned cookie_misses;
	uint64_t cookie_retry_at;

	/* datapath.c */
	union sockaddr_any ep;          /* where tunnel packets go (roams) */
	uint64_t last_app_tx, last_app_rx;
	uint16_t last_tx_epoch;
	uint16_t probe_id, probe_seq;   /* one probe sequence space per peer */
	struct waiting *waiting;        /* application packets waiting for the tunnel */
	unsigned nwaiting;

	/* serverfeat.c */
	int inner6;                     /* the server said FEAT_INNER6 (its last answer) */
	int feat_asked;                 /* a request is out: feat_nonce to feat_to */
	uint8_t feat_nonce[8];
	union sockaddr_any feat_to;     /* the key server asked (address and port) */

	/* session.c */
	int sess_have;                  /* a grant: our address on the server and its secret */
	uint32_t sess_addr;             /* 10.42.x.y as the server sees us (for show) */
	uint8_t sess_secret[32];
	uint64_t claim_at;              /* the last claim sent (a grant is taken only soon after) */
	int grant_change_ok;            /* the grant may still change what we hold (once per claim) */

	/* ping.c */
	struct pingstat ping;

	/* main.c: the timer behind the lifecycle's arm hook */
	struct timer lc_timer;
};

/* ------------------------------------------------------- peertable.c -- */
/* The internal address pool (tun_addr/maskbits).  0 / -1. */
int peertable_init(uint32_t tun_addr, int maskbits);
void peertable_free(void);
/* A new peer with an internal address (want = 0: the next free one); NULL
 * if the address is taken or none is free. */
struct peer *peertable_add(const uint8_t hash[32], uint32_t want);
/* Takes p out of the table, frees its address, erases its keys, frees it. */
void peertable_remove(struct peer *p);
struct peer *peer_by_hash(const uint8_t hash[32]);
struct peer *peer_by_tid(const uint8_t tid[32]);
struct peer *peer_by_oldtid(const uint8_t tid[32]);
struct peer *peer_by_addr(uint32_t int_addr);
/* Peer by name, hash (52 chars or a prefix of at least 4), internal or external address. */
struct peer *peer_find(const char *name);
struct peer *peers_first(void);          /* iterate with p->next_all */
unsigned peers_count(void);
/* Is addr inside the internal subnet? */
int peertable_is_internal(uint32_t addr);
/* Install a fresh tunnel to ep (the current one becomes the old one) and register its TID. */
void peer_install_tunnel(struct peer *p, const struct hs_keys *k, const union sockaddr_any *ep, uint64_t now);
/* Erase p's tunnels (current and old) and their keys now. */
void peer_drop_tunnel(struct peer *p);
/* Housekeeping of the tunnels: epochs; the old one dropped once it has expired. */
void peer_tick_tunnels(struct peer *p, uint64_t now);
/* Is the tunnel usable to send (alive and not in need of a new handshake)? */
int peer_tunnel_usable(const struct peer *p, uint64_t now);
#endif

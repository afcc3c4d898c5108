/* The life of a peer: the only place that starts or aborts a connect,
 * removes a peer, or decides dead / backoff / keepalive.  Everything else
 * reports events here (peer_ev_*); this file acts through hooks that
 * main.c registers once (lifecycle_hooks), so it calls no other file of
 * the client and can be driven by unit tests with a fake clock. */
#ifndef PQC_CLIENT_LIFECYCLE_H
#define PQC_CLIENT_LIFECYCLE_H
#include <stdint.h>
#include "client/peer.h"

/* timing policy (overridable at build time, e.g. for tests) */
#ifndef CLIENT_FAIL_BACKOFF_MS
#define CLIENT_FAIL_BACKOFF_MS 5000     /* after a failed attempt, answers pass at once this long */
#endif
#ifndef CLIENT_FORGET_MS
#define CLIENT_FORGET_MS 600000         /* unused this long: peer removed, address freed */
#endif
#ifndef CLIENT_IN_USE_MS
#define CLIENT_IN_USE_MS 120000         /* traffic or a DNS answer this recent: in use */
#endif
#ifndef CLIENT_TICK_MS
#define CLIENT_TICK_MS 2000             /* housekeeping of each peer */
#endif
#ifndef CLIENT_SILENT_MS
#define CLIENT_SILENT_MS 10000          /* sending but nothing received: probe */
#endif
#ifndef CLIENT_NEXT_ADDR_WITHIN_MS
#define CLIENT_NEXT_ADDR_WITHIN_MS 10000 /* a connect round moves to another address of the name only this long */
#endif
#ifndef CLIENT_PROBE_DEAD_MS
#define CLIENT_PROBE_DEAD_MS 5000       /* probing this long without an answer: dead */
#endif
#define VERIFY_QUIET_MS 400             /* a quiet tunnel has this long to answer a probe */
#define VERIFY_NEW_MS 400               /* a new tunnel's probe; then trusted anyway (ICMP may be filtered) */
#define VERIFY_EVERY_MS 50              /* probes while verifying */
#define RESUME_WAIT_MS 1000             /* a resumption claim's grant: packets wait at most this long */
#define RESUME_EVERY_MS 100             /* the claim again while no grant came */
#define HINT_GAP_MS 1000                /* restart hints acted on at most this often */

struct lifecycle_hooks {
	/* start an attempt for p (connect.c); 0 if it runs, -1 if it could not start */
	int (*attempt_start)(struct peer *p);
	void (*attempt_abort)(struct peer *p);
	/* one probe through p's tunnel (datapath.c) */
	void (*send_probe)(struct peer *p, uint64_t now);
	/* an empty tunnel packet, so the server keeps its receive epoch */
	void (*send_keepalive)(struct peer *p, uint64_t now);
	/* the DNS answers held for p: rewritten (ok) or unchanged */
	void (*answers_release)(struct peer *p, int ok);
	/* the application packets waiting for p's tunnel: sent through it (ok,
	 * as soon as it exists: in their order), or ICMP host unreachable */
	void (*packets_release)(struct peer *p, int ok);
	/* a static peer's ifup (up = 1) or ifdown script */
	void (*iface)(struct peer *p, int up);
	/* the session-resumption claim through p's new tunnel (only to a
	 * server that proved to be ours): 1 if it claims an address (the
	 * packets then wait for the grant), 0 if it only asks for a grant, -1
	 * if nothing was sent (a reference server, or no hook) */
	int (*send_claim)(struct peer *p, uint64_t now);
	/* a probe reply, for the ping statistics */
	void (*probe_reply)(struct peer *p, uint16_t seq, uint64_t now);
	/* call lifecycle_timer(p, now) at time at (replaces an earlier request) */
	void (*arm)(struct peer *p, uint64_t at);
	/* p was added / is about to be freed (timers of other files) */
	void (*added)(struct peer *p, uint64_t now);
	void (*removing)(struct peer *p);
	/* the host lost its route to p's tunnel endpoint (its IPv4 address went
	 * away, say): the tunnel moved to another address of the server that
	 * has one (0), or there is none (-1: handshake again, which looks for
	 * one); 0 while the route is there.  NULL: never checked. */
	int (*route_check)(struct peer *p, uint64_t now);
};
void lifecycle_set_hooks(const struct lifecycle_hooks *h);

/* Where a DNS answer says the server is. */
struct peer_location {
	union sockaddr_any addr;        /* the first A record (port unused), or unset
	                                 * (family 0) when the name has none */
	union sockaddr_any addr6;       /* an AAAA record seen for the name, or unset */
	const uint32_t *addrs;          /* every IPv4 address of the answer, in its order (may be NULL) */
	unsigned naddrs;
	const char *owner;              /* the pq1 owner name */
	int has_ports;
	uint16_t cryptoport, keyport;
	int strict;                     /* the name asked for is the pq1 name itself:
	                                 * its key is enforced, never fail open */
};
/* What to do with a DNS answer for the peer. */
enum answer_use {
	ANSWER_REWRITE, /* rewrite the answer now (tunnel up, or a high-security name) */
	ANSWER_HOLD,    /* wait for the attempt or the probe (answers_release tells) */
	ANSWER_PASS,    /* release it unchanged (backoff, or nothing could start) */
};
/* What an attempt learnt, reported with its end. */
struct attempt_result {
	int ok;                         /* a tunnel was installed */
	const char *why;                /* for the log */
	int ports_learnt;               /* from the TXT records */
	uint16_t cryptoport, keyport;
	int addr_learnt;                /* the attempt reached the server at an IPv6 */
	union sockaddr_any addr;        /* address of its name (no A record, or no IPv4 route) */
	int unanswered;                 /* failed without a word from the server's address:
	                                 * another address of the name may be tried */
};

/* A new peer (address want, 0 = the next free); NULL if none is free. */
struct peer *peer_ev_new(const uint8_t hash[32], uint32_t want, uint64_t now);
enum answer_use peer_ev_dns_answer(struct peer *p, const struct peer_location *loc, uint64_t now);
/* An AAAA answer for p's name: a6 (IPv6, port unused) is where the server
 * is on IPv6 (kept for an attempt or a move when IPv4 has no route). */
void peer_ev_aaaa(struct peer *p, const union sockaddr_any *a6);
/* An application packet for p found no tunnel to go through: 1 if an
 * attempt runs (the packet may wait for it), 0 if none does (backoff, or
 * the server's ports are unknown): the packet is refused. */
int peer_ev_app_packet(struct peer *p, uint64_t now);
/* A packet from p authenticated. */
void peer_ev_auth_rx(struct peer *p, uint64_t now);
void peer_ev_probe_reply(struct peer *p, uint16_t seq, uint64_t now);
void peer_ev_attempt_done(struct peer *p, const struct attempt_result *r, uint64_t now);
/* The server's grant came through the tunnel (resumed: our old address
 * on the server was given back). */
void peer_ev_session_grant(struct peer *p, int resumed, uint64_t now);
/* An unauthenticated restart hint naming p's current tunnel: an earlier
 * liveness check, nothing else. */
void peer_ev_restart_hint(struct peer *p, uint64_t now);
/* A peer read back from the client's state file (a restart): its address
 * (want) and where its server is; NULL if the address is taken. */
struct peer *peer_ev_restored(const uint8_t hash[32], uint32_t want, const uint8_t server[16], uint16_t cryptoport,
                              uint16_t keyport, uint64_t now);
/* The restored peer p may start at once (it had a grant: an application
 * may wait on it). */
void peer_ev_restored_start(struct peer *p, uint64_t now);
/* The ping schedule lost every retry. */
void peer_ev_ping_lost(struct peer *p, uint64_t now);
/* The operator asks for a new handshake: 0, or -1 and *why. */
int peer_ev_kick(struct peer *p, uint64_t now, const char **why);
/* The operator forgets p: attempt aborted, answers released, keys erased, p freed. */
void peer_ev_forget(struct peer *p);
/* Static peers: p is (re)configured from the peers file, or no longer in it. */
void peer_ev_config(struct peer *p, const struct pf_peer *pp, uint64_t now);
void peer_ev_unconfig(struct peer *p);
/* The timer the arm hook set went off. */
void lifecycle_timer(struct peer *p, uint64_t now);
/* Every peer removed (shutdown). */
void lifecycle_shutdown(void);

int peer_in_use(const struct peer *p, uint64_t now);
/* For the control socket: new, connecting, rekeying, resuming, verifying, up, expiring, backoff, down. */
const char *peer_state_name(const struct peer *p, uint64_t now);
#endif

/* Messages between the client's two processes (privilege separation):
 *
 *   monitor (root)   keeps only the netfilter queue, the rules and the
 *                    peers file (for the hook commands); runs hooks
 *   worker           (user pqconnect, no capabilities, seccomp) everything
 *                    else: DNS parsing, key fetches, handshakes, tunnels
 *
 * They talk over a SOCK_SEQPACKET socketpair: one message per record, a
 * fixed 12-byte header with an explicit body length, checked on receipt
 * before anything else looks at the body (iked's size-checked imsg
 * discipline): the record is not truncated, its length is header + len,
 * the type is one the receiving side accepts, and len is that type's
 * exact size or within its bounds (pm_len_ok). */
#ifndef PQC_PRIVMSG_H
#define PQC_PRIVMSG_H
#include <stddef.h>
#include <stdint.h>

/* The worker releases a held DNS answer unchanged after this; the monitor
 * accepts a queued packet itself once this and some slack have passed. */
#ifndef CLIENT_DNS_DEADLINE_MS
#define CLIENT_DNS_DEADLINE_MS 2000
#endif

enum pm_type {
	PM_PACKET = 1,  /* monitor -> worker: queued packet `id`, body = whole IP packet */
	PM_ACCEPT,      /* worker -> monitor: accept `id` unchanged (no body) */
	PM_REPLACE,     /* worker -> monitor: accept `id` with body as the new IP packet */
	PM_HOOK,        /* worker -> monitor: a static peer went up/down, body = struct pm_hook */
	PM_RELOAD,      /* worker -> monitor: please re-read the peers file (no body) */
	PM_PEERS,       /* monitor -> worker: the peers file's text (body, may be empty) */
	PM_STATS,       /* monitor -> worker: body = struct pm_stats */
	PM_DROP,        /* worker -> monitor: drop `id` (no body): a high-security answer it cannot rewrite */
};
#define PM_BIT(t) (1u << (t))
/* what each side accepts */
#define PM_FROM_WORKER (PM_BIT(PM_ACCEPT) | PM_BIT(PM_REPLACE) | PM_BIT(PM_HOOK) | PM_BIT(PM_RELOAD) | PM_BIT(PM_DROP))
#define PM_FROM_MONITOR (PM_BIT(PM_PACKET) | PM_BIT(PM_PEERS) | PM_BIT(PM_STATS))

struct pm_hdr {
	uint32_t type;
	uint32_t id;
	uint32_t len;   /* body bytes that follow */
};

#define PM_MAX_BODY 65536
#define PM_MAX_MSG (sizeof(struct pm_hdr) + PM_MAX_BODY)

struct pm_hook {
	uint8_t hash[32];
	uint32_t int_addr;           /* host order */
	uint8_t ext[16];             /* the server's address: IPv6, or IPv4 as ::ffff:a.b.c.d */
	uint16_t port, keyport;
	uint32_t up;                 /* 1 ifup, 0 ifdown */
};

struct pm_stats {               /* the monitor's counters, for `pqconnect-ctl stats` */
	uint64_t queued;            /* packets seen on the queue */
	uint64_t passed;            /* accepted at once: no "pq1"/canary bytes */
	uint64_t forwarded;         /* handed to the worker */
	uint64_t worker_full;       /* accepted at once: worker busy (too many pending / send failed) */
	uint64_t verdict_timeout;   /* accepted unchanged: the worker did not answer in time */
	uint64_t tcp_unseen_dropped; /* TCP segments dropped (not accepted) for worker_full or verdict_timeout */
	uint64_t verdict_bad;       /* worker messages refused (unknown id, bad length or type) */
	uint64_t replace_refused;   /* replacements refused (not the same UDP/53 answer and question):
	                               the original was accepted unchanged */
	uint64_t queue_losses;      /* netfilter queue overruns and failed verdicts */
	uint64_t hooks_run;
};

/* Send one message (non-blocking).  0 / -1 (errno set). */
int pm_send(int fd, uint32_t type, uint32_t id, const void *body, size_t len);
/* Is len an acceptable body length for a message of this type?  Exact for
 * fixed-size messages, bounds for the others.  1 / 0. */
int pm_len_ok(uint32_t type, size_t len);
/* Receive one message into buf (cap bytes, at least PM_MAX_MSG).  Only the
 * types in the mask `accept` (PM_BIT) are taken.  Returns 1 with *h set
 * and *body pointing into buf, 0 if nothing is waiting, -1 when the other
 * side has gone (EOF or error), -2 for a malformed record (dropped):
 * truncated, length not header + len, type not accepted, or len not
 * pm_len_ok for the type; then *h holds the record's header as received
 * (all zero if it was shorter than a header), never a body. */
int pm_recv(int fd, uint8_t *buf, size_t cap, uint32_t accept, struct pm_hdr *h, const uint8_t **body);
#endif

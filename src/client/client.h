/* The client daemon's configuration, descriptors and counters, shared by
 * the worker's files (written by main.c at start, read elsewhere; each
 * counter is written by the one file that counts it).  The files:
 *   main.c        options, start-up, signals, shutdown, the lifecycle's hooks
 *   lifecycle.c   a peer's life: the only place that starts or aborts an
 *                 attempt, removes a peer, decides dead / backoff / keepalive
 *   peertable.c   the peers by hash, tunnel id and internal address; tunnels
 *   connect.c     one attempt: TXT, keys, ephemeral key, initiation
 *   datapath.c    TUN <-> tunnel socket; probes and keepalives
 *   probe.c       the probe packet (pure)
 *   ping.c        liveness pings with TrIPE's every/timeout/retries
 *   intercept.c   the DNS decision and the answers held for a peer
 *   worker.c      the channel to the monitor (netfilter-queue transport)
 *   dnsproxy.c    --dns-proxy: the proxy transport
 *   staticpeers.c the peers file applied
 *   fetch.c       key-tree download, ephemeral key, on-disk key cache
 *   txt.c         /etc/resolv.conf and the TXT lookups of the short pq1 form
 *   control.c     the control socket's commands (pqconnect-ctl)
 *   monitor.c     the root part: netfilter queue, rules, hooks (privsep)
 *   peersfile.c   the static peers file parser (pure)
 *   session.c     session resumption: claims, grants, the client's state file
 * Two processes (monitor as root, worker unprivileged), each with one epoll
 * loop, no threads; every wait has a deadline. */
#ifndef PQC_CLIENT_H
#define PQC_CLIENT_H
#include <stdint.h>
#include <sys/types.h>
#include "io/loop.h"
#include "io/udp.h"
#include "io/tunio.h"
#include "core/ratelimit.h"
#include "client/peersfile.h"
#include "client/privmsg.h"

#define KEYCACHE_MAX_AGE_S (12 * 3600)

/* Every packet we drop or release unchanged is counted somewhere here. */
struct counters {
	uint64_t tun_not_ipv4;       /* TUN read: not a well-formed IPv4 packet */
	uint64_t tun_no_peer;        /* TUN read: destination is no peer's address */
	uint64_t tun_no_tunnel;      /* TUN read: peer known but no tunnel, and no room to wait */
	uint64_t tun_waited;         /* TUN read: packets that waited for a tunnel being made */
	uint64_t tun_unreachable;    /* ICMP host unreachable given for packets no tunnel could take */
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
	uint64_t dns_strict_refused; /* high-security names answered SERVFAIL (no address, no rewrite) */
	uint64_t proxy_drop;         /* proxy mode: queries/answers dropped */
	uint64_t proxy_mismatch;     /* proxy mode: answers to the wrong id or question (spoofing?) */
	uint64_t connect_ok, connect_fail;
	uint64_t rx_old_tunnel;      /* accepted on the tunnel a handshake replaced (not a drop) */
	uint64_t ping_sent, ping_ok, ping_lost, reconnects;
	uint64_t mon_bad;            /* malformed messages from the monitor */
	uint64_t rx_cookie;          /* address cookies received (for an attempt that asked) */
	uint64_t rx_cookie_stray;    /* cookie replies nobody asked for, or malformed */
	uint64_t init_cookie;        /* initiations sent with an address cookie */
	uint64_t cookie_missing;     /* asked, but the initiation went without (no answer in time) */
	uint64_t connect_next_addr;  /* an address of the name did not answer: the next one tried */
	uint64_t dns_tcp_rewritten;  /* DNS answers over TCP rewritten in place */
	uint64_t dns_tcp_dropped;    /* high-security answers over TCP that could not be rewritten */
	uint64_t dns_tcp_unhandled;  /* TCP segments from port 53 not one whole answer: passed */
	uint64_t dns_tcp_split_dropped; /* answer segments of a high-security connection not whole/in place: dropped */
	uint64_t dns_tcp_flow_full;  /* high-security TCP queries dropped: no room to mark their connection */
	uint64_t textfile_ok, textfile_failed;  /* --prometheus-textfile rewrites */
	uint64_t rx_feat;            /* feature replies of servers we asked (proto/featmsg.h) */
	uint64_t rx_feat_stray;      /* feature replies nobody asked for, or malformed */
	uint64_t tun_inner6;         /* inner IPv6 packets sealed to capable servers */
	uint64_t tun_inner6_refused; /* inner IPv6 packets to a server without inner IPv6: dropped */
	uint64_t rx_inner6;          /* inner IPv6 packets delivered to the TUN */
	uint64_t dns_aaaa_rewritten; /* AAAA answers given the internal IPv6 address */
	uint64_t sess_claims;        /* resumption claims sent (each asks for a grant) */
	uint64_t sess_grants;        /* grants received */
	uint64_t sess_resumed;       /* re-handshakes that kept our address on the server */
	uint64_t sess_no_grant;      /* claims never answered (went on with a fresh address) */
	uint64_t sess_bad;           /* session messages that did not parse, or no claim was out */
	uint64_t rx_hint;            /* restart hints acted on (an earlier liveness check) */
	uint64_t rx_hint_ignored;    /* restart hints for no current tunnel of ours, or too soon */
	uint64_t tun_fragmented;     /* IPv4 packets longer than the IPv4 MTU (no DF): sent in fragments */
	uint64_t tun_too_big;        /* IPv4 packets longer than the IPv4 MTU with DF: ICMP fragmentation needed */
	uint64_t tun_icmp6;          /* ICMPv6 errors about inner IPv6 that could not go on */
	uint64_t tun_err_limited;    /* ICMP/ICMPv6 errors not sent: over their rate limit */
	uint64_t dns_aaaa_held;      /* AAAA answers held for a tunnel or a feature reply */
};
#define CLIENT_COUNTERS(X) \
	X(tun_not_ipv4) X(tun_no_peer) X(tun_no_tunnel) X(tun_waited) X(tun_unreachable) X(tun_seal_fail) X(tun_write_fail) \
	X(rx_not_tunnel) X(rx_too_long) X(rx_truncated) X(rx_handshake_fail) X(rx_unknown_tid) X(rx_open_fail) X(rx_bad_inner) \
	X(rx_keepalive) X(rx_probe) X(rx_old_tunnel) X(key_stray) X(key_bad_node) X(dns_unparsable) \
	X(dns_failopen) X(dns_rewritten) X(dns_canary) X(dns_strict_refused) X(proxy_drop) X(proxy_mismatch) X(connect_ok) X(connect_fail) \
	X(ping_sent) X(ping_ok) X(ping_lost) X(reconnects) X(mon_bad) \
	X(rx_cookie) X(rx_cookie_stray) X(init_cookie) X(cookie_missing) X(textfile_ok) X(textfile_failed) \
	X(connect_next_addr) X(dns_tcp_rewritten) X(dns_tcp_dropped) X(dns_tcp_unhandled) \
	X(dns_tcp_split_dropped) X(dns_tcp_flow_full) \
	X(rx_feat) X(rx_feat_stray) X(tun_inner6) X(tun_inner6_refused) X(rx_inner6) X(dns_aaaa_rewritten) \
	X(sess_claims) X(sess_grants) X(sess_resumed) X(sess_no_grant) X(sess_bad) X(rx_hint) X(rx_hint_ignored) \
	X(tun_fragmented) X(tun_too_big) X(tun_icmp6) X(tun_err_limited) X(dns_aaaa_held)

struct client {
	struct loop loop;
	/* configuration */
	uint16_t port;
	uint32_t tun_addr;
	int maskbits;
	int mtu;                        /* IPv4 MTU towards the peers (--mtu; the TUN's too, unless
	                                 * inner IPv6 raised that to 1280: then a route MTU) */
	int mtu6;                       /* the TUN device's MTU: IPv6's towards capable servers */
	char ifname[16];
	uint32_t host_ip;               /* -H: destination of decrypted packets (0 = tun_addr) */
	int inner6;                     /* inner IPv6 with capable servers (--no-inner6: off) */
	uint8_t prefix6[8];             /* its ULA /64 (--inner6-prefix, default fd43::) */
	uint8_t tun_addr6[16];          /* the TUN's IPv6 address: prefix::<host number of tun_addr> */
	uint16_t queue_num;
	int proxy_mode;
	char proxy_spec[128];
	const char *keydir;             /* on-disk key cache */
	const char *pidfile;
	const char *user;               /* the worker runs as this user */
	int allow_root;                 /* --allow-root: a missing user is not fatal */
	const char *ctlpath;            /* control socket */
	const char *peers_path;         /* static peers file, or NULL */
	const char *textdir;            /* --prometheus-textfile DIR, or NULL */
	unsigned text_interval;         /* --prometheus-interval, seconds */
	/* descriptors */
	int tunfd, udpfd, sigfd, monfd, ctlfd;
	int offload;                    /* try TUN and UDP segmentation offloads (default) */
	int tunvnet;                    /* the TUN was opened with a virtio-net header */
	struct tunio tio;               /* the worker's view of the TUN */
	struct rl_one tun_err_rl;       /* ICMP errors written into the TUN (io/tunerr.h) */
	struct udp_rx *rx;
	struct udp_tx *tx;
	struct pm_stats mon;            /* the monitor's counters (sent every 500 ms) */
	struct peersfile *pf;           /* the peers file as read at start (to the monitor and staticpeers.c) */
	struct counters cnt;
};

extern struct client client;

#endif

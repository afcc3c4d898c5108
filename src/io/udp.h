/* UDP sockets with batched receive and send (recvmmsg/sendmmsg). IPv4 and IPv6. */
#ifndef PQC_UDP_H
#define PQC_UDP_H
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define UDP_BATCH 32            /* receive buffers per recvmmsg */
#define UDP_TX_BATCH 64         /* datagrams queued per send: a whole 64 KB TSO packet */
#define UDP_BUFSZ 2048

union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* Non-blocking socket bound to port on all addresses, large buffers:
 * IPv6 with IPV6_V6ONLY turned off on purpose (IPv4 peers arrive as
 * v4-mapped addresses), or IPv4 only when the host has no IPv6 (logged).
 * *dual (if non-NULL) tells which.  Returns fd or -1. */
int udp_bind_dual(uint16_t port, int *dual);
int udp_bind_any(uint16_t port);   /* udp_bind_dual(port, NULL) */
/* The same with SO_REUSEPORT (reuseport 1), before the bind: the server's
 * data threads each bind one socket of a group on the crypto port (the
 * kernel spreads the senders over them by their address hash).  Only
 * sockets of the same user can join a group. */
int udp_bind_dual_reuseport(uint16_t port, int *dual, int reuseport);
/* Non-blocking IPv4 socket bound to addr:port (addr host order, 0 = any). */
int udp_bind4(uint32_t addr, uint16_t port);

/* The local address a datagram arrived on, or is to leave from (a
 * multi-homed host bound to the wildcard address answers from the address
 * it was asked on: IP_PKTINFO / IPV6_PKTINFO, as WireGuard's sticky
 * source).  IPv4 is kept v4-mapped (::ffff:a.b.c.d), so that one value
 * serves a dual-stack socket and an IPv4 one alike.  set 0: unknown, the
 * kernel chooses. */
struct udp_src {
	uint8_t addr[16];
	uint32_t ifindex;               /* the interface it came in on (used for IPv6 link-local only) */
	int set;
};
/* Ask the kernel for each datagram's local address on fd (either family;
 * on a dual-stack socket IPv4 comes v4-mapped).  0 / -1. */
int udp_want_pktinfo(int fd);
/* Equal local addresses (both unset counts as equal). */
int udp_src_equal(const struct udp_src *a, const struct udp_src *b);

struct udp_dgram {
	uint8_t *p;
	size_t len;
	union sockaddr_any *from;
	const struct udp_src *local;    /* where it arrived (set 0 without udp_want_pktinfo) */
};

/* Receive side.  With GRO (udp_rx_init_gro) the kernel may hand several
 * datagrams of one sender in one buffer; they are split again here, so
 * callers always see single datagrams in rx->dg[0..n). */
#define UDP_GRO_BUFSZ 65536
#define UDP_MAX_DGRAMS (UDP_BATCH * 64)
struct udp_rx {
	struct mmsghdr msg[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	union sockaddr_any from[UDP_BATCH];
	uint8_t *buf[UDP_BATCH];
	size_t bufsz;
	int gro;
	struct udp_src local[UDP_BATCH];
	_Alignas(struct cmsghdr) char ctrl[UDP_BATCH][128];  /* read as cmsghdr: aligned; GRO + pktinfo */
	struct udp_dgram dg[UDP_MAX_DGRAMS];
	unsigned truncated;              /* datagrams of the last call dropped: larger than the buffer */
};
/* Plain receive buffers (UDP_BUFSZ each).  0 / -1. */
int udp_rx_init(struct udp_rx *rx);
/* Turn on UDP GRO for fd if the kernel has it, with buffers to match.  0 / -1. */
int udp_rx_init_gro(struct udp_rx *rx, int fd);
void udp_rx_free(struct udp_rx *rx);
/* Receives what is waiting (up to UDP_BATCH buffers); returns the number of
 * datagrams in rx->dg (0 if none), -1 on error.  A datagram the kernel had
 * to cut (MSG_TRUNC: larger than the buffer) is never handed on; the number
 * of those in this call is left in rx->truncated for the caller to count. */
int udp_recv_batch(int fd, struct udp_rx *rx);

/* Send side: datagrams are queued in slots and sent with one sendmmsg per
 * flush; with GSO on, runs of equal-size datagrams to one destination go
 * as one UDP_SEGMENT send each. */
struct udp_tx {
	struct mmsghdr msg[UDP_TX_BATCH];
	struct iovec iov[UDP_TX_BATCH];
	union sockaddr_any to[UDP_TX_BATCH];
	struct udp_src src[UDP_TX_BATCH];
	uint8_t buf[UDP_TX_BATCH][UDP_BUFSZ];
	size_t len[UDP_TX_BATCH];
	_Alignas(struct cmsghdr) char ctrl[UDP_TX_BATCH][96];   /* GSO + pktinfo */
	int n;
	int first[UDP_TX_BATCH];         /* each message's first datagram */
	int fd;
	int gso;                         /* 1: try UDP_SEGMENT */
	uint64_t sends, datagrams;
	uint64_t src_dropped;            /* sources the kernel refused (sent again without) */
};
/* Queue: returns a buffer to fill for the next datagram (flushing first if full). */
uint8_t *udp_tx_slot(struct udp_tx *tx);
/* Commit the slot returned last with its length and destination. */
void udp_tx_commit(struct udp_tx *tx, size_t len, const union sockaddr_any *to);
/* The same, leaving from the local address src (NULL or unset: the
 * kernel chooses).  A source the kernel refuses (the address is gone) is
 * dropped and the datagram sent again without it. */
void udp_tx_commit_from(struct udp_tx *tx, size_t len, const union sockaddr_any *to, const struct udp_src *src);
/* Send everything queued; drops what the kernel refuses. */
void udp_tx_flush(struct udp_tx *tx);
/* One datagram, no batching.  Returns 0 / -1. */
int udp_send(int fd, const void *buf, size_t len, const union sockaddr_any *to);

/* Helpers for IPv4 sockaddrs and mapped addresses. */
void sa_from_ip4(union sockaddr_any *sa, uint32_t addr, uint16_t port);
/* IPv4 address (host order) of sa, also for v4-mapped IPv6; 0 if none. */
uint32_t sa_ip4(const union sockaddr_any *sa);
uint16_t sa_port(const union sockaddr_any *sa);
/* The address as 16 bytes: IPv6 as is, IPv4 mapped (::ffff:a.b.c.d); zeros if neither. */
void sa_addr16(const union sockaddr_any *sa, uint8_t out[16]);
int sa_equal(const union sockaddr_any *a, const union sockaddr_any *b);
const char *sa_str(const union sockaddr_any *sa);   /* "ip:port", rotating static buffer */
socklen_t sa_len(const union sockaddr_any *sa);
void sa_set_port(union sockaddr_any *sa, uint16_t port);
/* From 16 bytes (sa_addr16's form): AF_INET for ::ffff:a.b.c.d, else AF_INET6. */
void sa_from_addr16(union sockaddr_any *sa, const uint8_t a[16], uint16_t port);
/* Same host address (ports ignored; IPv4 equals its v4-mapped form)?  0 for
 * an unset address. */
int sa_same_host(const union sockaddr_any *a, const union sockaddr_any *b);
const char *sa_host_str(const union sockaddr_any *sa);   /* address only, rotating static buffer */
/* Non-blocking socket of to's family, large buffers, connected to to.  fd or -1. */
int udp_connected(const union sockaddr_any *to);
/* Does the host have a route to to's address (a UDP connect() succeeds)? */
int udp_route_exists(const union sockaddr_any *to);
#endif

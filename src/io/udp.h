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
/* Non-blocking IPv4 socket bound to addr:port (addr host order, 0 = any). */
int udp_bind4(uint32_t addr, uint16_t port);

struct udp_dgram {
	uint8_t *p;
	size_t len;
	union sockaddr_any *from;
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
	_Alignas(struct cmsghdr) char ctrl[UDP_BATCH][64];   /* read as cmsghdr: aligned */
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
	uint8_t buf[UDP_TX_BATCH][UDP_BUFSZ];
	size_t len[UDP_TX_BATCH];
	_Alignas(struct cmsghdr) char ctrl[UDP_TX_BATCH][32];
	int n;
	int fd;
	int gso;                         /* 1: try UDP_SEGMENT */
	uint64_t sends, datagrams;
};
/* Queue: returns a buffer to fill for the next datagram (flushing first if full). */
uint8_t *udp_tx_slot(struct udp_tx *tx);
/* Commit the slot returned last with its length and destination. */
void udp_tx_commit(struct udp_tx *tx, size_t len, const union sockaddr_any *to);
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

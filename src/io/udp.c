/* UDP sockets: non-blocking, large buffers, batched I/O with recvmmsg and
 * sendmmsg so that one system call moves up to UDP_BATCH datagrams. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "io/udp.h"
#include "io/log.h"

static void big_buffers(int fd)
{
	int sz = 4 << 20;
	/* FORCE variants need CAP_NET_ADMIN; fall back silently */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

int udp_bind4(uint32_t addr, uint16_t port)
{
	union sockaddr_any sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	big_buffers(fd);
	sa_from_ip4(&sa, addr, port);
	if (bind(fd, &sa.sa, sizeof sa.in4) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int udp_bind_any(uint16_t port)
{
	union sockaddr_any sa;
	int zero = 0, one = 1;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return udp_bind4(0, port);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	big_buffers(fd);
	memset(&sa, 0, sizeof sa);
	sa.in6.sin6_family = AF_INET6;
	sa.in6.sin6_port = htons(port);
	sa.in6.sin6_addr = in6addr_any;
	if (bind(fd, &sa.sa, sizeof sa.in6) < 0) {
		close(fd);
		return udp_bind4(0, port);
	}
	return fd;
}

void udp_rx_init(struct udp_rx *rx)
{
	memset(rx->msg, 0, sizeof rx->msg);
	for (int i = 0; i < UDP_BATCH; i++) {
		rx->iov[i].iov_base = rx->buf[i];
		rx->iov[i].iov_len = UDP_BUFSZ;
		rx->msg[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->msg[i].msg_hdr.msg_iovlen = 1;
		rx->msg[i].msg_hdr.msg_name = &rx->from[i];
		rx->msg[i].msg_hdr.msg_namelen = sizeof rx->from[i];
	}
}

int udp_recv_batch(int fd, struct udp_rx *rx)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		rx->msg[i].msg_hdr.msg_namelen = sizeof rx->from[i];
		rx->msg[i].msg_hdr.msg_flags = 0;
	}
	int n = recvmmsg(fd, rx->msg, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		/* ICMP errors surface as ECONNREFUSED etc. on the next call: not fatal */
		if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
			return 0;
		return -1;
	}
	return n;
}

uint8_t *udp_tx_slot(struct udp_tx *tx)
{
	if (tx->n == UDP_BATCH)
		udp_tx_flush(tx);
	return tx->buf[tx->n];
}

void udp_tx_commit(struct udp_tx *tx, size_t len, const union sockaddr_any *to)
{
	int i = tx->n;
	tx->to[i] = *to;
	tx->iov[i].iov_base = tx->buf[i];
	tx->iov[i].iov_len = len;
	memset(&tx->msg[i], 0, sizeof tx->msg[i]);
	tx->msg[i].msg_hdr.msg_iov = &tx->iov[i];
	tx->msg[i].msg_hdr.msg_iovlen = 1;
	tx->msg[i].msg_hdr.msg_name = &tx->to[i];
	tx->msg[i].msg_hdr.msg_namelen = sa_len(to);
	tx->n++;
}

void udp_tx_flush(struct udp_tx *tx)
{
	int off = 0;
	while (off < tx->n) {
		int r = sendmmsg(tx->fd, tx->msg + off, (unsigned)(tx->n - off), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* a refused datagram (no route, buffer full) is dropped; go on with the rest */
			log_ratelimited(L_DEBUG, "udp_tx_flush", "sendmmsg: %s", strerror(errno));
			off++;
			continue;
		}
		off += r;
	}
	tx->n = 0;
}

int udp_send(int fd, const void *buf, size_t len, const union sockaddr_any *to)
{
	ssize_t r = sendto(fd, buf, len, MSG_DONTWAIT, &to->sa, sa_len(to));
	return r == (ssize_t)len ? 0 : -1;
}

void sa_from_ip4(union sockaddr_any *sa, uint32_t addr, uint16_t port)
{
	memset(sa, 0, sizeof *sa);
	sa->in4.sin_family = AF_INET;
	sa->in4.sin_port = htons(port);
	sa->in4.sin_addr.s_addr = htonl(addr);
}

uint32_t sa_ip4(const union sockaddr_any *sa)
{
	if (sa->sa.sa_family == AF_INET)
		return ntohl(sa->in4.sin_addr.s_addr);
	if (sa->sa.sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sa->in6.sin6_addr)) {
		const uint8_t *b = sa->in6.sin6_addr.s6_addr + 12;
		return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
	}
	return 0;
}

uint16_t sa_port(const union sockaddr_any *sa)
{
	if (sa->sa.sa_family == AF_INET)
		return ntohs(sa->in4.sin_port);
	if (sa->sa.sa_family == AF_INET6)
		return ntohs(sa->in6.sin6_port);
	return 0;
}

socklen_t sa_len(const union sockaddr_any *sa)
{
	return sa->sa.sa_family == AF_INET6 ? sizeof sa->in6 : sizeof sa->in4;
}

int sa_equal(const union sockaddr_any *a, const union sockaddr_any *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return sa_ip4(a) && sa_ip4(a) == sa_ip4(b) && sa_port(a) == sa_port(b);
	if (a->sa.sa_family == AF_INET)
		return a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr && a->in4.sin_port == b->in4.sin_port;
	if (a->sa.sa_family == AF_INET6)
		return !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) && a->in6.sin6_port == b->in6.sin6_port;
	return 0;
}

const char *sa_str(const union sockaddr_any *sa)
{
	static char buf[4][INET6_ADDRSTRLEN + 8];
	static unsigned n;
	char *b = buf[n++ % 4];
	char ip[INET6_ADDRSTRLEN] = "?";
	uint32_t v4 = sa_ip4(sa);
	if (v4)
		snprintf(b, sizeof buf[0], "%s:%u", ip4_str(v4), sa_port(sa));
	else {
		if (sa->sa.sa_family == AF_INET6)
			inet_ntop(AF_INET6, &sa->in6.sin6_addr, ip, sizeof ip);
		snprintf(b, sizeof buf[0], "[%s]:%u", ip, sa_port(sa));
	}
	return b;
}

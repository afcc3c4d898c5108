/* UDP sockets: non-blocking, large buffers, batched I/O with recvmmsg and
 * sendmmsg so that one system call moves up to UDP_BATCH datagrams. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <netinet/udp.h>
#include "io/udp.h"
#include "io/log.h"
#include "proto/keymsg.h"
#include "proto/tunnelpkt.h"

/* every datagram the daemons build goes into a UDP_BUFSZ slot */
_Static_assert(TP_MAX_LEN <= UDP_BUFSZ, "a tunnel packet must fit a send slot");
_Static_assert(KM_EPH_LEN <= UDP_BUFSZ, "an ephemeral-key message must fit a send slot");

static void big_buffers(int fd)
{
	int sz = 4 << 20;
	/* FORCE variants need CAP_NET_ADMIN; fall back silently */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

static int bind4(uint32_t addr, uint16_t port, int reuseport)
{
	union sockaddr_any sa;
	int one = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
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

int udp_bind4(uint32_t addr, uint16_t port)
{
	return bind4(addr, port, 0);
}

int udp_bind_any(uint16_t port)
{
	return udp_bind_dual(port, NULL);
}

int udp_bind_dual(uint16_t port, int *dual)
{
	return udp_bind_dual_reuseport(port, dual, 0);
}

int udp_bind_dual_reuseport(uint16_t port, int *dual, int reuseport)
{
	union sockaddr_any sa;
	int zero = 0, one = 1;
	const char *why;

	if (dual)
		*dual = 0;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		why = "no IPv6 sockets on this host";
		goto v4_only;
	}
	/* deliberately dual-stack, whatever net.ipv6.bindv6only says: IPv4
	 * peers arrive as v4-mapped addresses on the same socket */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) < 0) {
		why = "IPV6_V6ONLY cannot be turned off";
		goto v4_only_close;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
		goto fail_close;
	big_buffers(fd);
	memset(&sa, 0, sizeof sa);
	sa.in6.sin6_family = AF_INET6;
	sa.in6.sin6_port = htons(port);
	sa.in6.sin6_addr = in6addr_any;
	if (bind(fd, &sa.sa, sizeof sa.in6) < 0) {
		if (errno == EADDRINUSE)   /* a real conflict: the IPv4 bind would hide it */
			goto fail_close;
		why = "IPv6 bind failed";
		goto v4_only_close;
	}
	if (dual)
		*dual = 1;
	return fd;
v4_only_close:
	close(fd);
v4_only:
	log_info("UDP port %u: IPv4 only (%s: %s)", port, why, strerror(errno));
	return bind4(0, port, reuseport);
fail_close: {
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}
}

int udp_want_pktinfo(int fd)
{
	int one = 1;
	/* an IPv6 socket (also IPv4 on a dual-stack one: reported v4-mapped),
	 * else an IPv4 one (no getsockname: a daemon under seccomp may call
	 * this on reload with only setsockopt allowed) */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0)
		return 0;
	return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
}

int udp_src_equal(const struct udp_src *a, const struct udp_src *b)
{
	if (!a->set || !b->set)
		return a->set == b->set;
	return !memcmp(a->addr, b->addr, 16) && a->ifindex == b->ifindex;
}

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* The local address from one control message, if it is one. */
static void take_pktinfo(const struct cmsghdr *c, struct udp_src *src)
{
	if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
		struct in_pktinfo pi;
		memcpy(&pi, CMSG_DATA(c), sizeof pi);
		memcpy(src->addr, v4mapped_prefix, 12);
		/* ipi_spec_dst: the header's destination for unicast, an
		 * address of the interface for a broadcast */
		memcpy(src->addr + 12, &pi.ipi_spec_dst.s_addr, 4);
		src->ifindex = (uint32_t)pi.ipi_ifindex;
		src->set = 1;
	} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
	           c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
		struct in6_pktinfo pi;
		memcpy(&pi, CMSG_DATA(c), sizeof pi);
		if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
			return;      /* not an address to answer from */
		memcpy(src->addr, pi.ipi6_addr.s6_addr, 16);
		src->ifindex = pi.ipi6_ifindex;
		src->set = 1;
	}
}

static int rx_alloc(struct udp_rx *rx, size_t bufsz)
{
	memset(rx->msg, 0, sizeof rx->msg);
	rx->bufsz = bufsz;
	for (int i = 0; i < UDP_BATCH; i++) {
		rx->buf[i] = malloc(bufsz);
		if (!rx->buf[i])
			return -1;
		rx->iov[i].iov_base = rx->buf[i];
		rx->iov[i].iov_len = bufsz;
		rx->msg[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->msg[i].msg_hdr.msg_iovlen = 1;
		rx->msg[i].msg_hdr.msg_name = &rx->from[i];
	}
	return 0;
}

int udp_rx_init(struct udp_rx *rx)
{
	rx->gro = 0;
	return rx_alloc(rx, UDP_BUFSZ);
}

int udp_rx_init_gro(struct udp_rx *rx, int fd)
{
	int one = 1;
	rx->gro = setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof one) == 0;
	return rx_alloc(rx, rx->gro ? UDP_GRO_BUFSZ : UDP_BUFSZ);
}

void udp_rx_free(struct udp_rx *rx)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		free(rx->buf[i]);
		rx->buf[i] = NULL;
	}
}

int udp_recv_batch(int fd, struct udp_rx *rx)
{
	rx->truncated = 0;
	for (int i = 0; i < UDP_BATCH; i++) {
		rx->msg[i].msg_hdr.msg_namelen = sizeof rx->from[i];
		rx->msg[i].msg_hdr.msg_flags = 0;
		/* the kernel writes only what the socket asked for (GRO, pktinfo) */
		rx->msg[i].msg_hdr.msg_control = rx->ctrl[i];
		rx->msg[i].msg_hdr.msg_controllen = sizeof rx->ctrl[i];
	}
	/* MSG_TRUNC: msg_len is the datagram's real length even when the
	 * buffer was too small, so a cut datagram is recognised below */
	int n = recvmmsg(fd, rx->msg, UDP_BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		/* ICMP errors surface as ECONNREFUSED etc. on the next call: not fatal */
		if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
			return 0;
		return -1;
	}
	int nd = 0;
	for (int i = 0; i < n; i++) {
		size_t len = rx->msg[i].msg_len, seg = len;
		if (rx->msg[i].msg_hdr.msg_flags & MSG_TRUNC || len > rx->bufsz) {
			rx->truncated++;
			log_ratelimited(L_WARNING, "udp_trunc", "datagram of %zu bytes from %s: larger than the %zu-byte buffer, dropped",
			                len, sa_str(&rx->from[i]), rx->bufsz);
			continue;
		}
		struct msghdr *mh = &rx->msg[i].msg_hdr;
		rx->local[i].set = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
			if (rx->gro && c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO &&
			    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
				int g;
				memcpy(&g, CMSG_DATA(c), sizeof g);
				if (g > 0)
					seg = (size_t)g;
			} else
				take_pktinfo(c, &rx->local[i]);
		}
		for (size_t off = 0; off < len && nd < UDP_MAX_DGRAMS; off += seg) {
			rx->dg[nd].p = rx->buf[i] + off;
			rx->dg[nd].len = len - off < seg ? len - off : seg;
			rx->dg[nd].from = &rx->from[i];
			rx->dg[nd].local = &rx->local[i];
			nd++;
		}
		if (len == 0 && nd < UDP_MAX_DGRAMS) {
			rx->dg[nd].p = rx->buf[i];
			rx->dg[nd].len = 0;
			rx->dg[nd].from = &rx->from[i];
			rx->dg[nd].local = &rx->local[i];
			nd++;
		}
	}
	return nd;
}

uint8_t *udp_tx_slot(struct udp_tx *tx)
{
	if (tx->n == UDP_TX_BATCH)
		udp_tx_flush(tx);
	return tx->buf[tx->n];
}

void udp_tx_commit_from(struct udp_tx *tx, size_t len, const union sockaddr_any *to, const struct udp_src *src)
{
	tx->to[tx->n] = *to;
	tx->len[tx->n] = len;
	if (src && src->set)
		tx->src[tx->n] = *src;
	else
		tx->src[tx->n].set = 0;
	tx->n++;
}

void udp_tx_commit(struct udp_tx *tx, size_t len, const union sockaddr_any *to)
{
	udp_tx_commit_from(tx, len, to, NULL);
}

/* The source control message for a datagram from src to `to`, into c;
 * its CMSG_SPACE, or 0 when src does not fit to's family (an IPv4 source
 * for an IPv6 peer, or the other way round: the kernel chooses). */
static size_t put_pktinfo(struct cmsghdr *c, const struct udp_src *src, const union sockaddr_any *to)
{
	int src_v4 = !memcmp(src->addr, v4mapped_prefix, 12);
	if (to->sa.sa_family == AF_INET) {
		struct in_pktinfo pi;
		if (!src_v4)
			return 0;
		memset(&pi, 0, sizeof pi);
		memcpy(&pi.ipi_spec_dst.s_addr, src->addr + 12, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	if (to->sa.sa_family == AF_INET6) {
		struct in6_pktinfo pi;
		if (src_v4 != !!IN6_IS_ADDR_V4MAPPED(&to->in6.sin6_addr))
			return 0;
		memset(&pi, 0, sizeof pi);
		memcpy(pi.ipi6_addr.s6_addr, src->addr, 16);
		/* the interface matters only where the address is ambiguous */
		if (IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
			pi.ipi6_ifindex = src->ifindex;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
		return CMSG_SPACE(sizeof pi);
	}
	return 0;
}
_Static_assert(CMSG_SPACE(sizeof(uint16_t)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) <= 96,
               "GSO and pktinfo must fit a send slot's control buffer");

/* Message m of datagrams i..i+k: segment size (k > 1) and source. */
static void build_one(struct udp_tx *tx, int m, int i, int k)
{
	struct msghdr *mh = &tx->msg[m].msg_hdr;
	size_t clen = 0;
	memset(&tx->msg[m], 0, sizeof tx->msg[m]);
	mh->msg_iov = &tx->iov[i];
	mh->msg_iovlen = (size_t)k;
	mh->msg_name = &tx->to[i];
	mh->msg_namelen = sa_len(&tx->to[i]);
	mh->msg_control = tx->ctrl[m];
	mh->msg_controllen = sizeof tx->ctrl[m];
	memset(tx->ctrl[m], 0, sizeof tx->ctrl[m]);
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	if (k > 1) {
		uint16_t seg = (uint16_t)tx->len[i];
		c->cmsg_level = SOL_UDP;
		c->cmsg_type = UDP_SEGMENT;
		c->cmsg_len = CMSG_LEN(sizeof seg);
		memcpy(CMSG_DATA(c), &seg, sizeof seg);
		clen += CMSG_SPACE(sizeof seg);
		c = (struct cmsghdr *)(void *)(tx->ctrl[m] + clen);
	}
	if (tx->src[i].set)
		clen += put_pktinfo(c, &tx->src[i], &tx->to[i]);
	mh->msg_controllen = clen;
	if (!clen)
		mh->msg_control = NULL;
}

/* Build the messages: one per datagram, or with GSO one per run of
 * datagrams to the same destination from the same source whose sizes are
 * equal (the last of a run may be shorter).  Returns the number of
 * messages. */
static int build_msgs(struct udp_tx *tx)
{
	int m = 0;
	for (int i = 0; i < tx->n;) {
		int k = 1;
		size_t total = tx->len[i];
		if (tx->gso)
			while (i + k < tx->n && k < 64 && tx->len[i + k - 1] == tx->len[i] &&
			       tx->len[i + k] <= tx->len[i] && total + tx->len[i + k] <= 65000 &&
			       sa_equal(&tx->to[i + k], &tx->to[i]) && udp_src_equal(&tx->src[i + k], &tx->src[i]))
				total += tx->len[i + k++];
		for (int j = 0; j < k; j++) {
			tx->iov[i + j].iov_base = tx->buf[i + j];
			tx->iov[i + j].iov_len = tx->len[i + j];
		}
		tx->first[m] = i;
		build_one(tx, m, i, k);
		m++;
		i += k;
	}
	return m;
}

/* Message m was refused: if it named a source, the address may be gone
 * (removed, or moved to another interface): drop the source of its
 * datagrams and make it again.  1 if it should be sent again. */
static int drop_source(struct udp_tx *tx, int m, int err)
{
	int i = tx->first[m], k = (int)tx->msg[m].msg_hdr.msg_iovlen;
	if (!tx->src[i].set || (err != EINVAL && err != EADDRNOTAVAIL && err != ENETUNREACH))
		return 0;
	log_ratelimited(L_INFO, "udp_src", "sending from %s refused (%s): the kernel chooses the source",
	                sa_str(&tx->to[i]), strerror(err));
	for (int j = 0; j < k; j++)
		tx->src[i + j].set = 0;
	tx->src_dropped++;
	build_one(tx, m, i, k);
	return 1;
}

void udp_tx_flush(struct udp_tx *tx)
{
	int m, off = 0;
	if (!tx->n)
		return;
	m = build_msgs(tx);
	while (off < m) {
		int r = sendmmsg(tx->fd, tx->msg + off, (unsigned)(m - off), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (tx->gso && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT) &&
			    tx->msg[off].msg_hdr.msg_iovlen > 1) {
				/* no GSO on this path: from now on one datagram per message */
				log_info("UDP segmentation offload unavailable (%s): sending datagrams one by one",
				         strerror(errno));
				tx->gso = 0;
				m = build_msgs(tx);
				off = 0;
				continue;
			}
			if (drop_source(tx, off, errno))
				continue;
			/* a refused datagram (no route, buffer full) is dropped; go on with the rest */
			log_ratelimited(L_DEBUG, "udp_tx_flush", "sendmmsg: %s", strerror(errno));
			off++;
			continue;
		}
		off += r;
		tx->sends++;
	}
	tx->datagrams += (uint64_t)tx->n;
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

void sa_addr16(const union sockaddr_any *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa->sa.sa_family == AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &sa->in4.sin_addr.s_addr, 4);
	} else if (sa->sa.sa_family == AF_INET6)
		memcpy(out, sa->in6.sin6_addr.s6_addr, 16);
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
	static _Thread_local char buf[4][INET6_ADDRSTRLEN + 8];    /* per thread (the server's data threads) */
	static _Thread_local unsigned n;
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

void sa_set_port(union sockaddr_any *sa, uint16_t port)
{
	if (sa->sa.sa_family == AF_INET)
		sa->in4.sin_port = htons(port);
	else if (sa->sa.sa_family == AF_INET6)
		sa->in6.sin6_port = htons(port);
}

void sa_from_addr16(union sockaddr_any *sa, const uint8_t a[16], uint16_t port)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memset(sa, 0, sizeof *sa);
	if (!memcmp(a, mapped, 12)) {
		sa->in4.sin_family = AF_INET;
		memcpy(&sa->in4.sin_addr.s_addr, a + 12, 4);
		sa->in4.sin_port = htons(port);
	} else {
		sa->in6.sin6_family = AF_INET6;
		memcpy(sa->in6.sin6_addr.s6_addr, a, 16);
		sa->in6.sin6_port = htons(port);
	}
}

int sa_same_host(const union sockaddr_any *a, const union sockaddr_any *b)
{
	uint8_t x[16], y[16];
	if (a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6)
		return 0;
	if (b->sa.sa_family != AF_INET && b->sa.sa_family != AF_INET6)
		return 0;
	sa_addr16(a, x);
	sa_addr16(b, y);
	return !memcmp(x, y, 16);
}

const char *sa_host_str(const union sockaddr_any *sa)
{
	static _Thread_local char buf[4][INET6_ADDRSTRLEN];
	static _Thread_local unsigned n;
	char *b = buf[n++ % 4];
	uint32_t v4 = sa_ip4(sa);
	if (v4)
		snprintf(b, sizeof buf[0], "%s", ip4_str(v4));
	else if (sa->sa.sa_family != AF_INET6 || !inet_ntop(AF_INET6, &sa->in6.sin6_addr, b, sizeof buf[0]))
		snprintf(b, sizeof buf[0], "%s", sa->sa.sa_family == AF_INET ? "0.0.0.0" : "(none)");
	return b;
}

int udp_connected(const union sockaddr_any *to)
{
	int fd;
	if (to->sa.sa_family != AF_INET && to->sa.sa_family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	fd = socket(to->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	big_buffers(fd);
	if (connect(fd, &to->sa, sa_len(to)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int udp_route_exists(const union sockaddr_any *to)
{
	union sockaddr_any dst = *to;
	int fd, r;
	if (dst.sa.sa_family != AF_INET && dst.sa.sa_family != AF_INET6)
		return 0;
	if (dst.sa.sa_family == AF_INET6 && sa_ip4(&dst))   /* v4-mapped: the IPv4 route (whatever bindv6only says) */
		sa_from_ip4(&dst, sa_ip4(to), sa_port(to));
	if (sa_port(&dst) == 0)
		sa_set_port(&dst, 9);   /* any port: connect() only looks the route up */
	fd = socket(dst.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = connect(fd, &dst.sa, sa_len(&dst));
	close(fd);
	return r == 0;
}

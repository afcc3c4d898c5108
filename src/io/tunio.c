#include <errno.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>
#include "io/log.h"
#include "io/tun.h"
#include "io/tunio.h"
#include "proto/ipv4.h"
#include "proto/ipv6.h"

static int alloc_bufs(struct tunio *t)
{
	t->rbuf = malloc(VNET_HDR_LEN + GSO_MAX_PACKET);
	t->seg = malloc(GSO_MAX_PACKET);
	t->gro = malloc(sizeof *t->gro);
	if (!t->rbuf || !t->seg || !t->gro)
		return -1;
	t->gro->nseg = 0;
	t->gro->len = 0;
	return 0;
}

int tunio_adopt(struct tunio *t, int fd, int vnet)
{
	memset(t, 0, sizeof *t);
	t->fd = fd;
	t->vnet = vnet;
	return alloc_bufs(t);
}

int tunio_open(struct tunio *t, const char *ifname, uint32_t *addr, int maskbits, int mtu, int offload)
{
	return tunio_open_mq(t, 1, ifname, addr, maskbits, mtu, offload);
}

int tunio_open_mq(struct tunio *t, int nq, const char *ifname, uint32_t *addr, int maskbits, int mtu, int offload)
{
	int vnet = 0;
	int fd = tun_open_mq(ifname, addr, maskbits, mtu, offload ? &vnet : NULL, nq > 1);
	if (fd < 0)
		return -1;
	if (tunio_adopt(&t[0], fd, vnet) < 0)
		return -1;
	for (int i = 1; i < nq; i++) {
		int q = tun_open_queue(ifname, vnet);
		if (q < 0 || tunio_adopt(&t[i], q, vnet) < 0)
			return -1;
	}
	return 0;
}

void tunio_close(struct tunio *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->rbuf);
	free(t->seg);
	free(t->gro);
	memset(t, 0, sizeof *t);
	t->fd = -1;
}

int tunio_read(struct tunio *t, int (*cb)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	ssize_t r = read(t->fd, t->rbuf, VNET_HDR_LEN + GSO_MAX_PACKET);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	t->reads++;
	if (!t->vnet) {
		int tot = ipv4_check(t->rbuf, (size_t)r);
		if (tot < 0)
			tot = ipv6_check(t->rbuf, (size_t)r);
		if (tot < 0)
			return 0;
		t->segments_in++;
		cb(arg, t->rbuf, (size_t)tot);
		return 1;
	}
	if (r < VNET_HDR_LEN)
		return 0;
	struct vnet_hdr h;
	vnet_hdr_parse(&h, t->rbuf);
	if (r > VNET_HDR_LEN && (t->rbuf[VNET_HDR_LEN] >> 4) == 6) {
		/* IPv6: never a super-packet (no TSO6 offered) */
		int tot = ipv6_check(t->rbuf + VNET_HDR_LEN, (size_t)r - VNET_HDR_LEN);
		if (tot < 0 || (h.gso_type & (uint8_t)~VNET_GSO_ECN) != VNET_GSO_NONE)
			return 0;
		t->segments_in++;
		cb(arg, t->rbuf + VNET_HDR_LEN, (size_t)tot);
		return 1;
	}
	int n = gso_split(&h, t->rbuf + VNET_HDR_LEN, (size_t)r - VNET_HDR_LEN, t->seg, GSO_MAX_PACKET, cb, arg);
	if (n < 0) {
		log_ratelimited(L_DEBUG, "tunio_split", "TUN packet (%zd bytes, gso type %u) not understood: dropped",
		                r, h.gso_type);
		return 0;
	}
	t->segments_in += (uint64_t)n;
	return n;
}

static int write_hdr_pkt(struct tunio *t, const uint8_t *hdr, const uint8_t *p, size_t n)
{
	struct iovec iov[2] = { { (void *)hdr, VNET_HDR_LEN }, { (void *)p, n } };
	ssize_t w = writev(t->fd, iov, 2);
	t->writes++;
	return w == (ssize_t)(VNET_HDR_LEN + n) ? 0 : -2;
}

int tunio_flush(struct tunio *t)
{
	const uint8_t *out;
	size_t len;
	if (!t->vnet || !t->gro->nseg)
		return 0;
	len = gro_finish(t->gro, &out);
	t->writes++;
	return write(t->fd, out, len) == (ssize_t)len ? 0 : -2;
}

/* A TUN without a vnet header: the packet as it is.  0, -2 on a failed write. */
static int write_plain(struct tunio *t, const uint8_t *p, int tot)
{
	t->writes++;
	return write(t->fd, p, (size_t)tot) == tot ? 0 : -2;
}

int tunio_deliver(struct tunio *t, uint8_t *p, size_t n, uint32_t src, uint32_t dst)
{
	struct l4csum cs;
	struct vnet_hdr h;
	uint8_t hb[VNET_HDR_LEN];
	int r;

	/* the one check and re-addressing of the inner packet */
	int tot = ipv4_readdress(p, n, src, dst, t->vnet ? &cs : NULL);
	if (tot < 0)
		return -1;
	t->packets_out++;
	if (!t->vnet)
		return write_plain(t, p, tot);
	vnet_hdr_for(&h, &cs);
	r = gro_add(t->gro, p, (size_t)tot, &h);
	if (r == 1)
		return 0;
	if (tunio_flush(t) < 0)
		return -2;
	if (r == 0 && gro_add(t->gro, p, (size_t)tot, &h) == 1)
		return 0;
	vnet_hdr_build(hb, &h);
	return write_hdr_pkt(t, hb, p, (size_t)tot);
}

int tunio_deliver6(struct tunio *t, uint8_t *p, size_t n, const uint8_t src[16], const uint8_t dst[16])
{
	struct l4csum cs;
	struct vnet_hdr h;
	uint8_t hb[VNET_HDR_LEN];

	int tot = ipv6_readdress(p, n, src, dst, t->vnet ? &cs : NULL);
	if (tot < 0)
		return -1;
	t->packets_out++;
	if (!t->vnet)
		return write_plain(t, p, tot);
	/* in order after a pending IPv4 run */
	if (tunio_flush(t) < 0)
		return -2;
	vnet_hdr_for(&h, &cs);
	vnet_hdr_build(hb, &h);
	return write_hdr_pkt(t, hb, p, (size_t)tot);
}

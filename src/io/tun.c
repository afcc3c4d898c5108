/* TUN device set-up with ioctls (no external tools): IFF_TUN | IFF_NO_PI,
 * address, netmask, MTU, up. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <linux/ipv6.h>   /* struct in6_ifreq (after netinet/in.h) */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "io/routemtu.h"
#include "io/tun.h"
#include "proto/tunnelpkt.h"

_Static_assert(TUN_MTU_MAX <= TP_MAX_PLAINTEXT, "an inner packet of the largest MTU must fit a tunnel packet");
#include "io/log.h"

static uint32_t mask_of(int bits) { return bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu : ~((1u << (32 - bits)) - 1); }

/* Does net/bits overlap an IPv4 network configured on another interface? */
static int overlaps(const char *ifname, uint32_t net, int bits)
{
	struct ifaddrs *ifa, *i;
	int hit = 0;
	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !strcmp(i->ifa_name, ifname))
			continue;
		uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		uint32_t m = i->ifa_netmask ? ntohl(((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr) : 0xffffffffu;
		uint32_t mm = m & mask_of(bits);   /* the shorter of the two prefixes */
		if ((a & mm) == (net & mm))
			hit = 1;
	}
	freeifaddrs(ifa);
	return hit;
}

/* The reference's fallback: first free network of the same size in
 * 10/8, 172.16/12, 192.168/16. */
static int pick_free(const char *ifname, uint32_t *addr, int bits)
{
	static const struct { uint32_t base; int bits; } pools[] = {
		{ 0x0a000000, 8 }, { 0xac100000, 12 }, { 0xc0a80000, 16 } };
	uint32_t m = mask_of(bits);
	if (!overlaps(ifname, *addr & m, bits))
		return 0;
	for (size_t p = 0; p < sizeof pools / sizeof pools[0]; p++) {
		if (bits < pools[p].bits)
			continue;
		uint32_t step = bits >= 32 ? 1 : 1u << (32 - bits);
		uint32_t end = pools[p].base + (pools[p].bits == 0 ? 0 : (1u << (32 - pools[p].bits)));
		for (uint32_t net = pools[p].base; net < end; net += step) {
			if (!overlaps(ifname, net, bits)) {
				log_warn("%s/%d overlaps an existing network; using %s/%d", ip4_str(*addr), bits,
				         ip4_str(net | 1), bits);
				*addr = net | 1;
				return 0;
			}
			if (net + step < net)
				break;
		}
	}
	return -1;
}

static int ifioctl(int s, unsigned long req, struct ifreq *ifr, const char *what)
{
	if (ioctl(s, req, ifr) < 0) {
		log_error("tun: %s on %s: %s", what, ifr->ifr_name, strerror(errno));
		return -1;
	}
	return 0;
}

int tun_open(const char *ifname, uint32_t *addr, int maskbits, int mtu)
{
	return tun_open_vnet(ifname, addr, maskbits, mtu, NULL);
}

int tun_open_vnet(const char *ifname, uint32_t *addr, int maskbits, int mtu, int *vnet)
{
	return tun_open_mq(ifname, addr, maskbits, mtu, vnet, 0);
}

int tun_open_mq(const char *ifname, uint32_t *addr, int maskbits, int mtu, int *vnet, int mq)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, s = -1;

	if (strlen(ifname) >= IFNAMSIZ) {
		log_error("tun: interface name too long: %s", ifname);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		log_error("tun: /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0) | (mq ? IFF_MULTI_QUEUE : 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (vnet) {
			/* an older kernel without IFF_VNET_HDR: plain packets */
			close(fd);
			*vnet = 0;
			return tun_open_mq(ifname, addr, maskbits, mtu, NULL, mq);
		}
		log_error("tun: TUNSETIFF %s: %s", ifname, strerror(errno));
		goto fail;
	}
	if (vnet) {
		int hsz = 10;
		unsigned off = TUN_F_CSUM | TUN_F_TSO4;
		*vnet = ioctl(fd, TUNSETVNETHDRSZ, &hsz) == 0 && ioctl(fd, TUNSETOFFLOAD, off) == 0;
		if (!*vnet) {
			/* the header stays, but no offloads: keep it simple and say no */
			log_warn("tun: no offloads on %s: %s", ifname, strerror(errno));
			close(fd);
			return tun_open_mq(ifname, addr, maskbits, mtu, NULL, mq);
		}
	}
	if (pick_free(ifname, addr, maskbits) < 0) {
		log_error("tun: no free network of size /%d", maskbits);
		goto fail;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(*addr);
	if (ifioctl(s, SIOCSIFADDR, &ifr, "SIOCSIFADDR") < 0)
		goto fail;
	sin->sin_addr.s_addr = htonl(mask_of(maskbits));
	if (ifioctl(s, SIOCSIFNETMASK, &ifr, "SIOCSIFNETMASK") < 0)
		goto fail;
	if (mtu > TUN_MTU_ETH)
		log_warn("tun: MTU %d: tunnel packets will be larger than 1500 bytes (%d fits)", mtu, TUN_MTU_ETH);
	ifr.ifr_mtu = mtu;
	if (ifioctl(s, SIOCSIFMTU, &ifr, "SIOCSIFMTU") < 0)
		goto fail;
	if (ifioctl(s, SIOCGIFFLAGS, &ifr, "SIOCGIFFLAGS") < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ifioctl(s, SIOCSIFFLAGS, &ifr, "SIOCSIFFLAGS") < 0)
		goto fail;
	close(s);
	return fd;
fail:
	if (s >= 0)
		close(s);
	close(fd);
	return -1;
}

int tun_open_queue(const char *ifname, int vnet)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		log_error("tun: /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE | (vnet ? IFF_VNET_HDR : 0);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		log_error("tun: another queue of %s: %s", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* the header size and the offloads are the device's: set on the first
	 * queue already */
	return fd;
}

int tun_add_addr6(const char *ifname, const uint8_t addr[16])
{
	/* as large as a struct ifreq, all of it set: checkers that take every
	 * SIOCSIFADDR argument for a struct ifreq (valgrind) read that much */
	union { struct in6_ifreq r6; struct ifreq pad; } u;
	struct in6_ifreq *r = &u.r6;
	struct ifreq ifr;
	char txt[INET6_ADDRSTRLEN];
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	inet_ntop(AF_INET6, addr, txt, sizeof txt);
	if (s < 0) {
		log_warn("tun: no IPv6 socket for %s/64 on %s: %s", txt, ifname, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
		log_warn("tun: SIOCGIFINDEX %s: %s", ifname, strerror(errno));
		close(s);
		return -1;
	}
	memset(&u, 0, sizeof u);
	memcpy(&r->ifr6_addr, addr, 16);
	r->ifr6_prefixlen = 64;
	r->ifr6_ifindex = ifr.ifr_ifindex;
	if (ioctl(s, SIOCSIFADDR, r) < 0 && errno != EEXIST) {
		log_warn("tun: cannot add %s/64 to %s: %s", txt, ifname, strerror(errno));
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

int tun_mtu_for_inner6(int mtu) { return mtu < TUN_MTU_IPV6 ? TUN_MTU_IPV6 : mtu; }

int tun_keep_ipv4_mtu(const char *ifname, uint32_t addr, int maskbits, int mtu4)
{
	if (route4_set_mtu(ifname, addr, maskbits, mtu4) == 0) {
		log_info("tun: IPv4 MTU %d on the route to %s's network (the device's is IPv6's %d)", mtu4, ifname,
		         TUN_MTU_IPV6);
		return 0;
	}
	/* IPv4 must not grow: back to the old MTU, without IPv6 */
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
		ifr.ifr_mtu = mtu4;
		ifioctl(s, SIOCSIFMTU, &ifr, "SIOCSIFMTU");
		close(s);
	}
	return -1;
}

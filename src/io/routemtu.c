/* The route MTU of the TUN's IPv4 network (see routemtu.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "io/log.h"
#include "io/routemtu.h"

struct req {
	struct nlmsghdr nh;
	struct rtmsg rt;
	uint8_t attrs[128];
};

/* Appends attribute type with n bytes of data at *off in r.  The buffer is
 * sized for the fixed set below: a failed bound is a programming error. */
static struct rtattr *add_attr(struct req *r, size_t *off, uint16_t type, const void *data, size_t n)
{
	if (*off + RTA_SPACE(n) > sizeof r->attrs)
		return NULL;
	struct rtattr *a = (struct rtattr *)(r->attrs + *off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	if (n)
		memcpy(RTA_DATA(a), data, n);
	*off += RTA_SPACE(n);
	return a;
}

int route4_set_mtu(const char *ifname, uint32_t addr, int maskbits, int mtu)
{
	struct req r;
	size_t off = 0;
	unsigned idx = if_nametoindex(ifname);
	uint32_t mask = maskbits <= 0 ? 0 : ~((1u << (32 - maskbits)) - 1);
	uint32_t net = htonl(addr & mask), src = htonl(addr), m = (uint32_t)mtu;

	if (!idx || maskbits < 1 || maskbits > 31) {
		log_warn("route: no IPv4 network route on %s", ifname);
		return -1;
	}
	memset(&r, 0, sizeof r);
	r.nh.nlmsg_type = RTM_NEWROUTE;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	r.nh.nlmsg_seq = 1;
	r.rt.rtm_family = AF_INET;
	r.rt.rtm_dst_len = (unsigned char)maskbits;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_KERNEL;
	r.rt.rtm_scope = RT_SCOPE_LINK;
	r.rt.rtm_type = RTN_UNICAST;
	struct rtattr *metrics;
	if (!add_attr(&r, &off, RTA_DST, &net, 4) || !add_attr(&r, &off, RTA_PREFSRC, &src, 4) ||
	    !add_attr(&r, &off, RTA_OIF, &idx, 4) || !(metrics = add_attr(&r, &off, RTA_METRICS, NULL, 0)) ||
	    !add_attr(&r, &off, RTAX_MTU, &m, 4))
		return -1;
	metrics->rta_len = (unsigned short)((uint8_t *)(r.attrs + off) - (uint8_t *)metrics);
	r.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof r.rt) + off);

	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		log_warn("route: netlink socket: %s", strerror(errno));
		return -1;
	}
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int err = -1;
	if (sendto(fd, &r, r.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		log_warn("route: netlink send: %s", strerror(errno));
		goto out;
	}
	union {
		struct nlmsghdr nh;
		uint8_t b[1024];
	} ans;
	for (;;) {
		ssize_t n = recv(fd, &ans, sizeof ans, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || ans.nh.nlmsg_type != NLMSG_ERROR ||
		    ans.nh.nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)) || ans.nh.nlmsg_len > (size_t)n) {
			log_warn("route: no answer from the kernel (%s)", n < 0 ? strerror(errno) : "short");
			goto out;
		}
		break;
	}
	const struct nlmsgerr *e = NLMSG_DATA(&ans.nh);
	if (e->error) {
		log_warn("route: cannot set MTU %d on the route to %s/%d via %s: %s", mtu, ip4_str(addr & mask), maskbits,
		         ifname, strerror(-e->error));
		goto out;
	}
	err = 0;
out:
	close(fd);
	return err;
}

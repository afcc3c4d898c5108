/* NFQUEUE through libmnl: see nfq.h.  The socket is read until EAGAIN on
 * every wake-up; each message is parsed with nfq_nlmsg_parse and handed to
 * the callback, which gives its verdict now or later. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include "io/nfq.h"
#include "io/log.h"

/* room for one queued packet (at most 64 KiB) plus netlink attributes */
#define NFQ_BUFSZ (0xffff + 8192)

struct nfqueue {
	struct mnl_socket *nl;
	unsigned portid;
	uint16_t num;
	nfqueue_cb cb;
	void *arg;
	uint64_t losses;
	uint8_t rbuf[NFQ_BUFSZ] __attribute__((aligned(8)));   /* netlink headers are read in place */
	uint8_t wbuf[NFQ_BUFSZ] __attribute__((aligned(8)));
};

/* Send a config message and wait for the kernel's acknowledgement, so that
 * errors (queue already bound, no permission) are seen at start-up. */
static int cfg_send(struct nfqueue *q, struct nlmsghdr *nlh)
{
	char ack[8192];
	uint32_t seq = nlh->nlmsg_seq;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(q->nl, ack, sizeof ack);
		if (n < 0)
			return -1;
		int r = mnl_cb_run(ack, (size_t)n, seq, q->portid, NULL, NULL);
		if (r < 0)
			return -1;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct nfqueue *q = data;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	const struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	if (mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof *ph)
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	uint32_t id = ntohl(ph->packet_id);
	if (!attr[NFQA_PAYLOAD]) {
		nfqueue_accept(q, id);
		return MNL_CB_OK;
	}
	const uint8_t *pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	size_t len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	if (attr[NFQA_CAP_LEN]) {
		/* truncated copy: we cannot judge it, let it through untouched */
		nfqueue_accept(q, id);
		return MNL_CB_OK;
	}
	q->cb(q, id, pkt, len, q->arg);
	return MNL_CB_OK;
}

static void on_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct nfqueue *q = arg;

	for (int budget = 0; budget < 256; budget++) {
		ssize_t n = recv(fd, q->rbuf, sizeof q->rbuf, MSG_DONTWAIT | MSG_TRUNC);
		if (n > (ssize_t)sizeof q->rbuf) {
			/* cut short (MSG_TRUNC gives the real length): its packets get
			 * no verdict from us; the queue's fail-open bypass covers them */
			q->losses++;
			log_ratelimited(L_WARNING, "nfq_trunc", "netfilter queue message of %zd bytes: larger than %zu, dropped",
			                n, sizeof q->rbuf);
			continue;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* the kernel dropped messages; with fail-open they were accepted */
				q->losses++;
				log_ratelimited(L_WARNING, "nfq_enobufs", "netfilter queue overrun");
				continue;
			}
			log_ratelimited(L_ERROR, "nfq_recv", "netfilter queue: %s", strerror(errno));
			return;
		}
		if (mnl_cb_run(q->rbuf, (size_t)n, 0, q->portid, on_msg, q) < 0 && errno != 0)
			log_ratelimited(L_DEBUG, "nfq_parse", "netfilter queue message: %s", strerror(errno));
	}
}

struct nfqueue *nfqueue_open(struct loop *l, uint16_t num, nfqueue_cb cb, void *arg)
{
	struct nfqueue *q = calloc(1, sizeof *q);
	struct nlmsghdr *nlh;
	int one = 1, sz = 8 << 20;

	if (!q)
		return NULL;
	q->num = num;
	q->cb = cb;
	q->arg = arg;
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->nl)
		goto fail;
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	q->portid = mnl_socket_get_portid(q->nl);

	nlh = nfq_nlmsg_put((char *)q->wbuf, NFQNL_MSG_CONFIG, num);
	nlh->nlmsg_seq = 1;
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (cfg_send(q, nlh) < 0) {
		log_error("cannot bind netfilter queue %u: %s", num, strerror(errno));
		goto fail;
	}
	nlh = nfq_nlmsg_put((char *)q->wbuf, NFQNL_MSG_CONFIG, num);
	nlh->nlmsg_seq = 2;
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	/* if we fall behind, the kernel accepts instead of dropping DNS */
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	if (cfg_send(q, nlh) < 0) {
		log_error("cannot configure netfilter queue %u: %s", num, strerror(errno));
		goto fail;
	}

	int fd = mnl_socket_get_fd(q->nl);
	setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (loop_add_fd(l, fd, EPOLLIN, on_readable, q) < 0)
		goto fail;
	return q;
fail:
	if (q->nl)
		mnl_socket_close(q->nl);
	free(q);
	return NULL;
}

static int verdict(struct nfqueue *q, uint32_t id, const uint8_t *pkt, size_t len, int nfv)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put((char *)q->wbuf, NFQNL_MSG_VERDICT, q->num);

	/* a netlink attribute's length is 16 bits, header included */
	if (pkt && len > 0xffff - MNL_ATTR_HDRLEN)
		pkt = NULL;     /* cannot carry it: accept the original instead */
	nfq_nlmsg_verdict_put(nlh, (int)id, nfv);
	if (pkt)
		nfq_nlmsg_verdict_put_pkt(nlh, pkt, (uint32_t)len);
	for (int tries = 0; tries < 3; tries++) {
		if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) >= 0)
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			break;
	}
	q->losses++;
	log_ratelimited(L_ERROR, "nfq_verdict", "netfilter queue verdict: %s", strerror(errno));
	return -1;
}

int nfqueue_accept(struct nfqueue *q, uint32_t id) { return verdict(q, id, NULL, 0, NF_ACCEPT); }

int nfqueue_drop(struct nfqueue *q, uint32_t id) { return verdict(q, id, NULL, 0, NF_DROP); }

int nfqueue_accept_with(struct nfqueue *q, uint32_t id, const uint8_t *pkt, size_t len)
{
	return verdict(q, id, pkt, len, NF_ACCEPT);
}

uint64_t nfqueue_losses(const struct nfqueue *q) { return q->losses; }

void nfqueue_close(struct nfqueue *q, struct loop *l)
{
	struct nlmsghdr *nlh;

	if (!q)
		return;
	loop_del_fd(l, mnl_socket_get_fd(q->nl));
	nlh = nfq_nlmsg_put((char *)q->wbuf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(q->nl);
	free(q);
}

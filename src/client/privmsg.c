/* Privilege-separation messages: see privmsg.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "client/privmsg.h"
#include "proto/nfqcheck.h"

/* The monitor hands over packets of at least an IPv4 header; a replacement
 * must fit the bounds the monitor checks it against. */
#define PM_PACKET_MIN 20

int pm_len_ok(uint32_t type, size_t len)
{
	switch (type) {
	case PM_PACKET:
		return len >= PM_PACKET_MIN && len <= PM_MAX_BODY;
	case PM_ACCEPT:
	case PM_RELOAD:
	case PM_DROP:
		return len == 0;
	case PM_REPLACE:
		return len >= NFQC_MIN_LEN && len <= NFQC_MAX_LEN && len <= PM_MAX_BODY;
	case PM_HOOK:
		return len == sizeof(struct pm_hook);
	case PM_PEERS:
		return len <= PM_MAX_BODY;
	case PM_STATS:
		return len == sizeof(struct pm_stats);
	}
	return 0;
}

int pm_send(int fd, uint32_t type, uint32_t id, const void *body, size_t len)
{
	struct pm_hdr h = { .type = type, .id = id, .len = (uint32_t)len };
	struct iovec iov[2] = { { &h, sizeof h }, { (void *)body, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (len > PM_MAX_BODY || (len && !body)) {
		errno = EMSGSIZE;
		return -1;
	}
	for (;;) {
		ssize_t n = sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)(sizeof h + len))
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -1;
	}
}

int pm_recv(int fd, uint8_t *buf, size_t cap, uint32_t accept, struct pm_hdr *h, const uint8_t **body)
{
	struct iovec iov = { buf, cap < PM_MAX_MSG ? cap : PM_MAX_MSG };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &m, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return -1;      /* SEQPACKET: zero-length read is the peer's close */
	memset(h, 0, sizeof *h);
	if ((size_t)n < sizeof *h)
		return -2;
	memcpy(h, buf, sizeof *h);      /* a whole header: the caller may use its id on -2 */
	if (m.msg_flags & MSG_TRUNC)
		return -2;
	if (h->len > PM_MAX_BODY || (size_t)n != sizeof *h + h->len)
		return -2;
	if (h->type < PM_PACKET || h->type > PM_DROP || !(accept & PM_BIT(h->type)) || !pm_len_ok(h->type, h->len))
		return -2;
	*body = buf + sizeof *h;
	return 1;
}

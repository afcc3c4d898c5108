/* Privilege-separation messages: see privmsg.h. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "client/privmsg.h"

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

int pm_recv(int fd, uint8_t *buf, struct pm_hdr *h, const uint8_t **body)
{
	struct iovec iov = { buf, PM_MAX_MSG };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &m, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	if (n == 0)
		return -1;      /* SEQPACKET: zero-length read is the peer's close */
	if ((m.msg_flags & MSG_TRUNC) || (size_t)n < sizeof *h)
		return -2;
	memcpy(h, buf, sizeof *h);
	if (h->len > PM_MAX_BODY || (size_t)n != sizeof *h + h->len || h->type < PM_PACKET || h->type > PM_STATS)
		return -2;
	*body = buf + sizeof *h;
	return 1;
}

/* The channel between the client's monitor and worker (src/client/privmsg.c):
 * every record is size-checked before its body is looked at: exact sizes
 * for fixed messages, bounds for the others, only the types the receiving
 * side takes, no truncated or inconsistent record. */
#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "check.h"
#include "client/privmsg.h"
#include "proto/nfqcheck.h"

static uint8_t buf[PM_MAX_MSG], big[PM_MAX_MSG + 64];

/* a raw record: header (type, id, claimed len) + body of blen bytes */
static void raw(int fd, uint32_t type, uint32_t claimed, size_t blen)
{
	struct pm_hdr h = { .type = type, .id = 7, .len = claimed };
	struct iovec iov[2] = { { &h, sizeof h }, { big, blen } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	if (sendmsg(fd, &m, 0) < 0)
		abort();
}

static int recv_one(int fd, uint32_t accept, struct pm_hdr *h)
{
	const uint8_t *body;
	return pm_recv(fd, buf, sizeof buf, accept, h, &body);
}

int main(void)
{
	int sv[2];
	struct pm_hdr h;

	/* the size table */
	CHECK(pm_len_ok(PM_ACCEPT, 0) && !pm_len_ok(PM_ACCEPT, 1));
	CHECK(pm_len_ok(PM_RELOAD, 0) && !pm_len_ok(PM_RELOAD, 4));
	CHECK(pm_len_ok(PM_HOOK, sizeof(struct pm_hook)) && !pm_len_ok(PM_HOOK, sizeof(struct pm_hook) - 1) &&
	      !pm_len_ok(PM_HOOK, sizeof(struct pm_hook) + 1));
	CHECK(pm_len_ok(PM_STATS, sizeof(struct pm_stats)) && !pm_len_ok(PM_STATS, sizeof(struct pm_stats) + 8));
	CHECK(pm_len_ok(PM_REPLACE, NFQC_MIN_LEN) && !pm_len_ok(PM_REPLACE, NFQC_MIN_LEN - 1));
	CHECK(pm_len_ok(PM_REPLACE, PM_MAX_BODY) && !pm_len_ok(PM_REPLACE, PM_MAX_BODY + 1));
	CHECK(pm_len_ok(PM_PACKET, 20) && !pm_len_ok(PM_PACKET, 19) && !pm_len_ok(PM_PACKET, PM_MAX_BODY + 1));
	CHECK(pm_len_ok(PM_PEERS, 0) && pm_len_ok(PM_PEERS, PM_MAX_BODY) && !pm_len_ok(PM_PEERS, PM_MAX_BODY + 1));
	CHECK(!pm_len_ok(0, 0) && !pm_len_ok(PM_DROP + 1, 0) && pm_len_ok(PM_DROP, 0) && !pm_len_ok(PM_DROP, 1) && !pm_len_ok(0xffffffffu, 0));

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(recv_one(sv[1], PM_FROM_WORKER, &h) == 0);              /* nothing waiting */
	/* good messages */
	CHECK(pm_send(sv[0], PM_ACCEPT, 42, NULL, 0) == 0);
	CHECK(recv_one(sv[1], PM_FROM_WORKER, &h) == 1 && h.type == PM_ACCEPT && h.id == 42 && h.len == 0);
	struct pm_hook hk = { .up = 1 };
	CHECK(pm_send(sv[0], PM_HOOK, 0, &hk, sizeof hk) == 0);
	CHECK(recv_one(sv[1], PM_FROM_WORKER, &h) == 1 && h.type == PM_HOOK && h.len == sizeof hk);
	CHECK(pm_send(sv[0], PM_REPLACE, 9, big, 100) == 0);
	CHECK(recv_one(sv[1], PM_FROM_WORKER, &h) == 1 && h.type == PM_REPLACE && h.len == 100);
	/* sizes wrong for the type */
	raw(sv[0], PM_ACCEPT, 4, 4);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "accept with a body");
	raw(sv[0], PM_HOOK, sizeof hk - 1, sizeof hk - 1);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "short hook");
	raw(sv[0], PM_RELOAD, 1, 1);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "reload with a body");
	raw(sv[0], PM_REPLACE, 10, 10);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "replacement shorter than IP+UDP+DNS headers");
	CHECK_MSG(h.type == PM_REPLACE && h.id == 7 && h.len == 10, "the header of a refused record is given");
	/* the header's length and the record's disagree */
	raw(sv[0], PM_REPLACE, 200, 100);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "claims more than it has");
	raw(sv[0], PM_REPLACE, 50, 100);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "claims less than it has");
	raw(sv[0], PM_REPLACE, 0xffffffffu, 100);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "claims 4 GB");
	/* a record larger than any message: truncated, refused */
	raw(sv[0], PM_PEERS, PM_MAX_BODY + 8, PM_MAX_BODY + 8);
	CHECK_MSG(recv_one(sv[1], PM_FROM_MONITOR, &h) == -2 && h.type == PM_PEERS, "oversized record");
	/* types the side does not take */
	CHECK(pm_send(sv[0], PM_PACKET, 1, big, 60) == 0);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "the worker cannot send PM_PACKET");
	CHECK(pm_send(sv[0], PM_STATS, 0, big, sizeof(struct pm_stats)) == 0);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -2, "nor PM_STATS");
	CHECK(pm_send(sv[0], PM_REPLACE, 1, big, 60) == 0);
	CHECK_MSG(recv_one(sv[1], PM_FROM_MONITOR, &h) == -2, "the monitor cannot send PM_REPLACE");
	raw(sv[0], 99, 0, 0);
	CHECK_MSG(recv_one(sv[1], 0xffffffffu, &h) == -2, "unknown type");
	/* shorter than a header */
	CHECK(send(sv[0], "abc", 3, 0) == 3);
	CHECK(recv_one(sv[1], PM_FROM_WORKER, &h) == -2 && h.type == 0 && h.id == 0);
	/* a good one still comes through after all that */
	CHECK(pm_send(sv[0], PM_STATS, 0, big, sizeof(struct pm_stats)) == 0);
	CHECK(recv_one(sv[1], PM_FROM_MONITOR, &h) == 1 && h.type == PM_STATS);
	/* the sender refuses what cannot be a message */
	errno = 0;
	CHECK(pm_send(sv[0], PM_PEERS, 0, big, PM_MAX_BODY + 1) == -1 && errno == EMSGSIZE);
	close(sv[0]);
	CHECK_MSG(recv_one(sv[1], PM_FROM_WORKER, &h) == -1, "the other side has gone");
	close(sv[1]);
	return check_done();
}

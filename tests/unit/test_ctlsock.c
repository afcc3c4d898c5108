/* The control socket never blocks the event loop (src/io/ctlsock.c): a
 * client that does not read a large answer is dropped after CTL_IDLE_MS
 * while other clients are served; a client that sends nothing is dropped;
 * command lines have an exact upper bound; connections are bounded. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "check.h"
#include "io/ctlsock.h"
#include "io/loop.h"

static struct loop L;
static char path[108];
static int calls;
static size_t last_len;

static void handler(void *arg, int argc, char **argv, struct ctlbuf *out)
{
	calls++;
	last_len = strlen(argv[0]);
	if (!strcmp(argv[0], "big")) {
		for (int i = 0; i < 100000; i++)      /* 8 MB: far more than a socket buffer */
			ctl_printf(out, "%079d\n", i);
	} else if (!strcmp(argv[0], "huge")) {
		for (int i = 0; i < 300000; i++)      /* 24 MB: over CTL_MAX_ANSWER */
			ctl_printf(out, "%079d\n", i);
	} else {
		ctl_printf(out, "pong %d\n", argc);
	}
}

static void stop(struct loop *l, struct timer *t) { loop_stop(l); }

/* run the loop for ms; returns how long it really took */
static uint64_t run_ms(unsigned ms)
{
	struct timer t;
	uint64_t t0 = now_ms();
	timer_init(&t, stop, NULL);
	L.stop = 0;
	timer_in(&L, &t, ms);
	loop_run(&L);
	timer_cancel(&L, &t);
	return now_ms() - t0;
}

static int conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		abort();
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* everything readable now (until EAGAIN or EOF); *eof set on EOF/error */
static size_t drain(int fd, char *buf, size_t cap, int *eof)
{
	size_t n = 0;
	*eof = 0;
	for (;;) {
		char tmp[65536];
		ssize_t r = read(fd, tmp, sizeof tmp);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return n;
		if (r <= 0) {
			*eof = 1;
			return n;
		}
		if (buf && n < cap) {
			size_t k = (size_t)r < cap - n ? (size_t)r : cap - n;
			memcpy(buf + n, tmp, k);
		}
		n += (size_t)r;
	}
}

static int send_str(int fd, const char *s, size_t n) { return write(fd, s, n) == (ssize_t)n; }

int main(void)
{
	char buf[4096], line[1024];
	int eof;

	snprintf(path, sizeof path, "/tmp/pqc-test-ctl.%ld/ctl.sock", (long)getpid());
	CHECK(loop_init(&L) == 0);
	CHECK(ctlsock_open(&L, path, NULL, handler, NULL) >= 0);

	/* an ordinary command */
	int a = conn();
	CHECK(send_str(a, "ping x y\n", 9));
	run_ms(50);
	size_t n = drain(a, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(strcmp(buf, "pong 3\n") == 0 && eof, "ping: answered and closed");
	close(a);

	/* a client that asks for 8 MB and does not read: the loop keeps running */
	int slow = conn();
	CHECK(send_str(slow, "big\n", 4));
	uint64_t took = run_ms(100);
	CHECK_MSG(took < 600, "the loop is not blocked by a client that does not read");
	int b = conn();
	CHECK(send_str(b, "ping\n", 5));
	run_ms(50);
	n = drain(b, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(strcmp(buf, "pong 1\n") == 0 && eof, "another client is served meanwhile");
	close(b);
	/* it reads a little (progress), then stops reading */
	size_t got = drain(slow, NULL, 0, &eof);
	CHECK_MSG(got > 0 && !eof, "the slow client got part of its answer");
	run_ms(CTL_IDLE_MS / 2);
	got += drain(slow, NULL, 0, &eof);
	CHECK(!eof);
	took = run_ms(CTL_IDLE_MS + 500);
	got += drain(slow, NULL, 0, &eof);
	CHECK_MSG(eof && got < 8000000, "then, not reading, it is dropped");
	CHECK(ctlsock_stats()->ctl_slow == 1);
	close(slow);

	/* a client that reads along gets the whole 8 MB */
	int fast = conn();
	CHECK(send_str(fast, "big\n", 4));
	got = 0;
	eof = 0;
	for (int i = 0; i < 2000 && !eof; i++) {
		run_ms(2);
		got += drain(fast, NULL, 0, &eof);
	}
	CHECK_MSG(eof && got == 8000000, "a client that reads gets the whole answer");
	close(fast);

	/* answers over the bound: an error instead */
	int h = conn();
	CHECK(send_str(h, "huge\n", 5));
	run_ms(50);
	n = drain(h, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(strncmp(buf, "error: answer too large", 23) == 0 && eof, "an answer over CTL_MAX_ANSWER");
	CHECK(ctlsock_stats()->ctl_too_big == 1);
	close(h);

	/* command size: CTL_MAX_LINE - 1 bytes with the newline is the most */
	int c = conn();
	memset(line, 'p', sizeof line);
	line[CTL_MAX_LINE - 2] = '\n';
	calls = 0;
	CHECK(send_str(c, line, CTL_MAX_LINE - 1));
	run_ms(50);
	n = drain(c, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(calls == 1 && last_len == CTL_MAX_LINE - 2 && strcmp(buf, "pong 1\n") == 0,
	          "a line of exactly the bound is run");
	close(c);
	c = conn();
	calls = 0;
	line[CTL_MAX_LINE - 2] = 'p';
	line[CTL_MAX_LINE - 1] = '\n';
	CHECK(send_str(c, line, CTL_MAX_LINE));
	run_ms(50);
	n = drain(c, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(calls == 0 && strcmp(buf, "error: command too long\n") == 0 && eof, "one byte more is refused");
	CHECK(ctlsock_stats()->ctl_too_long == 1);
	close(c);
	c = conn();
	CHECK(send_str(c, "ping\0kick\n", 10));
	run_ms(50);
	n = drain(c, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(calls == 0 && strncmp(buf, "error: NUL", 10) == 0, "a NUL byte in the line is refused");
	close(c);
	/* a line in pieces is fine */
	c = conn();
	CHECK(send_str(c, "pi", 2));
	run_ms(20);
	CHECK(send_str(c, "ng\n", 3));
	run_ms(20);
	n = drain(c, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK(strcmp(buf, "pong 1\n") == 0);
	close(c);

	/* a client that sends nothing is dropped; so is one that sends half a line */
	uint64_t slow0 = ctlsock_stats()->ctl_slow;
	int quiet = conn(), half = conn();
	CHECK(send_str(half, "pin", 3));
	run_ms(CTL_IDLE_MS + 300);
	drain(quiet, NULL, 0, &eof);
	CHECK_MSG(eof, "a silent client is dropped");
	drain(half, NULL, 0, &eof);
	CHECK_MSG(eof, "a client with half a line is dropped");
	CHECK(ctlsock_stats()->ctl_slow == slow0 + 2);
	close(quiet);
	close(half);

	/* at most CTL_MAX_CONNS at once */
	int many[CTL_MAX_CONNS + 8];
	for (int i = 0; i < CTL_MAX_CONNS + 8; i++) {
		many[i] = conn();
		if (i % 8 == 7)
			run_ms(20);     /* let it accept: the listen backlog is 16 */
	}
	run_ms(50);
	CHECK_MSG(ctlsock_stats()->ctl_busy == 8, "connections over CTL_MAX_CONNS are refused");
	for (int i = 0; i < CTL_MAX_CONNS + 8; i++)
		close(many[i]);
	run_ms(50);
	c = conn();
	CHECK(send_str(c, "ping\n", 5));
	run_ms(50);
	n = drain(c, buf, sizeof buf - 1, &eof);
	buf[n] = 0;
	CHECK_MSG(strcmp(buf, "pong 1\n") == 0, "and once they are gone, served again");
	close(c);

	unlink(path);
	*strrchr(path, '/') = 0;
	rmdir(path);
	loop_free(&L);
	return check_done();
}

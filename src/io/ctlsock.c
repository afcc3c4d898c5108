#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "io/ctlsock.h"
#include "io/log.h"

struct ctl_listener { ctl_handler h; void *arg; };

struct ctl_conn {
	struct ctl_listener *ls;
	struct loop *l;
	int fd;
	struct timer idle;          /* no progress for CTL_IDLE_MS: dropped */
	char line[CTL_MAX_LINE];
	size_t len;
	char *out;                  /* the answer, being written */
	size_t outlen, outoff;
};

static struct ctlsock_stats stats;
static unsigned nconns;

const struct ctlsock_stats *ctlsock_stats(void) { return &stats; }

void ctl_metric_head(struct ctlbuf *b, const char *name, const char *type, const char *help)
{
	ctl_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void ctl_metric(struct ctlbuf *b, const char *name, const char *labels, double v)
{
	if (labels[0])
		ctl_printf(b, "%s{%s} %.17g\n", name, labels, v);
	else
		ctl_printf(b, "%s %.17g\n", name, v);
}

void ctl_label(char *lab, size_t cap, const char *k, const char *v)
{
	size_t n0 = strnlen(lab, cap), n = n0;
	if (n0 + 1 >= cap)
		return;
	int w = snprintf(lab + n, cap - n, "%s%s=\"", n ? "," : "", k);
	if (w < 0 || (size_t)w >= cap - n)
		goto drop;
	n += (size_t)w;
	for (; *v; v++) {
		if (n + 4 >= cap)
			goto drop;
		if (*v == '"' || *v == '\\')
			lab[n++] = '\\';
		if (*v == '\n') {
			lab[n++] = '\\';
			lab[n++] = 'n';
		} else
			lab[n++] = *v;
	}
	lab[n++] = '"';
	lab[n] = 0;
	return;
drop:
	lab[n0] = 0;          /* the label does not fit: left out whole */
}

void ctl_printf(struct ctlbuf *b, const char *fmt, ...)
{
	va_list ap;
	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		if (cap > CTL_MAX_ANSWER) {
			b->oom = 1;         /* bounded: the answer is replaced by an error */
			return;
		}
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void conn_close(struct ctl_conn *c)
{
	timer_cancel(c->l, &c->idle);
	loop_del_fd(c->l, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
	nconns--;
}

static void on_idle(struct loop *l, struct timer *t)
{
	struct ctl_conn *c = t->arg;
	stats.ctl_slow++;
	log_ratelimited(L_WARNING, "ctl_slow", "control socket: client %s in %d ms: connection dropped",
	                c->out ? "did not read its answer" : "sent no command line", CTL_IDLE_MS);
	conn_close(c);
}

/* Write what the socket takes now; close when all is written or on error. */
static void conn_flush(struct ctl_conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (loop_mod_fd(c->l, c->fd, EPOLLOUT) < 0)
				break;
			return;         /* the rest when the client reads */
		}
		if (w <= 0)
			break;          /* the client has gone */
		c->outoff += (size_t)w;
		timer_in(c->l, &c->idle, CTL_IDLE_MS);   /* progress */
	}
	conn_close(c);
}

static void conn_answer(struct ctl_conn *c, const char *text, size_t len, char *owned)
{
	if (owned) {
		c->out = owned;
	} else {
		c->out = malloc(len ? len : 1);
		if (!c->out) {
			conn_close(c);
			return;
		}
		memcpy(c->out, text, len);
	}
	c->outlen = len;
	c->outoff = 0;
	timer_in(c->l, &c->idle, CTL_IDLE_MS);
	conn_flush(c);
}

static void run_line(struct ctl_conn *c)
{
	char *argv[8], *save = NULL;
	int argc = 0;
	struct ctlbuf out = { 0 };

	for (char *t = strtok_r(c->line, " \t\r", &save); t && argc < 8; t = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = t;
	if (argc == 0)
		ctl_printf(&out, "error: empty command\n");
	else
		c->ls->h(c->ls->arg, argc, argv, &out);
	if (out.oom) {
		static const char msg[] = "error: answer too large or out of memory\n";
		stats.ctl_too_big++;
		log_ratelimited(L_WARNING, "ctl_big", "control socket: answer over %u bytes or out of memory",
		                CTL_MAX_ANSWER);
		free(out.p);
		conn_answer(c, msg, sizeof msg - 1, NULL);
		return;
	}
	if (!out.p) {
		conn_close(c);
		return;
	}
	conn_answer(c, out.p, out.len, out.p);
}

static void conn_event(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_conn *c = arg;

	if (c->out) {                        /* writing the answer */
		conn_flush(c);
		return;
	}
	ssize_t r = recv(fd, c->line + c->len, sizeof c->line - 1 - c->len, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r <= 0) {                        /* closed (or failed) before a whole line */
		conn_close(c);
		return;
	}
	c->len += (size_t)r;
	c->line[c->len] = 0;
	char *nl = memchr(c->line, '\n', c->len);
	if (!nl) {
		if (c->len < sizeof c->line - 1) {
			timer_in(l, &c->idle, CTL_IDLE_MS);   /* progress: wait for the rest */
			return;
		}
		/* CTL_MAX_LINE - 1 bytes and no newline: over the bound */
		static const char msg[] = "error: command too long\n";
		stats.ctl_too_long++;
		log_ratelimited(L_WARNING, "ctl_long", "control socket: command line over %d bytes: refused",
		                CTL_MAX_LINE - 1);
		conn_answer(c, msg, sizeof msg - 1, NULL);
		return;
	}
	*nl = 0;
	if (strlen(c->line) != (size_t)(nl - c->line)) {
		static const char msg[] = "error: NUL byte in the command\n";
		stats.ctl_too_long++;
		log_ratelimited(L_WARNING, "ctl_nul", "control socket: NUL byte in a command line: refused");
		conn_answer(c, msg, sizeof msg - 1, NULL);
		return;
	}
	run_line(c);
}

static void listener_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		if (nconns >= CTL_MAX_CONNS) {
			stats.ctl_busy++;
			log_ratelimited(L_WARNING, "ctl_busy", "control socket: %u connections open: one more refused",
			                nconns);
			close(cfd);
			continue;
		}
		struct ctl_conn *c = calloc(1, sizeof *c);
		if (!c || loop_add_fd(l, cfd, EPOLLIN, conn_event, c) < 0) {
			free(c);
			close(cfd);
			continue;
		}
		nconns++;
		c->ls = arg;
		c->l = l;
		c->fd = cfd;
		timer_init(&c->idle, on_idle, c);
		timer_in(l, &c->idle, CTL_IDLE_MS);
	}
}

int ctlsock_open(struct loop *l, const char *path, const char *group, ctl_handler h, void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_listener *ls;
	struct group *gr = group ? getgrnam(group) : NULL;
	char dir[sizeof sa.sun_path];
	int fd;

	if (strlen(path) >= sizeof sa.sun_path)
		return -1;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		/* 0755 whatever the umask (a unit's UMask=077 made it 0700,
		 * and the socket's group access useless), as RuntimeDirectoryMode= */
		if (mkdir(dir, 0755) == 0) {
			if (chmod(dir, 0755) < 0)
				log_warn("chmod %s: %s", dir, strerror(errno));
			if (gr && chown(dir, 0, gr->gr_gid) < 0)
				log_warn("chown %s: %s", dir, strerror(errno));
		}
	}
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		/* e.g. a unit whose RestrictAddressFamilies= has no AF_UNIX */
		log_error("control socket %s: %s", path, strerror(errno));
		return -1;
	}
	mode_t old = umask(0117);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r < 0 || listen(fd, 16) < 0) {
		log_error("control socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (gr && chown(path, 0, gr->gr_gid) < 0)
		log_warn("chown %s: %s", path, strerror(errno));
	chmod(path, 0660);
	static struct ctl_listener listener;   /* one control socket per process */
	ls = &listener;
	if (loop_add_fd(l, fd, EPOLLIN, listener_readable, ls) < 0) {
		close(fd);
		return -1;
	}
	ls->h = h;
	ls->arg = arg;
	return fd;
}

int ctlsock_request(const char *path, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || strlen(path) >= sizeof sa.sun_path)
		return -1;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)r, stdout);
	close(fd);
	return 0;
}

#include <errno.h>
#include <fcntl.h>
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
struct ctl_conn { struct ctl_listener *ls; char line[CTL_MAX_LINE]; size_t len; };

void ctl_printf(struct ctlbuf *b, const char *fmt, ...)
{
	va_list ap;
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
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void write_all(int fd, const char *p, size_t len)
{
	/* the peer is a local admin tool: a blocking write with a timeout is fine */
	int fl = fcntl(fd, F_GETFL);
	struct timeval tv = { 2, 0 };
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		p += w;
		len -= (size_t)w;
	}
}

static void conn_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct ctl_conn *c = arg;
	ssize_t r = read(fd, c->line + c->len, sizeof c->line - 1 - c->len);
	char *nl;
	if (r <= 0 && !(r < 0 && errno == EAGAIN))
		goto done;
	if (r > 0)
		c->len += (size_t)r;
	c->line[c->len] = 0;
	nl = strchr(c->line, '\n');
	if (!nl && c->len < sizeof c->line - 1)
		return;   /* wait for the rest */
	if (nl)
		*nl = 0;
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
		if (out.oom)
			write_all(fd, "error: out of memory\n", 21);
		else if (out.p)
			write_all(fd, out.p, out.len);
		free(out.p);
	}
done:
	loop_del_fd(l, fd);
	close(fd);
	free(c);
}

static void listener_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0)
			return;
		struct ctl_conn *c = calloc(1, sizeof *c);
		if (!c || loop_add_fd(l, cfd, EPOLLIN, conn_readable, c) < 0) {
			free(c);
			close(cfd);
			continue;
		}
		c->ls = arg;
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

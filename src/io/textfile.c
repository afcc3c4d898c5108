/* The Prometheus textfile collector (textfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/log.h"
#include "io/textfile.h"

int textfile_open(struct textfile *t, const char *dir, const char *name)
{
	memset(t, 0, sizeof *t);
	t->dirfd = -1;
	if (strlen(name) >= sizeof t->name || strchr(name, '/')) {
		log_error("textfile name %s: not a plain file name", name);
		return -1;
	}
	snprintf(t->name, sizeof t->name, "%s", name);
	snprintf(t->tmp, sizeof t->tmp, ".%s.tmp", name);
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		log_error("textfile directory %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int textfile_write(struct textfile *t)
{
	char *argv[] = { "stats", "--prometheus" };
	struct ctlbuf b = { 0 };
	int fd, e = 0;

	t->h(t->arg, 2, argv, &b);
	if (b.oom || !b.p) {
		free(b.p);
		errno = ENOMEM;
		return -1;
	}
	fd = openat(t->dirfd, t->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		goto out;
	}
	/* 0644 whatever the umask: node_exporter runs as another user */
	if (fchmod(fd, 0644) < 0)
		e = errno;
	for (size_t off = 0; !e && off < b.len;) {
		ssize_t n = write(fd, b.p + off, b.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && !e)
		e = errno;
	if (!e && renameat(t->dirfd, t->tmp, t->dirfd, t->name) < 0)
		e = errno;
	if (e)
		unlinkat(t->dirfd, t->tmp, 0);
out:
	free(b.p);
	errno = e;
	return e ? -1 : 0;
}

static void on_timer(struct loop *l, struct timer *tm)
{
	struct textfile *t = tm->arg;
	if (textfile_write(t) == 0)
		(*t->ok)++;
	else {
		t->err = errno;
		(*t->failed)++;
		log_ratelimited(L_WARNING, "textfile", "textfile %s: %s", t->name, strerror(t->err));
	}
	timer_in(l, tm, (uint64_t)t->interval_s * 1000);
}

int textfile_start(struct textfile *t, struct loop *l, unsigned interval_s, ctl_handler h, void *arg,
                   uint64_t *ok, uint64_t *failed)
{
	t->loop = l;
	t->interval_s = interval_s ? interval_s : 1;
	t->h = h;
	t->arg = arg;
	t->ok = ok;
	t->failed = failed;
	timer_init(&t->timer, on_timer, t);
	uint64_t before = *failed;
	on_timer(l, &t->timer);
	if (*failed != before) {
		log_error("textfile %s: cannot be written (%s): the directory must be writable by the daemon's user",
		          t->name, strerror(t->err));
		return -1;
	}
	return 0;
}

void textfile_close(struct textfile *t)
{
	if (t->dirfd >= 0) {
		if (t->loop)
			timer_cancel(t->loop, &t->timer);
		close(t->dirfd);
	}
	t->dirfd = -1;
}

/* The Prometheus textfile collector (node_exporter
 * --collector.textfile.directory): every interval the daemon asks its own
 * control handler for `stats --prometheus` (the same text pqconnect-ctl
 * prints) and replaces DIR/NAME atomically: a temporary file in the same
 * directory (.NAME.tmp, which node_exporter ignores: it reads *.prom
 * only), mode 0644, then rename.  A reader sees the old file or the new
 * one, never a part.
 *
 * The directory is opened at start-up (as root) but written by the
 * unprivileged, confined daemon: it must be writable by the daemon's user
 * (openat, fchmod, renameat, unlinkat are in its seccomp allow-list). */
#ifndef PQC_TEXTFILE_H
#define PQC_TEXTFILE_H
#include <stdint.h>
#include "io/ctlsock.h"
#include "io/loop.h"

#define TEXTFILE_INTERVAL_DEFAULT 15    /* seconds */
#define TEXTFILE_INTERVAL_MAX 3600

struct textfile {
	int dirfd;                      /* -1: no textfile */
	char name[64], tmp[72];
	unsigned interval_s;
	ctl_handler h;
	void *arg;
	uint64_t *ok, *failed;          /* the daemon's counters */
	int err;                        /* errno of the last failure */
	struct timer timer;
	struct loop *loop;
};

/* Open dir (must be a directory): 0, or -1 with a log line. */
int textfile_open(struct textfile *t, const char *dir, const char *name);
/* Write once now, then every interval_s seconds.  0 if the first write
 * worked, -1 (logged) if not (the timer runs on anyway). */
int textfile_start(struct textfile *t, struct loop *l, unsigned interval_s, ctl_handler h, void *arg,
                   uint64_t *ok, uint64_t *failed);
/* One atomic replacement.  0 / -1 (errno). */
int textfile_write(struct textfile *t);
void textfile_close(struct textfile *t);
#endif

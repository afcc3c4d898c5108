/* The control socket: a Unix stream socket (mode 0660, group pqconnect)
 * where pqconnect-ctl sends one command line and reads the answer until the
 * daemon closes the connection.  The daemon's handler fills a buffer.
 *
 * The event loop never blocks on it (issue 13 item 6): connections are
 * non-blocking, the answer is written as the client reads it, and a client
 * that does not send its line or does not read its answer within
 * CTL_IDLE_MS (of no progress) is dropped.  Bounds: a command line is at
 * most CTL_MAX_LINE - 1 bytes with its newline (longer: "error: command
 * too long", no command run); an answer at most CTL_MAX_ANSWER bytes;
 * at most CTL_MAX_CONNS connections at once. */
#ifndef PQC_CTLSOCK_H
#define PQC_CTLSOCK_H
#include <stddef.h>
#include <stdint.h>
#include "io/loop.h"

#define CTL_SERVER_PATH "/run/pqconnect/server.sock"
#define CTL_CLIENT_PATH "/run/pqconnect/client.sock"
#define CTL_MAX_LINE 512
#define CTL_MAX_ANSWER (16u << 20)
#define CTL_MAX_CONNS 32
#define CTL_IDLE_MS 2000

/* Counters of the control socket (this process). */
struct ctlsock_stats {
	uint64_t ctl_too_long;      /* command lines over the bound, or with a NUL byte */
	uint64_t ctl_slow;          /* connections dropped: no line, or answer not read, in time */
	uint64_t ctl_busy;          /* connections refused: CTL_MAX_CONNS open */
	uint64_t ctl_too_big;       /* answers over CTL_MAX_ANSWER (or out of memory) */
};
#define CTLSOCK_COUNTERS(X) X(ctl_too_long) X(ctl_slow) X(ctl_busy) X(ctl_too_big)
const struct ctlsock_stats *ctlsock_stats(void);

struct ctlbuf { char *p; size_t len, cap; int oom; };
void ctl_printf(struct ctlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prometheus/OpenMetrics text: a metric's HELP and TYPE lines ("counter"
 * or "gauge"), then its samples; labels is "" or `k="v",...` built with
 * ctl_label (which escapes the value). */
void ctl_metric_head(struct ctlbuf *b, const char *name, const char *type, const char *help);
void ctl_metric(struct ctlbuf *b, const char *name, const char *labels, double v);
/* Appends k="v" (v escaped) to the label list lab of cap bytes. */
void ctl_label(char *lab, size_t cap, const char *k, const char *v);

/* argv[0] is the command; argc <= 8.  Write the answer into out. */
typedef void (*ctl_handler)(void *arg, int argc, char **argv, struct ctlbuf *out);

/* Create the socket at path (removing a stale one), owned by root and group
 * `group` (if it exists), mode 0660; add it to the loop.  Returns fd or -1. */
int ctlsock_open(struct loop *l, const char *path, const char *group, ctl_handler h, void *arg);
/* Client side (pqconnect-ctl): send line, copy the answer to stdout.
 * Returns 0, or -1 if the daemon could not be reached. */
int ctlsock_request(const char *path, const char *line);
#endif

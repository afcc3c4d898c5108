/* The control socket: a Unix stream socket (mode 0660, group pqconnect)
 * where pqconnect-ctl sends one command line and reads the answer until the
 * daemon closes the connection.  The daemon's handler fills a buffer. */
#ifndef PQC_CTLSOCK_H
#define PQC_CTLSOCK_H
#include <stddef.h>
#include "io/loop.h"

#define CTL_SERVER_PATH "/run/pqconnect/server.sock"
#define CTL_CLIENT_PATH "/run/pqconnect/client.sock"
#define CTL_MAX_LINE 512

struct ctlbuf { char *p; size_t len, cap; int oom; };
void ctl_printf(struct ctlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* argv[0] is the command; argc <= 8.  Write the answer into out. */
typedef void (*ctl_handler)(void *arg, int argc, char **argv, struct ctlbuf *out);

/* Create the socket at path (removing a stale one), owned by root and group
 * `group` (if it exists), mode 0660; add it to the loop.  Returns fd or -1. */
int ctlsock_open(struct loop *l, const char *path, const char *group, ctl_handler h, void *arg);
/* Client side (pqconnect-ctl): send line, copy the answer to stdout.
 * Returns 0, or -1 if the daemon could not be reached. */
int ctlsock_request(const char *path, const char *line);
#endif

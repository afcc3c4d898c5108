/* The client's control commands, parsed from the words the control socket
 * split a line into (pure: no I/O, no allocation).
 *   show [--json] | stats [--json] | info PEER | kick PEER | forget PEER
 *   | reload | ping
 * PEER: a static peer's name, a pq1 hash (or a unique prefix of at least 4
 * characters), an internal or an external address. */
#ifndef PQC_CTLCMD_H
#define PQC_CTLCMD_H
#include <stddef.h>

enum ctl_cmd { CMD_SHOW, CMD_STATS, CMD_INFO, CMD_KICK, CMD_FORGET, CMD_RELOAD, CMD_PING };

#define CTL_PEER_MAX 64

struct ctlcmd {
	enum ctl_cmd cmd;
	int json;
	const char *peer;   /* points into argv; NULL if the command takes none */
};

/* 0, or -1 with a one-line reason in err (always NUL-terminated). */
int ctlcmd_parse(int argc, char *const *argv, struct ctlcmd *out, char *err, size_t errcap);
#endif

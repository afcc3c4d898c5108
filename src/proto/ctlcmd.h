/* The control commands of both daemons (pqconnect-ctl), one table, parsed
 * from the words the control socket split a line into (pure: no I/O, no
 * allocation).
 *   show [--json] | stats [--json | --prometheus] | info PEER | kick PEER (client only)
 *   | forget PEER | reload | ping
 * PEER on the client: a static peer's name, a pq1 hash (or a unique prefix
 * of at least 4 characters), an internal or an external address; on the
 * server: a tunnel id prefix (hex), the internal address, the endpoint. */
#ifndef PQC_CTLCMD_H
#define PQC_CTLCMD_H
#include <stddef.h>

enum ctl_cmd { CMD_SHOW, CMD_STATS, CMD_INFO, CMD_KICK, CMD_FORGET, CMD_RELOAD, CMD_PING };
/* who asks: a command the role does not have is an unknown command */
enum ctl_role { CTL_CLIENT = 1, CTL_SERVER = 2 };

#define CTL_PEER_MAX 64

struct ctlcmd {
	enum ctl_cmd cmd;
	int json;
	int prometheus;     /* stats in the Prometheus/OpenMetrics text format */
	const char *peer;   /* points into argv; NULL if the command takes none */
};

/* 0, or -1 with a one-line reason in err (always NUL-terminated). */
int ctlcmd_parse(enum ctl_role role, int argc, char *const *argv, struct ctlcmd *out, char *err, size_t errcap);
#endif

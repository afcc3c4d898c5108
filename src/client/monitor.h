/* The client's root half (see monitor.c): it takes its own small
 * configuration, not the worker's state. */
#ifndef PQC_CLIENT_MONITOR_H
#define PQC_CLIENT_MONITOR_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "client/peersfile.h"

struct monitor_config {
	pid_t worker;                   /* the unprivileged half */
	int sock;                       /* the channel to it (privmsg.h) */
	int proxy_mode;                 /* --dns-proxy: no queue, no rules */
	uint16_t queue_num;
	uint16_t port;                  /* the client's UDP port (for the log) */
	const char *ifname;             /* for the hooks' environment */
	uint32_t tun_addr;
	struct peersfile *pf;           /* the peers file as read at start, or NULL */
	const char *pf_path;
};
/* Runs until the worker dies or a signal stops it; the exit status. */
int monitor_run(const struct monitor_config *cfg);
/* Read a peers file: 0 and a malloc'd *text (NULL, *len 0 if the file does
 * not exist), or -1 (errno). */
int peersfile_read(const char *path, char **text, size_t *len);
#endif

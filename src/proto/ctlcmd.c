/* Control command parsing: see ctlcmd.h. */
#include <stdio.h>
#include <string.h>
#include "proto/ctlcmd.h"

#define BOTH (CTL_CLIENT | CTL_SERVER)
static const struct {
	const char *name;
	enum ctl_cmd cmd;
	int takes_peer, takes_json;     /* takes_json 2: --prometheus too */
	int roles;
} table[] = {
	{ "show", CMD_SHOW, 0, 1, BOTH },    { "stats", CMD_STATS, 0, 2, BOTH },
	{ "info", CMD_INFO, 1, 0, BOTH },    { "kick", CMD_KICK, 1, 0, CTL_CLIENT },
	{ "forget", CMD_FORGET, 1, 0, BOTH }, { "reload", CMD_RELOAD, 0, 0, BOTH },
	{ "ping", CMD_PING, 0, 0, BOTH },
};

static int peer_ok(const char *s)
{
	size_t n = strnlen(s, CTL_PEER_MAX + 1);
	if (n == 0 || n > CTL_PEER_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

int ctlcmd_parse(enum ctl_role role, int argc, char *const *argv, struct ctlcmd *out, char *err, size_t errcap)
{
	if (errcap)
		err[0] = 0;
	memset(out, 0, sizeof *out);
	if (argc < 1 || !argv[0]) {
		snprintf(err, errcap, "empty command");
		return -1;
	}
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(argv[0], table[i].name) || !(table[i].roles & (int)role))
			continue;
		out->cmd = table[i].cmd;
		int k = 1;
		if (table[i].takes_peer) {
			if (argc < 2 || !peer_ok(argv[1])) {
				snprintf(err, errcap, "usage: %s PEER (name, pq1 hash or prefix, address)", table[i].name);
				return -1;
			}
			out->peer = argv[1];
			k = 2;
		}
		for (; k < argc; k++) {
			if (table[i].takes_json && !strcmp(argv[k], "--json") && !out->json && !out->prometheus)
				out->json = 1;
			else if (table[i].takes_json == 2 && !strcmp(argv[k], "--prometheus") && !out->json &&
			         !out->prometheus)
				out->prometheus = 1;
			else {
				snprintf(err, errcap, "%s: unexpected argument", table[i].name);
				return -1;
			}
		}
		return 0;
	}
	snprintf(err, errcap, "unknown command %.32s (show, stats, info PEER,%s forget PEER, reload, ping)", argv[0],
	         role == CTL_CLIENT ? " kick PEER," : "");
	return -1;
}

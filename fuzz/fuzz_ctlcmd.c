/* The control command parser of both daemons: the input is split into words as
 * the control socket does (spaces, tabs, CR; at most 8); whatever parses
 * must be a known command with a peer exactly when the command takes one. */
#include <string.h>

#include "fuzz.h"
#include "proto/ctlcmd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512], *argv[8], *save = NULL, err[128];
	struct ctlcmd c;
	int argc = 0;

	if (size >= sizeof line)
		size = sizeof line - 1;
	memcpy(line, data, size);
	line[size] = 0;
	for (char *t = strtok_r(line, " \t\r", &save); t && argc < 8; t = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = t;
	enum ctl_role role = size && (data[0] & 1) ? CTL_SERVER : CTL_CLIENT;
	if (ctlcmd_parse(role, argc, argv, &c, err, sizeof err) != 0) {
		FUZZ_ASSERT(err[0] != 0);
		return 0;
	}
	FUZZ_ASSERT(role == CTL_CLIENT || c.cmd != CMD_KICK);
	int takes_peer = c.cmd == CMD_INFO || c.cmd == CMD_KICK || c.cmd == CMD_FORGET;
	FUZZ_ASSERT(takes_peer == (c.peer != NULL));
	if (c.peer)
		FUZZ_ASSERT(strlen(c.peer) >= 1 && strlen(c.peer) <= CTL_PEER_MAX);
	FUZZ_ASSERT(!c.json || c.cmd == CMD_SHOW || c.cmd == CMD_STATS);
	return 0;
}

/* pqconnect-ctl: talk to the control socket of pqconnect and
 * pqconnect-server, as `wg show` does for WireGuard. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "io/ctlsock.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pqconnect-ctl [--server | --client | -s SOCKET] COMMAND [ARGS] [--json]\n"
	        "commands:\n"
	        "  show [--json]     every tunnel: peer, endpoint, internal address, age, epoch,\n"
	        "                    packets and bytes each way, last handshake, last packet\n"
	        "  info PEER         key=value statistics of one peer (TID prefix, address or endpoint)\n"
	        "  stats [--json | --prometheus]\n"
	        "                    global counters, including every kind of dropped packet;\n"
	        "                    --prometheus: with per-peer series, in the Prometheus text format\n"
	        "  kick PEER         (client) make a fresh handshake now\n"
	        "  forget PEER       end the tunnel and erase its keys\n"
	        "  reload            re-read the configuration without dropping tunnels\n"
	        "  ping              check that the daemon answers\n"
	        "options:\n"
	        "  --server          the server's socket (" CTL_SERVER_PATH ")\n"
	        "  --client          the client's socket (" CTL_CLIENT_PATH ")\n"
	        "  -s, --socket PATH another control socket\n"
	        "  --version, -h/--help\n"
	        "Without --server/--client the command goes to every daemon that runs.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "server", 0, 0, 'S' }, { "client", 0, 0, 'C' },
	                                      { "socket", 1, 0, 's' }, { "help", 0, 0, 'h' },
	                                      { "version", 0, 0, 'V' }, { 0, 0, 0, 0 } };
	const char *paths[2] = { NULL, NULL };
	char line[CTL_MAX_LINE] = "";
	int c, n = 0, ok = 0;

	while ((c = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': paths[n < 2 ? n++ : 1] = CTL_SERVER_PATH; break;
		case 'C': paths[n < 2 ? n++ : 1] = CTL_CLIENT_PATH; break;
		case 's': paths[n < 2 ? n++ : 1] = optarg; break;
		case 'V': printf("pqconnect-ctl (pqconnect-c) %s\n", PQC_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (strlen(line) + strlen(argv[i]) + 2 >= sizeof line) {
			fprintf(stderr, "pqconnect-ctl: command too long\n");
			return 2;
		}
		if (i > optind)
			strcat(line, " ");
		strcat(line, argv[i]);
	}
	if (n == 0) {
		paths[0] = CTL_CLIENT_PATH;
		paths[1] = CTL_SERVER_PATH;
		n = 2;
	}
	for (int i = 0; i < n; i++) {
		if (n == 2 && !paths[1])
			break;
		if (access(paths[i], F_OK) < 0 && n == 2 && !strcmp(paths[0], CTL_CLIENT_PATH))
			continue;
		if (ctlsock_request(paths[i], line) == 0)
			ok = 1;
		else if (n == 1)
			perror(paths[i]);
	}
	if (!ok) {
		fprintf(stderr, "pqconnect-ctl: no daemon answered (is pqconnect or pqconnect-server running?)\n");
		return 1;
	}
	return 0;
}

/* pqconnect: the client daemon.  Creates the TUN device and the tunnel
 * socket, intercepts DNS answers (netfilter queue, or the --dns-proxy
 * resolver), and runs everything in one event loop until SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include "client/client.h"
#include "io/log.h"
#include "io/rules.h"
#include "io/tun.h"

struct client client;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pqconnect [options]\n"
	        "  -p, --port PORT             client UDP port (default 42423)\n"
	        "  -a, --addr ADDR             TUN address (default 10.43.0.1)\n"
	        "  -m, --mask BITS             TUN prefix length, 8..24 (default 16)\n"
	        "  -i, --interface-name NAME   TUN name (default pqccli0)\n"
	        "  -H, --host-ip ADDR          destination address of decrypted packets\n"
	        "      --dns-proxy ADDR[:PORT] run a DNS proxy instead of the netfilter queue\n"
	        "      --queue-num N           netfilter queue number (default 0)\n"
	        "      --pid-file PATH         (default /run/pqconnect.pid)\n"
	        "      --key-cache DIR         (default /var/lib/pqconnect/keys)\n"
	        "  -v, -vv                     debug / trace logging\n"
	        "      --version, -h/--help\n");
}

static int parse_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* Refuse to run twice; remove a stale file.  0 / -1. */
static int pidfile_claim(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		long pid = 0;
		if (n > 0) {
			buf[n] = 0;
			pid = strtol(buf, NULL, 10);
		}
		if (pid > 0 && pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			fprintf(stderr, "pqconnect is already running (pid %ld, %s)\n", pid, path);
			return -1;
		}
		unlink(path);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
			log_info("Received signal %u, exiting", si.ssi_signo);
			loop_stop(l);
		}
	}
}

static void log_counters(void)
{
	const struct counters *c = &client.cnt;
#define C(f) log_info("counter %-18s %llu", #f, (unsigned long long)c->f)
	C(tun_not_ipv4); C(tun_no_peer); C(tun_no_tunnel); C(tun_seal_fail); C(tun_write_fail);
	C(rx_not_tunnel); C(rx_handshake_fail); C(rx_unknown_tid); C(rx_open_fail); C(rx_bad_inner);
	C(rx_keepalive); C(rx_probe); C(key_stray); C(key_bad_node); C(dns_unparsable);
	C(dns_failopen); C(dns_rewritten); C(dns_canary); C(proxy_drop); C(connect_ok); C(connect_fail);
#undef C
	if (client.nfq)
		log_info("counter %-18s %llu", "nfq_losses", (unsigned long long)nfqueue_losses(client.nfq));
}

enum { OPT_DNS_PROXY = 1000, OPT_QUEUE_NUM, OPT_VERSION, OPT_PIDFILE, OPT_KEYCACHE };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "mask", required_argument, NULL, 'm' },
		{ "interface-name", required_argument, NULL, 'i' },
		{ "host-ip", required_argument, NULL, 'H' },
		{ "dns-proxy", required_argument, NULL, OPT_DNS_PROXY },
		{ "queue-num", required_argument, NULL, OPT_QUEUE_NUM },
		{ "pid-file", required_argument, NULL, OPT_PIDFILE },
		{ "key-cache", required_argument, NULL, OPT_KEYCACHE },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client *c = &client;
	int verbose = 0, opt, rc = 1;
	long v;

	c->port = 42423;
	c->tun_addr = 0x0a2b0001;
	c->maskbits = 16;
	snprintf(c->ifname, sizeof c->ifname, "pqccli0");
	c->keydir = "/var/lib/pqconnect/keys";
	c->pidfile = "/run/pqconnect.pid";
	c->tunfd = c->udpfd = c->sigfd = -1;

	while ((opt = getopt_long(argc, argv, "p:a:m:i:H:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (parse_num(optarg, 0, 65535, &v) < 0)
				goto bad;
			c->port = (uint16_t)v;
			break;
		case 'a':
			if (parse_ip4(optarg, &c->tun_addr) < 0)
				goto bad;
			break;
		case 'm':
			if (parse_num(optarg, 8, 24, &v) < 0)
				goto bad;
			c->maskbits = (int)v;
			break;
		case 'i':
			if (strlen(optarg) == 0 || strlen(optarg) >= sizeof c->ifname)
				goto bad;
			snprintf(c->ifname, sizeof c->ifname, "%s", optarg);
			break;
		case 'H':
			if (parse_ip4(optarg, &c->host_ip) < 0)
				goto bad;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_DNS_PROXY:
			if (strlen(optarg) >= sizeof c->proxy_spec)
				goto bad;
			snprintf(c->proxy_spec, sizeof c->proxy_spec, "%s", optarg);
			c->proxy_mode = 1;
			break;
		case OPT_QUEUE_NUM:
			if (parse_num(optarg, 0, 65535, &v) < 0)
				goto bad;
			c->queue_num = (uint16_t)v;
			break;
		case OPT_PIDFILE:
			c->pidfile = optarg;
			break;
		case OPT_KEYCACHE:
			c->keydir = optarg;
			break;
		case OPT_VERSION:
			printf("pqconnect %s\n", PQC_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;
	if (c->port == 42424) {
		/* a reference server loses peers whose initiation came from 42424 (§7.4 step 11) */
		fprintf(stderr, "pqconnect: client port 42424 is not allowed\n");
		return 2;
	}
	log_set_level(verbose >= 2 ? L_TRACE : verbose ? L_DEBUG : L_INFO);
	if (getuid() != 0 && geteuid() != 0) {
		fprintf(stderr, "pqconnect must be run as root\n");
		return 1;
	}
	if (crypto_init() != 0) {
		fprintf(stderr, "crypto initialisation failed\n");
		return 1;
	}
	if (pidfile_claim(c->pidfile) < 0)
		return 1;
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	log_info("Starting PQConnect client");

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	if (loop_init(&c->loop) < 0)
		goto out_pid;
	c->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->sigfd < 0 || loop_add_fd(&c->loop, c->sigfd, EPOLLIN, on_signal, NULL) < 0) {
		log_error("signalfd: %s", strerror(errno));
		goto out_loop;
	}

	c->tunfd = tun_open(c->ifname, &c->tun_addr, c->maskbits, TUN_MTU);
	if (c->tunfd < 0) {
		log_error("cannot create TUN device %s", c->ifname);
		goto out_loop;
	}
	log_info("TUN device %s: %s/%d", c->ifname, ip4_str(c->tun_addr), c->maskbits);
	if (peers_init() < 0)
		goto out_tun;
	c->udpfd = udp_bind4(0, c->port);
	if (c->udpfd < 0) {
		log_error("cannot bind UDP port %u: %s", c->port, strerror(errno));
		goto out_peers;
	}
	c->tx->fd = c->udpfd;
	if (loop_add_fd(&c->loop, c->tunfd, EPOLLIN, on_tun_readable, NULL) < 0 ||
	    loop_add_fd(&c->loop, c->udpfd, EPOLLIN, on_udp_readable, NULL) < 0)
		goto out_udp;

	if (c->proxy_mode) {
		if (dnsproxy_start(c->proxy_spec) < 0)
			goto out_udp;
	} else {
		rules_cleanup();
		c->nfq = nfqueue_open(&c->loop, c->queue_num, intercept_on_packet, NULL);
		if (!c->nfq)
			goto out_udp;
		if (rules_install(c->queue_num) == RULES_NONE)
			goto out_nfq;
	}
	log_info("Listening on port %u", c->port);

	loop_run(&c->loop);
	rc = 0;

	if (!c->proxy_mode)
		rules_remove();
	held_release_all();
out_nfq:
	if (c->nfq) {
		if (rc != 0)
			rules_remove();
		log_counters();
		nfqueue_close(c->nfq, &c->loop);
		c->nfq = NULL;
	} else if (rc == 0)
		log_counters();
	if (c->proxy_mode)
		dnsproxy_stop();
out_udp:
	if (c->udpfd >= 0)
		close(c->udpfd);
out_peers:
	peers_shutdown();
out_tun:
	close(c->tunfd);
out_loop:
	if (c->sigfd >= 0)
		close(c->sigfd);
	loop_free(&c->loop);
out_pid:
	unlink(c->pidfile);
	return rc;
bad:
	usage(stderr);
	return 2;
}

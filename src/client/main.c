/* pqconnect: the client daemon.
 *
 * Start-up as root: options, pid file, the static peers file, the TUN
 * device, the tunnel socket, the key cache directory (handed to the
 * unprivileged user), then fork:
 *   parent  = monitor (monitor.c): the netfilter queue, the rules, hooks;
 *   child   = worker: opens the control socket and (--dns-proxy) the proxy
 *             sockets, drops to user pqconnect (no capabilities, empty
 *             bounding set, no_new_privs), installs the seccomp filter and
 *             runs everything else in one event loop until SIGINT/SIGTERM. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "client/client.h"
#include "client/connect.h"
#include "client/control.h"
#include "client/datapath.h"
#include "client/dnsproxy.h"
#include "client/intercept.h"
#include "client/lifecycle.h"
#include "client/serverfeat.h"
#include "client/monitor.h"
#include "client/ping.h"
#include "client/session.h"
#include "client/staticpeers.h"
#include "client/worker.h"
#include "io/ctlsock.h"
#include "io/keyfiles.h"
#include "io/log.h"
#include "io/privsep.h"
#include "io/textfile.h"
#include "common.h"
#include "io/tun.h"
#include "proto/ipv6.h"

struct client client;

/* Every option error names the option and the value; exit status 2. */
#define bad_option(...) option_error("pqconnect", __VA_ARGS__)

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pqconnect [options]\n"
	        "  -p, --port PORT             client UDP port (default 42423)\n"
	        "  -a, --addr ADDR             TUN address (default 10.43.0.1)\n"
	        "  -m, --mask BITS             TUN prefix length, 8..24 (default 16)\n"
	        "  -i, --interface-name NAME   TUN name (default pqccli0)\n"
	        "  -H, --host-ip ADDR          destination address of decrypted packets\n"
	        "      --inner6-prefix P       ULA /64 for inner IPv6 (default fd43::): a server that\n"
	        "                              carries it is P::<host number of its 10.43.x.y>\n"
	        "      --no-inner6             no inner IPv6: AAAA records of announced names removed\n"
	        "      --dns-proxy ADDR[:PORT] run a DNS proxy instead of the netfilter queue\n"
	        "      --no-offload            no TUN/UDP segmentation offloads\n"
	        "      --mtu N                 TUN MTU, 576..1992 (default 1200)\n"
	        "      --queue-num N           netfilter queue number (default 0)\n"
	        "      --peers FILE            static peers (default " PF_DEFAULT_PATH " if present)\n"
	        "      --control PATH          control socket (default " CTL_CLIENT_PATH ")\n"
	        "      --prometheus-textfile DIR  rewrite DIR/pqconnect-client.prom (pqconnect-ctl\n"
	        "                              stats --prometheus) atomically; DIR writable by USER\n"
	        "      --prometheus-interval N seconds between rewrites, 1..3600 (default 15)\n"
	        "      --user USER             the worker's user (default " PQC_CLIENT_USER ")\n"
	        "      --allow-root            if USER does not exist, the worker stays uid 0 (still\n"
	        "                              without capabilities); without it the client refuses to start\n"
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

/* The key cache directory belongs to the worker's user, mode 0700 (its
 * parents are created 0755 if missing); files an earlier root-run client
 * left there are handed over too.  Done as root before the fork. */
/* An entry a key cache may hold: a key file (52 base32 characters), the
 * state file, or a temporary file of either (".NAME.tmp.PID"). */
static int keycache_entry(const char *n)
{
	size_t l = strlen(n);
	if (!strcmp(n, "sessions"))
		return 1;
	if (n[0] == '.' && strstr(n, ".tmp."))
		return 1;
	if (l != 52)
		return 0;
	for (size_t i = 0; i < l; i++)
		if (!strchr("0123456789bcdfghjklmnpqrstuvwxyz", n[i]))
			return 0;
	return 1;
}

/* 0, or -1 (logged): the key cache exists and is the worker's (with --user
 * a user that does not exist, nothing is handed over). */
static int keydir_prepare(const char *dir, const char *user)
{
	struct passwd *pw = getpwnam(user);
	char tmp[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof tmp) {
		log_error("key cache %s: path empty or too long", dir);
		return -1;
	}
	memcpy(tmp, dir, n + 1);
	for (char *s = tmp + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(tmp, 0755);
			*s = '/';
		}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("key cache %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!pw)
		return 0;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == EACCES) {
		/* a root without CAP_DAC_OVERRIDE (Debian's unit): the directory is
		 * someone else's already (systemd's StateDirectory= made it the
		 * worker's), nothing of it can be given or taken */
		log_debug("key cache %s: not readable by root here: left as it is", dir);
		return 0;
	}
	if (dfd < 0) {
		log_error("key cache %s: %s", dir, strerror(errno));
		return -1;
	}
	struct stat seen;
	if (lstat(dir, &seen) < 0 ||
	    (seen.st_uid != pw->pw_uid && !keydir_ours_to_give(dfd, dir, &seen, keycache_entry, "key cache"))) {
		close(dfd);
		return -1;
	}
	if (fchown(dfd, pw->pw_uid, pw->pw_gid) < 0 || fchmod(dfd, 0700) < 0)
		log_warn("key cache %s: %s", dir, strerror(errno));
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	/* The worker can write this directory, so root trusts none of its
	 * names: each entry is opened without following links and changed
	 * through that descriptor only if it is a regular file with one link
	 * (a hard link to a file elsewhere, e.g. /etc/shadow, has two). */
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		struct stat st;
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1)
			log_warn("key cache %s/%s: not a regular file with one link: left as it is", dir, e->d_name);
		else if ((st.st_uid != pw->pw_uid || st.st_gid != pw->pw_gid) && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
			log_warn("key cache %s/%s: %s", dir, e->d_name, strerror(errno));
		close(fd);
	}
	closedir(d);
	return 0;
}

/* -------------------------------------------------------------- worker -- */

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
			log_info("worker: signal %u, exiting", si.ssi_signo);
			loop_stop(l);
		}
	}
}

static void log_counters(void)
{
	const struct counters *c = &client.cnt;
#define C(f) log_info("counter %-18s %llu", #f, (unsigned long long)c->f);
	CLIENT_COUNTERS(C)
#undef C
}

/* System calls the worker needs beyond privsep_seccomp's event-loop set:
 * sockets for key fetches and TXT lookups, and the key cache files. */
static const int worker_syscalls[] = {
	SYS_connect, SYS_bind, SYS_setsockopt, SYS_getsockname, SYS_getpeername, SYS_shutdown,
	SYS_openat, SYS_renameat, SYS_unlinkat, SYS_mkdirat, SYS_fsync, SYS_fdatasync, SYS_fchmod,
	SYS_ftruncate, SYS_utimensat, SYS_statx, SYS_uname, SYS_prctl,
#ifdef SYS_open
	SYS_open, SYS_rename, SYS_unlink, SYS_mkdir, SYS_stat, SYS_lstat,
#endif
#ifdef SYS_renameat2
	SYS_renameat2,
#endif
#ifdef SYS_newfstatat
	SYS_newfstatat,
#endif
	0
};
/* sockets: UDP of the Internet families only (key fetches, TXT lookups,
 * the DNS proxy, route look-ups) */
#define WORKER_SOCK_FLAGS ((unsigned long long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
static const struct privsep_argrule worker_argrules[] = {
	{ SYS_socket, 3, { { 0, 0xffffffffull, AF_INET }, { 1, 0xffffffffull & ~WORKER_SOCK_FLAGS, SOCK_DGRAM }, { 2, 0xffffffffull, 0 } } },
	{ SYS_socket, 3, { { 0, 0xffffffffull, AF_INET6 }, { 1, 0xffffffffull & ~WORKER_SOCK_FLAGS, SOCK_DGRAM }, { 2, 0xffffffffull, 0 } } },
	/* --dns-proxy only (the rules after WORKER_ARGRULES_BASE): TCP to the
	 * upstream resolvers for queries that came over TCP */
	{ SYS_socket, 3, { { 0, 0xffffffffull, AF_INET }, { 1, 0xffffffffull & ~WORKER_SOCK_FLAGS, SOCK_STREAM }, { 2, 0xffffffffull, 0 } } },
	{ SYS_socket, 3, { { 0, 0xffffffffull, AF_INET6 }, { 1, 0xffffffffull & ~WORKER_SOCK_FLAGS, SOCK_STREAM }, { 2, 0xffffffffull, 0 } } },
};
#define WORKER_ARGRULES_BASE 2

/* ------------------------------------------- the lifecycle's hooks -- */

static void on_lc_timer(struct loop *l, struct timer *t)
{
	(void)l;
	lifecycle_timer(t->arg, now_ms());
}

static int hook_attempt_start(struct peer *p) { return connect_start(p, peer_ev_attempt_done); }
static void hook_send_probe(struct peer *p, uint64_t now) { datapath_send_probe(p, now); }
static void hook_packets_release(struct peer *p, int ok) { datapath_release_waiting(p, ok, now_ms()); }
static int hook_send_claim(struct peer *p, uint64_t now)
{
	uint8_t m[SM_CLAIM_LEN];
	int r = session_claim(p, m, now);
	if (r >= 0 && datapath_send_plain(p, m, sizeof m, now) < 0)
		r = -1;
	if (r >= 0)
		client.cnt.sess_claims++;
	wipe(m, sizeof m);
	return r;
}
static void hook_arm(struct peer *p, uint64_t at) { timer_at(&client.loop, &p->lc_timer, at); }

static void hook_added(struct peer *p, uint64_t now)
{
	timer_init(&p->lc_timer, on_lc_timer, p);
	ping_start(p, now);
}

/* A peer written in the session file is leaving the table (forgotten,
 * unused, evicted): the file is written again once the removal is done, so
 * that a restart does not bring it back.  Removals in one turn of the loop
 * share one write. */
static void on_session_resave(struct loop *l, struct timer *t)
{
	(void)l;
	(void)t;
	session_save();
}
static struct timer session_resave = { .cb = on_session_resave, .idx = -1 };

static void hook_removing(struct peer *p)
{
	timer_cancel(&client.loop, &p->lc_timer);
	ping_stop(p);
	if (p->ext.sa.sa_family && p->have_ports && !timer_armed(&session_resave))
		timer_in(&client.loop, &session_resave, 0);
}

static const struct lifecycle_hooks hooks = {
	.attempt_start = hook_attempt_start,
	.attempt_abort = connect_abort,
	.send_probe = hook_send_probe,
	.send_keepalive = datapath_send_keepalive,
	.answers_release = held_resolve,
	.packets_release = hook_packets_release,
	.iface = worker_hook,
	.send_claim = hook_send_claim,
	.probe_reply = ping_reply,
	.arm = hook_arm,
	.added = hook_added,
	.removing = hook_removing,
	.route_check = datapath_route_check,
};

/* Secrets of the worker's own: the last packet key in this thread's EVP
 * context (crypto.h).  Per-peer secrets are erased by lifecycle.c. */
static struct timer crypto_housekeeping;
static void on_crypto_housekeeping(struct loop *l, struct timer *t)
{
	aead_forget();
	timer_in(l, t, 10000);
}

static struct textfile textfile = { .dirfd = -1 };

static int worker_main(int monfd)
{
	struct client *c = &client;
	sigset_t mask;
	int rc = 1;

	c->monfd = monfd;
	if (loop_init(&c->loop) < 0)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	c->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->sigfd < 0 || loop_add_fd(&c->loop, c->sigfd, EPOLLIN, on_signal, NULL) < 0) {
		log_error("signalfd: %s", strerror(errno));
		goto out;
	}
	lifecycle_set_hooks(&hooks);
	timer_init(&crypto_housekeeping, on_crypto_housekeeping, NULL);
	timer_in(&c->loop, &crypto_housekeeping, 10000);
	if (peertable_init(c->tun_addr, c->maskbits) < 0 || datapath_init() < 0)
		goto out_peers;
	log_info("offloads: TUN %s, UDP GRO %s, UDP GSO %s", c->tio.vnet ? "on" : "off",
	         c->rx->gro ? "on" : "off", c->tx->gso ? "tried" : "off");
	if (loop_add_fd(&c->loop, c->tunfd, EPOLLIN, on_tun_readable, NULL) < 0 ||
	    loop_add_fd(&c->loop, c->udpfd, EPOLLIN, on_udp_readable, NULL) < 0 ||
	    worker_channel_open(monfd) < 0)
		goto out_peers;
	/* still root here: the socket is created root:pqconnect 0660, the
	 * listening descriptor stays with us after the drop */
	c->ctlfd = ctlsock_open(&c->loop, c->ctlpath, PQC_CTL_GROUP, client_control, NULL);
	if (c->ctlfd < 0)
		log_warn("no control socket at %s", c->ctlpath);
	if (c->proxy_mode && dnsproxy_start(c->proxy_spec) < 0)
		goto out_peers;
	/* opened as root, written by the worker's user (io/textfile.h) */
	if (c->textdir && textfile_open(&textfile, c->textdir, "pqconnect-client.prom") < 0)
		goto out_proxy;

	if (privsep_drop_user(c->user, c->allow_root) < 0)
		goto out_proxy;
	/* the credential change cleared it: set it again */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (privsep_seccomp_args(worker_syscalls, worker_argrules,
	                         c->proxy_mode ? sizeof worker_argrules / sizeof worker_argrules[0] : WORKER_ARGRULES_BASE,
	                         0) < 0)
		goto out_proxy;
	if (getppid() == 1)
		goto out_proxy;   /* the monitor died before we got here */

	if (textfile.dirfd >= 0 && textfile_start(&textfile, &c->loop, c->text_interval, client_control, NULL,
	                                          &c->cnt.textfile_ok, &c->cnt.textfile_failed) < 0)
		goto out_proxy;
	/* the file as read by root before the fork; later reloads come from the monitor */
	static_peers_use(c->pf);
	c->pf = NULL;
	/* the peers of the last run, with their addresses (applications may
	 * still hold sockets on them) */
	session_load(now_ms());
	log_info("worker ready (pid %ld)", (long)getpid());
	loop_run(&c->loop);
	rc = 0;
	session_save();
	held_release_all();
	log_counters();
out_proxy:
	textfile_close(&textfile);
	if (c->proxy_mode)
		dnsproxy_stop();
out_peers:
	lifecycle_shutdown();
	static_peers_free();
	datapath_free();
	peertable_free();
out:
	loop_free(&c->loop);
	return rc;
}

/* ---------------------------------------------------------------- main -- */

enum { OPT_DNS_PROXY = 1000, OPT_QUEUE_NUM, OPT_VERSION, OPT_PIDFILE, OPT_KEYCACHE, OPT_PEERS, OPT_CONTROL, OPT_USER, OPT_NO_OFFLOAD, OPT_MTU, OPT_ALLOW_ROOT, OPT_TEXTFILE, OPT_TEXTINTERVAL, OPT_INNER6_PREFIX, OPT_NO_INNER6 };

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
		{ "peers", required_argument, NULL, OPT_PEERS },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "user", required_argument, NULL, OPT_USER },
		{ "allow-root", no_argument, NULL, OPT_ALLOW_ROOT },
		{ "no-offload", no_argument, NULL, OPT_NO_OFFLOAD },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "prometheus-textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "prometheus-interval", required_argument, NULL, OPT_TEXTINTERVAL },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "inner6-prefix", required_argument, NULL, OPT_INNER6_PREFIX },
		{ "no-inner6", no_argument, NULL, OPT_NO_INNER6 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct client *c = &client;
	int verbose = 0, opt, rc = 1, sv[2];
	long v;
	char *pftext = NULL;
	size_t pflen = 0;

	c->port = 42423;
	c->tun_addr = 0x0a2b0001;
	c->maskbits = 16;
	snprintf(c->ifname, sizeof c->ifname, "pqccli0");
	c->keydir = "/var/lib/pqconnect/keys";
	c->pidfile = "/run/pqconnect.pid";
	c->user = PQC_CLIENT_USER;
	c->ctlpath = CTL_CLIENT_PATH;
	c->tunfd = c->udpfd = c->sigfd = c->monfd = c->ctlfd = -1;
	c->offload = 1;
	c->mtu = TUN_MTU;
	c->text_interval = TEXTFILE_INTERVAL_DEFAULT;
	c->inner6 = 1;
	ipv6_inner_prefix_parse("fd43:7071:63::", c->prefix6);

	while ((opt = getopt_long(argc, argv, "p:a:m:i:H:vh", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_NO_OFFLOAD:
			c->offload = 0;
			break;
		case OPT_MTU:
			if (parse_num(optarg, TUN_MTU_MIN, TUN_MTU_MAX, &v) < 0)
				return bad_option("--mtu", optarg, "%d..%d", TUN_MTU_MIN, TUN_MTU_MAX);
			c->mtu = (int)v;
			break;
		case 'p':
			if (parse_num(optarg, 0, 65535, &v) < 0)
				return bad_option("-p/--port", optarg, "a port 0..65535");
			c->port = (uint16_t)v;
			break;
		case 'a':
			if (parse_ip4(optarg, &c->tun_addr) < 0)
				return bad_option("-a/--addr", optarg, "an IPv4 address");
			break;
		case 'm':
			if (parse_num(optarg, 8, 24, &v) < 0)
				return bad_option("-m/--mask", optarg, "8..24");
			c->maskbits = (int)v;
			break;
		case 'i':
			if (strlen(optarg) == 0 || strlen(optarg) >= sizeof c->ifname)
				return bad_option("-i/--interface-name", optarg, "an interface name of 1..%zu characters",
				                  sizeof c->ifname - 1);
			snprintf(c->ifname, sizeof c->ifname, "%s", optarg);
			break;
		case 'H':
			/* as in the reference, an empty host IP is no host IP */
			if (*optarg && parse_ip4(optarg, &c->host_ip) < 0)
				return bad_option("-H/--host-ip", optarg, "an IPv4 address");
			break;
		case 'v':
			verbose++;
			break;
		case OPT_DNS_PROXY:
			if (strlen(optarg) >= sizeof c->proxy_spec)
				return bad_option("--dns-proxy", optarg, "at most %zu characters", sizeof c->proxy_spec - 1);
			snprintf(c->proxy_spec, sizeof c->proxy_spec, "%s", optarg);
			c->proxy_mode = 1;
			break;
		case OPT_QUEUE_NUM:
			if (parse_num(optarg, 0, 65535, &v) < 0)
				return bad_option("--queue-num", optarg, "0..65535");
			c->queue_num = (uint16_t)v;
			break;
		case OPT_PIDFILE:
			c->pidfile = optarg;
			break;
		case OPT_KEYCACHE:
			c->keydir = optarg;
			break;
		case OPT_PEERS:
			c->peers_path = optarg;
			break;
		case OPT_CONTROL:
			c->ctlpath = optarg;
			break;
		case OPT_USER:
			c->user = optarg;
			break;
		case OPT_ALLOW_ROOT:
			c->allow_root = 1;
			break;
		case OPT_TEXTFILE:
			c->textdir = optarg;
			break;
		case OPT_INNER6_PREFIX:
			if (ipv6_inner_prefix_parse(optarg, c->prefix6) < 0)
				return bad_option("--inner6-prefix", optarg, "a unique local /64 prefix (fc00::/7), such as fd43::");
			break;
		case OPT_NO_INNER6:
			c->inner6 = 0;
			break;
		case OPT_TEXTINTERVAL:
			if (parse_num(optarg, 1, TEXTFILE_INTERVAL_MAX, &v) < 0)
				return bad_option("--prometheus-interval", optarg, "1..%d", TEXTFILE_INTERVAL_MAX);
			c->text_interval = (unsigned)v;
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
	if (optind != argc) {
		fprintf(stderr, "pqconnect: unexpected argument '%s'\n", argv[optind]);
		goto bad;
	}
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
	if (!aead_openssl_used())
		log_warn("OpenSSL offers no ChaCha20-Poly1305 (FIPS-only provider?): libsodium seals every packet");

	/* static peers: an explicit --peers must exist; the default may not */
	if (!c->peers_path && access(PF_DEFAULT_PATH, F_OK) == 0)
		c->peers_path = PF_DEFAULT_PATH;
	if (c->peers_path) {
		struct pf_error err;
		if (peersfile_read(c->peers_path, &pftext, &pflen) < 0 || !pftext) {
			fprintf(stderr, "pqconnect: cannot read %s: %s\n", c->peers_path,
			        pftext ? strerror(errno) : "no such file");
			return 1;
		}
		c->pf = malloc(sizeof *c->pf);
		if (!c->pf || peersfile_parse(c->pf, pftext, pflen, &err) < 0) {
			fprintf(stderr, "pqconnect: %s line %u: %s\n", c->peers_path, c->pf ? err.line : 0,
			        c->pf ? err.msg : "out of memory");
			return 1;
		}
	}
	free(pftext);

	/* fail closed, and at once: before any privileged set-up */
	if (privsep_check_user(c->user, c->allow_root) < 0)
		return 1;
	if (pidfile_claim(c->pidfile) < 0)
		return 1;
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	log_info("Starting PQConnect client");

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	/* inner IPv6 needs a device MTU of 1280 (IPv6's minimum); IPv4 keeps
	 * --mtu (1200 by default, the reference's) as a route MTU */
	c->mtu6 = c->inner6 ? tun_mtu_for_inner6(c->mtu) : c->mtu;
	c->tunfd = tun_open_vnet(c->ifname, &c->tun_addr, c->maskbits, c->mtu6, c->offload ? &c->tunvnet : NULL);
	if (c->tunfd < 0) {
		log_error("cannot create TUN device %s", c->ifname);
		goto out_pid;
	}
	log_info("TUN device %s: %s/%d", c->ifname, ip4_str(c->tun_addr), c->maskbits);
	/* inner IPv6 is an extension: without the TUN's IPv6 address it is
	 * off (AAAA records of announced names removed), nothing else changes */
	features_addr6(c->tun_addr, c->tun_addr6);
	if (c->mtu6 != c->mtu && tun_keep_ipv4_mtu(c->ifname, c->tun_addr, c->maskbits, c->mtu) < 0) {
		log_warn("inner IPv6 off: IPv4 could not keep its MTU %d on %s", c->mtu, c->ifname);
		c->inner6 = 0;
		c->mtu6 = c->mtu;
	}
	if (c->inner6 && tun_add_addr6(c->ifname, c->tun_addr6) < 0) {
		log_warn("inner IPv6 off: no IPv6 address on %s", c->ifname);
		c->inner6 = 0;
	}
	if (c->inner6) {
		char a6[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, c->tun_addr6, a6, sizeof a6);
		log_info("TUN device %s: %s/64 (inner IPv6 with servers that carry it)", c->ifname, a6);
	}
	int dual;
	c->udpfd = udp_bind_dual(c->port, &dual);
	if (c->udpfd < 0) {
		log_error("cannot bind UDP port %u: %s", c->port, strerror(errno));
		goto out_tun;
	}
	log_info("Tunnel socket: UDP port %u, %s", c->port, dual ? "IPv4 and IPv6" : "IPv4 only");
	if (keydir_prepare(c->keydir, c->user) < 0)
		goto out_udp;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_error("socketpair: %s", strerror(errno));
		goto out_udp;
	}
	int sz = 4 << 20;
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz);
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		goto out_udp;
	}
	if (pid == 0) {
		close(sv[0]);
		rc = worker_main(sv[1]);
		close(c->udpfd);
		close(c->tunfd);
		_exit(rc);
	}
	/* the monitor keeps neither the TUN nor the tunnel socket */
	close(sv[1]);
	close(c->udpfd);
	close(c->tunfd);
	c->udpfd = c->tunfd = -1;
	struct monitor_config mc = { .worker = pid, .sock = sv[0], .proxy_mode = c->proxy_mode,
		                     .queue_num = c->queue_num, .port = c->port, .ifname = c->ifname,
		                     .tun_addr = c->tun_addr, .pf = c->pf, .pf_path = c->peers_path };
	rc = monitor_run(&mc);
	close(sv[0]);
	unlink(c->ctlpath);
	goto out_pid;
out_udp:
	close(c->udpfd);
out_tun:
	close(c->tunfd);
out_pid:
	unlink(c->pidfile);
	return rc;
bad:
	usage(stderr);
	return 2;
}

/* pqconnect-server: options (the reference's flags), configuration files,
 * set-up, the event loop and housekeeping. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <pwd.h>
#include <unistd.h>
#include "config.h"
#include "common.h"
#include "io/keyfiles.h"
#include "io/log.h"
#include "io/privsep.h"
#include "io/ctlsock.h"
#include "io/textfile.h"
#include "io/tun.h"
#include "io/tunerr.h"
#include "proto/ipv6.h"
#include "proto/portfile.h"
#include "server/server.h"
#if HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: pqconnect-server [options]\n"
	        "  -d, --keydir DIR          key directory (default $KEYPATH or /etc/pqconnect/keys)\n"
	        "  -c, --config-dir DIR      configuration directory (default /etc/pqconnect/config):\n"
	        "                            files pqcport, keyport and host are read if present\n"
	        "  -p, --port PORT           crypto port (default 42424)\n"
	        "  -k, --keyport PORT        key-server port (default 42425)\n"
	        "  -a, --addr ADDR           TUN address (default 10.42.0.1)\n"
	        "  -m, --mask BITS           TUN prefix length, 8..24 (default 16)\n"
	        "  -i, --interface-name NAME TUN name (default pqcserv0)\n"
	        "  -H, --host-ip ADDR        deliver decrypted packets to ADDR (server-in-a-bottle)\n"
	        "      --inner6-prefix P     ULA /64 for inner IPv6 (default fd42::): clients appear as\n"
	        "                            P::<host number of their 10.42.x.y>, the TUN is P::1\n"
	        "      --no-inner6           no inner IPv6 (pqconnect-c clients are told so)\n"
	        "      --control PATH        control socket (default " CTL_SERVER_PATH ")\n"
	        "      --prometheus-textfile DIR  rewrite DIR/pqconnect-server.prom (pqconnect-ctl stats\n"
	        "                            --prometheus) atomically; DIR writable by USER\n"
	        "      --prometheus-interval N    seconds between rewrites, 1..3600 (default 15)\n"
	        "  -u, --user USER           unprivileged user to run as (default " PQC_SERVER_USER ")\n"
	        "      --no-offload          no TUN/UDP segmentation offloads\n"
	        "      --mtu N               TUN MTU, 576..1992 (default 1200)\n"
	        "      --state-dir DIR       keep the clients' resumable addresses in DIR/sessions,\n"
	        "                            so their connections survive a restart (made 0700)\n"
	        "      --handshake-threads N threads for handshakes, 0..16 (default: one per CPU;\n"
	        "                            0: in the event loop)\n"
	        "      --threads N           data threads, 1..16 (default: one per CPU), each with its\n"
	        "                            own crypto-port socket and TUN queue (1: the event loop\n"
	        "                            moves every packet)\n"
	        "      --no-seccomp          do not install the system-call filter\n"
	        "      --allow-root          if USER does not exist, stay uid 0 (still without\n"
	        "                            capabilities); without it the server refuses to start\n"
	        "  -v, --verbose             more log lines (-vv: per packet)\n"
	        "      --version             print the version\n"
	        "  -h, --help                this text\n");
}

static int parse_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_port(const char *s, uint16_t *out)
{
	long v;
	if (parse_num(s, 0, 65535, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* Every option error names the option and the value; exit status 2. */
#define bad_option(...) option_error("pqconnect-server", __VA_ARGS__)

static void dump_stats(const struct server *s)
{
	struct server_stats st;
	server_stats_total(s, &st);
	log_info("peers: %u", s->npeers);
#define X(n) if (st.n) log_info("counter %s: %llu", #n, (unsigned long long)st.n);
	SERVER_COUNTERS(X)
#undef X
}

/* --threads N > 1: N sockets of one SO_REUSEPORT group on the crypto port
 * (port 0: the one the first got) and N queues of the TUN; the loop keeps
 * a write-only descriptor of the first queue and sends from the first
 * socket (replies to initiations, early packets, session grants).  0 / -1. */
static int open_data_threads(struct server *s, int mtu, int offload, int *dual)
{
	struct tunio *q = calloc((size_t)s->nthreads, sizeof *q);
	s->dw = calloc((size_t)s->nthreads, sizeof *s->dw);
	if (!q || !s->dw) {
		free(q);
		log_error("out of memory");
		return -1;
	}
	int r = tunio_open_mq(q, s->nthreads, s->ifname, &s->tun_addr, s->maskbits, mtu, offload);
	for (int i = 0; i < s->nthreads; i++)
		s->dw[i].tio = q[i];
	free(q);
	if (r < 0)
		return -1;
	int fd0 = dup(s->dw[0].tio.fd);
	if (fd0 < 0 || tunio_adopt(&s->tio, fd0, s->dw[0].tio.vnet) < 0) {
		log_error("TUN: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < s->nthreads; i++) {
		int d;
		s->dw[i].fd = udp_bind_dual_reuseport(s->cryptoport, &d, 1);
		if (s->dw[i].fd < 0) {
			log_error("cannot bind crypto port %u (data thread %d): %s", s->cryptoport, i, strerror(errno));
			return -1;
		}
		if (i == 0) {
			union sockaddr_any a;
			socklen_t al = sizeof a;
			*dual = d;
			if (s->cryptoport == 0 && getsockname(s->dw[0].fd, &a.sa, &al) == 0)
				s->cryptoport = sa_port(&a);
		} else if (d != *dual) {
			log_error("crypto port %u: the data threads' sockets differ in family", s->cryptoport);
			return -1;
		}
		if (udp_want_pktinfo(s->dw[i].fd) < 0)
			log_warn("no IP_PKTINFO (%s): replies leave from the address the kernel picks", strerror(errno));
		if (udp_rx_init_gro(&s->dw[i].rx, s->dw[i].fd) < 0) {
			log_error("out of memory");
			return -1;
		}
		s->dw[i].tx.fd = s->dw[i].fd;
		s->dw[i].tx.gso = offload;
	}
	s->crypto_fd = s->dw[0].fd;
	return 0;
}

static void close_data_threads(struct server *s)
{
	for (int i = 0; s->dw && i < s->nthreads; i++) {
		struct dworker *w = &s->dw[i];
		tunio_close(&w->tio);
		udp_rx_free(&w->rx);
		if (w->fd > 0)
			close(w->fd);
		if (w->epfd > 0)
			close(w->epfd);
		if (w->stopfd > 0)
			close(w->stopfd);
		if (w->def)
			wipe(w->def, DEFER_SLOTS * sizeof *w->def);
		free(w->def);
	}
	free(s->dw);
	s->dw = NULL;
}

/* The state directory belongs to the user the server runs as, mode 0700.
 * Done as root before the drop, without reading anything in it (the file
 * is read after the drop): a directory root made (or systemd's
 * StateDirectory=, which hands the tree back to root at each start) is
 * given to the user, with the state file in it if it is a regular file
 * with one link (a hard link to a file elsewhere has two). */
/* What the state directory may hold when it is handed over: the state
 * file and its temporary files, nothing else (keydir_ours_to_give). */
static int statedir_entry(const char *n)
{
	return !strcmp(n, SESSION_STATE_FILE) ||
	       !strncmp(n, "." SESSION_STATE_FILE ".tmp.", sizeof "." SESSION_STATE_FILE ".tmp." - 1);
}

static int statedir_prepare(const char *dir, const char *user)
{
	struct passwd *pw = getpwnam(user);
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("--state-dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("--state-dir %s: not a directory", dir);
		return -1;
	}
	if (!pw || st.st_uid == pw->pw_uid) {
		if (st.st_mode & 077)
			log_warn("--state-dir %s: open to others (mode %o): the state file in it is 0600 anyway", dir,
			         (unsigned)(st.st_mode & 07777));
		return 0;
	}
	/* in this order: once the directory is the user's, the unit's root (no
	 * CAP_FOWNER, no CAP_DAC_OVERRIDE) could neither change its mode nor
	 * look into it */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && !keydir_ours_to_give(fd, dir, &st, statedir_entry, "--state-dir")) {
		close(fd);
		return -1;
	}
	if (fd < 0 || fchmod(fd, 0700) < 0) {
		log_error("--state-dir %s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int f = openat(fd, SESSION_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (f >= 0) {
		if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || fchown(f, pw->pw_uid, pw->pw_gid) < 0)
			log_warn("%s/%s: not a regular file with one link, or cannot be handed over: left as it is", dir,
			         SESSION_STATE_FILE);
		close(f);
	}
	if (fchown(fd, pw->pw_uid, pw->pw_gid) < 0) {
		log_error("--state-dir %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void on_housekeeping(struct loop *l, struct timer *t)
{
	struct server *s = t->arg;
	peers_housekeeping(s, now_ms());
	resume_save(s, 0);
	cookie_checker_expire(&s->cookies, now_ms());
	aead_forget();     /* the last packet key in this thread's EVP context */
	timer_in(l, t, 5000);
}

static void on_eph(struct loop *l, struct timer *t)
{
	struct server *s = t->arg;
	uint64_t w = wall_s();
	if (ephkeys_rotate(&s->eph, w) < 0)
		log_error("could not make ephemeral keys");
	/* wake up right after the next 30-second boundary */
	timer_in(l, t, (eph_round(w) + EPH_SLOT_S - w) * 1000 + 50);
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGUSR1) {
			dump_stats(s);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			char why[256];
			log_info("SIGHUP: reloading");
			server_reload(s, 0, why, sizeof why);
			continue;
		}
		log_info("Signal %u received: stopping", si.ssi_signo);
		loop_stop(l);
	}
}

/* System calls beyond privsep_seccomp's event-loop set: a reload reads
 * the config and key files (open and stat: glibc's openat and newfstatat,
 * the latter in the base set) and may bind a key port (reload.c); only
 * UDP sockets of the Internet families. */
static const int server_syscalls[] = { SYS_bind, SYS_setsockopt,
	SYS_fsync,              /* --state-dir: the state file's atomic rewrite */
	0 };
#define NOT_WRITING (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)
#define SOCK_FLAGS ((unsigned long long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
static const struct privsep_argrule server_argrules[] = {
	{ SYS_openat, 1, { { 2, NOT_WRITING, 0 } } },
	{ SYS_socket, 3, { { 0, 0xffffffffull, AF_INET }, { 1, 0xffffffffull & ~SOCK_FLAGS, SOCK_DGRAM }, { 2, 0xffffffffull, 0 } } },
	{ SYS_socket, 3, { { 0, 0xffffffffull, AF_INET6 }, { 1, 0xffffffffull & ~SOCK_FLAGS, SOCK_DGRAM }, { 2, 0xffffffffull, 0 } } },
};
#define N_SERVER_ARGRULES (sizeof server_argrules / sizeof server_argrules[0])

/* The textfile collector (io/textfile.c) writes in its directory:
 * openat for writing, renameat and unlinkat with that directory's
 * descriptor, fchmod to 0644; allowed only when it is configured.  (The
 * descriptor check does not stop an absolute path, which seccomp cannot
 * see: the user's file permissions remain the bound there.) */
static size_t dir_writer_rules(struct privsep_argrule *r, int dirfd, unsigned mode)
{
	const unsigned long long fd = (unsigned long long)dirfd;
	r[0] = (struct privsep_argrule){ SYS_openat, 1, { { 0, 0xffffffffull, fd } } };
	r[1] = (struct privsep_argrule){ SYS_renameat, 2, { { 0, 0xffffffffull, fd }, { 2, 0xffffffffull, fd } } };
	r[2] = (struct privsep_argrule){ SYS_unlinkat, 1, { { 0, 0xffffffffull, fd } } };
	r[3] = (struct privsep_argrule){ SYS_fchmod, 1, { { 1, 0xfffull, mode } } };
	return 4;
}

/* The same for the state directory (--state-dir): the session file is
 * rewritten there through its descriptor (keyfile_write_at), mode 0600. */
static int server_seccomp(int textdirfd, int statedirfd, int all_threads)
{
	struct privsep_argrule r[N_SERVER_ARGRULES + 8];
	size_t n = N_SERVER_ARGRULES;
	memcpy(r, server_argrules, sizeof server_argrules);
	if (textdirfd >= 0)
		n += dir_writer_rules(r + n, textdirfd, 0644);
	if (statedirfd >= 0)
		n += dir_writer_rules(r + n, statedirfd, 0600);
	return privsep_seccomp_args(server_syscalls, r, n, all_threads);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keydir", 1, 0, 'd' }, { "config-dir", 1, 0, 'c' }, { "port", 1, 0, 'p' },
		{ "keyport", 1, 0, 'k' }, { "addr", 1, 0, 'a' }, { "mask", 1, 0, 'm' },
		{ "interface-name", 1, 0, 'i' }, { "host-ip", 1, 0, 'H' }, { "verbose", 0, 0, 'v' },
		{ "control", 1, 0, 'C' }, { "user", 1, 0, 'u' }, { "no-seccomp", 0, 0, 'S' }, { "allow-root", 0, 0, 'R' }, { "no-offload", 0, 0, 'O' }, { "mtu", 1, 0, 'M' }, { "handshake-threads", 1, 0, 'T' }, { "threads", 1, 0, 'D' }, { "prometheus-textfile", 1, 0, 'P' }, { "prometheus-interval", 1, 0, 'I' }, 
		{ "state-dir", 1, 0, 'W' }, { "version", 0, 0, 'V' }, { "help", 0, 0, 'h' }, { "inner6-prefix", 1, 0, '6' }, { "no-inner6", 0, 0, 'N' }, { 0, 0, 0, 0 } };
	static struct server srv;
	struct server *s = &srv;
	const char *opt_port = NULL, *opt_keyport = NULL, *opt_host = NULL;
	const char *user = PQC_SERVER_USER, *ctlpath = CTL_SERVER_PATH, *textdir = NULL;
	unsigned text_interval = TEXTFILE_INTERVAL_DEFAULT;
	static struct textfile tf = { .dirfd = -1 };
	int verbose = 0, c, sfd, use_seccomp = 1, offload = 1, mtu = TUN_MTU, hs_threads = -1, allow_root = 0;
	int data_threads = -1;
	sigset_t mask;
	long v;

	s->keydir = getenv("KEYPATH") ? getenv("KEYPATH") : "/etc/pqconnect/keys";
	s->confdir = "/etc/pqconnect/config";
	s->statedir_fd = -1;
	s->ifname = "pqcserv0";
	s->cryptoport = 42424;
	s->keyport = 42425;
	s->tun_addr = 0x0a2a0001;
	s->maskbits = 16;
	s->inner6 = 1;
	ipv6_inner_prefix_parse("fd42:7071:63::", s->prefix6);

	while ((c = getopt_long(argc, argv, "d:c:p:k:a:m:i:H:u:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': s->keydir = optarg; break;
		case 'c': s->confdir = optarg; break;
		case 'p': opt_port = optarg; break;
		case 'k': opt_keyport = optarg; break;
		case 'a':
			if (parse_ip4(optarg, &s->tun_addr) < 0)
				return bad_option("-a/--addr", optarg, "an IPv4 address");
			break;
		case 'm':
			if (parse_num(optarg, 8, 24, &v) < 0)
				return bad_option("-m/--mask", optarg, "8..24");
			s->maskbits = (int)v;
			break;
		case 'i':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				return bad_option("-i/--interface-name", optarg, "an interface name of 1..15 characters");
			s->ifname = optarg;
			break;
		/* as in the reference, an empty host IP is no host IP: a unit
		 * running -H "$(cat .../host)" without a host file gets -H "" */
		case 'H': opt_host = *optarg ? optarg : NULL; break;
		case 'u': user = optarg; break;
		case 'W': s->statedir = *optarg ? optarg : NULL; break;
		case 'C': ctlpath = optarg; break;
		case 'S': use_seccomp = 0; break;
		case 'R': allow_root = 1; break;
		case 'O': offload = 0; break;
		case '6':
			if (ipv6_inner_prefix_parse(optarg, s->prefix6) < 0)
				return bad_option("--inner6-prefix", optarg, "a unique local /64 prefix (fc00::/7), such as fd42::");
			break;
		case 'N': s->inner6 = 0; break;
		case 'M':
			if (parse_num(optarg, TUN_MTU_MIN, TUN_MTU_MAX, &v) < 0)
				return bad_option("--mtu", optarg, "%d..%d", TUN_MTU_MIN, TUN_MTU_MAX);
			mtu = (int)v;
			break;
		case 'T':
			if (parse_num(optarg, 0, HSPOOL_MAX_THREADS, &v) < 0)
				return bad_option("--handshake-threads", optarg, "0..%d", HSPOOL_MAX_THREADS);
			hs_threads = (int)v;
			break;
		case 'D':
			if (parse_num(optarg, 1, DATA_MAX_THREADS, &v) < 0)
				return bad_option("--threads", optarg, "1..%d", DATA_MAX_THREADS);
			data_threads = (int)v;
			break;
		case 'P': textdir = optarg; break;
		case 'I':
			if (parse_num(optarg, 1, TEXTFILE_INTERVAL_MAX, &v) < 0)
				return bad_option("--prometheus-interval", optarg, "1..%d", TEXTFILE_INTERVAL_MAX);
			text_interval = (unsigned)v;
			break;
		case 'v': verbose++; break;
		case 'V': printf("pqconnect-server (pqconnect-c) %s\n", PQC_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_set_level(L_INFO + verbose);
	log_info("Starting PQConnect Server");
	/* fail closed, and at once: before any privileged set-up */
	if (privsep_check_user(user, allow_root) < 0)
		return 1;

	/* configuration files first, then the command line wins (a reload:
	 * the files over these start-up values, reload.c) */
	s->next.fd = -1;
	if (opt_port && parse_port(opt_port, &s->cryptoport_start) < 0)
		return bad_option("-p/--port", opt_port, "a port 0..65535");
	if (opt_keyport && parse_port(opt_keyport, &s->keyport_start) < 0)
		return bad_option("-k/--keyport", opt_keyport, "a port 0..65535");
	if (opt_host && parse_ip4(opt_host, &s->host_start) < 0)
		return bad_option("-H/--host-ip", opt_host, "an IPv4 address");
	if (!opt_port)
		s->cryptoport_start = s->cryptoport;
	if (!opt_keyport)
		s->keyport_start = s->keyport;
	uint16_t next_keyport;
	if (server_read_config(s, &s->cryptoport, &s->keyport, &next_keyport, &s->host) < 0)
		return 2;
	if (opt_port)
		s->cryptoport = s->cryptoport_start;
	if (opt_keyport)
		s->keyport = s->keyport_start;
	if (opt_host)
		s->host = s->host_start;
	if (textdir && textfile_open(&tf, textdir, "pqconnect-server.prom") < 0)
		return 1;

	if (crypto_init() < 0) {
		log_error("crypto initialisation failed");
		return 1;
	}
	if (!aead_openssl_used())
		log_warn("OpenSSL offers no ChaCha20-Poly1305 (FIPS-only provider?): libsodium seals every packet");
	log_info("Loading static keys");
	struct server_keys keys;
	if (keyfiles_load_server(&keys, s->keydir) < 0) {
		log_error("could not load the keys from %s (run pqconnect-keygen)", s->keydir);
		return 1;
	}
	s->mce_sk = keys.mce_sk;
	memcpy(s->x_sk, keys.x_sk, X25519_LEN);
	if (keytree_build(&s->tree, keys.mce_pk, keys.x_pk) < 0) {
		log_error("could not build the key tree");
		return 1;
	}
	keyfiles_release_public(&keys);
	log_info("Static keys found");

	if (replaycache_init(&s->replay, (EPH_ACCEPT_S + 2 * EPH_SLOT_S) * 1000) < 0 || peers_init(s) < 0 ||
	    loop_init(&s->loop) < 0) {
		log_error("out of memory");
		return 1;
	}
	if (hs_threads < 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		hs_threads = ncpu < 1 ? 1 : ncpu > HSPOOL_MAX_THREADS ? HSPOOL_MAX_THREADS : (int)ncpu;
	}
	if (data_threads < 0 && PQC_SERVER_THREADS > 0)
		data_threads = PQC_SERVER_THREADS;      /* the build's default (meson -Dserver_threads) */
	if (data_threads < 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		data_threads = ncpu < 1 ? 1 : ncpu > DATA_MAX_THREADS ? DATA_MAX_THREADS : (int)ncpu;
	}
	s->nthreads = data_threads;
	/* initiations: 10/s per source (burst 20); overall 12000/s per
	 * handshake thread (a core does about 4700), at least 15000/s: only a
	 * bound on the event loop's work, because what a flood gets past this
	 * meets the handshake queue's policy (core/hsqueue.h), which is fair
	 * per source prefix where a global bucket cannot be.  Initiations with
	 * a valid address cookie have buckets of their own.
	 * key server: a full tree is 938 requests: 3000/s per source, burst 1000 */
	unsigned hs_global = hs_threads > 1 ? 12000u * (unsigned)hs_threads : 15000u;
	ratelimit_init(&s->hs_rl, 10, 20, hs_global, hs_global);
	ratelimit_init(&s->hs_cookie_rl, 10, 20, hs_global, hs_global);
	cookie_checker_init(&s->cookies);
	ratelimit_init(&s->key_rl, 3000, 1000, 200000, 50000);

	/* inner IPv6 needs a device MTU of 1280 (IPv6's minimum); IPv4 keeps
	 * --mtu (1200 by default, the reference's) as a route MTU */
	s->mtu4 = mtu;
	s->mtu6 = s->inner6 ? tun_mtu_for_inner6(mtu) : mtu;
	int dual_crypto, dual_key;
	if (s->nthreads > 1) {
		if (open_data_threads(s, s->mtu6, offload, &dual_crypto) < 0)
			return 1;
	} else if (tunio_open(&s->tio, s->ifname, &s->tun_addr, s->maskbits, s->mtu6, offload) < 0)
		return 1;
	if (s->mtu6 != mtu && tun_keep_ipv4_mtu(s->ifname, s->tun_addr, s->maskbits, mtu) < 0) {
		log_warn("inner IPv6 not offered: IPv4 could not keep its MTU %d on %s", mtu, s->ifname);
		s->inner6 = 0;
		s->mtu6 = mtu;
	}
	tunerr_init(&s->tun_err_rl);
	if (addrpool_init(&s->pool, s->tun_addr, s->maskbits) < 0) {
		log_error("bad TUN network");
		return 1;
	}
	/* inner IPv6 is an extension: without an IPv6 address on the TUN it is
	 * not offered (clients keep removing AAAA records), nothing else changes */
	server_addr6(s, s->tun_addr, s->tun_addr6);
	if (s->inner6 && tun_add_addr6(s->ifname, s->tun_addr6) < 0) {
		log_warn("inner IPv6 not offered: no IPv6 address on %s", s->ifname);
		s->inner6 = 0;
	}
	if (s->statedir && statedir_prepare(s->statedir, user) < 0)
		return 1;
	if (s->nthreads == 1)
		s->crypto_fd = udp_bind_dual(s->cryptoport, &dual_crypto);
	if (s->crypto_fd < 0) {
		log_error("cannot bind crypto port %u: %s", s->cryptoport, strerror(errno));
		return 1;
	}
	log_info("Starting Keyserver");
	s->key_fd = udp_bind_dual(s->keyport, &dual_key);
	if (s->key_fd < 0) {
		log_error("cannot bind key port %u: %s", s->keyport, strerror(errno));
		return 1;
	}
	log_info("Listening on UDP %u (tunnels) and %u (keys): %s", s->cryptoport, s->keyport,
	         dual_crypto && dual_key ? "IPv4 and IPv6" : dual_crypto || dual_key ? "one of them IPv4 only" : "IPv4 only");
	/* replies leave from the address they were asked on (multi-homed servers) */
	if ((s->nthreads == 1 && udp_want_pktinfo(s->crypto_fd) < 0) || udp_want_pktinfo(s->key_fd) < 0)
		log_warn("no IP_PKTINFO (%s): replies leave from the address the kernel picks", strerror(errno));
	log_info("Generating ephemeral keypairs");
	if (ephkeys_rotate(&s->eph, wall_s()) < 0) {
		log_error("could not make ephemeral keys");
		return 1;
	}
	log_info("Done generating ephemeral keypairs");

	if (udp_rx_init_gro(&s->rx, s->crypto_fd) < 0) {
		log_error("out of memory");
		return 1;
	}
	s->tx.fd = s->crypto_fd;
	s->tx.gso = offload;
	log_info("offloads: TUN %s, UDP GRO %s, UDP GSO %s", s->tio.vnet ? "on" : "off",
	         s->rx.gro ? "on" : "off", s->tx.gso ? "tried" : "off");
	s->ktx.fd = s->key_fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || loop_add_fd(&s->loop, sfd, EPOLLIN, on_signal, s) < 0 ||
	    (s->nthreads == 1 && loop_add_fd(&s->loop, s->crypto_fd, EPOLLIN, cryptoserver_readable, s) < 0) ||
	    loop_add_fd(&s->loop, s->key_fd, EPOLLIN, keyserver_readable, s) < 0 ||
	    (s->nthreads == 1 && loop_add_fd(&s->loop, s->tio.fd, EPOLLIN, tun_readable, s) < 0)) {
		log_error("event loop set-up failed");
		return 1;
	}
	/* the next key of a key rotation, if keydir/next holds one (as root:
	 * any port; a later reload reads the same way, unprivileged) */
	{
		char why[256];
		if (server_reload(s, 1, why, sizeof why) < 0)
			return 1;
		s->st.reload_ok = 0;
	}
	timer_init(&s->housekeeping, on_housekeeping, s);
	timer_in(&s->loop, &s->housekeeping, 5000);
	timer_init(&s->eph_timer, on_eph, s);
	on_eph(&s->loop, &s->eph_timer);

	if (ctlsock_open(&s->loop, ctlpath, PQC_CTL_GROUP, server_control, s) < 0)
		log_warn("no control socket at %s", ctlpath);

	/* everything privileged is done: the rest runs unprivileged and confined */
	if (privsep_drop_user(user, allow_root) < 0)
		return 1;
	/* the state directory, opened as the server's user: it is that user's
	 * (under the unit, root has no capability to look into it) */
	if (s->statedir) {
		s->statedir_fd = open(s->statedir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->statedir_fd < 0) {
			log_error("--state-dir %s: %s", s->statedir, strerror(errno));
			return 1;
		}
	}
	/* the state file, as the user that writes it, before any handshake can
	 * take a restored address; then the clients of the last run are told */
	resume_load(s, now_ms());
	resume_announce(s, now_ms());
	/* the workers start unprivileged (capabilities are per thread and
	 * copied at creation) and get the seccomp filter with the loop's thread */
	if (hspool_start(&s->hsp, hs_threads, s->mce_sk, s->x_sk) < 0 ||
	    loop_add_fd(&s->loop, s->hsp.efd, EPOLLIN, handshakes_finished, s) < 0)
		return 1;
	/* the workers' own copies of the keys, the next one too (reload.c) */
	if (server_keys_to_pool(s) < 0)
		return 1;
	/* the data threads, likewise unprivileged, before the filter */
	if (s->nthreads > 1 && dataplane_start(s) < 0)
		return 1;
	/* the textfile's first write, unprivileged, must work before systemd
	 * hears READY=1; both before the seccomp filter, which forbids the
	 * socket sd_notify opens (later writes run under the filter) */
	if (s->nthreads > 1)
		pthread_rwlock_wrlock(&s->lock);        /* as the loop's turns: the data threads run */
	int tf_rc = tf.dirfd >= 0 ? textfile_start(&tf, &s->loop, text_interval, server_control, s, &s->st.textfile_ok,
	                                           &s->st.textfile_failed) : 0;
	if (s->nthreads > 1)
		pthread_rwlock_unlock(&s->lock);
	if (tf_rc < 0)
		return 1;
#if HAVE_SYSTEMD
	sd_notify(0, "READY=1");
#endif
	if (use_seccomp && server_seccomp(tf.dirfd, s->statedir_fd, hs_threads > 0 || s->nthreads > 1) < 0)
		return 1;
	if (!use_seccomp)
		log_warn("--no-seccomp: no system-call filter");

	char a6[INET6_ADDRSTRLEN] = "";
	if (s->inner6)
		inet_ntop(AF_INET6, s->tun_addr6, a6, sizeof a6);
	log_info("Listening: crypto port %u, key port %u, %s %s/%d%s%s%s%s%s, %d handshake thread%s, %d data thread%s",
	         s->cryptoport,
	         s->keyport, s->ifname, ip4_str(s->tun_addr), s->maskbits, s->inner6 ? " and " : "", a6,
	         s->inner6 ? "/64" : "", s->host ? ", delivering to " : "",
	         s->host ? ip4_str(s->host) : "", hs_threads, hs_threads == 1 ? "" : "s", s->nthreads,
	         s->nthreads == 1 ? " (the event loop)" : "s");
	loop_run(&s->loop);

	dataplane_stop(s);
	s->loop.enter = s->loop.leave = NULL;
	hspool_stop(&s->hsp);
	resume_save(s, 1);
	textfile_close(&tf);
	dump_stats(s);
	peers_free(s);
	resume_free();
	ephkeys_wipe(&s->eph);
	cookie_checker_wipe(&s->cookies);
	server_keys_free(s);
	wipe(s->mce_sk, MCE_SK_LEN);
	wipe(s->x_sk, sizeof s->x_sk);
	free(s->mce_sk);
	keytree_free(&s->tree);
	replaycache_free(&s->replay);
	loop_free(&s->loop);
	tunio_close(&s->tio);
	udp_rx_free(&s->rx);
	if (s->nthreads == 1)
		close(s->crypto_fd);
	close_data_threads(s);
	close(s->key_fd);
	log_info("Stopped");
	return 0;
}

/* The client's root part (privilege separation, as OpenBSD's iked does it).
 * The kernel takes netfilter-queue verdicts only from a sender with
 * CAP_NET_ADMIN, so the queue stays here; everything that parses DNS or
 * touches keys runs in the unprivileged worker.  For each queued packet the
 * monitor only looks for the bytes "pq1" (any case) or
 * "use-application-dns": without them the packet is accepted at once;
 * with them it goes to the worker, whose verdict (accept, or accept with
 * new content) is checked against the packets actually handed over.
 *
 * The monitor does not trust the worker (issue 13 item 3): for each packet
 * handed over it keeps the addresses, ports, DNS id and question
 * (proto/nfqcheck.c), and re-injects a replacement only if it is a
 * well-formed UDP DNS answer from port 53 between the same addresses and
 * ports with the same id and question.  A refused replacement is counted
 * (monitor_replace_refused), logged (rate-limited), and the ORIGINAL packet
 * is accepted unchanged: that is what a worker saying "accept" gets, so a
 * hostile worker gains nothing from it, and it keeps the project's rule
 * that a failure of PQConnect falls back to the answer without it (dropping
 * would turn a confused worker into a DNS outage).  A TCP segment is
 * dropped instead, here and whenever the worker cannot look at one (busy,
 * too slow): TCP sends it again, so that costs time, not the answer, and a
 * high-security answer cut across segments never passes unchecked
 * (proto/dnsflow.h).  The worker sees every TCP segment with data, a SYN
 * or a reset, "pq1" in it or not: it follows the connections.
 *
 * The monitor also holds the peers file, because the ifup/ifdown hooks run
 * as root: the worker only says "peer HASH went up/down" and the command
 * comes from the monitor's own copy of the file.
 *
 * If the worker dies, every pending packet is accepted, the rules are
 * removed and the monitor exits non-zero (systemd restarts the service).
 * SIGTERM/SIGINT: the worker is told to stop, then the same clean-up. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "config.h"
#include "client/monitor.h"
#include "client/privmsg.h"
#include "io/log.h"
#include "io/udp.h"
#include "io/nfq.h"
#include "io/rules.h"
#include "proto/base32.h"
#include "proto/ipv4.h"
#include "proto/ipv6.h"
#include "proto/nfqcheck.h"
#if HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define MON_MAX_PENDING 1024
#define MON_VERDICT_MS (CLIENT_DNS_DEADLINE_MS + 2000)   /* worker's own deadline plus slack */
#define MON_SWEEP_MS 500
#define MON_STOP_MS 3000
#define MON_HOOK_PEERS (2 * PF_MAX_PEERS)
#define MON_MAX_HOOKS 16     /* hook processes running at once */

/* What the monitor knows of each static peer's hooks: only transitions
 * run a hook (a confused worker cannot make it run ifup twice), and the
 * peers still up when the worker dies get their ifdown from here. */
struct hookstate {
	int used, up;
	struct pm_hook last;
};

struct pending {
	uint32_t id;
	int used;
	uint64_t since;
	int tcp;                        /* a TCP segment: dropped, never accepted unseen */
	struct nfqc_orig orig;          /* what a replacement must keep */
};

static struct {
	struct monitor_config cfg;
	struct loop loop;
	int sock, sigfd;
	pid_t worker;
	int worker_gone, reaped, sock_closed, stopping, rc;
	struct nfqueue *nfq;
	struct pending pend[MON_MAX_PENDING];
	unsigned npend;
	struct pm_stats st;
	struct peersfile *pf;
	const char *pf_path;
	struct timer sweep, stop_timer;
	struct hookstate hooks[MON_HOOK_PEERS];
	unsigned hooks_alive;
	uint8_t buf[PM_MAX_MSG];
} mon;

/* ------------------------------------------------------- the byte test -- */

static int has_ci(const uint8_t *p, size_t n, const char *word, size_t wn)
{
	if (n < wn)
		return 0;
	for (size_t i = 0; i + wn <= n; i++) {
		size_t j = 0;
		while (j < wn && (p[i + j] | 0x20) == (uint8_t)word[j])
			j++;
		if (j == wn)
			return 1;
	}
	return 0;
}

/* A TCP segment with data, a reset or a SYN (DNS over TCP, either way):
 * the worker follows the connections that ask for high-security names
 * (proto/dnsflow.h), so it sees them all, "pq1" in them or not. */
static int tcp_worth(const uint8_t *p, size_t n)
{
	struct tcppkt t;
	return tcppkt_parse(&t, p, n) == 0 && (t.payload_len > 0 || (t.flags & (TCPF_RST | TCPF_SYN)));
}

/* Anything but a plain UDP packet (IPv6 extension headers before UDP or
 * TCP, which the kernel still delivers and the rules still match): the
 * worker decides (it drops what it cannot parse when it may answer a pq1
 * name, and every such TCP segment); never accepted unseen. */
static int not_plain(const uint8_t *p, size_t n)
{
	struct udppkt u;
	struct tcppkt t;
	return udppkt_parse(&u, p, n) < 0 && tcppkt_parse(&t, p, n) < 0;
}

/* Could the worker want to change this packet?  A cheap over-approximation:
 * the whole packet (headers too) is searched, case-insensitively. */
static int interesting(const uint8_t *p, size_t n)
{
	return has_ci(p, n, "pq1", 3) || has_ci(p, n, "use-application-dns", 19) || tcp_worth(p, n) ||
	       not_plain(p, n);
}

/* Is p a TCP segment?  One the worker cannot look at is dropped rather
 * than accepted unseen: TCP sends it again, and a high-security answer is
 * never let through unchecked (UDP stays fail-open: nothing would resend). */
static int is_tcp(const uint8_t *p, size_t n)
{
	/* (IPv6: TCP behind extension headers too, or anything that cannot be told) */
	if (n >= 20 && (p[0] >> 4) == 4)
		return p[9] == 6;
	int up = ipv6_upper_proto(p, n);
	return up == 6 || up < 0;
}

/* Accept a packet the worker could not look at (busy, too slow), or for
 * TCP drop it (see is_tcp). */
static void unseen(struct nfqueue *q, uint32_t id, int tcp)
{
	if (tcp) {
		mon.st.tcp_unseen_dropped++;
		log_ratelimited(L_WARNING, "mon_tcp_unseen", "DNS over TCP segment the worker could not look at: "
		                "dropped (TCP sends it again)");
		nfqueue_drop(q, id);
	} else
		nfqueue_accept(q, id);
}

/* ----------------------------------------------------------- pending -- */

static struct pending *pend_find(uint32_t id)
{
	for (unsigned i = 0; i < MON_MAX_PENDING; i++)
		if (mon.pend[i].used && mon.pend[i].id == id)
			return &mon.pend[i];
	return NULL;
}

static struct pending *pend_add(uint32_t id, const uint8_t *pkt, size_t len)
{
	if (mon.npend >= MON_MAX_PENDING)
		return NULL;
	for (unsigned i = 0; i < MON_MAX_PENDING; i++)
		if (!mon.pend[i].used) {
			struct pending *p = &mon.pend[i];
			p->id = id;
			p->used = 1;
			p->since = now_ms();
			p->tcp = is_tcp(pkt, len);
			nfqc_record(&p->orig, pkt, len);
			mon.npend++;
			return p;
		}
	return NULL;
}

static void pend_drop(struct pending *p)
{
	p->used = 0;
	mon.npend--;
}

static void accept_all_pending(void)
{
	for (unsigned i = 0; i < MON_MAX_PENDING; i++)
		if (mon.pend[i].used) {
			if (mon.nfq)
				nfqueue_accept(mon.nfq, mon.pend[i].id);
			pend_drop(&mon.pend[i]);
		}
}

static void on_packet(struct nfqueue *q, uint32_t id, const uint8_t *pkt, size_t len, void *arg)
{
	mon.st.queued++;
	if (!interesting(pkt, len)) {
		mon.st.passed++;
		nfqueue_accept(q, id);
		return;
	}
	if (mon.worker_gone || pend_find(id) || !pend_add(id, pkt, len)) {
		mon.st.worker_full++;
		unseen(q, id, is_tcp(pkt, len));
		return;
	}
	if (pm_send(mon.sock, PM_PACKET, id, pkt, len) < 0) {
		mon.st.worker_full++;
		pend_drop(pend_find(id));
		unseen(q, id, is_tcp(pkt, len));
		return;
	}
	mon.st.forwarded++;
}

/* -------------------------------------------------------------- hooks -- */

static void run_hook(const struct pf_peer *pp, const struct pm_hook *h)
{
	const char *cmd = h->up ? pp->ifup : pp->ifdown;

	if (cmd[0] && mon.hooks_alive >= MON_MAX_HOOKS) {
		log_warn("%s hook of %s not run: %u hooks still running", h->up ? "ifup" : "ifdown", pp->name,
		         mon.hooks_alive);
		return;
	}
	char env[16][PF_NAME_MAX + 64];
	char *envp[17];
	char hash[53];
	int n = 0;

	if (!cmd[0])
		return;
	base32_encode(hash, pp->hash, 32);
	hash[52] = 0;
#define ENV(...) snprintf(env[n], sizeof env[n], __VA_ARGS__), envp[n] = env[n], n++
	ENV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ENV("P_PEER=%s", pp->name);
	ENV("P_HASH=%s", hash);
	union sockaddr_any a;
	sa_from_addr16(&a, pp->addr, 0);
	ENV("P_ADDR=%s", sa_host_str(&a));          /* from our own copy of the file */
	ENV("P_PORT=%u", pp->port);
	ENV("P_KEYPORT=%u", pp->keyport);
	ENV("P_INTERNAL=%s", ip4_str(h->int_addr)); /* from the worker: a number, formatted here */
	sa_from_addr16(&a, h->ext, 0);              /* 16 bytes: any value formats */
	ENV("P_ENDPOINT=%s", sa_host_str(&a));
	ENV("P_IFNAME=%s", mon.cfg.ifname);
	ENV("P_LOCAL=%s", ip4_str(mon.cfg.tun_addr));
	ENV("P_EVERY=%u", pp->every_ms);
	ENV("P_TIMEOUT=%u", pp->timeout_ms);
	ENV("P_RETRIES=%u", pp->retries);
	ENV("P_EVENT=%s", h->up ? "ifup" : "ifdown");
#undef ENV
	envp[n] = NULL;

	pid_t pid = fork();
	if (pid < 0) {
		log_error("%s hook of %s: fork: %s", h->up ? "ifup" : "ifdown", pp->name, strerror(errno));
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0)
			dup2(devnull, 0);
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, envp);
		_exit(127);
	}
	mon.st.hooks_run++;
	mon.hooks_alive++;
	log_info("%s hook of peer %s started (pid %ld)", h->up ? "ifup" : "ifdown", pp->name, (long)pid);
}

/* A hook message from the worker: run it only if it changes the state. */
static void hook_request(const struct pm_hook *hk)
{
	const struct pf_peer *pp = mon.pf ? peersfile_find(mon.pf, hk->hash) : NULL;
	struct hookstate *hs = NULL, *slot = NULL;

	if (!pp || hk->up > 1)
		return;
	for (unsigned i = 0; i < MON_HOOK_PEERS; i++) {
		if (mon.hooks[i].used && !memcmp(mon.hooks[i].last.hash, hk->hash, 32))
			hs = &mon.hooks[i];
		else if (!mon.hooks[i].used && !slot)
			slot = &mon.hooks[i];
	}
	if (!hs) {
		if (!hk->up || !slot)
			return;     /* down without ever being up: nothing to undo */
		hs = slot;
		hs->used = 1;
	}
	if (hs->up == (int)hk->up)
		return;
	hs->up = (int)hk->up;
	hs->last = *hk;
	run_hook(pp, hk);
	if (!hs->up)
		hs->used = 0;
}

/* The worker is gone: its tunnels went with it. */
static void hooks_all_down(void)
{
	for (unsigned i = 0; i < MON_HOOK_PEERS; i++)
		if (mon.hooks[i].used && mon.hooks[i].up) {
			struct pm_hook hk = mon.hooks[i].last;
			hk.up = 0;
			hook_request(&hk);
		}
}

/* ------------------------------------------------------- peers file -- */

/* Read the peers file (absent = no static peers).  Returns a malloc'd
 * buffer in *text (may be NULL with *len 0), 0 / -1.  Its ifup/ifdown
 * commands run as root, so the file must be a regular file of root's that
 * nobody else may write (EPERM otherwise); a read error is an error, never
 * a shorter file. */
int peersfile_read(const char *path, char **text, size_t *len)
{
	struct stat st;
	*text = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		log_error("%s: must be a regular file owned by root and writable by nobody else (its hooks run as root)",
		          path);
		close(fd);
		errno = EPERM;
		return -1;
	}
	char *b = malloc(PM_MAX_BODY);
	size_t n = 0;
	ssize_t r = 0;
	if (!b) {
		close(fd);
		return -1;
	}
	while (n < PM_MAX_BODY && (r = read(fd, b + n, PM_MAX_BODY - n)) > 0)
		n += (size_t)r;
	char extra;
	int err = r < 0;
	int too_big = !err && n == PM_MAX_BODY && read(fd, &extra, 1) > 0;
	close(fd);
	if (err || too_big) {
		free(b);
		errno = err ? EIO : EFBIG;
		return -1;
	}
	*text = b;
	*len = n;
	return 0;
}

static void reload(void)
{
	char *text;
	size_t len;
	struct pf_error err;
	struct peersfile *pf;

	if (!mon.pf_path)
		return;
	if (peersfile_read(mon.pf_path, &text, &len) < 0) {
		log_error("reload: cannot read %s: %s", mon.pf_path, strerror(errno));
		return;
	}
	pf = malloc(sizeof *pf);
	if (!pf || peersfile_parse(pf, text ? text : "", len, &err) < 0) {
		if (pf)
			log_error("reload: %s line %u: %s (keeping the old peers)", mon.pf_path, err.line, err.msg);
		free(pf);
		free(text);
		return;
	}
	/* peers that left the file: their ifdown comes from the old file */
	for (unsigned i = 0; i < MON_HOOK_PEERS; i++)
		if (mon.hooks[i].used && mon.hooks[i].up && !peersfile_find(pf, mon.hooks[i].last.hash)) {
			struct pm_hook hk = mon.hooks[i].last;
			hk.up = 0;
			hook_request(&hk);
		}
	free(mon.pf);
	mon.pf = pf;
	if (pm_send(mon.sock, PM_PEERS, 0, text, len) < 0)
		log_error("reload: cannot pass the peers file to the worker: %s", strerror(errno));
	else
		log_info("reload: %s: %u static peer(s)", mon.pf_path, pf->n);
	free(text);
}

/* ------------------------------------------------------------ worker -- */

static void on_worker(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct pm_hdr h;
	const uint8_t *body;

	for (int budget = 0; budget < 256; budget++) {
		int r = pm_recv(fd, mon.buf, sizeof mon.buf, PM_FROM_WORKER, &h, &body);
		if (r == 0)
			return;
		if (r == -1) {
			loop_del_fd(l, fd);
			mon.sock_closed = 1;
			mon.worker_gone = 1;
			if (!mon.stopping) {
				log_error("the worker closed its channel: removing the rules and exiting");
				mon.rc = 1;
			}
			accept_all_pending();
			loop_stop(l);
			return;
		}
		if (r == -2) {
			mon.st.verdict_bad++;
			log_ratelimited(L_WARNING, "mon_msg", "malformed message from the worker (size or type): dropped");
			/* a malformed verdict for a packet we handed over: the original goes on at once */
			struct pending *p = (h.type == PM_ACCEPT || h.type == PM_REPLACE || h.type == PM_DROP) ?
			                    pend_find(h.id) : NULL;
			if (p) {
				nfqueue_accept(mon.nfq, h.id);
				pend_drop(p);
			}
			continue;
		}
		switch (h.type) {
		case PM_ACCEPT:
		case PM_REPLACE:
		case PM_DROP: {
			/* sizes were checked by pm_recv (pm_len_ok); only packets we handed over */
			struct pending *p = pend_find(h.id);
			if (!p) {
				mon.st.verdict_bad++;
				log_ratelimited(L_WARNING, "mon_verdict", "worker verdict for unknown queue id %u: ignored",
				                h.id);
				break;
			}
			if (h.type == PM_ACCEPT) {
				nfqueue_accept(mon.nfq, h.id);
			} else if (h.type == PM_DROP) {
				/* dropping a DNS answer never lets anything through */
				nfqueue_drop(mon.nfq, h.id);
			} else {
				enum nfqc_result why = nfqc_check(&p->orig, body, h.len);
				if (why == NFQC_OK) {
					nfqueue_accept_with(mon.nfq, h.id, body, h.len);
				} else {
					/* the original of a high-security name never passes
					 * (fail closed); others do (fail open).  A TCP segment
					 * is dropped in any case, as one the worker could not
					 * look at: TCP resends it, and it may hold (in a later
					 * message, or cut) a high-security answer */
					int strict = p->orig.family && dns_wire_name_pq1(p->orig.q.name, p->orig.q.name_len);
					mon.st.replace_refused++;
					log_ratelimited(L_WARNING, "mon_replace",
					                "worker's replacement for queued packet %u refused (%s, %u bytes): "
					                "original %s", h.id, nfqc_result_str(why), h.len,
					                strict ? "dropped (a high-security name)" :
					                p->tcp ? "dropped (TCP)" : "accepted unchanged");
					if (strict || p->tcp)
						nfqueue_drop(mon.nfq, h.id);
					else
						nfqueue_accept(mon.nfq, h.id);
				}
			}
			pend_drop(p);
			break;
		}
		case PM_HOOK: {
			struct pm_hook hk;
			memcpy(&hk, body, sizeof hk);   /* exact size: pm_len_ok */
			hook_request(&hk);
			break;
		}
		case PM_RELOAD:
			reload();
			break;
		default:
			mon.st.verdict_bad++;
			break;
		}
	}
}

/* ----------------------------------------------------------- signals -- */

static void stop_now(struct loop *l, struct timer *t)
{
	if (!mon.worker_gone) {
		log_warn("the worker did not stop: killing it");
		kill(mon.worker, SIGKILL);
	}
	loop_stop(l);
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			if (!mon.stopping) {
				log_info("Received signal %u, exiting", si.ssi_signo);
				mon.stopping = 1;
				if (!mon.worker_gone)
					kill(mon.worker, SIGTERM);
				timer_in(l, &mon.stop_timer, MON_STOP_MS);
			}
			break;
		case SIGHUP:
			reload();
			break;
		case SIGCHLD:
			for (;;) {
				int status;
				pid_t pid = waitpid(-1, &status, WNOHANG);
				if (pid <= 0)
					break;
				if (pid != mon.worker) {
					if (mon.hooks_alive)
						mon.hooks_alive--;
					if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
						log_warn("hook (pid %ld) failed (status %d)", (long)pid, status);
					continue;
				}
				mon.worker_gone = 1;
				mon.reaped = 1;
				/* its last messages (ifdown hooks, verdicts) may still be waiting */
				if (!mon.sock_closed)
					on_worker(l, mon.sock, EPOLLIN, NULL);
				if (!mon.stopping) {
					log_error("the worker (pid %ld) died (%s %d): removing the rules and exiting",
					          (long)pid, WIFSIGNALED(status) ? "signal" : "status",
					          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
					mon.rc = 1;
				}
				accept_all_pending();
				loop_stop(l);
			}
			break;
		}
	}
}

static void on_sweep(struct loop *l, struct timer *t)
{
	uint64_t now = now_ms();
	for (unsigned i = 0; i < MON_MAX_PENDING; i++)
		if (mon.pend[i].used && now - mon.pend[i].since > MON_VERDICT_MS) {
			mon.st.verdict_timeout++;
			unseen(mon.nfq, mon.pend[i].id, mon.pend[i].tcp);
			pend_drop(&mon.pend[i]);
		}
	if (mon.nfq)
		mon.st.queue_losses = nfqueue_losses(mon.nfq);
	if (!mon.worker_gone)
		pm_send(mon.sock, PM_STATS, 0, &mon.st, sizeof mon.st);
	timer_in(l, t, MON_SWEEP_MS);
}

int monitor_run(const struct monitor_config *cfg)
{
	sigset_t mask;
	pid_t worker = cfg->worker;
	int sock = cfg->sock;

	mon.cfg = *cfg;
	mon.worker = worker;
	mon.sock = sock;
	mon.pf = cfg->pf;
	mon.pf_path = cfg->pf_path;
	mon.rc = 1;
	if (loop_init(&mon.loop) < 0)
		goto out;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	mon.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (mon.sigfd < 0 || loop_add_fd(&mon.loop, mon.sigfd, EPOLLIN, on_signal, NULL) < 0 ||
	    loop_add_fd(&mon.loop, sock, EPOLLIN, on_worker, NULL) < 0) {
		log_error("monitor: event loop set-up failed");
		goto out_loop;
	}
	timer_init(&mon.sweep, on_sweep, NULL);
	timer_init(&mon.stop_timer, stop_now, NULL);
	timer_in(&mon.loop, &mon.sweep, MON_SWEEP_MS);

	if (!mon.cfg.proxy_mode) {
		rules_cleanup();
		mon.nfq = nfqueue_open(&mon.loop, mon.cfg.queue_num, on_packet, NULL);
		if (!mon.nfq)
			goto out_loop;
		if (rules_install(mon.cfg.queue_num) == RULES_NONE)
			goto out_nfq;
	}
	log_info("Listening on port %u (worker pid %ld)", mon.cfg.port, (long)worker);
#if HAVE_SYSTEMD
	sd_notify(0, "READY=1");
#endif
	mon.rc = 0;
	loop_run(&mon.loop);

	if (!mon.cfg.proxy_mode)
		rules_remove();
	accept_all_pending();
	hooks_all_down();
	log_info("monitor: %llu queued, %llu passed at once, %llu to the worker, %llu busy, "
	         "%llu verdict timeouts, %llu bad verdicts, %llu replacements refused, %llu queue losses, %llu hooks",
	         (unsigned long long)mon.st.queued, (unsigned long long)mon.st.passed,
	         (unsigned long long)mon.st.forwarded, (unsigned long long)mon.st.worker_full,
	         (unsigned long long)mon.st.verdict_timeout, (unsigned long long)mon.st.verdict_bad,
	         (unsigned long long)mon.st.replace_refused,
	         (unsigned long long)(mon.nfq ? nfqueue_losses(mon.nfq) : 0), (unsigned long long)mon.st.hooks_run);
out_nfq:
	if (mon.nfq) {
		nfqueue_close(mon.nfq, &mon.loop);
		mon.nfq = NULL;
	}
out_loop:
	if (!mon.reaped) {
		/* set-up failed, or the worker only closed its channel: do not leave it behind */
		if (!mon.worker_gone)
			kill(worker, SIGTERM);
		for (int i = 0; i < 30 && waitpid(worker, NULL, WNOHANG) == 0; i++)
			usleep(100000);
		if (waitpid(worker, NULL, WNOHANG) == 0) {
			kill(worker, SIGKILL);
			waitpid(worker, NULL, 0);
		}
	}
	loop_free(&mon.loop);
out:
	return mon.rc;
}

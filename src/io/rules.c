/* Interception rules: see rules.h.  Every command is run directly (execv,
 * no shell) with a fixed environment; its output is discarded unless we
 * need to read it (listing iptables rules to find stale ones). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "io/rules.h"
#include "io/log.h"
#include "proto/resolvconf.h"

static enum rules_backend installed;
static uint16_t installed_num;

static const char *tool_path(const char *name, char *buf, size_t cap)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int n = snprintf(buf, cap, "%s/%s", dirs[i], name);
		if (n > 0 && (size_t)n < cap && access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* Runs argv[0] (a bare tool name) with argv.  input (if non-NULL) goes to
 * its stdin; up to cap-1 bytes of stdout go to out (NUL-terminated) if out
 * is non-NULL.  Returns the exit status, or -1 if it could not run. */
static int run(const char *const *argv, const char *input, char *out, size_t cap)
{
	char path[256];
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 };
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };

	if (!tool_path(argv[0], path, sizeof path))
		return -1;
	if (input && pipe2(in_pipe, O_CLOEXEC) < 0)
		return -1;
	if (out && pipe2(out_pipe, O_CLOEXEC) < 0)
		goto fail_pipes;
	pid_t pid = fork();
	if (pid < 0)
		goto fail_pipes;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(input ? in_pipe[0] : devnull, 0);
		dup2(out ? out_pipe[1] : devnull, 1);
		if (log_get_level() < L_TRACE)
			dup2(devnull, 2);
		execve(path, (char *const *)argv, envp);
		_exit(127);
	}
	if (input) {
		close(in_pipe[0]);
		size_t len = strlen(input), off = 0;
		while (off < len) {
			ssize_t w = write(in_pipe[1], input + off, len - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		close(in_pipe[1]);
	}
	if (out) {
		size_t used = 0;
		close(out_pipe[1]);
		for (;;) {
			ssize_t r = read(out_pipe[0], out + used, cap - 1 - used);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			used += (size_t)r;
			if (used == cap - 1) {
				/* drain the rest so the child does not block */
				char junk[512];
				while (read(out_pipe[0], junk, sizeof junk) > 0)
					;
				break;
			}
		}
		out[used] = 0;
		close(out_pipe[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;

fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	return -1;
}

static void nft_delete_table(void)
{
	const char *argv[] = { "nft", "delete", "table", "inet", RULES_NFT_TABLE, NULL };
	run(argv, NULL, NULL, 0);
}

/* Delete every rule of INPUT and OUTPUT carrying our comment, by turning
 * the lines of `-S CHAIN` into `-D` commands.  Repeats until none is left. */
static void xt_delete_chain(const char *tool, const char *chain)
{
	static char listing[65536];
	char prefix[16];
	const char *list_argv[] = { tool, "-w", "-S", chain, NULL };
	size_t plen = (size_t)snprintf(prefix, sizeof prefix, "-A %s ", chain);

	for (int round = 0; round < 64; round++) {
		if (run(list_argv, NULL, listing, sizeof listing) != 0)
			return;
		int found = 0;
		for (char *line = strtok(listing, "\n"); line; line = strtok(NULL, "\n")) {
			if (strncmp(line, prefix, plen) != 0 || !strstr(line, "--comment " RULES_XT_COMMENT))
				continue;
			/* the exact comment token, not a longer one */
			char *c = strstr(line, "--comment " RULES_XT_COMMENT);
			char after = c[sizeof("--comment " RULES_XT_COMMENT) - 1];
			if (after != ' ' && after != 0)
				continue;
			const char *argv[64];
			int n = 0;
			argv[n++] = tool;
			argv[n++] = "-w";
			argv[n++] = "-D";
			for (char *save, *tok = strtok_r(line + 3, " ", &save); tok && n < 63;
			     tok = strtok_r(NULL, " ", &save))
				argv[n++] = tok;
			argv[n] = NULL;
			if (run(argv, NULL, NULL, 0) == 0)
				found = 1;
			break;  /* strtok state is gone: list again */
		}
		if (!found)
			return;
		log_debug("removed a stale %s rule", tool);
	}
}

static void xt_delete_ours(const char *tool)
{
	xt_delete_chain(tool, "INPUT");
	xt_delete_chain(tool, "OUTPUT");
}

void rules_cleanup(void)
{
	nft_delete_table();
	xt_delete_ours("iptables");
	xt_delete_ours("ip6tables");
}

static int nft_install(uint16_t num)
{
	char ruleset[512];
	const char *argv[] = { "nft", "-f", "-", NULL };
	/* only answers to queries this host sent (ct state established): an
	 * unsolicited packet from port 53 is not a DNS answer to act on */
	snprintf(ruleset, sizeof ruleset,
	         "table inet " RULES_NFT_TABLE " {\n"
	         "  chain input {\n"
	         "    type filter hook input priority -10;\n"
	         "    udp sport 53 ct state established queue num %u bypass\n"
	         "    tcp sport 53 ct state established queue num %u bypass\n"
	         "  }\n"
	         /* the host's own queries over TCP: the worker marks the
	          * connections that ask for high-security names (as the
	          * xtables OUTPUT rule below) */
	         "  chain output {\n"
	         "    type filter hook output priority -10;\n"
	         "    tcp dport 53 queue num %u bypass\n"
	         "  }\n"
	         "}\n", num, num, num);
	if (run(argv, ruleset, NULL, 0) == 0)
		return 0;
	nft_delete_table();
	return -1;
}

/* Whether the xtables rules match only conntrack ESTABLISHED packets
 * (answers to queries this host sent).  Decided by the IPv4 rule. */
static int xt_conntrack = 1;

static int xt_rule_proto(const char *tool, const char *op, const char *proto, uint16_t num,
                         int conntrack)
{
	char qnum[8];
	snprintf(qnum, sizeof qnum, "%u", num);
	const char *argv[24];
	int n = 0;
	argv[n++] = tool;
	argv[n++] = "-w";
	argv[n++] = op;
	argv[n++] = "INPUT";
	argv[n++] = "-p";
	argv[n++] = proto;
	argv[n++] = "--sport";
	argv[n++] = "53";
	if (conntrack) {
		argv[n++] = "-m";
		argv[n++] = "conntrack";
		argv[n++] = "--ctstate";
		argv[n++] = "ESTABLISHED";
	}
	const char *const tail[] = { "-m", "comment", "--comment", RULES_XT_COMMENT,
	                             "-j", "NFQUEUE", "--queue-num", qnum, "--queue-bypass", NULL };
	for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++)
		argv[n++] = tail[i];
	return run(argv, NULL, NULL, 0);
}

/* The host's own queries over TCP (OUTPUT, destination port 53): the
 * worker marks the connections that ask for high-security names. */
static int xt_rule_query(const char *tool, const char *op, uint16_t num)
{
	char qnum[8];
	snprintf(qnum, sizeof qnum, "%u", num);
	const char *argv[] = { tool, "-w", op, "OUTPUT", "-p", "tcp", "--dport", "53", "-m", "comment",
	                       "--comment", RULES_XT_COMMENT, "-j", "NFQUEUE", "--queue-num", qnum,
	                       "--queue-bypass", NULL };
	return run(argv, NULL, NULL, 0);
}

/* DNS answers over UDP, and over TCP (proto/dnstcp.h).  0 / -1 (UDP). */
static int xt_rule(const char *tool, const char *op, uint16_t num)
{
	if (xt_rule_proto(tool, op, "udp", num, xt_conntrack) != 0)
		return -1;
	if (xt_rule_proto(tool, op, "tcp", num, xt_conntrack) != 0 && op[1] == 'I')
		log_warn("%s: no rule for DNS over TCP: its answers are not inspected", tool);
	else if (xt_rule_query(tool, op, num) != 0 && op[1] == 'I')
		log_warn("%s: no rule for the host's DNS queries over TCP: a high-security answer cut across "
		         "segments is not held back", tool);
	return 0;
}

/* Whether DNS may be asked over IPv6: /etc/resolv.conf (as the resolver
 * sees it, read here, before any privilege is dropped) lists an IPv6
 * nameserver.  A file we cannot take apart counts as yes (fail closed);
 * no file at all: glibc asks 127.0.0.1. */
static int dns_over_ipv6(void)
{
	static char text[65536];
	size_t len = 0;
	int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_warn("/etc/resolv.conf: %s: assuming an IPv6 nameserver", strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t r = read(fd, text + len, sizeof text - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof text)
			break;
	}
	close(fd);
	int n = len == sizeof text ? -1 : resolvconf_ipv6_nameservers(text, len);
	if (n < 0)
		log_warn("/etc/resolv.conf: too long or malformed: assuming an IPv6 nameserver");
	return n != 0;
}

enum rules_backend rules_install(uint16_t num)
{
	int need6 = dns_over_ipv6();

	if (nft_install(num) == 0) {
		installed = RULES_NFT;
		installed_num = num;
		log_info("DNS interception: nftables table inet " RULES_NFT_TABLE ", queue %u (bypass)", num);
		return RULES_NFT;
	}
	xt_conntrack = 1;
	if (xt_rule("iptables", "-I", num) != 0) {
		/* no conntrack match on this host: today's rule, which also
		 * queues unsolicited packets from port 53 */
		xt_conntrack = 0;
		if (xt_rule("iptables", "-I", num) != 0) {
			log_error("cannot install the DNS interception rule (nft and iptables failed)");
			return RULES_NONE;
		}
		log_warn("iptables conntrack match unavailable: DNS interception also sees "
		         "unsolicited packets from port 53 (spoofed answers can move a peer's address)");
	}
	/* IPv6 is best effort on a host that asks DNS over IPv4 only; with an
	 * IPv6 nameserver, answers we could not inspect would give
	 * high-security names their real addresses */
	int r6 = xt_rule("ip6tables", "-I", num);
	if (r6 != 0 && xt_conntrack) {
		xt_conntrack = 0;
		r6 = xt_rule("ip6tables", "-I", num);
		xt_conntrack = 1;
		if (r6 == 0)
			log_warn("ip6tables conntrack match unavailable: DNS interception over IPv6 also sees "
			         "unsolicited packets from port 53");
	}
	if (r6 != 0) {
		if (need6) {
			log_error("ip6tables rule not installed, and /etc/resolv.conf lists an IPv6 "
			          "nameserver: its answers would not be inspected; not starting");
			xt_rule("iptables", "-D", num);
			xt_delete_ours("iptables");
			xt_delete_ours("ip6tables");
			return RULES_NONE;
		}
		log_warn("ip6tables rule not installed: DNS answers over IPv6 are not inspected "
		         "(no IPv6 nameserver in /etc/resolv.conf)");
	}
	installed = RULES_XT;
	installed_num = num;
	log_info("DNS interception: iptables NFQUEUE %u (bypass)%s", num,
	         xt_conntrack ? ", answers to our queries only (conntrack ESTABLISHED)" : "");
	return RULES_XT;
}

void rules_remove(void)
{
	if (installed == RULES_NFT)
		nft_delete_table();
	else if (installed == RULES_XT) {
		xt_rule("iptables", "-D", installed_num);
		xt_rule("ip6tables", "-D", installed_num);
		/* and anything else of ours, in case a rule was doubled */
		xt_delete_ours("iptables");
		xt_delete_ours("ip6tables");
	}
	installed = RULES_NONE;
}

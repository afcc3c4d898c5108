#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "config.h"
#include "io/log.h"
#include "io/privsep.h"
#if HAVE_SECCOMP
#include <seccomp.h>
#endif
#if HAVE_CAPNG
#include <cap-ng.h>
#endif

int privsep_check_user(const char *user, int allow_root)
{
	if (getpwnam(user))
		return 0;
	if (allow_root) {
		log_warn("user %s does not exist: --allow-root given, so the daemon stays uid 0 "
		         "(without capabilities, under its seccomp filter)", user);
		return 0;
	}
	log_error("user %s does not exist: refusing to run as root (scripts/install-pqconnect creates it; "
	          "--user names another; --allow-root stays uid 0 without capabilities)", user);
	return -1;
}

/* Empty every capability set and the bounding set without changing ids. */
static int drop_caps_only(void)
{
#if HAVE_CAPNG
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
		log_error("dropping every capability failed (no CAP_SETPCAP for the bounding set?)");
		return -1;
	}
	return 0;
#else
	log_error("built without libcap-ng: cannot drop capabilities while staying uid 0");
	return -1;
#endif
}

int privsep_drop_user(const char *user, int allow_root)
{
	struct passwd *pw = getpwnam(user);
	int stayed_root = 0;
	if (!pw) {
		if (!allow_root) {
			log_error("user %s does not exist: refusing to run as root", user);
			return -1;
		}
		if (drop_caps_only() < 0)
			return -1;
		stayed_root = 1;
	} else {
#if HAVE_CAPNG
		/* no capabilities at all, bounding set cleared, supplementary
		 * groups dropped.  Clearing the bounding set needs CAP_SETPCAP:
		 * our units grant it, the reference package's do not (its
		 * service manager has already narrowed the bounding set).
		 * Without it the bounding set is left as it is: with
		 * no_new_privs (below) nothing can raise a capability from it,
		 * and the check after the switch makes sure none is left. */
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0) {
			capng_clear(CAPNG_SELECT_CAPS);
			if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_DROP_SUPP_GRP) != 0) {
				log_error("dropping privileges to %s failed (setgroups/setgid/setuid): refusing to go on", user);
				return -1;
			}
			log_warn("capability bounding set left to the service manager (no CAP_SETPCAP); "
			         "no capability is held and no_new_privs is set");
		}
		capng_get_caps_process();
		if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
			log_error("capabilities still held after dropping to %s: refusing to go on", user);
			return -1;
		}
#else
		if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
		    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
			log_error("dropping privileges to %s: %s", user, strerror(errno));
			return -1;
		}
#endif
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	if (!stayed_root && (setuid(0) == 0 || getuid() == 0 || geteuid() == 0)) {
		log_error("privileges could be regained: refusing to go on");
		return -1;
	}
	log_warn("Running as uid: %u euid: %u gid: %u egid: %u", (unsigned)getuid(), (unsigned)geteuid(),
	         (unsigned)getgid(), (unsigned)getegid());
	return stayed_root;
}

int privsep_seccomp(const int *extra, int all_threads)
{
	return privsep_seccomp_args(extra, NULL, 0, all_threads);
}

int privsep_seccomp_args(const int *extra, const struct privsep_argrule *argrules, size_t n, int all_threads)
{
#if HAVE_SECCOMP
	static const int allow[] = {
		SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(readv), SCMP_SYS(close),
		SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
		SCMP_SYS(recvmmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
		SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(accept4), SCMP_SYS(getsockopt),
		SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
		SCMP_SYS(getrandom), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
		SCMP_SYS(madvise), SCMP_SYS(mprotect), SCMP_SYS(futex), SCMP_SYS(rt_sigreturn),
		SCMP_SYS(rt_sigprocmask), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(getpid),
		SCMP_SYS(gettid), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(fcntl),
		SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
		SCMP_SYS(restart_syscall), SCMP_SYS(sched_yield),
		SCMP_SYS(sigaltstack),      /* the sanitizers' signal stacks */
	};
	/* anything else fails with EACCES: fail safe, but never crash the daemon */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EACCES));
	if (!ctx)
		return -1;
	int bad = 0;
	for (size_t i = 0; i < sizeof allow / sizeof allow[0]; i++)
		if (allow[i] >= 0)
			bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0) < 0;
	for (; extra && *extra; extra++)
		bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, *extra, 0) < 0;
	for (size_t i = 0; i < n; i++) {
		const struct privsep_argrule *r = &argrules[i];
		struct scmp_arg_cmp c[3];
		if (r->ncmp > 3) {
			bad = 1;
			break;
		}
		for (unsigned j = 0; j < r->ncmp; j++)
			c[j] = (struct scmp_arg_cmp){ .arg = r->cmp[j].arg, .op = SCMP_CMP_MASKED_EQ,
			                              .datum_a = r->cmp[j].mask, .datum_b = r->cmp[j].value };
		bad |= seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, r->ncmp, c) < 0;
	}
	/* signals only to this process (abort() and raise() use tgkill on
	 * themselves): a confined half never signals another process, such
	 * as a co-located daemon of the same user */
	const struct scmp_arg_cmp self = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid(), .datum_b = 0 };
	bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, self) < 0;
	bad |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, self) < 0;
	if (bad) {
		log_error("seccomp: a rule could not be added");
		seccomp_release(ctx);
		return -1;
	}
	/* every thread of the process, not only the caller (the server's
	 * handshake workers are started before the filter); asked only where
	 * there are other threads, since a kernel (or valgrind) without TSYNC
	 * refuses it */
	if (all_threads && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
		log_error("seccomp: cannot filter every thread");
		seccomp_release(ctx);
		return -1;
	}
	int r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0) {
		log_error("seccomp_load: %s", strerror(-r));
		return -1;
	}
	log_info("seccomp filter installed");
	return 0;
#else
	(void)extra, (void)argrules, (void)n, (void)all_threads;
	log_error("built without libseccomp: no system-call filter (rebuild with libseccomp-dev)");
	return -1;
#endif
}

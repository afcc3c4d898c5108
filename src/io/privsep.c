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

int privsep_drop_user(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		log_warn("user %s does not exist: staying uid %u (run scripts/install-pqconnect to create it)",
		         user, (unsigned)getuid());
		return 1;
	}
#if HAVE_CAPNG
	/* no capabilities at all, bounding set cleared, supplementary groups dropped */
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0) {
		/* clearing the bounding set needs CAP_SETPCAP; without it the
		 * capability sets are still emptied by the uid change */
		log_warn("could not clear the capability bounding set (no CAP_SETPCAP?)");
		capng_clear(CAPNG_SELECT_CAPS);
		if (capng_change_id((int)pw->pw_uid, (int)pw->pw_gid, CAPNG_DROP_SUPP_GRP) != 0) {
			log_error("dropping privileges to %s failed", user);
			return -1;
		}
	}
#else
	if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		log_error("dropping privileges to %s: %s", user, strerror(errno));
		return -1;
	}
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		log_error("privileges could be regained: refusing to go on");
		return -1;
	}
	log_warn("Running as uid: %u euid: %u gid: %u egid: %u", (unsigned)getuid(), (unsigned)geteuid(),
	         (unsigned)getgid(), (unsigned)getegid());
	return 0;
}

int privsep_seccomp(const int *extra, int all_threads)
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
		SCMP_SYS(restart_syscall), SCMP_SYS(sched_yield), SCMP_SYS(tgkill), SCMP_SYS(kill),
	};
	/* anything else fails with EACCES: fail safe, but never crash the daemon */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EACCES));
	if (!ctx)
		return -1;
	for (size_t i = 0; i < sizeof allow / sizeof allow[0]; i++)
		if (allow[i] >= 0)
			seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allow[i], 0);
	for (; extra && *extra; extra++)
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, *extra, 0);
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
	(void)extra, (void)all_threads;
	log_warn("built without libseccomp: no system-call filter");
	return 0;
#endif
}

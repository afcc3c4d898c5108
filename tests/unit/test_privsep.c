/* Privilege separation fails closed: a missing user is refused unless
 * --allow-root was given, and the seccomp filter lets a process signal
 * only itself. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "io/privsep.h"

#define NO_USER "pqc-no-such-user-4711"

int main(void)
{
	uid_t uid = getuid();

	CHECK_MSG(privsep_check_user(NO_USER, 0) == -1, "a missing user is refused");
	CHECK_MSG(privsep_check_user(NO_USER, 1) == 0, "... unless --allow-root was given");
	CHECK_MSG(privsep_drop_user(NO_USER, 0) == -1 && getuid() == uid, "dropping to a missing user fails, ids unchanged");

	/* the filter in a child, so that this process stays unconfined */
	pid_t parent = getpid(), child = fork();
	if (child == 0) {
		int bits = 0;
		if (privsep_seccomp(NULL, 0) < 0)
			_exit(100);
		if (kill(getpid(), 0) == 0)
			bits |= 1;
		if (kill(parent, 0) < 0 && errno == EACCES)
			bits |= 2;
		if (syscall(SYS_tgkill, parent, parent, 0) < 0 && errno == EACCES)
			bits |= 4;
		if (syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 0) == 0)
			bits |= 8;
		_exit(bits);
	}
	int st = 0;
	CHECK(child > 0 && waitpid(child, &st, 0) == child);
	CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) != 100, "the seccomp filter installs");
	int bits = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	CHECK_MSG(bits & 1, "under the filter, kill() of itself is allowed");
	CHECK_MSG(bits & 2, "kill() of another process is refused (EACCES)");
	CHECK_MSG(bits & 4, "tgkill() of another process is refused (EACCES)");
	CHECK_MSG(bits & 8, "tgkill() of its own thread is allowed (abort, raise)");
	return check_done();
}

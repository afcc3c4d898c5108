/* Privilege separation fails closed: a missing user is refused unless
 * --allow-root was given, and the seccomp filter lets a process signal
 * only itself; argument rules (privsep_seccomp_args) allow a call only with
 * the arguments they name, as the server's table does (openat read-only
 * unless writing is asked for, sockets only UDP over IPv4/IPv6). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
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

	/* argument rules: openat only without O_WRONLY|O_RDWR|O_CREAT|O_TRUNC,
	 * except relative to one directory descriptor; UDP sockets only */
	int dirfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dirfd >= 0);
	child = fork();
	if (child == 0) {
		const unsigned long long sockflags = SOCK_NONBLOCK | SOCK_CLOEXEC;
		const struct privsep_argrule r[] = {
			{ SYS_openat, 1, { { 2, O_WRONLY | O_RDWR | O_CREAT | O_TRUNC, 0 } } },
			{ SYS_openat, 1, { { 0, 0xffffffffull, (unsigned long long)dirfd } } },
			{ SYS_socket, 2, { { 0, 0xffffffffull, AF_INET }, { 1, 0xffffffffull & ~sockflags, SOCK_DGRAM } } },
			{ SYS_socket, 2, { { 0, 0xffffffffull, AF_INET6 }, { 1, 0xffffffffull & ~sockflags, SOCK_DGRAM } } },
		};
		int b = 0, fd;
		char name[64];
		snprintf(name, sizeof name, "pqc-test-privsep-%ld", (long)getpid());
		if (privsep_seccomp_args(NULL, r, sizeof r / sizeof r[0], 0) < 0)
			_exit(100);
		if ((fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC)) >= 0)
			b |= 1, close(fd);
		if (open("/tmp/pqc-test-privsep-x", O_WRONLY | O_CREAT | O_CLOEXEC, 0600) < 0 && errno == EACCES &&
		    open("/etc/hostname", O_RDWR | O_CLOEXEC) < 0 && errno == EACCES)
			b |= 2;
		if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0)
			b |= 4, close(fd), unlinkat(dirfd, name, 0);
		if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) >= 0)
			b |= 8, close(fd);
		if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) >= 0)
			b |= 16, close(fd);
		if (socket(AF_INET, SOCK_STREAM, 0) < 0 && errno == EACCES && socket(AF_UNIX, SOCK_DGRAM, 0) < 0 &&
		    errno == EACCES && socket(AF_NETLINK, SOCK_RAW, 0) < 0 && errno == EACCES)
			b |= 32;
		_exit(b);
	}
	CHECK(child > 0 && waitpid(child, &st, 0) == child);
	bits = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	CHECK_MSG(WIFEXITED(st) && bits != 100, "the filter with argument rules installs");
	CHECK_MSG(bits & 1, "argument rules: openat read-only is allowed");
	CHECK_MSG(bits & 2, "openat for writing (O_WRONLY|O_CREAT, O_RDWR) elsewhere is refused (EACCES)");
	CHECK_MSG(bits & 4, "openat for writing relative to the allowed directory descriptor works");
	CHECK_MSG(bits & 8, "socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC) is allowed");
	CHECK_MSG(bits & 16, "socket(AF_INET6, SOCK_DGRAM) is allowed");
	CHECK_MSG(bits & 32, "TCP, AF_UNIX and netlink sockets are refused (EACCES)");
	close(dirfd);
	unlink("/tmp/pqc-test-privsep-x");
	return check_done();
}

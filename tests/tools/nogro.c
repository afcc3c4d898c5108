/* nogro.so: an LD_PRELOAD shim for the e2e tests that makes the kernel look
 * as if it had no UDP GRO: setsockopt(IPPROTO_UDP, UDP_GRO) fails with
 * ENOPROTOOPT, every other option goes to the real setsockopt.  With it a
 * daemon uses its plain receive buffers (UDP_BUFSZ), so that datagrams
 * longer than those arrive cut (MSG_TRUNC).  tests/e2e/oversize uses it. */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);
	if (level == IPPROTO_UDP && name == UDP_GRO) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "setsockopt");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, level, name, val, len);
}

/* noipv6.so: an LD_PRELOAD shim for the e2e tests that makes the host look
 * as if it had no IPv6 (a kernel booted with ipv6.disable=1): socket(AF_INET6)
 * fails with EAFNOSUPPORT, every other socket goes to the real socket().
 * With it our daemons must fall back to IPv4-only ports and say so
 * (tests/e2e/ipv6-outer). */
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>

int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);
	if (domain == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "socket");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(domain, type, protocol);
}

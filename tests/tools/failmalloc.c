/* failmalloc.so: an LD_PRELOAD shim for the e2e tests that makes malloc of
 * exactly $PQC_FAILMALLOC_SIZE bytes fail while the file
 * $PQC_FAILMALLOC_FLAG exists (checked with stat, which the server's
 * seccomp filter allows).  tests/e2e/rotation uses it on the server's
 * handshake workers' key copies: a reload must then fail and change
 * nothing.  Release builds only (a sanitizer has its own malloc). */
#include <stdlib.h>
#include <sys/stat.h>

extern void *__libc_malloc(size_t size);

void *malloc(size_t size)
{
	static size_t fail_size = (size_t)-1;
	static int ready;
	if (!ready) {
		const char *s = getenv("PQC_FAILMALLOC_SIZE");
		fail_size = s ? (size_t)strtoul(s, NULL, 10) : (size_t)-1;
		ready = 1;
	}
	if (size == fail_size) {
		const char *flag = getenv("PQC_FAILMALLOC_FLAG");
		struct stat st;
		if (flag && stat(flag, &st) == 0)
			return NULL;
	}
	return __libc_malloc(size);
}

/* Log lines in the reference's format on stderr (journald picks them up). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>
#include "io/log.h"

static int level = L_INFO;
static const char *names[] = { "ERROR", "WARNING", "INFO", "DEBUG", "TRACE" };

void log_set_level(int l) { level = l; }
int log_get_level(void) { return level; }

static void vlog(int l, const char *suffix, const char *fmt, va_list ap)
{
	struct timeval tv;
	struct tm tm;
	char ts[32];
	char line[2048];

	if (l > level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "%s,%03d %s: %s%s\n", ts, (int)(tv.tv_usec / 1000),
	        names[l < 0 ? 0 : l > L_TRACE ? L_TRACE : l], line, suffix);
}

void log_msg(int l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(l, "", fmt, ap);
	va_end(ap);
}

/* A small table of keys (static strings compared by address), shared by
 * the threads of a process (the server's data threads log too). */
struct rl { const char *key; time_t sec; unsigned long suppressed; };
static struct rl rls[64];
static pthread_mutex_t rls_mu = PTHREAD_MUTEX_INITIALIZER;

void log_ratelimited(int l, const char *key, const char *fmt, ...)
{
	struct timespec ts;
	struct rl *r = NULL;
	char suffix[64] = "";
	va_list ap;

	if (l > level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&rls_mu);
	for (size_t i = 0; i < sizeof rls / sizeof rls[0]; i++) {
		if (rls[i].key == key || rls[i].key == NULL) {
			r = &rls[i];
			break;
		}
	}
	if (r) {
		if (r->key == key && r->sec == ts.tv_sec) {
			r->suppressed++;
			pthread_mutex_unlock(&rls_mu);
			return;
		}
		if (r->suppressed)
			snprintf(suffix, sizeof suffix, " (%lu similar lines suppressed)", r->suppressed);
		r->key = key;
		r->sec = ts.tv_sec;
		r->suppressed = 0;
	}
	pthread_mutex_unlock(&rls_mu);
	va_start(ap, fmt);
	vlog(l, suffix, fmt, ap);
	va_end(ap);
}

const char *ip4_str(uint32_t a)
{
	static _Thread_local char buf[8][16];     /* per thread: the data threads use it too */
	static _Thread_local unsigned n;
	char *b = buf[n++ % 8];
	snprintf(b, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return b;
}

int option_error(const char *prog, const char *opt, const char *val, const char *want, ...)
{
	va_list ap;
	fprintf(stderr, "%s: bad value for %s: '%s' (expected ", prog, opt, val);
	va_start(ap, want);
	vfprintf(stderr, want, ap);
	va_end(ap);
	fprintf(stderr, ")\n");
	return 2;
}

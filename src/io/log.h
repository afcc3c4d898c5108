/* Log lines "YYYY-MM-DD HH:MM:SS,mmm LEVEL: message" on stderr, as the
 * reference prints them (PROTOCOL.md §12.4).  Levels: -v DEBUG, -vv TRACE. */
#ifndef PQC_LOG_H
#define PQC_LOG_H
#include <stdint.h>

enum log_level { L_ERROR = 0, L_WARNING, L_INFO, L_DEBUG, L_TRACE };

void log_set_level(int level);
/* A bad command-line value, on standard error, naming the program, the
 * option and the value: "PROG: bad value for OPT: 'VAL' (expected ...)".
 * Returns 2, the exit status for a usage error. */
int option_error(const char *prog, const char *opt, const char *val, const char *want, ...)
	__attribute__((format(printf, 4, 5)));
int log_get_level(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* At most one line per key per second; the count of suppressed lines is
 * printed with the next one.  key is any static string. */
void log_ratelimited(int level, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(L_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(L_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(L_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_get_level() >= L_DEBUG) log_msg(L_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...) do { if (log_get_level() >= L_TRACE) log_msg(L_TRACE, __VA_ARGS__); } while (0)

/* Format an IPv4 address (host order) into a static rotating buffer. */
const char *ip4_str(uint32_t addr);
#endif

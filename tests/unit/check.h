/* A tiny TAP test harness: each CHECK is one TAP line; main() comes from
 * the test file and ends with check_done().  Used by every unit test. */
#ifndef PQC_CHECK_H
#define PQC_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static int check_n, check_failed;

static inline void check_report(int ok, const char *what, const char *file, int line)
{
	check_n++;
	if (!ok)
		check_failed++;
	printf("%sok %d - %s%s", ok ? "" : "not ", check_n, what, ok ? "\n" : "");
	if (!ok)
		printf(" (%s:%d)\n", file, line);
	fflush(stdout);
}

#define CHECK(cond) check_report(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MSG(cond, msg) check_report(!!(cond), msg, __FILE__, __LINE__)

/* every byte of p[0..n) is zero (erasure checks) */
static inline int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

/* hex string -> bytes; returns the byte count */
static inline size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;
	while (hex[0] && hex[1]) {
		if (hex[0] == ' ' || hex[0] == '\n') { hex++; continue; }
		unsigned v;
		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static inline int eq_hex(const uint8_t *buf, const char *hex)
{
	uint8_t tmp[4096];
	size_t n = unhex(tmp, hex);
	return memcmp(buf, tmp, n) == 0;
}
#define CHECK_HEX(buf, hex) check_report(eq_hex((buf), (hex)), #buf " == " hex, __FILE__, __LINE__)

static inline int check_done(void)
{
	printf("1..%d\n", check_n);
	return check_failed ? 1 : 0;
}
#endif

/* DNSCurve base32: alphabet 0123456789bcdfghjklmnpqrstuvwxyz, little-endian
 * 5-bit groups (PROTOCOL.md §4.2).  Pure functions. */
#ifndef PQC_BASE32_H
#define PQC_BASE32_H
#include <stddef.h>
#include <stdint.h>

/* Characters needed for n bytes: ceil(8n/5). */
size_t base32_encoded_len(size_t n);
/* Writes base32_encoded_len(n) characters (no NUL) and returns that count. */
size_t base32_encode(char *out, const uint8_t *in, size_t n);
/* Decodes inlen characters (case-insensitive) into exactly outlen =
 * floor(5*inlen/8) bytes.  Returns 0, or -1 on a character outside the
 * alphabet, on a wrong outlen, or when the value does not fit (non-zero
 * leftover high bits). */
int base32_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen);
#endif

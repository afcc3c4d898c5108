/* The server's port files, config/pqcport and config/keyport (PROTOCOL.md
 * §3.2): decimal ASCII with surrounding whitespace, an optional sign,
 * reduced mod 65536 as the reference does (so "-1" is 65535 and "107960"
 * is 42424).  Read by the server and by pqconnect-keygen, which must agree:
 * the port announced in the pq1 name is the one the server binds.  Pure. */
#ifndef PQC_PORTFILE_H
#define PQC_PORTFILE_H
#include <stddef.h>
#include <stdint.h>

#define PORTFILE_MAX 4096     /* a longer file is refused */

/* 0 and *port, or -1 (empty, not a number, a NUL byte, too long). */
int portfile_parse(const char *buf, size_t len, uint16_t *port);
/* The key port of the next key during a key rotation when config has no
 * next-keyport file: the key port + 1, skipping the crypto port and 0.
 * (scripts/rotate-server-key writes the file, alternating between two
 * ports.)  The server and pqconnect-keygen --next must agree. */
uint16_t portfile_next_keyport(uint16_t cryptoport, uint16_t keyport);
#endif

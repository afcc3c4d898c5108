/* resolv.conf: which nameservers are reached over IPv6.  Pure: the caller
 * reads the file (bounded) and passes its bytes. */
#ifndef PQC_PROTO_RESOLVCONF_H
#define PQC_PROTO_RESOLVCONF_H
#include <stddef.h>

/* Longest line taken apart; a longer one makes the text malformed. */
#define RESOLVCONF_MAX_LINE 1024

/* The number of "nameserver" lines in text[0..len) whose address is a valid
 * IPv6 address (a %scope suffix allowed), or -1 if the text is malformed
 * (a NUL byte, a line longer than RESOLVCONF_MAX_LINE): the caller must
 * then assume IPv6. */
int resolvconf_ipv6_nameservers(const char *text, size_t len);
#endif

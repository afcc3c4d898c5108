/* The system's resolvers (/etc/resolv.conf) and the TXT lookups that give
 * the ports of a short pq1 name. */
#ifndef PQC_CLIENT_TXT_H
#define PQC_CLIENT_TXT_H
#include "io/udp.h"

int resolv_nameservers(union sockaddr_any *out, int max);
struct txtq;
/* Looks up TXT name; calls cb(arg, port) with the port from the first
 * matching string (ks = 0: "p=<port>", ks = 1: "ip=..;p=<port>"), or
 * cb(arg, -1) on failure/deadline.  Returns NULL if it could not start. */
struct txtq *txt_lookup(const char *name, int ks, void (*cb)(void *arg, int port), void *arg);
/* Looks up AAAA name: cb(arg, addrs, n) with the AAAA records of the
 * answer (n may be 0; addrs valid during the call), or (NULL, 0) on
 * failure/deadline.  The answer passes our own queue unchanged.  Cancel
 * with txt_cancel.  NULL if it could not start. */
struct txtq *aaaa_lookup(const char *name, void (*cb)(void *arg, const uint8_t (*addrs)[16], unsigned n), void *arg);
void txt_cancel(struct txtq *q);
#endif

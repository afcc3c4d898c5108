/* --dns-proxy over TCP: the same forwarding resolver for clients that ask
 * over TCP (dnsproxy.c owns the UDP side, the upstreams and the timer). */
#ifndef PQC_CLIENT_DNSPROXYTCP_H
#define PQC_CLIENT_DNSPROXYTCP_H
#include <stdint.h>
#include "io/udp.h"

/* Listen on addr (TCP; still root).  up: the upstream resolvers (kept by
 * the caller), nup of them.  0 / -1. */
int dnsproxy_tcp_start(const union sockaddr_any *addr, const union sockaddr_any *up, int nup);
/* Connections past their deadline: closed, or their upstream given up. */
void dnsproxy_tcp_sweep(uint64_t now);
void dnsproxy_tcp_stop(void);
#endif

/* Static peers: servers named in the peers file (pqconnect(8)), reached
 * without DNS, pinged TrIPE-style, with ifup/ifdown hooks. */
#ifndef PQC_CLIENT_STATICPEERS_H
#define PQC_CLIENT_STATICPEERS_H
#include <stddef.h>
#include "client/peersfile.h"

/* Apply a parsed peers file (taken over; NULL: none), or the text of one
 * the monitor sent.  New static peers get a tunnel, peers no longer in
 * the file become ordinary peers. */
void static_peers_use(struct peersfile *pf);
void static_peers_apply(const char *text, size_t len);
void static_peers_free(void);
#endif

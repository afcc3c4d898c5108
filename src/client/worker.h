/* The worker's side of the privilege separation: the channel to the root
 * monitor.  In: queued DNS packets (the netfilter-queue transport of the
 * DNS decision), the peers file, the monitor's counters.  Out: verdicts,
 * hook and reload requests. */
#ifndef PQC_CLIENT_WORKER_H
#define PQC_CLIENT_WORKER_H
#include "client/peer.h"

int worker_channel_open(int fd);
/* Ask the monitor to run p's ifup (up = 1) or ifdown hook. */
void worker_hook(struct peer *p, int up);
/* Ask the monitor to re-read the peers file (it sends it back).  0 / -1. */
int worker_request_reload(void);
#endif

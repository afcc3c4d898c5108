/* The client's data path: application packets from the TUN device sealed
 * into their peer's tunnel, tunnel packets opened and delivered to the TUN,
 * and the two packets the client makes itself (probes and keepalives).
 * Reports to the lifecycle: authenticated packets, probe replies, packets
 * that found no tunnel. */
#ifndef PQC_CLIENT_DATAPATH_H
#define PQC_CLIENT_DATAPATH_H
#define DATAPATH_MAX_WAITING 32     /* application packets a peer keeps while its tunnel is made */
#include <stddef.h>
#include <stdint.h>
#include "client/peer.h"
#include "io/loop.h"

/* Receive and send buffers for the tunnel socket, the TUN adopted.  0 / -1. */
int datapath_init(void);
void datapath_free(void);
void on_tun_readable(struct loop *l, int fd, uint32_t events, void *arg);
void on_udp_readable(struct loop *l, int fd, uint32_t events, void *arg);
/* One datagram from the tunnel socket (also the fuzzers' entry). */
void datapath_rx_datagram(const uint8_t *d, size_t len, const union sockaddr_any *from, uint64_t now);
/* A probe through p's tunnel (one sequence space per peer); its sequence
 * number, or -1 if nothing was sent. */
int datapath_send_probe(struct peer *p, uint64_t now);
/* One plaintext of our own (a session claim) through p's tunnel.  0 / -1. */
int datapath_send_plain(struct peer *p, const uint8_t *pt, size_t n, uint64_t now);
void datapath_send_keepalive(struct peer *p, uint64_t now);
/* The lifecycle's route check: 0 if p's endpoint has a route, or the tunnel
 * was moved (same keys, a keepalive sent: the server follows an
 * authenticated packet from a new address of either family) to another
 * address of the server that has one; -1 if none has. */
int datapath_route_check(struct peer *p, uint64_t now);
/* The application packets that waited for p's tunnel: sent through it
 * (ok), or answered with ICMP host unreachable and dropped. */
void datapath_release_waiting(struct peer *p, int ok, uint64_t now);
#endif

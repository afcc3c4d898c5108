/* A netfilter queue (NFQUEUE) read through libnetfilter_queue's libmnl API:
 * copy-packet mode, fail-open when the queue is full, a non-blocking
 * netlink socket in the event loop, one callback per packet.  Verdicts may
 * be given later and in any order (a held answer must not block others). */
#ifndef PQC_NFQ_H
#define PQC_NFQ_H
#include <stddef.h>
#include <stdint.h>
#include "io/loop.h"

struct nfqueue;
/* pkt is the whole IP packet; it is only valid during the call. */
typedef void (*nfqueue_cb)(struct nfqueue *q, uint32_t id, const uint8_t *pkt, size_t len, void *arg);

/* Binds queue number num and adds its socket to l.  NULL on failure (for
 * example when another process holds the queue). */
struct nfqueue *nfqueue_open(struct loop *l, uint16_t num, nfqueue_cb cb, void *arg);
/* Verdict: accept unchanged. 0 / -1. */
int nfqueue_accept(struct nfqueue *q, uint32_t id);
/* Drop a queued packet (a DNS answer that must not reach the application). */
int nfqueue_drop(struct nfqueue *q, uint32_t id);
/* Verdict: accept with pkt (a complete IP packet) as the new content. 0 / -1. */
int nfqueue_accept_with(struct nfqueue *q, uint32_t id, const uint8_t *pkt, size_t len);
/* Unbinds (packets still queued are accepted by the kernel) and frees q. */
void nfqueue_close(struct nfqueue *q, struct loop *l);
/* Packets the kernel reported lost (ENOBUFS) and verdicts that failed. */
uint64_t nfqueue_losses(const struct nfqueue *q);
#endif

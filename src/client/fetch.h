/* Static and ephemeral keys from a server's key server (PROTOCOL.md §6),
 * and the on-disk cache of verified static keys. */
#ifndef PQC_CLIENT_FETCH_H
#define PQC_CLIENT_FETCH_H
#include <stdint.h>
#include "io/udp.h"

/* The cached, verified M || X of hash (KT_DATA_LEN bytes, malloc'd), or
 * NULL if there is none fresh enough. */
uint8_t *client_keycache_load(const uint8_t hash[32]);
void client_keycache_store(const uint8_t hash[32], const uint8_t *data /* KT_DATA_LEN */);

struct keyfetch;
/* Fetch the whole key tree of hash from host:port (IPv4 or IPv6).  cb(arg, data) with the
 * verified M||X (valid during the call), or data NULL on failure. */
struct keyfetch *keyfetch_start(const union sockaddr_any *host, uint16_t port, const uint8_t hash[32],
                                void (*cb)(void *arg, const uint8_t *data), void *arg);
void keyfetch_cancel(struct keyfetch *f);
struct ephfetch;
/* Fetch the current ephemeral keys: cb(arg, ntru_pk, x_pk) or NULLs on failure. */
struct ephfetch *ephfetch_start(const union sockaddr_any *host, uint16_t port,
                                void (*cb)(void *arg, const uint8_t *ntru_pk, const uint8_t *x_pk), void *arg);
void ephfetch_cancel(struct ephfetch *f);
#endif

/* Internal addresses of a TUN subnet (PROTOCOL.md §11.4, §12.3): the lowest
 * free host number >= 2 is handed out, reserved at once (no window between
 * choosing and registering), and returned when the peer goes away.  At most
 * ADDRPOOL_MAX hosts, as the reference's MAX_CONNS.  Pure: no I/O. */
#ifndef PQC_ADDRPOOL_H
#define PQC_ADDRPOOL_H
#include <stdint.h>

#define ADDRPOOL_MAX 65536

struct addrpool {
	uint32_t net;          /* network address (host order) */
	uint32_t mask;         /* netmask (host order) */
	uint32_t size;         /* host numbers 0..size-1 are managed */
	uint32_t own;          /* host number of the TUN's own address (reserved) */
	uint32_t bcast;        /* host number of the broadcast address, or 0 if outside the range */
	uint32_t used;         /* allocated host numbers (not counting reserved 0/1/broadcast) */
	uint64_t bits[ADDRPOOL_MAX / 64];   /* bit set: host number taken */
};

/* addr/maskbits of the TUN (8..30).  The TUN's own address, host numbers 0
 * and 1 and the broadcast address are never handed out.  0 / -1. */
int addrpool_init(struct addrpool *p, uint32_t addr, int maskbits);
/* Lowest free address; 0 and *addr set, or -1 when full. */
int addrpool_alloc(struct addrpool *p, uint32_t *addr);
/* Reserve this particular address (a configured one).  0, or -1 if it is
 * outside the pool, reserved or already taken. */
int addrpool_take(struct addrpool *p, uint32_t addr);
/* Give an address back (ignored if not allocated or outside the pool). */
void addrpool_free(struct addrpool *p, uint32_t addr);
/* 1 if addr lies inside the subnet (whether or not allocated). */
int addrpool_in_subnet(const struct addrpool *p, uint32_t addr);
/* Host number of addr inside the managed range, or -1. */
long addrpool_index(const struct addrpool *p, uint32_t addr);
/* 1 if addr is currently allocated. */
int addrpool_is_used(const struct addrpool *p, uint32_t addr);
#endif

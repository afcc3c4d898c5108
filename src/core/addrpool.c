/* Address pool: a bitmap over host numbers, searched a word at a time for
 * the lowest clear bit.  See addrpool.h. */
#include <string.h>
#include "core/addrpool.h"

static void set_bit(struct addrpool *p, uint32_t i) { p->bits[i / 64] |= (uint64_t)1 << (i % 64); }
static void clr_bit(struct addrpool *p, uint32_t i) { p->bits[i / 64] &= ~((uint64_t)1 << (i % 64)); }
static int get_bit(const struct addrpool *p, uint32_t i) { return (p->bits[i / 64] >> (i % 64)) & 1; }

int addrpool_init(struct addrpool *p, uint32_t addr, int maskbits)
{
	uint64_t hosts;

	if (maskbits < 8 || maskbits > 30)
		return -1;
	memset(p, 0, sizeof *p);
	p->mask = (uint32_t)(0xffffffffu << (32 - maskbits));
	p->net = addr & p->mask;
	hosts = (uint64_t)1 << (32 - maskbits);
	p->size = hosts > ADDRPOOL_MAX ? ADDRPOOL_MAX : (uint32_t)hosts;
	/* never hand out: the network address, .1 (the TUN's usual address),
	 * the TUN's own address, and the broadcast address if it is in range */
	set_bit(p, 0);
	set_bit(p, 1);
	p->own = addr & ~p->mask;
	if (p->own < p->size)
		set_bit(p, p->own);
	if (hosts <= ADDRPOOL_MAX) {
		p->bcast = (uint32_t)(hosts - 1);
		set_bit(p, p->bcast);
	}
	/* past the end of the managed range: mark taken so the search stops */
	for (uint32_t i = p->size; i < ADDRPOOL_MAX; i++)
		set_bit(p, i);
	return 0;
}

int addrpool_alloc(struct addrpool *p, uint32_t *addr)
{
	for (uint32_t w = 0; w < ADDRPOOL_MAX / 64; w++) {
		uint64_t free_bits = ~p->bits[w];
		if (!free_bits)
			continue;
		uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		if (i >= p->size)
			return -1;
		set_bit(p, i);
		p->used++;
		*addr = p->net | i;
		return 0;
	}
	return -1;
}

long addrpool_index(const struct addrpool *p, uint32_t addr)
{
	if ((addr & p->mask) != p->net)
		return -1;
	uint32_t i = addr & ~p->mask;
	return i < p->size ? (long)i : -1;
}

int addrpool_in_subnet(const struct addrpool *p, uint32_t addr) { return (addr & p->mask) == p->net; }

int addrpool_is_used(const struct addrpool *p, uint32_t addr)
{
	long i = addrpool_index(p, addr);
	return i >= 2 && (uint32_t)i != p->own && (!p->bcast || (uint32_t)i != p->bcast) &&
	       get_bit(p, (uint32_t)i);
}

void addrpool_free(struct addrpool *p, uint32_t addr)
{
	long i = addrpool_index(p, addr);
	/* the permanently reserved numbers are not ours to free */
	if (i < 2 || (uint32_t)i == p->own || (p->bcast && (uint32_t)i == p->bcast) || !get_bit(p, (uint32_t)i) || p->used == 0)
		return;
	clr_bit(p, (uint32_t)i);
	p->used--;
}

int addrpool_take(struct addrpool *p, uint32_t addr)
{
	long i = addrpool_index(p, addr);
	/* reserved numbers (0, 1, own, broadcast) and taken ones are refused alike */
	if (i < 0 || get_bit(p, (uint32_t)i))
		return -1;
	set_bit(p, (uint32_t)i);
	p->used++;
	return 0;
}

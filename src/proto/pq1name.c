/* pq1 labels (PROTOCOL.md §4.3-§4.4).  Unlike the reference, the "pq1"
 * prefix and the base32 text are matched case-insensitively, so resolvers
 * that randomise case (0x20 bit) do not hide a PQConnect server. */
#include <string.h>

#include "proto/base32.h"
#include "proto/pq1name.h"

void pq1_port_encode(char out[4], uint16_t port)
{
	uint8_t be[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	base32_encode(out, be, 2);
}

int pq1_port_decode(uint16_t *port, const char in[4])
{
	uint8_t be[2];
	if (base32_decode(be, 2, in, 4) != 0)
		return -1;
	*port = (uint16_t)((be[0] << 8) | be[1]);
	return 0;
}

static int lower_eq(char c, char want)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	return c == want;
}

int pq1_parse_label(struct pq1name *out, const char *label, size_t len)
{
	struct pq1name n;

	if (len != PQ1_SHORT_LEN && len != PQ1_LONG_LEN)
		return 0;
	if (!lower_eq(label[0], 'p') || !lower_eq(label[1], 'q') || label[2] != '1')
		return 0;
	memset(&n, 0, sizeof n);
	if (base32_decode(n.hash, 32, label + 3, 52) != 0)
		return -1;
	if (len == PQ1_LONG_LEN) {
		if (pq1_port_decode(&n.cryptoport, label + 55) != 0 ||
		    pq1_port_decode(&n.keyport, label + 59) != 0)
			return -1;
		n.has_ports = 1;
	}
	*out = n;
	return 1;
}

int pq1_parse_name(struct pq1name *out, const char *name, size_t len)
{
	size_t start = 0;

	while (start < len) {
		size_t end = start;
		while (end < len && name[end] != '.')
			end++;
		int r = pq1_parse_label(out, name + start, end - start);
		if (r != 0)
			return r;
		start = end + 1;
	}
	return 0;
}

size_t pq1_format(char out[PQ1_LONG_LEN], const uint8_t hash[32], int with_ports,
                  uint16_t cryptoport, uint16_t keyport)
{
	out[0] = 'p';
	out[1] = 'q';
	out[2] = '1';
	base32_encode(out + 3, hash, 32);
	if (!with_ports)
		return PQ1_SHORT_LEN;
	pq1_port_encode(out + 55, cryptoport);
	pq1_port_encode(out + 59, keyport);
	return PQ1_LONG_LEN;
}

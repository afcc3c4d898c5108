#include "proto/portfile.h"

static int space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

int portfile_parse(const char *buf, size_t len, uint16_t *port)
{
	size_t i = 0, end = len;
	int neg = 0;
	uint32_t v = 0;

	if (len > PORTFILE_MAX)
		return -1;
	while (i < end && space(buf[i]))
		i++;
	while (end > i && space(buf[end - 1]))
		end--;
	if (i < end && (buf[i] == '+' || buf[i] == '-'))
		neg = buf[i++] == '-';
	if (i == end)
		return -1;
	for (; i < end; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		/* mod 65536 digit by digit: any length, no overflow */
		v = (v * 10 + (uint32_t)(buf[i] - '0')) & 0xffff;
	}
	*port = (uint16_t)(neg ? (0x10000 - v) & 0xffff : v);
	return 0;
}

uint16_t portfile_next_keyport(uint16_t cryptoport, uint16_t keyport)
{
	uint16_t p = (uint16_t)(keyport + 1);
	while (p == cryptoport || p == 0 || p == keyport)
		p++;
	return p;
}

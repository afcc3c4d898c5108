/* See resolvconf.h.  Lines as glibc reads them: "nameserver ADDR" with
 * blanks around; comments start with '#' or ';'; anything else is not ours. */
#include <arpa/inet.h>
#include <string.h>
#include "proto/resolvconf.h"

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* 1 if line[0..n) is "nameserver <IPv6 address>", else 0. */
static int ipv6_nameserver(const char *line, size_t n)
{
	static const char kw[] = "nameserver";
	size_t i = 0;
	char addr[64];

	while (i < n && blank(line[i]))
		i++;
	if (n - i <= sizeof kw - 1 || memcmp(line + i, kw, sizeof kw - 1) != 0 || !blank(line[i + sizeof kw - 1]))
		return 0;
	i += sizeof kw - 1;
	while (i < n && blank(line[i]))
		i++;
	size_t start = i;
	while (i < n && !blank(line[i]) && line[i] != '%')
		i++;
	if (i == start || i - start >= sizeof addr)
		return 0;
	memcpy(addr, line + start, i - start);
	addr[i - start] = 0;
	struct in6_addr a6;
	return inet_pton(AF_INET6, addr, &a6) == 1;
}

int resolvconf_ipv6_nameservers(const char *text, size_t len)
{
	int count = 0;
	size_t pos = 0;

	if (!text)
		return len ? -1 : 0;
	if (memchr(text, 0, len))
		return -1;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > RESOLVCONF_MAX_LINE)
			return -1;
		count += ipv6_nameserver(text + pos, n);
		pos += n + 1;
	}
	return count;
}

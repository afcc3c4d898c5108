/* Outer addresses as text (see endpoint.h).  The IPv4 form is parsed by
 * hand (strict dotted quad); the IPv6 form by inet_pton on a bounded,
 * NUL-terminated copy after checking its characters. */
#include <arpa/inet.h>
#include <string.h>
#include "proto/endpoint.h"

static int parse_ip4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -1;
		out[part] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

static int parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;
	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_ip6(const char *s, size_t n, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16];
	if (n < 2 || n >= sizeof buf)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
			return -1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET6, buf, out) != 1)
		return -1;
	if (!memcmp(out, zero, 16) || out[0] == 0xff || !memcmp(out, mapped, 12))
		return -1;
	return 0;
}

int endpoint_parse(const char *s, size_t n, struct endpoint *ep)
{
	memset(ep, 0, sizeof *ep);
	if (n == 0 || n > ENDPOINT_MAX_TEXT)
		return -1;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || parse_ip6(s + 1, (size_t)(close - s - 1), ep->addr) < 0)
			goto bad;
		size_t rest = n - (size_t)(close - s) - 1;
		if (rest > 0) {
			if (close[1] != ':' || parse_port(close + 2, rest - 1, &ep->port) < 0)
				goto bad;
			ep->has_port = 1;
		}
		return 0;
	}
	const char *colon = memchr(s, ':', n);
	if (colon && memchr(colon + 1, ':', n - (size_t)(colon - s) - 1))
		return parse_ip6(s, n, ep->addr) < 0 ? (memset(ep, 0, sizeof *ep), -1) : 0;
	size_t alen = colon ? (size_t)(colon - s) : n;
	if (parse_ip4(s, alen, ep->addr + 12) < 0)
		goto bad;
	if ((!ep->addr[12] && !ep->addr[13] && !ep->addr[14] && !ep->addr[15]) ||
	    (ep->addr[12] == 255 && ep->addr[13] == 255 && ep->addr[14] == 255 && ep->addr[15] == 255))
		goto bad;
	ep->addr[10] = ep->addr[11] = 0xff;
	ep->is_v4 = 1;
	if (colon) {
		if (parse_port(colon + 1, n - alen - 1, &ep->port) < 0)
			goto bad;
		ep->has_port = 1;
	}
	return 0;
bad:
	memset(ep, 0, sizeof *ep);
	return -1;
}

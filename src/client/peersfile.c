/* The static peers file: see peersfile.h.  Line by line over an explicit
 * length; every value is checked on its own (range, characters), every
 * stanza as a whole (hash and address present), and the set (names,
 * hashes and internal addresses unique). */
#include <stdio.h>
#include <string.h>
#include "client/peersfile.h"
#include "proto/endpoint.h"
#include "proto/pq1name.h"

enum { K_HASH, K_ADDRESS, K_PORT, K_KEYPORT, K_INTERNAL, K_EVERY, K_TIMEOUT, K_RETRIES, K_IFUP, K_IFDOWN, K_N };
static const char *const key_names[K_N] = { "hash", "address", "port", "keyport", "internal",
                                            "every", "timeout", "retries", "ifup", "ifdown" };

struct stanza {
	struct pf_peer *p;
	unsigned seen;          /* bit per key */
	int label_ports;        /* the hash was a 63-char label */
	uint16_t lport, lkeyport;
	int addr_port;          /* the address carried the crypto port */
};

static int fail(struct pf_error *e, unsigned line, const char *msg, const char *s, size_t n)
{
	e->line = line;
	if (s) {
		if (n > 40)
			n = 40;
		/* the offending word, with anything unprintable shown as '?' */
		char w[41];
		for (size_t i = 0; i < n; i++)
			w[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
		w[n] = 0;
		snprintf(e->msg, sizeof e->msg, "%s '%s'", msg, w);
	} else
		snprintf(e->msg, sizeof e->msg, "%s", msg);
	return -1;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_ip4(const char *s, size_t n, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t start = i;
		uint32_t v = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (uint32_t)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return -1;
		a = a << 8 | v;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
	}
	if (i != n)
		return -1;
	*out = a;
	return 0;
}

/* "30", "30s", "500ms", "2m", "1h" -> milliseconds in [100 ms, 1 day] */
static int parse_duration(const char *s, size_t n, uint32_t *ms)
{
	size_t d = 0;
	uint64_t v, mult = 1000;
	while (d < n && s[d] >= '0' && s[d] <= '9')
		d++;
	if (parse_uint(s, d, 86400000, &v) < 0)
		return -1;
	if (d == n || (n - d == 1 && s[d] == 's'))
		mult = 1000;
	else if (n - d == 2 && s[d] == 'm' && s[d + 1] == 's')
		mult = 1;
	else if (n - d == 1 && s[d] == 'm')
		mult = 60000;
	else if (n - d == 1 && s[d] == 'h')
		mult = 3600000;
	else
		return -1;
	v *= mult;
	if (v < 100 || v > 86400000)
		return -1;
	*ms = (uint32_t)v;
	return 0;
}

static int set_key(struct stanza *st, const char *k, size_t kn, const char *v, size_t vn, unsigned line,
                   struct pf_error *e)
{
	struct pf_peer *p = st->p;
	uint64_t u;
	int key = -1;

	for (int i = 0; i < K_N; i++)
		if (strlen(key_names[i]) == kn && !memcmp(key_names[i], k, kn))
			key = i;
	if (key < 0)
		return fail(e, line, "unknown key", k, kn);
	if (st->seen & (1u << key))
		return fail(e, line, "key given twice:", k, kn);
	st->seen |= 1u << key;
	if (vn == 0)
		return fail(e, line, "empty value for", k, kn);

	switch (key) {
	case K_HASH: {
		struct pq1name nm;
		char label[PQ1_LONG_LEN];
		if (vn == 52) {
			memcpy(label, "pq1", 3);
			memcpy(label + 3, v, 52);
			if (pq1_parse_label(&nm, label, PQ1_SHORT_LEN) != 1)
				return fail(e, line, "not a pq1 key hash:", v, vn);
		} else if ((vn == PQ1_SHORT_LEN || vn == PQ1_LONG_LEN) && pq1_parse_label(&nm, v, vn) == 1) {
			if (nm.has_ports) {
				st->label_ports = 1;
				st->lport = nm.cryptoport;
				st->lkeyport = nm.keyport;
			}
		} else
			return fail(e, line, "not a pq1 key hash or label:", v, vn);
		memcpy(p->hash, nm.hash, 32);
		return 0;
	}
	case K_ADDRESS: {
		struct endpoint ep;
		if (endpoint_parse(v, vn, &ep) < 0)
			return fail(e, line, "bad address (192.0.2.10, 2001:db8::1, [2001:db8::1]:42424)", v, vn);
		memcpy(p->addr, ep.addr, 16);
		if (ep.has_port) {
			st->addr_port = 1;
			p->port = ep.port;
		}
		return 0;
	}
	case K_INTERNAL: {
		uint32_t a;
		if (parse_ip4(v, vn, &a) < 0 || a == 0 || a == 0xffffffff)
			return fail(e, line, "bad IPv4 address", v, vn);
		p->internal = a;
		return 0;
	}
	case K_PORT:
	case K_KEYPORT:
		if (parse_uint(v, vn, 65535, &u) < 0 || u == 0)
			return fail(e, line, "bad port", v, vn);
		if (key == K_PORT)
			p->port = (uint16_t)u;
		else
			p->keyport = (uint16_t)u;
		return 0;
	case K_EVERY:
	case K_TIMEOUT:
		if (parse_duration(v, vn, key == K_EVERY ? &p->every_ms : &p->timeout_ms) < 0)
			return fail(e, line, "bad time (e.g. 30s, 500ms, 2m; 100 ms to 1 day):", v, vn);
		return 0;
	case K_RETRIES:
		if (parse_uint(v, vn, 100, &u) < 0 || u == 0)
			return fail(e, line, "bad retries (1 to 100):", v, vn);
		p->retries = (uint32_t)u;
		return 0;
	case K_IFUP:
	case K_IFDOWN: {
		char *dst = key == K_IFUP ? p->ifup : p->ifdown;
		if (vn > PF_CMD_MAX)
			return fail(e, line, "command too long", NULL, 0);
		for (size_t i = 0; i < vn; i++)
			if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
				return fail(e, line, "control character in command", NULL, 0);
		memcpy(dst, v, vn);
		dst[vn] = 0;
		return 0;
	}
	}
	return -1;
}

static int finish_stanza(struct peersfile *pf, struct stanza *st, struct pf_error *e)
{
	struct pf_peer *p = st->p;
	if (!p)
		return 0;
	if (!(st->seen & (1u << K_HASH)))
		return fail(e, p->line, "peer without hash:", p->name, strlen(p->name));
	if (!(st->seen & (1u << K_ADDRESS)))
		return fail(e, p->line, "peer without address:", p->name, strlen(p->name));
	if (st->addr_port && (st->seen & (1u << K_PORT)))
		return fail(e, p->line, "crypto port given twice (address and port):", p->name, strlen(p->name));
	if (!(st->seen & (1u << K_PORT)) && !st->addr_port)
		p->port = st->label_ports ? st->lport : 42424;
	if (!(st->seen & (1u << K_KEYPORT)))
		p->keyport = st->label_ports ? st->lkeyport : 42425;
	for (unsigned i = 0; i + 1 < pf->n; i++) {
		const struct pf_peer *q = &pf->peer[i];
		if (!memcmp(q->hash, p->hash, 32))
			return fail(e, p->line, "same hash as an earlier peer:", q->name, strlen(q->name));
		if (p->internal && q->internal == p->internal)
			return fail(e, p->line, "same internal address as peer", q->name, strlen(q->name));
	}
	st->p = NULL;
	return 0;
}

static int start_stanza(struct peersfile *pf, struct stanza *st, const char *name, size_t n, unsigned line,
                        struct pf_error *e)
{
	if (n == 0 || n > PF_NAME_MAX)
		return fail(e, line, "peer name must have 1 to 63 characters", NULL, 0);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return fail(e, line, "bad character in peer name", name, n);
	}
	for (unsigned i = 0; i < pf->n; i++)
		if (strlen(pf->peer[i].name) == n && !memcmp(pf->peer[i].name, name, n))
			return fail(e, line, "peer name used twice:", name, n);
	if (pf->n >= PF_MAX_PEERS)
		return fail(e, line, "too many peers (at most 64)", NULL, 0);
	struct pf_peer *p = &pf->peer[pf->n++];
	memset(p, 0, sizeof *p);
	memcpy(p->name, name, n);
	p->every_ms = PF_DEFAULT_EVERY_MS;
	p->timeout_ms = PF_DEFAULT_TIMEOUT_MS;
	p->retries = PF_DEFAULT_RETRIES;
	p->line = line;
	memset(st, 0, sizeof *st);
	st->p = p;
	return 0;
}

/* One-line form: the words after "[name]" are key=value. */
static int words(struct stanza *st, const char *s, size_t n, unsigned line, struct pf_error *e)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && is_space(s[i]))
			i++;
		if (i == n)
			break;
		size_t w = i;
		while (i < n && !is_space(s[i]))
			i++;
		const char *eq = memchr(s + w, '=', i - w);
		if (!eq)
			return fail(e, line, "expected key=value, got", s + w, i - w);
		if (set_key(st, s + w, (size_t)(eq - (s + w)), eq + 1, (size_t)(s + i - eq - 1), line, e) < 0)
			return -1;
	}
	return 0;
}

static int one_line(struct peersfile *pf, struct stanza *st, const char *s, size_t n, unsigned line,
                    struct pf_error *e)
{
	while (n && is_space(*s))
		s++, n--;
	while (n && (is_space(s[n - 1]) || s[n - 1] == '\r'))
		n--;
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (n > PF_LINE_MAX)
		return fail(e, line, "line too long", NULL, 0);
	for (size_t i = 0; i < n; i++)
		if (s[i] == 0)
			return fail(e, line, "NUL byte", NULL, 0);
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return fail(e, line, "missing ']'", NULL, 0);
		if (finish_stanza(pf, st, e) < 0 ||
		    start_stanza(pf, st, s + 1, (size_t)(close - s - 1), line, e) < 0)
			return -1;
		return words(st, close + 1, (size_t)(s + n - close - 1), line, e);
	}
	if (!st->p)
		return fail(e, line, "setting outside a [peer] stanza:", s, n);
	const char *eq = memchr(s, '=', n);
	if (!eq)
		return fail(e, line, "expected 'key = value', got", s, n);
	size_t kn = (size_t)(eq - s), vo = kn + 1;
	while (kn && is_space(s[kn - 1]))
		kn--;
	while (vo < n && is_space(s[vo]))
		vo++;
	return set_key(st, s, kn, s + vo, n - vo, line, e);
}

int peersfile_parse(struct peersfile *pf, const char *text, size_t len, struct pf_error *err)
{
	struct stanza st = { 0 };
	size_t pos = 0;
	unsigned line = 0;

	pf->n = 0;
	err->line = 0;
	err->msg[0] = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		line++;
		if (one_line(pf, &st, text + pos, end - pos, line, err) < 0)
			return -1;
		pos = nl ? end + 1 : len;
	}
	return finish_stanza(pf, &st, err);
}

const struct pf_peer *peersfile_find(const struct peersfile *pf, const uint8_t hash[32])
{
	for (unsigned i = 0; i < pf->n; i++)
		if (!memcmp(pf->peer[i].hash, hash, 32))
			return &pf->peer[i];
	return NULL;
}

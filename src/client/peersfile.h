/* Static peers (issue 7): servers the client connects to at start, without
 * any DNS lookup, named by their pq1 key hash.  The file is INI-like, one
 * stanza per peer, or the whole stanza on one line:
 *
 *   # comment
 *   [office]
 *   hash     = <52-char pq1 hash>  or a whole pq1 label (55/63 chars;
 *              the 63-char form carries the ports)
 *   address  = 192.0.2.10          server's address: IPv4 or IPv6 (2001:db8::1),
 *                                  optionally with the crypto port
 *                                  (192.0.2.10:4000, [2001:db8::1]:4000)
 *   port     = 42424               crypto port (default 42424, or the label's)
 *   keyport  = 42425               key port    (default 42425, or the label's)
 *   internal = 10.43.0.50          stable internal address (default: the
 *                                  next free one, in file order)
 *   every    = 30s                 liveness ping interval (ms, s, m, h; bare = s)
 *   timeout  = 10s                 wait for each ping reply
 *   retries  = 5                   failed pings before reconnecting
 *   ifup     = /usr/local/sbin/up-hook arg   run (by /bin/sh -c, as root)
 *   ifdown   = ...                 when the tunnel comes up / goes down
 *
 *   [lab] hash=... address=192.0.2.11 every=5s     (one-line form: key=value
 *                                                   words, no spaces in values)
 *
 * The parser is pure: explicit lengths, no allocation, no I/O; any oddity
 * is an error naming the line. */
#ifndef PQC_PEERSFILE_H
#define PQC_PEERSFILE_H
#include <stddef.h>
#include <stdint.h>

#define PF_MAX_PEERS 64
#define PF_NAME_MAX 63
#define PF_CMD_MAX 255
#define PF_LINE_MAX 1024
#define PF_DEFAULT_PATH "/etc/pqconnect/config/peers"

#define PF_DEFAULT_EVERY_MS 30000
#define PF_DEFAULT_TIMEOUT_MS 10000
#define PF_DEFAULT_RETRIES 5

struct pf_peer {
	char name[PF_NAME_MAX + 1];
	uint8_t hash[32];
	uint8_t addr[16];           /* IPv6, or IPv4 as ::ffff:a.b.c.d (proto/endpoint.h) */
	uint16_t port, keyport;
	uint32_t internal;          /* host order, 0 = next free */
	uint32_t every_ms, timeout_ms, retries;
	char ifup[PF_CMD_MAX + 1], ifdown[PF_CMD_MAX + 1];
	unsigned line;              /* where the stanza starts */
};

struct peersfile {
	unsigned n;
	struct pf_peer peer[PF_MAX_PEERS];
};

struct pf_error {
	unsigned line;              /* 1-based; 0 = the file as a whole */
	char msg[96];
};

/* Parse len bytes of text.  0 and *pf filled, or -1 and *err set (pf is
 * then left with the peers parsed before the error; do not use it). */
int peersfile_parse(struct peersfile *pf, const char *text, size_t len, struct pf_error *err);
/* The peer with this hash, or NULL. */
const struct pf_peer *peersfile_find(const struct peersfile *pf, const uint8_t hash[32]);
#endif

/* DNS-over-TCP connections that carry a high-security name (issue 16):
 * the client's netfilter queue sees the host's own TCP queries to port 53
 * and marks the connections whose query names a pq1 name itself.  On a
 * marked connection an answer segment passes only when it starts exactly
 * where the stream the application has received ends (or repeats the
 * last segment that passed) and holds whole length-prefixed messages; any
 * other segment is dropped (TCP sends it again, and a sender's
 * retransmission usually carries the cut pieces together).  So every byte
 * the application reads on such a connection came in a segment that was
 * checked, and rewritten, whole.
 *
 * A small table with a size limit and an idle expiry: when it is full of
 * live connections a new one cannot be marked, and the caller must drop
 * its query (fail closed: the application asks again).  Pure: time is a
 * parameter, no I/O. */
#ifndef PQC_DNSFLOW_H
#define PQC_DNSFLOW_H
#include <stddef.h>
#include <stdint.h>
#include "proto/dnstcp.h"

#define DNSFLOW_MAX 1024                 /* marked connections at once */
#define DNSFLOW_IDLE_MS 120000           /* when full, a mark idle this long may give way (never
                                          * forgotten for silence alone) */

struct dnsflow_key {
	uint8_t family;                  /* 4 or 6 */
	uint8_t host[16], server[16];    /* IPv4 in the first 4 bytes */
	uint16_t host_port, server_port;
};

struct dnsflow {
	int used;
	struct dnsflow_key key;
	uint64_t seen;                   /* ms, last segment either way */
	uint32_t next_seq;               /* the server's next byte the application has not got */
	uint32_t last_seq, last_len;     /* the last answer segment that passed (last_len 0: none) */
};

struct dnsflow_table {
	struct dnsflow f[DNSFLOW_MAX];
	unsigned n;
};

/* The connection of a TCP segment (pkt parsed into t).  from_server: the
 * segment came from the server (port 53), else it goes to it. */
void dnsflow_key_of(struct dnsflow_key *k, const uint8_t *pkt, const struct tcppkt *t, int from_server);

/* The marked connection k, or NULL (an idle one is forgotten first). */
struct dnsflow *dnsflow_find(struct dnsflow_table *tb, const struct dnsflow_key *k, uint64_t now);

/* Mark k (the host's query segment acknowledges the server's bytes up to
 * server_next).  An already marked connection keeps its position.  0, or
 * -1 when the table is full of live connections. */
int dnsflow_mark(struct dnsflow_table *tb, const struct dnsflow_key *k, uint32_t server_next, uint64_t now);

/* Forget k (its connection was reset). */
void dnsflow_forget(struct dnsflow_table *tb, const struct dnsflow_key *k);

enum dnsflow_pos {
	DNSFLOW_NEXT,            /* starts where the application's stream ends */
	DNSFLOW_REPEAT,          /* the last segment that passed, sent again */
	DNSFLOW_ELSEWHERE,       /* anything else: a gap, an overlap, old data */
};
/* Where an answer segment (seq, len payload bytes, len > 0) lies. */
enum dnsflow_pos dnsflow_position(const struct dnsflow *f, uint32_t seq, size_t len);

/* The answer segment (seq, len) passed (checked and whole). */
void dnsflow_passed(struct dnsflow *f, uint32_t seq, size_t len, uint64_t now);
#endif

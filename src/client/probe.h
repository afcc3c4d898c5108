/* Probes: the ICMP echo requests the client sends through a tunnel to the
 * server's internal address (the server's kernel answers, so any PQConnect
 * server does), and the recognition of their replies.  Pure: no state, no I/O. */
#ifndef PQC_CLIENT_PROBE_H
#define PQC_CLIENT_PROBE_H
#include <stddef.h>
#include <stdint.h>

#define PROBE_LEN (20 + 8 + 16)          /* IPv4 + ICMP header + magic and time */

/* Writes a probe from src to dst (host order) into out (cap bytes).
 * Returns PROBE_LEN, or -1 if cap is too small. */
int probe_build(uint8_t *out, size_t cap, uint32_t src, uint32_t dst, uint16_t id, uint16_t seq, uint64_t now);
/* Is the IPv4 packet pkt (len bytes, already checked as IPv4) the reply to
 * a probe of ours with this id?  1 and *seq set, or 0. */
int probe_match(const uint8_t *pkt, size_t len, uint16_t id, uint16_t *seq);
#endif

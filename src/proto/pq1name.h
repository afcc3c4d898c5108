/* pq1 announcement names (PROTOCOL.md §4.3–§4.4): "pq1" + 52-char hash
 * (+ 4-char crypto port + 4-char key port).  Matched case-insensitively. */
#ifndef PQC_PQ1NAME_H
#define PQC_PQ1NAME_H
#include <stddef.h>
#include <stdint.h>

#define PQ1_SHORT_LEN 55   /* pq1 + hash */
#define PQ1_LONG_LEN 63    /* pq1 + hash + ports */

struct pq1name {
	uint8_t hash[32];
	int has_ports;          /* 1 for the 63-character form */
	uint16_t cryptoport;    /* valid when has_ports */
	uint16_t keyport;
};

void pq1_port_encode(char out[4], uint16_t port);
int pq1_port_decode(uint16_t *port, const char in[4]);   /* 0 / -1 */

/* One label (no dots).  Returns 1 and fills *out for a pq1 label of 55 or 63
 * characters, 0 if the label is not a pq1 label (wrong prefix or length),
 * -1 if it is pq1-shaped but holds an invalid base32 character or value. */
int pq1_parse_label(struct pq1name *out, const char *label, size_t len);

/* A dotted name (trailing dot optional): scans labels left to right, the
 * first pq1 label decides.  Same return values as pq1_parse_label. */
int pq1_parse_name(struct pq1name *out, const char *name, size_t len);

/* Writes the label (no NUL), 55 or 63 characters; returns its length. */
size_t pq1_format(char out[PQ1_LONG_LEN], const uint8_t hash[32], int with_ports,
                  uint16_t cryptoport, uint16_t keyport);
#endif

/* Tunnel packets (PROTOCOL.md §8.1): 02 00 || TID(32) || u16be epoch ||
 * u32be counter || ciphertext || tag(16); AEAD with the 40-byte header as AD
 * and a zero nonce. */
#ifndef PQC_TUNNELPKT_H
#define PQC_TUNNELPKT_H
#include <stddef.h>
#include <stdint.h>

#define TP_TYPE 0x0200
#define TP_HDR_LEN 40
#define TP_OVERHEAD 56      /* header + tag */
#define TP_TID_OFF 2
/* The largest plaintext either daemon accepts: an inner packet of the
 * largest MTU (--mtu, io/tun.h's TUN_MTU_MAX).  A datagram longer than
 * TP_MAX_LEN is no tunnel packet of ours or of the reference's (MTU 1200)
 * and is dropped before any lookup or decryption. */
#define TP_MAX_PLAINTEXT 1992
#define TP_MAX_LEN (TP_OVERHEAD + TP_MAX_PLAINTEXT)

struct tp_header {
	const uint8_t *tid;     /* points into the datagram */
	uint16_t epoch;
	uint32_t counter;
};

/* 0 if 56 <= len <= TP_MAX_LEN and the type is 02 00, -1 otherwise. */
int tp_parse_header(struct tp_header *h, const uint8_t *in, size_t len);
/* Writes TP_OVERHEAD + n bytes to out (out may not alias pt).  Returns the length. */
size_t tp_seal(uint8_t *out, const uint8_t tid[32], uint16_t epoch, uint32_t counter,
               const uint8_t *pt, size_t n, const uint8_t key[32]);
/* Opens a datagram whose header was parsed; writes len - 56 bytes to pt,
 * which holds cap bytes.  Returns the plaintext length, or -1 (nothing
 * written) if the datagram is shorter than 56 bytes, its plaintext does
 * not fit cap, or the tag does not verify. */
int tp_open(uint8_t *pt, size_t cap, const uint8_t *in, size_t len, const uint8_t key[32]);
#endif

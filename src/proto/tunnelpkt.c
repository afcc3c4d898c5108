/* Tunnel packets (PROTOCOL.md §8.1).  The whole 40-byte header is the AEAD's
 * associated data, so TID, epoch and counter are authenticated even though
 * they travel in clear; the nonce is zero because every packet key is used
 * once. */
#include <string.h>

#include "common.h"
#include "crypto/crypto.h"
#include "proto/tunnelpkt.h"

int tp_parse_header(struct tp_header *h, const uint8_t *in, size_t len)
{
	if (len < TP_OVERHEAD || len > TP_MAX_LEN || load16_be(in) != TP_TYPE)
		return -1;
	h->tid = in + TP_TID_OFF;
	h->epoch = load16_be(in + 34);
	h->counter = load32_be(in + 36);
	return 0;
}

size_t tp_seal(uint8_t *out, const uint8_t tid[32], uint16_t epoch, uint32_t counter,
               const uint8_t *pt, size_t n, const uint8_t key[32])
{
	store16_be(out, TP_TYPE);
	memcpy(out + TP_TID_OFF, tid, 32);
	store16_be(out + 34, epoch);
	store32_be(out + 36, counter);
	aead_seal(out + TP_HDR_LEN, out + TP_HDR_LEN + n, pt, n, out, TP_HDR_LEN, key);
	return TP_OVERHEAD + n;
}

int tp_open(uint8_t *pt, size_t cap, const uint8_t *in, size_t len, const uint8_t key[32])
{
	if (len < TP_OVERHEAD || len - TP_OVERHEAD > cap || len - TP_OVERHEAD > 0x7fffffff)
		return -1;
	size_t n = len - TP_OVERHEAD;
	if (aead_open(pt, in + TP_HDR_LEN, n, in + TP_HDR_LEN + n, in, TP_HDR_LEN, key) != 0)
		return -1;
	return (int)n;
}

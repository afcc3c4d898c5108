/* Key-server messages (PROTOCOL.md §6): TYPE(2) then fields u16be(len) || bytes. */
#ifndef PQC_KEYMSG_H
#define PQC_KEYMSG_H
#include <stddef.h>
#include <stdint.h>

#define KM_STATIC_REQ 0xf000
#define KM_STATIC_RESP 0xf100
#define KM_EPH_REQ 0xf200
#define KM_EPH_RESP 0xf300
#define KM_EPH_LEN 1196          /* request and response */
#define KM_STATIC_OVERHEAD 11    /* static request/response = 11 + node size */

struct tlv_field { const uint8_t *p; size_t len; };

/* Parse the fields after the 2 type bytes.  Returns the number of fields
 * (<= max) or -1 (zero length, length beyond the data, dangling byte, more
 * than max fields). */
int tlv_parse(const uint8_t *msg, size_t len, struct tlv_field *f, int max);
/* Pack type and fields; returns total length or -1 if it does not fit in cap. */
int tlv_pack(uint8_t *out, size_t cap, uint16_t type, const struct tlv_field *f, int n);

/* Static request (canonical layout, padded with N zeros). Returns length (11+N) or -1. */
int keymsg_static_req_build(uint8_t *out, size_t cap, unsigned depth, unsigned pos);
/* Server side: parse a static request as the reference does (3 fields, depth
 * and pos read as little-endian integers of their field length, padding
 * content ignored).  0 / -1.  The caller then answers only if len equals
 * KM_STATIC_OVERHEAD + node size (no amplification). */
int keymsg_static_req_parse(const uint8_t *msg, size_t len, unsigned *depth, unsigned *pos);
/* Static response.  Returns length (11 + nlen) or -1. */
int keymsg_static_resp_build(uint8_t *out, size_t cap, unsigned depth, unsigned pos,
                             const uint8_t *node, size_t nlen);
int keymsg_static_resp_parse(const uint8_t *msg, size_t len, unsigned *depth, unsigned *pos,
                             const uint8_t **node, size_t *nlen);

void keymsg_eph_req_build(uint8_t out[KM_EPH_LEN]);
/* Server: 0 only for a request of exactly 1196 bytes with the canonical
 * layout (type f2 00, fields of 1158 and 32 bytes); the field contents are
 * ignored, as their size is what matters against amplification. */
int keymsg_eph_req_check(const uint8_t *msg, size_t len);
void keymsg_eph_resp_build(uint8_t out[KM_EPH_LEN], const uint8_t *ntru_pk, const uint8_t *x_pk);
/* Client: exactly 2 fields of 1158 and 32 bytes.  Pointers into msg.  0 / -1. */
int keymsg_eph_resp_parse(const uint8_t *msg, size_t len, const uint8_t **ntru_pk, const uint8_t **x_pk);
#endif

/* Key-server messages (PROTOCOL.md §6): a 2-byte type, then fields of
 * u16be(len) || bytes that must consume the datagram exactly.  Note the mixed
 * byte order: field lengths are big-endian, the pos field little-endian. */
#include <string.h>

#include "common.h"
#include "crypto/crypto.h"
#include "proto/keymsg.h"
#include "proto/keytree.h"

int tlv_parse(const uint8_t *msg, size_t len, struct tlv_field *f, int max)
{
	size_t off = 2;
	int n = 0;

	if (len < 2)
		return -1;
	while (off < len) {
		if (len - off < 2)
			return -1;              /* dangling byte */
		size_t flen = load16_be(msg + off);
		off += 2;
		if (flen == 0 || flen > len - off || n == max)
			return -1;
		f[n].p = msg + off;
		f[n].len = flen;
		n++;
		off += flen;
	}
	return n;
}

int tlv_pack(uint8_t *out, size_t cap, uint16_t type, const struct tlv_field *f, int n)
{
	size_t off = 2;

	if (cap < 2 || n < 0)
		return -1;
	store16_be(out, type);
	for (int i = 0; i < n; i++) {
		if (f[i].len == 0 || f[i].len > 0xffff || cap - off < 2 + f[i].len)
			return -1;
		store16_be(out + off, (uint16_t)f[i].len);
		if (f[i].p != NULL)
			memcpy(out + off + 2, f[i].p, f[i].len);
		else
			memset(out + off + 2, 0, f[i].len);
		off += 2 + f[i].len;
	}
	if (off > 0x7fffffff)
		return -1;
	return (int)off;
}

/* The canonical static layout: TYPE 0001 depth 0002 pos(le) len payload. */
static int static_build(uint8_t *out, size_t cap, uint16_t type, unsigned depth, unsigned pos,
                        const uint8_t *payload, size_t plen)
{
	uint8_t d = (uint8_t)depth, p[2];

	if (depth > 0xff || pos > 0xffff)
		return -1;
	store16_le(p, (uint16_t)pos);
	struct tlv_field f[3] = { { &d, 1 }, { p, 2 }, { payload, plen } };
	return tlv_pack(out, cap, type, f, 3);
}

int keymsg_static_req_build(uint8_t *out, size_t cap, unsigned depth, unsigned pos)
{
	size_t n = keytree_node_size(depth, pos);
	if (n == 0)
		return -1;
	return static_build(out, cap, KM_STATIC_REQ, depth, pos, NULL, n);
}

/* Little-endian integer of a 1- or 2-byte field; -1 for longer fields. */
static int le_field(const struct tlv_field *f, unsigned *v)
{
	if (f->len == 1)
		*v = f->p[0];
	else if (f->len == 2)
		*v = load16_le(f->p);
	else
		return -1;
	return 0;
}

int keymsg_static_req_parse(const uint8_t *msg, size_t len, unsigned *depth, unsigned *pos)
{
	struct tlv_field f[3];

	if (len < 2 || load16_be(msg) != KM_STATIC_REQ)
		return -1;
	if (tlv_parse(msg, len, f, 3) != 3)
		return -1;
	if (le_field(&f[0], depth) != 0 || le_field(&f[1], pos) != 0)
		return -1;
	return 0;
}

int keymsg_static_resp_build(uint8_t *out, size_t cap, unsigned depth, unsigned pos,
                             const uint8_t *node, size_t nlen)
{
	if (node == NULL || nlen == 0)
		return -1;
	return static_build(out, cap, KM_STATIC_RESP, depth, pos, node, nlen);
}

int keymsg_static_resp_parse(const uint8_t *msg, size_t len, unsigned *depth, unsigned *pos,
                             const uint8_t **node, size_t *nlen)
{
	struct tlv_field f[3];

	if (len < 2 || load16_be(msg) != KM_STATIC_RESP)
		return -1;
	if (tlv_parse(msg, len, f, 3) != 3)
		return -1;
	/* The responder always uses the canonical 1-byte depth, 2-byte pos. */
	if (f[0].len != 1 || f[1].len != 2 || f[2].len > KT_SEG)
		return -1;
	*depth = f[0].p[0];
	*pos = load16_le(f[1].p);
	*node = f[2].p;
	*nlen = f[2].len;
	return 0;
}

/* Both ephemeral messages share one layout: TYPE 0486 <1158> 0020 <32>. */
#define EPH_OFF_NTRU 4
#define EPH_OFF_XLEN (EPH_OFF_NTRU + NTRU_PK_LEN)
#define EPH_OFF_X (EPH_OFF_XLEN + 2)

static void eph_build(uint8_t out[KM_EPH_LEN], uint16_t type, const uint8_t *ntru_pk,
                      const uint8_t *x_pk)
{
	store16_be(out, type);
	store16_be(out + 2, NTRU_PK_LEN);
	if (ntru_pk)
		memcpy(out + EPH_OFF_NTRU, ntru_pk, NTRU_PK_LEN);
	else
		memset(out + EPH_OFF_NTRU, 0, NTRU_PK_LEN);
	store16_be(out + EPH_OFF_XLEN, X25519_LEN);
	if (x_pk)
		memcpy(out + EPH_OFF_X, x_pk, X25519_LEN);
	else
		memset(out + EPH_OFF_X, 0, X25519_LEN);
}

/* 0 when msg is exactly the 1196-byte layout with the given type. */
static int eph_layout_ok(const uint8_t *msg, size_t len, uint16_t type)
{
	if (len != KM_EPH_LEN)
		return -1;
	if (load16_be(msg) != type || load16_be(msg + 2) != NTRU_PK_LEN ||
	    load16_be(msg + EPH_OFF_XLEN) != X25519_LEN)
		return -1;
	return 0;
}

void keymsg_eph_req_build(uint8_t out[KM_EPH_LEN])
{
	eph_build(out, KM_EPH_REQ, NULL, NULL);
}

int keymsg_eph_req_check(const uint8_t *msg, size_t len)
{
	/* Field contents are ignored (the reference sends zeros); what matters
	 * is that the request is as long as the answer. */
	return eph_layout_ok(msg, len, KM_EPH_REQ);
}

void keymsg_eph_resp_build(uint8_t out[KM_EPH_LEN], const uint8_t *ntru_pk, const uint8_t *x_pk)
{
	eph_build(out, KM_EPH_RESP, ntru_pk, x_pk);
}

int keymsg_eph_resp_parse(const uint8_t *msg, size_t len, const uint8_t **ntru_pk, const uint8_t **x_pk)
{
	if (eph_layout_ok(msg, len, KM_EPH_RESP) != 0)
		return -1;
	*ntru_pk = msg + EPH_OFF_NTRU;
	*x_pk = msg + EPH_OFF_X;
	return 0;
}

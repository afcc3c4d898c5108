/* Feature messages (see featmsg.h): fixed layouts, checked whole. */
#include <string.h>

#include "common.h"
#include "proto/featmsg.h"

#define OFF_NONCE_LEN 2
#define OFF_NONCE 4
#define OFF_BODY_LEN (OFF_NONCE + FM_NONCE_LEN)     /* 12 */
#define OFF_BODY (OFF_BODY_LEN + 2)                 /* 14 */

static void build(uint8_t out[FM_LEN], uint16_t type, const uint8_t nonce[FM_NONCE_LEN], uint32_t flags)
{
	store16_be(out, type);
	store16_be(out + OFF_NONCE_LEN, FM_NONCE_LEN);
	memcpy(out + OFF_NONCE, nonce, FM_NONCE_LEN);
	store16_be(out + OFF_BODY_LEN, FM_BODY_LEN);
	memset(out + OFF_BODY, 0, FM_BODY_LEN);
	store32_be(out + OFF_BODY, flags);
}

static int parse(const uint8_t *m, size_t len, uint16_t type)
{
	if (len != FM_LEN || load16_be(m) != type || load16_be(m + OFF_NONCE_LEN) != FM_NONCE_LEN ||
	    load16_be(m + OFF_BODY_LEN) != FM_BODY_LEN)
		return -1;
	return 0;
}

void featmsg_req_build(uint8_t out[FM_LEN], const uint8_t nonce[FM_NONCE_LEN])
{
	build(out, FM_REQ_TYPE, nonce, 0);
}

int featmsg_req_parse(const uint8_t *m, size_t len, const uint8_t **nonce)
{
	if (parse(m, len, FM_REQ_TYPE) < 0)
		return -1;
	*nonce = m + OFF_NONCE;
	return 0;
}

void featmsg_reply_build(uint8_t out[FM_LEN], const uint8_t nonce[FM_NONCE_LEN], uint32_t flags)
{
	build(out, FM_REPLY_TYPE, nonce, flags);
}

int featmsg_reply_parse(const uint8_t *m, size_t len, const uint8_t **nonce, uint32_t *flags)
{
	if (parse(m, len, FM_REPLY_TYPE) < 0)
		return -1;
	*nonce = m + OFF_NONCE;
	*flags = load32_be(m + OFF_BODY);
	return 0;
}

/* Address-cookie messages (see cookiemsg.h): fixed layouts, checked whole. */
#include <string.h>

#include "common.h"
#include "proto/cookiemsg.h"

#define OFF_NONCE_LEN 2
#define OFF_NONCE 4
#define OFF_COOKIE_LEN (OFF_NONCE + CM_NONCE_LEN)     /* 12 */
#define OFF_COOKIE (OFF_COOKIE_LEN + 2)               /* 14 */

static void build(uint8_t out[CM_LEN], uint16_t type, const uint8_t nonce[CM_NONCE_LEN], const uint8_t *cookie)
{
	store16_be(out, type);
	store16_be(out + OFF_NONCE_LEN, CM_NONCE_LEN);
	memcpy(out + OFF_NONCE, nonce, CM_NONCE_LEN);
	store16_be(out + OFF_COOKIE_LEN, COOKIE_LEN);
	if (cookie)
		memcpy(out + OFF_COOKIE, cookie, COOKIE_LEN);
	else
		memset(out + OFF_COOKIE, 0, COOKIE_LEN);
}

static int parse(const uint8_t *m, size_t len, uint16_t type)
{
	if (len != CM_LEN || load16_be(m) != type || load16_be(m + OFF_NONCE_LEN) != CM_NONCE_LEN ||
	    load16_be(m + OFF_COOKIE_LEN) != COOKIE_LEN)
		return -1;
	return 0;
}

void cookiemsg_req_build(uint8_t out[CM_LEN], const uint8_t nonce[CM_NONCE_LEN])
{
	build(out, CM_REQ_TYPE, nonce, NULL);
}

int cookiemsg_req_parse(const uint8_t *m, size_t len, const uint8_t **nonce)
{
	if (parse(m, len, CM_REQ_TYPE) < 0)
		return -1;
	*nonce = m + OFF_NONCE;
	return 0;
}

void cookiemsg_reply_build(uint8_t out[CM_LEN], const uint8_t nonce[CM_NONCE_LEN], const uint8_t cookie[COOKIE_LEN])
{
	build(out, CM_REPLY_TYPE, nonce, cookie);
}

int cookiemsg_reply_parse(const uint8_t *m, size_t len, const uint8_t **nonce, const uint8_t **cookie)
{
	if (parse(m, len, CM_REPLY_TYPE) < 0)
		return -1;
	*nonce = m + OFF_NONCE;
	*cookie = m + OFF_COOKIE;
	return 0;
}

void cookiemsg_init_build(uint8_t out[HS_COOKIE_INIT_LEN], const uint8_t cookie[COOKIE_LEN],
                          const uint8_t init[HS_INIT_LEN])
{
	store16_be(out, HS_COOKIE_TYPE);
	memcpy(out + 2, cookie, COOKIE_LEN);
	memcpy(out + 2 + COOKIE_LEN, init, HS_INIT_LEN);
}

int cookiemsg_init_parse(const uint8_t *m, size_t len, const uint8_t **cookie, const uint8_t **init)
{
	if (len != HS_COOKIE_INIT_LEN || load16_be(m) != HS_COOKIE_TYPE ||
	    load16_be(m + 2 + COOKIE_LEN) != HS_INIT_TYPE)
		return -1;
	*cookie = m + 2;
	*init = m + 2 + COOKIE_LEN;
	return 0;
}

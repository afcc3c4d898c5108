/* Feature messages (proto/featmsg.h): exact sizes, every other size and a
 * wrong type or field length refused, the reply never larger than the
 * request, the flags carried, and a known layout pinned byte for byte. */
#include "check.h"
#include "common.h"
#include "proto/cookiemsg.h"
#include "proto/featmsg.h"

int main(void)
{
	uint8_t nonce[FM_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t req[FM_LEN + 8], rep[FM_LEN + 8], want[FM_LEN];
	const uint8_t *pn;
	uint32_t flags;

	CHECK_MSG(FM_LEN == 34, "34-byte request and reply");
	memset(req, 0xee, sizeof req);
	featmsg_req_build(req, nonce);
	size_t w = unhex(want, "f6000008010203040506070800140000000000000000000000000000000000000000");
	CHECK_MSG(w == FM_LEN && !memcmp(req, want, FM_LEN), "request layout");
	CHECK(req[FM_LEN] == 0xee);
	CHECK(featmsg_req_parse(req, FM_LEN, &pn) == 0 && pn == req + 4);
	for (size_t n = 0; n < FM_LEN + 8; n++)
		if (n != FM_LEN && featmsg_req_parse(req, n, &pn) == 0)
			CHECK_MSG(0, "a request of another size parsed");
	req[20] = 0x55;                                  /* padding content is not looked at */
	CHECK(featmsg_req_parse(req, FM_LEN, &pn) == 0);
	req[3] = 9;                                      /* nonce length */
	CHECK(featmsg_req_parse(req, FM_LEN, &pn) == -1);
	req[3] = 8, req[13] = 0x13;                      /* body length */
	CHECK(featmsg_req_parse(req, FM_LEN, &pn) == -1);
	req[13] = 0x14, req[0] = 0xf4;                   /* a cookie request is not a feature request */
	CHECK(featmsg_req_parse(req, FM_LEN, &pn) == -1);
	CHECK_MSG(FM_LEN == CM_LEN && FM_REQ_TYPE != CM_REQ_TYPE && FM_REPLY_TYPE != CM_REPLY_TYPE,
	          "same size as, other types than the cookie messages");

	featmsg_reply_build(rep, nonce, FEAT_INNER6);
	w = unhex(want, "f7000008010203040506070800140000000100000000000000000000000000000000");
	CHECK_MSG(w == FM_LEN && !memcmp(rep, want, FM_LEN), "reply layout, FEAT_INNER6");
	CHECK(featmsg_reply_parse(rep, FM_LEN, &pn, &flags) == 0 && pn == rep + 4 && flags == FEAT_INNER6);
	CHECK(featmsg_reply_parse(rep, FM_LEN - 1, &pn, &flags) == -1);
	CHECK(featmsg_reply_parse(rep, FM_LEN + 1, &pn, &flags) == -1);
	CHECK(featmsg_req_parse(rep, FM_LEN, &pn) == -1 && featmsg_reply_parse(req, FM_LEN, &pn, &flags) == -1);
	featmsg_reply_build(rep, nonce, 0);
	CHECK(featmsg_reply_parse(rep, FM_LEN, &pn, &flags) == 0 && flags == 0);
	featmsg_reply_build(rep, nonce, 0xfffffffe);      /* unknown flags, no inner IPv6 */
	CHECK(featmsg_reply_parse(rep, FM_LEN, &pn, &flags) == 0 && !(flags & FEAT_INNER6));
	return check_done();
}

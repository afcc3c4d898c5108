/* Key-server messages (PROTOCOL.md §6.1-§6.3, §14.1). */
#include "check.h"
#include "crypto/crypto.h"
#include "proto/keymsg.h"
#include "proto/keytree.h"

static void test_tlv(void)
{
	uint8_t buf[64], msg[64];
	struct tlv_field f[4];
	struct tlv_field in[2] = { { (const uint8_t *)"hello", 5 }, { (const uint8_t *)"goodbye", 7 } };
	size_t n;

	CHECK(tlv_pack(buf, sizeof buf, 0x01ff, in, 2) == 18);
	CHECK_HEX(buf, "01ff000568656c6c6f0007676f6f64627965");
	CHECK(tlv_parse(buf, 18, f, 4) == 2);
	CHECK(f[0].len == 5 && memcmp(f[0].p, "hello", 5) == 0);
	CHECK(f[1].len == 7 && memcmp(f[1].p, "goodbye", 7) == 0);
	CHECK(tlv_pack(buf, 17, 0x01ff, in, 2) == -1);   /* does not fit */
	struct tlv_field empty = { (const uint8_t *)"", 0 };
	CHECK(tlv_pack(buf, sizeof buf, 0x01ff, &empty, 1) == -1);
	CHECK(tlv_pack(buf, sizeof buf, 0x01ff, in, 0) == 2);

	/* the three rejections of §14.1 */
	n = unhex(msg, "01ff000568656c6c6f0007676f6f646279650000");
	CHECK(tlv_parse(msg, n, f, 4) == -1);
	n = unhex(msg, "01ff000568656c6c6f0007676f6f646279650001");
	CHECK(tlv_parse(msg, n, f, 4) == -1);
	n = unhex(msg, "01ff000568656c6c6f0008676f6f64627965");
	CHECK(tlv_parse(msg, n, f, 4) == -1);
	/* dangling byte, too many fields, too short, type only */
	n = unhex(msg, "01ff000568656c6c6f00");
	CHECK(tlv_parse(msg, n, f, 4) == -1);
	CHECK(tlv_parse(buf, 18, f, 1) == -1);
	CHECK(tlv_parse(buf, 1, f, 4) == -1);
	CHECK(tlv_parse(buf, 0, f, 4) == -1);
	CHECK(tlv_parse(buf, 2, f, 4) == 0);
	/* every truncation of the good message except the field boundaries fails */
	tlv_pack(buf, sizeof buf, 0x01ff, in, 2);
	int ok = 1;
	for (size_t l = 0; l < 18; l++) {
		int r = tlv_parse(buf, l, f, 4);
		int want = (l == 2) ? 0 : (l == 9) ? 1 : -1;
		if (r != want)
			ok = 0;
	}
	CHECK_MSG(ok, "TLV truncations");
}

static void test_static(void)
{
	uint8_t buf[1300], node[1152];
	unsigned d, p;
	const uint8_t *np;
	size_t nl;
	int n;

	n = keymsg_static_req_build(buf, sizeof buf, 0, 0);
	CHECK(n == 43);
	CHECK_HEX(buf, "f000000100000200000020");
	CHECK(buf[11] == 0 && buf[42] == 0);
	n = keymsg_static_req_build(buf, sizeof buf, 2, 5);
	CHECK(n == 1163);
	CHECK_HEX(buf, "f000000102000205000480");
	n = keymsg_static_req_build(buf, sizeof buf, 3, 909);
	CHECK(n == 194);
	CHECK_HEX(buf, "f00000010300028d0300b7");
	uint8_t zero[183] = { 0 };
	CHECK(memcmp(buf + 11, zero, 183) == 0);
	CHECK(keymsg_static_req_parse(buf, (size_t)n, &d, &p) == 0 && d == 3 && p == 909);
	CHECK(keymsg_static_req_build(buf, sizeof buf, 3, 910) == -1);
	CHECK(keymsg_static_req_build(buf, sizeof buf, 4, 0) == -1);
	CHECK(keymsg_static_req_build(buf, 100, 2, 5) == -1);

	/* every node: build, parse, and size = 11 + node size */
	int ok = 1;
	for (unsigned depth = 0; depth < 4; depth++)
		for (unsigned pos = 0; pos < keytree_level_count(depth); pos++) {
			n = keymsg_static_req_build(buf, sizeof buf, depth, pos);
			if (n != (int)(KM_STATIC_OVERHEAD + keytree_node_size(depth, pos)))
				ok = 0;
			if (keymsg_static_req_parse(buf, (size_t)n, &d, &p) != 0 || d != depth || p != pos)
				ok = 0;
		}
	CHECK_MSG(ok, "static requests for all 938 nodes");

	/* reference leniency: 1-byte pos field, padding content ignored */
	size_t m = unhex(buf, "f0000001020001050003414243");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == 0 && d == 2 && p == 5);
	m = unhex(buf, "f000000203000002c80300020000");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == 0 && d == 3 && p == 968);
	/* 3-byte pos field, wrong count, wrong type, bad TLV */
	m = unhex(buf, "f000000102000305000000020000");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == -1);
	m = unhex(buf, "f0000001020002050000020000" "000100");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == -1);
	m = unhex(buf, "f00000010200020500");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == -1);
	m = unhex(buf, "f10000010200020500000100");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == -1);
	m = unhex(buf, "f0000001020002050000050000");
	CHECK(keymsg_static_req_parse(buf, m, &d, &p) == -1);
	CHECK(keymsg_static_req_parse(buf, 1, &d, &p) == -1);

	/* responses */
	for (int i = 0; i < 1152; i++)
		node[i] = (uint8_t)(i * 3);
	n = keymsg_static_resp_build(buf, sizeof buf, 2, 25, node, 320);
	CHECK(n == 331);
	CHECK_HEX(buf, "f100000102000219000140");
	CHECK(keymsg_static_resp_parse(buf, (size_t)n, &d, &p, &np, &nl) == 0);
	CHECK(d == 2 && p == 25 && nl == 320 && np == buf + 11 && memcmp(np, node, 320) == 0);
	n = keymsg_static_resp_build(buf, sizeof buf, 3, 909, node, 183);
	CHECK(n == 194);
	CHECK(keymsg_static_resp_parse(buf, (size_t)n, &d, &p, &np, &nl) == 0 && d == 3 && p == 909 && nl == 183);
	CHECK(keymsg_static_resp_build(buf, 100, 3, 909, node, 183) == -1);
	CHECK(keymsg_static_resp_build(buf, sizeof buf, 3, 909, node, 0) == -1);
	/* truncations at every length fail */
	ok = 1;
	for (size_t l = 0; l < 194; l++)
		if (keymsg_static_resp_parse(buf, l, &d, &p, &np, &nl) != -1)
			ok = 0;
	CHECK_MSG(ok, "static response truncations rejected");
	/* a request is not a response, non-canonical field lengths rejected */
	keymsg_static_req_build(buf, sizeof buf, 0, 0);
	CHECK(keymsg_static_resp_parse(buf, 43, &d, &p, &np, &nl) == -1);
	m = unhex(buf, "f100000102000105000141");
	CHECK(keymsg_static_resp_parse(buf, m, &d, &p, &np, &nl) == -1);
	m = unhex(buf, "f10000020200000205000141");
	CHECK(keymsg_static_resp_parse(buf, m, &d, &p, &np, &nl) == -1);
	/* node longer than 1152 */
	uint8_t big[1170];
	memset(big, 0, sizeof big);
	m = unhex(big, "f100000103000200000481");
	CHECK(keymsg_static_resp_parse(big, m + 1153, &d, &p, &np, &nl) == -1);
}

static void test_ephemeral(void)
{
	uint8_t req[KM_EPH_LEN], resp[KM_EPH_LEN], npk[NTRU_PK_LEN], xpk[32];
	const uint8_t *pn, *px;

	keymsg_eph_req_build(req);
	CHECK_HEX(req, "f2000486");
	CHECK(req[4] == 0 && req[1161] == 0);
	CHECK(req[1162] == 0x00 && req[1163] == 0x20);
	uint8_t z[32] = { 0 };
	CHECK(memcmp(req + 1164, z, 32) == 0);
	CHECK(keymsg_eph_req_check(req, KM_EPH_LEN) == 0);
	CHECK(keymsg_eph_req_check(req, KM_EPH_LEN - 1) == -1);
	CHECK(keymsg_eph_req_check(req, 2) == -1);
	req[1162] = 1;
	CHECK(keymsg_eph_req_check(req, KM_EPH_LEN) == -1);
	req[1162] = 0;
	req[2] = 5;
	CHECK(keymsg_eph_req_check(req, KM_EPH_LEN) == -1);
	req[2] = 4;
	req[100] = 0x55;          /* contents are not checked */
	CHECK(keymsg_eph_req_check(req, KM_EPH_LEN) == 0);
	req[0] = 0xf3;
	CHECK(keymsg_eph_req_check(req, KM_EPH_LEN) == -1);

	for (int i = 0; i < NTRU_PK_LEN; i++)
		npk[i] = (uint8_t)(i ^ 0x5a);
	for (int i = 0; i < 32; i++)
		xpk[i] = (uint8_t)(0xa0 + i);
	keymsg_eph_resp_build(resp, npk, xpk);
	CHECK_HEX(resp, "f3000486");
	CHECK(memcmp(resp + 4, npk, NTRU_PK_LEN) == 0);
	CHECK(resp[1162] == 0x00 && resp[1163] == 0x20 && memcmp(resp + 1164, xpk, 32) == 0);
	struct tlv_field f[3];
	CHECK(tlv_parse(resp, KM_EPH_LEN, f, 3) == 2);
	CHECK(keymsg_eph_resp_parse(resp, KM_EPH_LEN, &pn, &px) == 0);
	CHECK(pn == resp + 4 && px == resp + 1164);
	int ok = 1;
	for (size_t l = 0; l < KM_EPH_LEN; l++)
		if (keymsg_eph_resp_parse(resp, l, &pn, &px) != -1)
			ok = 0;
	CHECK_MSG(ok, "ephemeral response truncations rejected");
	keymsg_eph_req_build(req);
	CHECK(keymsg_eph_resp_parse(req, KM_EPH_LEN, &pn, &px) == -1);
	resp[3] = 0x87;
	CHECK(keymsg_eph_resp_parse(resp, KM_EPH_LEN, &pn, &px) == -1);
}

int main(void)
{
	test_tlv();
	test_static();
	test_ephemeral();
	return check_done();
}

/* Key tree (PROTOCOL.md §5) against the roots of §14.2, and the client's
 * node-by-node verification. */
#include "check.h"
#include "proto/keytree.h"
#include "proto/pq1name.h"

static uint8_t M[MCE_PK_LEN];

static void test_shape(void)
{
	CHECK(keytree_level_count(0) == 1 && keytree_level_count(1) == 1);
	CHECK(keytree_level_count(2) == 26 && keytree_level_count(3) == 910);
	CHECK(keytree_level_count(4) == 0);
	CHECK(keytree_node_size(0, 0) == 32);
	CHECK(keytree_node_size(0, 1) == 0);
	CHECK(keytree_node_size(1, 0) == 832);
	CHECK(keytree_node_size(1, 1) == 0);
	CHECK(keytree_node_size(2, 0) == 1152 && keytree_node_size(2, 24) == 1152);
	CHECK(keytree_node_size(2, 25) == 320);
	CHECK(keytree_node_size(2, 26) == 0);
	CHECK(keytree_node_size(3, 0) == 1152 && keytree_node_size(3, 908) == 1152);
	CHECK(keytree_node_size(3, 909) == 183);
	CHECK(keytree_node_size(3, 910) == 0);
	CHECK(keytree_node_size(4, 0) == 0);
	CHECK(keytree_node_size(3, 0xffffffffu) == 0);
}

static void test_zero_tree(void)
{
	struct keytree t;
	uint8_t x[32] = { 0 }, h[32], root[32];
	char name[PQ1_LONG_LEN];
	const uint8_t *node;
	size_t len;

	memset(M, 0, sizeof M);
	CHECK(keytree_build(&t, M, x) == 0);
	CHECK_HEX(t.root, "30c17380caf1da379630d68ac4909023aea374b7730da995ce89bddc17becbe2");
	node = keytree_node(&t, 3, 0, &len);
	CHECK(node != NULL && len == 1152);
	hash32(h, node, len);
	CHECK_HEX(h, "cdfa5ca2db76ed28222084e2c9991bd0547edfbddddbd0d6a5fb5ae8ef1d1de9");
	CHECK(memcmp(t.l2, h, 32) == 0);
	node = keytree_node(&t, 3, 909, &len);
	CHECK(node != NULL && len == 183);
	hash32(h, node, len);
	CHECK_HEX(h, "7ee7641c19062c5893d821ba9368fc4abd17cb13d33144709e771a407963459c");
	CHECK(memcmp(t.l2 + 909 * 32, h, 32) == 0);
	CHECK(pq1_format(name, t.root, 1, 42424, 42425) == 63);
	CHECK(memcmp(name, "pq1j9j770btkrqh3c26qq29d82l3kc7buxqmc3lubut9dhtxcsrcqs155g15fg1", 63) == 0);
	keytree_root(root, M, x);
	CHECK(memcmp(root, t.root, 32) == 0);
	CHECK(keytree_complete(&t));
	CHECK(keytree_node(&t, 0, 0, &len) == t.root && len == 32);
	CHECK(keytree_node(&t, 1, 0, &len) == t.l1 && len == 832);
	CHECK(keytree_node(&t, 2, 25, &len) == t.l2 + 25 * 1152 && len == 320);
	CHECK(keytree_node(&t, 2, 26, &len) == NULL);
	CHECK(keytree_node(&t, 5, 0, &len) == NULL);
	keytree_free(&t);
	CHECK(t.data == NULL);
}

static void test_pattern_tree_and_fetch(void)
{
	struct keytree srv, cli;
	uint8_t x[32], root[32], bad[1152];
	char name[PQ1_LONG_LEN];
	const uint8_t *node;
	size_t len;

	for (size_t i = 0; i < MCE_PK_LEN; i++)
		M[i] = (uint8_t)(i % 251);
	for (int i = 0; i < 32; i++)
		x[i] = (uint8_t)i;
	CHECK(keytree_build(&srv, M, x) == 0);
	CHECK_HEX(srv.root, "a7dc16d5cd43bd984297ed4241a6d73670569ab3af70f17460282f7571b81bf3");
	pq1_format(name, srv.root, 1, 42424, 42425);
	CHECK(memcmp(name, "pq175rfkbrt3bhk91xlfrj24myuq1wd5fgqh5w2hu1d8tcbrs1rvsw155g15fg1", 63) == 0);
	keytree_root(root, M, x);
	CHECK(memcmp(root, srv.root, 32) == 0);
	/* the last leaf is the last 151 bytes of M then X */
	node = keytree_node(&srv, 3, 909, &len);
	CHECK(len == 183 && memcmp(node, M + MCE_PK_LEN - 151, 151) == 0 && memcmp(node + 151, x, 32) == 0);

	CHECK(keytree_init_fetch(&cli, srv.root) == 0);
	CHECK(!keytree_complete(&cli));
	CHECK(cli.missing == 937);

	/* root: identical accepted as held, anything else rejected */
	node = keytree_node(&srv, 0, 0, &len);
	CHECK(keytree_offer(&cli, 0, 0, node, len) == 0);
	memcpy(bad, node, 32);
	bad[0] ^= 1;
	CHECK(keytree_offer(&cli, 0, 0, bad, 32) == -1);

	/* a leaf or depth-2 node before its parent: rejected */
	node = keytree_node(&srv, 3, 0, &len);
	CHECK(keytree_offer(&cli, 3, 0, node, len) == -1);
	node = keytree_node(&srv, 2, 0, &len);
	CHECK(keytree_offer(&cli, 2, 0, node, len) == -1);

	/* depth 1: wrong size, wrong content, then right */
	node = keytree_node(&srv, 1, 0, &len);
	CHECK(keytree_offer(&cli, 1, 0, node, len - 1) == -1);
	memcpy(bad, node, len);
	bad[100] ^= 0x10;
	CHECK(keytree_offer(&cli, 1, 0, bad, len) == -1);
	CHECK(keytree_offer(&cli, 1, 1, node, len) == -1);
	CHECK(keytree_offer(&cli, 1, 0, node, len) == 1);
	CHECK(keytree_offer(&cli, 1, 0, node, len) == 0);
	CHECK(keytree_offer(&cli, 1, 0, bad, len) == -1);

	/* depth 2, in reverse order; a node offered at the wrong position fails */
	node = keytree_node(&srv, 2, 3, &len);
	CHECK(keytree_offer(&cli, 2, 4, node, len) == -1);
	int ok = 1;
	for (int j = KT_L2 - 1; j >= 0; j--) {
		node = keytree_node(&srv, 2, (unsigned)j, &len);
		if (keytree_offer(&cli, 2, (unsigned)j, node, len) != 1)
			ok = 0;
	}
	CHECK_MSG(ok, "all depth-2 nodes accepted");
	node = keytree_node(&srv, 2, 25, &len);
	CHECK(keytree_offer(&cli, 2, 25, node, 1152) == -1);    /* wrong size */
	CHECK(keytree_offer(&cli, 2, 26, node, len) == -1);
	CHECK(keytree_offer(&cli, 4, 0, node, len) == -1);

	/* leaves: a tampered one fails, then all the real ones */
	node = keytree_node(&srv, 3, 500, &len);
	memcpy(bad, node, len);
	bad[1151] ^= 1;
	CHECK(keytree_offer(&cli, 3, 500, bad, len) == -1);
	node = keytree_node(&srv, 3, 909, &len);
	CHECK(keytree_offer(&cli, 3, 909, node, 182) == -1);
	CHECK(keytree_offer(&cli, 3, 908, node, len) == -1);
	ok = 1;
	for (unsigned i = 0; i < KT_LEAVES; i++) {
		node = keytree_node(&srv, 3, i, &len);
		if (keytree_offer(&cli, 3, i, node, len) != 1)
			ok = 0;
		if (i == 908 && keytree_complete(&cli))
			ok = 0;
	}
	CHECK_MSG(ok, "all leaves accepted");
	CHECK(keytree_complete(&cli));
	CHECK(cli.missing == 0);
	CHECK(memcmp(keytree_mce_pk(&cli), M, MCE_PK_LEN) == 0);
	CHECK(memcmp(keytree_x_pk(&cli), x, 32) == 0);
	node = keytree_node(&srv, 3, 500, &len);
	CHECK(keytree_offer(&cli, 3, 500, node, len) == 0);
	CHECK(keytree_offer(&cli, 3, 500, bad, len) == -1);

	/* a client that trusts another root accepts nothing */
	struct keytree other;
	uint8_t wrong_root[32];
	memcpy(wrong_root, srv.root, 32);
	wrong_root[31] ^= 0x80;
	CHECK(keytree_init_fetch(&other, wrong_root) == 0);
	node = keytree_node(&srv, 1, 0, &len);
	CHECK(keytree_offer(&other, 1, 0, node, len) == -1);
	keytree_free(&other);

	keytree_free(&srv);
	keytree_free(&cli);
}

int main(void)
{
	CHECK(crypto_init() == 0);
	test_shape();
	test_zero_tree();
	test_pattern_tree_and_fetch();
	return check_done();
}

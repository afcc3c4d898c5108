/* keytree: offers to a fetch tree that trusts the root of a fixed tree
 * (built once from deterministic pseudo-random key bytes).  Byte 0 says
 * which genuine nodes are loaded first (so that deeper offers meet a
 * parent); then the input is a list of offers
 *   depth(1) pos(2, big-endian) len(2) node(len)
 * where bit 7 of depth means "the genuine node XOR these bytes". */
#include <string.h>

#include "fuzz.h"
#include "proto/keytree.h"

static struct keytree server, client;
static uint8_t root[32];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	if (crypto_init() != 0)
		abort();
	static uint8_t mce_pk[MCE_PK_LEN], x_pk[32];
	uint32_t s = 0x12345678;
	for (size_t i = 0; i < sizeof mce_pk; i++) {
		s = s * 1103515245u + 12345u;
		mce_pk[i] = (uint8_t)(s >> 16);
	}
	memset(x_pk, 0x42, sizeof x_pk);
	if (keytree_build(&server, mce_pk, x_pk) != 0)
		abort();
	memcpy(root, server.root, 32);
	return 0;
}

static void preload(unsigned depth, unsigned pos)
{
	size_t len;
	const uint8_t *node = keytree_node(&server, depth, pos, &len);
	FUZZ_ASSERT(node != NULL);
	FUZZ_ASSERT(keytree_offer(&client, depth, pos, node, len) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[KT_SEG * 2];

	if (size < 2)
		return 0;
	if (keytree_init_fetch(&client, root) != 0)
		abort();
	uint8_t flags = data[0], which = data[1];
	data += 2, size -= 2;
	if (flags & 1)
		preload(1, 0);
	if ((flags & 3) == 3)
		preload(2, which % KT_L2);
	unsigned leaf = (which % KT_L2) * 36 + ((unsigned)flags >> 3) % 36;
	if ((flags & 7) == 7 && leaf < KT_LEAVES)
		preload(3, leaf);

	while (size >= 5) {
		unsigned depth = data[0] & 0x7f, pos = (unsigned)(data[1] << 8 | data[2]);
		size_t len = (size_t)(data[3] << 8 | data[4]);
		int xor_mode = data[0] & 0x80;
		data += 5, size -= 5;
		if (len > size)
			len = size;
		const uint8_t *node = data;
		size_t nlen = len;
		if (xor_mode) {
			size_t glen;
			const uint8_t *g = keytree_node(&server, depth, pos, &glen);
			if (g != NULL && glen <= sizeof buf) {
				memcpy(buf, g, glen);
				for (size_t i = 0; i < len && i < glen; i++)
					buf[i] ^= data[i];
				node = buf;
				nlen = glen;
			}
		}
		int had = -1;
		if (depth == 3 && pos < KT_LEAVES)
			had = client.have_leaf[pos];
		int r = keytree_offer(&client, depth, pos, node, nlen);
		FUZZ_ASSERT(r >= -1 && r <= 1);
		if (r >= 0) {
			/* accepted nodes are the genuine ones */
			size_t glen;
			const uint8_t *g = keytree_node(&server, depth, pos, &glen);
			FUZZ_ASSERT(g != NULL && glen == nlen && memcmp(g, node, nlen) == 0);
			if (had >= 0)
				FUZZ_ASSERT(r == (had ? 0 : 1));
		}
		data += len, size -= len;
	}
	FUZZ_ASSERT(keytree_complete(&client) == 0 || client.missing == 0);
	keytree_free(&client);
	return 0;
}

/* The public-key Merkle tree (PROTOCOL.md §5).  Leaves are D = M || X cut in
 * 1152-byte pieces; depth 2 is the list of leaf hashes cut the same way;
 * depth 1 lists the hashes of the depth-2 nodes; the root hashes depth 1.
 * Each node is checked against the 32 bytes its parent holds for it. */
#include <stdlib.h>
#include <string.h>

#include "proto/keytree.h"

unsigned keytree_level_count(unsigned depth)
{
	switch (depth) {
	case 0: return 1;
	case 1: return 1;
	case 2: return KT_L2;
	case 3: return KT_LEAVES;
	default: return 0;
	}
}

/* Size of piece pos when total bytes are cut in KT_SEG pieces. */
static size_t piece_size(size_t total, unsigned pos)
{
	size_t off = (size_t)pos * KT_SEG;
	if (off >= total)
		return 0;
	return total - off < KT_SEG ? total - off : KT_SEG;
}

size_t keytree_node_size(unsigned depth, unsigned pos)
{
	if (pos >= keytree_level_count(depth))
		return 0;
	switch (depth) {
	case 0: return 32;
	case 1: return KT_L1_LEN;
	case 2: return piece_size(KT_L2_LEN, pos);
	default: return piece_size(KT_DATA_LEN, pos);
	}
}

static uint8_t *node_ptr(const struct keytree *t, unsigned depth, unsigned pos)
{
	switch (depth) {
	case 0: return (uint8_t *)t->root;
	case 1: return (uint8_t *)t->l1;
	case 2: return (uint8_t *)t->l2 + (size_t)pos * KT_SEG;
	default: return t->data + (size_t)pos * KT_SEG;
	}
}

const uint8_t *keytree_node(const struct keytree *t, unsigned depth, unsigned pos, size_t *len)
{
	size_t n = keytree_node_size(depth, pos);
	if (n == 0 || (depth == 3 && t->data == NULL))
		return NULL;
	*len = n;
	return node_ptr(t, depth, pos);
}

/* Hash the pieces of buf (total bytes) into hashes (32 per piece). */
static void hash_pieces(uint8_t *hashes, const uint8_t *buf, size_t total)
{
	for (unsigned i = 0; (size_t)i * KT_SEG < total; i++)
		hash32(hashes + 32 * (size_t)i, buf + (size_t)i * KT_SEG, piece_size(total, i));
}

/* Build levels 2, 1 and 0 from t->data. */
static void build_upper(struct keytree *t)
{
	hash_pieces(t->l2, t->data, KT_DATA_LEN);
	hash_pieces(t->l1, t->l2, KT_L2_LEN);
	hash32(t->root, t->l1, KT_L1_LEN);
}

int keytree_build(struct keytree *t, const uint8_t *mce_pk, const uint8_t x_pk[32])
{
	memset(t, 0, sizeof *t);
	t->data = malloc(KT_DATA_LEN);
	if (t->data == NULL)
		return -1;
	memcpy(t->data, mce_pk, MCE_PK_LEN);
	memcpy(t->data + MCE_PK_LEN, x_pk, X25519_LEN);
	build_upper(t);
	t->have_l1 = 1;
	memset(t->have_l2, 1, sizeof t->have_l2);
	memset(t->have_leaf, 1, sizeof t->have_leaf);
	t->missing = 0;
	return 0;
}

void keytree_root(uint8_t root[32], const uint8_t *mce_pk, const uint8_t x_pk[32])
{
	/* Only the last leaf straddles M and X; hash it from a small copy so
	 * that the whole key need not be copied. */
	uint8_t l2[KT_L2_LEN], l1[KT_L1_LEN], last[KT_SEG];
	const size_t last_off = (size_t)(KT_LEAVES - 1) * KT_SEG;
	const size_t last_m = MCE_PK_LEN - last_off;

	for (unsigned i = 0; i + 1 < KT_LEAVES; i++)
		hash32(l2 + 32 * (size_t)i, mce_pk + (size_t)i * KT_SEG, KT_SEG);
	memcpy(last, mce_pk + last_off, last_m);
	memcpy(last + last_m, x_pk, X25519_LEN);
	hash32(l2 + 32 * (size_t)(KT_LEAVES - 1), last, last_m + X25519_LEN);
	hash_pieces(l1, l2, KT_L2_LEN);
	hash32(root, l1, KT_L1_LEN);
}

int keytree_init_fetch(struct keytree *t, const uint8_t root[32])
{
	memset(t, 0, sizeof *t);
	t->data = malloc(KT_DATA_LEN);
	if (t->data == NULL)
		return -1;
	memcpy(t->root, root, 32);
	t->missing = 1 + KT_L2 + KT_LEAVES;
	return 0;
}

/* Where the parent keeps the expected hash of (depth, pos), or NULL when
 * the parent is not held yet. */
static const uint8_t *parent_hash(const struct keytree *t, unsigned depth, unsigned pos)
{
	switch (depth) {
	case 1:
		return t->root;
	case 2:
		return t->have_l1 ? t->l1 + 32 * (size_t)pos : NULL;
	case 3: {
		unsigned parent = pos / 36;
		if (!t->have_l2[parent])
			return NULL;
		return t->l2 + (size_t)parent * KT_SEG + 32 * (size_t)(pos % 36);
	}
	default:
		return NULL;
	}
}

static uint8_t *have_flag(struct keytree *t, unsigned depth, unsigned pos)
{
	switch (depth) {
	case 1: return &t->have_l1;
	case 2: return &t->have_l2[pos];
	default: return &t->have_leaf[pos];
	}
}

int keytree_offer(struct keytree *t, unsigned depth, unsigned pos, const uint8_t *node, size_t len)
{
	size_t want = keytree_node_size(depth, pos);
	uint8_t h[32];

	if (want == 0 || len != want || t->data == NULL)
		return -1;
	if (depth == 0)
		return memcmp(node, t->root, 32) == 0 ? 0 : -1;
	uint8_t *flag = have_flag(t, depth, pos);
	if (*flag)
		return memcmp(node, node_ptr(t, depth, pos), len) == 0 ? 0 : -1;
	const uint8_t *expect = parent_hash(t, depth, pos);
	if (expect == NULL)
		return -1;
	hash32(h, node, len);
	if (memcmp(h, expect, 32) != 0)
		return -1;
	memcpy(node_ptr(t, depth, pos), node, len);
	*flag = 1;
	t->missing--;
	return 1;
}

int keytree_complete(const struct keytree *t)
{
	return t->data != NULL && t->missing == 0;
}

void keytree_free(struct keytree *t)
{
	free(t->data);
	t->data = NULL;
}

/* The public-key Merkle tree (PROTOCOL.md §5) over D = McEliece pk || X25519 pk.
 * depth 0: root (32), depth 1: one node of 26 hashes (832), depth 2: 26
 * nodes of hashes of the leaves (25 x 1152 + 320), depth 3: 910 leaves
 * (909 x 1152 + 183).  The server builds it whole; the client fills it node
 * by node, each checked against its parent. */
#ifndef PQC_KEYTREE_H
#define PQC_KEYTREE_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/crypto.h"

#define KT_SEG 1152
#define KT_LEAVES 910
#define KT_L2 26
#define KT_NODES 938
#define KT_DATA_LEN (MCE_PK_LEN + X25519_LEN)   /* 1047351 */
#define KT_L2_LEN (KT_LEAVES * 32)              /* 29120 */
#define KT_L1_LEN (KT_L2 * 32)                  /* 832 */

struct keytree {
	uint8_t root[32];
	uint8_t l1[KT_L1_LEN];
	uint8_t l2[KT_L2_LEN];       /* the 26 depth-2 nodes, back to back */
	uint8_t *data;               /* KT_DATA_LEN bytes: the leaves back to back (M || X) */
	/* which nodes are present (client side; all set after keytree_build) */
	uint8_t have_l1;
	uint8_t have_l2[KT_L2];
	uint8_t have_leaf[KT_LEAVES];
	uint16_t missing;            /* nodes below the root still missing */
};

/* Size of node (depth, pos), or 0 if there is no such node. */
size_t keytree_node_size(unsigned depth, unsigned pos);
/* Number of nodes at depth (1, 1, 26, 910), 0 for depth > 3. */
unsigned keytree_level_count(unsigned depth);

/* Server: build the whole tree.  Allocates t->data; 0 / -1. */
int keytree_build(struct keytree *t, const uint8_t *mce_pk, const uint8_t x_pk[32]);
/* Pointer to node bytes inside t and its size, or NULL. */
const uint8_t *keytree_node(const struct keytree *t, unsigned depth, unsigned pos, size_t *len);

/* Client: start an empty tree that trusts only root (from the pq1 name).  Allocates t->data. */
int keytree_init_fetch(struct keytree *t, const uint8_t root[32]);
/* Offer a node.  Returns 1 if accepted (new), 0 if already held and
 * identical, -1 if rejected (no such node, wrong size, parent missing or
 * hash mismatch, or different from the node held). */
int keytree_offer(struct keytree *t, unsigned depth, unsigned pos, const uint8_t *node, size_t len);
int keytree_complete(const struct keytree *t);   /* 1 when every node is held */
/* Recovered keys (valid when complete): M = data[0..MCE_PK_LEN), X = the last 32 bytes. */
static inline const uint8_t *keytree_mce_pk(const struct keytree *t) { return t->data; }
static inline const uint8_t *keytree_x_pk(const struct keytree *t) { return t->data + MCE_PK_LEN; }

/* Root of the tree over (mce_pk, x_pk) without keeping the tree. */
void keytree_root(uint8_t root[32], const uint8_t *mce_pk, const uint8_t x_pk[32]);

/* Erase nothing (public data) but free t->data. */
void keytree_free(struct keytree *t);
#endif

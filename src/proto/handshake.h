/* The one-message 0-RTT handshake (PROTOCOL.md §7): layout of the 1299-byte
 * initiation and the key schedule on both sides. */
#ifndef PQC_HANDSHAKE_H
#define PQC_HANDSHAKE_H
#include <stddef.h>
#include <stdint.h>
#include "crypto/crypto.h"

#define HS_INIT_TYPE 0x0100
#define HS_INIT_LEN 1299
#define HS_OFF_C0 2
#define HS_OFF_C1 196
#define HS_OFF_T1 228
#define HS_OFF_C3 244
#define HS_OFF_T3 1283

struct hs_keys {
	uint8_t tid[32];
	uint8_t t_i[32];   /* initiator -> responder root (client sends, server receives) */
	uint8_t t_r[32];   /* responder -> initiator root */
};

/* Client.  c0/k0 from mce_enc on the server's McEliece key, s_x = the
 * server's static X25519 key, ntru_pk/e_x = its current ephemeral keys.
 * Writes the initiation and the session keys; 0, or -1 on a failing
 * primitive (all-zero DH).  Secrets are erased before returning. */
int hs_initiate(uint8_t msg[HS_INIT_LEN], struct hs_keys *keys,
                const uint8_t c0[MCE_CT_LEN], const uint8_t k0[KEM_SS_LEN],
                const uint8_t s_x[X25519_LEN], const uint8_t ntru_pk[NTRU_PK_LEN],
                const uint8_t e_x[X25519_LEN]);
/* Same with the client's ephemeral X25519 secret and the sntrup761
 * ciphertext/key given (test vectors of §14.2). */
int hs_initiate_fixed(uint8_t msg[HS_INIT_LEN], struct hs_keys *keys,
                      const uint8_t c0[MCE_CT_LEN], const uint8_t k0[KEM_SS_LEN],
                      const uint8_t s_x[X25519_LEN], const uint8_t e_x[X25519_LEN],
                      const uint8_t client_esk[X25519_LEN],
                      const uint8_t c2[NTRU_CT_LEN], const uint8_t k3[KEM_SS_LEN]);

/* Server, split so that McEliece is decapsulated once and only the cheap
 * ephemeral step is tried per candidate key. */
struct hs_responder {
	uint8_t cs[32];        /* chaining secret after the static DH */
	uint8_t hs[32];        /* H(c0 || c1 || t1) */
	uint8_t e_pk[32];      /* client's ephemeral X25519 public key */
};
/* Step 1: msg must be exactly HS_INIT_LEN bytes starting 01 00.  Decapsulates
 * c0 with mce_sk, opens c1, mixes DH(static x sk, e_pk).  0 / -1. */
int hs_respond_begin(struct hs_responder *st, const uint8_t *msg, size_t len,
                     const uint8_t *mce_sk, const uint8_t x_sk[X25519_LEN]);
/* Step 2 for one candidate ephemeral pair: 0 and keys on success, -1 if this
 * candidate does not open c3.  st is not changed. */
int hs_respond_try(const struct hs_responder *st, const uint8_t msg[HS_INIT_LEN],
                   const uint8_t eph_x_sk[X25519_LEN], const uint8_t eph_ntru_sk[NTRU_SK_LEN],
                   struct hs_keys *keys);
void hs_responder_wipe(struct hs_responder *st);
#endif

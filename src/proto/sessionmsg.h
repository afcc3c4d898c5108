/* Session resumption: the messages and the state files (not in PROTOCOL.md;
 * pqconnect-c only, used only between our client and a server that
 * answered its address-cookie request, proto/cookiemsg.h).
 *
 * A server gives each of our clients, inside the tunnel, a resumption
 * secret for the internal address (10.42.x.y) the client has on it.  On
 * the next handshake (a kick, a re-handshake after silence, a restart of
 * either daemon) the client presents, inside the new tunnel, a proof that
 * it holds that secret, bound to the new tunnel's id; the server then moves
 * the new tunnel onto the old address, so TCP connections through the
 * tunnel live on.  An off-path attacker, even one that spoofs the client's
 * source address and makes a tunnel of its own, has no secret; a proof seen
 * in one tunnel (it never is: it travels encrypted) names that tunnel's id
 * and is refused in any other.
 *
 * Inside the tunnel (authenticated plaintexts; they start with 'p', which
 * no IP packet does):
 *   client -> server: claim, 48 bytes (as long as the grant: no answer is
 *   larger than what asked for it, even from a tunnel made from a spoofed
 *   source)
 *     "pqcsessC" | addr u32be | proof(16) | 0^20
 *     addr 0 and proof 0^16: nothing to resume, a ticket is asked for.
 *     proof = MAC(secret, "pqconnect-c resume 1" | tid(32) | addr u32be)
 *   server -> client: grant, 48 bytes (the answer to every claim)
 *     "pqcsessG" | resumed(1: 0 or 1) | 0 0 0 | addr u32be | secret(32)
 * On the crypto port, outside any tunnel:
 *   server -> client: restart hint, 34 bytes
 *     f6 00 | tid(32)
 *   sent by a restarted server for a tunnel id its state file names as one
 *   of our clients' (never to the reference); unauthenticated, so the
 *   client uses it for nothing but an earlier liveness check.
 *
 * State files (written atomically, 0600; parsed as untrusted input: the
 * exact size is checked before anything else):
 *   server: "pqcsrvS1" | count u32be | count x 95-byte records
 *     addr u32be | secret(32) | tid(32) | family u8 (4 or 6) | port u16be
 *     | address(16) | seen u64be (wall-clock seconds)
 *   client: "pqccliS1" | count u32be | count x 92-byte records
 *     key hash(32) | server address(16; IPv4 v4-mapped) | crypto port u16be | key port u16be
 *     | local address u32be (10.43.x.y) | address on the server u32be
 *     | secret(32) */
#ifndef PQC_SESSIONMSG_H
#define PQC_SESSIONMSG_H
#include <stddef.h>
#include <stdint.h>

#define SM_MAGIC_LEN 8
#define SM_SECRET_LEN 32
#define SM_PROOF_LEN 16
#define SM_GRANT_LEN (SM_MAGIC_LEN + 4 + 4 + SM_SECRET_LEN)         /* 48 */
#define SM_CLAIM_USED (SM_MAGIC_LEN + 4 + SM_PROOF_LEN)             /* 28, then zeros */
#define SM_CLAIM_LEN SM_GRANT_LEN                                  /* 48 */
#define SM_HINT_TYPE 0xf600
#define SM_HINT_LEN (2 + 32)                                       /* 34 */

/* 1 if an authenticated plaintext is one of the in-tunnel messages above
 * (its first bytes are "pqcsess"); it is then never delivered as a packet. */
int sessionmsg_is_session(const uint8_t *pt, size_t len);

void sessionmsg_proof(uint8_t out[SM_PROOF_LEN], const uint8_t secret[SM_SECRET_LEN], const uint8_t tid[32],
                      uint32_t addr);
/* addr 0: no claim (secret and tid are not used, the proof is zeros). */
void sessionmsg_claim_build(uint8_t out[SM_CLAIM_LEN], uint32_t addr, const uint8_t secret[SM_SECRET_LEN],
                            const uint8_t tid[32]);
/* 0, *addr and *proof (a pointer into m), or -1 (exact length and magic). */
int sessionmsg_claim_parse(const uint8_t *m, size_t len, uint32_t *addr, const uint8_t **proof);
/* 1 if proof is the one secret makes for tid and addr (constant time). */
int sessionmsg_claim_check(const uint8_t proof[SM_PROOF_LEN], const uint8_t secret[SM_SECRET_LEN],
                           const uint8_t tid[32], uint32_t addr);

void sessionmsg_grant_build(uint8_t out[SM_GRANT_LEN], int resumed, uint32_t addr,
                            const uint8_t secret[SM_SECRET_LEN]);
/* 0, *resumed, *addr (never 0) and *secret (a pointer into m), or -1. */
int sessionmsg_grant_parse(const uint8_t *m, size_t len, int *resumed, uint32_t *addr, const uint8_t **secret);

void sessionmsg_hint_build(uint8_t out[SM_HINT_LEN], const uint8_t tid[32]);
/* 0 and *tid (a pointer into m), or -1. */
int sessionmsg_hint_parse(const uint8_t *m, size_t len, const uint8_t **tid);

/* ------------------------------------------------------- state files -- */
#define SF_HEADER_LEN 12
#define SF_SERVER_REC_LEN 95
#define SF_CLIENT_REC_LEN 92
#define SF_MAX_RECORDS 65536

struct sf_server_rec {
	uint32_t addr;
	uint8_t secret[SM_SECRET_LEN];
	uint8_t tid[32];                /* the newest tunnel with that address (for the hint) */
	uint8_t family;                 /* 4 or 6: the endpoint's family */
	uint16_t port;
	uint8_t ip[16];                 /* IPv4: in the last 4 bytes */
	uint64_t seen;                  /* wall-clock seconds */
};
struct sf_client_rec {
	uint8_t hash[32];
	uint8_t server[16];             /* the server's address (IPv4: v4-mapped) */
	uint16_t cryptoport, keyport;
	uint32_t local_addr;            /* the 10.43.x.y the applications use */
	uint32_t sess_addr;             /* our address on the server (0: no grant) */
	uint8_t secret[SM_SECRET_LEN];
};

/* Size of a file of n records. */
size_t statefile_server_size(size_t n);
size_t statefile_client_size(size_t n);
void statefile_server_header(uint8_t out[SF_HEADER_LEN], uint32_t n);
void statefile_client_header(uint8_t out[SF_HEADER_LEN], uint32_t n);
void statefile_server_rec_build(uint8_t out[SF_SERVER_REC_LEN], const struct sf_server_rec *r);
void statefile_client_rec_build(uint8_t out[SF_CLIENT_REC_LEN], const struct sf_client_rec *r);
/* The number of records of a whole file: its magic, then its length must be
 * exactly the header plus count records (count <= SF_MAX_RECORDS); -1 if not. */
long statefile_server_count(const uint8_t *m, size_t len);
long statefile_client_count(const uint8_t *m, size_t len);
/* Record i of a file whose count checked out.  0, or -1 for a record that
 * cannot be right (zero address, family not 4 or 6, zero port). */
int statefile_server_rec_parse(const uint8_t *m, size_t len, size_t i, struct sf_server_rec *r);
int statefile_client_rec_parse(const uint8_t *m, size_t len, size_t i, struct sf_client_rec *r);
#endif

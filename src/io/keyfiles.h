/* The server's key files, in the reference's names and raw formats
 * (PROTOCOL.md §3.1): mceliece_pk, mceliece_sk, x25519_pk, x25519_sk,
 * session_key.  Files are opened with O_NOFOLLOW and must have exactly the
 * expected size; files are written atomically (temporary file, fsync,
 * rename) with an explicit mode. */
#ifndef PQC_KEYFILES_H
#define PQC_KEYFILES_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "crypto/crypto.h"

struct server_keys {
	uint8_t *mce_pk;                 /* MCE_PK_LEN, malloc'd */
	uint8_t *mce_sk;                 /* MCE_SK_LEN, malloc'd; caller erases and frees */
	uint8_t x_pk[X25519_LEN];
	uint8_t x_sk[X25519_LEN];
	uint8_t session_key[32];
	int have_session_key;
};

/* Read exactly len bytes from dir/name.  0, or -1 (missing, wrong size, a link). */
int keyfile_read(const char *dir, const char *name, uint8_t *buf, size_t len);
/* Read dir/name, a regular file (not a link) of at most cap bytes, into
 * buf: 0 and *len, or -1 (missing: errno ENOENT; too large; unreadable). */
int keyfile_read_upto(const char *dir, const char *name, uint8_t *buf, size_t cap, size_t *len);
/* Write dir/name atomically with the given mode.  0 / -1. */
int keyfile_write(const char *dir, const char *name, const void *buf, size_t len, unsigned mode);
/* The same in the directory open as dirfd (temporary file, fsync,
 * renameat, fsync of the directory): for a process whose seccomp filter
 * allows writing only relative to that descriptor.  0 / -1. */
int keyfile_write_at(int dirfd, const char *name, const void *buf, size_t len, unsigned mode);
/* Load all server keys (session_key optional).  Logs what is wrong.  0 / -1. */
/* May root hand the directory open on dfd (named dir, for the log) to a
 * daemon's user?  Only if it is the one lstat saw as seen (not swapped
 * since), owned by root, without the sticky bit (not /tmp), and every entry
 * passes entry_ok (a directory of its own, not /var/lib or /etc given by
 * mistake).  what names it in the log ("--state-dir", "key cache").
 * 1 if so; 0, logged, if not. */
int keydir_ours_to_give(int dfd, const char *dir, const struct stat *seen, int (*entry_ok)(const char *name),
                        const char *what);
int keyfiles_load_server(struct server_keys *k, const char *dir);
/* Load only the public keys (mce_sk stays NULL).  0 / -1. */
int keyfiles_load_public(struct server_keys *k, const char *dir);
/* Free the public key and erase everything but mce_sk/x_sk ownership moves
 * to the caller: mce_sk is left as is. */
void keyfiles_release_public(struct server_keys *k);
/* Erase and free everything. */
void keyfiles_wipe(struct server_keys *k);
#endif

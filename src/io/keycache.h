/* The client's on-disk cache of servers' static public keys: one file per
 * server, named by the 52-character base32 pq1 hash, holding the
 * 1,047,351 bytes M || X of the key tree (PROTOCOL.md §5).  A file is only
 * a hint: it is used only if it is fresh (mtime within max_age) and its key
 * tree root equals the hash it is named after.  Written atomically (temp
 * file, fsync, rename), mode 0600, directory created 0700. */
#ifndef PQC_KEYCACHE_H
#define PQC_KEYCACHE_H
#include <stdint.h>
#include <time.h>

/* 0 and *data (malloc'd, KT_DATA_LEN bytes, caller frees) on a verified,
 * fresh hit; -1 otherwise (missing, wrong size, too old, wrong root). */
int keycache_load(const char *dir, const uint8_t hash[32], time_t now, long max_age_s, uint8_t **data);
/* 0 / -1.  data is KT_DATA_LEN bytes whose root the caller has verified. */
int keycache_store(const char *dir, const uint8_t hash[32], const uint8_t *data);
#endif

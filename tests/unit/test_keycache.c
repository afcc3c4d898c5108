/* On-disk key cache: a stored tree loads back only under its own hash,
 * only at the exact size, only while fresh; files are 0600 in a 0700 dir. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#include "check.h"
#include "io/keycache.h"
#include "proto/base32.h"
#include "proto/keytree.h"

static char dir[256], sub[300];

static void path_of(char *out, size_t cap, const uint8_t hash[32])
{
	char name[53];
	base32_encode(name, hash, 32);
	name[52] = 0;
	snprintf(out, cap, "%s/%s", sub, name);
}

int main(void)
{
	uint8_t *d = malloc(KT_DATA_LEN), *got = NULL, hash[32], other[32];
	char path[512];
	struct stat st;
	time_t now = time(NULL);

	if (!d || crypto_init() != 0)
		return 1;
	for (size_t i = 0; i < KT_DATA_LEN; i++)
		d[i] = (uint8_t)(i % 251);
	keytree_root(hash, d, d + MCE_PK_LEN);
	/* §14.2: M[i] = i mod 251 and X = 00..1f has a known root */
	for (int i = 0; i < 32; i++)
		d[MCE_PK_LEN + i] = (uint8_t)i;
	keytree_root(hash, d, d + MCE_PK_LEN);
	CHECK_HEX(hash, "a7dc16d5cd43bd984297ed4241a6d73670569ab3af70f17460282f7571b81bf3");

	snprintf(dir, sizeof dir, "/tmp/pqc-keycache-test-%ld", (long)getpid());
	snprintf(sub, sizeof sub, "%s/a/keys", dir);

	CHECK(keycache_load(sub, hash, now, 3600, &got) == -1);          /* nothing yet */
	CHECK(keycache_store(sub, hash, d) == 0);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
	path_of(path, sizeof path, hash);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == KT_DATA_LEN);

	CHECK(keycache_load(sub, hash, now, 3600, &got) == 0);
	CHECK(got && memcmp(got, d, KT_DATA_LEN) == 0);
	free(got);
	got = NULL;

	/* too old, and from the future */
	CHECK(keycache_load(sub, hash, now + 7200, 3600, &got) == -1);
	CHECK(keycache_load(sub, hash, now - 7200, 3600, &got) == -1);

	/* the same bytes under another name are not trusted */
	char path2[512];
	memcpy(other, hash, 32);
	other[0] ^= 1;
	path_of(path2, sizeof path2, other);
	CHECK(link(path, path2) == 0);
	CHECK(keycache_load(sub, other, now, 3600, &got) == -1);
	unlink(path2);

	/* a flipped byte inside the file */
	FILE *f = fopen(path, "r+b");
	fseek(f, 123456, SEEK_SET);
	fputc(d[123456] ^ 0x80, f);
	fclose(f);
	CHECK(keycache_load(sub, hash, now, 3600, &got) == -1);

	/* wrong size */
	CHECK(keycache_store(sub, hash, d) == 0);
	CHECK(truncate(path, KT_DATA_LEN - 1) == 0);
	CHECK(keycache_load(sub, hash, now, 3600, &got) == -1);

	/* overwrite is atomic and leaves no temp file */
	CHECK(keycache_store(sub, hash, d) == 0);
	CHECK(keycache_load(sub, hash, now, 3600, &got) == 0);
	free(got);
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	CHECK(access(tmp, F_OK) != 0);

	/* a symlink is not followed */
	unlink(path);
	CHECK(symlink("/etc/passwd", path) == 0);
	CHECK(keycache_load(sub, hash, now, 3600, &got) == -1);
	unlink(path);

	rmdir(sub);
	snprintf(path, sizeof path, "%s/a", dir);
	rmdir(path);
	rmdir(dir);
	free(d);
	return check_done();
}

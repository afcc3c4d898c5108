/* On-disk static-key cache: see keycache.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/keycache.h"
#include "io/keyfiles.h"
#include "proto/base32.h"
#include "proto/keytree.h"

static int cache_path(char *out, size_t cap, const char *dir, const uint8_t hash[32], const char *suffix)
{
	char name[53];
	base32_encode(name, hash, 32);
	name[52] = 0;
	int n = snprintf(out, cap, "%s/%s%s", dir, name, suffix);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int keycache_load(const char *dir, const uint8_t hash[32], time_t now, long max_age_s, uint8_t **out)
{
	char path[512];
	struct stat st;
	uint8_t root[32], *data;
	size_t off = 0;

	if (cache_path(path, sizeof path, dir, hash, "") < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* a file from the future (clock jumps) is as suspect as an old one */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != KT_DATA_LEN ||
	    st.st_mtime + max_age_s < now || st.st_mtime > now + 300) {
		close(fd);
		return -1;
	}
	data = malloc(KT_DATA_LEN);
	if (!data) {
		close(fd);
		return -1;
	}
	while (off < KT_DATA_LEN) {
		ssize_t r = read(fd, data + off, KT_DATA_LEN - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	if (off != KT_DATA_LEN) {
		free(data);
		return -1;
	}
	keytree_root(root, data, data + MCE_PK_LEN);
	if (memcmp(root, hash, 32) != 0) {
		free(data);
		return -1;
	}
	*out = data;
	return 0;
}

static void mkdirs(const char *dir)
{
	char tmp[512];
	if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
		return;
	for (char *s = tmp + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(tmp, 0700);
			*s = '/';
		}
	mkdir(tmp, 0700);
}

int keycache_store(const char *dir, const uint8_t hash[32], const uint8_t *data)
{
	char name[53];
	base32_encode(name, hash, 32);
	name[52] = 0;
	mkdirs(dir);
	/* atomic (temporary file, fsync, rename), mode 0600: as every key file */
	return keyfile_write(dir, name, data, KT_DATA_LEN, 0600);
}

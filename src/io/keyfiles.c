#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io/keyfiles.h"
#include "io/log.h"

int keyfile_read(const char *dir, const char *name, uint8_t *buf, size_t len)
{
	char path[1024];
	struct stat st;
	size_t got = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len) {
		log_error("%s: expected a regular file of %zu bytes", path, len);
		close(fd);
		return -1;
	}
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			log_error("%s: short read", path);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

int keyfile_read_upto(const char *dir, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	char path[1024];
	struct stat st;
	size_t got = 0;
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > cap) {
		log_error("%s: expected a regular file of at most %zu bytes", path, cap);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	/* read up to the file's size as it was when checked, never past cap */
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return 0;
}

int keyfile_write(const char *dir, const char *name, const void *buf, size_t len, unsigned mode)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		log_error("%s: %s", dir, strerror(errno));
		return -1;
	}
	int r = keyfile_write_at(dfd, name, buf, len, mode);
	close(dfd);
	return r;
}

int keyfile_write_at(int dirfd, const char *name, const void *buf, size_t len, unsigned mode)
{
	char tmp[300];
	const uint8_t *p = buf;
	size_t done = 0;
	int fd;

	if ((size_t)snprintf(tmp, sizeof tmp, ".%s.tmp.%ld", name, (long)getpid()) >= sizeof tmp)
		return -1;
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		log_error("%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) < 0)
		goto fail;
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			goto fail;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		log_error("rename %s: %s", name, strerror(errno));
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	fsync(dirfd);         /* make the rename durable */
	return 0;
fail:
	log_error("%s: %s", tmp, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return -1;
}

int keyfiles_load_public(struct server_keys *k, const char *dir)
{
	memset(k, 0, sizeof *k);
	k->mce_pk = malloc(MCE_PK_LEN);
	if (!k->mce_pk)
		return -1;
	if (keyfile_read(dir, "mceliece_pk", k->mce_pk, MCE_PK_LEN) < 0 ||
	    keyfile_read(dir, "x25519_pk", k->x_pk, X25519_LEN) < 0) {
		keyfiles_wipe(k);
		return -1;
	}
	return 0;
}

int keyfiles_load_server(struct server_keys *k, const char *dir)
{
	uint8_t check[X25519_LEN];
	if (keyfiles_load_public(k, dir) < 0)
		return -1;
	k->mce_sk = malloc(MCE_SK_LEN);
	if (!k->mce_sk || keyfile_read(dir, "mceliece_sk", k->mce_sk, MCE_SK_LEN) < 0 ||
	    keyfile_read(dir, "x25519_sk", k->x_sk, X25519_LEN) < 0) {
		keyfiles_wipe(k);
		return -1;
	}
	/* the X25519 pair must match: a mismatch would make every handshake fail */
	x25519_public(check, k->x_sk);
	if (memcmp(check, k->x_pk, X25519_LEN)) {
		log_error("%s: x25519_pk does not belong to x25519_sk", dir);
		keyfiles_wipe(k);
		return -1;
	}
	k->have_session_key = keyfile_read(dir, "session_key", k->session_key, 32) == 0;
	return 0;
}

void keyfiles_release_public(struct server_keys *k)
{
	free(k->mce_pk);
	k->mce_pk = NULL;
	wipe(k->x_sk, sizeof k->x_sk);
	wipe(k->session_key, sizeof k->session_key);
}

void keyfiles_wipe(struct server_keys *k)
{
	free(k->mce_pk);
	if (k->mce_sk) {
		wipe(k->mce_sk, MCE_SK_LEN);
		free(k->mce_sk);
	}
	wipe(k, sizeof *k);
}

int keydir_ours_to_give(int dfd, const char *dir, const struct stat *seen, int (*entry_ok)(const char *name),
                        const char *what)
{
	struct stat st;
	struct dirent *e;
	int ok = 1, fd;
	DIR *d;

	if (fstat(dfd, &st) < 0 || st.st_dev != seen->st_dev || st.st_ino != seen->st_ino || st.st_uid != 0 ||
	    (st.st_mode & S_ISVTX)) {
		log_error("%s %s: not a root-owned directory without the sticky bit (or it changed): refusing to "
		          "hand it to the daemon's user", what, dir);
		return 0;
	}
	if ((fd = dup(dfd)) < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		log_error("%s %s: %s", what, dir, strerror(errno));
		return 0;
	}
	while (ok && (e = readdir(d)) != NULL)
		ok = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || entry_ok(e->d_name);
	closedir(d);
	if (!ok)
		log_error("%s %s: holds other files: refusing to hand it to the daemon's user (give it a directory "
		          "of its own)", what, dir);
	return ok;
}

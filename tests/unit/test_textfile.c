/* The textfile collector (src/io/textfile.c) never writes through a
 * temporary name that someone else planted in its directory: a hard link
 * to another file, or a symbolic link, at .NAME.tmp is removed and a new
 * file of our own is written and renamed over NAME. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "io/textfile.h"

static void handler(void *arg, int argc, char **argv, struct ctlbuf *out)
{
	(void)arg, (void)argc, (void)argv;
	ctl_printf(out, "# HELP x\nx 1\n# EOF\n");
}

static int slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

int main(void)
{
	char dir[] = "/tmp/pqc-test-textfile-XXXXXX", victim[128], tmp[128], out[128], buf[256];
	struct textfile t;
	struct stat st;
	CHECK(mkdtemp(dir) != NULL);
	snprintf(victim, sizeof victim, "%s/victim", dir);
	snprintf(tmp, sizeof tmp, "%s/.t.prom.tmp", dir);
	snprintf(out, sizeof out, "%s/t.prom", dir);
	FILE *f = fopen(victim, "w");
	CHECK(f != NULL);
	fputs("precious\n", f);
	fclose(f);
	CHECK(textfile_open(&t, dir, "t.prom") == 0);
	t.h = handler;

	/* a hard link planted at the temporary name */
	CHECK(link(victim, tmp) == 0);
	CHECK(textfile_write(&t) == 0);
	CHECK(slurp(victim, buf, sizeof buf) > 0 && !strcmp(buf, "precious\n"));
	CHECK(slurp(out, buf, sizeof buf) > 0 && !strcmp(buf, "# HELP x\nx 1\n# EOF\n"));
	CHECK(stat(victim, &st) == 0 && st.st_nlink == 1);
	CHECK(stat(out, &st) == 0 && (st.st_mode & 07777) == 0644);

	/* a symbolic link planted at the temporary name */
	CHECK(symlink(victim, tmp) == 0);
	CHECK(textfile_write(&t) == 0);
	CHECK(slurp(victim, buf, sizeof buf) > 0 && !strcmp(buf, "precious\n"));
	CHECK(lstat(out, &st) == 0 && S_ISREG(st.st_mode));
	CHECK(access(tmp, F_OK) < 0);

	textfile_close(&t);
	unlink(out);
	unlink(victim);
	rmdir(dir);
	return check_done();
}

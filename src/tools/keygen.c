/* pqconnect-keygen: make the server's long-term keys and print the DNS
 * records that announce them (PROTOCOL.md §3.1, §4.6, §13.3).
 *
 * Unlike the reference it never prompts: a missing config directory or port
 * file means the default port, and existing keys are only replaced with -f.
 * Exit codes follow the reference: 1 = the config directory given with -c
 * does not exist, 2 = invalid port, 3 = key generation or saving failed
 * (including "keys exist, no -f"). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/keyfiles.h"
#include "crypto/crypto.h"
#include "proto/base32.h"
#include "proto/keytree.h"
#include "proto/pq1name.h"
#include "proto/portfile.h"

#define DEFAULT_CONFIG_DIR "/etc/pqconnect/config"
#define DEFAULT_KEY_DIR "/etc/pqconnect/keys"
#define DEFAULT_CRYPTO_PORT 42424
#define DEFAULT_KEY_PORT 42425
#define HOWTO_NAME "DNS_Record_Update_HOWTO.txt"

enum { EXIT_NO_CONFIG = 1, EXIT_BAD_PORT = 2, EXIT_KEYS = 3 };

static const char *const key_names[] = { "mceliece_pk", "mceliece_sk", "x25519_pk", "x25519_sk", "session_key" };

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: pqconnect-keygen [OPTIONS]\n"
	        "\n"
	        "  Generate the server's long-term keys and print the DNS records for them.\n"
	        "\n"
	        "Options:\n"
	        "  -c, --config-dir DIR  server config directory with pqcport and keyport\n"
	        "                        (default " DEFAULT_CONFIG_DIR ")\n"
	        "  -d, --directory DIR   key directory (default $KEYPATH or " DEFAULT_KEY_DIR ")\n"
	        "  -D, --dns-only        print the DNS records for the existing keys\n"
	        "  -f, --force           replace existing keys\n"
	        "  -n, --next            the next key of a key rotation: in DIR/next, announced\n"
	        "                        with the key port of config/next-keyport (default: the\n"
	        "                        key port + 1, skipping the crypto port); see\n"
	        "                        scripts/rotate-server-key\n"
	        "      --name            print only the pq1 label (with -D: of the existing keys)\n"
	        "  -h, --help            show this help and exit\n"
	        "      --version         show the version and exit\n");
}

/* Port from dir/name (portfile.c: as the reference and our server read it).
 * A missing file gives the default.  Returns 0, or -1 for content that is
 * not a number. */
static int read_port(const char *dir, const char *name, uint16_t def, uint16_t *port)
{
	char path[PATH_MAX], buf[PORTFILE_MAX + 1];
	FILE *f;
	size_t n;

	*port = def;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return -1;
	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return portfile_parse(buf, n, port);
}

/* A growing text buffer for the DNS instructions. */
struct text {
	char buf[8192];
	size_t len;
	int overflow;
};

static void __attribute__((format(printf, 2, 3))) add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof t->buf - t->len) {
		t->overflow = 1;
		return;
	}
	t->len += (size_t)n;
}

/* The DNS block of §4.6, plus ready-to-paste examples. */
static void dns_text(struct text *t, const uint8_t root[32], uint16_t cport, uint16_t kport)
{
	char hash[52], label[PQ1_LONG_LEN];
	int hl = (int)base32_encode(hash, root, 32);
	int ll = (int)pq1_format(label, root, 1, cport, kport);

	add(t, "\nThe public key hash for your keys is: %.*s\n\n", hl, hash);
	add(t, "Please update your DNS A/AAAA records for all domains on this server as follows:\n\n");
	add(t, "Existing record:\n");
	add(t, "Type    Name        Value\n");
	add(t, "A/AAAA  SUBDOMAIN   IP Address\n\n");
	add(t, "New Records:\n");
	add(t, "Type    Name        Value\n");
	add(t, "CNAME   SUBDOMAIN   %.*s.DOMAIN.TLD\n", ll, label);
	add(t, "A/AAAA  %.*s   IP Address\n\n", ll, label);
	add(t, "IMPORTANT: If SUBDOMAIN has NS records, do not change it; announce the\n"
	       "server under another SUBDOMAIN instead.\n\n");
	add(t, "The label carries the crypto port %u/udp and the key-server port %u/udp;\n"
	       "both must be reachable from clients.\n\n", cport, kport);
	add(t, "Example for www.example.com at 192.0.2.1, BIND zone file of example.com:\n\n");
	add(t, "www  300  IN  CNAME  %.*s.example.com.\n", ll, label);
	add(t, "%.*s  300  IN  A  192.0.2.1\n\n", ll, label);
	add(t, "Example, tinydns data lines:\n\n");
	add(t, "Cwww.example.com:%.*s.example.com:300\n", ll, label);
	add(t, "+%.*s.example.com:192.0.2.1:300\n\n", ll, label);
}

static int key_files_exist(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++) {
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, key_names[i]) >= sizeof path)
			return 1;
		if (lstat(path, &st) == 0)
			return 1;
	}
	return 0;
}

/* Remove dir holding at most our key files and the instructions (a
 * --next left half-made).  0, or -1 if something else is in it. */
static int remove_key_dir(const char *dir)
{
	char path[PATH_MAX];
	for (size_t i = 0; i <= sizeof key_names / sizeof key_names[0]; i++) {
		const char *name = i < sizeof key_names / sizeof key_names[0] ? key_names[i] : HOWTO_NAME;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
			return -1;
		if (unlink(path) != 0 && errno != ENOENT)
			return -1;
	}
	return rmdir(dir) == 0 || errno == ENOENT ? 0 : -1;
}

/* Generate and save the five key files; on success root holds the tree root. */
static int generate(const char *dir, uint8_t root[32])
{
	uint8_t *mpk = malloc(MCE_PK_LEN), *msk = malloc(MCE_SK_LEN);
	uint8_t xpk[X25519_LEN], xsk[X25519_LEN], session[32];
	int rc = -1;

	if (mpk == NULL || msk == NULL) {
		fprintf(stderr, "pqconnect-keygen: out of memory\n");
		goto out;
	}
	printf("Generating McEliece key pair (mceliece6960119)\n");
	fflush(stdout);
	if (mce_keypair(mpk, msk) != 0)
		goto out;
	printf("Generating X25519 key pair\n");
	fflush(stdout);
	x25519_keypair(xpk, xsk);
	printf("Generating symmetric session key\n");
	fflush(stdout);
	random_bytes(session, sizeof session);

	if (keyfile_write(dir, "mceliece_sk", msk, MCE_SK_LEN, 0600) != 0 ||
	    keyfile_write(dir, "x25519_sk", xsk, X25519_LEN, 0600) != 0 ||
	    keyfile_write(dir, "session_key", session, sizeof session, 0600) != 0 ||
	    keyfile_write(dir, "mceliece_pk", mpk, MCE_PK_LEN, 0644) != 0 ||
	    keyfile_write(dir, "x25519_pk", xpk, X25519_LEN, 0644) != 0) {
		fprintf(stderr, "pqconnect-keygen: could not save the keys in %s\n", dir);
		goto out;
	}
	keytree_root(root, mpk, xpk);
	printf("Keys saved in %s\n", dir);
	rc = 0;
out:
	if (msk != NULL) {
		wipe(msk, MCE_SK_LEN);
		free(msk);
	}
	free(mpk);
	wipe(xsk, sizeof xsk);
	wipe(session, sizeof session);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config-dir", required_argument, NULL, 'c' },
		{ "directory", required_argument, NULL, 'd' },
		{ "dns-only", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "next", no_argument, NULL, 'n' },
		{ "name", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *confdir = DEFAULT_CONFIG_DIR, *keydir = getenv("KEYPATH");
	int confdir_given = 0, dns_only = 0, force = 0, next = 0, name_only = 0, c;
	char nextdir[PATH_MAX], tmpdir[PATH_MAX];
	const char *parentdir = NULL, *gendir;
	uint16_t cport, kport;
	uint8_t root[32];
	struct stat st;

	if (keydir == NULL || *keydir == '\0')
		keydir = DEFAULT_KEY_DIR;
	while ((c = getopt_long(argc, argv, "c:d:Dfnh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': confdir = optarg; confdir_given = 1; break;
		case 'd': keydir = optarg; break;
		case 'D': dns_only = 1; break;
		case 'f': force = 1; break;
		case 'n': next = 1; break;
		case 'N': name_only = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pqconnect-keygen (pqconnect-c) %s\n", PQC_VERSION); return 0;
		default: usage(stderr); return EXIT_BAD_PORT;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_BAD_PORT;
	}
	if (crypto_init() != 0) {
		fprintf(stderr, "pqconnect-keygen: crypto library initialisation failed\n");
		return EXIT_KEYS;
	}

	if (stat(confdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (confdir_given) {
			fprintf(stderr, "pqconnect-keygen: config directory %s does not exist\n", confdir);
			return EXIT_NO_CONFIG;
		}
		fprintf(stderr, "pqconnect-keygen: no config directory %s, using the default ports\n", confdir);
	}
	if (read_port(confdir, "pqcport", DEFAULT_CRYPTO_PORT, &cport) != 0) {
		fprintf(stderr, "pqconnect-keygen: %s/pqcport does not hold a valid port\n", confdir);
		return EXIT_BAD_PORT;
	}
	if (read_port(confdir, "keyport", DEFAULT_KEY_PORT, &kport) != 0) {
		fprintf(stderr, "pqconnect-keygen: %s/keyport does not hold a valid port\n", confdir);
		return EXIT_BAD_PORT;
	}

	if (next) {
		/* the next key lives beside the current one and is announced
		 * with a key port of its own (server/reload.c) */
		uint16_t nport;
		if (read_port(confdir, "next-keyport", portfile_next_keyport(cport, kport), &nport) != 0) {
			fprintf(stderr, "pqconnect-keygen: %s/next-keyport does not hold a valid port\n", confdir);
			return EXIT_BAD_PORT;
		}
		if (nport == cport || nport == kport) {
			fprintf(stderr, "pqconnect-keygen: the next key's port %u must differ from the crypto port %u and "
			                "the key port %u\n", nport, cport, kport);
			return EXIT_BAD_PORT;
		}
		kport = nport;
		if ((size_t)snprintf(nextdir, sizeof nextdir, "%s/next", keydir) >= sizeof nextdir ||
		    (size_t)snprintf(tmpdir, sizeof tmpdir, "%s/.next.tmp", keydir) >= sizeof tmpdir)
			return EXIT_KEYS;
		parentdir = keydir;
		keydir = nextdir;
	}
	if (name_only && !dns_only) {
		fprintf(stderr, "pqconnect-keygen: --name goes with -D\n");
		return EXIT_BAD_PORT;
	}

	if (dns_only) {
		struct server_keys k;
		if (keyfiles_load_public(&k, keydir) != 0) {
			fprintf(stderr, "pqconnect-keygen: cannot read the public keys in %s\n", keydir);
			return EXIT_KEYS;
		}
		keytree_root(root, k.mce_pk, k.x_pk);
		keyfiles_wipe(&k);
	} else if (next) {
		/* made whole in keys/.next.tmp, then renamed to keys/next in one
		 * step: the server (reload) never sees half a next key */
		if (lstat(nextdir, &st) == 0) {
			fprintf(stderr, "pqconnect-keygen: %s exists: a rotation is under way; refusing to "
			                "replace it (retire it, or remove it)\n", nextdir);
			return EXIT_KEYS;
		}
		if (remove_key_dir(tmpdir) != 0) {
			fprintf(stderr, "pqconnect-keygen: cannot remove the half-made %s: %s\n", tmpdir, strerror(errno));
			return EXIT_KEYS;
		}
		if (mkdir(tmpdir, 0700) != 0) {
			fprintf(stderr, "pqconnect-keygen: cannot create %s: %s\n", tmpdir, strerror(errno));
			return EXIT_KEYS;
		}
		if (generate(tmpdir, root) != 0) {
			remove_key_dir(tmpdir);
			return EXIT_KEYS;
		}
	} else {
		if (stat(keydir, &st) != 0) {
			if (mkdir(keydir, 0700) != 0) {
				fprintf(stderr, "pqconnect-keygen: cannot create %s: %s\n", keydir, strerror(errno));
				return EXIT_KEYS;
			}
			printf("Created key directory %s\n", keydir);
		} else if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "pqconnect-keygen: %s is not a directory\n", keydir);
			return EXIT_KEYS;
		}
		if (key_files_exist(keydir) && !force) {
			fprintf(stderr, "pqconnect-keygen: keys already exist in %s; refusing to overwrite "
			                "them (use -f to replace them, -D to print their DNS records)\n", keydir);
			return EXIT_KEYS;
		}
		if (generate(keydir, root) != 0)
			return EXIT_KEYS;
	}

	if (name_only) {
		char label[PQ1_LONG_LEN];
		int ll = (int)pq1_format(label, root, 1, cport, kport);
		printf("%.*s\n", ll, label);
		return fflush(stdout) != 0 || ferror(stdout) ? EXIT_KEYS : 0;
	}
	struct text t = { .len = 0 };
	dns_text(&t, root, cport, kport);
	if (t.overflow)
		return EXIT_KEYS;
	fwrite(t.buf, 1, t.len, stdout);
	gendir = next ? tmpdir : keydir;
	if (!dns_only) {
		if (keyfile_write(gendir, HOWTO_NAME, t.buf, t.len, 0600) != 0) {
			fprintf(stderr, "pqconnect-keygen: could not write %s/%s\n", gendir, HOWTO_NAME);
			if (next)
				remove_key_dir(tmpdir);
			return EXIT_KEYS;
		}
		if (next) {
			int pfd;
			if (renameat2(AT_FDCWD, tmpdir, AT_FDCWD, nextdir, RENAME_NOREPLACE) != 0) {
				fprintf(stderr, "pqconnect-keygen: cannot rename %s to %s: %s\n", tmpdir, nextdir,
				        strerror(errno));
				remove_key_dir(tmpdir);
				return EXIT_KEYS;
			}
			pfd = open(parentdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pfd < 0 || fsync(pfd) != 0) {
				fprintf(stderr, "pqconnect-keygen: cannot sync %s\n", parentdir);
				if (pfd >= 0)
					close(pfd);
				return EXIT_KEYS;
			}
			close(pfd);
			printf("Next key in place: %s\n", nextdir);
		}
		printf("A copy of these instructions is in %s/%s\n", keydir, HOWTO_NAME);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return EXIT_KEYS;
	return 0;
}

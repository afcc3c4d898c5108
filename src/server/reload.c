/* The server's configuration and key files, read at start-up and again on
 * reload (SIGHUP, pqconnect-ctl reload), and the next long-term key of a
 * key rotation.
 *
 * Key rotation: keydir/next holds the next key (pqconnect-keygen --next),
 * served by the key server on its own port (confdir/next-keyport, the port
 * in the new pq1 name), because a static-key request does not say which
 * tree it wants.  The crypto port is shared: the handshake workers try the
 * current key, then the next one (hspool.h).  Retiring the old key is
 * moving keydir/next/ into keydir/ and next-keyport to keyport, then a
 * reload: the next key's socket becomes the key port, the old one closes.
 *
 * A reload runs in the unprivileged, confined server: it can read only
 * what the server's user can read (scripts/rotate-server-key makes the key
 * directory readable by the group pqconnect; the worker holds these
 * secrets in memory anyway), bind only unprivileged ports, and cannot
 * change the crypto port (kept, with a log line: restart for that).
 * Everything is read and checked first; only then is anything replaced,
 * so a bad file leaves the running configuration entirely as it was. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"
#include "io/keyfiles.h"
#include "io/log.h"
#include "proto/base32.h"
#include "proto/portfile.h"
#include "server/server.h"

/* config/pqcport, keyport, next-keyport (portfile.c: as the reference
 * reads them, and as pqconnect-keygen does for the pq1 name): the port,
 * -1 if the file is absent, -2 if it is not a number. */
static long read_number_file(const char *dir, const char *name)
{
	char path[512], buf[PORTFILE_MAX + 1];
	uint16_t port;
	int fd;
	ssize_t n;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
		log_error("%s/%s: path too long", dir, name);
		return -2;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		log_error("%s: %s%s", path, strerror(errno),
		          errno == EACCES ? " (make it readable by the group pqconnect to reload it)" : "");
		return -2;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0 || portfile_parse(buf, (size_t)n, &port) < 0) {
		log_error("%s: not a port number", path);
		return -2;
	}
	return port;
}

/* config/host: 1 and *host, 0 if absent or empty, -1 if wrong. */
static int read_host_file(const char *dir, uint32_t *host)
{
	char path[512], buf[256];
	struct in_addr a;
	int fd;
	ssize_t n;
	if ((size_t)snprintf(path, sizeof path, "%s/host", dir) >= sizeof path) {
		log_error("%s/host: path too long", dir);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_error("%s: %s%s", path, strerror(errno),
		          errno == EACCES ? " (make it readable by the group pqconnect to reload it)" : "");
		return -1;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n <= 0)
		return 0;
	if ((size_t)n == sizeof buf) {
		/* an address and white space fit many times over: refuse, do not cut */
		log_error("%s: longer than %zu bytes", path, sizeof buf - 1);
		return -1;
	}
	buf[n] = 0;
	buf[strcspn(buf, " \t\r\n")] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1) {
		log_error("%s: not an IPv4 address: %s", path, buf);
		return -1;
	}
	*host = ntohl(a.s_addr);
	return 1;
}

int server_read_config(struct server *s, uint16_t *cryptoport, uint16_t *keyport, uint16_t *next_keyport,
                       uint32_t *host)
{
	long v;
	if ((v = read_number_file(s->confdir, "pqcport")) == -2)
		return -1;
	if (v >= 0)
		*cryptoport = (uint16_t)v;
	if ((v = read_number_file(s->confdir, "keyport")) == -2)
		return -1;
	if (v >= 0)
		*keyport = (uint16_t)v;
	if ((v = read_number_file(s->confdir, "next-keyport")) == -2)
		return -1;
	*next_keyport = v >= 0 ? (uint16_t)v : 0;
	if (read_host_file(s->confdir, host) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------- keys -- */

struct ltkey {
	uint8_t *mce_sk;                /* NULL: none */
	uint8_t x_sk[X25519_LEN];
	struct keytree tree;
};

enum key_source { KEY_NONE, KEY_CURRENT, KEY_NEXT, KEY_NEW };

struct keyload {
	enum key_source src;
	uint8_t root[32];
	struct ltkey k;                 /* KEY_NEW only */
};

static void ltkey_free(struct ltkey *k)
{
	if (k->mce_sk) {
		wipe(k->mce_sk, MCE_SK_LEN);
		free(k->mce_sk);
	}
	keytree_free(&k->tree);
	wipe(k, sizeof *k);
}

/* Does the McEliece secret key open what its public key seals?  A wrong
 * or damaged mceliece_sk of the right size would make every handshake
 * under it fail. */
static int mce_pair_ok(const uint8_t *pk, const uint8_t *sk)
{
	uint8_t ct[MCE_CT_LEN], ss1[KEM_SS_LEN], ss2[KEM_SS_LEN];
	int ok = mce_enc(ct, ss1, pk) == 0 && mce_dec(ss2, ct, sk) == 0 && !memcmp(ss1, ss2, sizeof ss1);
	wipe(ss1, sizeof ss1);
	wipe(ss2, sizeof ss2);
	return ok;
}

/* The key in dir: one the server holds already (by its tree's root), or a
 * new one, checked and with its tree built.  0, or -1 (logged). */
static int keyload(struct server *s, const char *dir, struct keyload *kl)
{
	struct server_keys k;
	memset(kl, 0, sizeof *kl);
	if (keyfiles_load_server(&k, dir) < 0) {
		log_error("%s: the key files cannot be read (missing, wrong size, not readable by the server's user?)",
		          dir);
		return -1;
	}
	keytree_root(kl->root, k.mce_pk, k.x_pk);
	if (!memcmp(kl->root, s->tree.root, 32))
		kl->src = KEY_CURRENT;
	else if (s->next.mce_sk && !memcmp(kl->root, s->next.tree.root, 32))
		kl->src = KEY_NEXT;
	else {
		if (!mce_pair_ok(k.mce_pk, k.mce_sk)) {
			log_error("%s: mceliece_sk does not belong to mceliece_pk", dir);
			keyfiles_wipe(&k);
			return -1;
		}
		if (keytree_build(&kl->k.tree, k.mce_pk, k.x_pk) < 0) {
			log_error("%s: could not build the key tree", dir);
			keyfiles_wipe(&k);
			return -1;
		}
		kl->src = KEY_NEW;
		kl->k.mce_sk = k.mce_sk;
		k.mce_sk = NULL;
		memcpy(kl->k.x_sk, k.x_sk, X25519_LEN);
	}
	keyfiles_wipe(&k);
	return 0;
}

/* Can this process open the current secret key at all?  Only a refusal
 * (EACCES) says no: a missing or damaged file is the loader's to report. */
static int secret_readable(const char *dir)
{
	char path[512];
	if ((size_t)snprintf(path, sizeof path, "%s/mceliece_sk", dir) >= sizeof path)
		return 1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno != EACCES;
}

static const char *hash_str(char out[53], const uint8_t root[32])
{
	size_t n = base32_encode(out, root, 32);
	out[n < 52 ? n : 52] = 0;
	return out;
}

/* ---------------------------------------------------------- the pool -- */

/* The workers get copies of the secret keys of their own (one block per
 * key, replaced as a whole), so that s's fields can change while a worker
 * runs: hspool_set_keys returns once the old copies are unused. */
struct pool_secret {
	uint8_t mce_sk[MCE_SK_LEN];
	uint8_t x_sk[X25519_LEN];
};
static struct pool_secret *pool_secrets[HSPOOL_KEYS];

void server_keys_to_pool(struct server *s)
{
	struct pool_secret *old[HSPOOL_KEYS], *fresh[HSPOOL_KEYS] = { 0 };
	struct hs_longterm lt = { 0 };
	const uint8_t *msk[HSPOOL_KEYS] = { s->mce_sk, s->next.mce_sk };
	const uint8_t *xsk[HSPOOL_KEYS] = { s->x_sk, s->next.x_sk };

	for (int i = 0; i < HSPOOL_KEYS && msk[i]; i++) {
		fresh[i] = malloc(sizeof *fresh[i]);
		if (!fresh[i]) {
			/* keep what the workers have (the current key at least) */
			log_error("out of memory: the handshake workers keep their keys");
			for (int j = 0; j < i; j++) {
				wipe(fresh[j], sizeof *fresh[j]);
				free(fresh[j]);
			}
			return;
		}
		memcpy(fresh[i]->mce_sk, msk[i], MCE_SK_LEN);
		memcpy(fresh[i]->x_sk, xsk[i], X25519_LEN);
		lt.mce_sk[i] = fresh[i]->mce_sk;
		lt.x_sk[i] = fresh[i]->x_sk;
		lt.n = i + 1;
	}
	hspool_set_keys(&s->hsp, &lt);
	for (int i = 0; i < HSPOOL_KEYS; i++) {
		old[i] = pool_secrets[i];
		pool_secrets[i] = fresh[i];
		if (old[i]) {
			wipe(old[i], sizeof *old[i]);
			free(old[i]);
		}
	}
}

void server_keys_free(struct server *s)
{
	for (int i = 0; i < HSPOOL_KEYS; i++)
		if (pool_secrets[i]) {
			wipe(pool_secrets[i], sizeof *pool_secrets[i]);
			free(pool_secrets[i]);
			pool_secrets[i] = NULL;
		}
	if (s->next.mce_sk) {
		wipe(s->next.mce_sk, MCE_SK_LEN);
		free(s->next.mce_sk);
		s->next.mce_sk = NULL;
		keytree_free(&s->next.tree);
	}
	wipe(s->next.x_sk, sizeof s->next.x_sk);
	if (s->next.fd >= 0 && s->next.fd != s->key_fd)
		close(s->next.fd);
	s->next.fd = -1;
}

/* ----------------------------------------------------------- reload -- */

/* The socket for a key port: one the server has, or a new one (*fresh). */
static int port_socket(struct server *s, uint16_t port, int *fresh)
{
	*fresh = 0;
	if (s->key_fd >= 0 && s->keyport == port)
		return s->key_fd;
	if (s->next.mce_sk && s->next.fd >= 0 && s->next.keyport == port)
		return s->next.fd;
	int fd = udp_bind_any(port);
	if (fd < 0) {
		log_error("cannot bind key port %u: %s%s", port, strerror(errno),
		          errno == EACCES ? " (a privileged port: the unprivileged server can bind it only at start-up)" : "");
		return -1;
	}
	if (loop_add_fd(&s->loop, fd, EPOLLIN, keyserver_readable, s) < 0) {
		close(fd);
		return -1;
	}
	*fresh = 1;
	return fd;
}

static void drop_socket(struct server *s, int fd)
{
	loop_del_fd(&s->loop, fd);
	close(fd);
}

#define fail(...) do { snprintf(why, whycap, __VA_ARGS__); goto out; } while (0)

int server_reload(struct server *s, int startup, char *why, size_t whycap)
{
	uint16_t cport = s->cryptoport_start, kport = s->keyport_start, nport = 0;
	uint32_t host = s->host_start;
	struct keyload cur, nxt;
	char nextdir[512], h1[53], h2[53];
	struct stat st;
	int keys_readable, have_next = 0, kfd = -1, nfd = -1, kfresh = 0, nfresh = 0, rc = -1;

	memset(&cur, 0, sizeof cur);
	memset(&nxt, 0, sizeof nxt);
	snprintf(why, whycap, "?");
	if (server_read_config(s, &cport, &kport, &nport, &host) < 0)
		fail("a file of %s is wrong (see the log)", s->confdir);
	if (startup) {
		/* the command line won over the files just now (main.c) */
		cport = s->cryptoport;
		kport = s->keyport;
		host = s->host;
	}
	if (nport == 0)
		nport = portfile_next_keyport(cport, kport);
	if ((size_t)snprintf(nextdir, sizeof nextdir, "%s/next", s->keydir) >= sizeof nextdir)
		fail("%s: path too long", s->keydir);
	keys_readable = secret_readable(s->keydir);
	if (!keys_readable) {
		/* a key directory only root can read (as create-first-server-key
		 * makes it): the keys stay as they are, the rest is reloaded */
		log_warn("reload: %s is not readable by the server's user: the keys are kept as they are "
		         "(scripts/rotate-server-key makes it readable by the group pqconnect)", s->keydir);
		cur.src = KEY_CURRENT;
		memcpy(cur.root, s->tree.root, 32);
		if (s->next.mce_sk) {
			nxt.src = KEY_NEXT;
			memcpy(nxt.root, s->next.tree.root, 32);
			have_next = 1;
		}
	} else {
		if (keyload(s, s->keydir, &cur) < 0)
			fail("the key in %s cannot be used (see the log)", s->keydir);
		if (stat(nextdir, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				fail("%s is not a directory", nextdir);
			if (keyload(s, nextdir, &nxt) < 0)
				fail("the key in %s cannot be used (see the log)", nextdir);
			if (!memcmp(nxt.root, cur.root, 32))
				fail("%s holds the current key: the next key must be a new one", nextdir);
			have_next = 1;
		} else if (errno != ENOENT)
			fail("%s: %s", nextdir, strerror(errno));
	}
	if (kport == s->cryptoport || (have_next && (nport == s->cryptoport || nport == kport)))
		fail("the key ports (%u%s) must differ from each other and from the crypto port %u", kport,
		     have_next ? " and the next key's" : "", s->cryptoport);

	kfd = port_socket(s, kport, &kfresh);
	if (kfd < 0)
		fail("cannot bind key port %u (see the log)", kport);
	if (have_next && (nfd = port_socket(s, nport, &nfresh)) < 0)
		fail("cannot bind the next key's port %u (see the log)", nport);

	/* ---- everything checked: replace ---- */
	struct ltkey oldcur = { .mce_sk = s->mce_sk, .tree = s->tree }, oldnext = { .mce_sk = s->next.mce_sk, .tree = s->next.tree };
	int oldcur_used = cur.src == KEY_CURRENT || nxt.src == KEY_CURRENT;
	int oldnext_used = cur.src == KEY_NEXT || nxt.src == KEY_NEXT;
	memcpy(oldcur.x_sk, s->x_sk, X25519_LEN);
	memcpy(oldnext.x_sk, s->next.x_sk, X25519_LEN);
	struct ltkey *src_of[] = { [KEY_NONE] = NULL, [KEY_CURRENT] = &oldcur, [KEY_NEXT] = &oldnext, [KEY_NEW] = NULL };
	const struct ltkey *nc = cur.src == KEY_NEW ? &cur.k : src_of[cur.src];
	const struct ltkey *nn = !have_next ? NULL : nxt.src == KEY_NEW ? &nxt.k : src_of[nxt.src];

	s->mce_sk = nc->mce_sk;
	memcpy(s->x_sk, nc->x_sk, X25519_LEN);
	s->tree = nc->tree;
	if (nn) {
		s->next.mce_sk = nn->mce_sk;
		memcpy(s->next.x_sk, nn->x_sk, X25519_LEN);
		s->next.tree = nn->tree;
	} else {
		s->next.mce_sk = NULL;
		wipe(s->next.x_sk, X25519_LEN);
		memset(&s->next.tree, 0, sizeof s->next.tree);
	}
	/* the loaded keys now belong to s */
	memset(&cur.k, 0, sizeof cur.k);
	memset(&nxt.k, 0, sizeof nxt.k);
	server_keys_to_pool(s);
	if (!oldcur_used)
		ltkey_free(&oldcur);
	if (!oldnext_used && oldnext.mce_sk)
		ltkey_free(&oldnext);
	wipe(&oldcur, sizeof oldcur);
	wipe(&oldnext, sizeof oldnext);

	/* sockets: close those no key uses any more */
	if (s->key_fd >= 0 && s->key_fd != kfd && s->key_fd != nfd)
		drop_socket(s, s->key_fd);
	if (s->next.fd >= 0 && s->next.fd != s->key_fd && s->next.fd != kfd && s->next.fd != nfd)
		drop_socket(s, s->next.fd);
	s->key_fd = s->ktx.fd = kfd;
	s->keyport = kport;
	s->next.fd = s->next.tx.fd = nfd;
	s->next.keyport = have_next ? nport : 0;
	kfresh = nfresh = 0;

	if (host != s->host)
		log_info("reload: delivering to %s from now on", host ? ip4_str(host) : "the TUN address");
	s->host = host;
	if (cport != s->cryptoport)
		log_warn("reload: the crypto port stays %u: changing it to %u needs a restart", s->cryptoport, cport);
	int n = snprintf(why, whycap, "key %.12s... on key port %u", hash_str(h1, s->tree.root), s->keyport);
	if (s->next.mce_sk && n >= 0 && (size_t)n < whycap)
		n += snprintf(why + n, whycap - (size_t)n, ", next key %.12s... on key port %u",
		              hash_str(h2, s->next.tree.root), s->next.keyport);
	if (n >= 0 && (size_t)n < whycap)
		n += snprintf(why + n, whycap - (size_t)n, ", %u tunnel(s) kept", s->npeers);
	if (!keys_readable && n >= 0 && (size_t)n < whycap)
		n += snprintf(why + n, whycap - (size_t)n, "; keys kept (%s not readable by the server's user)", s->keydir);
	if (cport != s->cryptoport && n >= 0 && (size_t)n < whycap)
		snprintf(why + n, whycap - (size_t)n, "; crypto port %u kept (%u needs a restart)", s->cryptoport, cport);
	rc = 0;
out:
	if (kfresh)
		drop_socket(s, kfd);
	if (nfresh)
		drop_socket(s, nfd);
	ltkey_free(&cur.k);
	ltkey_free(&nxt.k);
	if (rc == 0) {
		s->st.reload_ok++;
		log_info("Reloaded: %s", why);
	} else {
		s->st.reload_failed++;
		log_error("Reload failed, the running configuration is kept: %s", why);
	}
	return rc;
}

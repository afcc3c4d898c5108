/* Dropping privileges after the privileged set-up (TUN, sockets, rules) is
 * done: switch to the unprivileged user (default `pqconnect`), keep no
 * capabilities, forbid gaining any (no_new_privs), and confine the process
 * with a seccomp allow-list of the system calls its event loop needs. */
#ifndef PQC_PRIVSEP_H
#define PQC_PRIVSEP_H

#include <stddef.h>

/* The default users: one per daemon, so that a compromised unprivileged
 * half of one cannot touch the other's process or files.  The server's is
 * the reference's.  The control sockets belong to root and PQC_CTL_GROUP
 * (the server's user's group, and the operators'); the client's user has a
 * group of its own, so its worker cannot reach the server's socket. */
#define PQC_SERVER_USER "pqconnect"
#define PQC_CLIENT_USER "pqconnect-client"
#define PQC_CTL_GROUP "pqconnect"

/* Fail closed: every step below either succeeds or is fatal (-1, with a
 * clear log line); nothing quietly goes on with more privileges.
 *
 * Checked at start-up, before any privileged set-up, so that a daemon with
 * a wrong user exits at once: 0 if user exists, or if it does not and
 * allow_root is set (the operator's explicit --allow-root); -1 (logged)
 * otherwise. */
int privsep_check_user(const char *user, int allow_root);
/* Switch to user (and its group, no supplementary groups), with no
 * capabilities (bounding set cleared), no_new_privs, and a check that root
 * cannot be regained.  Returns 0 when done, -1 on any failure.  Only with
 * allow_root and a user that does not exist: stays uid 0 but still drops
 * every capability and sets no_new_privs, returns 1.  Logs the resulting
 * ids like the reference does. */
int privsep_drop_user(const char *user, int allow_root);
/* Install the seccomp filter.  extra: zero-terminated list of further
 * syscall numbers to allow (NULL for none); kill and tgkill are allowed
 * only towards the calling process itself (abort, raise).  all_threads: filter every
 * thread of the process (TSYNC; they must be running already), not only
 * the caller.  0 / -1. */
int privsep_seccomp(const int *extra, int all_threads);

/* A system call allowed only with these arguments: every one of the
 * ncmp comparisons (argument arg masked with mask equals value) must hold.
 * Several rules for one call: any of them allows it. */
struct privsep_argrule {
	int nr;
	unsigned ncmp;
	struct {
		unsigned arg;
		unsigned long long mask, value;
	} cmp[3];
};
/* privsep_seccomp with, besides extra, the n rules of argrules. */
int privsep_seccomp_args(const int *extra, const struct privsep_argrule *argrules, size_t n, int all_threads);
#endif

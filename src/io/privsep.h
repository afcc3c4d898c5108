/* Dropping privileges after the privileged set-up (TUN, sockets, rules) is
 * done: switch to the unprivileged user (default `pqconnect`), keep no
 * capabilities, forbid gaining any (no_new_privs), and confine the process
 * with a seccomp allow-list of the system calls its event loop needs. */
#ifndef PQC_PRIVSEP_H
#define PQC_PRIVSEP_H

/* Switch to user (and its group, no supplementary groups).  Returns 0, 1 if
 * the user does not exist (nothing changed, a warning is logged), -1 on
 * failure.  Logs the resulting ids like the reference does. */
int privsep_drop_user(const char *user);
/* Install the seccomp filter.  extra: zero-terminated list of further
 * syscall numbers to allow (NULL for none).  all_threads: filter every
 * thread of the process (TSYNC; they must be running already), not only
 * the caller.  0 / -1. */
int privsep_seccomp(const int *extra, int all_threads);
#endif

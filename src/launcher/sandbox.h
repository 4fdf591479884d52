/* sandbox.h - the seccomp policy of a process domain. */
#ifndef CORDON_LAUNCHER_SANDBOX_H
#define CORDON_LAUNCHER_SANDBOX_H

/*
 * Sets no_new_privs and installs the domain's seccomp filter. Default action:
 * kill the whole process (SIGSYS). Allowed: memory management without
 * PROT_EXEC, futex, time, yielding, exit, and signals to itself (for abort()).
 * With allow_stderr, write(2, ...) is allowed too.
 * Returns 0, or -1 with errno set.
 */
int cdn_sandbox_enter(int allow_stderr, int kernel_fd);

#endif

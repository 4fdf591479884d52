/*
 * sandbox.c - the seccomp allow-list of a process domain.
 *
 * The list is what a driver needs to compute and talk over its channel:
 * memory, futexes, clocks, exit. It deliberately lacks open/openat, socket,
 * clone/fork/execve, ioctl, ptrace and every other way to reach the system
 * outside the channel. mmap/mprotect are allowed only without PROT_EXEC, so
 * once the launcher has mapped the module's code, no new code can appear.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cordon/kabi.h"
#include "sandbox.h"

int cdn_sandbox_enter(int allow_stderr, int kernel_fd)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!f) {
        errno = ENOMEM;
        return -1;
    }
    static const int plain[] = {
        SCMP_SYS(exit),
        SCMP_SYS(exit_group),
        SCMP_SYS(futex),
        SCMP_SYS(munmap),
        SCMP_SYS(madvise),
        SCMP_SYS(mremap),
        SCMP_SYS(brk),
        SCMP_SYS(rt_sigreturn),
        SCMP_SYS(rt_sigprocmask),
        SCMP_SYS(sched_yield),
        SCMP_SYS(nanosleep),
        SCMP_SYS(clock_nanosleep),
        SCMP_SYS(clock_gettime),
        SCMP_SYS(gettimeofday),
        SCMP_SYS(getpid),
        SCMP_SYS(gettid),
        SCMP_SYS(restart_syscall),
        SCMP_SYS(getrandom),
        /* who it is (read-only): a module can check its own identity */
        SCMP_SYS(getuid),
        SCMP_SYS(geteuid),
        SCMP_SYS(getgid),
        SCMP_SYS(getegid),
        SCMP_SYS(getresuid),
        SCMP_SYS(getresgid),
        SCMP_SYS(capget),
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0] && rc == 0; i++)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, plain[i], 0);
    /* Memory may be mapped and re-protected, but never made executable,
     * and never locked (RLIMIT_MEMLOCK is 0 as well). */
    if (rc == 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 2,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0),
                              SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_LOCKED, 0));
    if (rc == 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    /* abort() and raise() signal the calling thread of this process only. */
    if (rc == 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
    if (rc == 0 && allow_stderr)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 2));
    /* a domain whose host is the kernel: its doorbell, on its channel's
     * file, and nothing else of that file */
    if (rc == 0 && kernel_fd >= 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)kernel_fd),
                              SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)CORDON_IOC_WAIT, 0));
    if (rc == 0 && kernel_fd >= 0)
        rc = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)kernel_fd),
                              SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)CORDON_IOC_WAKE, 0));
    if (rc == 0)
        rc = seccomp_load(f);
    seccomp_release(f);
    if (rc != 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

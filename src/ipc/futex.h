/*
 * futex.h - how a side of a channel sleeps until the peer rings, and rings.
 *
 * Between two processes: the futex system call on the word (shared, not
 * private: the words live in memory mapped by two processes). In a domain
 * whose host is the kernel (cordon.ko), the kernel cannot wake a futex, so
 * once cdn_kernel_bell_fd is set (cdn_ipc_use_kernel_bell) the same two
 * operations go to the module's doorbell, ioctls on /dev/cordon. Built into
 * the module (__KERNEL__), they are the module's wait queue (kmod/bell.c).
 */
#ifndef CORDON_IPC_FUTEX_H
#define CORDON_IPC_FUTEX_H

#ifdef __KERNEL__
#include <linux/types.h>

void cdn_kbell_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns);
void cdn_kbell_wake(uint32_t *word, int count);

static inline void cdn_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    cdn_kbell_wait(word, expected, timeout_ns);
}

static inline void cdn_futex_wake(uint32_t *word, int count)
{
    cdn_kbell_wake(word, count);
}

#else
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The /dev/cordon file of this domain's channel, or -1 (kbell.c). */
extern int cdn_kernel_bell_fd;
void cdn_kbell_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns);
void cdn_kbell_wake(uint32_t *word, int count);

static inline void cdn_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    if (__builtin_expect(cdn_kernel_bell_fd >= 0, 0)) {
        cdn_kbell_wait(word, expected, timeout_ns);
        return;
    }
    struct timespec ts = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

static inline void cdn_futex_wake(uint32_t *word, int count)
{
    if (__builtin_expect(cdn_kernel_bell_fd >= 0, 0)) {
        cdn_kbell_wake(word, count);
        return;
    }
    syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);
}
#endif

#endif

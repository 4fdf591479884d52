/*
 * linux/kernel.h - the small part of the kernel API cordon's host core and
 * drivers share: types, printk, allocation, container_of. Code written
 * against these headers reads like Linux driver code and builds three ways:
 * linked into the host (native), or in a domain behind generated glue.
 */
#ifndef CDN_LINUX_KERNEL_H
#define CDN_LINUX_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* snprintf, as the kernel has it */
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef unsigned int gfp_t;

#define GFP_KERNEL 0u
#define GFP_ATOMIC 1u

#define EINVAL     22
#define ENOMEM     12
#define EIO        5
#define EBUSY      16
#define ENODEV     19
#define EEXIST     17
#define ENFILE     23
#define EOPNOTSUPP 95
#define EMSGSIZE   90
#define ETIMEDOUT  110

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define unlikely(x)                     __builtin_expect(!!(x), 0)
#define likely(x)                       __builtin_expect(!!(x), 1)

/* printk: the host writes to its log; a domain forwards the formatted text. */
__attribute__((format(printf, 1, 2))) int printk(const char *fmt, ...);
#define KERN_INFO    "<6>"
#define KERN_ERR     "<3>"
#define KERN_WARNING "<4>"
#include "cordon_log.h" /* where a domain's printk lines end up */
#define pr_info(...) printk(KERN_INFO __VA_ARGS__)
#define pr_err(...)  printk(KERN_ERR __VA_ARGS__)

/* Allocation: domain-local in a domain (its own heap), host-local in the host. */
static inline void *kmalloc(size_t n, gfp_t flags)
{
    (void)flags;
    return malloc(n);
}

static inline void *kzalloc(size_t n, gfp_t flags)
{
    (void)flags;
    return calloc(1, n);
}

static inline void kfree(const void *p)
{
    free((void *)p);
}

#endif

/*
 * guest_util.h - small helpers the guest tests share: a number from a
 * sysfs or procfs file or the kernel's command line, a command for a
 * channel's service, the clock, an order for qsort.
 */
#ifndef CORDON_GUEST_UTIL_H
#define CORDON_GUEST_UTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cordon/kabi.h"

/* The number at the start of the file at path, or -1. */
static inline long read_num(const char *path)
{
    char buf[64] = "";
    int f = open(path, O_RDONLY);
    if (f < 0)
        return -1;
    ssize_t n = read(f, buf, sizeof buf - 1);
    close(f);
    return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* The number after key (e.g. "cordon.faults=") on the kernel's command
 * line, or def. */
static inline long cmdline_num(const char *key, long def)
{
    char buf[1024] = "";
    int f = open("/proc/cmdline", O_RDONLY);
    if (f >= 0) {
        ssize_t n = read(f, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        close(f);
    }
    char *p = strstr(buf, key);
    return p ? strtol(p + strlen(key), NULL, 10) : def;
}

static inline double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* CORDON_IOC_SERVICE: cmd with in_len bytes of in; up to n bytes of the
 * answer into out (may be NULL). The ioctl's result. */
static inline int service(int fd, uint32_t cmd, const void *in, uint32_t in_len, void *out,
                          size_t n)
{
    struct cordon_service_call call = {.cmd = cmd, .len = in_len};
    if (in_len)
        memcpy(call.buf, in, in_len);
    int r = ioctl(fd, CORDON_IOC_SERVICE, &call);
    if (r == 0 && out)
        memcpy(out, call.buf, n < call.len ? n : call.len);
    return r;
}

/* Whether process pid runs as the launcher leaves a domain: its seccomp
 * filter on, as uid 65534. Waits up to 2 s for the filter (the launcher
 * installs it after it starts). */
static inline int domain_sandboxed(pid_t pid)
{
    char path[64], status[4096] = "";
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    for (int i = 0; i < 200 && !strstr(status, "Seccomp:\t2"); i++) {
        if (i)
            usleep(10000);
        int f = open(path, O_RDONLY);
        ssize_t got = f >= 0 ? read(f, status, sizeof status - 1) : -1;
        status[got > 0 ? got : 0] = 0;
        if (f >= 0)
            close(f);
    }
    return strstr(status, "Seccomp:\t2") && strstr(status, "Uid:\t65534");
}

#endif

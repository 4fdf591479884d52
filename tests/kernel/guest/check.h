/*
 * check.h - the guest tests' reporting: each check prints "ok NAME" or
 * "FAIL NAME: why" on the console, and the program ends with
 * "N passed, N failed" (tests/kernel/run.sh adds them up).
 */
#ifndef CORDON_GUEST_CHECK_H
#define CORDON_GUEST_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(name, cond, ...)                                                                     \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
            printf("ok %s\n", name);                                                               \
        } else {                                                                                   \
            check_failed++;                                                                        \
            printf("FAIL %s: ", name);                                                             \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif

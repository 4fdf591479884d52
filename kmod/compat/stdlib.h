/*
 * stdlib.h for cordon's shared code in the kernel: its allocations are
 * made where it may sleep (creating an endpoint, a glue, a heap), so
 * GFP_KERNEL.
 */
#ifndef CORDON_COMPAT_STDLIB_H
#define CORDON_COMPAT_STDLIB_H
#include <linux/slab.h>

#define malloc(n)     kmalloc((n), GFP_KERNEL)
#define calloc(n, s)  kcalloc((n), (s), GFP_KERNEL)
#define realloc(p, n) krealloc((p), (n), GFP_KERNEL)
#define free(p)       kfree(p)
#endif

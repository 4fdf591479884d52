/*
 * stdlib.h for cordon's shared code in the kernel: its allocations are
 * made where it may sleep (creating an endpoint, a glue, a heap), so
 * GFP_KERNEL. Arrays (calloc) may be large - a 64 MiB heap's unit table is
 * 8 MiB - and come from kvcalloc; malloc stays kmalloc, so realloc can stay
 * krealloc; free takes either.
 */
#ifndef CORDON_COMPAT_STDLIB_H
#define CORDON_COMPAT_STDLIB_H
#include <linux/mm.h>
#include <linux/slab.h>

#define malloc(n)     kmalloc((n), GFP_KERNEL)
#define calloc(n, s)  kvcalloc((n), (s), GFP_KERNEL)
#define realloc(p, n) krealloc((p), (n), GFP_KERNEL)
#define free(p)	      kvfree(p)
#endif

/*
 * heap_mem.h - where a shared heap's bytes come from: in a process, a sealed
 * memfd mapped shared (heap_mem.c), which the domain maps from the fd; in
 * cordon.ko, vmalloc_user() memory the domain maps through /dev/cordon
 * (kmod/heap_mem.c). The allocator (heap.c) is the same in both.
 */
#ifndef CORDON_HEAP_MEM_H
#define CORDON_HEAP_MEM_H

#include <stddef.h>

/* size bytes of zeroed shared memory: *fd (or -1 where there is none) and
 * this side's mapping. CDN_OK, CDN_ENOMEM or CDN_ESYS. */
int cdn_heap_mem_map(size_t size, int *fd, void **base);
void cdn_heap_mem_unmap(int fd, void *base, size_t size);

#endif

/*
 * cordon_kernel.h - the host kernel core's own API (not Linux's): bring-up,
 * the shared heap that holds packet data, and the log.
 */
#ifndef CORDON_KERNEL_H
#define CORDON_KERNEL_H

#include <stddef.h>

#include "cordon/heap.h"

/* Creates the shared heap (heap_size bytes; 0: 64 MiB). */
int cdn_kernel_init(size_t heap_size);
void cdn_kernel_exit(void);
struct cdn_heap *cdn_kernel_heap(void);

/* The last lines printk wrote (host and forwarded domain lines), oldest
 * first, separated by '\n'. Also printed to stderr when CORDON_PRINTK=1. */
const char *cdn_kernel_log_tail(char *buf, size_t len);

/* Counters the tests read. */
struct cdn_kernel_stats {
    unsigned long skbs_allocated, skbs_freed, xmit_dropped;
    unsigned long netdevs_registered, netdevs_freed;
};
void cdn_kernel_get_stats(struct cdn_kernel_stats *out);

#endif

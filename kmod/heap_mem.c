// SPDX-License-Identifier: GPL-2.0
/*
 * heap_mem.c - a shared heap's bytes in cordon.ko: vmalloc_user() memory,
 * zeroed, which the domain maps through its /dev/cordon file. There is no
 * descriptor: *fd is -1.
 */
#include <linux/vmalloc.h>

#include "cordon/error.h"
#include "../src/heap/heap_mem.h"

int cdn_heap_mem_map(size_t size, int *fd, void **base)
{
	void *b = vmalloc_user(size);

	if (!b)
		return CDN_ENOMEM;
	*fd = -1;
	*base = b;
	return CDN_OK;
}

void cdn_heap_mem_unmap(int fd, void *base, size_t size)
{
	vfree(base);
}

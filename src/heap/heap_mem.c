/* heap_mem.c - a shared heap's bytes in a process: a sealed memfd. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cordon/error.h"
#include "heap_mem.h"

int cdn_heap_mem_map(size_t size, int *fd, void **base)
{
    int f = memfd_create("cordon-heap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (f < 0)
        return CDN_ESYS;
    if (ftruncate(f, (off_t)size) != 0 ||
        fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        close(f);
        return CDN_ESYS;
    }
    void *b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    if (b == MAP_FAILED) {
        close(f);
        return CDN_ESYS;
    }
    *fd = f;
    *base = b;
    return CDN_OK;
}

void cdn_heap_mem_unmap(int fd, void *base, size_t size)
{
    munmap(base, size);
    if (fd >= 0)
        close(fd);
}

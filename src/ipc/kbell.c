/*
 * kbell.c - the doorbell of a domain whose host is the kernel (cordon.ko):
 * sleeping and ringing go to the module through ioctls on the channel's
 * /dev/cordon file (cordon/kabi.h) instead of futexes (futex.h).
 */
#include <stdint.h>
#include <sys/ioctl.h>

#include "cordon/kabi.h"
#include "endpoint.h"
#include "futex.h"

int cdn_kernel_bell_fd = -1;
static const uint8_t *bell_base;
static size_t bell_size;

int cdn_ipc_use_kernel_bell(int fd, const struct cdn_region *region)
{
    if (fd < 0 || !region || !region->base)
        return CDN_EINVAL;
    bell_base = region->base;
    bell_size = region->size;
    cdn_kernel_bell_fd = fd;
    return CDN_OK;
}

void cdn_kbell_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
    const uint8_t *w = (const uint8_t *)word;
    if (w < bell_base || w + sizeof *word > bell_base + bell_size)
        return; /* not in the channel: the caller's loop re-checks */
    struct cordon_wait arg = {
        .offset = (uint32_t)(w - bell_base),
        .expected = expected,
        .timeout_ns = timeout_ns,
    };
    ioctl(cdn_kernel_bell_fd, CORDON_IOC_WAIT, &arg);
}

void cdn_kbell_wake(uint32_t *word, int count)
{
    (void)word;
    (void)count;
    ioctl(cdn_kernel_bell_fd, CORDON_IOC_WAKE);
}

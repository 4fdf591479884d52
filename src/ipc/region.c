/*
 * region.c - creating and mapping the shared memory behind a channel.
 *
 * The host creates the memfd, sizes it and seals it (no shrink, no grow, no
 * further seals) before any domain sees it. The seals matter: without them a
 * domain holding the fd could truncate the file and every host access to the
 * mapping would raise SIGBUS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layout.h"

int cdn_region_create(const struct cdn_chan_geometry *geom, struct cdn_region *out)
{
    if (!out)
        return CDN_EINVAL;
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (!geom)
        geom = &cdn_chan_default_geometry;
    size_t size = cdn_region_size(geom);
    if (size == 0)
        return CDN_EINVAL;
    int fd = memfd_create("cordon-channel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return CDN_ESYS;
    if (ftruncate(fd, (off_t)size) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return CDN_ESYS;
    }
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        int e = errno;
        close(fd);
        errno = e;
        return CDN_ESYS;
    }
    out->fd = fd;
    out->base = base;
    out->size = size;
    out->geom = *geom;
    cdn_region_reset(out);
    return CDN_OK;
}

int cdn_region_map(int fd, const struct cdn_chan_geometry *geom, struct cdn_region *out)
{
    if (!out || !geom)
        return CDN_EINVAL;
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    size_t size = cdn_region_size(geom);
    if (size == 0)
        return CDN_EINVAL;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return CDN_ESYS;
    if (st.st_size < 0 || (size_t)st.st_size != size)
        return CDN_EINVAL;
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED)
        return CDN_ESYS;
    out->fd = fd;
    out->base = base;
    out->size = size;
    out->geom = *geom;
    return CDN_OK;
}

void cdn_region_release(struct cdn_region *region)
{
    if (!region)
        return;
    if (region->base && region->size)
        munmap(region->base, region->size);
    if (region->fd >= 0)
        close(region->fd);
    memset(region, 0, sizeof(*region));
    region->fd = -1;
}

void cdn_region_reset(struct cdn_region *region)
{
    cdn_layout_init(region->base, &region->geom);
}

const uint32_t *cdn_region_heartbeat(const struct cdn_region *r)
{
    return cdn_heartbeat_word(r->base);
}

/* rq_ring.c - the request ring (work in progress). */
#include "../core/core_impl.h"
#include "cordon_rings.h"

int cdn_blk_done(struct cdn_driver *drv, const void *buf, uint32_t len)
{
    (void)drv;
    (void)buf;
    (void)len;
    return CDN_EPROTO;
}

void cdn_blk_rings_reclaim(struct cdn_driver *drv)
{
    (void)drv;
}

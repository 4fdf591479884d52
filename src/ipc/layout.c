/* layout.c - geometry validation and region layout. */
#include <string.h>

#include "layout.h"

const struct cdn_chan_geometry cdn_chan_default_geometry = {.ring_slots = 64,
                                                            .ext_slot_size = 4096};

int cdn_geometry_check(const struct cdn_chan_geometry *geom)
{
    if (!geom)
        return CDN_EINVAL;
    uint32_t n = geom->ring_slots;
    if (n < CDN_RING_MIN || n > CDN_RING_MAX || (n & (n - 1)) != 0)
        return CDN_EINVAL;
    if (geom->ext_slot_size > CDN_EXT_MAX || geom->ext_slot_size % 64 != 0)
        return CDN_EINVAL;
    return CDN_OK;
}

int cdn_layout_compute(const struct cdn_chan_geometry *geom, struct cdn_region_layout *out)
{
    if (cdn_geometry_check(geom) != CDN_OK)
        return CDN_EINVAL;
    /* Bounded by the checks above: 4096 * 64 KiB * 2 = 512 MiB, no overflow. */
    size_t ring_bytes = (size_t)geom->ring_slots * CDN_SLOT_SIZE;
    size_t ext_bytes = (size_t)geom->ring_slots * geom->ext_slot_size;
    out->ring_off[0] = CDN_CTL_SIZE;
    out->ring_off[1] = out->ring_off[0] + ring_bytes;
    out->ext_off[0] = out->ring_off[1] + ring_bytes;
    out->ext_off[1] = out->ext_off[0] + ext_bytes;
    size_t end = out->ext_off[1] + ext_bytes;
    out->total = (end + 4095) & ~(size_t)4095;
    return CDN_OK;
}

size_t cdn_region_size(const struct cdn_chan_geometry *geom)
{
    struct cdn_region_layout l;
    return cdn_layout_compute(geom, &l) == CDN_OK ? l.total : 0;
}

void cdn_layout_init(void *base, const struct cdn_chan_geometry *geom)
{
    struct cdn_region_layout l;
    if (cdn_layout_compute(geom, &l) != CDN_OK)
        return;
    uint8_t *b = base;
    memset(b, 0, CDN_CTL_SIZE);
    for (int r = 0; r < 2; r++) {
        for (uint32_t i = 0; i < geom->ring_slots; i++) {
            uint32_t *seq = (uint32_t *)(b + l.ring_off[r] + (size_t)i * CDN_SLOT_SIZE);
            __atomic_store_n(seq, i, __ATOMIC_RELEASE);
        }
    }
}

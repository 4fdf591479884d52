/*
 * fuzz_ring.c - libFuzzer target for the receive path as a hostile domain
 * sees it: the input becomes the whole content of a channel region (control
 * page, rings, extension areas), and the host endpoint receives from it
 * until it stops. ASan checks that nothing is read out of bounds; the
 * endpoint must end in CDN_OK/EAGAIN/EPROTO, never anything else.
 */
#include <stdlib.h>
#include <string.h>

#include "cordon/channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cdn_region region;
    static int ready;
    const struct cdn_chan_geometry g = {.ring_slots = 8, .ext_slot_size = 128};
    if (!ready) {
        if (cdn_region_create(&g, &region) != CDN_OK)
            abort();
        ready = 1;
    }
    cdn_region_reset(&region);
    /* The input overwrites the region from the start of ring 0, repeated. */
    uint8_t *base = (uint8_t *)region.base + 4096;
    size_t avail = region.size - 4096;
    if (size > 0)
        for (size_t off = 0; off < avail; off += size)
            memcpy(base + off, data, size < avail - off ? size : avail - off);
    struct cdn_ep *ep;
    if (cdn_ep_create(&region, CDN_SIDE_HOST, CDN_WAIT_SPIN, &ep) != CDN_OK)
        abort();
    struct cdn_msg m;
    for (int i = 0; i < 32; i++) {
        int r = cdn_ep_recv(ep, &m, 0);
        if (r == CDN_OK) {
            if (m.inline_len > CDN_INLINE_MAX || m.ext_len > g.ext_slot_size)
                abort();
            if (m.ext_len)
                (void)((volatile const uint8_t *)m.ext)[m.ext_len - 1];
            continue;
        }
        if (r != CDN_EAGAIN && r != CDN_EPROTO)
            abort();
        break;
    }
    /* Sending into a corrupted ring must also fail cleanly. */
    memset(&m, 0, sizeof m);
    m.flags = CDN_MSG_REQUEST;
    int r = cdn_ep_send(ep, &m, 0);
    if (r != CDN_OK && r != CDN_EAGAIN && r != CDN_EPROTO)
        abort();
    cdn_ep_destroy(ep);
    return 0;
}

/*
 * fuzz_msg.c - libFuzzer target for the message decoder. Any 64-byte slot
 * image and any geometry must decode to CDN_OK or CDN_EPROTO, and an
 * accepted message must respect every bound the decoder promises.
 */
#include <stdlib.h>
#include <string.h>

#include "cordon/channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < CDN_SLOT_SIZE + 4)
        return 0;
    struct cdn_chan_geometry g;
    uint16_t ext;
    memcpy(&ext, data, 2);
    g.ring_slots = 1u << (1 + data[2] % 12);
    g.ext_slot_size = (uint32_t)(ext % (CDN_EXT_MAX / 64 + 1)) * 64;
    uint8_t slot[CDN_SLOT_SIZE];
    memcpy(slot, data + 4, sizeof slot);
    struct cdn_msg m;
    int r = cdn_msg_decode(slot, &g, &m);
    if (r != CDN_OK && r != CDN_EPROTO)
        abort();
    if (r == CDN_OK) {
        if (m.inline_len > CDN_INLINE_MAX || m.ext_len > g.ext_slot_size ||
            (m.flags & ~CDN_MSG_FLAGS_ALL))
            abort();
        /* Re-encoding an accepted message must succeed and round-trip. */
        uint8_t again[CDN_SLOT_SIZE];
        uint8_t dummy[1];
        m.ext = m.ext_len ? dummy : NULL;
        if (m.ext_len > 1)
            m.ext_len = 1, m.flags |= CDN_MSG_EXT;
        if (cdn_msg_encode(&m, &g, again) != CDN_OK)
            abort();
    }
    return 0;
}

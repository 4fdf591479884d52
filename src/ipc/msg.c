/*
 * msg.c - the message codec: the only code that interprets slot bytes.
 *
 * Decoding works on a private copy of the slot, so a peer that rewrites the
 * slot while we decode cannot make a checked value change under us.
 */
#include <string.h>

#include "layout.h"

static inline uint16_t get16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

int cdn_msg_decode(const uint8_t slot[CDN_SLOT_SIZE], const struct cdn_chan_geometry *geom,
                   struct cdn_msg *out)
{
    if (!slot || !geom || !out)
        return CDN_EINVAL;
    uint8_t flags = slot[18];
    uint8_t inline_len = slot[19];
    uint32_t ext_len = get32(slot + 12);
    if (flags & ~CDN_MSG_FLAGS_ALL)
        return CDN_EPROTO;
    /* Exactly one of REQUEST and REPLY; ERROR only on replies. */
    int req = !!(flags & CDN_MSG_REQUEST), rep = !!(flags & CDN_MSG_REPLY);
    if (req == rep)
        return CDN_EPROTO;
    if ((flags & CDN_MSG_ERROR) && !rep)
        return CDN_EPROTO;
    if ((flags & CDN_MSG_ONEWAY) && !req)
        return CDN_EPROTO;
    if (inline_len > CDN_INLINE_MAX)
        return CDN_EPROTO;
    if (flags & CDN_MSG_EXT) {
        if (ext_len == 0 || ext_len > geom->ext_slot_size)
            return CDN_EPROTO;
    } else if (ext_len != 0) {
        return CDN_EPROTO;
    }
    if ((flags & CDN_MSG_ERROR) && inline_len < 4)
        return CDN_EPROTO;
    out->rpc_id = get16(slot + 16);
    out->flags = flags;
    out->inline_len = inline_len;
    out->call_id = get32(slot + 8);
    out->ext_len = ext_len;
    out->ack = get32(slot + 4);
    /* Copy only the declared bytes; the rest of data[] is zeroed so that no
     * stale bytes from an earlier message are ever mistaken for payload. */
    memset(out->data, 0, CDN_INLINE_MAX); /* fixed size: a few stores */
    cdn_msg_copy_inline(out->data, slot + CDN_SLOT_HDR, inline_len);
    out->ext = NULL;
    return CDN_OK;
}

int cdn_msg_encode(const struct cdn_msg *msg, const struct cdn_chan_geometry *geom,
                   uint8_t slot[CDN_SLOT_SIZE])
{
    if (!msg || !geom || !slot)
        return CDN_EINVAL;
    if (msg->inline_len > CDN_INLINE_MAX || (msg->flags & ~CDN_MSG_FLAGS_ALL))
        return CDN_EINVAL;
    uint8_t flags = msg->flags & (uint8_t)~CDN_MSG_EXT;
    if (msg->ext_len > 0) {
        if (msg->ext_len > geom->ext_slot_size)
            return CDN_ETOOBIG;
        if (!msg->ext)
            return CDN_EINVAL;
        flags |= CDN_MSG_EXT;
    }
    memcpy(slot + 4, &msg->ack, 4);
    memcpy(slot + 8, &msg->call_id, 4);
    memcpy(slot + 12, &msg->ext_len, 4);
    memcpy(slot + 16, &msg->rpc_id, 2);
    slot[18] = flags;
    slot[19] = msg->inline_len;
    cdn_msg_copy_inline(slot + CDN_SLOT_HDR, msg->data, msg->inline_len);
    return CDN_OK;
}

void cdn_msg_set_error(struct cdn_msg *reply, int status)
{
    int32_t s = status;
    reply->flags = (uint8_t)(reply->flags | CDN_MSG_ERROR);
    memcpy(reply->data, &s, 4);
    if (reply->inline_len < 4)
        reply->inline_len = 4;
    reply->ext_len = 0;
    reply->ext = NULL;
}

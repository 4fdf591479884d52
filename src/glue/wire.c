/*
 * wire.c - marshalling buffers for generated glue. Writers grow from a
 * 256-byte in-struct buffer to the heap, up to the channel's limit; readers
 * never read past the end: every short read sets the error and returns zeros.
 */
#include <stdlib.h>
#include <string.h>

#include "glue_impl.h"

void cdn_wbuf_init(struct cdn_wbuf *w, struct cdn_glue *g)
{
    w->buf = w->small;
    w->len = 0;
    w->cap = sizeof w->small;
    w->max = g ? g->wire_max : CDN_INLINE_MAX;
    w->err = CDN_OK;
}

void cdn_wbuf_release(struct cdn_wbuf *w)
{
    if (w->buf != w->small)
        free(w->buf);
    w->buf = w->small;
    w->cap = sizeof w->small;
    w->len = 0;
}

void cdn_w_bytes(struct cdn_wbuf *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (n > w->max - w->len) {
        w->err = CDN_ETOOBIG;
        return;
    }
    if (w->len + n > w->cap) {
        uint32_t ncap = w->cap * 2;
        while (ncap < w->len + n)
            ncap *= 2;
        if (ncap > w->max)
            ncap = w->max;
        uint8_t *nb = malloc(ncap);
        if (!nb) {
            w->err = CDN_ENOMEM;
            return;
        }
        memcpy(nb, w->buf, w->len);
        if (w->buf != w->small)
            free(w->buf);
        w->buf = nb;
        w->cap = ncap;
    }
    if (n)
        memcpy(w->buf + w->len, p, n);
    w->len += (uint32_t)n;
}

void cdn_w_u8(struct cdn_wbuf *w, uint8_t v)
{
    cdn_w_bytes(w, &v, 1);
}

void cdn_w_u16(struct cdn_wbuf *w, uint16_t v)
{
    cdn_w_bytes(w, &v, 2);
}

void cdn_w_u32(struct cdn_wbuf *w, uint32_t v)
{
    cdn_w_bytes(w, &v, 4);
}

void cdn_w_u64(struct cdn_wbuf *w, uint64_t v)
{
    cdn_w_bytes(w, &v, 8);
}

void cdn_w_string(struct cdn_wbuf *w, const char *s, size_t max)
{
    if (!s) {
        if (!w->err)
            w->err = CDN_EINVAL; /* strings cross by value: NULL has no meaning */
        return;
    }
    size_t n = strnlen(s, max + 1);
    if (n > max) {
        if (!w->err)
            w->err = CDN_EINVAL;
        return;
    }
    cdn_w_u32(w, (uint32_t)n);
    cdn_w_bytes(w, s, n);
}

void cdn_rbuf_from_msg(struct cdn_rbuf *r, const struct cdn_msg *m)
{
    if (m->ext_len) {
        r->buf = m->ext;
        r->len = m->ext_len;
    } else {
        r->buf = m->data;
        r->len = m->inline_len;
    }
    r->pos = 0;
    r->err = CDN_OK;
}

const void *cdn_r_bytes(struct cdn_rbuf *r, size_t n)
{
    if (r->err || n > r->len - r->pos) {
        if (!r->err)
            r->err = CDN_EPROTO;
        return NULL;
    }
    const void *p = r->buf + r->pos;
    r->pos += (uint32_t)n;
    return p;
}

#define READER(name, type)                                                                         \
    type name(struct cdn_rbuf *r)                                                                  \
    {                                                                                              \
        type v = 0;                                                                                \
        const void *p = cdn_r_bytes(r, sizeof v);                                                  \
        if (p)                                                                                     \
            memcpy(&v, p, sizeof v);                                                               \
        return v;                                                                                  \
    }

READER(cdn_r_u8, uint8_t)
READER(cdn_r_u16, uint16_t)
READER(cdn_r_u32, uint32_t)
READER(cdn_r_u64, uint64_t)

void cdn_r_string(struct cdn_rbuf *r, char *dst, size_t cap, size_t max)
{
    if (cap)
        dst[0] = 0;
    uint32_t n = cdn_r_u32(r);
    if (r->err)
        return;
    if (n > max || (size_t)n + 1 > cap) {
        r->err = CDN_EPROTO;
        return;
    }
    const char *p = cdn_r_bytes(r, n);
    if (!p)
        return;
    if (memchr(p, 0, n)) {
        r->err = CDN_EPROTO; /* an embedded NUL would truncate silently */
        return;
    }
    memcpy(dst, p, n);
    dst[n] = 0;
}

int cdn_r_bool(struct cdn_rbuf *r)
{
    uint8_t v = cdn_r_u8(r);
    if (v > 1 && !r->err)
        r->err = CDN_EPROTO;
    return v == 1;
}

uint32_t cdn_r_count(struct cdn_rbuf *r, uint32_t max)
{
    uint32_t n = cdn_r_u32(r);
    if (n > max) {
        if (!r->err)
            r->err = CDN_EPROTO;
        return 0;
    }
    return n;
}

void cdn_r_fail(struct cdn_rbuf *r, int status)
{
    if (!r->err)
        r->err = status;
}

int cdn_r_finish(const struct cdn_rbuf *r)
{
    if (r->err)
        return r->err;
    return r->pos == r->len ? CDN_OK : CDN_EPROTO;
}

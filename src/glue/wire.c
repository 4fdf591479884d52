/*
 * wire.c - marshalling buffers for generated glue. Writers grow from a
 * 256-byte in-struct buffer to the heap, up to the channel's limit; readers
 * never read past the end: every short read sets the error and returns zeros.
 */
#include <stdlib.h>
#include <string.h>

#include "glue_impl.h"

void cdn_wbuf_free(struct cdn_wbuf *w)
{
    if (w->buf != w->small)
        free(w->buf);
    w->buf = w->small;
    w->cap = sizeof w->small;
}

void cdn_w_bytes(struct cdn_wbuf *w, const void *p, size_t n)
{
    if (w->err)
        return;
    uint32_t max = w->g ? cdn_glue_wire_max(w->g) : CDN_INLINE_MAX;
    if (w->len > max || n > max - w->len) {
        w->err = CDN_ETOOBIG;
        return;
    }
    if (w->len + n > w->cap) {
        uint32_t ncap = w->cap * 2;
        while (ncap < w->len + n)
            ncap *= 2;
        if (ncap > max)
            ncap = max;
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

/* The n bytes of a string after its length: at most max, none of them
 * NUL (an embedded NUL would truncate silently); else NULL, r failed. */
static const char *string_bytes(struct cdn_rbuf *r, uint32_t n, size_t max)
{
    const char *p = n <= max ? cdn_r_bytes(r, n) : NULL;
    if (!p || memchr(p, 0, n)) {
        cdn_r_fail(r, CDN_EPROTO);
        return NULL;
    }
    return p;
}

const char *cdn_r_string_view_or_null(struct cdn_rbuf *r, size_t max, uint32_t *len, int *is_null)
{
    *len = 0;
    *is_null = 0;
    uint32_t n = cdn_r_u32(r);
    if (r->err)
        return NULL;
    if (n == UINT32_MAX) { /* cdn_w_string_field's NULL */
        *is_null = 1;
        return NULL;
    }
    const char *p = string_bytes(r, n, max);
    if (p)
        *len = n;
    return p;
}

const char *cdn_r_string_view(struct cdn_rbuf *r, size_t max, uint32_t *len)
{
    *len = 0;
    uint32_t n = cdn_r_u32(r);
    if (r->err)
        return NULL;
    const char *p = string_bytes(r, n, max);
    if (p)
        *len = n;
    return p;
}

void cdn_r_string(struct cdn_rbuf *r, char *dst, size_t cap, size_t max)
{
    if (cap)
        dst[0] = 0;
    uint32_t n;
    const char *p = cdn_r_string_view(r, max, &n);
    if (!p)
        return;
    if ((size_t)n + 1 > cap) {
        cdn_r_fail(r, CDN_EPROTO);
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

/*
 * objects.c - the marshalling every generated glue shares: objects by
 * reference (all-or-nothing decoding into a copy) and a dispatched call's
 * temporary buffers. Generated code keeps only what is per projection: the
 * list of fields.
 */
#include <stdlib.h>
#include <string.h>

#include "glue_impl.h"

void cdn_w_object(struct cdn_glue *g, struct cdn_wbuf *w, void *obj, uint16_t type, unsigned dir,
                  cdn_put_fields_fn put)
{
    uint64_t ref = 0;
    int is_new = 0;
    if (cdn_glue_export(g, obj, type, &ref, &is_new) != CDN_OK)
        w->err = CDN_EINVAL;
    if (is_new && obj && w->nfresh < CDN_WBUF_FRESH)
        w->fresh[w->nfresh++] = obj; /* (more than that in one message: not undone) */
    cdn_w_u64(w, ref);
    cdn_w_u8(w, is_new ? CDN_REF_FLAG_NEW : 0);
    if (obj)
        put(g, w, obj, is_new ? CDN_DIR_ALL : dir);
}

void cdn_no_fields_put(struct cdn_glue *g, struct cdn_wbuf *w, void *obj, unsigned dir)
{
    (void)g, (void)w, (void)obj, (void)dir;
}

void cdn_no_fields_get(struct cdn_glue *g, struct cdn_rbuf *r, void *obj, unsigned dir)
{
    (void)g, (void)r, (void)obj, (void)dir;
}

/* Copies of objects up to this size are decoded on the stack. */
#ifdef __KERNEL__
#define OBJECT_COPY_ON_STACK 256
#else
#define OBJECT_COPY_ON_STACK 1024
#endif

void *cdn_r_object(struct cdn_glue *g, struct cdn_rbuf *r, uint16_t type, size_t size, unsigned dir,
                   int may_new, cdn_get_fields_fn get)
{
    uint64_t ref = cdn_r_u64(r);
    unsigned flags = cdn_r_u8(r);
    void *obj = NULL;
    if (r->err)
        return NULL;
    if ((flags & CDN_REF_FLAG_NEW) && !may_new) {
        cdn_r_fail(r, CDN_EBADH);
        return NULL;
    }
    if (cdn_glue_resolve(g, ref, flags, type, size, &obj) != CDN_OK) {
        cdn_r_fail(r, CDN_EBADH);
        return NULL;
    }
    if (!obj)
        return NULL;
    if (flags & CDN_REF_FLAG_NEW) {
        get(g, r, obj, CDN_DIR_ALL); /* a fresh shadow: nothing to protect */
        return obj;
    }
    _Alignas(16) unsigned char stack[OBJECT_COPY_ON_STACK];
    void *copy = size <= sizeof stack ? stack : malloc(size);
    if (!copy) {
        cdn_r_fail(r, CDN_ENOMEM);
        return obj;
    }
    memcpy(copy, obj, size);
    get(g, r, copy, dir);
    if (!r->err && memcmp(obj, copy, size) != 0)
        memcpy(obj, copy, size);
    if (copy != stack)
        free(copy);
    return obj;
}

void *cdn_tmp_alloc(struct cdn_tmp *t, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need >= n && need <= sizeof t->arena - t->used) {
        void *q = t->arena + t->used;
        t->used += need;
        memset(q, 0, n);
        return q;
    }
    if (t->nheap == (int)(sizeof t->heap / sizeof t->heap[0]))
        return NULL;
    void *q = calloc(1, n ? n : 1);
    if (q)
        t->heap[t->nheap++] = q;
    return q;
}

void cdn_tmp_free(struct cdn_tmp *t)
{
    while (t->nheap)
        free(t->heap[--t->nheap]);
}

void *cdn_obj_copy(const void *obj, size_t size)
{
    void *copy = malloc(size ? size : 1);
    if (copy)
        memcpy(copy, obj, size);
    return copy;
}

void cdn_obj_apply(void *obj, void *copy, size_t size)
{
    if (!copy)
        return;
    if (memcmp(obj, copy, size) != 0)
        memcpy(obj, copy, size);
    free(copy);
}

void cdn_obj_drop(void *copy)
{
    free(copy);
}

/* ---- string fields held by pointer ---- */

void cdn_w_string_field(struct cdn_wbuf *w, const char *s, size_t max)
{
    if (!s)
        cdn_w_u32(w, UINT32_MAX); /* NULL */
    else
        cdn_w_string(w, s, max);
}

void cdn_r_string_field(struct cdn_glue *g, struct cdn_rbuf *r, char **slot, size_t max)
{
    uint32_t n;
    int is_null;
    const char *p = cdn_r_string_view_or_null(r, max, &n, &is_null);
    if (is_null)
        *slot = NULL;
    if (!p)
        return;
    /* the string it has now, if the glue's and the same: nothing to do */
    struct cdn_hmap_entry *old = *slot ? cdn_hmap_get(&g->strings, (uintptr_t)*slot) : NULL;
    if (old && old->aux == (uint64_t)n + 1 && memcmp(*slot, p, n) == 0)
        return;
    if (g->string_bytes + n + 1 > CDN_GLUE_STRING_BYTES) {
        cdn_r_fail(r, CDN_ELIMIT);
        return;
    }
    /* a new buffer: the object is a copy applied only if the whole message
     * validates, so the old one may still be the real object's */
    char *buf = malloc((size_t)n + 1);
    if (!buf || cdn_hmap_put(&g->strings, (uintptr_t)buf, buf, (uint64_t)n + 1) != 0) {
        free(buf);
        cdn_r_fail(r, CDN_ENOMEM);
        return;
    }
    memcpy(buf, p, n);
    buf[n] = 0;
    g->string_bytes += (size_t)n + 1;
    *slot = buf;
}

const char *cdn_r_string_result(struct cdn_glue *g, struct cdn_rbuf *r, uint16_t rpc, size_t max)
{
    uint32_t n;
    int is_null;
    const char *p = cdn_r_string_view_or_null(r, max, &n, &is_null);
    if (!p)
        return NULL; /* NULL sent, or r failed */
    /* one buffer per rpc, replaced by its next call: bounded by the module */
    struct cdn_hmap_entry *e = cdn_hmap_get(&g->results, (uint64_t)rpc + 1);
    char *buf = e ? e->ptr : NULL;
    if (!e || e->aux < (uint64_t)n + 1) {
        char *nb = realloc(buf, (size_t)n + 1);
        if (!nb || cdn_hmap_put(&g->results, (uint64_t)rpc + 1, nb, (uint64_t)n + 1) != 0) {
            if (nb && !e)
                free(nb);
            cdn_r_fail(r, CDN_ENOMEM);
            return NULL;
        }
        buf = nb;
    }
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

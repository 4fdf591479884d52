/*
 * serve_domain.c - a module's main when all it does is serve a generated
 * glue (cordon/glue.h, cdn_dom_serve_glue). User space only: the kernel
 * module compiles the glue files it names, not this one.
 */
#include "cordon/glue.h"
#include "cordon/module.h"

int cdn_dom_serve_glue(struct cdn_dom_ctx *ctx, void (*init)(struct cdn_glue *g),
                       cdn_handler_fn dispatch)
{
    struct cdn_glue *g;
    if (cdn_glue_create(CDN_GLUE_DOMAIN, cdn_dom_ep(ctx), &g) != CDN_OK)
        return CDN_ENOMEM;
    void *base;
    size_t size;
    cdn_dom_heap(ctx, &base, &size); /* where the host's shared buffers appear */
    cdn_glue_set_heap_mapping(g, base, size);
    init(g);
    int r = cdn_ep_serve(cdn_dom_ep(ctx), dispatch, g);
    cdn_glue_destroy(g);
    return r;
}

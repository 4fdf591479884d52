/*
 * zbox_module.c - the domain side of examples/zlib: zlib itself (linked
 * statically into the module) served through the generated glue. This is
 * all a library needs: a glue on the domain's endpoint, the shared heap's
 * mapping, and the serve loop.
 */
#include "cordon/module.h"
#include "zbox_domain.h"

static int zbox_main(struct cdn_dom_ctx *ctx)
{
    struct cdn_glue *g;
    if (cdn_glue_create(CDN_GLUE_DOMAIN, cdn_dom_ep(ctx), &g) != CDN_OK)
        return CDN_ENOMEM;
    void *base;
    size_t size;
    cdn_dom_heap(ctx, &base, &size); /* where the host's lent buffers are */
    cdn_glue_set_heap_mapping(g, base, size);
    zbox_domain_init(g);
    int r = cdn_ep_serve(cdn_dom_ep(ctx), zbox_domain_dispatch, g);
    cdn_glue_destroy(g);
    return r;
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "zbox",
    .main = zbox_main,
};

/*
 * zbox_module.c - the domain side of examples/zlib: zlib itself (linked
 * statically into the module) served through the generated glue. This is
 * all a library needs: cdn_dom_serve_glue makes a glue on the domain's
 * endpoint, gives it the shared heap's mapping, and serves it.
 */
#include "cordon/module.h"
#include "zbox_domain.h"

static int zbox_main(struct cdn_dom_ctx *ctx)
{
    return cdn_dom_serve_glue(ctx, zbox_domain_init, zbox_domain_dispatch);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "zbox",
    .main = zbox_main,
};

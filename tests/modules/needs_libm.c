/*
 * needs_libm.c - a module linked against libm (a DT_NEEDED entry outside
 * what a domain provides). The launcher refuses it and says why.
 */
#include <math.h>

#include "cordon/module.h"

double needs_libm_cbrt(double x);
double needs_libm_cbrt(double x)
{
    return cbrt(x);
}

static int none(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    (void)arg;
    (void)req;
    (void)rep;
    return CDN_ENOENT;
}

static int needs_main(struct cdn_dom_ctx *ctx)
{
    return cdn_ep_serve(cdn_dom_ep(ctx), none, NULL);
}

const struct cdn_module cordon_module = {CDN_MODULE_ABI, "needs_libm", needs_main};

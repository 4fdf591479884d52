/*
 * wx.c - a module with a segment that is both writable and executable (a
 * section flagged "awx"): code it could rewrite at run time. The launcher
 * must refuse to load it.
 */
#include "cordon/module.h"

__asm__(".section .wxcode,\"awx\",@progbits\n"
        ".globl wx_code\n"
        "wx_code: ret\n"
        ".previous\n");

static int none(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    (void)arg;
    (void)req;
    (void)rep;
    return CDN_ENOENT;
}

static int wx_main(struct cdn_dom_ctx *ctx)
{
    return cdn_ep_serve(cdn_dom_ep(ctx), none, NULL);
}

const struct cdn_module cordon_module = {CDN_MODULE_ABI, "wx", wx_main};

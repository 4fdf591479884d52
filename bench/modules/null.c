/*
 * null.c - the benchmark module: answers rpc 1 with an empty reply and
 * rpc 2 by echoing its inline bytes. Everything else is CDN_ENOENT.
 */
#include <string.h>

#include "cordon/module.h"

static int null_handler(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    (void)arg;
    switch (req->rpc_id) {
    case 1:
        return CDN_OK;
    case 2:
        memcpy(rep->data, req->data, req->inline_len);
        rep->inline_len = req->inline_len;
        return CDN_OK;
    default:
        return CDN_ENOENT;
    }
}

static int null_main(struct cdn_dom_ctx *ctx)
{
    return cdn_ep_serve(cdn_dom_ep(ctx), null_handler, NULL);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "null",
    .main = null_main,
};

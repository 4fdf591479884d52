/* module_ctx.c - accessors for modules, and the domain side of the handshake. */
#include <stdint.h>
#include <string.h>

#include "module_ctx.h"

struct cdn_ep *cdn_dom_ep(struct cdn_dom_ctx *ctx)
{
    return ctx->ep;
}

const char *cdn_dom_arg(struct cdn_dom_ctx *ctx)
{
    return ctx->arg ? ctx->arg : "";
}

void cdn_dom_region(struct cdn_dom_ctx *ctx, void **base, size_t *size)
{
    *base = ctx->region_base;
    *size = ctx->region_size;
}

void cdn_dom_heap(struct cdn_dom_ctx *ctx, void **base, size_t *size)
{
    *base = ctx->heap_base;
    *size = ctx->heap_size;
}

void *cdn_dom_heap_ptr(struct cdn_dom_ctx *ctx, uint64_t ref, size_t len)
{
    uint64_t off = ref & 0xffffffffu;
    if (!ctx->heap_base || off > ctx->heap_size || len > ctx->heap_size - off)
        return NULL;
    return (uint8_t *)ctx->heap_base + off;
}

int cdn_dom_hello(struct cdn_ep *ep, int64_t timeout_ns)
{
    struct cdn_msg req, rep;
    memset(&req, 0, sizeof req);
    req.rpc_id = CDN_RPC_HELLO;
    uint32_t abi = CDN_MODULE_ABI;
    memcpy(req.data, &abi, sizeof abi);
    req.inline_len = sizeof abi;
    return cdn_ep_call(ep, &req, &rep, NULL, NULL, timeout_ns);
}

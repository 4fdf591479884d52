/*
 * driver_module.h - the cordon module wrapper of an isolated driver: a glue
 * context on the domain's channel and heap, the generated dispatcher, and the
 * serve loop. The host then calls the driver's module_init through the glue.
 *
 *     CDN_DRIVER_MODULE(dummy, dummy_domain_init, dummy_domain_dispatch)
 *
 * CDN_DRIVER_MODULE_HOOK adds a function run first with the module context
 * (a test driver uses it to find its own channel region).
 *
 * CDN_DRIVER_MODULE_RINGS is for a driver that serves data-path rings
 * (rings.h): SETUP(g) registers them after INIT, and ring messages go to the
 * domain library instead of the generated dispatch.
 */
#ifndef CORDON_KERNEL_DRIVER_MODULE_H
#define CORDON_KERNEL_DRIVER_MODULE_H

#include "cordon/glue.h"
#include "cordon/module.h"
#include "cordon_params.h"
#include "rings.h"

/* The module parameters the host sends before the driver's init
 * (kernel/drvlib/params.c, cordon_params.h). */
int cdn_dom_params_serve(struct cdn_glue *g, const struct cdn_msg *req, struct cdn_msg *rep);

#define CDN_DRIVER_MODULE(NAME, INIT, DISPATCH) CDN_DRIVER_MODULE_HOOK(NAME, INIT, DISPATCH, NULL)

#define CDN_DRIVER_MODULE_RINGS(NAME, INIT, DISPATCH, SETUP)                                       \
    CDN_DRIVER_MODULE_RINGS_HOOK(NAME, INIT, DISPATCH, SETUP, NULL)

#define CDN_DRIVER_MODULE_RINGS_HOOK(NAME, INIT, DISPATCH, SETUP, HOOK)                            \
    static void NAME##_init_rings(struct cdn_glue *g)                                              \
    {                                                                                              \
        INIT(g);                                                                                   \
        SETUP(g);                                                                                  \
    }                                                                                              \
    static int NAME##_dispatch_rings(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)    \
    {                                                                                              \
        if (cdn_rpc_is_ring(req->rpc_id))                                                          \
            return cdn_dom_ring_dispatch(arg, req);                                                \
        return DISPATCH(arg, req, rep);                                                            \
    }                                                                                              \
    CDN_DRIVER_MODULE_BODY(NAME, NAME##_init_rings, NAME##_dispatch_rings, HOOK,                   \
                           cdn_dom_rings_start, cdn_dom_rings_end)

#define CDN_DRIVER_MODULE_HOOK(NAME, INIT, DISPATCH, HOOK)                                         \
    CDN_DRIVER_MODULE_BODY(NAME, INIT, DISPATCH, HOOK, NULL, NULL)

/* RT_HOOK (may be NULL) is given the async runtime once it exists; END (may
 * be NULL) runs when the serve loop has ended. */
#define CDN_DRIVER_MODULE_BODY(NAME, INIT, DISPATCH, HOOK, RT_HOOK, END)                           \
    static int NAME##_dispatch_all(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)      \
    {                                                                                              \
        if (req->rpc_id == CDN_RPC_MODULE_PARAMS)                                                  \
            return cdn_dom_params_serve(arg, req, rep);                                            \
        return DISPATCH(arg, req, rep);                                                            \
    }                                                                                              \
    static int NAME##_module_main(struct cdn_dom_ctx *ctx)                                         \
    {                                                                                              \
        void (*hook_)(struct cdn_dom_ctx *) = HOOK;                                                \
        if (hook_)                                                                                 \
            hook_(ctx);                                                                            \
        struct cdn_glue *g;                                                                        \
        if (cdn_glue_create(CDN_GLUE_DOMAIN, cdn_dom_ep(ctx), &g) != CDN_OK)                       \
            return CDN_ENOMEM;                                                                     \
        void *base;                                                                                \
        size_t size;                                                                               \
        cdn_dom_heap(ctx, &base, &size);                                                           \
        cdn_glue_set_heap_mapping(g, base, size);                                                  \
        INIT(g);                                                                                   \
        /* each request on its own fiber: several may be in flight, each                           \
         * free to call back into the host (a transmit frees its packet) */                        \
        struct cdn_async *rt;                                                                      \
        int r = cdn_async_create(NULL, &rt);                                                       \
        if (r == CDN_OK)                                                                           \
            r = cdn_async_attach(rt, cdn_dom_ep(ctx), NAME##_dispatch_all, g);                     \
        if (r == CDN_OK) {                                                                         \
            void (*rt_hook_)(struct cdn_async *) = RT_HOOK;                                        \
            if (rt_hook_)                                                                          \
                rt_hook_(rt);                                                                      \
            cdn_glue_set_async(g, rt);                                                             \
            r = cdn_async_serve(rt);                                                               \
        }                                                                                          \
        cdn_async_destroy(rt);                                                                     \
        cdn_glue_destroy(g);                                                                       \
        void (*end_)(void) = END;                                                                  \
        if (end_)                                                                                  \
            end_();                                                                                \
        return r;                                                                                  \
    }                                                                                              \
    const struct cdn_module cordon_module = {                                                      \
        .abi = CDN_MODULE_ABI, .name = #NAME, .main = NAME##_module_main}

#endif

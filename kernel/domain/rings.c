/* rings.c - routes ring messages to their handlers (see rings.h). */
#include "cordon/async.h"
#include "rings.h"

#define NRINGS (CDN_RPC_RING_LIMIT - CDN_RPC_RING_BASE)

static cdn_dom_ring_fn handlers[NRINGS];
static void (*idlers[NRINGS])(void);

void cdn_dom_ring_register(uint16_t rpc, cdn_dom_ring_fn fn, void (*idle)(void))
{
    if (cdn_rpc_is_ring(rpc)) {
        handlers[rpc - CDN_RPC_RING_BASE] = fn;
        idlers[rpc - CDN_RPC_RING_BASE] = idle;
    }
}

static void rings_idle(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < NRINGS; i++)
        if (idlers[i])
            idlers[i]();
}

void cdn_dom_rings_start(cdn_async *rt)
{
    cdn_async_set_idle(rt, rings_idle, NULL);
}

int cdn_dom_ring_dispatch(struct cdn_glue *g, const struct cdn_msg *req)
{
    if (req->rpc_id == CDN_RPC_RING_SYNC) {
        /* the completions go out before the answer: the host has applied
         * them all when its call returns */
        rings_idle(NULL);
        return CDN_OK;
    }
    cdn_dom_ring_fn fn = cdn_rpc_is_ring(req->rpc_id) ? handlers[req->rpc_id - CDN_RPC_RING_BASE]
                                                      : NULL;
    if (!fn)
        return CDN_ENOENT;
    if (req->ext_len)
        return fn(g, req->ext, req->ext_len);
    return fn(g, req->data, req->inline_len);
}

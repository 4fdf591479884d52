/*
 * ring_done.c - a completion message from a driver's domain, for either
 * ring: runs of objects it is done with, and verdicts on single ones. The
 * message is the domain's: each part is copied out before it is looked at,
 * and nothing in it is trusted (cdn_ring_done_parse checks the layout, the
 * in-flight table the numbers, the ring the statuses).
 */
#include <string.h>

#include "core_impl.h"

struct apply_ctx {
    struct cdn_driver *drv;
    struct cdn_inflight *tab;
    const struct cdn_ring_done_ops *ops;
};

static int apply_run(void *arg, const struct cdn_ring_run *r)
{
    const struct apply_ctx *c = arg;
    return c->ops->run(c->drv, c->tab, r);
}

static int apply_verdict(void *arg, const struct cdn_ring_verdict *v)
{
    const struct apply_ctx *c = arg;
    return c->ops->verdict(c->drv, c->tab, v);
}

int cdn_ring_done_apply(struct cdn_driver *drv, struct cdn_inflight *tab, const void *buf,
                        uint32_t len, const struct cdn_ring_done_ops *ops)
{
    struct cdn_ring_done_hdr hdr;
    const uint8_t *runs, *verdicts;
    int st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts);
    if (st != CDN_OK)
        return st;
    cdn_kstats.ring_completions++;
    const struct cdn_ring_done_walker w = {ops->status_ok, apply_run, apply_verdict};
    struct apply_ctx c = {drv, tab, ops};
    return cdn_ring_done_walk(&hdr, runs, verdicts, &w, &c, NULL);
}

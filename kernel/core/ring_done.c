/*
 * ring_done.c - a completion message from a driver's domain, for either
 * ring: runs of objects it is done with, and verdicts on single ones. The
 * message is the domain's: each part is copied out before it is looked at,
 * and nothing in it is trusted (cdn_ring_done_parse checks the layout, the
 * in-flight table the numbers, the ring the statuses).
 */
#include <string.h>

#include "core_impl.h"

int cdn_ring_done_apply(struct cdn_driver *drv, struct cdn_inflight *tab, const void *buf,
                        uint32_t len, const struct cdn_ring_done_ops *ops)
{
    struct cdn_ring_done_hdr hdr;
    const uint8_t *runs, *verdicts;
    int st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts);
    if (st != CDN_OK)
        return st;
    cdn_kstats.ring_completions++;
    int first_err = CDN_OK;
    for (uint32_t i = 0; i < hdr.nruns; i++) {
        struct cdn_ring_run r; /* copied out: the message is the domain's */
        memcpy(&r, runs + (size_t)i * sizeof r, sizeof r);
        st = r.count == 0 || r.count > CDN_RING_SLOTS || !ops->status_ok(r.status)
                 ? CDN_EPROTO
                 : ops->run(drv, tab, &r);
        if (st != CDN_OK && first_err == CDN_OK)
            first_err = st;
    }
    for (uint32_t i = 0; i < hdr.nverdicts; i++) {
        struct cdn_ring_verdict v;
        memcpy(&v, verdicts + (size_t)i * sizeof v, sizeof v);
        st = ops->verdict(drv, tab, &v);
        if (st != CDN_OK && first_err == CDN_OK)
            first_err = st;
    }
    return first_err;
}

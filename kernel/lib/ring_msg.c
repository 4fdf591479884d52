/*
 * ring_msg.c - the layout check of a ring's completion message, and the
 * walk over its parts, for every host that reads one (the kernel core
 * here, cordon.ko in a real kernel: the same file is compiled into both).
 * Pure: the C library's memcpy only.
 */
#include <string.h>

#include "cordon/error.h"
#include "cordon_rings.h"

/* A completion message's layout, for both rings: counts within bounds and
 * the length exactly what they say. Nothing in it is applied here. */
int cdn_ring_done_parse(const void *buf, uint32_t len, struct cdn_ring_done_hdr *hdr,
                        const uint8_t **runs, const uint8_t **verdicts)
{
    if (len < sizeof *hdr)
        return CDN_EPROTO;
    memcpy(hdr, buf, sizeof *hdr);
    uint64_t want = sizeof *hdr + (uint64_t)hdr->nruns * sizeof(struct cdn_ring_run) +
                    (uint64_t)hdr->nverdicts * sizeof(struct cdn_ring_verdict);
    if (hdr->flags != 0 || hdr->nruns > CDN_RING_DONE_MAX || hdr->nverdicts > CDN_RING_DONE_MAX ||
        len != want)
        return CDN_EPROTO;
    *runs = (const uint8_t *)buf + sizeof *hdr;
    *verdicts = *runs + (size_t)hdr->nruns * sizeof(struct cdn_ring_run);
    return CDN_OK;
}

int cdn_ring_done_walk(const struct cdn_ring_done_hdr *hdr, const uint8_t *runs,
                       const uint8_t *verdicts, const struct cdn_ring_done_walker *w, void *arg,
                       uint32_t *bad_runs)
{
    int first_err = CDN_OK;
    for (uint32_t i = 0; i < hdr->nruns; i++) {
        struct cdn_ring_run r; /* copied out: the message is the domain's */
        memcpy(&r, runs + (size_t)i * sizeof r, sizeof r);
        int st;
        if (r.count == 0 || r.count > CDN_RING_SLOTS || (w->status_ok && !w->status_ok(r.status))) {
            if (bad_runs)
                (*bad_runs)++;
            st = CDN_EPROTO;
        } else {
            st = w->run(arg, &r);
        }
        if (st != CDN_OK && first_err == CDN_OK)
            first_err = st;
    }
    for (uint32_t i = 0; i < hdr->nverdicts; i++) {
        struct cdn_ring_verdict v;
        memcpy(&v, verdicts + (size_t)i * sizeof v, sizeof v);
        int st = w->verdict(arg, &v);
        if (st != CDN_OK && first_err == CDN_OK)
            first_err = st;
    }
    return first_err;
}

/* rings.c - routes ring messages to their handlers (see rings.h). */
#include <stdlib.h>
#include <string.h>

#include "cordon/async.h"
#include "rings.h"

#define NRINGS (CDN_RPC_RING_LIMIT - CDN_RPC_RING_BASE)

static cdn_dom_ring_fn handlers[NRINGS];
static void (*idlers[NRINGS])(void);
static void (*enders[NRINGS])(void);

void cdn_dom_ring_register(uint16_t rpc, cdn_dom_ring_fn fn, void (*idle)(void), void (*end)(void))
{
    if (cdn_rpc_is_ring(rpc)) {
        handlers[rpc - CDN_RPC_RING_BASE] = fn;
        idlers[rpc - CDN_RPC_RING_BASE] = idle;
        enders[rpc - CDN_RPC_RING_BASE] = end;
    }
}

void cdn_dom_rings_end(void)
{
    for (unsigned i = 0; i < NRINGS; i++) {
        if (enders[i])
            enders[i]();
        handlers[i] = NULL;
        idlers[i] = NULL;
        enders[i] = NULL;
    }
}

static void rings_idle(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < NRINGS; i++)
        if (idlers[i])
            idlers[i]();
}

void cdn_dom_rings_start(struct cdn_async *rt)
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
    cdn_dom_ring_fn fn =
        cdn_rpc_is_ring(req->rpc_id) ? handlers[req->rpc_id - CDN_RPC_RING_BASE] : NULL;
    if (!fn)
        return CDN_ENOENT;
    if (req->ext_len)
        return fn(g, req->ext, req->ext_len);
    return fn(g, req->data, req->inline_len);
}

/* ---- completions held back ---- */

void cdn_dom_done_flush(struct cdn_dom_done *d)
{
    uint32_t nr = d->hdr.nruns, nv = d->hdr.nverdicts;
    if (!nr && !nv)
        return;
    struct {
        struct cdn_ring_done_hdr hdr;
        uint8_t body[sizeof d->runs + sizeof d->verdicts];
    } out;
    out.hdr = d->hdr;
    memcpy(out.body, d->runs, nr * sizeof d->runs[0]);
    memcpy(out.body + nr * sizeof d->runs[0], d->verdicts, nv * sizeof d->verdicts[0]);
    d->hdr.nruns = d->hdr.nverdicts = 0;
    d->objects = 0;
    /* A failure means the host is gone or has cut us off: nothing to do. */
    cdn_glue_post(d->g, d->rpc, &out,
                  (uint32_t)(sizeof out.hdr + nr * sizeof d->runs[0] + nv * sizeof d->verdicts[0]));
}

void cdn_dom_done_run(struct cdn_dom_done *d, uint32_t seq, int16_t status)
{
    d->objects++;
    uint32_t n = d->hdr.nruns;
    if (n) {
        struct cdn_ring_run *r = &d->runs[n - 1];
        if (seq == r->first_seq + r->count && r->status == status && r->count < UINT16_MAX) {
            r->count++;
            return;
        }
    }
    if (n == CDN_RING_DONE_MAX) {
        cdn_dom_done_flush(d);
        n = 0;
    }
    d->runs[n] = (struct cdn_ring_run){seq, 1, status};
    d->hdr.nruns = (uint16_t)(n + 1);
}

void cdn_dom_done_verdict(struct cdn_dom_done *d, uint32_t seq, int32_t value)
{
    if (d->hdr.nverdicts == CDN_RING_DONE_MAX)
        cdn_dom_done_flush(d);
    d->verdicts[d->hdr.nverdicts++] = (struct cdn_ring_verdict){seq, value};
    d->objects++;
}

/* ---- serialised batches ---- */

struct cdn_dom_deferred {
    struct cdn_dom_deferred *next;
    uint32_t len;
    uint8_t buf[];
};

int cdn_dom_batch_check(const void *buf, uint32_t len, size_t desc_size)
{
    struct cdn_ring_batch_hdr hdr;
    if (len < sizeof hdr)
        return CDN_EPROTO;
    memcpy(&hdr, buf, sizeof hdr);
    if (hdr.count > CDN_RING_BATCH_MAX || len != sizeof hdr + (uint64_t)hdr.count * desc_size)
        return CDN_EPROTO;
    return CDN_OK;
}

int cdn_dom_serial_run(struct cdn_dom_serial *s, struct cdn_glue *g, const void *buf, uint32_t len,
                       cdn_dom_batch_fn fn)
{
    if (!s->tail)
        s->tail = &s->head;
    if (s->busy) {
        struct cdn_dom_deferred *q = malloc(sizeof *q + len);
        if (!q)
            return CDN_ENOMEM;
        q->next = NULL;
        q->len = len;
        memcpy(q->buf, buf, len);
        *s->tail = q;
        s->tail = &q->next;
        return CDN_OK;
    }
    s->busy = 1;
    fn(g, buf, len);
    while (s->head) {
        struct cdn_dom_deferred *q = s->head;
        s->head = q->next;
        if (!s->head)
            s->tail = &s->head;
        fn(g, q->buf, q->len);
        free(q);
    }
    s->busy = 0;
    return CDN_OK;
}

/*
 * fuzz_completions.c - libFuzzer target for the host's decoders of ring
 * completion messages (kernel/net/txring.c, kernel/block/rqring.c): what
 * an isolated driver sends back about the skbs and requests it was given.
 * The domain is hostile by assumption: whatever the bytes, the host must not
 * crash, read outside the message, free an skb twice, or wake a request
 * twice; every object it posted is accounted for at the end.
 *
 * Input: one byte picks the decoder (net or block); the rest is the
 * message. Before it, 40 skbs and 40 requests are posted (numbers 1..40 in
 * fresh tables), so valid numbers are easy for the fuzzer to hit. Every
 * other request is asynchronous (blk_execute_rq_nowait's kind): its end_io
 * must run exactly once, whatever the message said.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/core/core_impl.h"
#include "linux/blk-mq.h"
#include "linux/skbuff.h"

#define POSTED 40

static const struct cdn_driver_desc desc = {.name = "fuzz"};
static int ends[40];

static void count_end(struct request *rq, blk_status_t status)
{
    (void)status;
    ends[(int *)rq->end_io_data - ends]++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (cdn_kernel_init(4u << 20) != 0)
        abort();
    struct cdn_rings rings;
    memset(&rings, 0, sizeof rings);
    if (cdn_inflight_init(&rings.skbs) != 0 || cdn_inflight_init(&rings.rqs) != 0)
        abort();
    struct cdn_driver drv;
    memset(&drv, 0, sizeof drv);
    drv.desc = &desc;
    drv.rings = &rings;
    struct request rqs[POSTED];
    memset(rqs, 0, sizeof rqs);
    memset(ends, 0, sizeof ends);
    for (int i = 0; i < POSTED; i += 2) {
        rqs[i].end_io = count_end;
        rqs[i].end_io_data = &ends[i];
        rqs[i].in_flight = 1;
        rqs[i].op = (uint8_t)(i % 4 ? REQ_OP_READ : REQ_OP_WRITE);
    }
    for (int i = 0; i < POSTED; i++) {
        struct sk_buff *skb = alloc_skb(64, 0);
        uint32_t seq;
        void *skb_obj = skb, *rq_obj = &rqs[i];
        if (!skb || cdn_inflight_post_run(&rings.skbs, &skb_obj, 1, &seq) != 1 ||
            cdn_inflight_post_run(&rings.rqs, &rq_obj, 1, &seq) != 1)
            abort();
    }
    if (data[0] & 1)
        cdn_rqring_done(&drv, data + 1, (uint32_t)(size - 1));
    else
        cdn_txring_done(&drv, data + 1, (uint32_t)(size - 1));
    /* Every skb is freed exactly once: by a completion, or here. */
    cdn_net_rings_reclaim(&drv);
    if (cdn_skbs_live() != 0)
        abort();
    /* Every request was ended or lost exactly once, and never both. */
    cdn_blk_rings_reclaim(&drv);
    for (int i = 0; i < POSTED; i++)
        if ((rqs[i].completed && rqs[i].lost) || (rqs[i].end_io && ends[i] != 1))
            abort();
    cdn_inflight_free(&rings.skbs);
    cdn_inflight_free(&rings.rqs);
    cdn_kernel_exit();
    return 0;
}

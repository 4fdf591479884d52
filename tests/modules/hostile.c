/*
 * hostile.c - a module that attacks its channel. The argument picks how:
 *   "scribble"  overwrite every byte of the whole region (control page,
 *               both rings, both extension areas) with pseudo-random garbage,
 *               forever
 *   "badmsg"    answer each request with a header that breaks the rules
 *               (rotating through bad flags, lengths and call ids)
 *   "seq"       corrupt the sequence words of the host's request ring
 *   "flood"     send valid requests (rpc 1, eight bytes) without end and
 *               never read anything
 *   "flood-drain"  the same, but read and drop whatever the host sends
 *               (replies, and its own requests) whenever a send must wait,
 *               so the host always has room to answer
 */
#include <stdint.h>
#include <string.h>

#include "cordon/module.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int scribble(struct cdn_dom_ctx *ctx)
{
    void *base;
    size_t size;
    cdn_dom_region(ctx, &base, &size);
    volatile uint8_t *p = base;
    for (;;)
        for (size_t i = 0; i < size; i += 8) {
            uint64_t v = next();
            memcpy((void *)(p + i), &v, 8);
        }
    return CDN_OK; /* not reached */
}

/* Writes a raw, rule-breaking reply into the domain->host ring by hand. */
static int badmsg(struct cdn_dom_ctx *ctx)
{
    void *base;
    size_t size;
    cdn_dom_region(ctx, &base, &size);
    struct cdn_ep *ep = cdn_dom_ep(ctx);
    struct cdn_msg req;
    unsigned round = 0;
    for (;;) {
        if (cdn_ep_recv(ep, &req, -1) != CDN_OK)
            return CDN_EPROTO;
        struct cdn_msg rep;
        memset(&rep, 0, sizeof rep);
        rep.call_id = req.call_id;
        rep.flags = CDN_MSG_REPLY;
        switch (round++ % 4) {
        case 0:
            rep.call_id = req.call_id + 77; /* not outstanding */
            break;
        case 1:
            rep.flags = CDN_MSG_REPLY | CDN_MSG_ERROR; /* status 0: not an error */
            rep.inline_len = 4;
            break;
        case 2:
            rep.flags = CDN_MSG_REPLY | CDN_MSG_ERROR;
            rep.inline_len = 4;
            rep.data[0] = 0x39; /* status 0x00000039: positive, invalid */
            break;
        default:
            rep.rpc_id = req.rpc_id;
            break; /* a fine reply, for contrast */
        }
        if (cdn_ep_send(ep, &rep, -1) != CDN_OK)
            return CDN_EPROTO;
    }
}

static int seq(struct cdn_dom_ctx *ctx)
{
    void *base;
    size_t size;
    cdn_dom_region(ctx, &base, &size);
    /* Ring 1 (domain -> host) starts after the 4 KiB control page and ring 0;
     * the host reads it. Write impossible sequence words everywhere. */
    uint8_t *r = (uint8_t *)base + 4096;
    for (size_t i = 0; i < (size - 4096) / 64 && i < 2 * 4096; i++) {
        uint32_t v = 0xdeadbeefu + (uint32_t)i;
        memcpy(r + i * 64, &v, 4);
    }
    for (;;)
        __asm__ volatile("" ::: "memory");
    return CDN_OK; /* not reached */
}

static int flood(struct cdn_dom_ctx *ctx, int drain)
{
    struct cdn_ep *ep = cdn_dom_ep(ctx);
    struct cdn_msg junk;
    struct cdn_msg req;
    memset(&req, 0, sizeof req);
    req.rpc_id = 1;
    req.flags = CDN_MSG_REQUEST;
    req.inline_len = 8;
    for (uint32_t id = 1;; id++) {
        req.call_id = id;
        memcpy(req.data, &id, sizeof id);
        int r;
        while ((r = cdn_ep_send(ep, &req, 0)) == CDN_EAGAIN)
            while (drain && cdn_ep_recv(ep, &junk, 0) == CDN_OK)
                ; /* dropped: what it learns is that the host read ours */
        if (r != CDN_OK)
            return r;
    }
}

static int hostile_main(struct cdn_dom_ctx *ctx)
{
    const char *a = cdn_dom_arg(ctx);
    if (strcmp(a, "flood") == 0)
        return flood(ctx, 0);
    if (strcmp(a, "flood-drain") == 0)
        return flood(ctx, 1);
    if (strcmp(a, "badmsg") == 0)
        return badmsg(ctx);
    if (strcmp(a, "seq") == 0)
        return seq(ctx);
    return scribble(ctx);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "hostile",
    .main = hostile_main,
};

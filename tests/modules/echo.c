/*
 * echo.c - the well-behaved test module, with switches to misbehave on
 * request. rpc ids:
 *   1 echo        reply = request (inline and ext)
 *   2 sequence    data = u64 n; the module checks that n is one more than
 *                 the last n it saw and answers n * 3 (error on a gap)
 *   3 segfault    crash in the middle of the call
 *   4 exit        _exit(3) in the middle of the call
 *   5 nested      call host rpc 100 with u64 x, depth d; reply with its answer + 1
 *   6 hang        spin forever without touching the channel
 *   7 abort       abort() in the middle of the call
 *   8 heap fill   data = (href, len, byte): fill the heap object with byte,
 *                 answer the sum of its previous bytes (bounds-checked)
 *   9 allocate    data = u64 MiB: malloc and touch that much (kept, never
 *                 freed); answer 1 if it worked, 0 if malloc said no
 * The module argument selects a start-up misbehaviour: "open", "socket".
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cordon/module.h"

/* Read through a volatile so the compiler cannot prove the fault. */
static volatile uintptr_t crash_address = 8;

struct state {
    uint64_t last_seq;
    struct cdn_ep *ep;
    struct cdn_dom_ctx *ctx;
};

static uint64_t get_u64(const struct cdn_msg *m, size_t at)
{
    uint64_t v;
    memcpy(&v, m->data + at, sizeof v);
    return v;
}

static void put_u64(struct cdn_msg *m, size_t at, uint64_t v)
{
    memcpy(m->data + at, &v, sizeof v);
    if (m->inline_len < at + 8)
        m->inline_len = (uint8_t)(at + 8);
}

static int handle(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct state *st = arg;
    switch (req->rpc_id) {
    case 1:
        memcpy(rep->data, req->data, req->inline_len);
        rep->inline_len = req->inline_len;
        rep->ext = req->ext;
        rep->ext_len = req->ext_len;
        return CDN_OK;
    case 2: {
        uint64_t n = get_u64(req, 0);
        if (n != st->last_seq + 1)
            return CDN_EINVAL;
        st->last_seq = n;
        put_u64(rep, 0, n * 3);
        return CDN_OK;
    }
    case 3:
        *(volatile int *)crash_address = 1;
        return CDN_OK;
    case 4:
        _exit(3);
    case 5: {
        struct cdn_msg q, a;
        memset(&q, 0, sizeof q);
        q.rpc_id = 100;
        put_u64(&q, 0, get_u64(req, 0));
        put_u64(&q, 8, get_u64(req, 8));
        int r = cdn_ep_call(st->ep, &q, &a, handle, st, -1);
        if (r != CDN_OK)
            return r;
        put_u64(rep, 0, get_u64(&a, 0) + 1);
        return CDN_OK;
    }
    case 6:
        for (;;)
            __asm__ volatile("" ::: "memory");
    case 7:
        abort();
    case 8: {
        uint64_t len = get_u64(req, 8);
        uint8_t *p = cdn_dom_heap_ptr(st->ctx, get_u64(req, 0), len);
        if (!p)
            return CDN_EINVAL;
        uint64_t sum = 0;
        for (uint64_t i = 0; i < len; i++) {
            sum += p[i];
            p[i] = (uint8_t)get_u64(req, 16);
        }
        put_u64(rep, 0, sum);
        return CDN_OK;
    }
    case 9: {
        size_t bytes = (size_t)get_u64(req, 0) << 20;
        uint8_t *p = malloc(bytes);
        if (p)
            for (size_t i = 0; i < bytes; i += 4096)
                p[i] = 1;
        put_u64(rep, 0, p != NULL);
        return CDN_OK;
    }
    default:
        return CDN_ENOENT;
    }
}

static int echo_main(struct cdn_dom_ctx *ctx)
{
    const char *arg = cdn_dom_arg(ctx);
    if (strcmp(arg, "open") == 0) {
        int fd = open("/etc/hostname", O_RDONLY);
        return fd >= 0 ? CDN_OK : CDN_ESYS; /* never reached: seccomp kills */
    }
    if (strcmp(arg, "socket") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        return fd >= 0 ? CDN_OK : CDN_ESYS;
    }
    struct state st = {.last_seq = 0, .ep = cdn_dom_ep(ctx), .ctx = ctx};
    return cdn_ep_serve(cdn_dom_ep(ctx), handle, &st);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "echo",
    .main = echo_main,
};

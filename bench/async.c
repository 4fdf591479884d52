/*
 * async.c - rows of `cordon-bench ipc` for the async runtime, capability
 * tables and the shared heap. All in the same run as the IPC rows.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cordon/async.h"
#include "cordon/cap.h"
#include "cordon/domain.h"
#include "cordon/heap.h"

#define SEC 1000000000LL

struct pingpong {
    struct cdn_async *rt;
    int rounds;
    uint64_t t0, t1;
};

static void yielder(void *arg)
{
    struct pingpong *p = arg;
    for (int i = 0; i < p->rounds; i++)
        cdn_async_yield(p->rt);
}

/* Two fibers yielding to each other: each hand-over is two context switches
 * (fiber -> root scheduler -> fiber). Reported per switch. */
static size_t run_switch(uint64_t *t, size_t n)
{
    struct cdn_async *rt;
    if (cdn_async_create(NULL, &rt) != CDN_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        struct pingpong p = {.rt = rt, .rounds = 500};
        cdn_async_spawn(rt, yielder, &p);
        cdn_async_spawn(rt, yielder, &p);
        uint64_t s = bench_tsc();
        cdn_async_run(rt);
        t[i] = bench_tsc() - s;
    }
    cdn_async_destroy(rt);
    return n;
}

struct caller {
    struct cdn_async *rt;
    struct cdn_ep *ep;
    int calls;
    int failed;
};

static void call_loop(void *arg)
{
    struct caller *c = arg;
    struct cdn_msg q, a;
    memset(&q, 0, sizeof q);
    for (int i = 0; i < c->calls; i++) {
        q.rpc_id = 1;
        if (cdn_async_call(c->rt, c->ep, &q, &a, SEC) != CDN_OK)
            c->failed = 1;
    }
}

/* k fibers, each making `calls` calls back to back, spawned and joined in a
 * finish scope; the sample is the whole round (divide by k * calls). With
 * calls = 1 this is spawn + call + finish; with more, the steady state of k
 * calls in flight. */
static size_t run_async_round(struct cdn_async *rt, struct cdn_ep *ep, uint64_t *t, size_t n, int k,
                              int calls)
{
    struct caller cs[32];
    for (size_t i = 0; i < n; i++) {
        uint64_t s = bench_tsc();
        struct cdn_finish f;
        cdn_finish_begin(rt, &f);
        for (int j = 0; j < k; j++) {
            cs[j] = (struct caller){rt, ep, calls, 0};
            cdn_async_spawn(rt, call_loop, &cs[j]);
        }
        cdn_finish_end(rt, &f);
        t[i] = bench_tsc() - s;
        for (int j = 0; j < k; j++)
            if (cs[j].failed)
                return i;
    }
    return n;
}

/* One fiber, calls back to back (one in flight). */
static size_t run_async_serial(struct cdn_async *rt, struct cdn_ep *ep, uint64_t *t, size_t n)
{
    struct caller c = {rt, ep, 1, 0};
    for (size_t i = 0; i < n; i++) {
        c.calls = 1;
        uint64_t s = bench_tsc();
        call_loop(&c); /* from the root: the runtime's root path */
        t[i] = bench_tsc() - s;
        if (c.failed)
            return i;
    }
    return n;
}

static size_t run_cap_lookup(uint64_t *t, size_t n)
{
    struct cdn_cap_table *tab;
    if (cdn_cap_create(4096, &tab) != CDN_OK)
        return 0;
    static int objs[1024];
    cdn_handle h[1024];
    for (int i = 0; i < 1024; i++)
        cdn_cap_insert(tab, &objs[i], 1, &h[i]);
    void *o;
    uintptr_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = bench_tsc();
        for (int k = 0; k < 1000; k++) {
            cdn_cap_lookup(tab, h[(k * 7) & 1023], 1, &o);
            sink += (uintptr_t)o;
        }
        t[i] = bench_tsc() - s;
    }
    __asm__ volatile("" ::"r"(sink));
    cdn_cap_destroy(tab);
    return n;
}

static size_t run_heap(uint64_t *t, size_t n, int what)
{
    struct cdn_heap *h;
    if (cdn_heap_create(0, &h) != CDN_OK)
        return 0;
    cdn_href r[100];
    for (size_t i = 0; i < n; i++) {
        uint64_t s = bench_tsc();
        if (what == 0) {
            for (int k = 0; k < 100; k++)
                cdn_heap_alloc(h, 1, 1500, &r[k], NULL);
            t[i] = bench_tsc() - s;
            for (int k = 0; k < 100; k++)
                cdn_heap_free(h, r[k], 1);
        } else if (what == 1) {
            for (int k = 0; k < 100; k++)
                cdn_heap_alloc(h, 1, 1500, &r[k], NULL);
            s = bench_tsc();
            for (int k = 0; k < 100; k++)
                cdn_heap_free(h, r[k], 1);
            t[i] = bench_tsc() - s;
        } else {
            cdn_heap_alloc(h, 1, 1500, &r[0], NULL);
            s = bench_tsc();
            for (int k = 0; k < 50; k++) {
                cdn_heap_move(h, r[0], 1, 2);
                cdn_heap_move(h, r[0], 2, 1);
            }
            t[i] = bench_tsc() - s;
            cdn_heap_free(h, r[0], 1);
        }
    }
    cdn_heap_destroy(h);
    return n;
}

/* 100 reads of a clock: 0 the TSC (rdtsc), 1 cdn_now_ns (CLOCK_MONOTONIC),
 * 2 cdn_coarse_ns (CLOCK_MONOTONIC_COARSE). What a check costs that reads
 * one on every post or poll. */
static size_t run_clock(uint64_t *t, size_t n, int which)
{
    uint64_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = bench_tsc();
        for (int k = 0; k < 100; k++)
            sink += which == 0   ? __builtin_ia32_rdtsc()
                    : which == 1 ? (uint64_t)cdn_now_ns()
                                 : (uint64_t)cdn_coarse_ns();
        t[i] = bench_tsc() - s;
    }
    __asm__ volatile("" ::"r"(sink));
    return n;
}

int bench_async_rows(const struct bench_opts *o, struct bench_result *r, double tpn,
                     uint64_t *scratch, size_t cap)
{
    size_t n = o->quick ? 500 : 20000;
    if (n > cap)
        n = cap;
    int rows = 0, failed = 0;
    size_t got = run_switch(scratch, o->quick ? 100 : 2000);
    bench_summarise(&r[rows], "fiber-switch", scratch, got, 2.0 * 500 * 2, tpn);
    r[rows++].note = "(per context switch; a hand-over is two)";

    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.module_path = bench_module_path("null");
    cfg.cpu = o->dom_cpu;
    struct cdn_domain *dom = NULL;
    struct cdn_async *rt = NULL;
    if (cdn_domain_create(&cfg, &dom) != CDN_OK || cdn_domain_start(dom) != CDN_OK ||
        cdn_async_create(NULL, &rt) != CDN_OK ||
        cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL) != CDN_OK) {
        failed = 1;
    } else {
        struct cdn_ep *ep = cdn_domain_ep(dom);
        got = run_async_round(rt, ep, scratch, n, 1, 1);
        failed |= got < n;
        bench_summarise(&r[rows], "async-spawn-call", scratch, got, 1, tpn);
        r[rows++].note = "(spawn + one blocking call + finish)";
        got = run_async_serial(rt, ep, scratch, n);
        failed |= got < n;
        bench_summarise(&r[rows++], "async-call", scratch, got, 1, tpn);
        static const int ks[] = {4, 8, 32};
        static const char *names[] = {"async-batch4", "async-batch8", "async-batch32"};
        size_t nb = n / 10 ? n / 10 : 1;
        for (int b = 0; b < 3; b++) {
            got = run_async_round(rt, ep, scratch, nb, ks[b], 16);
            failed |= got < nb;
            bench_summarise(&r[rows], names[b], scratch, got, ks[b] * 16.0, tpn);
            r[rows++].note = "(K fibers x 16 calls each, per call)";
        }
    }
    cdn_async_destroy(rt);
    if (dom)
        cdn_domain_stop(dom, SEC);
    cdn_domain_destroy(dom);

    got = run_cap_lookup(scratch, n);
    bench_summarise(&r[rows++], "handle-lookup", scratch, got, 1000, tpn);
    got = run_heap(scratch, n, 0);
    bench_summarise(&r[rows++], "heap-alloc", scratch, got, 100, tpn);
    got = run_heap(scratch, n, 1);
    bench_summarise(&r[rows++], "heap-free", scratch, got, 100, tpn);
    got = run_heap(scratch, n, 2);
    bench_summarise(&r[rows++], "heap-move", scratch, got, 100, tpn);
    static const char *const clocks[] = {"clock-tsc", "clock-monotonic", "clock-coarse"};
    for (int c = 0; c < 3; c++) {
        got = run_clock(scratch, n, c);
        bench_summarise(&r[rows++], clocks[c], scratch, got, 100, tpn);
    }
    return failed ? -rows : rows;
}

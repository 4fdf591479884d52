/*
 * sched.c - the run queue, spawning, yielding, finish scopes.
 *
 * The scheduler always runs on the root (the thread's own stack): a fiber
 * that blocks or yields switches to the root, which picks the next runnable
 * fiber, or polls the attached channels when none is runnable. Two switches
 * per hand-over (fiber -> root -> fiber) keep the invariants simple; each is
 * a handful of instructions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "async_impl.h"

#define DEFAULT_STACK            (64u << 10)
#define DEFAULT_OUTSTANDING      1024u
#define DEFAULT_CHANNELS         16u
#define DEFAULT_SERVING          64u
#define SERVE_SPINS              2048u     /* idle polls before a serving runtime may sleep */
#define SERVE_SLEEP_NS           2000000LL /* its sleep, at most, before it looks again */
#define DEFAULT_REPLY_TIMEOUT_NS 5000000000LL

int cdn_async_create(const struct cdn_async_config *cfg, struct cdn_async **out)
{
    if (!out)
        return CDN_EINVAL;
    struct cdn_async_config c;
    memset(&c, 0, sizeof c);
    if (cfg)
        c = *cfg;
    if (c.stack_size == 0)
        c.stack_size = DEFAULT_STACK;
    if (c.max_outstanding == 0)
        c.max_outstanding = DEFAULT_OUTSTANDING;
    if (c.max_channels == 0)
        c.max_channels = DEFAULT_CHANNELS;
    if (c.max_serving == 0)
        c.max_serving = DEFAULT_SERVING;
    if (c.reply_timeout_ns == 0)
        c.reply_timeout_ns = DEFAULT_REPLY_TIMEOUT_NS;
    long page = 4096;
    if (c.stack_size < 16384 || c.stack_size > (64u << 20) || c.max_outstanding > 65535 ||
        c.max_channels > 1024 || c.max_serving > 65535 || c.reply_timeout_ns < 0)
        return CDN_EINVAL;
    c.stack_size = (c.stack_size + (size_t)page - 1) & ~((size_t)page - 1);
    struct cdn_async *rt = calloc(1, sizeof *rt);
    if (!rt)
        return CDN_ENOMEM;
    rt->cfg = c;
    rt->chans = calloc(c.max_channels, sizeof *rt->chans);
    rt->calls = calloc(c.max_outstanding, sizeof *rt->calls);
    if (!rt->chans || !rt->calls) {
        free(rt->chans);
        free(rt->calls);
        free(rt);
        return CDN_ENOMEM;
    }
    for (uint32_t i = 0; i < c.max_outstanding; i++)
        rt->calls[i].next_free = (uint16_t)(i + 1 < c.max_outstanding ? i + 1 : UINT16_MAX);
    rt->free_call = 0;
    *out = rt;
    return CDN_OK;
}

void cdn_async_destroy(struct cdn_async *rt)
{
    if (!rt)
        return;
    /* Fibers still queued are abandoned with their stacks. */
    while (rt->runq_head) {
        struct cdn_fiber *f = rt->runq_head;
        rt->runq_head = f->next;
        cdn_fiber_free(rt, f);
    }
    cdn_fiber_free_all(rt);
    free(rt->root_rep_ext.buf);
    free(rt->calls);
    free(rt->chans);
    free(rt);
}

int cdn_async_in_fiber(const struct cdn_async *rt)
{
    return rt->current != NULL;
}

void cdn_runq_push(struct cdn_async *rt, struct cdn_fiber *f)
{
    if (f->runnable)
        return;
    f->runnable = 1;
    f->next = NULL;
    if (rt->runq_tail)
        rt->runq_tail->next = f;
    else
        rt->runq_head = f;
    rt->runq_tail = f;
}

static struct cdn_fiber *runq_pop(struct cdn_async *rt)
{
    struct cdn_fiber *f = rt->runq_head;
    if (f) {
        rt->runq_head = f->next;
        if (!rt->runq_head)
            rt->runq_tail = NULL;
        f->next = NULL;
        f->runnable = 0;
    }
    return f;
}

int cdn_async_spawn(struct cdn_async *rt, cdn_fiber_fn fn, void *arg)
{
    if (!rt || !fn)
        return CDN_EINVAL;
    struct cdn_fiber *f = cdn_fiber_new(rt, fn, arg);
    if (!f)
        return CDN_ENOMEM;
    struct cdn_finish *scope = rt->current ? rt->current->finish_top : rt->root_finish_top;
    f->scope = scope;
    if (scope)
        scope->pending++;
    rt->stats.spawned++;
    if (++rt->stats.live_fibers > rt->stats.fibers_peak)
        rt->stats.fibers_peak = rt->stats.live_fibers;
    f->runnable = 0;
    f->next = NULL;
    cdn_runq_push(rt, f);
    return CDN_OK;
}

/* Runs one fiber, or polls the channels if none is runnable. Returns
 * nonzero if anything happened. */
static int sched_step(struct cdn_async *rt, int idle)
{
    /* Fairness: even with fibers always runnable (yield loops), the channels
     * are polled every few hand-overs, or replies would never arrive. */
    if (++rt->steps % 16 == 0)
        cdn_dispatch_poll(rt, 0);
    struct cdn_fiber *f = runq_pop(rt);
    if (f) {
        cdn_fiber_switch_to(rt, f);
        if (f->finished)
            cdn_fiber_free(rt, f);
        return 1;
    }
    return cdn_dispatch_poll(rt, idle) > 0;
}

void cdn_sched_block(struct cdn_async *rt)
{
    if (rt->current)
        cdn_fiber_switch_out(rt);
    else
        sched_step(rt, 0);
}

int cdn_sched_until(struct cdn_async *rt, int (*done)(void *), void *arg)
{
    unsigned idle = 0;
    while (!done(arg)) {
        if (sched_step(rt, idle > 64)) {
            idle = 0;
            continue;
        }
        idle++;
        /* Nothing runnable, nothing arrived: if no call is in flight either,
         * nothing can ever make progress. */
        if (!rt->runq_head && !cdn_dispatch_has_waiters(rt) && !rt->event_waiters)
            return CDN_ESTATE;
    }
    return CDN_OK;
}

void cdn_async_yield(struct cdn_async *rt)
{
    if (rt->current) {
        cdn_runq_push(rt, rt->current);
        cdn_fiber_switch_out(rt);
    } else {
        cdn_dispatch_poll(rt, 0);
    }
}

void cdn_async_sleep(struct cdn_async *rt, int64_t ns)
{
    if (ns <= 0)
        return;
    if (!rt) {
        struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ; /* interrupted: the rest */
        return;
    }
    int64_t until = cdn_now_ns() + ns;
    while (cdn_now_ns() < until)
        cdn_async_yield(rt);
}

void cdn_finish_begin(struct cdn_async *rt, struct cdn_finish *f)
{
    f->pending = 0;
    f->waiter = NULL;
    struct cdn_finish **top = rt->current ? &rt->current->finish_top : &rt->root_finish_top;
    f->outer = *top;
    *top = f;
}

static int scope_done(void *arg)
{
    return ((struct cdn_finish *)arg)->pending == 0;
}

void cdn_finish_end(struct cdn_async *rt, struct cdn_finish *f)
{
    struct cdn_finish **top = rt->current ? &rt->current->finish_top : &rt->root_finish_top;
    *top = f->outer;
    if (f->pending == 0)
        return;
    if (rt->current) {
        f->waiter = rt->current;
        cdn_fiber_switch_out(rt);
    } else {
        cdn_sched_until(rt, scope_done, f);
    }
}

static int runq_empty(void *arg)
{
    return ((struct cdn_async *)arg)->runq_head == NULL;
}

static int all_done(void *arg)
{
    struct cdn_async *rt = arg;
    return rt->stats.live_fibers == 0;
}

static int serve_done(struct cdn_async *rt)
{
    if (rt->stop_requested)
        return 1;
    for (uint32_t i = 0; i < rt->nchans; i++)
        if (rt->chans[i].attached && rt->chans[i].status == CDN_OK)
            return 0;
    return 1; /* every channel failed */
}

/* The one attached channel that is still good, if there is exactly one. */
static struct cdn_ep *sole_channel(const struct cdn_async *rt)
{
    struct cdn_ep *only = NULL;
    for (uint32_t i = 0; i < rt->nchans; i++) {
        if (!rt->chans[i].attached || rt->chans[i].status != CDN_OK)
            continue;
        if (only)
            return NULL;
        only = rt->chans[i].ep;
    }
    return only;
}

int cdn_async_serve(struct cdn_async *rt)
{
    if (!rt || rt->current)
        return CDN_ESTATE;
    rt->stop_requested = 0;
    unsigned idle = 0;
    while (!serve_done(rt)) {
        /* cdn_sched_until would call a quiet channel a deadlock; serving
         * means waiting for the peer indefinitely, so poll here instead. */
        if (rt->runq_head)
            cdn_sched_until(rt, runq_empty, rt);
        if (cdn_dispatch_poll(rt, idle > 64) > 0) {
            idle = 0;
        } else if (++idle % SERVE_SPINS == 0 && !rt->runq_head) {
            /* Long idle with nothing to run: on an adaptive channel, sleep
             * until the peer sends (in slices, so that deadlines and
             * liveness are still looked at). A runtime serving several
             * channels, or a spinning one, keeps polling: it asks again
             * only every SERVE_SPINS idle polls, not on each. */
            struct cdn_ep *only = sole_channel(rt);
            if (only && cdn_ep_wait_readable(only, SERVE_SLEEP_NS) != CDN_EAGAIN)
                idle = 0;
        }
    }
    if (rt->stop_requested)
        return CDN_OK;
    for (uint32_t i = 0; i < rt->nchans; i++)
        if (rt->chans[i].attached)
            return rt->chans[i].status;
    return CDN_ESTATE;
}

int cdn_async_run(struct cdn_async *rt)
{
    if (!rt || rt->current)
        return CDN_ESTATE;
    return cdn_sched_until(rt, all_done, rt);
}

void cdn_async_get_stats(const struct cdn_async *rt, struct cdn_async_stats *out)
{
    *out = rt->stats;
}

static int event_done(void *arg)
{
    return ((struct cdn_event *)arg)->signalled;
}

int cdn_event_wait(struct cdn_async *rt, struct cdn_event *e)
{
    if (e->signalled)
        return CDN_OK;
    rt->event_waiters++;
    int r = CDN_OK;
    if (rt->current) {
        e->waiter = rt->current;
        while (!e->signalled)
            cdn_fiber_switch_out(rt);
    } else {
        /* The root waits for itself: counted, so the scheduler does not
         * take the wait for a deadlock while messages may still come. */
        r = cdn_sched_until(rt, event_done, e);
    }
    rt->event_waiters--;
    return r;
}

void cdn_event_signal(struct cdn_async *rt, struct cdn_event *e)
{
    e->signalled = 1;
    if (e->waiter) {
        struct cdn_fiber *f = e->waiter;
        e->waiter = NULL;
        cdn_runq_push(rt, f);
    }
}

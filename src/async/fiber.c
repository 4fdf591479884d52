/*
 * fiber.c - fiber stacks and the switch between the root and a fiber.
 *
 * Each stack is one mapping: a PROT_NONE guard page, then the usable stack.
 * Stacks of ended fibers are kept on a free list and reused, so a spawn in
 * steady state costs no system call.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "async_impl.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

#define GUARD 4096u

static void fiber_entry(void *p)
{
    struct cdn_fiber *f = p;
    struct cdn_async *rt = f->rt;
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(NULL, &rt->root_stack_bottom, &rt->root_stack_size);
#endif
    f->fn(f->arg);
    f->finished = 1;
    rt->stats.finished++;
    rt->stats.live_fibers--;
    /* Leave the scope; a fiber waiting on it runs again when it empties (the
     * root, if it waits, checks `pending` itself). */
    struct cdn_finish *s = f->scope;
    if (s && --s->pending == 0 && s->waiter) {
        struct cdn_fiber *w = s->waiter;
        s->waiter = NULL;
        cdn_runq_push(rt, w);
    }
    /* The root recycles this stack; this frame is never resumed. */
    cdn_fiber_switch_out(rt);
    __builtin_unreachable();
}

struct cdn_fiber *cdn_fiber_new(struct cdn_async *rt, cdn_fiber_fn fn, void *arg)
{
    struct cdn_fiber *f = rt->free_fibers;
    if (f) {
        rt->free_fibers = f->next;
        rt->nfree_fibers--;
    } else {
        f = calloc(1, sizeof *f);
        if (!f)
            return NULL;
        f->map_size = GUARD + rt->cfg.stack_size;
        f->stack = mmap(NULL, f->map_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (f->stack == MAP_FAILED) {
            free(f);
            return NULL;
        }
        if (mprotect(f->stack, GUARD, PROT_NONE) != 0) {
            munmap(f->stack, f->map_size);
            free(f);
            return NULL;
        }
    }
    f->fn = fn;
    f->arg = arg;
    f->scope = NULL;
    f->finish_top = NULL;
    f->runnable = 0;
    f->finished = 0;
    f->req_chan = NULL;
    f->rt = rt;
    f->next = NULL;
    cdn_ctx_init(&f->ctx, (uint8_t *)f->stack + GUARD, rt->cfg.stack_size, fiber_entry, f);
    return f;
}

static void fiber_release(struct cdn_fiber *f)
{
    munmap(f->stack, f->map_size);
    free(f->req_ext.buf);
    free(f->rep_ext.buf);
    free(f);
}

/* Kept for reuse up to CDN_ASYNC_FREE_STACKS, so that a burst of fibers
 * (a peer's flood of requests, however bounded) does not keep its stacks
 * mapped for the rest of the runtime's life. */
void cdn_fiber_free(struct cdn_async *rt, struct cdn_fiber *f)
{
    if (rt->nfree_fibers >= CDN_ASYNC_FREE_STACKS) {
        fiber_release(f);
        return;
    }
    f->next = rt->free_fibers;
    rt->free_fibers = f;
    rt->nfree_fibers++;
}

void cdn_fiber_free_all(struct cdn_async *rt)
{
    rt->nfree_fibers = 0;
    while (rt->free_fibers) {
        struct cdn_fiber *f = rt->free_fibers;
        rt->free_fibers = f->next;
        fiber_release(f);
    }
}

void cdn_fiber_switch_to(struct cdn_async *rt, struct cdn_fiber *f)
{
    rt->current = f;
    rt->stats.switches++;
#if defined(__SANITIZE_ADDRESS__)
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, (uint8_t *)f->stack + GUARD, rt->cfg.stack_size);
    cdn_ctx_switch(&rt->root, &f->ctx);
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
    cdn_ctx_switch(&rt->root, &f->ctx);
#endif
    rt->current = NULL;
}

void cdn_fiber_switch_out(struct cdn_async *rt)
{
    struct cdn_fiber *f = rt->current;
    rt->stats.switches++;
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_start_switch_fiber(f->finished ? NULL : &f->asan_fake_stack, rt->root_stack_bottom,
                                   rt->root_stack_size);
    cdn_ctx_switch(&f->ctx, &rt->root);
    __sanitizer_finish_switch_fiber(f->asan_fake_stack, NULL, NULL);
#else
    cdn_ctx_switch(&f->ctx, &rt->root);
#endif
}

/* async_impl.h - private state of the async runtime. */
#ifndef CORDON_ASYNC_IMPL_H
#define CORDON_ASYNC_IMPL_H

#include "../ipc/endpoint.h"
#include "context.h"
#include "cordon/async.h"

/* A growable private copy of a message's extension bytes. */
struct cdn_ext_buf {
    uint8_t *buf;
    uint32_t cap;
};

struct cdn_fiber {
    struct cdn_ctx ctx;
    struct cdn_async *rt;
    struct cdn_fiber *next; /* run queue or free list */
    void *stack;            /* mapping base (guard page first) */
    size_t map_size;
    cdn_fiber_fn fn;
    void *arg;
    struct cdn_finish *scope;      /* the scope it was spawned into */
    struct cdn_finish *finish_top; /* innermost scope opened by this fiber */
    int runnable, finished;
    /* A request this fiber serves (dispatch spawns one fiber per request). */
    struct cdn_msg req;
    struct cdn_ext_buf req_ext; /* the request's extension bytes */
    struct cdn_async_chan *req_chan;
    uint32_t req_gen; /* req_chan's generation when the request came in */
    /* The extension bytes of the last reply to a call this fiber made:
     * valid until its next call (see deliver_reply). */
    struct cdn_ext_buf rep_ext;
#if defined(__SANITIZE_ADDRESS__)
    void *asan_fake_stack;
#endif
};

/*
 * A channel slot. Slots never move: a detach frees the slot and bumps its
 * generation, and a fiber serving a request remembers (slot, generation),
 * so work that belonged to a detached channel (a dead domain's) can never
 * reach the channel attached in the slot after it.
 */
struct cdn_async_chan {
    struct cdn_async *rt;
    struct cdn_ep *ep;
    cdn_handler_fn handler;
    void *arg;
    int status;           /* CDN_OK, or why the channel failed */
    uint32_t outstanding; /* calls in flight on it */
    uint32_t gen;         /* bumped by every detach */
    int attached;
    uint32_t serving; /* requests of the peer in service on fibers: <= cfg.max_serving */
};

enum call_state { CALL_FREE, CALL_WAITING, CALL_ABANDONED };

/* Where a waiting caller (on its own stack) learns the outcome. */
struct cdn_call_wait {
    int done;
    int status;
};

/* A call in flight. call_id = gen << 16 | index. */
struct cdn_call_entry {
    enum call_state state;
    uint16_t gen;
    uint16_t next_free;
    struct cdn_async_chan *chan;
    struct cdn_fiber *waiter; /* NULL: the root waits */
    struct cdn_msg *reply;    /* caller's buffer; valid while cw != NULL */
    struct cdn_call_wait *cw; /* NULL once the caller stopped waiting */
    struct cdn_wait wait;     /* the call's timeout budget */
};

struct cdn_async {
    struct cdn_async_config cfg;
    struct cdn_ctx root;
    struct cdn_fiber *current; /* NULL on the root */
    struct cdn_fiber *runq_head, *runq_tail;
    struct cdn_fiber *free_fibers; /* stacks kept for reuse */
    uint32_t nfree_fibers;         /* at most CDN_ASYNC_FREE_STACKS */
    struct cdn_finish *root_finish_top;
    struct cdn_async_chan *chans;
    uint32_t nchans; /* slots ever used; detached ones among them */
    struct cdn_call_entry *calls;
    struct cdn_ext_buf root_rep_ext; /* as cdn_fiber.rep_ext, for calls from the root */
    uint32_t free_call;              /* head of the free list, or UINT16_MAX */
    int64_t next_check;              /* next scan of deadlines and peer liveness */
    uint32_t idle_polls;
    uint32_t steps;
    uint32_t waiting;           /* entries in CALL_WAITING */
    int stop_requested;         /* a CDN_RPC_STOP request was answered */
    uint32_t event_waiters;     /* fibers (and the root) in cdn_event_wait */
    void (*idle_fn)(void *arg); /* cdn_async_set_idle */
    void *idle_arg;
    int in_idle;
    struct cdn_async_stats stats;
#if defined(__SANITIZE_ADDRESS__)
    const void *root_stack_bottom;
    size_t root_stack_size;
#endif
};

/* Stacks of ended fibers kept for reuse; more are unmapped. */
#define CDN_ASYNC_FREE_STACKS 64

/* fiber.c */
struct cdn_fiber *cdn_fiber_new(struct cdn_async *rt, cdn_fiber_fn fn, void *arg);
void cdn_fiber_free(struct cdn_async *rt, struct cdn_fiber *f);
void cdn_fiber_free_all(struct cdn_async *rt);
void cdn_fiber_switch_to(struct cdn_async *rt, struct cdn_fiber *f); /* root -> fiber */
void cdn_fiber_switch_out(struct cdn_async *rt);                     /* fiber -> root */

/* sched.c */
void cdn_runq_push(struct cdn_async *rt, struct cdn_fiber *f);
/* Blocks the current fiber (it must have arranged to be made runnable), or,
 * on the root, runs the scheduler once. */
void cdn_sched_block(struct cdn_async *rt);
/* Runs the scheduler on the root until done(arg) is true. */
int cdn_sched_until(struct cdn_async *rt, int (*done)(void *), void *arg);

/* dispatch.c */
/* Polls every channel once; returns how many messages were handled. */
int cdn_dispatch_poll(struct cdn_async *rt, int idle);
int cdn_dispatch_has_waiters(const struct cdn_async *rt);

#endif

/*
 * cordon/async.h - cooperative fibers and asynchronous calls over channels.
 *
 * A runtime (struct cdn_async) belongs to one OS thread. It runs lightweight threads
 * (fibers) with a hand-written context switch, and dispatches the messages of
 * the channels attached to it: each reply goes to the fiber whose call id it
 * carries; each request from the peer is served on a new fiber, so handlers
 * may themselves make calls (nested calls, callbacks, several levels deep in
 * both directions).
 *
 * The thread's own context is the *root*. Blocking operations called from the
 * root (cdn_async_call, cdn_finish_end, cdn_async_run) run the scheduler until
 * they can return; called from a fiber, they suspend only that fiber.
 *
 * This is the ASYNC / DO_FINISH model of LXD's runtime:
 *
 *     struct cdn_finish f;
 *     cdn_finish_begin(rt, &f);
 *     for (i = 0; i < 8; i++)
 *         cdn_async_spawn(rt, send_one, &pkts[i]);   // ASYNC
 *     cdn_finish_end(rt, &f);                        // waits for all 8
 *
 * Limits are explicit: at most max_outstanding calls may be in flight per
 * runtime; one more fails with CDN_ELIMIT (LXD's runtime capped it silently
 * at 64). Fiber stacks have a guard page below them: an overflow faults
 * instead of corrupting a neighbour.
 */
#ifndef CORDON_ASYNC_H
#define CORDON_ASYNC_H

#include <stddef.h>
#include <stdint.h>

#include "cordon/channel.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cdn_async_config {
    size_t stack_size;        /* usable bytes per fiber stack; 0: 64 KiB */
    uint32_t max_outstanding; /* calls in flight; 0: 1024; at most 65535 */
    uint32_t max_channels;    /* attached channels; 0: 16 */
    /* A peer's requests in service at once on one channel (each on a fiber
     * of its own); past it the channel is not read until one ends, so a
     * flooding peer fills its own ring and waits. 0: 64. */
    uint32_t max_serving;
    /* How long a reply may wait for room in a peer's ring before the peer
     * is called a violator (it sends requests and does not take their
     * replies): the channel fails with CDN_EPROTO. 0: 5 s. */
    int64_t reply_timeout_ns;
};

struct cdn_async;
struct cdn_fiber;

/* A finish scope: counts the fibers spawned inside it that have not ended. */
struct cdn_finish {
    uint32_t pending;
    struct cdn_fiber *waiter;
    struct cdn_finish *outer;
};

typedef void (*cdn_fiber_fn)(void *arg);

int cdn_async_create(const struct cdn_async_config *cfg, struct cdn_async **out);

/* Frees the runtime. Fibers that have not ended are abandoned (their stacks
 * freed without running them further); call it after cdn_async_run. */
void cdn_async_destroy(struct cdn_async *rt);

/* ASYNC: creates a fiber that will run fn(arg), attached to the innermost
 * finish scope of the caller. It runs when the caller blocks or yields. */
int cdn_async_spawn(struct cdn_async *rt, cdn_fiber_fn fn, void *arg);

/* Lets other runnable fibers run (and polls the channels). */
void cdn_async_yield(struct cdn_async *rt);

/* Waits at least ns nanoseconds. On a fiber (or the root) of rt, other
 * fibers run and the channels are polled meanwhile - it yields until the
 * time has passed, so the CPU stays busy; with rt NULL it sleeps. For short
 * back-offs (a busy device asked to be tried again later), not for timers. */
void cdn_async_sleep(struct cdn_async *rt, int64_t ns);

/* Opens a finish scope; every fiber spawned until cdn_finish_end joins it. */
void cdn_finish_begin(struct cdn_async *rt, struct cdn_finish *f);

/* Closes the scope and waits until every fiber spawned in it has ended. */
void cdn_finish_end(struct cdn_async *rt, struct cdn_finish *f);

/* From the root: runs until every fiber has ended. Returns CDN_OK, or
 * CDN_ESTATE if fibers remain that nothing can wake (a deadlock). */
int cdn_async_run(struct cdn_async *rt);

/*
 * Attaches a channel endpoint: its replies are dispatched to waiting fibers,
 * its requests served on new fibers by handler (NULL: answered CDN_ENOENT).
 * An endpoint belongs to at most one runtime and, once attached, must not be
 * used with cdn_ep_call/cdn_ep_recv directly.
 */
int cdn_async_attach(struct cdn_async *rt, struct cdn_ep *ep, cdn_handler_fn handler, void *arg);
int cdn_async_detach(struct cdn_async *rt, struct cdn_ep *ep);

/*
 * Sends req on ep and waits for its reply, suspending only the calling fiber.
 * req->call_id and req->flags are set here. reply->ext, if any, stays valid
 * until the calling fiber next blocks or yields. Returns CDN_OK, the peer's
 * error status, CDN_ELIMIT (too many calls in flight), CDN_ETIMEDOUT,
 * CDN_EDEAD or CDN_EPROTO. A timeout does not free the call's slot until the
 * late reply arrives or the channel dies, so a stale reply is never taken
 * for another call's.
 */
int cdn_async_call(struct cdn_async *rt, struct cdn_ep *ep, struct cdn_msg *req,
                   struct cdn_msg *reply, int64_t timeout_ns);

/*
 * From the root: serves requests arriving on the attached channels, each on
 * its own fiber, until one of them brings CDN_RPC_STOP (returns CDN_OK) or
 * every attached channel has failed (returns the first failure). This is a
 * domain's main loop when its calls must not serialise: several requests may
 * be in flight at once, each free to call back into the peer.
 */
int cdn_async_serve(struct cdn_async *rt);

/*
 * Polls every attached channel once, from the calling context (a fiber or
 * the root), without switching: replies wake their fibers, one-way requests
 * run here, requests get fibers of their own. For a producer that posts
 * without waiting and must see its completions soon (the kernel cores'
 * rings): cheaper than a yield, which costs two switches. Returns how many
 * messages were handled.
 */
int cdn_async_poll(struct cdn_async *rt);

/*
 * Sets a function the runtime calls whenever a poll of every channel finds
 * nothing to do (NULL: none): the moment to send what was held back to be
 * batched, such as completions, so that a busy peer gets them in one
 * message and an idle one gets them at once. It may send (and so poll);
 * the runtime does not call it again while it runs.
 */
void cdn_async_set_idle(struct cdn_async *rt, void (*fn)(void *arg), void *arg);

/*
 * A one-shot event: a fiber waits until someone signals it (the kernel
 * cores use one per block request in flight, signalled by its completion).
 * A runtime with fibers waiting on events is not deadlocked while anything
 * may still arrive on its channels; whoever arms an event must guarantee a
 * signal on every path (completion, failure, teardown).
 */
struct cdn_event {
    struct cdn_fiber *waiter;
    int signalled;
};
static inline void cdn_event_init(struct cdn_event *e)
{
    e->waiter = NULL;
    e->signalled = 0;
}
/* Waits for the signal: suspends the calling fiber (on the root, runs the
 * scheduler). Returns CDN_OK, or CDN_ESTATE if, on the root, nothing is left
 * that could ever signal it. */
int cdn_event_wait(struct cdn_async *rt, struct cdn_event *e);
/* Signals e, making its waiter runnable. Safe to call before the wait. */
void cdn_event_signal(struct cdn_async *rt, struct cdn_event *e);

/* Nonzero when called on a fiber (not the root). */
int cdn_async_in_fiber(const struct cdn_async *rt);

struct cdn_async_stats {
    uint64_t spawned, finished, switches;
    uint64_t calls, replies_dispatched, requests_served;
    uint32_t outstanding, outstanding_peak, live_fibers;
    uint32_t serving_peak; /* most requests of one channel in service at once */
    uint32_t fibers_peak;  /* most fibers live at once */
};
void cdn_async_get_stats(const struct cdn_async *rt, struct cdn_async_stats *out);

#ifdef __cplusplus
}
#endif
#endif

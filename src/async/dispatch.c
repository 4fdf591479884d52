/*
 * dispatch.c - asynchronous calls over attached channels.
 *
 * Calls in flight live in a fixed table; a call id is the entry's index in
 * the low 16 bits and the entry's generation in the high 16, so a reply that
 * arrives for an old use of the entry (or a forged id) never completes a
 * different call. A reply must also come in on the channel its call went out
 * on. Anything else is a protocol violation: the channel fails and every call
 * in flight on it returns the error.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "async_impl.h"

/* Idle polls between liveness checks of the peers (a system call each). */
#define PEER_CHECK_NS 1000000

int cdn_async_attach(struct cdn_async *rt, struct cdn_ep *ep, cdn_handler_fn handler, void *arg)
{
    if (!rt || !ep)
        return CDN_EINVAL;
    struct cdn_async_chan *c = NULL;
    for (uint32_t i = 0; i < rt->nchans; i++) {
        if (rt->chans[i].attached && rt->chans[i].ep == ep)
            return CDN_ESTATE;
        if (!c && !rt->chans[i].attached)
            c = &rt->chans[i];
    }
    if (!c) {
        if (rt->nchans == rt->cfg.max_channels)
            return CDN_ELIMIT;
        c = &rt->chans[rt->nchans++];
    }
    uint32_t gen = c->gen;
    memset(c, 0, sizeof *c);
    c->gen = gen;
    c->attached = 1;
    c->rt = rt;
    c->ep = ep;
    c->handler = handler;
    c->arg = arg;
    return CDN_OK;
}

static struct cdn_async_chan *find_chan(struct cdn_async *rt, struct cdn_ep *ep)
{
    for (uint32_t i = 0; i < rt->nchans; i++)
        if (rt->chans[i].attached && rt->chans[i].ep == ep)
            return &rt->chans[i];
    return NULL;
}

/* Whether c is still the channel a fiber's request came in on. */
static int chan_current(const struct cdn_async_chan *c, uint32_t gen)
{
    return c->attached && c->gen == gen;
}

static void complete(struct cdn_async *rt, struct cdn_call_entry *e, int status);

static void fail_chan(struct cdn_async *rt, struct cdn_async_chan *c, int status)
{
    if (c->status == CDN_OK)
        c->status = status;
    for (uint32_t i = 0; i < rt->cfg.max_outstanding; i++) {
        struct cdn_call_entry *e = &rt->calls[i];
        if (e->chan == c && (e->state == CALL_WAITING || e->state == CALL_ABANDONED))
            complete(rt, e, status);
    }
}

int cdn_async_detach(struct cdn_async *rt, struct cdn_ep *ep)
{
    struct cdn_async_chan *c = find_chan(rt, ep);
    if (!c)
        return CDN_ENOENT;
    if (c->outstanding)
        fail_chan(rt, c, CDN_EDEAD);
    /* The slot stays where it is, free; fibers still serving its requests
     * see the new generation and send nothing. */
    c->attached = 0;
    c->ep = NULL;
    c->status = CDN_EDEAD;
    c->gen++;
    return CDN_OK;
}

static struct cdn_call_entry *entry_alloc(struct cdn_async *rt)
{
    if (rt->free_call == UINT16_MAX)
        return NULL;
    struct cdn_call_entry *e = &rt->calls[rt->free_call];
    rt->free_call = e->next_free;
    e->gen++;
    if (e->gen == 0 && e == rt->calls)
        e->gen = 1; /* call id 0 is never used */
    return e;
}

static void entry_free(struct cdn_async *rt, struct cdn_call_entry *e)
{
    e->state = CALL_FREE;
    e->chan = NULL;
    e->waiter = NULL;
    e->reply = NULL;
    e->cw = NULL;
    e->next_free = (uint16_t)rt->free_call;
    rt->free_call = (uint32_t)(e - rt->calls);
}

/* Tells the caller the outcome (if it still waits) and wakes it. */
static void notify(struct cdn_async *rt, struct cdn_call_entry *e, int status)
{
    if (!e->cw)
        return;
    e->cw->status = status;
    e->cw->done = 1;
    e->cw = NULL;
    e->reply = NULL;
    if (e->waiter)
        cdn_runq_push(rt, e->waiter);
    e->waiter = NULL;
}

/* Ends a call: its reply arrived or its channel failed. */
static void complete(struct cdn_async *rt, struct cdn_call_entry *e, int status)
{
    if (e->state == CALL_WAITING)
        rt->waiting--;
    notify(rt, e, status);
    e->chan->outstanding--;
    rt->stats.outstanding--;
    entry_free(rt, e);
}

/* The caller gives up; the entry stays until the late reply or the channel's
 * end, so that reply cannot be mistaken for another call's. */
static void abandon(struct cdn_async *rt, struct cdn_call_entry *e, int status)
{
    rt->waiting--;
    e->state = CALL_ABANDONED;
    notify(rt, e, status);
}

/* Copies n extension bytes from src into x, growing it; NULL if out of
 * memory (x unchanged). memmove: src may be x's own buffer. */
static const void *ext_copy(struct cdn_ext_buf *x, const void *src, uint32_t n)
{
    if (x->cap < n) {
        uint8_t *b = realloc(x->buf, n);
        if (!b)
            return NULL;
        x->buf = b;
        x->cap = n;
    }
    memmove(x->buf, src, n);
    return x->buf;
}

static int deliver_reply(struct cdn_async *rt, struct cdn_async_chan *c, const struct cdn_msg *m)
{
    uint32_t idx = m->call_id & 0xffffu;
    uint16_t gen = (uint16_t)(m->call_id >> 16);
    struct cdn_call_entry *e = idx < rt->cfg.max_outstanding ? &rt->calls[idx] : NULL;
    if (!e || e->gen != gen || e->chan != c ||
        (e->state != CALL_WAITING && e->state != CALL_ABANDONED))
        return cdn_ep_protocol_error(c->ep, "reply to a call that is not outstanding");
    int status = CDN_OK;
    if (m->flags & CDN_MSG_ERROR) {
        int32_t s;
        memcpy(&s, m->data, sizeof s);
        if (!cdn_is_status(s))
            return cdn_ep_protocol_error(c->ep, "error reply with an invalid status");
        status = s;
    }
    if (e->cw) {
        *e->reply = *m;
        e->reply->ext = NULL;
        if (m->ext_len) {
            /* The bytes go to the waiting caller's own buffer, not the call
             * entry's: the entry is freed now and may carry another call
             * (and its reply) before the caller runs again and reads these. */
            struct cdn_ext_buf *x = e->waiter ? &e->waiter->rep_ext : &rt->root_rep_ext;
            e->reply->ext = ext_copy(x, m->ext, m->ext_len);
            if (!e->reply->ext) {
                e->reply->ext_len = 0;
                status = CDN_ENOMEM;
            }
        }
    }
    rt->stats.replies_dispatched++;
    complete(rt, e, status);
    return CDN_OK;
}

/*
 * A fiber that serves one request from a peer. The reply is built once; if
 * the ring is full the fiber yields until it is not, the channel dies, or
 * cfg.reply_timeout_ns passes: a peer that sends requests and does not
 * take their replies is a violator, and its channel fails (EPROTO). Every
 * use of the channel after a yield first checks that it is still the one
 * the request came in on.
 */
static void serve_fiber(void *arg)
{
    struct cdn_fiber *f = arg;
    struct cdn_async_chan *c = f->req_chan;
    uint32_t gen = f->req_gen;
    struct cdn_async *rt = c->rt;
    if (!chan_current(c, gen))
        return; /* detached before this fiber first ran */
    if (f->req.ext_len)
        f->req.ext = f->req_ext.buf;
    struct cdn_msg rep;
    cdn_ep_make_reply(&f->req, c->handler, c->arg, &rep);
    rt->stats.requests_served++;
    if (!chan_current(c, gen))
        return; /* the handler yielded and the channel went */
    if (f->req.flags & CDN_MSG_ONEWAY)
        goto out; /* nobody waits for it */
    /* A reply's extension bytes may live in a buffer shared by every call
     * on the handler's side (the glue keeps one per context): if the send
     * below has to yield for a free slot, another fiber's reply would
     * overwrite them. Keep a private copy, in the request's buffer (the
     * request is no longer needed). */
    if (rep.ext_len) {
        const void *own = ext_copy(&f->req_ext, rep.ext, rep.ext_len);
        if (own)
            rep.ext = own;
        else
            cdn_msg_set_error(&rep, CDN_ENOMEM);
    }
    int64_t give_up = 0;
    for (;;) {
        int r = cdn_ep_send(c->ep, &rep, 0);
        if (r != CDN_EAGAIN) {
            if (r != CDN_OK)
                fail_chan(rt, c, r);
            break;
        }
        int64_t now = cdn_now_ns();
        if (!give_up)
            give_up = now + rt->cfg.reply_timeout_ns;
        else if (now >= give_up) {
            cdn_ep_protocol_error(c->ep, "the peer does not take the replies to its requests");
            fail_chan(rt, c, CDN_EPROTO);
            break;
        }
        cdn_async_yield(rt);
        if (!chan_current(c, gen))
            return;
        if (c->status != CDN_OK)
            break;
    }
out:
    c->serving--;
}

static int spawn_server(struct cdn_async *rt, struct cdn_async_chan *c, const struct cdn_msg *m)
{
    struct cdn_fiber *f = cdn_fiber_new(rt, serve_fiber, NULL);
    if (!f)
        return CDN_ENOMEM;
    f->arg = f;
    f->req = *m;
    f->req_chan = c;
    f->req_gen = c->gen;
    if (m->ext_len && !ext_copy(&f->req_ext, m->ext, m->ext_len)) {
        cdn_fiber_free(rt, f);
        return CDN_ENOMEM;
    }
    /* Detached: no finish scope waits for request servers. */
    c->serving++;
    if (c->serving > rt->stats.serving_peak)
        rt->stats.serving_peak = c->serving;
    rt->stats.spawned++;
    if (++rt->stats.live_fibers > rt->stats.fibers_peak)
        rt->stats.fibers_peak = rt->stats.live_fibers;
    cdn_runq_push(rt, f);
    return CDN_OK;
}

/* Deadlines and liveness, about once a millisecond of polling. */
static void periodic_checks(struct cdn_async *rt)
{
    int64_t now = cdn_now_ns();
    if (now < rt->next_check)
        return;
    rt->next_check = now + 1000000;
    for (uint32_t i = 0; i < rt->nchans; i++) {
        struct cdn_async_chan *c = &rt->chans[i];
        if (c->attached && c->status == CDN_OK && c->outstanding &&
            cdn_ep_check_peer(c->ep) != CDN_OK)
            fail_chan(rt, c, CDN_EDEAD);
    }
    if (rt->waiting == 0)
        return;
    for (uint32_t i = 0; i < rt->cfg.max_outstanding; i++) {
        struct cdn_call_entry *e = &rt->calls[i];
        if (e->state != CALL_WAITING || e->wait.timeout_ns < 0)
            continue;
        if (e->wait.deadline == 0)
            e->wait.deadline = now + e->wait.timeout_ns;
        else if (now >= e->wait.deadline)
            abandon(rt, e, CDN_ETIMEDOUT);
    }
}

int cdn_dispatch_poll(struct cdn_async *rt, int idle)
{
    int handled = 0;
    struct cdn_msg m;
    for (uint32_t i = 0; i < rt->nchans; i++) {
        struct cdn_async_chan *c = &rt->chans[i];
        /* Back-pressure: a peer with max_serving requests in service is
         * not read until one ends, so its ring fills and its sends wait;
         * the host spends at most max_serving fibers on it. (A reply it
         * awaits may sit behind a request: the call's deadline bounds
         * that.) */
        for (int k = 0;
             k < 32 && c->attached && c->status == CDN_OK && c->serving < rt->cfg.max_serving;
             k++) {
            int r = cdn_ep_recv(c->ep, &m, 0);
            if (r == CDN_EAGAIN)
                break;
            if (r != CDN_OK) {
                fail_chan(rt, c, r);
                break;
            }
            handled++;
            if (m.flags & CDN_MSG_REPLY) {
                if (deliver_reply(rt, c, &m) != CDN_OK)
                    fail_chan(rt, c, CDN_EPROTO);
            } else if (m.rpc_id == CDN_RPC_STOP) {
                /* answered at once; cdn_async_serve returns */
                struct cdn_msg rep;
                cdn_ep_make_reply(&m, NULL, NULL, &rep);
                if (cdn_ep_send(c->ep, &rep, 0) != CDN_OK)
                    fail_chan(rt, c, CDN_EDEAD);
                rt->stop_requested = 1;
            } else if (m.flags & CDN_MSG_ONEWAY) {
                /* Nobody waits for a one-way request and its handler makes
                 * no callbacks (docs/idl.md): run it here, in ring order,
                 * instead of on a fiber of its own. A completion per packet
                 * or request made the spawn most of its cost. */
                struct cdn_msg rep;
                cdn_ep_make_reply(&m, c->handler, c->arg, &rep);
                rt->stats.requests_served++;
            } else if (spawn_server(rt, c, &m) != CDN_OK) {
                struct cdn_msg rep;
                memset(&rep, 0, sizeof rep);
                rep.rpc_id = m.rpc_id;
                rep.call_id = m.call_id;
                cdn_msg_set_error(&rep, CDN_ENOMEM);
                rep.flags |= CDN_MSG_REPLY;
                if (cdn_ep_send(c->ep, &rep, 0) != CDN_OK)
                    fail_chan(rt, c, CDN_EDEAD);
            }
        }
    }
    if (!handled) {
        if (rt->idle_fn && !rt->in_idle) {
            rt->in_idle = 1;
            rt->idle_fn(rt->idle_arg);
            rt->in_idle = 0;
        }
        if (++rt->idle_polls % 64 == 0) {
            /* A domain's runtime that finds nothing to do is idle, not
             * hung in module code: it says so to the host's watchdog. */
            for (uint32_t i = 0; i < rt->nchans; i++)
                if (rt->chans[i].attached)
                    cdn_ep_heartbeat(rt->chans[i].ep);
            periodic_checks(rt);
        }
        if (idle)
            __builtin_ia32_pause();
    }
    return handled;
}

int cdn_dispatch_has_waiters(const struct cdn_async *rt)
{
    return rt->waiting > 0;
}

static int call_done(void *arg)
{
    return ((struct cdn_call_wait *)arg)->done;
}

int cdn_async_call(struct cdn_async *rt, struct cdn_ep *ep, struct cdn_msg *req,
                   struct cdn_msg *reply, int64_t timeout_ns)
{
    if (!rt || !ep || !req || !reply)
        return CDN_EINVAL;
    struct cdn_async_chan *c = find_chan(rt, ep);
    if (!c)
        return CDN_EINVAL;
    if (c->status != CDN_OK)
        return c->status;
    struct cdn_call_entry *e = entry_alloc(rt);
    if (!e)
        return CDN_ELIMIT;
    struct cdn_call_wait cw = {0, CDN_OK};
    req->call_id = ((uint32_t)e->gen << 16) | (uint32_t)(e - rt->calls);
    req->flags = CDN_MSG_REQUEST;
    /* Send; a full ring means the peer is behind: let others run meanwhile. */
    struct cdn_wait budget = cdn_wait_for(timeout_ns);
    for (;;) {
        int r = cdn_ep_send(ep, req, 0);
        if (r == CDN_OK)
            break;
        if (r != CDN_EAGAIN || timeout_ns == 0) {
            entry_free(rt, e);
            if (r == CDN_EDEAD || r == CDN_EPROTO)
                fail_chan(rt, c, r);
            return r == CDN_EAGAIN ? CDN_ETIMEDOUT : r;
        }
        if (budget.timeout_ns > 0) {
            int64_t now = cdn_now_ns();
            if (budget.deadline == 0)
                budget.deadline = now + budget.timeout_ns;
            else if (now >= budget.deadline) {
                entry_free(rt, e);
                return CDN_ETIMEDOUT;
            }
        }
        if (rt->current)
            cdn_async_yield(rt);
        else
            cdn_dispatch_poll(rt, 1);
        if (c->status != CDN_OK) {
            entry_free(rt, e);
            return c->status;
        }
    }
    e->state = CALL_WAITING;
    e->chan = c;
    e->waiter = rt->current;
    e->reply = reply;
    e->cw = &cw;
    e->wait = budget;
    c->outstanding++;
    rt->waiting++;
    rt->stats.calls++;
    if (++rt->stats.outstanding > rt->stats.outstanding_peak)
        rt->stats.outstanding_peak = rt->stats.outstanding;
    if (rt->current) {
        while (!cw.done)
            cdn_fiber_switch_out(rt);
    } else {
        cdn_sched_until(rt, call_done, &cw);
    }
    return cw.status;
}

int cdn_async_poll(struct cdn_async *rt)
{
    return cdn_dispatch_poll(rt, 0);
}

void cdn_async_set_idle(struct cdn_async *rt, void (*fn)(void *arg), void *arg)
{
    rt->idle_fn = fn;
    rt->idle_arg = arg;
}

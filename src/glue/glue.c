/*
 * glue.c - glue contexts: calls, replies, object references and shared
 * buffers for generated code (see cordon/glue.h).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "../ipc/endpoint.h"
#include "../util/lock.h"
#include "glue_impl.h"

#define DEFAULT_TIMEOUT_NS 5000000000LL
#define HOST_CAPS          65536u

/* Host shadows -> owning glue, for trampolines (which get only the C
 * arguments). Guarded: several host threads may own glues. */
static struct cdn_hmap owners;
CDN_STATIC_LOCK(owners_lock);
static CDN_THREAD_LOCAL struct cdn_glue *current_glue;
static struct cdn_hmap by_id; /* id -> glue, under owners_lock */
static int host_glues;        /* atomic: live host-side glues (fast path below) */
/* The live host-side glues: cdn_glue_forget_everywhere runs on every freed
 * skb and must not walk the whole id table, nor take a lock. Writers hold
 * owners_lock and make host_list_seq odd while they change the list;
 * readers copy the list and retry if the sequence moved (a seqlock). The
 * array is fixed, so a reader never touches freed memory. */
#ifdef __KERNEL__
#define HOST_GLUES_MAX 64u /* the copy below is on a kernel stack */
#else
#define HOST_GLUES_MAX 1024u
#endif
static struct cdn_glue *host_list[HOST_GLUES_MAX];
static unsigned host_list_n, host_list_seq;
static uint64_t next_glue_id = 1;

/* The writer's side of the seqlock (owners_lock held): slot i becomes g and
 * the list n long, inside an odd sequence number. */
static void host_list_write(unsigned i, struct cdn_glue *g, unsigned n)
{
    __atomic_store_n(&host_list_seq, host_list_seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&host_list[i], g, __ATOMIC_RELAXED);
    __atomic_store_n(&host_list_n, n, __ATOMIC_RELAXED);
    __atomic_store_n(&host_list_seq, host_list_seq + 1, __ATOMIC_RELEASE);
}

/*
 * Which host objects some host glue may have a reference for: a counting
 * filter over object addresses, kept by every insertion into and removal
 * from a host glue's by_obj map. cdn_glue_forget_everywhere looks here
 * first; a zero count means no glue knows the object, which is the common
 * case (a packet that went through a ring, never through the glue) and
 * saves a lookup per glue per freed object. A count that reaches the top
 * stays there: the filter may answer "maybe" wrongly, never "no".
 */
#define FILTER_BITS 12
static uint16_t host_obj_filter[1u << FILTER_BITS];

static inline uint16_t *filter_slot(uint64_t key)
{
    return &host_obj_filter[(key * 0x9e3779b97f4a7c15ull) >> (64 - FILTER_BITS)];
}

static void filter_change(const struct cdn_glue *g, uint64_t key, int up)
{
    if (g->side != CDN_GLUE_HOST)
        return;
    uint16_t *c = filter_slot(key);
    uint16_t v = __atomic_load_n(c, __ATOMIC_RELAXED);
    for (;;) {
        if (v == UINT16_MAX || (!up && v == 0))
            return; /* saturated: stays */
        uint16_t nv = (uint16_t)(up ? v + 1 : v - 1);
        if (__atomic_compare_exchange_n(c, &v, nv, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return;
    }
}

/* by_obj changes go through these two, which keep the filter. */
static int by_obj_put(struct cdn_glue *g, uint64_t key, uint64_t ref)
{
    size_t before = g->by_obj.count;
    if (cdn_hmap_put(&g->by_obj, key, NULL, ref) != 0)
        return -1;
    if (g->by_obj.count > before)
        filter_change(g, key, 1);
    return 0;
}

static void by_obj_del(struct cdn_glue *g, uint64_t key)
{
    if (cdn_hmap_del(&g->by_obj, key) == 0)
        filter_change(g, key, 0);
}

int cdn_glue_create(enum cdn_glue_side side, struct cdn_ep *ep, struct cdn_glue **out)
{
    if (!ep || !out || (side != CDN_GLUE_HOST && side != CDN_GLUE_DOMAIN))
        return CDN_EINVAL;
    struct cdn_glue *g = calloc(1, sizeof *g);
    if (!g)
        return CDN_ENOMEM;
    g->side = side;
    g->ep = ep;
    cdn_reentrant_init(&g->lock);
    g->timeout_ns = DEFAULT_TIMEOUT_NS;
    g->dead_value = -5; /* -EIO */
    g->wire_max = ep->geom.ext_slot_size > CDN_INLINE_MAX ? ep->geom.ext_slot_size : CDN_INLINE_MAX;
    g->next_id = 1;
    if (side == CDN_GLUE_HOST && cdn_cap_create(HOST_CAPS, &g->caps) != CDN_OK) {
        free(g);
        return CDN_ENOMEM;
    }
    cdn_hmap_init(&g->by_ref);
    cdn_hmap_init(&g->by_obj);
    cdn_hmap_init(&g->shadows);
    cdn_hmap_init(&g->shared);
    cdn_hmap_init(&g->strings);
    cdn_hmap_init(&g->results);
    cdn_lock(&owners_lock);
    g->id = next_glue_id++;
    int bad = cdn_hmap_put(&by_id, g->id, g, 0);
    if (!bad && side == CDN_GLUE_HOST && host_list_n == HOST_GLUES_MAX) {
        cdn_hmap_del(&by_id, g->id);
        bad = 1;
    }
    if (!bad && side == CDN_GLUE_HOST)
        host_list_write(host_list_n, g, host_list_n + 1);
    cdn_unlock(&owners_lock);
    if (!bad && side == CDN_GLUE_HOST)
        __atomic_fetch_add(&host_glues, 1, __ATOMIC_RELEASE);
    if (bad) {
        cdn_cap_destroy(g->caps);
        free(g);
        return CDN_ENOMEM;
    }
    *out = g;
    return CDN_OK;
}

/* Frees a map whose values are the glue's own allocations. */
static void free_with_values(struct cdn_hmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            free(m->slots[i].ptr);
    cdn_hmap_free(m);
}

void cdn_glue_destroy(struct cdn_glue *g)
{
    if (!g)
        return;
    if (g->side == CDN_GLUE_HOST)
        __atomic_fetch_sub(&host_glues, 1, __ATOMIC_RELEASE);
    cdn_lock(&owners_lock);
    cdn_hmap_del(&by_id, g->id);
    for (unsigned i = 0; i < host_list_n; i++)
        if (host_list[i] == g) {
            host_list_write(i, host_list[host_list_n - 1], host_list_n - 1);
            break;
        }
    for (size_t i = 0; i < g->shadows.cap; i++)
        if (g->shadows.slots[i].key) {
            cdn_hmap_del(&owners, g->shadows.slots[i].key);
            free(g->shadows.slots[i].ptr);
        }
    cdn_unlock(&owners_lock);
    if (current_glue == g)
        current_glue = NULL;
    cdn_hmap_free(&g->by_ref);
    for (size_t i = 0; i < g->by_obj.cap; i++)
        if (g->by_obj.slots[i].key)
            filter_change(g, g->by_obj.slots[i].key, 0);
    cdn_hmap_free(&g->by_obj);
    cdn_hmap_free(&g->shadows);
    cdn_hmap_free(&g->shared);
    free_with_values(&g->strings);
    free_with_values(&g->results);
    cdn_cap_destroy(g->caps);
    free(g->reply_ext);
    free(g);
}

void cdn_glue_set_dispatch(struct cdn_glue *g, cdn_handler_fn fn)
{
    g->dispatch = fn;
}

cdn_handler_fn cdn_glue_dispatch_fn(const struct cdn_glue *g)
{
    return g->dispatch;
}

void cdn_glue_set_async(struct cdn_glue *g, struct cdn_async *rt)
{
    g->rt = rt;
}

struct cdn_async *cdn_glue_async(const struct cdn_glue *g)
{
    return g->rt;
}

void cdn_glue_set_timeout(struct cdn_glue *g, int64_t timeout_ns)
{
    g->timeout_ns = timeout_ns;
}

void cdn_glue_set_heap(struct cdn_glue *g, struct cdn_heap *heap, uint32_t domain_id)
{
    g->heap = heap;
    g->heap_domain = domain_id;
    if (heap) {
        g->heap_base = cdn_heap_base(heap);
        g->heap_size = cdn_heap_size(heap);
    }
}

void cdn_glue_set_heap_mapping(struct cdn_glue *g, void *base, size_t size)
{
    g->heap_base = base;
    g->heap_size = size;
}

void cdn_glue_set_dead_value(struct cdn_glue *g, int64_t v)
{
    g->dead_value = v;
}

int64_t cdn_glue_dead_value(const struct cdn_glue *g)
{
    return g->dead_value;
}

int cdn_glue_last_error(const struct cdn_glue *g)
{
    return g->last_error;
}

void cdn_glue_set_error(struct cdn_glue *g, int status)
{
    g->last_error = status;
}

void cdn_glue_set_user(struct cdn_glue *g, void *user)
{
    g->user = user;
}

void *cdn_glue_user(const struct cdn_glue *g)
{
    return g->user;
}

struct cdn_cap_table *cdn_glue_caps(struct cdn_glue *g)
{
    return g->caps;
}

uint32_t cdn_glue_wire_max(const struct cdn_glue *g)
{
    return g->wire_max;
}

struct cdn_ep *cdn_glue_ep(struct cdn_glue *g)
{
    return g->ep;
}

enum cdn_glue_side cdn_glue_side_of(const struct cdn_glue *g)
{
    return g->side;
}

void cdn_glue_set_current(struct cdn_glue *g)
{
    current_glue = g;
}

struct cdn_glue *cdn_glue_current(void)
{
    return current_glue;
}

struct cdn_glue *cdn_glue_owner_of(const void *obj)
{
    cdn_lock(&owners_lock);
    struct cdn_hmap_entry *e = cdn_hmap_get(&owners, (uint64_t)(uintptr_t)obj);
    struct cdn_glue *g = e ? e->ptr : NULL;
    cdn_unlock(&owners_lock);
    return g;
}

uint64_t cdn_glue_id(const struct cdn_glue *g)
{
    return g->id;
}

struct cdn_glue *cdn_glue_by_id(uint64_t id)
{
    cdn_lock(&owners_lock);
    struct cdn_hmap_entry *e = cdn_hmap_get(&by_id, id);
    struct cdn_glue *g = e ? e->ptr : NULL;
    cdn_unlock(&owners_lock);
    return g;
}

struct cdn_glue *cdn_glue_fn_glue(const struct cdn_fn_slot *slot)
{
    return slot->glue_id ? cdn_glue_by_id(slot->glue_id) : NULL;
}

int cdn_glue_fn_bind(struct cdn_glue *g, uint64_t ref, struct cdn_fn_slot *pool, int n)
{
    if (g->side != CDN_GLUE_HOST || !(ref & CDN_REF_DOMAIN) ||
        ((ref >> 48) & 0x7fff) != CDN_TYPE_FN)
        return CDN_EBADH;
    int free_slot = -1, mine = 0;
    for (int i = 0; i < n; i++) {
        if (pool[i].glue_id == g->id) {
            if (pool[i].ref == ref)
                return i;
            mine++;
            continue;
        }
        /* a slot is free if never used or its glue is gone */
        if (free_slot < 0 && (!pool[i].glue_id || !cdn_glue_by_id(pool[i].glue_id)))
            free_slot = i;
    }
    if (mine >= CDN_FN_PER_GLUE)
        return CDN_ELIMIT;
    if (free_slot < 0)
        return CDN_ENOMEM;
    pool[free_slot].glue_id = g->id;
    pool[free_slot].ref = ref;
    return free_slot;
}

void cdn_glue_get_stats(const struct cdn_glue *g, struct cdn_glue_stats *out)
{
    *out = g->stats;
    out->objects = (uint32_t)g->by_obj.count;
}

/* ---- calls ---- */

/* The len bytes at buf as m's payload: inline if they fit in the slot, else
 * pointed at as the extension (copied into the region when sent). */
static void payload_to_msg(const void *buf, uint32_t len, struct cdn_msg *m)
{
    if (len <= CDN_INLINE_MAX) {
        cdn_msg_copy_inline(m->data, buf, len);
        m->inline_len = (uint8_t)len;
        m->ext = NULL;
        m->ext_len = 0;
    } else {
        m->inline_len = 0;
        m->ext = buf;
        m->ext_len = len;
    }
}

/* A call that failed: the objects its message exported for the first time
 * are forgotten, whatever the peer saw (refused requests register nothing;
 * a dead or timed-out peer's glue goes anyway). */
static void forget_fresh(struct cdn_glue *g, struct cdn_wbuf *w)
{
    for (uint32_t i = 0; i < w->nfresh; i++)
        cdn_glue_forget(g, w->fresh[i]);
    w->nfresh = 0;
}

void cdn_glue_retire(struct cdn_glue *g)
{
    g->retired = 1;
}

static int glue_call_locked(struct cdn_glue *g, uint16_t rpc, struct cdn_wbuf *w,
                            struct cdn_rbuf *r, struct cdn_msg *store)
{
    int st = g->retired ? CDN_EDEAD : w->err;
    if (st == CDN_OK && w->len > g->wire_max)
        st = CDN_ETOOBIG;
    if (st == CDN_OK) {
        struct cdn_msg req; /* the fields the channel reads are all set here */
        req.rpc_id = rpc;
        req.flags = 0;
        req.ack = 0;
        payload_to_msg(w->buf, w->len, &req);
        g->stats.calls++;
        g->in_call++;
        if (g->rt)
            st = cdn_async_call(g->rt, g->ep, &req, store, g->timeout_ns);
        else
            st = cdn_ep_call(g->ep, &req, store, g->dispatch, g, g->timeout_ns);
        g->in_call--;
    }
    if (st != CDN_OK)
        forget_fresh(g, w);
    cdn_wbuf_release(w);
    g->last_error = st;
    if (st == CDN_OK)
        cdn_rbuf_from_msg(r, store);
    return st;
}

int cdn_glue_call(struct cdn_glue *g, uint16_t rpc, struct cdn_wbuf *w, struct cdn_rbuf *r,
                  struct cdn_msg *store)
{
    cdn_reentrant_take(&g->lock);
    int st = glue_call_locked(g, rpc, w, r, store);
    cdn_reentrant_drop(&g->lock);
    return st;
}

static int glue_send_oneway_locked(struct cdn_glue *g, uint16_t rpc, struct cdn_wbuf *w)
{
    int st = g->retired ? CDN_EDEAD : w->err;
    if (st == CDN_OK && w->len > g->wire_max)
        st = CDN_ETOOBIG;
    if (st == CDN_OK) {
        struct cdn_msg req;
        req.rpc_id = rpc;
        req.flags = CDN_MSG_REQUEST | CDN_MSG_ONEWAY;
        req.call_id = 0;
        req.ack = 0;
        payload_to_msg(w->buf, w->len, &req);
        g->stats.calls++;
        /* Waiting for a free slot: fibers let others run meanwhile. */
        g->in_call++;
        for (;;) {
            st = cdn_ep_send(g->ep, &req, g->rt ? 0 : g->timeout_ns);
            if (st != CDN_EAGAIN || !g->rt)
                break;
            cdn_async_yield(g->rt);
        }
        g->in_call--;
    }
    if (st != CDN_OK)
        forget_fresh(g, w);
    cdn_wbuf_release(w);
    g->last_error = st;
    return st;
}

int cdn_glue_send_oneway(struct cdn_glue *g, uint16_t rpc, struct cdn_wbuf *w)
{
    cdn_reentrant_take(&g->lock);
    int st = glue_send_oneway_locked(g, rpc, w);
    cdn_reentrant_drop(&g->lock);
    return st;
}

/* A side that posts and polls never waits for the peer, so it would not
 * notice the peer's death until the channel filled. A process domain's
 * monitor thread marks the endpoint dead the moment the child dies (one
 * atomic load here); as a backstop (no monitor, or an inproc domain) the
 * poster also looks itself, once a tick of the coarse clock (1-4 ms) or
 * every PEER_LOOK_POLLS posts and polls, whichever comes first. Not a
 * clock or TSC read per post: on the VM cordon is measured on a TSC read
 * costs ~26 ns (`cordon-bench ipc`, row clock-tsc), several ticks per
 * packet at a batch of 32. */
#define PEER_LOOK_POLLS 256u

static int peer_gone(struct cdn_glue *g)
{
    if (cdn_ep_marked_dead(g->ep))
        return 1;
    if (!cdn_ratelimit_due(&g->peer_look, PEER_LOOK_POLLS))
        return 0;
    return cdn_ep_check_peer(g->ep) != CDN_OK;
}

static int glue_poll_locked(struct cdn_glue *g)
{
    if (peer_gone(g))
        return g->last_error = CDN_EDEAD;
    if (g->rt) {
        cdn_async_poll(g->rt);
        return cdn_ep_broken(g->ep) ? CDN_EPROTO : CDN_OK;
    }
    struct cdn_msg m;
    for (int k = 0; k < 64; k++) {
        int st = cdn_ep_recv(g->ep, &m, 0);
        if (st == CDN_EAGAIN)
            return CDN_OK;
        if (st != CDN_OK)
            return st;
        if (!(m.flags & CDN_MSG_REQUEST))
            return cdn_ep_violation_set(g->ep, "reply with no call waiting", g->ep->rx.pos - 1,
                                        m.call_id);
        struct cdn_wait w = cdn_wait_for(g->timeout_ns);
        st = cdn_ep_serve_one(g->ep, &m, g->dispatch, g, &w);
        if (st != CDN_OK)
            return st;
    }
    return CDN_OK;
}

int cdn_glue_poll(struct cdn_glue *g)
{
    cdn_reentrant_take(&g->lock);
    int st = glue_poll_locked(g);
    cdn_reentrant_drop(&g->lock);
    return st;
}

int cdn_glue_wait(struct cdn_glue *g, int64_t timeout_ns)
{
    cdn_reentrant_take(&g->lock);
    int st = peer_gone(g) ? CDN_EDEAD : cdn_ep_wait_readable(g->ep, timeout_ns);
    cdn_reentrant_drop(&g->lock);
    return st;
}

/* How long a posting side spins on a full channel before it serves the
 * peer's messages and tries again. */
#define POST_SPIN_NS 20000

static int glue_post_locked(struct cdn_glue *g, uint16_t rpc, const void *buf, uint32_t len)
{
    if (g->retired)
        return g->last_error = CDN_EDEAD;
    if (len > g->wire_max)
        return g->last_error = CDN_ETOOBIG;
    struct cdn_msg req;
    req.rpc_id = rpc;
    req.flags = CDN_MSG_REQUEST | CDN_MSG_ONEWAY;
    req.call_id = 0;
    req.ack = 0;
    payload_to_msg(buf, len, &req);
    g->stats.calls++;
    if (peer_gone(g))
        return g->last_error = CDN_EDEAD;
    g->in_call++;
    int st = cdn_ep_send(g->ep, &req, 0);
    int64_t deadline = 0;
    if (st == CDN_EAGAIN)
        g->stats.post_waits++;
    while (st == CDN_EAGAIN) {
        if (g->rt && cdn_async_in_fiber(g->rt)) {
            cdn_async_yield(g->rt); /* others may run; the root polls */
            st = cdn_ep_broken(g->ep) ? CDN_EPROTO : CDN_OK;
        } else {
            st = cdn_glue_poll(g);
        }
        if (st != CDN_OK)
            break;
        st = cdn_ep_send(g->ep, &req, POST_SPIN_NS);
        if (st != CDN_ETIMEDOUT)
            break;
        if (g->timeout_ns >= 0) {
            int64_t now = cdn_now_ns();
            if (!deadline)
                deadline = now + g->timeout_ns;
            else if (now >= deadline)
                break; /* CDN_ETIMEDOUT */
        }
        st = CDN_EAGAIN;
    }
    g->in_call--;
    g->last_error = st;
    return st;
}

int cdn_glue_post(struct cdn_glue *g, uint16_t rpc, const void *buf, uint32_t len)
{
    cdn_reentrant_take(&g->lock);
    int st = glue_post_locked(g, rpc, buf, len);
    cdn_reentrant_drop(&g->lock);
    return st;
}

void *cdn_glue_heap_range(const struct cdn_glue *g, uint64_t off, uint64_t len)
{
    if (!g->heap_base || off > g->heap_size || len > g->heap_size - off)
        return NULL;
    return g->heap_base + off;
}

int cdn_glue_calls_in_progress(const struct cdn_glue *g)
{
    return g ? g->in_call : 0;
}

int cdn_glue_reply_slow(struct cdn_glue *g, struct cdn_wbuf *w, struct cdn_msg *rep)
{
    int st = w->err;
    if (st == CDN_OK && w->len > g->wire_max)
        st = CDN_ETOOBIG;
    if (st == CDN_OK && w->len > CDN_INLINE_MAX) {
        /* The reply is sent after the dispatcher returns: keep the bytes in
         * the glue, not in the caller's (stack) buffer. */
        if (g->reply_ext_cap < w->len) {
            uint8_t *b = realloc(g->reply_ext, w->len);
            if (!b)
                st = CDN_ENOMEM;
            else {
                g->reply_ext = b;
                g->reply_ext_cap = w->len;
            }
        }
        if (st == CDN_OK) {
            memcpy(g->reply_ext, w->buf, w->len);
            rep->inline_len = 0;
            rep->ext = g->reply_ext;
            rep->ext_len = w->len;
        }
    } else if (st == CDN_OK) {
        payload_to_msg(w->buf, w->len, rep);
    }
    cdn_wbuf_release(w);
    return st;
}

/* ---- objects ---- */

static uint16_t ref_type(uint64_t ref)
{
    return (uint16_t)((ref >> 48) & 0x7fff);
}

int cdn_glue_export(struct cdn_glue *g, void *obj, uint16_t type, uint64_t *ref, int *is_new)
{
    *is_new = 0;
    if (!obj) {
        *ref = 0;
        return CDN_OK;
    }
    /* the shadow of an object a dead instance made (cdn_glue_retire):
     * nothing it stood for exists in this glue's domain */
    struct cdn_glue *maker = cdn_glue_owner_of(obj);
    if (maker && maker != g && maker->retired)
        return CDN_EBADH;
    struct cdn_hmap_entry *e = cdn_hmap_get(&g->by_obj, (uint64_t)(uintptr_t)obj);
    if (e) {
        if (ref_type(e->aux) != type)
            return CDN_EINVAL; /* one object, two projections: a bug in the caller */
        *ref = e->aux;
        return CDN_OK;
    }
    uint64_t r;
    if (g->side == CDN_GLUE_HOST) {
        cdn_handle h;
        int st = cdn_cap_insert(g->caps, obj, type, &h);
        if (st != CDN_OK)
            return st;
        r = h;
    } else {
        r = CDN_REF_DOMAIN | ((uint64_t)type << 48) | (g->next_id++ & 0xffffffffffffull);
        if (cdn_hmap_put(&g->by_ref, r, obj, type) != 0)
            return CDN_ENOMEM;
    }
    if (by_obj_put(g, (uint64_t)(uintptr_t)obj, r) != 0)
        return CDN_ENOMEM;
    *ref = r;
    *is_new = 1;
    return CDN_OK;
}

static int make_shadow(struct cdn_glue *g, uint64_t ref, uint16_t type, size_t size, void **obj)
{
    if (size == 0 || size > (1u << 20))
        return CDN_EINVAL;
    void *s = calloc(1, size);
    if (!s)
        return CDN_ENOMEM;
    if (cdn_hmap_put(&g->by_ref, ref, s, type) != 0 ||
        by_obj_put(g, (uint64_t)(uintptr_t)s, ref) != 0 ||
        cdn_hmap_put(&g->shadows, (uint64_t)(uintptr_t)s, s, 0) != 0) {
        cdn_hmap_del(&g->by_ref, ref);
        by_obj_del(g, (uint64_t)(uintptr_t)s);
        free(s);
        return CDN_ENOMEM;
    }
    if (g->side == CDN_GLUE_HOST) {
        cdn_lock(&owners_lock);
        int bad = cdn_hmap_put(&owners, (uint64_t)(uintptr_t)s, g, 0);
        cdn_unlock(&owners_lock);
        if (bad)
            return CDN_ENOMEM;
    }
    *obj = s;
    return CDN_OK;
}

int cdn_glue_resolve(struct cdn_glue *g, uint64_t ref, unsigned flags, uint16_t type, size_t size,
                     void **obj)
{
    *obj = NULL;
    if (ref == 0)
        return (flags & CDN_REF_FLAG_NEW) ? CDN_EBADH : CDN_OK;
    if (flags & ~CDN_REF_FLAG_NEW)
        return CDN_EBADH;
    int peer_owned = (g->side == CDN_GLUE_HOST) == !!(ref & CDN_REF_DOMAIN);
    if (ref_type(ref) != type)
        return CDN_EBADH;
    if (!peer_owned) {
        /* One of ours coming back: never NEW. */
        if (flags & CDN_REF_FLAG_NEW)
            return CDN_EBADH;
        if (g->side == CDN_GLUE_HOST)
            return cdn_cap_lookup(g->caps, ref, type, obj);
        struct cdn_hmap_entry *e = cdn_hmap_get(&g->by_ref, ref);
        if (!e || e->aux != type)
            return CDN_EBADH;
        *obj = e->ptr;
        return CDN_OK;
    }
    struct cdn_hmap_entry *e = cdn_hmap_get(&g->by_ref, ref);
    if (flags & CDN_REF_FLAG_NEW) {
        if (e)
            return CDN_EBADH; /* NEW twice: the peer is confused or lying */
        return make_shadow(g, ref, type, size, obj);
    }
    if (!e || e->aux != type)
        return CDN_EBADH;
    *obj = e->ptr;
    return CDN_OK;
}

uint64_t cdn_glue_ref_of(struct cdn_glue *g, const void *obj)
{
    struct cdn_hmap_entry *e = cdn_hmap_get(&g->by_obj, (uint64_t)(uintptr_t)obj);
    return e ? e->aux : 0;
}

void cdn_glue_forget(struct cdn_glue *g, void *obj)
{
    if (!obj)
        return;
    uint64_t key = (uint64_t)(uintptr_t)obj;
    struct cdn_hmap_entry *e = cdn_hmap_get(&g->by_obj, key);
    if (!e)
        return;
    uint64_t ref = e->aux;
    by_obj_del(g, key);
    cdn_hmap_del(&g->by_ref, ref);
    if (g->side == CDN_GLUE_HOST && !(ref & CDN_REF_DOMAIN))
        cdn_cap_revoke(g->caps, ref, ref_type(ref), NULL);
    if (cdn_hmap_get(&g->shadows, key)) {
        cdn_hmap_del(&g->shadows, key);
        cdn_lock(&owners_lock);
        cdn_hmap_del(&owners, key);
        cdn_unlock(&owners_lock);
        free(obj);
    }
}

void cdn_glue_forget_everywhere(void *obj)
{
    /* No host glue, no domain can know obj: native drivers pay nothing;
     * nor does an object no host glue ever gave a reference. */
    if (!obj || !__atomic_load_n(&host_glues, __ATOMIC_ACQUIRE) ||
        !__atomic_load_n(filter_slot((uint64_t)(uintptr_t)obj), __ATOMIC_ACQUIRE))
        return;
    /* Collect the glues first (forgetting takes owners_lock itself); every
     * glue, however many: a missed one would keep a dangling handle. */
    struct cdn_glue *gs[HOST_GLUES_MAX];
    unsigned n, seq;
    for (;;) {
        seq = __atomic_load_n(&host_list_seq, __ATOMIC_ACQUIRE);
        if (seq & 1) {
            __builtin_ia32_pause(); /* a writer is at work */
            continue;
        }
        n = __atomic_load_n(&host_list_n, __ATOMIC_RELAXED);
        if (n > HOST_GLUES_MAX)
            continue;
        for (unsigned i = 0; i < n; i++)
            gs[i] = __atomic_load_n(&host_list[i], __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&host_list_seq, __ATOMIC_RELAXED) == seq)
            break;
    }
    for (unsigned i = 0; i < n; i++)
        cdn_glue_forget(gs[i], obj);
}

void cdn_glue_forget_everywhere_bulk(void *const *objs, uint32_t n)
{
    if (!__atomic_load_n(&host_glues, __ATOMIC_ACQUIRE))
        return;
    for (uint32_t i = 0; i < n; i++)
        if (objs[i] && __atomic_load_n(filter_slot((uint64_t)(uintptr_t)objs[i]), __ATOMIC_ACQUIRE))
            cdn_glue_forget_everywhere(objs[i]);
}

/* ---- shared heap buffers ---- */

int cdn_glue_shared_out(struct cdn_glue *g, const void *ptr, uint64_t *ref, uint32_t *len)
{
    *ref = 0;
    *len = 0;
    if (!ptr)
        return CDN_OK;
    if (g->side == CDN_GLUE_DOMAIN) {
        struct cdn_hmap_entry *e = cdn_hmap_get(&g->shared, (uint64_t)(uintptr_t)ptr);
        if (e) {
            *ref = e->aux;
            *len = (uint32_t)(uintptr_t)e->ptr;
            return CDN_OK;
        }
        /* inside (or at the end of) a buffer the host gave us: the same
         * reference, moved by as much (a stream's advancing next_in) */
        const uint8_t *p = ptr;
        for (size_t i = 0; i < g->shared.cap; i++) {
            const struct cdn_hmap_entry *b = &g->shared.slots[i];
            const uint8_t *s0 = (const uint8_t *)(uintptr_t)b->key;
            uint64_t n = (uint64_t)(uintptr_t)b->ptr;
            if (b->key && p > s0 && (uint64_t)(p - s0) <= n) {
                *ref = b->aux + (uint64_t)(p - s0);
                *len = (uint32_t)(n - (uint64_t)(p - s0));
                return CDN_OK;
            }
        }
        return CDN_EINVAL; /* not a heap buffer the host gave us */
    }
    if (!g->heap)
        return CDN_EINVAL;
    cdn_href r;
    size_t n, delta;
    int st = cdn_heap_ref_within(g->heap, ptr, &r, &n, &delta);
    if (st != CDN_OK)
        return st;
    *ref = r + delta; /* an inner reference when ptr is not the start */
    *len = (uint32_t)(n - delta);
    return CDN_OK;
}

int cdn_glue_shared_give(struct cdn_glue *g, uint64_t ref, int lend)
{
    if (g->side != CDN_GLUE_HOST || ref == 0)
        return CDN_OK;
    if (!g->heap)
        return CDN_EINVAL;
    return lend ? cdn_heap_lend(g->heap, ref, CDN_HEAP_HOST, g->heap_domain)
                : cdn_heap_move(g->heap, ref, CDN_HEAP_HOST, g->heap_domain);
}

void cdn_glue_shared_give_end(struct cdn_glue *g, uint64_t ref, int lend)
{
    if (g->side == CDN_GLUE_HOST && ref && lend && g->heap)
        cdn_heap_return(g->heap, ref, g->heap_domain);
}

int cdn_glue_shared_take(struct cdn_glue *g, uint64_t ref)
{
    if (g->side != CDN_GLUE_HOST || ref == 0)
        return CDN_OK;
    if (!g->heap)
        return CDN_EBADH;
    return cdn_heap_move(g->heap, ref, g->heap_domain, CDN_HEAP_HOST) == CDN_OK ? CDN_OK
                                                                                : CDN_EBADH;
}

int cdn_glue_shared_in(struct cdn_glue *g, uint64_t ref, uint32_t len, uint32_t max, void **ptr)
{
    *ptr = NULL;
    if (ref == 0)
        return len == 0 ? CDN_OK : CDN_EBADH;
    if (len > max) /* 0: a pointer at a buffer's end (a full stream's next_out) */
        return CDN_EBADH;
    if (g->side == CDN_GLUE_HOST) {
        if (!g->heap)
            return CDN_EBADH;
        /* The domain may name what it owns or borrows, and host-owned buffers
         * (it can read those bytes anyway: the heap is mapped into it); at
         * their start or inside them (an inner reference). */
        int st = cdn_heap_access_within(g->heap, ref, g->heap_domain, len, ptr);
        uint32_t owner;
        if (st == CDN_EPERM && cdn_heap_owner_within(g->heap, ref, &owner) == CDN_OK &&
            owner == CDN_HEAP_HOST)
            st = cdn_heap_access_within(g->heap, ref, CDN_HEAP_HOST, len, ptr);
        return st == CDN_OK ? CDN_OK : CDN_EBADH;
    }
    uint64_t off = ref & 0xffffffffu;
    if (!g->heap_base || off > g->heap_size || len > g->heap_size - off)
        return CDN_EBADH;
    *ptr = g->heap_base + off;
    /* remembered to send back (not an end pointer: another buffer may
     * start where it ends) */
    if (len &&
        cdn_hmap_put(&g->shared, (uint64_t)(uintptr_t)*ptr, (void *)(uintptr_t)len, ref) != 0)
        return CDN_ENOMEM;
    return CDN_OK;
}

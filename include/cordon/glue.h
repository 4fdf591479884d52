/*
 * cordon/glue.h - the runtime under the code cordon-idlc generates.
 *
 * Generated code marshals arguments into a wire buffer, makes the call
 * through a glue context, and unmarshals the reply; on the other side it
 * unmarshals, validates, calls the real function and marshals the reply. Most
 * readers never call this API directly.
 *
 * Objects cross by reference (64 bits, never a pointer):
 *   - a host object is named by a capability handle (cordon/cap.h) from the
 *     domain's table; its type tag is the projection's id;
 *   - an object the domain created (an ops table, say) is named by an id the
 *     domain chose: bit 63 set, the projection id in bits 48..62, a counter
 *     below. The host keeps such ids in a per-domain map, so a domain can only
 *     ever name its own objects.
 * Each side keeps a *shadow* for objects the other side owns, created on
 * first sight (the NEW flag) and freed by dealloc.
 */
#ifndef CORDON_GLUE_H
#define CORDON_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "cordon/async.h"
#include "cordon/cap.h"
#include "cordon/channel.h"
#include "cordon/heap.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cdn_glue_side { CDN_GLUE_HOST = 0, CDN_GLUE_DOMAIN = 1 };

#define CDN_REF_DOMAIN (1ull << 63)
/* Type tag of a domain function passed by pointer (an rpc_ptr argument). */
#define CDN_TYPE_FN      0x7fffu
#define CDN_REF_FLAG_NEW 0x01u /* the receiver has not seen this object yet */

struct cdn_glue;

/* ---- contexts ---- */

int cdn_glue_create(enum cdn_glue_side side, struct cdn_ep *ep, struct cdn_glue **out);
void cdn_glue_destroy(struct cdn_glue *g);

/* The glue's domain died and another instance took over (cordon/supervisor.h):
 * from now on its calls fail with CDN_EDEAD without touching the channel,
 * the shadows it made stay allocated until cdn_glue_destroy (a host that
 * still points at one reads stale fields, not freed memory), and every
 * other glue refuses to send one (CDN_EBADH): what it stood for exists
 * only in the dead domain. */
void cdn_glue_retire(struct cdn_glue *g);

/* The generated dispatcher for requests arriving on this glue. */
void cdn_glue_set_dispatch(struct cdn_glue *g, cdn_handler_fn fn);
cdn_handler_fn cdn_glue_dispatch_fn(const struct cdn_glue *g);

/* Calls go through the async runtime (fibers) when one is set, else they
 * are synchronous calls that serve nested requests while they wait. */
void cdn_glue_set_async(struct cdn_glue *g, struct cdn_async *rt);
/* The rpc id under which generated glue exchanges its IDL fingerprint: the
 * host's MODULE_host_check asks, the domain's dispatch answers with the
 * fingerprint of the IDL it was generated from (MODULE_IDL_FINGERPRINT). */
#define CDN_RPC_GLUE_FINGERPRINT 0xfe20u

/* The runtime set with cdn_glue_set_async, or NULL. */
struct cdn_async *cdn_glue_async(const struct cdn_glue *g);
void cdn_glue_set_timeout(struct cdn_glue *g, int64_t timeout_ns);
/* The host's shared heap and the domain's id in it (host side), or the
 * domain's mapping of it (domain side). */
void cdn_glue_set_heap(struct cdn_glue *g, struct cdn_heap *heap, uint32_t domain_id);
void cdn_glue_set_heap_mapping(struct cdn_glue *g, void *base, size_t size);

/* What an integer-returning stub returns when the call failed (default -5,
 * -EIO); cdn_glue_last_error tells why (a cordon status), 0 if it did not. */
void cdn_glue_set_dead_value(struct cdn_glue *g, int64_t v);
int64_t cdn_glue_dead_value(const struct cdn_glue *g);
int cdn_glue_last_error(const struct cdn_glue *g);
void cdn_glue_set_error(struct cdn_glue *g, int status);

/* Opaque user data (the generated code leaves it alone). */
void cdn_glue_set_user(struct cdn_glue *g, void *user);
void *cdn_glue_user(const struct cdn_glue *g);

struct cdn_cap_table *cdn_glue_caps(struct cdn_glue *g);
/* The largest payload a call or reply may carry on this glue's channel. */
uint32_t cdn_glue_wire_max(const struct cdn_glue *g);
struct cdn_ep *cdn_glue_ep(struct cdn_glue *g);
enum cdn_glue_side cdn_glue_side_of(const struct cdn_glue *g);

/* The domain's glue, for stubs that have the original C signature (and so
 * no context argument). Set by the generated NAME_domain_init. */
void cdn_glue_set_current(struct cdn_glue *g);
struct cdn_glue *cdn_glue_current(void);

/* The glue that owns host shadow `obj` (for trampolines), or NULL. */
struct cdn_glue *cdn_glue_owner_of(const void *obj);

/* Every glue has an id, never reused in a process; a destroyed glue's id
 * resolves to NULL. (Trampolines for function-pointer arguments hold ids,
 * not pointers, so they cannot reach a freed glue.) */
uint64_t cdn_glue_id(const struct cdn_glue *g);
struct cdn_glue *cdn_glue_by_id(uint64_t id);

/* One entry of a generated pool of trampolines for an rpc_ptr argument. */
struct cdn_fn_slot {
    uint64_t glue_id; /* 0: free */
    uint64_t ref;     /* the domain's reference for its function */
};

/*
 * Finds the slot already bound to (g, ref), or binds a free one. A pool is
 * shared by every glue of the process (a trampoline is a static function),
 * so each glue may hold at most CDN_FN_PER_GLUE slots of it: a domain that
 * passes ever more functions exhausts its own share, never another's.
 * Returns the slot's index; CDN_EBADH for a reference that is not a domain
 * function; CDN_ELIMIT when g already holds its share (the domain's own
 * doing: a violation); CDN_ENOMEM when every slot is taken by other glues
 * (more domains of this interface than the pool holds shares for: not g's
 * fault). Generated pools hold CDN_FN_POOL slots.
 */
#define CDN_FN_PER_GLUE 4
#define CDN_FN_POOL     64
/* Expands M(k) for k = 0 .. CDN_FN_POOL - 1: a generated pool's trampolines
 * are one macro applied 64 times, not 64 written-out functions. */
#define CDN_FN_POOL_EACH(M)                                                                        \
    M(0)                                                                                           \
    M(1)                                                                                           \
    M(2)                                                                                           \
    M(3)                                                                                           \
    M(4)                                                                                           \
    M(5)                                                                                           \
    M(6)                                                                                           \
    M(7)                                                                                           \
    M(8)                                                                                           \
    M(9) M(10) M(11) M(12) M(13) M(14) M(15) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) \
        M(25) M(26) M(27) M(28) M(29) M(30) M(31) M(32) M(33) M(34) M(35) M(36) M(37) M(38) M(39)  \
            M(40) M(41) M(42) M(43) M(44) M(45) M(46) M(47) M(48) M(49) M(50) M(51) M(52) M(53)    \
                M(54) M(55) M(56) M(57) M(58) M(59) M(60) M(61) M(62) M(63)
_Static_assert(CDN_FN_POOL == 64, "CDN_FN_POOL_EACH lists CDN_FN_POOL indices");
int cdn_glue_fn_bind(struct cdn_glue *g, uint64_t ref, struct cdn_fn_slot *pool, int n);

/* The glue an rpc_ptr trampoline slot belongs to (NULL: free or dead). */
struct cdn_glue *cdn_glue_fn_glue(const struct cdn_fn_slot *slot);

/* Requests the generated dispatch rejects are counted by whoever installs
 * it (the kernel core: struct cdn_driver_stats.rejected, across restarts). */
struct cdn_glue_stats {
    uint64_t calls;      /* calls this side made */
    uint64_t post_waits; /* posts (cdn_glue_post) that found the channel full */
    uint32_t objects;    /* objects with a reference on this side */
};
void cdn_glue_get_stats(const struct cdn_glue *g, struct cdn_glue_stats *out);

/*
 * The whole main of a module that serves a generated glue (an isolated
 * library's, for instance): a domain glue on the module's endpoint, the
 * shared heap's mapping set on it, init (MODULE_domain_init) called, and
 * requests served with dispatch (MODULE_domain_dispatch) until the host
 * stops the domain. Returns what cdn_ep_serve returns, or CDN_ENOMEM.
 *
 *   static int main_fn(struct cdn_dom_ctx *ctx)
 *   {
 *       return cdn_dom_serve_glue(ctx, zbox_domain_init, zbox_domain_dispatch);
 *   }
 */
struct cdn_dom_ctx;
int cdn_dom_serve_glue(struct cdn_dom_ctx *ctx, void (*init)(struct cdn_glue *g),
                       cdn_handler_fn dispatch);

/* ---- wire buffers ---- */

#define CDN_WBUF_FRESH 8 /* new objects a message remembers (cdn_w_object) */

struct cdn_wbuf {
    uint8_t *buf;
    uint32_t len, cap;
    int err;
    struct cdn_glue *g; /* its channel bounds the payload (checked at send) */
    /* objects this message exports for the first time: if the call fails
     * (not sent, refused, or no answer), they are forgotten again, so the
     * next call sends them as new instead of naming a reference the peer
     * never accepted */
    void *fresh[CDN_WBUF_FRESH];
    uint32_t nfresh;
    uint8_t small[256];
};

struct cdn_rbuf {
    const uint8_t *buf;
    uint32_t len, pos;
    int err;
};

void cdn_w_bytes(struct cdn_wbuf *w, const void *p, size_t n);
void cdn_wbuf_free(struct cdn_wbuf *w);

static inline void cdn_wbuf_init(struct cdn_wbuf *w, struct cdn_glue *g)
{
    w->buf = w->small;
    w->len = 0;
    w->cap = sizeof w->small;
    w->err = 0;
    w->g = g;
    w->nfresh = 0;
}

static inline void cdn_wbuf_release(struct cdn_wbuf *w)
{
    if (w->buf != w->small)
        cdn_wbuf_free(w);
    w->len = 0;
}

/* Fast paths (inline: a call's glue runs several of these): room in the
 * buffer and no error means a plain copy; anything else takes cdn_w_bytes. */
#define CDN_W_FIXED(name, type)                                                                    \
    static inline void name(struct cdn_wbuf *w, type v)                                            \
    {                                                                                              \
        if (__builtin_expect(!w->err && w->cap - w->len >= sizeof v, 1)) {                         \
            __builtin_memcpy(w->buf + w->len, &v, sizeof v);                                       \
            w->len += (uint32_t)sizeof v;                                                          \
        } else {                                                                                   \
            cdn_w_bytes(w, &v, sizeof v);                                                          \
        }                                                                                          \
    }
CDN_W_FIXED(cdn_w_u8, uint8_t)
CDN_W_FIXED(cdn_w_u16, uint16_t)
CDN_W_FIXED(cdn_w_u32, uint32_t)
CDN_W_FIXED(cdn_w_u64, uint64_t)
#undef CDN_W_FIXED
/* A string of at most max characters; longer is an error (EINVAL). */
void cdn_w_string(struct cdn_wbuf *w, const char *s, size_t max);

const void *cdn_r_bytes(struct cdn_rbuf *r, size_t n);

static inline void cdn_rbuf_from_msg(struct cdn_rbuf *r, const struct cdn_msg *m)
{
    if (m->ext_len) {
        r->buf = (const uint8_t *)m->ext;
        r->len = m->ext_len;
    } else {
        r->buf = m->data;
        r->len = m->inline_len;
    }
    r->pos = 0;
    r->err = 0;
}

/* Fast paths: enough bytes left and no error means a plain copy; a short
 * read sets the error (in cdn_r_bytes) and yields 0. */
#define CDN_R_FIXED(name, type)                                                                    \
    static inline type name(struct cdn_rbuf *r)                                                    \
    {                                                                                              \
        type v = 0;                                                                                \
        if (__builtin_expect(!r->err && r->len - r->pos >= sizeof v, 1)) {                         \
            __builtin_memcpy(&v, r->buf + r->pos, sizeof v);                                       \
            r->pos += (uint32_t)sizeof v;                                                          \
        } else {                                                                                   \
            const void *p = cdn_r_bytes(r, sizeof v);                                              \
            if (p)                                                                                 \
                __builtin_memcpy(&v, p, sizeof v);                                                 \
        }                                                                                          \
        return v;                                                                                  \
    }
CDN_R_FIXED(cdn_r_u8, uint8_t)
CDN_R_FIXED(cdn_r_u16, uint16_t)
CDN_R_FIXED(cdn_r_u32, uint32_t)
CDN_R_FIXED(cdn_r_u64, uint64_t)
#undef CDN_R_FIXED
/* Reads a string of at most max characters into dst (cap bytes, NUL added);
 * an over-long string or one with a NUL inside sets the error. */
void cdn_r_string(struct cdn_rbuf *r, char *dst, size_t cap, size_t max);
/* A string of at most max characters, where it lies in the message (no
 * NUL inside; *len its length): for copying once the message is valid. */
const char *cdn_r_string_view(struct cdn_rbuf *r, size_t max, uint32_t *len);
/* The same, where the sender may send NULL (cdn_w_string_field): then
 * NULL with *is_null set and r not failed. */
const char *cdn_r_string_view_or_null(struct cdn_rbuf *r, size_t max, uint32_t *len, int *is_null);

/*
 * A string<N> field whose C type is a pointer (zlib's `char *msg`) rather
 * than an array: NULL crosses as NULL, and the receiving side's pointer is
 * set to storage the glue owns (freed with the glue; a string that arrives
 * unchanged reuses it). At most CDN_GLUE_STRING_BYTES of it per glue: a
 * peer that sends ever new strings fails its calls with CDN_ELIMIT. The
 * generated code picks the form by the field's type (CDN_IS_ARRAY).
 */
#define CDN_GLUE_STRING_BYTES (1u << 20)
#define CDN_IS_ARRAY(x)       (!__builtin_types_compatible_p(__typeof__(x), __typeof__(&(x)[0])))
void cdn_w_string_field(struct cdn_wbuf *w, const char *s, size_t max);
void cdn_r_string_field(struct cdn_glue *g, struct cdn_rbuf *r, char **slot, size_t max);
/* An rpc's string result: in a buffer the glue keeps for that rpc, valid
 * until the rpc's next call on this glue (or the glue's end); NULL for a
 * NULL result or a malformed one (r->err says which). */
const char *cdn_r_string_result(struct cdn_glue *g, struct cdn_rbuf *r, uint16_t rpc, size_t max);
/* A bool must be 0 or 1. */
int cdn_r_bool(struct cdn_rbuf *r);
/* An element count that must not exceed max. */
uint32_t cdn_r_count(struct cdn_rbuf *r, uint32_t max);
/* Marks the buffer bad (a failed validation in generated code). */
void cdn_r_fail(struct cdn_rbuf *r, int status);
/* CDN_OK if everything was read without error and nothing is left over. */
static inline int cdn_r_finish(const struct cdn_rbuf *r)
{
    if (r->err)
        return r->err;
    return r->pos == r->len ? CDN_OK : CDN_EPROTO;
}

/* ---- calls ---- */

/* Sends the request in w as rpc `rpc` and waits for the reply; on success r
 * reads the reply's payload (backed by *store). Releases w. */
int cdn_glue_call(struct cdn_glue *g, uint16_t rpc, struct cdn_wbuf *w, struct cdn_rbuf *r,
                  struct cdn_msg *store);

/* How many callers are inside cdn_glue_call / cdn_glue_send_oneway on g:
 * with fibers, some may be waiting there. A glue must not be destroyed
 * while this is nonzero (the waiting calls return into it). */
int cdn_glue_calls_in_progress(const struct cdn_glue *g);

/* Sends the request in w as a one-way rpc: no reply, no waiting (beyond a
 * free slot). The peer handles it in order, before anything sent after it.
 * Releases w. */
int cdn_glue_send_oneway(struct cdn_glue *g, uint16_t rpc, struct cdn_wbuf *w);

/*
 * Posted messages, for data paths that batch (the kernel cores' transmit and
 * request rings): sends the len bytes at buf as a one-way request `rpc`,
 * straight from the caller's buffer (no wbuf). While the channel is full it
 * serves what the peer sent meanwhile (cdn_glue_poll), so two sides posting
 * to each other cannot deadlock. Fails with CDN_ETOOBIG (len over the
 * channel's limit), CDN_EDEAD, CDN_EPROTO, or CDN_ETIMEDOUT after the glue's
 * timeout without a free slot.
 */
int cdn_glue_post(struct cdn_glue *g, uint16_t rpc, const void *buf, uint32_t len);

/* Serves what has already arrived from the peer, without waiting: with an
 * async runtime it lets the runtime poll (yielding, from a fiber); without
 * one, one-way requests run here and requests are answered. Returns CDN_OK or
 * the channel's failure (CDN_EDEAD, CDN_EPROTO). */
int cdn_glue_poll(struct cdn_glue *g);

/* Waits, holding the glue's lock, until the peer has sent something, the
 * sleep is woken, or timeout_ns has passed (an adaptive channel sleeps; a
 * spinning one returns at once): for a thread that serves a glue by itself
 * between polls, so the peer rings it instead of waiting for its next
 * poll. CDN_OK, CDN_EAGAIN or CDN_ETIMEDOUT (nothing came), or the
 * channel's failure. */
int cdn_glue_wait(struct cdn_glue *g, int64_t timeout_ns);

/* Domain: the address of [off, off + len) of the shared heap mapping, or
 * NULL if that range is not inside it (a bounds check, nothing recorded). */
void *cdn_glue_heap_range(const struct cdn_glue *g, uint64_t off, uint64_t len);

/* Puts the payload in w into the reply message (inline or extension).
 * The extension bytes stay in the glue until the reply is sent. */
int cdn_glue_reply_slow(struct cdn_glue *g, struct cdn_wbuf *w, struct cdn_msg *rep);
static inline int cdn_glue_reply(struct cdn_glue *g, struct cdn_wbuf *w, struct cdn_msg *rep)
{
    /* Inline because it runs once per dispatched call, and most replies
     * are a status or a few scalars. */
    if (__builtin_expect(!w->err && w->len <= CDN_INLINE_MAX && w->buf == w->small, 1)) {
        cdn_msg_copy_inline(rep->data, w->buf, w->len);
        rep->inline_len = (uint8_t)w->len;
        rep->ext = NULL;
        rep->ext_len = 0;
        w->len = 0;
        return CDN_OK;
    }
    return cdn_glue_reply_slow(g, w, rep);
}

/* ---- objects ---- */

/* Which fields of an object travel with it: those that go from caller to
 * callee (IN), back (OUT), or all of them with the ops-table slots that are
 * set (ALL: the receiver sees the object for the first time). */
#define CDN_DIR_IN  1u
#define CDN_DIR_OUT 2u
#define CDN_DIR_ALL (CDN_DIR_IN | CDN_DIR_OUT)

/* A generated projection's field writer and reader (obj is its struct). */
typedef void (*cdn_put_fields_fn)(struct cdn_glue *g, struct cdn_wbuf *w, void *obj, unsigned dir);
typedef void (*cdn_get_fields_fn)(struct cdn_glue *g, struct cdn_rbuf *r, void *obj, unsigned dir);

/* The writer and reader of a projection without fields. */
void cdn_no_fields_put(struct cdn_glue *g, struct cdn_wbuf *w, void *obj, unsigned dir);
void cdn_no_fields_get(struct cdn_glue *g, struct cdn_rbuf *r, void *obj, unsigned dir);

/*
 * An object by reference: its reference and flags, then (unless it is NULL)
 * its fields of direction dir, or all of them (CDN_DIR_ALL) when the
 * receiver has not seen it. A reference that cannot be made is EINVAL.
 */
void cdn_w_object(struct cdn_glue *g, struct cdn_wbuf *w, void *obj, uint16_t type, unsigned dir,
                  cdn_put_fields_fn put);

/*
 * Reads what cdn_w_object wrote: resolves the reference (a NEW one only if
 * may_new: the IDL says where the peer may introduce objects; anywhere else
 * it is a forged object, CDN_EBADH) and decodes the fields all or nothing:
 * into a copy, kept only if every value was valid, and written back only if
 * it changed (the object may be read-only, a const ops table). Returns the
 * object, or NULL (NULL reference, or r's error set).
 */
void *cdn_r_object(struct cdn_glue *g, struct cdn_rbuf *r, uint16_t type, size_t size, unsigned dir,
                   int may_new, cdn_get_fields_fn get);

/*
 * An object's [out] fields, decoded into a copy and applied only once the
 * whole reply has been checked: cdn_obj_copy makes the copy (NULL when
 * memory is short), cdn_obj_apply writes it back where it differs (the
 * object may be read-only where it does not) and frees it, cdn_obj_drop
 * frees it unapplied. Both take NULL.
 */
void *cdn_obj_copy(const void *obj, size_t size);
void cdn_obj_apply(void *obj, void *copy, size_t size);
void cdn_obj_drop(void *copy);

/*
 * Temporary buffers of one dispatched call (strings and arrays the callee
 * sees as pointers): small ones from an arena inside the struct (on the
 * dispatcher's stack), bigger ones from the heap; all freed together after
 * the reply. Zeroed.
 */
#ifdef __KERNEL__
#define CDN_TMP_ARENA 256 /* on a kernel stack */
#else
#define CDN_TMP_ARENA 1024
#endif
struct cdn_tmp {
    void *heap[17];
    int nheap;
    size_t used;
    _Alignas(16) unsigned char arena[CDN_TMP_ARENA];
};
static inline void cdn_tmp_init(struct cdn_tmp *t)
{
    t->nheap = 0; /* the arena needs no zeroing: cdn_tmp_alloc zeroes */
    t->used = 0;
}
/* n zeroed bytes, or NULL when the call already holds 17 heap buffers or
 * memory is short. */
void *cdn_tmp_alloc(struct cdn_tmp *t, size_t n);
void cdn_tmp_free(struct cdn_tmp *t);

/* Gives obj (of projection type `type`) a reference for the other side;
 * *is_new tells whether the other side sees it for the first time. NULL
 * objects get reference 0. */
int cdn_glue_export(struct cdn_glue *g, void *obj, uint16_t type, uint64_t *ref, int *is_new);

/* Resolves a reference received from the other side. A NEW reference makes
 * a zeroed shadow of `size` bytes (owned by the glue). Reference 0 is NULL.
 * Returns CDN_OK or CDN_EBADH (forged, stale, wrong type, NEW when it is not). */
int cdn_glue_resolve(struct cdn_glue *g, uint64_t ref, unsigned flags, uint16_t type, size_t size,
                     void **obj);

/* The reference obj already has, or 0. */
uint64_t cdn_glue_ref_of(struct cdn_glue *g, const void *obj);

/* Drops obj's reference (dealloc); frees it if it is a shadow the glue made. */
void cdn_glue_forget(struct cdn_glue *g, void *obj);

/* The host is about to free obj: every glue drops its reference, so no
 * domain can name a freed host object (no dangling handle). Host code that
 * frees objects it may have shown to a domain calls this first. */
void cdn_glue_forget_everywhere(void *obj);
/* The same for objs[0..n) (NULLs skipped): one look at whether any host
 * glue exists, then the per-object filter; for a batch of completions. */
void cdn_glue_forget_everywhere_bulk(void *const *objs, uint32_t n);

/* ---- shared heap buffers ---- */

/* Host: the reference and length of the heap object holding ptr (which must
 * be its start). Domain: the same computed from the mapping. */
int cdn_glue_shared_out(struct cdn_glue *g, const void *ptr, uint64_t *ref, uint32_t *len);
/* Validates a received reference: host checks ownership (owned by or lent to
 * the domain, or the host's own) and bounds; domain checks bounds. */
int cdn_glue_shared_in(struct cdn_glue *g, uint64_t ref, uint32_t len, uint32_t max, void **ptr);

/* Ownership moves of shared buffers passed as arguments (host side only; the
 * domain side calls are no-ops: the host keeps the books).
 *   give      before a host -> domain call: [move] hands the buffer to the
 *             domain, [lend] lends it for the call
 *   give_end  after that call: a lent buffer comes back
 *   take      a domain -> host call with a [move] buffer: it must be the
 *             domain's, and becomes the host's (CDN_EBADH otherwise) */
int cdn_glue_shared_give(struct cdn_glue *g, uint64_t ref, int lend);
void cdn_glue_shared_give_end(struct cdn_glue *g, uint64_t ref, int lend);
int cdn_glue_shared_take(struct cdn_glue *g, uint64_t ref);

#ifdef __cplusplus
}
#endif
#endif

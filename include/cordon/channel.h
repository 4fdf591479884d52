/*
 * cordon/channel.h - cache-line message channels between protection domains.
 *
 * A channel is a shared-memory region (a sealed memfd) that holds two one-way
 * rings of 64-byte slots, one per direction, plus a bounded extension area for
 * payloads that do not fit in a slot. Each slot carries its own sequence word,
 * so the two sides never write a shared head or tail counter (FastForward /
 * fipc style). Each message also carries an acknowledgement of what its
 * sender has consumed from the other ring, so in request/reply traffic no
 * slot is ever written by its consumer: one cache line moves per message.
 *
 * Each side talks through an endpoint (struct cdn_ep) held in its own private memory.
 * Endpoints treat everything read from the region as hostile:
 *   - every slot is copied into private memory before any field is checked,
 *     and checked fields are never read again from shared memory;
 *   - every length is bounded by the geometry the *local* side was given,
 *     never by a value stored in the region;
 *   - no pointer is ever stored in the region; slots and extension chunks are
 *     named by position, which each side computes privately.
 * A violation makes the operation fail with CDN_EPROTO and marks the endpoint
 * broken; later operations fail fast with CDN_EPROTO.
 */
#ifndef CORDON_CHANNEL_H
#define CORDON_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "cordon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CDN_SLOT_SIZE  64u    /* bytes per ring slot: one x86 cache line */
#define CDN_INLINE_MAX 44u    /* payload bytes carried inside a slot */
#define CDN_RING_MIN   2u     /* smallest ring (slots); must be a power of two */
#define CDN_RING_MAX   4096u  /* largest ring (slots) */
#define CDN_EXT_MAX    65536u /* largest extension chunk per slot (bytes) */

/* Message flags (cdn_msg.flags). Unknown bits are a protocol error. */
#define CDN_MSG_REQUEST   0x01u /* a call; the receiver must answer it */
#define CDN_MSG_REPLY     0x02u /* the answer to the call with the same call_id */
#define CDN_MSG_ERROR     0x04u /* reply only: the call failed; data[0..3] = int32 status */
#define CDN_MSG_EXT       0x08u /* ext_len bytes follow in the slot's extension chunk */
#define CDN_MSG_ONEWAY    0x10u /* request only: the sender does not wait; no reply is sent */
#define CDN_MSG_FLAGS_ALL 0x1fu

/* rpc ids at or above this value are reserved for the runtime's control calls. */
#define CDN_RPC_CONTROL_BASE 0xff00u
#define CDN_RPC_HELLO        0xff00u /* domain -> host, once, when the domain is ready */
#define CDN_RPC_STOP         0xff01u /* host -> domain: leave the serve loop and exit */
#define CDN_RPC_PING         0xff02u /* either way: answered with an empty reply */

/* How a side waits for a slot to fill or free up. */
enum cdn_wait_policy {
    CDN_WAIT_SPIN = 0,     /* spin (with pause); for a dedicated core */
    CDN_WAIT_ADAPTIVE = 1, /* spin for a bounded time, then sleep on a futex */
};

/* Size of a channel. Both sides must be given the same geometry. */
struct cdn_chan_geometry {
    uint32_t ring_slots; /* slots per direction; power of two in [CDN_RING_MIN, CDN_RING_MAX] */
    uint32_t
        ext_slot_size; /* extension bytes per slot (0 = none); <= CDN_EXT_MAX, multiple of 64 */
};

/* The geometry used when a caller passes NULL: 64 slots, 4 KiB extension each. */
extern const struct cdn_chan_geometry cdn_chan_default_geometry;

/*
 * A message as seen by one side, always in that side's private memory.
 * On send, ext points to ext_len bytes to copy into the extension chunk.
 * On receive, ext points into the endpoint's private receive buffer and
 * stays valid until the next receive on the same endpoint.
 */
struct cdn_msg {
    uint16_t rpc_id;
    uint8_t flags;
    uint8_t inline_len; /* <= CDN_INLINE_MAX */
    uint32_t call_id;
    uint32_t ext_len; /* <= geometry.ext_slot_size */
    uint32_t ack;     /* channel-internal flow control; set by the endpoint */
    _Alignas(8) uint8_t data[CDN_INLINE_MAX];
    const void *ext;
};

/*
 * Copies the n <= CDN_INLINE_MAX bytes of an inline payload. Most calls carry
 * 0-16 bytes and memcpy with a run-time length is a call into libc, on a
 * path that runs twice per crossing on each side; this uses two fixed-size,
 * possibly overlapping moves per size class, so it compiles to a few loads
 * and stores and touches no byte outside [0, n) of either buffer (nothing
 * uninitialised reaches the peer, nothing is over-read).
 */
static inline void cdn_msg_copy_inline(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (n >= 32) {
        uint8_t a[32], b[32];
        __builtin_memcpy(a, s, 32);
        __builtin_memcpy(b, s + n - 32, 32);
        __builtin_memcpy(d, a, 32);
        __builtin_memcpy(d + n - 32, b, 32);
    } else if (n >= 16) {
        uint8_t a[16], b[16];
        __builtin_memcpy(a, s, 16);
        __builtin_memcpy(b, s + n - 16, 16);
        __builtin_memcpy(d, a, 16);
        __builtin_memcpy(d + n - 16, b, 16);
    } else if (n >= 8) {
        uint64_t a, b;
        __builtin_memcpy(&a, s, 8);
        __builtin_memcpy(&b, s + n - 8, 8);
        __builtin_memcpy(d, &a, 8);
        __builtin_memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        __builtin_memcpy(&a, s, 4);
        __builtin_memcpy(&b, s + n - 4, 4);
        __builtin_memcpy(d, &a, 4);
        __builtin_memcpy(d + n - 4, &b, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* The shared region behind a channel. */
struct cdn_region {
    int fd;      /* memfd; sealed against shrinking and growing */
    void *base;  /* this process's mapping */
    size_t size; /* bytes */
    struct cdn_chan_geometry geom;
};

/* Which end of the channel an endpoint is. */
enum cdn_side { CDN_SIDE_HOST = 0, CDN_SIDE_DOMAIN = 1 };

struct cdn_ep;

/*
 * Callback an endpoint uses while it waits, to learn whether the peer is
 * still alive. Return nonzero when the peer is dead; the wait then fails with
 * CDN_EDEAD. Called every few microseconds of waiting, never in the fast path.
 */
typedef int (*cdn_peer_dead_fn)(void *arg);

/* Checks a geometry; returns CDN_OK or CDN_EINVAL. */
int cdn_geometry_check(const struct cdn_chan_geometry *geom);

/* Bytes a region of this geometry occupies (page-rounded), or 0 if invalid. */
size_t cdn_region_size(const struct cdn_chan_geometry *geom);

/* Creates, sizes, seals and maps a new region. geom may be NULL (default). */
int cdn_region_create(const struct cdn_chan_geometry *geom, struct cdn_region *out);

/* Maps an existing region from fd (the domain side). Checks the fd's size. */
/* The domain's heartbeat counter in the control page (advanced by the
 * domain's endpoint; read by the host's watchdog, see cordon/domain.h). */
const uint32_t *cdn_region_heartbeat(const struct cdn_region *r);

int cdn_region_map(int fd, const struct cdn_chan_geometry *geom, struct cdn_region *out);

/* Unmaps and closes a region (either side). Safe on a zeroed region. */
void cdn_region_release(struct cdn_region *region);

/* Creates an endpoint for one side of a mapped region. Initialises nothing in
 * the region itself: the host calls cdn_region_reset() before the domain runs. */
int cdn_ep_create(const struct cdn_region *region, enum cdn_side side, enum cdn_wait_policy policy,
                  struct cdn_ep **out);
void cdn_ep_destroy(struct cdn_ep *ep);

/* Writes the initial slot sequence words (host side, before the domain runs). */
void cdn_region_reset(struct cdn_region *region);

void cdn_ep_set_peer_check(struct cdn_ep *ep, cdn_peer_dead_fn fn, void *arg);
void cdn_ep_set_policy(struct cdn_ep *ep, enum cdn_wait_policy policy);

/* Tells the endpoint how the *peer* waits. With CDN_WAIT_SPIN the endpoint
 * skips the fence and futex-word check after each publish (the peer never
 * sleeps). The default assumes the peer may sleep, which is always safe. */
void cdn_ep_set_peer_policy(struct cdn_ep *ep, enum cdn_wait_policy peer_policy);

/*
 * A domain whose host is the kernel (cordon.ko): from now on this process
 * sleeps and wakes through fd, the channel's /dev/cordon file, instead of
 * futexes (the kernel cannot wake a futex). region is the channel's mapping.
 * CDN_OK or CDN_EINVAL.
 */
int cdn_ipc_use_kernel_bell(int fd, const struct cdn_region *region);

/*
 * Sends one message. Waits up to timeout_ns for a free slot (negative: no
 * deadline, only peer death ends the wait; 0: do not wait).
 * Returns CDN_OK, CDN_EAGAIN (ring full and timeout 0), CDN_ETIMEDOUT,
 * CDN_EDEAD, CDN_EPROTO, or CDN_EINVAL/CDN_ETOOBIG for a bad message.
 */
int cdn_ep_send(struct cdn_ep *ep, const struct cdn_msg *msg, int64_t timeout_ns);

/* Receives one message, with the same timeout convention as cdn_ep_send. */
int cdn_ep_recv(struct cdn_ep *ep, struct cdn_msg *msg, int64_t timeout_ns);
/* With the adaptive policy, waits (spinning, then asleep) until a message
 * can be received, without receiving it: CDN_OK, CDN_ETIMEDOUT, CDN_EDEAD
 * or CDN_EPROTO; it sleeps once at most, and a wake-up that brought no
 * message (a spurious one, or the sleeper's owner waking it for other
 * work) returns CDN_EAGAIN. With the spin policy it returns CDN_EAGAIN at
 * once: the caller polls. */
int cdn_ep_wait_readable(struct cdn_ep *ep, int64_t timeout_ns);

/* Marks the endpoint dead (peer gone): waits in progress and later calls
 * return CDN_EDEAD. Async-signal-safe and thread-safe. */
void cdn_ep_mark_dead(struct cdn_ep *ep);

/* Asks the liveness callback now (a system call for process domains).
 * Returns CDN_OK, or CDN_EDEAD (and marks the endpoint dead). */
int cdn_ep_check_peer(struct cdn_ep *ep);

/* The domain side shows it is alive (running its loop, not stuck in module
 * code): a loop that polls with zero timeouts, and so never waits inside
 * the endpoint (where waiting beats by itself), calls this now and then.
 * A no-op on the host side. */
void cdn_ep_heartbeat(struct cdn_ep *ep);

/* Nonzero once the endpoint is marked dead (by a check, a kill, or a
 * process domain's monitor thread, which marks it as soon as the child
 * dies). One atomic load: no system call. */
int cdn_ep_marked_dead(const struct cdn_ep *ep);

/* Nonzero once the endpoint has seen a protocol violation. */
int cdn_ep_broken(const struct cdn_ep *ep);

/* Records a protocol violation found by a higher layer (a malformed payload,
 * say): marks the endpoint broken and returns CDN_EPROTO. */
int cdn_ep_protocol_error(struct cdn_ep *ep, const char *what);

/* A short description of the first protocol violation seen, or "". */
const char *cdn_ep_violation(const struct cdn_ep *ep);

struct cdn_ep_stats {
    uint64_t sent;
    uint64_t received;
    uint64_t protocol_errors;
    uint64_t futex_waits;
    uint64_t futex_wakes;
};
void cdn_ep_get_stats(const struct cdn_ep *ep, struct cdn_ep_stats *out);

/*
 * Handles one request and fills in the reply's rpc-specific part (rpc_id,
 * data, inline_len, ext/ext_len; flags may add CDN_MSG_ERROR). The runtime
 * sets call_id and the REPLY flag. Return CDN_OK or a status; a non-OK
 * status is sent back as an error reply.
 */
typedef int (*cdn_handler_fn)(void *arg, const struct cdn_msg *req, struct cdn_msg *reply);

/*
 * Serves requests until a CDN_RPC_STOP request arrives (returns CDN_OK) or
 * the channel fails (returns its status). Requests with an rpc id the handler
 * does not know should be answered with CDN_ENOENT.
 */
int cdn_ep_serve(struct cdn_ep *ep, cdn_handler_fn handler, void *arg);

/*
 * Makes a synchronous call: sends req (flags, call_id set here) and waits
 * for its reply. Requests that arrive meanwhile (nested calls from the peer)
 * are passed to handler, which may be NULL (they are then answered with
 * CDN_ENOENT). An error reply is returned as its status code with the reply
 * still filled in. timeout_ns bounds the whole call.
 */
int cdn_ep_call(struct cdn_ep *ep, struct cdn_msg *req, struct cdn_msg *reply,
                cdn_handler_fn handler, void *arg, int64_t timeout_ns);

/* Fills an error reply carrying status. */
void cdn_msg_set_error(struct cdn_msg *reply, int status);

/*
 * Decodes a raw 64-byte slot image that has already been copied out of
 * shared memory. Validates flags and lengths against geom. On success fills
 * *out (ext is left NULL). This is the single decoder every receive goes
 * through; it is exposed for tests and fuzzing.
 */
int cdn_msg_decode(const uint8_t slot[CDN_SLOT_SIZE], const struct cdn_chan_geometry *geom,
                   struct cdn_msg *out);

/* Encodes msg (header and inline bytes; not the sequence word) into slot. */
int cdn_msg_encode(const struct cdn_msg *msg, const struct cdn_chan_geometry *geom,
                   uint8_t slot[CDN_SLOT_SIZE]);

/* Monotonic clock in nanoseconds. */
int64_t cdn_now_ns(void);

/* A monotonic clock that costs a memory read (CLOCK_MONOTONIC_COARSE): it
 * moves in steps of the kernel's tick, 1 to 4 ms. Good for deadlines of
 * many milliseconds on paths that run millions of times a second, where
 * cdn_now_ns (~50 ns) or even a TSC read (~26 ns) would show in the
 * throughput (the VM cordon is measured on; `cordon-bench ipc`, rows
 * clock-*). */
int64_t cdn_coarse_ns(void);

/*
 * A rate limit for a check that costs a system call (is the peer alive?)
 * on such a path. The check is due when the coarse clock has moved since
 * the last one (a quiet spell, or a tick of busy work) or after `every`
 * calls, whichever comes first. Zero-initialise; not thread-safe.
 */
struct cdn_ratelimit {
    int64_t at;     /* coarse time of the last check */
    uint32_t calls; /* calls since */
};
int cdn_ratelimit_due(struct cdn_ratelimit *r, uint32_t every);

#ifdef __cplusplus
}
#endif
#endif

/*
 * endpoint.c - sending and receiving on one side of a channel.
 *
 * The fast path is a single cache line per message: the producer knows the
 * slot is free (from the peer's acks, or by reading its sequence word),
 * writes header, ack and payload, then publishes with a release store of the
 * sequence word; the consumer waits for "full", copies the slot into private
 * memory and validates the copy. Consumers release slots explicitly only
 * when they are about to wait; see layout.h for the protocol and its proof
 * obligations.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "endpoint.h"
#include "futex.h"

/* Spin iterations before the adaptive policy sleeps (~20-50 us of pause). */
#define ADAPTIVE_SPINS 2048u
/* Iterations between checks of the dead flag and of the deadline. */
#define CHECK_EVERY 256u
/* Iterations between calls of the peer-liveness callback (a system call). */
#define PEER_CHECK_EVERY 8192u
/* Longest single futex sleep: how late we notice peer death or a deadline
 * when the peer does not wake us. */
#define SLEEP_SLICE_NS 2000000

int64_t cdn_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cdn_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int cdn_ratelimit_due(struct cdn_ratelimit *r, uint32_t every)
{
    int64_t now = cdn_coarse_ns();
    if (now == r->at && ++r->calls < every)
        return 0;
    r->at = now;
    r->calls = 0;
    return 1;
}

static inline uint32_t seq_load(const uint8_t *slot)
{
    return __atomic_load_n((const uint32_t *)slot, __ATOMIC_ACQUIRE);
}

static inline void seq_store(uint8_t *slot, uint32_t v)
{
    __atomic_store_n((uint32_t *)slot, v, __ATOMIC_RELEASE);
}

#ifndef __KERNEL__ /* the kernel has its own */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}
#endif

int cdn_ep_violation_set(struct cdn_ep *ep, const char *what, uint64_t pos, uint32_t seen)
{
    ep->stats.protocol_errors++;
    if (!ep->broken) {
        ep->broken = 1;
        snprintf(ep->violation, sizeof ep->violation, "%s (position %llu, value 0x%x)", what,
                 (unsigned long long)pos, seen);
    }
    return CDN_EPROTO;
}

int cdn_ep_protocol_error(struct cdn_ep *ep, const char *what)
{
    ep->stats.protocol_errors++;
    if (!ep->broken) {
        ep->broken = 1;
        snprintf(ep->violation, sizeof ep->violation, "%s", what);
    }
    return CDN_EPROTO;
}

int cdn_ep_create(const struct cdn_region *region, enum cdn_side side, enum cdn_wait_policy policy,
                  struct cdn_ep **out)
{
    struct cdn_region_layout l;
    if (!region || !out || !region->base || cdn_layout_compute(&region->geom, &l) != CDN_OK ||
        region->size < l.total)
        return CDN_EINVAL;
    struct cdn_ep *ep = calloc(1, sizeof *ep);
    if (!ep)
        return CDN_ENOMEM;
    if (region->geom.ext_slot_size) {
        ep->rx_ext_buf = malloc(region->geom.ext_slot_size);
        if (!ep->rx_ext_buf) {
            free(ep);
            return CDN_ENOMEM;
        }
    }
    ep->geom = region->geom;
    ep->mask = region->geom.ring_slots - 1;
    ep->policy = policy;
    ep->peer_may_sleep = 1;
    uint8_t *base = region->base;
    int tx = side == CDN_SIDE_HOST ? CDN_RING_H2D : CDN_RING_D2H;
    int rx = 1 - tx;
    ep->tx.slots = base + l.ring_off[tx];
    ep->tx.ext = base + l.ext_off[tx];
    ep->tx.ctl = cdn_ring_ctl(base, tx);
    ep->rx.slots = base + l.ring_off[rx];
    ep->rx.ext = base + l.ext_off[rx];
    ep->rx.ctl = cdn_ring_ctl(base, rx);
    if (side == CDN_SIDE_DOMAIN)
        ep->beat = cdn_heartbeat_word(base);
    *out = ep;
    return CDN_OK;
}

void cdn_ep_destroy(struct cdn_ep *ep)
{
    if (!ep)
        return;
    free(ep->rx_ext_buf);
    free(ep);
}

void cdn_ep_set_peer_check(struct cdn_ep *ep, cdn_peer_dead_fn fn, void *arg)
{
    ep->peer_dead = fn;
    ep->peer_arg = arg;
}

void cdn_ep_set_policy(struct cdn_ep *ep, enum cdn_wait_policy policy)
{
    ep->policy = policy;
}

void cdn_ep_set_peer_policy(struct cdn_ep *ep, enum cdn_wait_policy peer_policy)
{
    ep->peer_may_sleep = peer_policy != CDN_WAIT_SPIN;
}

void cdn_ep_mark_dead(struct cdn_ep *ep)
{
    __atomic_store_n(&ep->dead, 1, __ATOMIC_SEQ_CST);
    /* Kick our own sleepers so they notice now, not at the end of a slice. */
    cdn_futex_wake(&ep->rx.ctl->data_doorbell, 64);
    cdn_futex_wake(&ep->tx.ctl->space_doorbell, 64);
}

int cdn_ep_broken(const struct cdn_ep *ep)
{
    return ep->broken;
}

const char *cdn_ep_violation(const struct cdn_ep *ep)
{
    return ep->violation;
}

void cdn_ep_get_stats(const struct cdn_ep *ep, struct cdn_ep_stats *out)
{
    *out = ep->stats;
}

static int is_dead(struct cdn_ep *ep)
{
    if (__atomic_load_n(&ep->dead, __ATOMIC_ACQUIRE))
        return 1;
    if (ep->peer_dead && ep->peer_dead(ep->peer_arg)) {
        __atomic_store_n(&ep->dead, 1, __ATOMIC_RELEASE);
        return 1;
    }
    return 0;
}

int cdn_ep_marked_dead(const struct cdn_ep *ep)
{
    return __atomic_load_n(&ep->dead, __ATOMIC_ACQUIRE);
}

int cdn_ep_check_peer(struct cdn_ep *ep)
{
    return is_dead(ep) ? CDN_EDEAD : CDN_OK;
}

/*
 * Waits until the sequence word of `slot` equals `want`. While waiting the
 * only other legal value is `idle`; anything else is a protocol violation.
 * `sleeping`/`doorbell` are the event count the adaptive policy sleeps on.
 */
static int deadline_passed(struct cdn_wait *w)
{
    if (w->timeout_ns < 0)
        return 0;
    int64_t now = cdn_now_ns();
    if (w->deadline == 0)
        w->deadline = now + w->timeout_ns;
    return now >= w->deadline;
}

static void flush_releases(struct cdn_ep *ep);

/*
 * Waits until the sequence word of `slot` equals `want`. While waiting the
 * only other legal values are idle1 and idle2; anything else is a protocol
 * violation. `sleeping`/`doorbell` are the event count the adaptive policy
 * sleeps on. Before waiting for real, releases every consumed rx slot so that
 * a peer waiting for space can go on (no deadlock through unsent acks).
 */
/* The domain side shows it is alive: waiting (it is not stuck in module
 * code) or receiving (it is making progress). See cdn_heartbeat_word. */
static inline void heartbeat(struct cdn_ep *ep)
{
    if (ep->beat)
        __atomic_store_n(ep->beat, ++ep->beats, __ATOMIC_RELAXED);
}

void cdn_ep_heartbeat(struct cdn_ep *ep)
{
    heartbeat(ep);
}

static int wait_seq(struct cdn_ep *ep, uint8_t *slot, uint32_t want, uint32_t idle1, uint32_t idle2,
                    uint64_t pos, struct cdn_wait *w, uint32_t *sleeping, uint32_t *doorbell,
                    const char *what)
{
#define IDLE(v) ((v) == idle1 || (v) == idle2)
    uint32_t s = seq_load(slot);
    if (s == want)
        return CDN_OK;
    if (!IDLE(s))
        return cdn_ep_violation_set(ep, what, pos, s);
    if (__atomic_load_n(&ep->dead, __ATOMIC_ACQUIRE))
        return CDN_EDEAD;
    if (w->timeout_ns == 0)
        return CDN_EAGAIN;

    for (uint32_t i = 1;; i++) {
        cpu_relax();
        s = seq_load(slot);
        if (s == want)
            return CDN_OK;
        if (!IDLE(s))
            return cdn_ep_violation_set(ep, what, pos, s);
        if (i % CHECK_EVERY == 0) {
            heartbeat(ep);
            if (i == CHECK_EVERY)
                flush_releases(ep);
            if (__atomic_load_n(&ep->dead, __ATOMIC_ACQUIRE))
                return CDN_EDEAD;
            if (deadline_passed(w))
                return CDN_ETIMEDOUT;
            if (i % PEER_CHECK_EVERY == 0 && is_dead(ep))
                return CDN_EDEAD;
            if (ep->policy == CDN_WAIT_ADAPTIVE && i >= ADAPTIVE_SPINS)
                break;
        }
    }

    /* Adaptive: sleep on the event count. The doorbell value is read before
     * announcing sleep and re-checking the slot, so a publish that races with
     * us either shows in the re-check or changes the doorbell (futex returns
     * at once). */
    for (;;) {
        uint32_t bell = __atomic_load_n(doorbell, __ATOMIC_ACQUIRE);
        __atomic_store_n(sleeping, 1, __ATOMIC_SEQ_CST);
        s = seq_load(slot);
        if (s == want || !IDLE(s)) {
            __atomic_store_n(sleeping, 0, __ATOMIC_RELAXED);
            if (s == want)
                return CDN_OK;
            return cdn_ep_violation_set(ep, what, pos, s);
        }
        int64_t slice = SLEEP_SLICE_NS;
        if (w->timeout_ns >= 0) {
            if (deadline_passed(w)) {
                __atomic_store_n(sleeping, 0, __ATOMIC_RELAXED);
                return CDN_ETIMEDOUT;
            }
            int64_t left = w->deadline - cdn_now_ns();
            if (left < slice)
                slice = left > 0 ? left : 1;
        }
        ep->stats.futex_waits++;
        cdn_futex_wait(doorbell, bell, slice);
        heartbeat(ep);
        __atomic_store_n(sleeping, 0, __ATOMIC_RELAXED);
        s = seq_load(slot);
        if (s == want)
            return CDN_OK;
        if (!IDLE(s))
            return cdn_ep_violation_set(ep, what, pos, s);
        if (is_dead(ep))
            return CDN_EDEAD;
        if (w->once)
            return CDN_EAGAIN; /* woken for something else, or the slice ended */
    }
#undef IDLE
}

/* Wakes a peer sleeping on an event count, if it said it sleeps. */
static inline void wake_peer(struct cdn_ep *ep, uint32_t *sleeping, uint32_t *doorbell)
{
    if (!ep->peer_may_sleep)
        return;
    /* Order our publish before reading `sleeping` (store->load). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(sleeping, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(doorbell, 1, __ATOMIC_RELEASE);
        ep->stats.futex_wakes++;
        cdn_futex_wake(doorbell, 1);
    }
}

/*
 * Explicitly releases every consumed rx slot not yet released. The CAS only
 * succeeds while the slot still holds the message we consumed: if the peer
 * already reused it (having learned from an ack that it was free), the slot
 * is left alone.
 */
static void flush_releases(struct cdn_ep *ep)
{
    if (ep->rx_released == ep->rx.pos)
        return;
    /* Slots of positions older than one lap belong to newer messages now. */
    uint64_t from = ep->rx_released;
    if (ep->rx.pos - from > ep->geom.ring_slots)
        from = ep->rx.pos - ep->geom.ring_slots;
    for (uint64_t q = from; q < ep->rx.pos; q++) {
        uint32_t *seq = (uint32_t *)(ep->rx.slots + (size_t)(q & ep->mask) * CDN_SLOT_SIZE);
        uint32_t expect = (uint32_t)(q + 1);
        __atomic_compare_exchange_n(seq, &expect, (uint32_t)(q + ep->geom.ring_slots), 0,
                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
    }
    ep->rx_released = ep->rx.pos;
    wake_peer(ep, &ep->rx.ctl->space_sleeping, &ep->rx.ctl->space_doorbell);
}

int cdn_ep_send(struct cdn_ep *ep, const struct cdn_msg *msg, int64_t timeout_ns)
{
    struct cdn_wait w = cdn_wait_for(timeout_ns);
    return cdn_ep_send_w(ep, msg, &w);
}

int cdn_ep_recv(struct cdn_ep *ep, struct cdn_msg *msg, int64_t timeout_ns)
{
    struct cdn_wait w = cdn_wait_for(timeout_ns);
    return cdn_ep_recv_w(ep, msg, &w);
}

int cdn_ep_send_w(struct cdn_ep *ep, const struct cdn_msg *msg, struct cdn_wait *w)
{
    if (!ep || !msg)
        return CDN_EINVAL;
    if (ep->broken)
        return CDN_EPROTO;
    if (msg->inline_len > CDN_INLINE_MAX || (msg->flags & ~CDN_MSG_FLAGS_ALL))
        return CDN_EINVAL;
    if (msg->ext_len > ep->geom.ext_slot_size)
        return CDN_ETOOBIG;
    if (msg->ext_len && !msg->ext)
        return CDN_EINVAL;

    uint64_t p = ep->tx.pos;
    uint32_t idx = (uint32_t)(p & ep->mask);
    uint8_t *slot = ep->tx.slots + (size_t)idx * CDN_SLOT_SIZE;
    uint32_t n = ep->geom.ring_slots;
    if (p >= ep->tx_acked + n) {
        /* No ack covers the slot yet: its sequence word must say released. */
        int r = wait_seq(ep, slot, (uint32_t)p, (uint32_t)(p - n + 1), (uint32_t)(p - n + 1), p, w,
                         &ep->tx.ctl->space_sleeping, &ep->tx.ctl->space_doorbell,
                         "send slot has an impossible sequence word");
        if (r != CDN_OK)
            return r;
    } else if (__atomic_load_n(&ep->dead, __ATOMIC_RELAXED)) {
        return CDN_EDEAD;
    }
    if (msg->ext_len)
        memcpy(ep->tx.ext + (size_t)idx * ep->geom.ext_slot_size, msg->ext, msg->ext_len);
    cdn_msg_encode(msg, &ep->geom, slot); /* cannot fail: checked above */
    /* Our ack: everything we consumed so far. The peer may reuse those slots
     * as soon as it reads this; a later explicit release of one of them is
     * harmless (see flush_releases), and still needed if the peer is stuck
     * waiting for space without reading its ring. */
    uint32_t ack = (uint32_t)ep->rx.pos;
    memcpy(slot + 4, &ack, sizeof ack);
    ep->rx_acked = ep->rx.pos;
    seq_store(slot, (uint32_t)(p + 1));
    ep->tx.pos = p + 1;
    ep->stats.sent++;
    wake_peer(ep, &ep->tx.ctl->data_sleeping, &ep->tx.ctl->data_doorbell);
    return CDN_OK;
}

int cdn_ep_wait_readable(struct cdn_ep *ep, int64_t timeout_ns)
{
    if (!ep)
        return CDN_EINVAL;
    if (ep->broken)
        return CDN_EPROTO;
    if (ep->policy != CDN_WAIT_ADAPTIVE)
        return CDN_EAGAIN; /* a spinning side never sleeps here */
    struct cdn_wait w = cdn_wait_for(timeout_ns);
    w.once = 1;
    uint64_t c = ep->rx.pos;
    uint8_t *slot = ep->rx.slots + (size_t)(c & ep->mask) * CDN_SLOT_SIZE;
    uint32_t n = ep->geom.ring_slots;
    /* about to wait: what we consumed is released first, as a receive does */
    flush_releases(ep);
    return wait_seq(ep, slot, (uint32_t)(c + 1), (uint32_t)c, (uint32_t)(c - n + 1), c, &w,
                    &ep->rx.ctl->data_sleeping, &ep->rx.ctl->data_doorbell,
                    "receive slot has an impossible sequence word");
}

int cdn_ep_recv_w(struct cdn_ep *ep, struct cdn_msg *msg, struct cdn_wait *w)
{
    if (!ep || !msg)
        return CDN_EINVAL;
    if (ep->broken)
        return CDN_EPROTO;

    uint64_t c = ep->rx.pos;
    uint32_t idx = (uint32_t)(c & ep->mask);
    uint8_t *slot = ep->rx.slots + (size_t)idx * CDN_SLOT_SIZE;
    uint32_t n = ep->geom.ring_slots;
    int r = wait_seq(ep, slot, (uint32_t)(c + 1), (uint32_t)c, (uint32_t)(c - n + 1), c, w,
                     &ep->rx.ctl->data_sleeping, &ep->rx.ctl->data_doorbell,
                     "receive slot has an impossible sequence word");
    if (r != CDN_OK)
        return r;

    heartbeat(ep);
    /* Copy first, then validate the copy; never look at the slot again. */
    uint8_t copy[CDN_SLOT_SIZE];
    memcpy(copy, slot, sizeof copy);
    r = cdn_msg_decode(copy, &ep->geom, msg);
    if (r != CDN_OK)
        return cdn_ep_violation_set(ep, "malformed message header", c, copy[18]);
    /* The ack may only move forward, and never past what we have sent. */
    uint32_t advance = msg->ack - (uint32_t)ep->tx_acked;
    if (advance > (uint32_t)(ep->tx.pos - ep->tx_acked))
        return cdn_ep_violation_set(ep, "ack beyond what was sent", c, msg->ack);
    ep->tx_acked += advance;
    if (msg->ext_len) {
        memcpy(ep->rx_ext_buf, ep->rx.ext + (size_t)idx * ep->geom.ext_slot_size, msg->ext_len);
        msg->ext = ep->rx_ext_buf;
    }
    ep->rx.pos = c + 1;
    ep->stats.received++;
    /* A one-way stream sends no acks back: release in batches of half a ring. */
    uint64_t covered = ep->rx_released > ep->rx_acked ? ep->rx_released : ep->rx_acked;
    if (ep->rx.pos - covered >= n / 2)
        flush_releases(ep);
    return CDN_OK;
}

/* endpoint.h - the private state of one side of a channel. */
#ifndef CORDON_IPC_ENDPOINT_H
#define CORDON_IPC_ENDPOINT_H

#include <stdint.h>

#include "layout.h"

/* One direction as seen by one side. `pos` is private: it is never stored in,
 * nor derived from, shared memory. */
struct cdn_ring_view {
    uint8_t *slots;
    uint8_t *ext;
    struct cdn_ring_ctl *ctl;
    uint64_t pos;
};

struct cdn_ep {
    struct cdn_chan_geometry geom; /* private copy; all bounds come from here */
    uint32_t mask;
    struct cdn_ring_view tx, rx;
    enum cdn_wait_policy policy;
    int peer_may_sleep; /* peer uses the adaptive policy: wake it after publishing */
    /* Flow control (see layout.h). tx_acked: the peer has consumed our tx
     * positions below this. rx_released: rx positions below this were
     * explicitly released. rx_acked: rx positions below this were announced
     * in an ack we sent (the peer may not have read it yet). */
    uint64_t tx_acked;
    uint64_t rx_released;
    uint64_t rx_acked;
    cdn_peer_dead_fn peer_dead;
    void *peer_arg;
    int dead;   /* atomic */
    int broken; /* first protocol violation seen */
    char violation[128];
    uint8_t *rx_ext_buf; /* private copy of the last received extension payload */
    uint32_t next_call_id;
    uint32_t *beat; /* domain side: the heartbeat word (layout.h); host side: NULL */
    uint32_t beats; /* private count; published to *beat */
    struct cdn_ep_stats stats;
};

/*
 * A wait budget shared by the steps of one operation (a call is a send, then
 * receives). The absolute deadline is computed lazily, the first time a wait
 * has spun long enough to look at the clock, so the fast path (the slot is
 * ready within a few hundred spins) never reads the clock. The deadline can
 * therefore start a few microseconds late; nothing relies on more precision.
 */
struct cdn_wait {
    int64_t timeout_ns; /* < 0: none; 0: do not wait */
    int64_t deadline;   /* 0 until first needed */
    int once;           /* return after one sleep, whatever woke it (CDN_EAGAIN) */
};

static inline struct cdn_wait cdn_wait_for(int64_t timeout_ns)
{
    struct cdn_wait w = {timeout_ns, 0, 0};
    return w;
}

int cdn_ep_send_w(struct cdn_ep *ep, const struct cdn_msg *msg, struct cdn_wait *w);
int cdn_ep_recv_w(struct cdn_ep *ep, struct cdn_msg *msg, struct cdn_wait *w);

/* Records a protocol violation and returns CDN_EPROTO. */
int cdn_ep_violation_set(struct cdn_ep *ep, const char *what, uint64_t pos, uint32_t seen);

/* Builds the reply to req (control rpcs, handler, error status, call_id and
 * flags) without sending it. */
void cdn_ep_make_reply(const struct cdn_msg *req, cdn_handler_fn handler, void *arg,
                       struct cdn_msg *rep);

/* Sends a reply to req (fills call_id and flags) and handles control rpcs. */
int cdn_ep_serve_one(struct cdn_ep *ep, const struct cdn_msg *req, cdn_handler_fn handler,
                     void *arg, struct cdn_wait *w);

#endif

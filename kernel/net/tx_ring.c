/*
 * tx_ring.c - the transmit ring: how the net core hands packets to an
 * isolated driver that has one (cordon_rings.h).
 *
 * dev_queue_xmit_more() collects the packets of a burst in the device's
 * ring; when the burst ends (more is false) or the batch is full, one posted
 * message carries them all to the driver's domain. Each skb travels as an
 * 8-byte descriptor (where its data sits in the shared heap, its length);
 * its name is its number in the driver's in-flight table, consecutive within
 * a message. The domain runs the driver's ndo_start_xmit on a shadow of
 * each and sends back, batched, runs of numbers the driver freed and any
 * verdict that was not NETDEV_TX_OK. The host never waits for that: it goes
 * on producing, and applies completions whenever it polls the channel.
 *
 * Invariants (the host's; the domain is not trusted):
 *   - an skb is either the host's alone, or in exactly one driver's
 *     in-flight table; a completion takes it out once: a second one names a
 *     number from the past and is counted as a double free, never applied;
 *     a number from the future is forged (a protocol violation);
 *   - every skb in a table is freed exactly once: by its completion, by a
 *     verdict that says the driver kept nothing, or by the reclaim when the
 *     driver's domain goes away;
 *   - nothing from a completion message is used before it is checked: the
 *     counts against the message's length, each number against the table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core_impl.h"
#include "cordon/glue.h"
#include "cordon_rings.h"
#include "linux/netdevice.h"

struct cdn_txring {
    struct cdn_glue *g;
    struct cdn_driver *drv;
    uint64_t dev_ref;
    const uint8_t *heap_base;
    uint32_t npending;
    int busy;                /* a flush is running: a nested detach defers the free */
    int dead;                /* detached while busy: freed when the flush returns */
    uint32_t posts_unpolled; /* flushes since the last poll (TX_CLEAN_EVERY) */
    struct sk_buff *pending[CDN_RING_BATCH_MAX];
    struct {
        struct cdn_net_tx_hdr hdr;
        struct cdn_net_tx_desc d[CDN_RING_BATCH_MAX];
    } msg;
};

/* A flush applies the completions already in once this many skbs are in
 * flight, or after this many flushes without: the domain may answer every
 * small batch with a message of its own, and must not find the channel
 * back to the host full (it would wait, and the host behind it). */
#define TX_CLEAN_AT    (CDN_RING_SLOTS / 2)
#define TX_CLEAN_EVERY 8

/* Packets that will not reach the driver: the core drops them. */
static void drop(struct sk_buff *const *skbs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        kfree_skb(skbs[i]);
        cdn_kstats.xmit_dropped++;
    }
}

void cdn_txring_attach(struct net_device *dev)
{
    cdn_txring_detach(dev);
    uint64_t ref;
    struct cdn_driver *drv = cdn_core_ring_driver(dev->netdev_ops, CDN_RINGS_NET_TX, dev, &ref);
    if (!drv)
        return; /* a native driver, or one without a ring: per-call transmit */
    struct cdn_txring *t = calloc(1, sizeof *t);
    if (!t)
        return;
    t->g = drv->glue;
    t->drv = drv;
    t->dev_ref = ref;
    t->heap_base = cdn_heap_base(cdn_kernel_heap());
    dev->txr = t;
}

void cdn_txring_detach(struct net_device *dev)
{
    struct cdn_txring *t = dev->txr;
    if (!t)
        return;
    dev->txr = NULL;
    drop(t->pending, t->npending); /* as Linux drops a reset qdisc's packets */
    t->npending = 0;
    if (t->busy)
        t->dead = 1;
    else
        free(t);
}

int cdn_txring_xmit(struct net_device *dev, struct sk_buff *skb, bool more)
{
    struct cdn_txring *t = dev->txr;
    if (t->npending == CDN_RING_BATCH_MAX) {
        /* full while another fiber's flush of this ring is posting */
        kfree_skb(skb);
        cdn_kstats.xmit_dropped++;
        return -EBUSY;
    }
    t->pending[t->npending++] = skb;
    if (more && t->npending < CDN_RING_BATCH_MAX)
        return 0;
    return cdn_txring_flush(dev);
}

/* Waits (serving the channel) until a slot is free; the driver holding
 * every slot for the call deadline is a hung transmit. */
static int wait_for_room(struct cdn_txring *t, struct cdn_inflight *skbs)
{
    if (skbs->live < CDN_RING_SLOTS)
        return CDN_OK;
    cdn_kstats.ring_full_waits++;
    int64_t timeout = t->drv->policy.call_timeout_ns;
    int64_t start = cdn_now_ns();
    int64_t deadline = timeout > 0 ? start + timeout : INT64_MAX; /* <= 0: none */
    for (;;) {
        int st = cdn_glue_poll(t->g);
        int64_t now = cdn_now_ns();
        cdn_kstats.ring_full_wait_ns += (unsigned long)(now - start);
        start = now;
        if (st != CDN_OK || t->dead)
            return st != CDN_OK ? st : CDN_EDEAD;
        if (skbs->live < CDN_RING_SLOTS)
            return CDN_OK;
        if (now >= deadline) {
            printk(KERN_ERR "%s: transmit ring full for %lld ms: the driver holds %u skbs\n",
                   t->drv->desc->name, (long long)(t->drv->policy.call_timeout_ns / 1000000),
                   skbs->live);
            cdn_glue_set_error(t->g, CDN_ETIMEDOUT); /* a hung transmit: the supervisor decides */
            return CDN_ETIMEDOUT;
        }
    }
}

/* Enters skbs[0..n) in the table under consecutive numbers, as far as the
 * slots allow, and writes their descriptors; returns how many. */
static uint32_t fill_message(struct cdn_txring *t, struct cdn_inflight *tab,
                             struct sk_buff *const *skbs, uint32_t n)
{
    const uint8_t *heap_base = t->heap_base;
    uint32_t k = cdn_inflight_post_run(tab, (void *const *)skbs, n, &t->msg.hdr.first_seq);
    for (uint32_t i = 0; i < k; i++) {
        struct cdn_net_tx_desc *d = &t->msg.d[i];
        d->data_off = (uint32_t)(skbs[i]->data - heap_base);
        d->len = (uint16_t)skbs[i]->len;
        d->protocol = skbs[i]->protocol;
    }
    t->msg.hdr.dev_ref = t->dev_ref;
    t->msg.hdr.count = (uint16_t)k;
    t->msg.hdr.flags = 0;
    return k;
}

int cdn_txring_flush(struct net_device *dev)
{
    struct cdn_txring *t = dev->txr;
    if (!t || t->npending == 0 || t->busy)
        return 0; /* a flush in progress (it may yield) posts these after its own */
    struct cdn_inflight *tab = &t->drv->rings->skbs;
    /* The batch is ours from here: a detach while we poll must not drop it too. */
    struct sk_buff *skbs[CDN_RING_BATCH_MAX];
    uint32_t n = t->npending, i = 0;
    memcpy(skbs, t->pending, n * sizeof skbs[0]);
    t->npending = 0;
    t->busy = 1;
    int st = CDN_OK;
    while (i < n) {
        st = wait_for_room(t, tab);
        if (st != CDN_OK)
            break;
        uint32_t k = fill_message(t, tab, skbs + i, n - i);
        st = cdn_glue_post(t->g, CDN_RPC_NET_TX, &t->msg,
                           (uint32_t)(sizeof t->msg.hdr + k * sizeof t->msg.d[0]));
        cdn_kstats.ring_batches++;
        if (t->dead) {
            /* The driver failed during the post: the reclaim has freed
             * these k along with everything else in the table. */
            i += k;
            break;
        }
        if (st != CDN_OK) {
            /* Not sent: these packets never reached the driver. */
            for (uint32_t j = 0; j < k; j++) {
                int stale;
                cdn_inflight_take(tab, t->msg.hdr.first_seq + j, &stale);
            }
            break;
        }
        i += k;
    }
    drop(skbs + i, n - i);
    if (t->dead) {
        free(t);
        return st == CDN_OK ? 0 : -EBUSY;
    }
    t->busy = 0;
    if (st == CDN_OK) {
        /* Completions are applied lazily, as a NIC driver cleans its
         * transmit ring when descriptors run low: here once half the
         * table is in flight (and when it is full, in wait_for_room, and
         * whenever the host's runtime polls), or after TX_CLEAN_EVERY
         * flushes. A poll after every batch cost 4-5 points of the batch-32
         * ratio (docs/benchmarks.md). */
        if (tab->live >= TX_CLEAN_AT || ++t->posts_unpolled >= TX_CLEAN_EVERY) {
            t->posts_unpolled = 0;
            cdn_glue_poll(t->g);
        }
        return 0;
    }
    if (cdn_core_crossing_status(st))
        cdn_core_crossing_failed(t->g); /* may restart the driver (and remake the ring) */
    return -EBUSY;
}

int cdn_net_tx_sync(struct net_device *dev)
{
    if (!dev || !dev->txr)
        return 0;
    /* the flush may serve the driver's requests: held across it */
    dev_hold(dev);
    int flushed = cdn_txring_flush(dev);
    struct cdn_txring *t = dev->txr;
    dev_put(dev); /* not touched after: the call below uses the glue */
    if (flushed != 0)
        return -EIO;
    if (!t)
        return -EIO; /* the flush failed and the driver was restarted */
    struct cdn_glue *g = t->g;
    struct cdn_wbuf w;
    struct cdn_rbuf r;
    struct cdn_msg store;
    cdn_wbuf_init(&w, g);
    int st = cdn_glue_call(g, CDN_RPC_RING_SYNC, &w, &r, &store);
    if (st == CDN_OK)
        st = cdn_r_finish(&r);
    if (st == CDN_OK)
        return 0;
    if (cdn_core_crossing_status(st))
        cdn_core_crossing_failed(g);
    return st == CDN_ETIMEDOUT ? -ETIMEDOUT : -EIO;
}

/* A run of skbs the driver freed: taken out of the table, then freed
 * together (consumed: the packets went out). */
static int apply_run(struct cdn_driver *drv, struct cdn_inflight *tab, const struct cdn_ring_run *r)
{
    void *done[CDN_RING_SLOTS]; /* r->count <= CDN_RING_SLOTS: checked */
    uint32_t stale, forged;
    uint32_t ndone = cdn_inflight_take_run(tab, r->first_seq, r->count, done, &stale, &forged);
    if (ndone) /* (also tells gcc that done[] is written before it is read) */
        cdn_kfree_skb_bulk((struct sk_buff *const *)done, ndone);
    if (stale) {
        cdn_kstats.skb_double_frees += stale;
        printk(KERN_ERR "%s: driver freed %u skb(s) twice; ignored\n", drv->desc->name, stale);
    }
    if (forged) {
        printk(KERN_ERR "%s: completion for %u skb(s) never handed out (run %u+%u, next %u)\n",
               drv->desc->name, forged, r->first_seq, r->count, tab->next_seq);
        return CDN_EBADH; /* a number never handed out: forged */
    }
    return CDN_OK;
}

/* A verdict other than NETDEV_TX_OK. BUSY: the driver kept nothing and the
 * core drops the packet. Anything else is a driver bug: reported, and the
 * skb freed if the driver did not. */
static int apply_verdict(struct cdn_driver *drv, struct cdn_inflight *tab,
                         const struct cdn_ring_verdict *v)
{
    int stale;
    struct sk_buff *skb = cdn_inflight_take(tab, v->seq, &stale);
    if (!skb && !stale)
        return CDN_EBADH;
    if (v->value != NETDEV_TX_BUSY || !skb) {
        cdn_kstats.xmit_bad_returns++;
        printk(KERN_ERR "%s: ndo_start_xmit returned %d%s\n", drv->desc->name, (int)v->value,
               skb ? "" : " for an skb it had freed");
    }
    if (skb) {
        if (v->value != NETDEV_TX_BUSY)
            cdn_kstats.skbs_reclaimed++;
        kfree_skb(skb);
        cdn_kstats.xmit_dropped++;
    }
    return CDN_OK;
}

int cdn_net_tx_done(struct cdn_driver *drv, const void *buf, uint32_t len)
{
    struct cdn_ring_done_hdr hdr;
    const uint8_t *runs, *verdicts;
    if (!drv->rings || !drv->rings->skbs.obj)
        return CDN_EPROTO; /* it was never given a packet */
    int st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts);
    if (st != CDN_OK)
        return st;
    struct cdn_inflight *tab = &drv->rings->skbs;
    cdn_kstats.ring_completions++;
    int first_err = CDN_OK; /* the rest still apply: nothing is left half done */
    for (uint32_t i = 0; i < hdr.nruns; i++) {
        struct cdn_ring_run r;
        memcpy(&r, runs + (size_t)i * sizeof r, sizeof r);
        st = r.count == 0 || r.count > CDN_RING_SLOTS || r.status != 0 ? CDN_EPROTO
                                                                       : apply_run(drv, tab, &r);
        if (st != CDN_OK && first_err == CDN_OK)
            first_err = st;
    }
    for (uint32_t i = 0; i < hdr.nverdicts; i++) {
        struct cdn_ring_verdict v;
        memcpy(&v, verdicts + (size_t)i * sizeof v, sizeof v);
        st = apply_verdict(drv, tab, &v);
        if (st != CDN_OK && first_err == CDN_OK)
            first_err = st;
    }
    return first_err;
}

static void reclaim_skb(void *obj, void *arg)
{
    (void)arg;
    kfree_skb(obj);
    cdn_kstats.skbs_reclaimed++;
}

void cdn_net_rings_reclaim(struct cdn_driver *drv)
{
    if (drv->rings && drv->rings->skbs.obj)
        cdn_inflight_drain(&drv->rings->skbs, reclaim_skb, NULL);
}

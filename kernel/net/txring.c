/*
 * txring.c - the transmit ring: how the net core hands packets to an
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

#include "net_impl.h"
#include "../core/ring_post.h"
#include "cordon/glue.h"
#include "cordon_rings.h"
#include "linux/netdevice.h"

struct cdn_txring {
    struct cdn_ring_post post; /* first: the shared part (ring_post.h) */
    uint32_t posts_unpolled;   /* flushes since the last poll (TX_CLEAN_EVERY) */
    struct {
        struct cdn_ring_batch_hdr hdr;
        struct cdn_txring_desc d[CDN_RING_BATCH_MAX];
    } msg;
};

/* A flush applies the completions already in once this many skbs are in
 * flight, or after this many flushes without: the domain may answer every
 * small batch with a message of its own, and must not find the channel
 * back to the host full (it would wait, and the host behind it). */
#define TX_CLEAN_AT    (CDN_RING_SLOTS / 2)
#define TX_CLEAN_EVERY 8

/* A packet that will not reach the driver: the core drops it. */
static void drop(struct cdn_ring_post *p, void *skb, int why)
{
    (void)p;
    (void)why;
    kfree_skb(skb);
    cdn_kstats.xmit_dropped++;
}

void cdn_txring_attach(struct net_device *dev)
{
    cdn_txring_detach(dev);
    uint64_t ref;
    struct cdn_driver *drv = cdn_core_ring_driver(dev->netdev_ops, CDN_RINGS_TX, dev, &ref);
    if (drv) /* else a native driver, or one without a ring: per-call transmit */
        dev->txr = cdn_ring_post_new(drv, ref, sizeof(struct cdn_txring));
}

void cdn_txring_detach(struct net_device *dev)
{
    struct cdn_txring *t = dev->txr;
    if (!t)
        return;
    dev->txr = NULL;
    cdn_ring_post_detach(&t->post, drop); /* as Linux drops a reset qdisc's packets */
}

int cdn_txring_xmit(struct net_device *dev, struct sk_buff *skb, bool more)
{
    struct cdn_ring_post *p = &dev->txr->post;
    if (p->npending == CDN_RING_BATCH_MAX) {
        /* full while another fiber's flush of this ring is posting */
        drop(p, skb, CDN_ELIMIT);
        return -EBUSY;
    }
    p->pending[p->npending++] = skb;
    if (more && p->npending < CDN_RING_BATCH_MAX)
        return 0;
    return cdn_txring_flush(dev);
}

/* Before each message: waits (serving the channel) until a slot is free;
 * the driver holding every slot for the call deadline is a hung transmit. */
static int wait_for_room(struct cdn_ring_post *p, struct cdn_inflight *skbs)
{
    if (skbs->live < CDN_RING_SLOTS)
        return CDN_OK;
    cdn_kstats.ring_full_waits++;
    int64_t timeout = p->drv->policy.call_timeout_ns;
    int64_t start = cdn_now_ns();
    int64_t deadline = timeout > 0 ? start + timeout : INT64_MAX; /* <= 0: none */
    for (;;) {
        int st = cdn_glue_poll(p->g);
        int64_t now = cdn_now_ns();
        cdn_kstats.ring_full_wait_ns += (unsigned long)(now - start);
        start = now;
        if (st != CDN_OK || p->dead)
            return st != CDN_OK ? st : CDN_EDEAD;
        if (skbs->live < CDN_RING_SLOTS)
            return CDN_OK;
        if (now >= deadline) {
            printk(KERN_ERR "%s: transmit ring full for %lld ms: the driver holds %u skbs\n",
                   p->drv->desc->name, (long long)(p->drv->policy.call_timeout_ns / 1000000),
                   skbs->live);
            cdn_glue_set_error(p->g, CDN_ETIMEDOUT); /* a hung transmit: the supervisor decides */
            return CDN_ETIMEDOUT;
        }
    }
}

/* An skb's 8-byte descriptor: where its data sits in the shared heap. */
static void describe(const struct cdn_ring_post *p, const void *obj, void *desc)
{
    const struct sk_buff *skb = obj;
    struct cdn_txring_desc *d = desc;
    d->data_off = (uint32_t)(skb->data - p->heap_base);
    d->len = (uint16_t)skb->len;
    d->protocol = skb->protocol;
}

static const struct cdn_ring_post_ops tx_ops = {
    .rpc = CDN_RPC_TXRING,
    .desc_size = sizeof(struct cdn_txring_desc),
    .before = wait_for_room,
    .describe = describe,
    .give_back = drop,
};

int cdn_txring_flush(struct net_device *dev)
{
    struct cdn_txring *t = dev->txr;
    if (!t || t->post.npending == 0 || t->post.busy)
        return 0; /* a flush in progress (it may yield) posts these after its own */
    struct cdn_glue *g = t->post.g;
    struct cdn_inflight *tab = &t->post.drv->rings->skbs;
    int gone;
    int st = cdn_ring_post_flush(&t->post, tab, &tx_ops, &t->msg, &gone);
    if (gone)
        return st == CDN_OK ? 0 : -EBUSY; /* the driver failed meanwhile: restarted already */
    if (st == CDN_OK) {
        /* Completions are applied lazily, as a NIC driver cleans its
         * transmit ring when descriptors run low: here once half the
         * table is in flight (and when it is full, in wait_for_room, and
         * whenever the host's runtime polls), or after TX_CLEAN_EVERY
         * flushes. A poll after every batch cost 4-5 points of the batch-32
         * ratio (docs/benchmarks.md). */
        if (tab->live >= TX_CLEAN_AT || ++t->posts_unpolled >= TX_CLEAN_EVERY) {
            t->posts_unpolled = 0;
            cdn_glue_poll(g);
        }
        return 0;
    }
    if (cdn_core_crossing_status(st))
        cdn_core_crossing_failed(g); /* may restart the driver (and remake the ring) */
    return -EBUSY;
}

int cdn_txring_sync(struct net_device *dev)
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
    struct cdn_glue *g = t->post.g;
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

/* A transmit run carries no status: the driver only freed the packets. */
static int tx_status_ok(int status)
{
    return status == 0;
}

static const struct cdn_ring_done_ops tx_done = {
    .status_ok = tx_status_ok,
    .run = apply_run,
    .verdict = apply_verdict,
};

int cdn_txring_done(struct cdn_driver *drv, const void *buf, uint32_t len)
{
    if (!drv->rings || !drv->rings->skbs.obj)
        return CDN_EPROTO; /* it was never given a packet */
    return cdn_ring_done_apply(drv, &drv->rings->skbs, buf, len, &tx_done);
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

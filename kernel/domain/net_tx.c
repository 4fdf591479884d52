/*
 * net_tx.c - the domain's end of the transmit ring (cordon_rings.h).
 *
 * A batch from the host names skbs by handle; each gets a shadow sk_buff
 * from a fixed pool, pointing at the packet's data in the shared heap, and
 * the driver's ndo_start_xmit runs on it, as it would under Linux's
 * dev_hard_start_xmit loop. The driver frees a packet with consume_skb
 * (dev_kfree_skb): for a shadow that is a completion, collected and posted
 * to the host in one message at the end of the batch (or at once, when the
 * driver frees a packet it kept, outside any batch).
 *
 * The driver's transmit is not re-entered: a batch that arrives while one
 * is running (the driver made a call, and the runtime served the channel
 * meanwhile) waits until it ends, as Linux's per-queue transmit lock
 * serialises ndo_start_xmit.
 */
#include <stdlib.h>
#include <string.h>

#include "linux/netdevice.h"
#include "rings.h"

struct tx_shadow {
    struct sk_buff skb; /* first: the driver's pointer is the shadow's */
    uint32_t seq;       /* the host's number for the skb */
    int held;           /* the driver has it */
};

static struct cdn_glue *tx_glue;
static uint16_t tx_netdev_type;
static struct tx_shadow *pool; /* CDN_RING_SLOTS: the shadow of seq is pool[seq % SLOTS] */
static int in_batch;

struct deferred {
    struct deferred *next;
    uint32_t len;
    uint8_t buf[];
};
static struct deferred *deferred_head, **deferred_tail = &deferred_head;

/* Completions not yet posted. */
static struct {
    struct cdn_ring_done_hdr hdr;
    struct cdn_ring_run runs[CDN_RING_DONE_MAX];
    struct cdn_ring_verdict verdicts[CDN_RING_DONE_MAX];
} done;

/* The shadow skb is, or NULL if skb did not come through the ring. */
static struct tx_shadow *shadow_of(const struct sk_buff *skb)
{
    uintptr_t at = (uintptr_t)skb, base = (uintptr_t)pool;
    if (!pool || at < base || at >= base + CDN_RING_SLOTS * sizeof *pool ||
        (at - base) % sizeof *pool != 0)
        return NULL;
    return (struct tx_shadow *)skb;
}

/* Posts the completions collected so far. A copy goes out, so that a batch
 * served while the post waits for room starts a list of its own. */
static void done_flush(void)
{
    uint32_t nr = done.hdr.nruns, nv = done.hdr.nverdicts;
    if (!nr && !nv)
        return;
    struct {
        struct cdn_ring_done_hdr hdr;
        uint8_t body[sizeof done.runs + sizeof done.verdicts];
    } out;
    out.hdr = done.hdr;
    memcpy(out.body, done.runs, nr * sizeof done.runs[0]);
    memcpy(out.body + nr * sizeof done.runs[0], done.verdicts, nv * sizeof done.verdicts[0]);
    done.hdr.nruns = done.hdr.nverdicts = 0;
    /* A failure means the host is gone or has cut us off: nothing to do. */
    cdn_glue_post(tx_glue, CDN_RPC_NET_TX_DONE, &out,
                  (uint32_t)(sizeof out.hdr + nr * sizeof done.runs[0] +
                             nv * sizeof done.verdicts[0]));
}

static void done_freed(uint32_t seq)
{
    uint32_t n = done.hdr.nruns;
    if (n) {
        struct cdn_ring_run *r = &done.runs[n - 1];
        if (seq == r->first_seq + r->count && r->count < 0xffff) {
            r->count++;
            return;
        }
    }
    if (n == CDN_RING_DONE_MAX) {
        done_flush();
        n = 0;
    }
    done.runs[n] = (struct cdn_ring_run){seq, 1, 0};
    done.hdr.nruns = (uint16_t)(n + 1);
}

static void done_verdict(uint32_t seq, int32_t value)
{
    if (done.hdr.nverdicts == CDN_RING_DONE_MAX)
        done_flush();
    done.verdicts[done.hdr.nverdicts++] = (struct cdn_ring_verdict){seq, value};
}

static void run_batch(struct cdn_glue *g, const struct cdn_net_tx_hdr *hdr,
                      const struct cdn_net_tx_desc *descs)
{
    void *obj = NULL;
    netdev_tx_t (*xmit)(struct sk_buff *, struct net_device *) = NULL;
    if (cdn_glue_resolve(g, hdr->dev_ref, 0, tx_netdev_type, sizeof(struct net_device), &obj) ==
            CDN_OK &&
        obj && ((struct net_device *)obj)->netdev_ops)
        xmit = ((struct net_device *)obj)->netdev_ops->ndo_start_xmit;
    struct net_device *dev = obj;
    for (uint32_t i = 0; i < hdr->count; i++) {
        struct cdn_net_tx_desc d;
        memcpy(&d, &descs[i], sizeof d);
        uint32_t seq = hdr->first_seq + i;
        struct tx_shadow *s = &pool[seq % CDN_RING_SLOTS];
        void *data = d.len ? cdn_glue_heap_range(g, d.data_off, d.len) : NULL;
        if (!xmit || !data || s->held) {
            /* nothing to run it on: handed back, the host drops it */
            done_verdict(seq, NETDEV_TX_BUSY);
            continue;
        }
        memset(&s->skb, 0, sizeof s->skb);
        s->skb.len = d.len;
        s->skb.data = data;
        s->skb.dev = dev;
        s->skb.protocol = d.protocol;
        s->seq = seq;
        s->held = 1;
        netdev_tx_t rc = xmit(&s->skb, dev);
        if (rc != NETDEV_TX_OK) {
            /* the host takes the skb back (or learns the driver lied) */
            done_verdict(seq, (int32_t)rc);
            s->held = 0;
        }
    }
}

static int net_tx_serve(struct cdn_glue *g, const void *buf, uint32_t len)
{
    struct cdn_net_tx_hdr hdr;
    if (len < sizeof hdr)
        return CDN_EPROTO;
    memcpy(&hdr, buf, sizeof hdr);
    if (hdr.count > CDN_RING_BATCH_MAX ||
        len != sizeof hdr + (uint64_t)hdr.count * sizeof(struct cdn_net_tx_desc))
        return CDN_EPROTO;
    if (in_batch) { /* the transmit is busy: after it, in order */
        struct deferred *q = malloc(sizeof *q + len);
        if (!q)
            return CDN_ENOMEM;
        q->next = NULL;
        q->len = len;
        memcpy(q->buf, buf, len);
        *deferred_tail = q;
        deferred_tail = &q->next;
        return CDN_OK;
    }
    in_batch = 1;
    run_batch(g, &hdr, (const struct cdn_net_tx_desc *)((const uint8_t *)buf + sizeof hdr));
    while (deferred_head) {
        struct deferred *q = deferred_head;
        deferred_head = q->next;
        if (!deferred_head)
            deferred_tail = &deferred_head;
        memcpy(&hdr, q->buf, sizeof hdr);
        run_batch(g, &hdr, (const struct cdn_net_tx_desc *)(q->buf + sizeof hdr));
        free(q);
    }
    in_batch = 0;
    /* Completions wait for a full message or for the domain to go idle
     * (net_tx_idle): while the host keeps posting, one message carries the
     * completions of several batches. */
    if (done.hdr.nruns >= CDN_RING_DONE_MAX / 2 || done.hdr.nverdicts >= CDN_RING_DONE_MAX / 2)
        done_flush();
    return CDN_OK;
}

static void net_tx_idle(void)
{
    if (!in_batch)
        done_flush();
}

int cdn_dom_net_tx_setup(struct cdn_glue *g, uint16_t netdev_type)
{
    if (!pool && !(pool = calloc(CDN_RING_SLOTS, sizeof *pool)))
        return CDN_ENOMEM;
    tx_glue = g;
    tx_netdev_type = netdev_type;
    cdn_dom_ring_register(CDN_RPC_NET_TX, net_tx_serve, net_tx_idle);
    return CDN_OK;
}

/* The generated rpc, for skbs that did not come through the ring. */
void __real_consume_skb(struct sk_buff *skb);
void __wrap_consume_skb(struct sk_buff *skb);

void __wrap_consume_skb(struct sk_buff *skb)
{
    struct tx_shadow *s = shadow_of(skb);
    if (!s) {
        __real_consume_skb(skb);
        return;
    }
    /* Sent even for a shadow the driver already freed: its number is from
     * the past by then, and the host counts the double free. */
    done_freed(s->seq);
    s->held = 0;
    if (!in_batch)
        done_flush();
}

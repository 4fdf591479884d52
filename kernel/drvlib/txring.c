/*
 * txring.c - the domain's end of the transmit ring (cordon_rings.h).
 *
 * A batch from the host names skbs by number; each gets a shadow sk_buff in
 * the slot of its number, pointing at the packet's data in the shared heap,
 * and the driver's ndo_start_xmit runs on it, as under Linux's
 * dev_hard_start_xmit loop. The driver frees a packet with consume_skb
 * (dev_kfree_skb): for a shadow that is a completion, held back and posted
 * with others when the domain goes idle or the list is long (or at once,
 * when the driver frees a packet it kept, outside any batch). Batches are
 * serialised (rings.h), as Linux's per-queue transmit lock serialises
 * ndo_start_xmit.
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

static uint16_t tx_netdev_type;
static struct tx_shadow *pool; /* CDN_RING_SLOTS: the shadow of seq is pool[seq % SLOTS] */
static struct cdn_dom_serial serial;
static struct cdn_dom_done done = {.rpc = CDN_RPC_TXRING_DONE};
#define NET_DONE_GROUP 32

/* The shadow skb is, or NULL if skb did not come through the ring. */
static struct tx_shadow *shadow_of(const struct sk_buff *skb)
{
    return cdn_dom_is_shadow(pool, sizeof *pool, skb) ? (struct tx_shadow *)skb : NULL;
}

/* One batch, checked by txring_serve. */
static void run_batch(struct cdn_glue *g, const void *buf, uint32_t len)
{
    (void)len;
    struct cdn_ring_batch_hdr hdr;
    memcpy(&hdr, buf, sizeof hdr);
    /* A private copy: the driver may make calls, and the runtime then
     * receives into the buffer this batch came in. */
    struct cdn_txring_desc descs[CDN_RING_BATCH_MAX];
    memcpy(descs, (const uint8_t *)buf + sizeof hdr, hdr.count * sizeof descs[0]);
    void *obj = NULL;
    netdev_tx_t (*xmit)(struct sk_buff *, struct net_device *) = NULL;
    if (cdn_glue_resolve(g, hdr.ref, 0, tx_netdev_type, sizeof(struct net_device), &obj) ==
            CDN_OK &&
        obj && ((struct net_device *)obj)->netdev_ops)
        xmit = ((struct net_device *)obj)->netdev_ops->ndo_start_xmit;
    struct net_device *dev = obj;
    for (uint32_t i = 0; i < hdr.count; i++) {
        struct cdn_txring_desc d = descs[i];
        uint32_t seq = hdr.first_seq + i;
        struct tx_shadow *s = &pool[seq % CDN_RING_SLOTS];
        void *data = d.len ? cdn_glue_heap_range(g, d.data_off, d.len) : NULL;
        if (!xmit || !data || s->held) {
            /* nothing to run it on: handed back, the host drops it */
            cdn_dom_done_verdict(&done, seq, NETDEV_TX_BUSY);
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
            cdn_dom_done_verdict(&done, seq, (int32_t)rc);
            s->held = 0;
        }
    }
}

static int txring_serve(struct cdn_glue *g, const void *buf, uint32_t len)
{
    if (cdn_dom_batch_check(buf, len, sizeof(struct cdn_txring_desc)) != CDN_OK)
        return CDN_EPROTO;
    int st = cdn_dom_serial_run(&serial, g, buf, len, run_batch);
    /* Completions wait for the domain to go idle (txring_idle), or for
     * NET_DONE_GROUP packets: one message then carries the completions of
     * a batch or two, and a host that keeps the domain busy still gets
     * its skbs back before its in-flight table fills. */
    if (!serial.busy && cdn_dom_done_held(&done) >= NET_DONE_GROUP)
        cdn_dom_done_flush(&done);
    return st;
}

static void txring_idle(void)
{
    if (!serial.busy)
        cdn_dom_done_flush(&done);
}

/* The module leaves (an inproc domain shares the host's heap). */
static void txring_end(void)
{
    free(pool);
    pool = NULL;
}

int cdn_dom_txring_setup(struct cdn_glue *g, uint16_t netdev_type)
{
    if (!pool && !(pool = calloc(CDN_RING_SLOTS, sizeof *pool)))
        return CDN_ENOMEM;
    done.g = g;
    tx_netdev_type = netdev_type;
    cdn_dom_ring_register(CDN_RPC_TXRING, txring_serve, txring_idle, txring_end);
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
    cdn_dom_done_run(&done, s->seq, 0);
    s->held = 0;
    if (!serial.busy)
        cdn_dom_done_flush(&done);
}

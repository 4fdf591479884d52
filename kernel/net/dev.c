/*
 * dev.c - the host's network device core: allocation, registration, the
 * transmit path and statistics, with Linux's names and semantics.
 */
#include <pthread.h>
#include <stdio.h>

#include "net_impl.h"
#include "../core/subsys.h"
#include "cordon/glue.h"
#include "linux/netdevice.h"

static struct net_device *dev_list;
/* Devices allocated and not registered (before register_netdevice, or
 * unregistered and not yet freed): a driver that fails in between leaves
 * nothing the core cannot find and free (cdn_net_orphan). */
static struct net_device *unregistered_devs;

static int dev_unlink(struct net_device **head, struct net_device *dev)
{
    for (struct net_device **p = head; *p; p = &(*p)->next)
        if (*p == dev) {
            *p = dev->next;
            dev->next = NULL;
            return 1;
        }
    return 0;
}
void *cdn_kernel_recovering;

/* What an orphaned device does until its driver is back: drop, quietly. */
static netdev_tx_t orphan_xmit(struct sk_buff *skb, struct net_device *dev)
{
    (void)skb;
    (void)dev;
    return NETDEV_TX_BUSY; /* the core frees the skb */
}

static const struct net_device_ops orphan_ops = {.ndo_start_xmit = orphan_xmit};

int cdn_net_orphan(struct cdn_glue *g, void *owner)
{
    int n = 0;
    for (struct net_device *d = dev_list; d; d = d->next)
        if (d->netdev_ops && d->netdev_ops != &orphan_ops &&
            cdn_glue_owner_of(d->netdev_ops) == g) {
            cdn_txring_detach(d);        /* packets waiting for a batch are dropped */
            d->netdev_ops = &orphan_ops; /* the old table dies with the glue */
            d->orphaned = 1;
            d->orphan_owner = owner;
            n++;
        }
    /* Its devices no host client can reach (never registered, or already
     * unregistered): nothing to keep for a restart, freed now - or, for one
     * a host call is still using (the ndo_uninit that failed, say), when
     * that call is over (free_netdev). */
    for (struct net_device *d = unregistered_devs, *next; d; d = next) {
        next = d->next;
        if (cdn_glue_ref_of(g, d))
            free_netdev(d);
    }
    return n;
}

int cdn_net_release_orphans(void *owner)
{
    int n = 0;
    for (struct net_device **p = &dev_list; *p;) {
        struct net_device *d = *p;
        if (d->orphaned && d->orphan_owner == owner) {
            *p = d->next; /* unregistered: its driver is gone for good */
            d->reg_state = NETREG_UNREGISTERED;
            free_netdev(d);
            n++;
        } else {
            p = &d->next;
        }
    }
    return n;
}

static pthread_mutex_t rtnl = PTHREAD_MUTEX_INITIALIZER;
static int rtnl_held;
/* A device, registered or allocated to be, is called name (one already
 * unregistered, and only waiting for its free, has given its name up). */
static int name_in_use(const char *name)
{
    for (int k = 0; k < 2; k++)
        for (const struct net_device *d = k ? unregistered_devs : dev_list; d; d = d->next)
            if (d->reg_state != NETREG_UNREGISTERED &&
                strcmp(d->reg_state == NETREG_REGISTERED ? d->reg_name : d->name, name) == 0)
                return 1;
    return 0;
}

void cdn_net_reset(void)
{
    dev_list = NULL;
    unregistered_devs = NULL;
}

void rtnl_lock(void)
{
    /* recursive in effect: the host thread holding it may be re-entered by a
     * domain's nested call (register_netdevice inside dummy_init_module) */
    if (rtnl_held++ == 0)
        pthread_mutex_lock(&rtnl);
}

void rtnl_unlock(void)
{
    if (rtnl_held > 0 && --rtnl_held == 0)
        pthread_mutex_unlock(&rtnl);
}

static void dev_free_now(struct net_device *dev)
{
    dev_unlink(&unregistered_devs, dev);
    cdn_txring_detach(dev);
    cdn_glue_forget_everywhere(dev);
    cdn_kstats.netdevs_freed++;
    free(dev);
}

/*
 * Host calls into a driver about dev are bracketed by dev_call_begin and
 * dev_call_end: while one runs, the driver may call back into the core -
 * and an isolated one is not trusted to leave dev alone: it may unregister
 * and free it from inside its ndo_start_xmit, its setup, its ndo_init. A
 * free meanwhile only marks the device; the last reference to go frees
 * it, and tells its caller (0) not to touch dev again. dev_hold and
 * dev_put are the same reference, for host clients.
 */
static inline void dev_call_begin(struct net_device *dev)
{
    dev->refcnt++;
}

static inline int dev_call_end(struct net_device *dev)
{
    if (--dev->refcnt == 0 && dev->free_on_return) {
        dev_free_now(dev);
        return 0;
    }
    return 1;
}

void dev_hold(struct net_device *dev)
{
    if (dev)
        dev_call_begin(dev);
}

void dev_put(struct net_device *dev)
{
    if (dev && dev->refcnt > 0)
        dev_call_end(dev);
}

struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,
                                    unsigned char name_assign_type,
                                    void (*setup)(struct net_device *), unsigned int txqs,
                                    unsigned int rxqs)
{
    (void)name_assign_type;
    if (sizeof_priv < 0 || sizeof_priv > (1 << 20) || txqs == 0 || rxqs == 0 || !name)
        return NULL;
    if (cdn_kernel_recovering) {
        /* replay: the restarted driver gets back the device it had */
        for (struct net_device *d = dev_list; d; d = d->next)
            if (d->orphaned && d->orphan_owner == cdn_kernel_recovering) {
                d->orphaned = 0;
                cdn_kstats.devices_reattached++;
                if (!setup)
                    return d;
                dev_call_begin(d);
                setup(d); /* re-installs its (new) ops */
                return dev_call_end(d) ? d : NULL;
            }
    }
    struct net_device *dev = calloc(1, sizeof *dev + (size_t)sizeof_priv);
    if (!dev)
        return NULL;
    cdn_kstats.netdevs_allocated++;
    /* "dummy%d" -> the lowest free dummyN, as Linux's dev_alloc_name picks
     * it (a device of that name, registered or not, holds the number) */
    const char *pct = strstr(name, "%d");
    if (pct) {
        for (int i = 0; i < 1000; i++) {
            snprintf(dev->name, sizeof dev->name, "%.*s%d%s", (int)(pct - name), name, i, pct + 2);
            if (!name_in_use(dev->name))
                break;
        }
    } else {
        snprintf(dev->name, sizeof dev->name, "%s", name);
    }
    dev->mtu = ETH_DATA_LEN;
    dev->carrier = 1;
    dev->next = unregistered_devs;
    unregistered_devs = dev;
    if (!setup)
        return dev;
    dev_call_begin(dev);
    setup(dev);
    return dev_call_end(dev) ? dev : NULL; /* its setup freed it */
}

void free_netdev(struct net_device *dev)
{
    if (!dev)
        return;
    if (dev->reg_state == NETREG_REGISTERED) {
        /* Linux BUG()s here; the host reports it and keeps the device */
        cdn_kstats.netdev_bad_frees++;
        printk(KERN_ERR "%s: free_netdev on a registered device; ignored\n", dev->name);
        return;
    }
    if (dev->refcnt) {
        dev->free_on_return = 1;
        return;
    }
    dev_free_now(dev);
}

int dev_change_carrier(struct net_device *dev, bool new_carrier)
{
    if (!dev || !dev->netdev_ops || !dev->netdev_ops->ndo_change_carrier)
        return -EOPNOTSUPP;
    dev_call_begin(dev);
    int err = dev->netdev_ops->ndo_change_carrier(dev, new_carrier);
    if (!dev_call_end(dev))
        return -ENODEV;
    if (err == 0) {
        dev->cfg.carrier_set = 1;
        dev->cfg.carrier = new_carrier;
    }
    return err;
}

/* ndo_init, bracketed: -ENODEV if the driver freed dev meanwhile. */
static int call_ndo_init(struct net_device *dev)
{
    if (!dev->netdev_ops || !dev->netdev_ops->ndo_init)
        return 0;
    dev_call_begin(dev);
    int err = dev->netdev_ops->ndo_init(dev);
    if (!dev_call_end(dev))
        return -ENODEV;
    return err;
}

/* Replays the recorded configuration into a restarted driver. */
static int replay_config(struct net_device *dev)
{
    if (dev->cfg.carrier_set && dev->netdev_ops && dev->netdev_ops->ndo_change_carrier) {
        dev_call_begin(dev);
        int err = dev->netdev_ops->ndo_change_carrier(dev, dev->cfg.carrier);
        if (!dev_call_end(dev))
            return -ENODEV;
        if (err)
            return err < 0 ? err : -EIO;
        cdn_kstats.config_replayed++;
    }
    return 0;
}

int register_netdevice(struct net_device *dev)
{
    if (dev && dev->reg_state == NETREG_REGISTERED && cdn_kernel_recovering) {
        /* replay: already registered; run the new driver's init hook, then
         * the configuration calls the old driver had been given */
        int err = call_ndo_init(dev);
        if (err)
            return err < 0 ? err : -EIO;
        cdn_txring_attach(dev); /* the new domain's ring */
        return replay_config(dev);
    }
    if (!dev || dev->reg_state == NETREG_REGISTERED || dev->free_on_return)
        return -EINVAL; /* registered, or freed and only waiting for a call to return */
    if (dev_get_by_name(dev->name))
        return -EEXIST; /* names are unique, as Linux's dev_get_valid_name keeps them */
    int err = call_ndo_init(dev);
    if (err)
        return err < 0 ? err : -EIO; /* a driver returning garbage still fails cleanly */
    if (dev->reg_state == NETREG_REGISTERED)
        return -EINVAL; /* its ndo_init registered it (a nested register): once is all */
    if (dev_get_by_name(dev->name))
        return -EEXIST; /* its ndo_init renamed it, or registered another of the name */
    memcpy(dev->reg_name, dev->name, IFNAMSIZ);
    dev->reg_name[IFNAMSIZ - 1] = 0;
    dev->heap = cdn_kernel_heap_of(dev->netdev_ops);
    dev->reg_state = NETREG_REGISTERED;
    cdn_txring_attach(dev);
    dev_unlink(&unregistered_devs, dev);
    dev->next = dev_list;
    dev_list = dev;
    cdn_kstats.netdevs_registered++;
    return 0;
}

int register_netdev(struct net_device *dev)
{
    rtnl_lock();
    int err = register_netdevice(dev);
    rtnl_unlock();
    return err;
}

void unregister_netdevice(struct net_device *dev)
{
    if (!dev || !dev_unlink(&dev_list, dev))
        return;
    dev->reg_state = NETREG_UNREGISTERED;
    cdn_txring_detach(dev); /* as Linux resets the qdisc: queued packets go */
    /* Unregistered from here: if the driver dies during ndo_uninit (a
     * crossing, which may also yield), the teardown finds the device, and
     * its free waits for the call to return (dev_call_end). */
    dev->next = unregistered_devs;
    unregistered_devs = dev;
    if (dev->netdev_ops && dev->netdev_ops->ndo_uninit) {
        dev_call_begin(dev);
        dev->netdev_ops->ndo_uninit(dev);
        if (!dev_call_end(dev))
            return;
    }
    if (dev->needs_free_netdev)
        free_netdev(dev);
}

void unregister_netdev(struct net_device *dev)
{
    rtnl_lock();
    unregister_netdevice(dev);
    rtnl_unlock();
}

void ether_setup(struct net_device *dev)
{
    dev->type = ARPHRD_ETHER;
    dev->hard_header_len = ETH_HLEN;
    dev->mtu = ETH_DATA_LEN;
    dev->min_mtu = 68;
    dev->max_mtu = ETH_DATA_LEN;
    dev->addr_len = ETH_ALEN;
    dev->flags = IFF_BROADCAST | IFF_MULTICAST;
}

void eth_hw_addr_random(struct net_device *dev)
{
    static uint64_t x = 0x5deece66dull;
    for (int i = 0; i < ETH_ALEN; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        dev->dev_addr[i] = (unsigned char)(x >> 56);
    }
    dev->dev_addr[0] = (unsigned char)((dev->dev_addr[0] & 0xfe) | 0x02); /* local, unicast */
}

void netif_carrier_on(struct net_device *dev)
{
    dev->carrier = 1;
}

void netif_carrier_off(struct net_device *dev)
{
    dev->carrier = 0;
}

void netif_start_queue(struct net_device *dev)
{
    dev->queue_stopped = 0;
}

void netif_stop_queue(struct net_device *dev)
{
    dev->queue_stopped = 1;
}

void netif_wake_queue(struct net_device *dev)
{
    dev->queue_stopped = 0;
}

int netif_queue_stopped(const struct net_device *dev)
{
    return dev->queue_stopped;
}

int dev_queue_xmit(struct sk_buff *skb)
{
    return dev_queue_xmit_more(skb, false);
}

int dev_queue_xmit_more(struct sk_buff *skb, bool more)
{
    struct net_device *dev = skb ? skb->dev : NULL;
    if (dev && dev->orphaned)
        cdn_core_wait_driver(dev->orphan_owner); /* by policy: wait for a restart, or not */
    if (!dev || dev->reg_state != NETREG_REGISTERED || dev->queue_stopped || !dev->netdev_ops ||
        !dev->netdev_ops->ndo_start_xmit) {
        kfree_skb(skb);
        cdn_kstats.xmit_dropped++;
        if (dev && dev->txr)
            cdn_txring_flush(dev); /* the burst ends here all the same */
        return -ENODEV;
    }
    /* The driver's domain maps its own heap and no other: data allocated
     * elsewhere (alloc_skb, another device's) is copied there first. */
    if (dev->heap != cdn_kernel_heap() && cdn_skb_bind_heap(skb, dev->heap)) {
        kfree_skb(skb);
        cdn_kstats.xmit_dropped++;
        if (dev->txr)
            cdn_txring_flush(dev);
        return -ENOMEM;
    }
    if (dev->txr) {
        if (__builtin_expect(skb->len > 0xffff, 0)) { /* beyond any MTU; a descriptor's limit */
            kfree_skb(skb);
            cdn_kstats.xmit_dropped++;
            cdn_txring_flush(dev);
            return -EMSGSIZE;
        }
        return cdn_txring_xmit(dev, skb, more);
    }
    const struct net_device_ops *ops = dev->netdev_ops;
    dev_call_begin(dev);
    netdev_tx_t rc = ops->ndo_start_xmit(skb, dev);
    char name[IFNAMSIZ];
    if (rc != NETDEV_TX_OK)
        memcpy(name, dev->name, sizeof name);
    if (!dev_call_end(dev) && rc == NETDEV_TX_OK)
        return 0; /* sent; the driver then freed its device */
    if (rc != NETDEV_TX_OK) {
        /* NETDEV_TX_BUSY: the driver kept nothing, the core drops it. Any
         * other value is a driver bug or a dead domain: if the skb is still
         * live the driver never freed it, so the core does (nothing leaks). */
        if (rc != NETDEV_TX_BUSY) {
            cdn_kstats.xmit_bad_returns++;
            printk(KERN_ERR "%s: ndo_start_xmit returned %d\n", name, (int)rc);
        }
        if (cdn_skb_live(skb)) {
            if (rc != NETDEV_TX_BUSY)
                cdn_kstats.skbs_reclaimed++;
            kfree_skb(skb);
        }
        cdn_kstats.xmit_dropped++;
        /* A failed crossing (dead, hung, or lying domain): the supervisor
         * restarts the driver or takes it down, by its policy. Looked up
         * only here, so the good path pays nothing for it. */
        if (rc != NETDEV_TX_BUSY)
            cdn_core_crossing_failed(cdn_glue_owner_of(ops));
        return -EBUSY;
    }
    return 0;
}

struct rtnl_link_stats64 *dev_get_stats(struct net_device *dev, struct rtnl_link_stats64 *storage)
{
    memset(storage, 0, sizeof *storage);
    dev_call_begin(dev);
    cdn_txring_flush(dev); /* a burst left open: its packets count */
    if (dev->netdev_ops && dev->netdev_ops->ndo_get_stats64)
        dev->netdev_ops->ndo_get_stats64(dev, storage);
    dev_call_end(dev);
    return storage;
}

struct net_device *dev_get_by_name(const char *name)
{
    for (struct net_device *d = dev_list; d; d = d->next)
        if (strcmp(d->reg_name, name) == 0)
            return d;
    return NULL;
}

void cdn_net_rings_idle(void)
{
    /* a burst left open (its last packet said more) goes out now. A flush
     * may serve the driver's requests, an unregister and free of this
     * device among them: held, its successor read after the flush, and
     * from the top again if it left the list (a flush with nothing
     * pending is free; each restart follows one unregister) */
    for (struct net_device *d = dev_list, *next; d; d = next) {
        dev_call_begin(d);
        if (d->txr)
            cdn_txring_flush(d);
        next = d->reg_state == NETREG_REGISTERED ? d->next : dev_list;
        dev_call_end(d);
    }
}

/* The net subsystem's part in a driver's life (subsys.h). */
static int net_init(void)
{
    cdn_net_reset();
    return cdn_skb_pool_init();
}

static const struct cdn_subsys net_subsys = {
    .name = "net",
    .init = net_init,
    .exit = cdn_skb_pool_exit,
    .orphan = cdn_net_orphan,
    .release_orphans = cdn_net_release_orphans,
    .rings_reclaim = cdn_net_rings_reclaim,
    .rings_idle = cdn_net_rings_idle,
    .done_rpc = CDN_RPC_TXRING_DONE,
    .done = cdn_txring_done,
};
CDN_SUBSYS(net_subsys);

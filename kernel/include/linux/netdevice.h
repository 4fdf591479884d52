/* linux/netdevice.h - network devices, with Linux's names and semantics for
 * the part the case-study drivers use. */
#ifndef CDN_LINUX_NETDEVICE_H
#define CDN_LINUX_NETDEVICE_H

#include "linux/kernel.h"
#include "linux/skbuff.h"
#include "linux/spinlock.h"

#define IFNAMSIZ     16
#define ETH_ALEN     6
#define ETH_HLEN     14
#define ETH_DATA_LEN 1500
#define ARPHRD_ETHER 1

#define IFF_UP        0x1
#define IFF_BROADCAST 0x2
#define IFF_NOARP     0x80
#define IFF_MULTICAST 0x1000

#define IFF_NO_QUEUE         0x200000
#define IFF_DONT_BRIDGE      0x800
#define IFF_LIVE_ADDR_CHANGE 0x100000

#define NETIF_F_SG           (1ull << 0)
#define NETIF_F_HW_CSUM      (1ull << 1)
#define NETIF_F_HIGHDMA      (1ull << 2)
#define NETIF_F_LLTX         (1ull << 3)
#define NETIF_F_GSO_SOFTWARE (1ull << 4)

#define NET_NAME_ENUM 1

enum netdev_tx { NETDEV_TX_OK = 0x00, NETDEV_TX_BUSY = 0x10 };
typedef enum netdev_tx netdev_tx_t;

struct rtnl_link_stats64 {
    u64 rx_packets;
    u64 tx_packets;
    u64 rx_bytes;
    u64 tx_bytes;
    u64 rx_dropped;
    u64 tx_dropped;
};

struct net_device;

struct net_device_ops {
    int (*ndo_init)(struct net_device *dev);
    void (*ndo_uninit)(struct net_device *dev);
    int (*ndo_open)(struct net_device *dev);
    int (*ndo_stop)(struct net_device *dev);
    netdev_tx_t (*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
    void (*ndo_get_stats64)(struct net_device *dev, struct rtnl_link_stats64 *storage);
    int (*ndo_change_carrier)(struct net_device *dev, bool new_carrier);
};

/* Per-device software counters, as Linux's pcpu_lstats (one "cpu" here). */
struct pcpu_lstats {
    u64 packets;
    u64 bytes;
};

/* Where a device is in its life (Linux's names; the host's values). */
enum {
    NETREG_UNINITIALIZED = 0, /* allocated, never registered */
    NETREG_REGISTERED = 1,
    NETREG_UNREGISTERED = 2, /* unregistered, waiting for its free */
};

struct net_device {
    char name[IFNAMSIZ];
    unsigned int flags;
    unsigned int priv_flags;
    unsigned int mtu, min_mtu, max_mtu;
    unsigned short type;
    unsigned short hard_header_len;
    unsigned char addr_len;
    unsigned char dev_addr[ETH_ALEN];
    u64 features, hw_features, hw_enc_features;
    const struct net_device_ops *netdev_ops;
    bool needs_free_netdev;
    void (*priv_destructor)(struct net_device *dev);
    /* the driver's own, never projected: stays on the driver's side */
    struct pcpu_lstats lstats;
    /* the host's own */
    int reg_state; /* NETREG_* */
    /* The name it was registered under: what lookups match. A driver can
     * write `name` through its projection at any crossing; it cannot
     * rename a registered device under another's name. */
    char reg_name[IFNAMSIZ];
    int queue_stopped;
    int carrier;
    int orphaned;       /* its driver died; waiting for the restarted one */
    void *orphan_owner; /* the struct cdn_driver it waits for */
    int refcnt;         /* dev_hold, and host calls into its driver in progress */
    int free_on_return; /* freed while referenced: really freed at the last dev_put */
    /* The recorder: the last configuration call of each kind the host made
     * into the driver (dev_change_carrier, ...), replayed into a restarted
     * driver once it has re-attached, so the device keeps its settings. */
    struct {
        unsigned char carrier_set, carrier;
    } cfg;
    struct net_device *next;
    struct cdn_txring *txr; /* its isolated driver's transmit ring, if it has one */
    struct cdn_heap *heap;  /* its driver's heap (set at register; NULL: the host's) */
    u64 host_private;
};

/* the host core */
struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,
                                    unsigned char name_assign_type,
                                    void (*setup)(struct net_device *), unsigned int txqs,
                                    unsigned int rxqs);
#define alloc_netdev(sizeof_priv, name, name_assign_type, setup)                                   \
    alloc_netdev_mqs(sizeof_priv, name, name_assign_type, setup, 1, 1)
void free_netdev(struct net_device *dev);
int register_netdevice(struct net_device *dev);
int register_netdev(struct net_device *dev);
void unregister_netdevice(struct net_device *dev);
void unregister_netdev(struct net_device *dev);
void ether_setup(struct net_device *dev);
/* Host-side configuration through the driver's ops (recorded, see cfg). */
int dev_change_carrier(struct net_device *dev, bool new_carrier);
void eth_hw_addr_random(struct net_device *dev);
void netif_carrier_on(struct net_device *dev);
void netif_carrier_off(struct net_device *dev);
void netif_start_queue(struct net_device *dev);
void netif_stop_queue(struct net_device *dev);
void netif_wake_queue(struct net_device *dev);
int netif_queue_stopped(const struct net_device *dev);
int dev_queue_xmit(struct sk_buff *skb);
/*
 * cordon: transmit with a hint that more packets follow at once (Linux's
 * xmit_more, which pktgen's burst sets): an isolated driver with a transmit
 * ring gets the packets of a burst in one crossing, sent when more is false
 * or the batch is full. A native driver is called at once, as always.
 * With a ring, 0 means the packet was posted (Linux's NET_XMIT_SUCCESS: a
 * queued packet); what the driver then makes of it is counted in the
 * kernel's stats (xmit_dropped, xmit_bad_returns, skbs_reclaimed).
 */
int dev_queue_xmit_more(struct sk_buff *skb, bool more);
/*
 * cordon: with a transmit ring, sends any packets left waiting for a batch
 * and waits until every completion the driver has produced so far has been
 * applied (the skbs it freed are freed here too). Packets the driver still
 * holds stay in flight. 0, or -EIO / -ETIMEDOUT if the driver failed (the
 * supervisor has been told). A no-op for a driver without a ring.
 */
int cdn_txring_sync(struct net_device *dev);
struct rtnl_link_stats64 *dev_get_stats(struct net_device *dev, struct rtnl_link_stats64 *storage);
/* The registered device called name, or NULL. No reference is taken (as
 * Linux's __dev_get_by_name): the pointer stays good across the driver's
 * restarts, but not past its unregister_netdev and free_netdev, which a
 * driver may make at any time; dev_hold keeps the memory until dev_put. */
struct net_device *dev_get_by_name(const char *name);
/* A reference to dev: a free_netdev meanwhile (the driver's, or the
 * core's when the driver dies) is put off until the last dev_put. The
 * device may still be unregistered: its reg_state says so, and a transmit
 * on it is dropped (-ENODEV). */
void dev_hold(struct net_device *dev);
void dev_put(struct net_device *dev);
void rtnl_lock(void);
void rtnl_unlock(void);

/* driver-local helpers, as in Linux */
static inline void dev_lstats_add(struct net_device *dev, unsigned int len)
{
    dev->lstats.packets++;
    dev->lstats.bytes += len;
}

static inline void dev_lstats_read(struct net_device *dev, u64 *packets, u64 *bytes)
{
    *packets = dev->lstats.packets;
    *bytes = dev->lstats.bytes;
}

#endif

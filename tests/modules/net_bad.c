/*
 * net_bad.c - a network driver that misbehaves on purpose, behind the glue
 * of drivers/net/dummy.idl. The packet length picks the fault:
 *   61  return a value that is neither NETDEV_TX_OK nor NETDEV_TX_BUSY
 *   62  free the skb twice
 *   63  free a made-up skb (a pointer the host never gave us), then the real one
 *   64  crash (SIGSEGV) in the middle of the transmit
 *   65  hang: spin forever in the transmit (the host's deadline fires)
 *   66  abort()
 *   67  wild writes: scribble over the domain's own channel region, then
 *       carry on (the host sees impossible slots and kills it)
 *   68  an allocation storm: grab memory until malloc fails, then behave
 *   69  a forged handle: call netif_carrier_on with a device reference
 *       made up by hand (a raw message, past the glue)
 *   70  an undeclared rpc id (a raw request with id 999)
 *   71  an oversized message: a log line of 1,000 bytes where the IDL
 *       declares string<255>
 *   72  a slow reply: spin for 10 ms, then behave (under the deadline)
 *   73  free its device while it is registered, then behave
 *   74  unregister and free its device from inside the transmit, then
 *       return a value out of range (the core's error path follows)
 *   75  log its greeting (a charp module parameter), then behave
 *   76  unregister and free its device from inside the transmit, then
 *       register it again (a device whose free is only put off)
 *   77  snoop: search every byte this domain can map (its heap) for
 *       another driver's data ("cordon-secret"), and log what it found
 *   78  wipe: overwrite its whole heap, then punch it out
 *       (madvise MADV_REMOVE), then behave
 *   79  pool hog: allocate (and free) devices with 15 more setup
 *       functions, to take (with its own) 16 trampolines of the host's pool
 *   80  flood: send valid requests (log lines) without end from inside
 *       the transmit, and never read the answers
 *   81  squat: rename its device "dummy0" (through its projection, at
 *       the next crossing that carries it), then behave
 *   82  take 1 GiB of shared anonymous memory (the cap refuses), log
 *       whether it got it, then behave
 *   83  lock memory (MAP_LOCKED: the filter kills)
 *   84  log who it runs as: "identity: uid U caps C" (C: any capability)
 *   else  behave (free and count)
 * Module parameters: crash_in_uninit=1 crashes in ndo_uninit, the host's
 * callback into it while unregister_netdev runs (at unload); crash_in_exit=1
 * crashes in the module's exit before it unregisters anything.
 */
#include <linux/netdevice.h>
#include <linux/module.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bad_netdev.h"
#include "driver_module.h"
#include "raw_request.h"
#include "dummy_domain.h"

static volatile uintptr_t crash_at = 8;
static struct net_device *bad_dev; /* (defined by BAD_NETDEV_HOOKS below) */
static int crash_in_uninit;
module_param(crash_in_uninit, int, 0);
MODULE_PARM_DESC(crash_in_uninit, "crash (SIGSEGV) in ndo_uninit");

static char *greeting = "hello";
module_param(greeting, charp, 0);
MODULE_PARM_DESC(greeting, "what packets of length 75 make it log");

static int crash_in_exit;
module_param(crash_in_exit, int, 0);
MODULE_PARM_DESC(crash_in_exit, "crash (SIGSEGV) in the module exit, before unregistering");

static void bad_uninit(struct net_device *dev)
{
    (void)dev;
    if (crash_in_uninit)
        *(volatile int *)crash_at = 1;
}

static void *region_base; /* this domain's channel region, for case 67 */
static size_t region_size;
static void *heap_base; /* its heap, for cases 77 and 78 */
static size_t heap_size;

#define HOG_SETUP(k)                                                                               \
    static void hog_setup##k(struct net_device *dev)                                               \
    {                                                                                              \
        ether_setup(dev);                                                                          \
        dev->mtu = 1000 + k;                                                                       \
    }
HOG_SETUP(0)
HOG_SETUP(1)
HOG_SETUP(2) HOG_SETUP(3) HOG_SETUP(4) HOG_SETUP(5) HOG_SETUP(6) HOG_SETUP(7) HOG_SETUP(8)
    HOG_SETUP(9) HOG_SETUP(10) HOG_SETUP(11) HOG_SETUP(12) HOG_SETUP(13) HOG_SETUP(14)
        HOG_SETUP(15) static void (*const hog_setups[16])(struct net_device *) = {
            hog_setup0,  hog_setup1,  hog_setup2,  hog_setup3, hog_setup4,  hog_setup5,
            hog_setup6,  hog_setup7,  hog_setup8,  hog_setup9, hog_setup10, hog_setup11,
            hog_setup12, hog_setup13, hog_setup14, hog_setup15};

static void hog_pool(void)
{
    for (int k = 0; k < 15; k++) {
        struct net_device *d = alloc_netdev(0, "hog%d", NET_NAME_ENUM, hog_setups[k]);
        if (d)
            free_netdev(d);
    }
}

static struct cdn_ep *own_ep; /* for case 80 */

static void flood(void)
{
    struct cdn_msg m;
    memset(&m, 0, sizeof m);
    m.rpc_id = dummy_RPC_cdn_kernel_log;
    m.flags = CDN_MSG_REQUEST;
    uint32_t n = 5;
    memcpy(m.data, &n, 4);
    memcpy(m.data + 4, "flood", 5);
    m.inline_len = 9;
    for (uint32_t id = 0x40000000u;; id++) {
        m.call_id = id;
        while (cdn_ep_send(own_ep, &m, 0) == CDN_EAGAIN)
            ;
    }
}

static int take_shared(size_t bytes)
{
    uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = 1;
    return 1;
}

static void identity(void)
{
    struct {
        uint32_t version;
        int pid;
    } h = {0x20080522, 0};
    uint32_t d[6] = {1, 1, 1, 1, 1, 1};
    syscall(SYS_capget, &h, d);
    uint32_t any = 0;
    for (int i = 0; i < 6; i++)
        any |= d[i];
    printk(KERN_INFO "identity: uid %u caps %u\n", (unsigned)getuid(), (unsigned)(any != 0));
}

static void snoop(void)
{
    static const char secret[] = "cordon-secret";
    unsigned long found = 0;
    const char *p = heap_base, *end = p + heap_size;
    while (heap_base && (p = memchr(p, 'c', (size_t)(end - p))) != NULL) {
        if ((size_t)(end - p) >= sizeof secret - 1 && memcmp(p, secret, sizeof secret - 1) == 0)
            found++;
        p++;
    }
    printk(KERN_INFO "snoop: %lu secrets in %zu bytes\n", found, heap_size);
}

static void wipe(void)
{
    if (!heap_base)
        return;
    memset(heap_base, 0xee, heap_size);
    madvise(heap_base, heap_size, MADV_REMOVE);
}
static netdev_tx_t bad_xmit(struct sk_buff *skb, struct net_device *dev)
{
    dev_lstats_add(dev, skb->len);
    switch (skb->len) {
    case 61:
        return (netdev_tx_t)7;
    case 62:
        dev_kfree_skb(skb);
        dev_kfree_skb(skb); /* our shadow is gone: this sends a reference the host rejects */
        return NETDEV_TX_OK;
    case 63: {
        static struct sk_buff fake = {.len = 63};
        dev_kfree_skb(&fake);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 64:
        *(volatile int *)crash_at = 1;
        return NETDEV_TX_OK;
    case 65:
        for (;;)
            __asm__ volatile("" ::: "memory");
    case 66:
        abort();
    case 67:
        if (region_base)
            for (size_t i = 4096; i < region_size; i += 8)
                *(volatile uint64_t *)((char *)region_base + i) = 0x5a5a5a5a5a5a5a5aull ^ i;
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    case 68: {
        size_t got = 0;
        void *p;
        while (got < (256u << 20) && (p = malloc(1u << 20)) != NULL) {
            memset(p, 1, 4096);
            got += 1u << 20; /* leaked on purpose: a storm */
        }
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 69: {
        uint64_t forged = 0x00070000deadbeefull; /* no such handle */
        raw_request(dummy_RPC_netif_carrier_on, &forged, sizeof forged);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 70: {
        uint32_t junk = 42;
        raw_request(999, &junk, sizeof junk);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 71: {
        static char line[1004];
        uint32_t n = 1000;
        memcpy(line, &n, 4); /* a string on the wire: u32 length, bytes */
        memset(line + 4, 'x', 1000);
        raw_request(dummy_RPC_cdn_kernel_log, line, sizeof line);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 72: {
        volatile unsigned long spin = 0;
        while (spin < 20000000ul) /* ~10 ms */
            spin++;
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 79:
        dev_kfree_skb(skb);
        hog_pool();
        return NETDEV_TX_OK;
    case 80:
        dev_kfree_skb(skb);
        flood();
        return NETDEV_TX_OK;
    case 81:
        snprintf(bad_dev->name, IFNAMSIZ, "dummy0");
        dev_kfree_skb(skb);
        netif_carrier_on(bad_dev); /* carries the new name in */
        return NETDEV_TX_OK;
    case 82:
        dev_kfree_skb(skb);
        printk(KERN_INFO "shared: %d\n", take_shared(1ul << 30));
        return NETDEV_TX_OK;
    case 83: {
        dev_kfree_skb(skb);
        void *p = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
        printk(KERN_INFO "locked: %d\n", p != MAP_FAILED);
        return NETDEV_TX_OK;
    }
    case 84:
        dev_kfree_skb(skb);
        identity();
        return NETDEV_TX_OK;
    case 77:
        snoop();
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    case 78:
        dev_kfree_skb(skb); /* first: its data is in the heap */
        wipe();
        return NETDEV_TX_OK;
    case 76: {
        struct net_device *d = bad_dev;
        dev_kfree_skb(skb);
        unregister_netdev(d);
        free_netdev(d);
        bad_dev = NULL;
        if (register_netdev(d) == 0)
            bad_dev = d; /* the host should not have let it */
        return NETDEV_TX_OK;
    }
    case 75:
        pr_info("net_bad: greeting %s\n", greeting);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    case 73:
        free_netdev(bad_dev); /* registered: the host must refuse */
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    case 74:
        dev_kfree_skb(skb);
        unregister_netdev(bad_dev);
        free_netdev(bad_dev);
        bad_dev = NULL;
        return (netdev_tx_t)7;
    default:
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
}

BAD_NETDEV_HOOKS("bad%d", bad_xmit, bad_uninit, if (crash_in_exit) * (volatile int *)crash_at = 1)

/* The standard wrapper, after noting the region for the wild writes. */
static void note_region(struct cdn_dom_ctx *ctx)
{
    cdn_dom_region(ctx, &region_base, &region_size);
    cdn_dom_heap(ctx, &heap_base, &heap_size);
    own_ep = cdn_dom_ep(ctx);
}

/* Served with the transmit ring too (the host decides which path it uses):
 * the same faults then happen inside a batch. */
static void net_bad_rings(struct cdn_glue *g)
{
    cdn_dom_txring_setup(g, dummy_TYPE_net_device);
}

CDN_DRIVER_MODULE_RINGS_HOOK(net_bad, dummy_domain_init, dummy_domain_dispatch, net_bad_rings,
                             note_region);

/*
 * oot_host.c - a host program as a user outside this tree writes it, built
 * by scripts/install_check.sh against the installed headers, libraries and
 * pkg-config files only: it loads the dummy driver (compiled beside it from
 * copies of its files) in the mode given, transmits packets and checks that
 * the driver counted each one.
 *
 *   oot_host native|inproc|process MODULE_DIR
 */
#include <stdio.h>
#include <string.h>

#include "cordon_kernel.h"
#include "linux/netdevice.h"

extern const struct cdn_driver_desc cdn_dummy_driver;

int main(int argc, char **argv)
{
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    int m = -1;
    for (int i = 0; argc == 3 && i < 3; i++)
        if (strcmp(argv[1], cdn_drv_mode_name(modes[i])) == 0)
            m = i;
    if (m < 0) {
        fprintf(stderr, "usage: oot_host native|inproc|process MODULE_DIR\n");
        return 2;
    }
    if (cdn_kernel_init(16u << 20) != 0)
        return 1;
    struct cdn_driver drv;
    int r = cdn_driver_load(&cdn_dummy_driver, modes[m], 1, argv[2], &drv);
    if (r != 0) {
        fprintf(stderr, "oot_host: cannot load dummy (%s): %d %s\n", argv[1], r, drv.reason);
        return 1;
    }
    struct net_device *dev = dev_get_by_name("dummy0");
    unsigned long sent = 0, failed = 0;
    for (; dev && sent < 10000; sent++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        if (!skb)
            break;
        skb->dev = dev;
        failed += dev_queue_xmit_more(skb, sent % 32 != 31) != 0;
    }
    cdn_txring_sync(dev);
    struct rtnl_link_stats64 st = {0};
    if (dev)
        dev_get_stats(dev, &st);
    printf("oot_host %s: %lu packets sent, %llu counted by the driver, %lu failed\n", argv[1], sent,
           (unsigned long long)st.tx_packets, failed);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
    return dev && st.tx_packets == sent && sent == 10000 && !failed ? 0 : 1;
}

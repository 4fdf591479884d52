/* core_impl.h - state shared by the host kernel core's files. */
#ifndef CORDON_KERNEL_CORE_IMPL_H
#define CORDON_KERNEL_CORE_IMPL_H

#include "cordon_kernel.h"
#include "linux/kernel.h"

extern struct cdn_kernel_stats cdn_kstats;

/* Forgets all network devices and restarts naming (kernel bring-up). */
void cdn_net_reset(void);
void cdn_blk_reset(void);

/* Recovery: nonzero while a restarted driver's init runs (replay). */
extern int cdn_kernel_recovering;
/* Points devices whose ops belong to glue g at inert ops and remembers their
 * driver (owner); returns how many. */
int cdn_net_orphan(struct cdn_glue *g, void *owner);
/* Whether a call's status means the crossing itself failed (the domain died,
 * hung, or broke the protocol), not that the driver answered with an error. */
int cdn_core_crossing_status(int st);
/* A crossing through g failed: let the supervisor apply g's driver's policy.
 * Returns 1 if the driver was restarted and is up, 0 otherwise. */
int cdn_core_crossing_failed(struct cdn_glue *g);
/* Points disks whose tag set belongs to glue g at an inert queue. */
int cdn_blk_orphan(struct cdn_glue *g, void *owner);
/* A driver that stayed down is unloaded: free the devices it left orphaned. */
int cdn_net_release_orphans(void *owner);
int cdn_blk_release_orphans(void *owner);
/* A request reached a device orphaned by owner: nonzero if the caller waited
 * for a restart that succeeded (the device is re-attached), 0 to fail fast. */
int cdn_core_wait_driver(void *owner);

struct sk_buff;
/* Nonzero while skb is allocated and not yet freed. */
int cdn_skb_live(const struct sk_buff *skb);
unsigned long cdn_skbs_live(void);

#endif

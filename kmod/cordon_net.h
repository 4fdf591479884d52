/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cordon_net.h - an isolated network driver with the kernel as host. A
 * driver's glue module (drivers/net/kmod/NAME_kmod.c with cordon-idlc's host
 * glue for NAME.idl) describes the driver; cordon.ko's net host (net.c)
 * does the rest:
 *   - the driver's module init and exit run in its domain, through the
 *     glue, when the domain asks (CORDON_NET_INIT / CORDON_NET_EXIT); the
 *     kernel calls the driver reaches are the real ones;
 *   - transmit goes through the transmit ring (cordon_rings.h): the
 *     kernel's ndo_start_xmit copies the packet into the domain's heap and
 *     queues it; a kernel thread posts batches and takes completions, so
 *     nothing in the transmit path waits for the domain;
 *   - ndo_get_stats64 answers from the driver's own counters as last read
 *     through the glue (the kernel asks for them in contexts that may not
 *     sleep, such as sysfs under dev_base_lock);
 *   - RTNL is never the domain's to hold: the host takes it around the
 *     driver's init and exit, and the driver's rtnl_lock/rtnl_unlock
 *     inside those calls only count; anywhere else they are refused.
 */
#ifndef CORDON_NET_H
#define CORDON_NET_H

#include <linux/types.h>

#include "cordon/glue.h"
#include "cordon/kabi.h"

struct cordon_net_driver {
	const char *name;
	u32 service; /* the service id its domains ask for */
	struct module *owner;
	void (*host_init)(struct cdn_glue *g); /* the generated NAME_host_init */
	cdn_handler_fn dispatch;	       /* the generated NAME_host_dispatch */
	int (*check_glue)(struct cdn_glue *g); /* NAME_host_check */
	int32_t (*call_init)(struct cdn_glue *g);
	void (*call_exit)(struct cdn_glue *g);
	/* the driver's rtnl_lock and rtnl_unlock rpcs, if its IDL has them
	 * (NAME_RPC_rtnl_lock): the net host answers them itself (net.c) */
	u16 rpc_rtnl_lock, rpc_rtnl_unlock;
	void *registered; /* net.c's: the service, while registered */
};

int cordon_net_register(struct cordon_net_driver *d);
void cordon_net_unregister(struct cordon_net_driver *d);

#endif

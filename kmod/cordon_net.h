/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cordon_net.h - an isolated network driver with the kernel as host. A
 * driver's glue module (drivers/net/kmod/NAME_kmod.c with cordon-idlc's
 * host glue for NAME.idl) describes the driver; cordon.ko's net host
 * (net.c, net_ring.c) owns the real device:
 *   - the driver's module init and exit run in its domain, through the
 *     glue, when the domain asks (CORDON_NET_INIT / CORDON_NET_EXIT); what
 *     it asks of the network core (a device, registered) is recorded on its
 *     model of the device by the glue module's host functions through the
 *     calls below, and the host makes the real net_device from the model,
 *     its fields checked, once the init has returned;
 *   - transmit goes through the transmit ring (cordon_rings.h): the
 *     device's ndo_start_xmit queues the packet; a kernel thread copies it
 *     into the domain's heap and posts batches, so nothing in the transmit
 *     path waits for the domain;
 *   - ndo_get_stats64 answers from the driver's own counters as last read
 *     through the glue (the kernel asks for them in contexts that may not
 *     sleep), added to those of the domains before it;
 *   - RTNL is never the domain's to hold: the host takes it around the
 *     driver's init and exit, and the driver's rtnl_lock/rtnl_unlock
 *     inside those calls only count; anywhere else they are refused;
 *   - the device outlives its domain: when the domain dies or is given up
 *     the device is orphaned (what the stack sends waits in its queue), and
 *     a new domain of the same service whose CORDON_NET_INIT names it takes
 *     it over; an orphan nobody takes within 10 s is unregistered.
 *
 * This header names no network type: the glue module's side of it is
 * compiled against the driver's view of the network core (its IDL's
 * projections), not Linux's.
 */
#ifndef CORDON_NET_H
#define CORDON_NET_H

#include <linux/types.h>

#include "cordon/glue.h"
#include "cordon/kabi.h"

/* The driver's link counters, as its ndo_get_stats64 gives them. */
struct cordon_net_counters {
	u64 rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped;
};

struct cordon_net_driver {
	const char *name;
	u32 service; /* the service id its domains ask for */
	struct module *owner;
	void (*host_init)(struct cdn_glue *g); /* the generated NAME_host_init */
	cdn_handler_fn dispatch;	       /* the generated NAME_host_dispatch */
	int (*check_glue)(struct cdn_glue *g); /* NAME_host_check */
	int32_t (*call_init)(struct cdn_glue *g);
	void (*call_exit)(struct cdn_glue *g);
	/* the driver's ops on its model of the device (view), through the
	 * glue: its counters (0, or -EIO when the call failed: out is then
	 * not its answer); a carrier change (0 or -errno) */
	int (*get_stats)(void *view, struct cordon_net_counters *out);
	int (*change_carrier)(void *view, bool on);
	/* the driver's rtnl_lock and rtnl_unlock rpcs, if its IDL has them
	 * (NAME_RPC_rtnl_lock): the net host answers them itself */
	u16 rpc_rtnl_lock, rpc_rtnl_unlock;
	void *registered; /* net.c's: the service, while registered */
};

int cordon_net_register(struct cordon_net_driver *d);
/* Unregisters the devices the service still has (orphans: no channel of
 * the service is open while its module unloads). */
void cordon_net_unregister(struct cordon_net_driver *d);

/*
 * For the glue module's host functions, during the driver's init or exit
 * (the only calls in which a driver may make, register or unregister a
 * device: Linux's drivers do it under RTNL, which the host holds then).
 */
struct cordon_netchan;
/* The channel whose driver's init or exit the calling task runs, or NULL. */
struct cordon_netchan *cordon_net_chan_current(void);
/* Zeroed memory for one of the driver's view objects, freed when the
 * channel ends; at most CORDON_NET_VIEWS a channel, then NULL. */
#define CORDON_NET_VIEWS 8
void *cordon_net_view_alloc(struct cordon_netchan *nc, size_t size);

/* What a driver's model of its device asks of the real one. */
struct cordon_net_model {
	char pattern[16]; /* [a-z0-9_-], at most one %d (the host numbers it) */
	u32 flags, priv_flags, mtu, min_mtu, max_mtu;
	u16 type, hard_header_len;
	u8 addr_len;
	u64 features, hw_features, hw_enc_features;
	bool carrier;
};
/* What Linux's ether_setup gives a device (the model's starting point). */
void cordon_net_ether_defaults(struct cordon_net_model *m);
/* register_netdevice: the device the driver made (view: its glue object,
 * named in the transmit ring's batches). One a channel; 0 or -errno. */
int cordon_net_want_device(struct cordon_netchan *nc, void *view, const struct cordon_net_model *m);
/* unregister_netdevice: the driver gives its device up (its exit, or its
 * init's unwinding). */
void cordon_net_drop_device(struct cordon_netchan *nc, void *view);

#endif

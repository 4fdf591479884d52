/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net_impl.h - the net host's private declarations (net.c: the service,
 * its devices and the driver's requests of them; net_ring.c: the transmit
 * path and the channel's thread). The invariants are net.c's.
 */
#ifndef CORDON_NET_IMPL_H
#define CORDON_NET_IMPL_H

#include <linux/netdevice.h>
#include <linux/workqueue.h>

#include "cordon.h"
#include "cordon_net.h"
#include "cordon/heap.h"
#include "cordon_rings.h"

#define NET_TXQ_MAX	 1024			 /* skbs queued before the stack is told to wait */
#define NET_POLL	 (HZ / 50 ? HZ / 50 : 1) /* the thread looks at the channel this often */
#define NET_STATS_EVERY	 (HZ / 10 ? HZ / 10 : 1) /* and refreshes the counters */
#define NET_GLUE_TIMEOUT (2LL * NSEC_PER_SEC)
#define NET_GRACE	 (10 * HZ)	      /* an orphan waits this long for a new domain */
#define NET_DEADLINE	 (3 * HZ)	      /* a packet in flight longer: domain given up */
#define NET_MTU_MAX	 (U16_MAX - ETH_HLEN) /* a frame's length fits a ring descriptor */

struct net_service {
	struct cordon_service s;
	struct cordon_net_driver *drv;
	struct mutex lock;	/* ports, and a port's orphan/claim state */
	struct list_head ports; /* struct cordon_netport: every device it has */
};

struct net_slot {
	cdn_href buf; /* 0: free */
	u32 seq;
	unsigned long posted; /* jiffies */
};

/* The real device: in its net_device's private area, so it lives as long
 * as the device. */
struct cordon_netport {
	struct list_head node; /* in svc->ports until it is unregistered */
	struct net_service *svc;
	struct net_device *dev;
	char pattern[IFNAMSIZ];
	char registered_name[IFNAMSIZ]; /* a supervisor's name for it, whatever it is called now */
	struct cordon_netchan __rcu *chan; /* the domain serving it, or NULL */
	struct mutex chan_mutex;	   /* chan, for callers that sleep */
	bool orphan;			   /* no domain, and nobody claiming it (svc->lock) */
	struct sk_buff_head txq;	   /* queued by the stack, not yet posted */
	spinlock_t stats_lock;
	struct rtnl_link_stats64 base; /* the counts of the domains before this one */
	struct rtnl_link_stats64 last; /* this domain's, as last read */
	atomic64_t dropped;	       /* by the host: no room, no domain, no buffer */
	bool carrier_set, carrier;     /* the last ndo_change_carrier that succeeded */
	struct delayed_work orphan_work;
};

struct cordon_netchan {
	struct net_service *svc;
	struct cordon_chan *c;
	struct cdn_glue *g;
	struct cdn_heap *heap;
	u8 *heap_base;
	struct task_struct *thread;
	wait_queue_head_t wq;
	bool hello;   /* the domain said it is ready (CDN_RPC_HELLO) */
	bool posting; /* the thread posts (attached, no EXIT yet) */
	bool fenced;  /* given up: nothing more is asked of it */
	char fence_reason[64];
	struct mutex port_mutex;	/* port: attach and detach */
	struct cordon_netport *port;	/* the device it serves */
	struct task_struct *rtnl_owner; /* the task running init or exit, RTNL held */
	unsigned int rtnl_depth;	/* the driver's rtnl_lock calls inside it */
	/* what the driver's init asked for */
	void *view;
	struct cordon_net_model model;
	void *views[CORDON_NET_VIEWS];
	spinlock_t ring_lock; /* slot[], in_flight, next_seq, the heap */
	unsigned long stats_at;
	bool stats_due;
	bool stats_stalled; /* the last read got no answer: no periodic one until a completion */
	u32 next_seq, in_flight;
	struct net_slot slot[CDN_RING_SLOTS];
	u8 batch[sizeof(struct cdn_ring_batch_hdr) +
		 CDN_RING_BATCH_MAX * sizeof(struct cdn_txring_desc)];
	struct cordon_net_stats count;
	atomic64_t queued;
};

/* net_ring.c */
extern const struct net_device_ops cordon_net_port_ops;
int cordon_net_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep);
int cordon_net_thread(void *arg);
void cordon_net_refresh_stats(struct cordon_netchan *nc);
/* net.c */
void cordon_net_fence(struct cordon_netchan *nc, const char *why);

#endif

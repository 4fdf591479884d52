/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cordon.h - cordon.ko's private declarations.
 *
 * A channel is one open file of /dev/cordon: a region the module allocates
 * and the domain maps, the kernel's endpoint on it, and what serves it.
 * Invariants:
 *   - region, size and geom are set once (CORDON_IOC_CREATE, under lock)
 *     and never change while the file is open; the region is freed only at
 *     release, after the last mapping is gone (a mapping holds the file).
 *   - nothing the module keeps is derived from the region: the endpoint's
 *     positions and bounds are private (src/ipc/endpoint.h).
 *   - each channel has its own wait queue: a domain's doorbell reaches only
 *     its own channel's sleepers.
 */
#ifndef CORDON_KMOD_H
#define CORDON_KMOD_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "cordon/channel.h"
#include "cordon_service.h"

struct cordon_chan {
	struct mutex lock;
	struct list_head node; /* in the registry of channels (bell.c) */
	void *region;	       /* vmalloc_user(), mapped by the domain */
	size_t size;
	struct cdn_region reg;		/* the region as the shared channel code sees it */
	struct cdn_ep *ep;		/* the kernel's end */
	struct cdn_heap *heap;		/* the shared heap, mapped after the region; or NULL */
	struct cordon_service *service; /* who serves the kernel's side; or NULL */
	void *service_data;
	struct task_struct *server; /* the echo service's thread */
	wait_queue_head_t bell;	    /* sleepers on this channel's words */
	/* a kernel sleeper on the bell also wakes when kicks moves past
	 * kick_seen (its owner's other work: cordon_chan_kick) */
	atomic_t kicks;
	int kick_seen;
	/* the process that first slept or rang on the bell (only a domain
	 * does: its supervisor has no use for either); set once */
	struct pid *domain;
	atomic64_t waits, wakes;
};

/* bell.c */
void cordon_bell_add(struct cordon_chan *c);
void cordon_bell_del(struct cordon_chan *c);
long cordon_bell_wait_user(struct cordon_chan *c, u32 offset, u32 expected, s64 timeout_ns);
/* Wakes the kernel's sleeper on c's bell for work of its own; arm before
 * looking for that work, so a kick in between is not lost. */
static inline void cordon_chan_kick_arm(struct cordon_chan *c)
{
	WRITE_ONCE(c->kick_seen, atomic_read(&c->kicks));
}

static inline void cordon_chan_kick(struct cordon_chan *c)
{
	atomic_inc(&c->kicks);
	wake_up_all(&c->bell);
}

/* main.c: notes the caller of CORDON_IOC_WAIT or CORDON_IOC_WAKE as the
 * channel's domain, the first time */
void cordon_chan_note_domain(struct cordon_chan *c);

/* service.c */
struct cordon_service *cordon_service_get(u32 id);
void cordon_service_put(struct cordon_service *s);

/* echo.c: the built-in test service */
int cordon_echo_init(void);
void cordon_echo_exit(void);

#endif

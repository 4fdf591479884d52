/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cordon_service.h - for modules built on cordon.ko: what serves the
 * kernel's side of a channel. A service registers under an id
 * (CORDON_SERVICE_MODULES and up, cordon/kabi.h); a domain that creates a
 * channel naming that id gets it. The service then runs the kernel's side:
 * typically generated host glue on the channel's endpoint and heap.
 *
 * Lifetime: start runs once the channel and its heap exist (in the
 * creating process's context, may sleep); stop runs when the file is
 * released, before the channel's memory goes. The owner module is held
 * while any channel uses the service.
 */
#ifndef CORDON_SERVICE_H
#define CORDON_SERVICE_H

#include <linux/module.h>
#include <linux/types.h>

struct cordon_chan;
struct cdn_ep;
struct cdn_heap;

struct cordon_service {
	u32 id;
	const char *name;
	struct module *owner;
	int (*start)(struct cordon_chan *c);
	void (*stop)(struct cordon_chan *c);
	/* CORDON_IOC_SERVICE: buf holds len bytes in, *out_len bytes out
	 * (at most 256); returns 0 or -errno */
	long (*command)(struct cordon_chan *c, u32 cmd, u8 *buf, u32 len, u32 *out_len);
};

int cordon_service_register(struct cordon_service *s);
void cordon_service_unregister(struct cordon_service *s);

/* A line the domain of driver printed, into the kernel's log: sanitised
 * and rate-limited (domain_log.c). */
void cordon_domain_log(const char *driver, const char *msg);

/* Whether the channel's domain process has exited (or is exiting), even
 * while another process keeps the channel's file open: false until the
 * domain has first slept or rung on the channel's bell. */
bool cordon_chan_domain_gone(struct cordon_chan *c);
/* Whether a device name pattern a driver gives is one the host accepts:
 * [a-z0-9_-] and at most one "%d" (exactly one if need_hole), short
 * enough that the host's number fits a name of cap bytes. */
bool cordon_name_pattern_ok(const char *p, size_t cap, bool need_hole);

struct cdn_ep *cordon_chan_ep(struct cordon_chan *c);
struct cdn_heap *cordon_chan_heap(struct cordon_chan *c); /* NULL without a heap */
void cordon_chan_set_data(struct cordon_chan *c, void *data);
void *cordon_chan_data(struct cordon_chan *c);

#endif

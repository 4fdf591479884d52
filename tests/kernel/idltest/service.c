// SPDX-License-Identifier: GPL-2.0
/*
 * service.c - cordon_idltest.ko: tests/idl/demo.idl with the kernel as
 * host. The host side is cordon-idlc's output for the IDL (the same
 * generator, the same IDL as the user-space suite), built into this module
 * on cordon.ko's glue runtime; the domain is the guest test's process.
 * IDLTEST_RUN makes every call the user-space suite makes and reports what
 * the kernel saw; the guest compares it with the user-space host's answers.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cordon/heap.h"
#include "cordon_service.h"
#include "demo_host.h"
#include "idltest.h"
#include "idltest_impl.h"

struct idltest {
	struct cdn_glue *g;
	struct cdn_heap *heap;
};

static int idltest_start(struct cordon_chan *c)
{
	struct idltest *t;

	if (!cordon_chan_heap(c))
		return -EINVAL; /* the demo passes shared buffers */
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	if (cdn_glue_create(CDN_GLUE_HOST, cordon_chan_ep(c), &t->g) != CDN_OK) {
		kfree(t);
		return -ENOMEM;
	}
	t->heap = cordon_chan_heap(c);
	cdn_glue_set_heap(t->g, t->heap, 1);
	demo_host_init(t->g);
	cordon_chan_set_data(c, t);
	return 0;
}

static void idltest_stop(struct cordon_chan *c)
{
	struct idltest *t = cordon_chan_data(c);

	if (!t)
		return;
	cdn_glue_destroy(t->g);
	if (idltest_registered) {
		cdn_glue_forget_everywhere(idltest_registered);
		kfree(idltest_registered);
		idltest_registered = NULL;
	}
	kfree(t);
}

/* The user-space suite's sequence (tests/test_idl_e2e.c, run_demo). */
static void run(struct idltest *t, struct idltest_outcome *o)
{
	struct cdn_glue *g = t->g;
	struct device *reg;
	struct packet pkt;
	cdn_href ref, b2;
	u8 *buf, *p2;
	int before, i;

	o->probe = demo_call_demo_probe(g, 7);
	o->probe_err = cdn_glue_last_error(g);
	reg = idltest_registered;
	if (!reg) {
		o->setup_err = 1;
		return;
	}
	o->flags = reg->flags;
	o->mtu = reg->mtu;
	memcpy(o->addr, reg->addr, 6);
	o->secret = reg->host_secret;
	o->has_ops = reg->ops && reg->ops->open && reg->ops->xmit;
	if (!o->has_ops)
		return;
	/* host -> domain through the ops table's trampolines */
	o->open_ret = reg->ops->open(reg);
	if (cdn_heap_alloc(t->heap, CDN_HEAP_HOST, 100, &ref, (void **)&buf) != CDN_OK) {
		o->setup_err = 2;
		return;
	}
	memset(buf, 3, 100);
	pkt = (struct packet){.len = 100, .prio = RED, .data = buf};
	o->xmit_ret = (int)reg->ops->xmit(&pkt, reg);
	o->tx_packets = reg->stats.tx_packets;
	o->tx_bytes = reg->stats.tx_bytes;
	/* shared buffers change hands: host -> domain ([move]) and back */
	if (cdn_heap_alloc(t->heap, CDN_HEAP_HOST, 64, &b2, (void **)&p2) != CDN_OK) {
		o->setup_err = 3;
		return;
	}
	memset(p2, 2, 64);
	o->take_sum = demo_call_demo_take(g, p2, 64);
	cdn_heap_owner(t->heap, b2, &o->owner_after_take);
	o->consume_ok = demo_call_demo_probe(g, 20);
	cdn_heap_owner(t->heap, b2, &o->owner_after_consume);
	o->consume_again = demo_call_demo_probe(g, 21); /* no longer the domain's */
	/* an export rpc with a projection argument and nested calls back */
	reg->host_limit = 42;
	reg->drv_counter = 7; /* never sent: the domain's value replaces it */
	o->kick = demo_call_demo_kick(g, reg, 3);
	o->host_limit_after = reg->host_limit;
	o->drv_counter_after = reg->drv_counter;
	/* malformed requests from the domain: refused before any host code */
	before = idltest_host_calls;
	for (i = 0; i < 10; i++)
		o->malformed[i] = demo_call_demo_probe(g, 666 + i);
	o->host_calls_during_malformed = idltest_host_calls - before;
}

static long idltest_command(struct cordon_chan *c, u32 cmd, u8 *buf, u32 len, u32 *out_len)
{
	struct idltest *t = cordon_chan_data(c);
	struct idltest_outcome o;

	if (cmd != IDLTEST_RUN || !t)
		return -EINVAL;
	memset(&o, 0, sizeof(o));
	run(t, &o);
	BUILD_BUG_ON(sizeof(o) > 256);
	memcpy(buf, &o, sizeof(o));
	*out_len = sizeof(o);
	return 0;
}

static struct cordon_service idltest_service = {
	.id = IDLTEST_SERVICE,
	.name = "idltest",
	.owner = THIS_MODULE,
	.start = idltest_start,
	.stop = idltest_stop,
	.command = idltest_command,
};

static int __init idltest_init(void)
{
	return cordon_service_register(&idltest_service);
}

static void __exit idltest_exit(void)
{
	cordon_service_unregister(&idltest_service);
}

module_init(idltest_init);
module_exit(idltest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cordon: tests/idl/demo.idl with the kernel as host (test service)");

// SPDX-License-Identifier: GPL-2.0
/*
 * host_fns.c - the host's functions of tests/idl/demo.idl, in the kernel:
 * what the generated dispatch calls when the domain calls them. The same
 * behaviour as the user-space host's (tests/test_idl_e2e.c), so the same
 * probe gives the same answers.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "demo_types.h"
#include "idltest_impl.h"

int idltest_host_calls;
struct device *idltest_registered;

int32_t add(int32_t a, int64_t b, uint8_t c, bool flip)
{
	int64_t s = a + b + c;

	idltest_host_calls++;
	return (int32_t)(flip ? -s : s);
}

uint64_t checksum(uint32_t n, const uint32_t *words, const uint8_t *mac, const int16_t *zs)
{
	uint64_t s = 0;
	uint32_t i;

	idltest_host_calls++;
	for (i = 0; i < n; i++)
		s += words[i];
	for (i = 0; i < 6; i++)
		s += mac[i];
	for (i = 0; zs[i]; i++)
		s += (uint64_t)zs[i];
	return s;
}

uint32_t name_len(const char *name)
{
	idltest_host_calls++;
	return (uint32_t)strlen(name);
}

enum color next_color(enum color c)
{
	idltest_host_calls++;
	return c == RED ? GREEN : c == GREEN ? BLUE : c == BLUE ? NEG : RED;
}

struct device *device_alloc(const char *name, uint32_t mtu)
{
	struct device *d = kzalloc(sizeof(*d), GFP_KERNEL);

	idltest_host_calls++;
	if (!d)
		return NULL;
	strscpy(d->name, name, sizeof(d->name));
	d->mtu = mtu;
	d->host_secret = 0x5ec12e7;
	return d;
}

int32_t device_register(struct device *dev)
{
	idltest_host_calls++;
	/* a char * string field: the domain's arrived in glue storage */
	if (!dev->label || strcmp(dev->label, "demo-label") != 0)
		return -22;
	dev->label = (char *)"host-seen";
	dev->flags |= 0x100;
	idltest_registered = dev;
	return 0;
}

void device_free(struct device *dev)
{
	idltest_host_calls++;
	cdn_glue_forget_everywhere(dev);
	kfree(dev);
}

uint32_t buffer_sum(void *buf, uint32_t len)
{
	uint32_t s = 0, i;

	idltest_host_calls++;
	for (i = 0; i < len; i++)
		s += ((uint8_t *)buf)[i];
	return s;
}

void divide(int32_t a, int32_t b, int32_t *quotient, int32_t *rem)
{
	idltest_host_calls++;
	if (!b || !quotient || !rem)
		return;
	*quotient = a / b;
	*rem += a % b;
}

int32_t consume(void *buf)
{
	idltest_host_calls++;
	return 0;
}

u32 pair_sum(pair_t *p)
{
	idltest_host_calls++;
	return p ? p->a + p->b : 0; /* a projection pointer may be NULL */
}

void describe(u32 id, char *name, u8 *bytes, u32 cap)
{
	u32 i;

	idltest_host_calls++;
	snprintf(name, 16, "dev%u", id);
	for (i = 0; i < cap; i++)
		bytes[i] = (u8)(id + i);
}

int32_t call_twice(int (*cb)(struct device *dev), struct device *dev)
{
	idltest_host_calls++;
	return cb ? cb(dev) + cb(dev) : -1; /* calls back into the domain, twice */
}

int32_t bump_stats(struct device *dev, uint64_t by)
{
	idltest_host_calls++;
	dev->stats.tx_packets += by;
	return (int32_t)by * 2;
}

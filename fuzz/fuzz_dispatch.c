/*
 * fuzz_dispatch.c - libFuzzer target for generated dispatch code: the host
 * side of tests/idl/demo.idl receives arbitrary requests (any rpc id, any
 * payload, inline or in the extension area) as a hostile domain would send
 * them. It must answer each with a reply or an error status, never crash or
 * read out of bounds. The host functions here are inert stand-ins.
 */
#include <stdlib.h>
#include <string.h>

#include "demo_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct device the_device;

int32_t add(int32_t a, int64_t b, uint8_t c, bool flip)
{
    return (int32_t)(a + b + c + flip);
}

uint64_t checksum(uint32_t n, const uint32_t *words, const uint8_t *mac, const int16_t *zs)
{
    uint64_t s = mac[0] + mac[5];
    for (uint32_t i = 0; i < n; i++)
        s += words[i];
    for (int i = 0; zs[i]; i++)
        s += (uint64_t)zs[i];
    return s;
}

uint32_t name_len(const char *name)
{
    return (uint32_t)strlen(name);
}

enum color next_color(enum color c)
{
    return c;
}

struct device *device_alloc(const char *name, uint32_t mtu)
{
    (void)name;
    the_device.mtu = mtu;
    return &the_device;
}

int32_t device_register(struct device *dev)
{
    return dev ? (int32_t)dev->flags : -1;
}

void device_free(struct device *dev)
{
    (void)dev;
}

uint32_t buffer_sum(void *buf, uint32_t len)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += ((uint8_t *)buf)[i];
    return s;
}

int32_t consume(void *buf)
{
    return buf ? 0 : -1;
}

uint32_t pair_sum(pair_t *p)
{
    return p ? p->a + p->b : 0; /* a projection pointer may be NULL */
}

void describe(uint32_t id, char *name, uint8_t *bytes, uint32_t cap)
{
    /* writes exactly the room it was given: the fuzzer's reads check it */
    snprintf(name, 16, "dev%u", id % 1000);
    for (uint32_t i = 0; i < cap; i++)
        bytes[i] = (uint8_t)(id + i);
}

int32_t call_twice(int (*cb)(struct device *dev), struct device *dev)
{
    (void)cb; /* never call back: no domain behind this fuzzer */
    (void)dev;
    return 0;
}

void divide(int32_t a, int32_t b, int32_t *quotient, int32_t *rem)
{
    if (quotient && b && !(a == INT32_MIN && b == -1))
        *quotient = a / b;
    if (rem)
        *rem = 0;
}

int32_t bump_stats(struct device *dev, uint64_t by)
{
    if (dev)
        dev->stats.tx_packets += by;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cdn_region region;
    static struct cdn_ep *ep;
    static struct cdn_glue *g;
    static struct cdn_heap *heap;
    if (!g) {
        if (cdn_region_create(NULL, &region) != CDN_OK ||
            cdn_ep_create(&region, CDN_SIDE_HOST, CDN_WAIT_SPIN, &ep) != CDN_OK ||
            cdn_glue_create(CDN_GLUE_HOST, ep, &g) != CDN_OK || cdn_heap_create(1 << 20, &heap))
            abort();
        cdn_glue_set_heap(g, heap, 1);
        demo_host_init(g);
        /* A few live objects for references to hit. */
        cdn_href r;
        cdn_heap_alloc(heap, 1, 64, &r, NULL);
        uint64_t ref;
        int is_new;
        cdn_glue_export(g, &the_device, demo_TYPE_device, &ref, &is_new);
    }
    if (size < 2)
        return 0;
    struct cdn_msg req, rep;
    memset(&req, 0, sizeof req);
    memset(&rep, 0, sizeof rep);
    req.rpc_id = (uint16_t)(data[0] % 16);
    req.flags = CDN_MSG_REQUEST;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    if (data[1] & 1) { /* the extension area */
        if (n > 4096)
            n = 4096;
        req.ext = p;
        req.ext_len = (uint32_t)n;
    } else {
        if (n > CDN_INLINE_MAX)
            n = CDN_INLINE_MAX;
        memcpy(req.data, p, n);
        req.inline_len = (uint8_t)n;
    }
    int st = demo_host_dispatch(g, &req, &rep);
    if (st > 0)
        abort();
    if (st == CDN_OK && rep.inline_len > CDN_INLINE_MAX)
        abort();
    return 0;
}

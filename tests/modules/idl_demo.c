/*
 * idl_demo.c - the domain side of tests/idl/demo.idl: a small "driver" that
 * uses every rpc through the generated stubs (demo_domain.c), installs an
 * ops table, and, on request, sends deliberately malformed requests to check
 * that the host's generated dispatch rejects them.
 */
#include <stdio.h>
#include <string.h>

#include "cordon/module.h"
#include "demo_domain.h"

static struct device *my_dev;
static void *kept; /* a heap buffer the host gave us (demo_take) */
static int opened;

static int dev_open(struct device *dev)
{
    opened++;
    return (int)dev->mtu + 1;
}

static enum color dev_xmit(struct packet *pkt, struct device *dev)
{
    /* A nested call back into the host while the host waits for us. */
    uint32_t sum = buffer_sum(pkt->data, pkt->len);
    dev->stats.tx_packets++;
    dev->stats.tx_bytes += pkt->len;
    if (sum != pkt->len * 3u)
        return NEG;
    return pkt->prio == RED ? GREEN : BLUE;
}

static const struct device_ops my_ops = {.open = dev_open, .xmit = dev_xmit};

/* Sends one raw request, for the malformed cases. */
static int raw_call(uint16_t rpc, const void *payload, uint8_t len)
{
    struct cdn_msg q, a;
    memset(&q, 0, sizeof q);
    q.rpc_id = rpc;
    memcpy(q.data, payload, len);
    q.inline_len = len;
    return cdn_ep_call(cdn_glue_ep(cdn_glue_current()), &q, &a, NULL, NULL, 1000000000LL);
}

static int32_t malformed(uint32_t seed)
{
    uint8_t b[44];
    memset(b, 0, sizeof b);
    switch (seed) {
    case 666: { /* device_register with a forged handle */
        uint64_t ref = 0x0005000000001234ull;
        memcpy(b, &ref, 8);
        return raw_call(demo_RPC_device_register, b, 9);
    }
    case 667: /* add with its arguments cut short */
        return raw_call(demo_RPC_add, b, 5);
    case 668: { /* next_color with a value outside the enum */
        int32_t c = 5;
        memcpy(b, &c, 4);
        return raw_call(demo_RPC_next_color, b, 4);
    }
    case 669: /* add with bool = 2 */
        b[13] = 2;
        return raw_call(demo_RPC_add, b, 14);
    case 670: { /* name_len with a string longer than string<32> */
        uint32_t n = 40;
        memcpy(b, &n, 4);
        return raw_call(demo_RPC_name_len, b, 44);
    }
    case 671: { /* checksum whose count exceeds the array's bound (64) */
        uint32_t n = 1000;
        memcpy(b, &n, 4);
        memcpy(b + 4, &n, 4);
        return raw_call(demo_RPC_checksum, b, 8);
    }
    case 672: /* add with trailing garbage */
        return raw_call(demo_RPC_add, b, 20);
    case 673: {                      /* checksum whose count disagrees with {{n}} */
        uint32_t hdr[3] = {2, 1, 7}; /* n = 2, but one word follows */
        memcpy(b, hdr, sizeof hdr);
        memset(b + 12, 0, 6); /* mac */
        memset(b + 18, 0, 4); /* zs: count 0 */
        return raw_call(demo_RPC_checksum, b, 22);
    }
    case 674: { /* a host handle presented as NEW */
        uint64_t ref = cdn_glue_ref_of(cdn_glue_current(), my_dev);
        memcpy(b, &ref, 8);
        b[8] = CDN_REF_FLAG_NEW;
        return raw_call(demo_RPC_bump_stats, b, 17);
    }
    case 675: /* a NULL buffer with a length: the host must not trust len */
        buffer_sum(NULL, 100);
        return cdn_glue_last_error(cdn_glue_current());
    default:
        return -1000;
    }
}

/* Exercises every rpc; returns 0, or the number of the first failed check. */
const char *demo_name(uint32_t id)
{
    static char name[32];
    if (!id)
        return NULL;
    snprintf(name, sizeof name, "name-%u", id);
    return name;
}

int32_t demo_fill(char *tag, uint16_t *vals)
{
    strcpy(tag, "filled");
    for (int i = 0; i < 4; i++)
        vals[i] = (uint16_t)(vals[i] * 11); /* [in, out]: what came, changed */
    return 10;
}

int32_t demo_probe(uint32_t seed)
{
    if (seed >= 666)
        return malformed(seed);
    if (seed == 30) { /* a call that fails after exporting a new object */
        static const struct device_ops ops2 = {.open = dev_open, .xmit = dev_xmit};
        struct device *d = device_alloc("demo1", 9000);
        if (!d)
            return 30;
        d->ops = &ops2; /* new to the host */
        d->label = (char *)"a label longer than its thirty-one characters";
        if (device_register(d) != -5 || cdn_glue_last_error(cdn_glue_current()) != CDN_EINVAL)
            return 31; /* refused here: never sent */
        d->label = (char *)"short";
        if (device_register(d) != 0) /* ops2 goes as new again, not as a stale ref */
            return 32;
        return 0;
    }
    if (seed == 20 || seed == 21) { /* give `kept` back to the host ([move]) */
        int32_t r = consume(kept);
        return r == 0 ? 0 : cdn_glue_last_error(cdn_glue_current());
    }
    if (add(2, 40, 3, true) != -45 || add(1, 2, 3, false) != 6)
        return 1;
    char name[16] = "x";
    uint8_t bytes[8] = {0};
    describe(40, name, bytes, 5); /* [out] string and array from the host */
    pair_t pr = {.a = 30, .b = 12};
    if (pair_sum(&pr) != 42) /* a projection of a typedef'd anonymous struct */
        return 1;
    if (strcmp(name, "dev40") != 0 || bytes[0] != 40 || bytes[4] != 44 || bytes[5] != 0)
        return 1;
    uint32_t words[5] = {1, 2, 3, 4, 5};
    uint8_t mac[6] = {1, 1, 1, 1, 1, 1};
    int16_t zs[4] = {10, 20, 30, 0};
    if (checksum(5, words, mac, zs) != 15 + 6 + 60)
        return 2;
    if (name_len("cordon") != 6)
        return 3;
    if (next_color(RED) != GREEN || next_color(BLUE) != NEG)
        return 4;
    my_dev = device_alloc("demo0", 1500 + seed);
    if (!my_dev || my_dev->mtu != 1500 + seed || strcmp(my_dev->name, "demo0") != 0)
        return 5;
    my_dev->flags = 0x11;
    memcpy(my_dev->addr, "\x02\x00\x5e\x10\x20\x30", 6);
    my_dev->ops = &my_ops;
    if (my_dev->label) /* NULL on the host: NULL here */
        return 6;
    my_dev->label = (char *)"demo-label";
    if (device_register(my_dev) != 0)
        return 6;
    if (my_dev->flags != 0x11 + 0x100) /* the host set a flag: [in, out] */
        return 7;
    if (!my_dev->label || strcmp(my_dev->label, "host-seen") != 0) /* a char * field back */
        return 7;
    int32_t q = 0, rem = 1000;
    divide(17, 5, &q, &rem);
    if (q != 3 || rem != 2 + 1000)
        return 8;
    divide(1, 0, NULL, NULL);
    int before = opened;
    if (call_twice(dev_open, my_dev) != 2 * (int32_t)(my_dev->mtu + 1) || opened != before + 2)
        return 9;
    return 0;
}

uint32_t demo_take(void *buf, uint32_t len)
{
    kept = buf;
    uint32_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += ((uint8_t *)buf)[i];
    return s;
}

uint64_t demo_kick(struct device *dev, uint32_t times)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < times; i++)
        total += (uint64_t)bump_stats(dev, i + 1);
    /* [write_only]: ours to set, the host sees it; [read_only]: we see the
     * host's value, and our write is not taken back */
    dev->drv_counter = 1000 + dev->host_limit;
    dev->host_limit = 0xbad;
    return total + dev->stats.tx_packets * 1000000u;
}

static int demo_main(struct cdn_dom_ctx *ctx)
{
    return cdn_dom_serve_glue(ctx, demo_domain_init, demo_domain_dispatch);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "idl_demo",
    .main = demo_main,
};

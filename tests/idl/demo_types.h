/* demo_types.h - the C types behind tests/idl/demo.idl (the "kernel" header). */
#ifndef DEMO_TYPES_H
#define DEMO_TYPES_H

#include <stdbool.h>
#include <stdint.h>

enum color { RED = 0, GREEN = 1, BLUE = 7, NEG = -3 };

struct device;
struct packet;

struct device_ops {
    int (*open)(struct device *dev);
    enum color (*xmit)(struct packet *pkt, struct device *dev);
};

struct stats {
    uint64_t tx_packets;
    uint64_t tx_bytes;
};

typedef struct {
    uint32_t a, b;
} pair_t;

struct device {
    char name[16];
    uint32_t flags;
    uint32_t mtu;
    uint64_t host_secret; /* never crosses */
    uint32_t host_limit;  /* [read_only] */
    uint32_t drv_counter; /* [write_only] */
    uint8_t addr[6];
    const struct device_ops *ops;
    struct stats stats;
    char *label; /* a string held by pointer: string<31> */
};

struct packet {
    uint32_t len;
    enum color prio;
    unsigned char *data;
};

/* host side */
int32_t add(int32_t a, int64_t b, uint8_t c, bool flip);
uint64_t checksum(uint32_t n, const uint32_t *words, const uint8_t *mac, const int16_t *zs);
uint32_t name_len(const char *name);
enum color next_color(enum color c);
struct device *device_alloc(const char *name, uint32_t mtu);
int32_t device_register(struct device *dev);
void device_free(struct device *dev);
uint32_t buffer_sum(void *buf, uint32_t len);
int32_t consume(void *buf);
void describe(uint32_t id, char *name, uint8_t *bytes, uint32_t cap);
uint32_t pair_sum(pair_t *p);
void divide(int32_t a, int32_t b, int32_t *quotient, int32_t *rem);
int32_t bump_stats(struct device *dev, uint64_t by);
int32_t call_twice(int (*cb)(struct device *dev), struct device *dev);

/* domain side */
int32_t demo_probe(uint32_t seed);
uint64_t demo_kick(struct device *dev, uint32_t times);
uint32_t demo_take(void *buf, uint32_t len);

#endif

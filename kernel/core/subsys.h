/*
 * subsys.h - how a subsystem of the host kernel core (net, block) takes
 * part in a driver's life without the core knowing it by name.
 *
 * Each subsystem defines one struct cdn_subsys and registers it with
 * CDN_SUBSYS() in the file that holds its core functions (kernel/net/dev.c,
 * kernel/block/blk.c), as Linux collects initcalls: a pointer to it goes
 * into the section "cdn_subsys", and the core walks the section. A host
 * that links no block code has no block subsystem, and the core calls
 * nothing of it. Every hook may be NULL.
 */
#ifndef CORDON_KERNEL_SUBSYS_H
#define CORDON_KERNEL_SUBSYS_H

#include <stdint.h>

struct cdn_driver;
struct cdn_glue;

struct cdn_subsys {
    const char *name;
    /* kernel bring-up: forget every object, make what the subsystem needs
     * (0, or a negative errno: the kernel does not come up); and its end */
    int (*init)(void);
    void (*exit)(void);
    /* g's driver (owner) died: point its objects at inert operations and
     * remember owner, for its restart to re-attach them; how many */
    int (*orphan)(struct cdn_glue *g, void *owner);
    /* owner stays down or unloads: free what it left orphaned; how many */
    int (*release_orphans)(void *owner);
    /* drv's domain is gone: take back what it held in its rings */
    void (*rings_reclaim)(struct cdn_driver *drv);
    /* the host is idle: post waiting batches, watch requests in flight */
    void (*rings_idle)(void);
    /* drv's ring completion message of rpc id done_rpc (0: none) */
    uint16_t done_rpc;
    int (*done)(struct cdn_driver *drv, const void *buf, uint32_t len);
};

#define CDN_SUBSYS(var)                                                                            \
    static const struct cdn_subsys *const var##_registered                                         \
        __attribute__((used, section("cdn_subsys"), aligned(sizeof(void *)))) = &(var)

/* The i-th registered subsystem, or NULL past the last. */
const struct cdn_subsys *cdn_subsys_at(unsigned i);

#endif

/*
 * cordon_kernel.h - the host kernel core's own API (not Linux's): bring-up,
 * the shared heap that holds packet data, and the log.
 */
#ifndef CORDON_KERNEL_H
#define CORDON_KERNEL_H

#include <stddef.h>

#include "cordon/heap.h"

/* Creates the shared heap (heap_size bytes; 0: 64 MiB). */
int cdn_kernel_init(size_t heap_size);
void cdn_kernel_exit(void);
struct cdn_heap *cdn_kernel_heap(void);

/* The last lines printk wrote (host and forwarded domain lines), oldest
 * first, separated by '\n'. Also printed to stderr when CORDON_PRINTK=1. */
const char *cdn_kernel_log_tail(char *buf, size_t len);

/* Counters the tests read. */
struct cdn_kernel_stats {
    unsigned long skbs_allocated, skbs_freed, xmit_dropped;
    unsigned long skb_double_frees; /* kfree_skb of an skb that is not live */
    unsigned long xmit_bad_returns; /* ndo_start_xmit returned neither OK nor BUSY */
    unsigned long skbs_reclaimed;   /* freed by the core after a driver failed to */
    unsigned long blk_requests, blk_not_completed, blk_double_completions;
    unsigned long restarts, objects_reclaimed, devices_reattached;
    unsigned long netdevs_registered, netdevs_freed;
};
void cdn_kernel_get_stats(struct cdn_kernel_stats *out);

/* ---- loading a driver in one of three modes ---- */

#include "cordon/async.h"
#include "cordon/domain.h"
#include "cordon/glue.h"

enum cdn_drv_mode { CDN_DRV_NATIVE = 0, CDN_DRV_INPROC = 1, CDN_DRV_PROCESS = 2 };

/* What the loader needs to know about a driver: its native entry points and
 * the generated host glue for the isolated modes. */
struct cdn_driver_desc {
    const char *name; /* the module is <libdir>/cordon/<name>.so */
    int (*native_init)(void);
    void (*native_exit)(void);
    void (*glue_init)(struct cdn_glue *g);
    cdn_handler_fn dispatch;
    int32_t (*call_init)(struct cdn_glue *g);
    void (*call_exit)(struct cdn_glue *g);
};

struct cdn_driver {
    const struct cdn_driver_desc *desc;
    enum cdn_drv_mode mode;
    cdn_domain *dom;
    struct cdn_glue *glue;
    cdn_async *rt; /* set by cdn_driver_use_async */
    int cpu;
    char path[4096];
    char reason[192];
};

/* Loads (and initialises) the driver: native calls its init directly; the
 * isolated modes start a domain on `cpu` (-1: anywhere) and call init
 * through the glue. Returns the driver's init result or a cordon status. */
int cdn_driver_load(const struct cdn_driver_desc *d, enum cdn_drv_mode mode, int cpu,
                    const char *module_dir, struct cdn_driver *out);
/*
 * Recovery (the shadow-driver idea): the isolated driver died or hung. Kills
 * it if needed, points the host objects it served (net devices) at inert
 * operations, reclaims its handles and shared-heap objects, starts a new
 * domain and runs the driver's init again, during which the host core
 * re-attaches it to the objects that still exist instead of creating new
 * ones: the same net_device, same name, still registered. Host clients keep
 * their pointers. Returns the new init's result; *ms (may be NULL) gets the
 * time it took, in milliseconds.
 */
int cdn_driver_restart(struct cdn_driver *drv, double *ms);

/* Route calls through an async runtime (fibers) instead of blocking. */
int cdn_driver_use_async(struct cdn_driver *drv, cdn_async *rt);
void cdn_driver_unload(struct cdn_driver *drv);
const char *cdn_drv_mode_name(enum cdn_drv_mode m);

#endif

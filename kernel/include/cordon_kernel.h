/*
 * cordon_kernel.h - the host kernel core's own API (not Linux's): bring-up,
 * the shared heaps that hold packet and block data, the log, and loading
 * and supervising drivers.
 *
 * Return values. The Linux-named functions (kernel/include/linux/) return
 * what Linux's do: 0 or a negative errno. The functions here return 0 or a
 * negative errno where they stand for a kernel operation (cdn_kernel_init:
 * -ENOMEM), a cordon status (cordon/error.h) where they are cordon's own
 * (cdn_driver_check, cdn_driver_use_async), and, where a driver's own code
 * answers, either: cdn_driver_load, cdn_driver_load_policy and
 * cdn_driver_restart return the driver's init result (0 or an errno) or a
 * cordon status when the crossing itself failed. The two ranges do not
 * meet, so cdn_is_status() tells which a value is.
 */
#ifndef CORDON_KERNEL_H
#define CORDON_KERNEL_H

#include <stddef.h>

#include "cordon/heap.h"

/* Brings the kernel core up. heap_size (0: 64 MiB) is the size of the
 * host's own heap and of each isolated driver's: every isolated driver
 * gets a heap of its own, mapped into its domain and no other. */
int cdn_kernel_init(size_t heap_size);
void cdn_kernel_exit(void);
/* The host's heap: packets and requests not yet bound for a driver, and
 * native drivers' device memory. Never mapped into a domain. */
struct cdn_heap *cdn_kernel_heap(void);
/* The heap of the isolated driver whose glue made `shadow` (an ops table,
 * a tag set), or the host's heap. */
struct cdn_heap *cdn_kernel_heap_of(const void *shadow);
/* Every heap the core has made (the host's first), for statistics: up to
 * max of them into out; returns how many there are. */
int cdn_kernel_heaps(struct cdn_heap **out, int max);
/* The statistics of every heap the core has now, added up. */
void cdn_kernel_heap_stats(struct cdn_heap_stats *out);

/* The last lines printk wrote (host and forwarded domain lines), oldest
 * first, separated by '\n'. Also printed to stderr when CORDON_PRINTK=1. */
const char *cdn_kernel_log_tail(char *buf, size_t len);
/* Lines logged since the kernel came up; and the lines from number `since`
 * on that are still kept (the last 64), one per line, into buf. */
unsigned long cdn_kernel_log_count(void);
const char *cdn_kernel_log_since(unsigned long since, char *buf, size_t len);

/* Counters the tests read. */
struct cdn_kernel_stats {
    unsigned long skbs_allocated, skbs_freed, xmit_dropped;
    unsigned long skbs_copied;      /* data moved into the heap of the driver it was sent to */
    unsigned long skb_double_frees; /* kfree_skb of an skb that is not live */
    unsigned long xmit_bad_returns; /* ndo_start_xmit returned neither OK nor BUSY */
    unsigned long skbs_reclaimed;   /* freed by the core after a driver failed to */
    unsigned long blk_requests, blk_not_completed, blk_double_completions;
    unsigned long blk_retried;      /* issued again after their driver failed and was restarted */
    unsigned long blk_busy_retries; /* sent again after queue_rq said "busy, try later" */
    unsigned long restarts, objects_reclaimed, devices_reattached;
    unsigned long config_replayed; /* recorded configuration calls replayed after a restart */
    unsigned long netdevs_allocated, netdevs_registered, netdevs_freed;
    unsigned long netdev_bad_frees; /* free_netdev of a registered device, refused */
    unsigned long disk_bad_puts;    /* put_disk of a disk still added, refused */
    /* data-path rings (cordon_rings.h) */
    unsigned long ring_batches;      /* messages posted to drivers (skbs or requests) */
    unsigned long ring_completions;  /* completion messages from drivers */
    unsigned long ring_full_waits;   /* a batch waited for the driver to free a slot */
    unsigned long ring_full_wait_ns; /* how long those waits took in all */
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
    /* The generated MODULE_host_check (may be NULL): before anything else
     * crosses, the domain's glue must come from the same IDL as the host's,
     * or the load fails ("glue mismatch"). */
    int (*check_glue)(struct cdn_glue *g);
    /* Data-path rings its module serves (CDN_RINGS_*; cordon_rings.h):
     * with one, the core posts batches of packets or requests to it instead
     * of one glue call each. */
    unsigned rings;
};
#define CDN_RINGS_TX 0x1u /* ndo_start_xmit through the transmit ring */
#define CDN_RINGS_RQ 0x2u /* queue_rq through the request ring */

/*
 * What the supervisor does when an isolated driver fails (it died, hung,
 * broke the protocol, or a crossing into it failed), and what requests that
 * reach its devices meanwhile get.
 */
enum cdn_on_failure {
    CDN_RESTART = 0,   /* restart it and re-attach its devices (default) */
    CDN_STAY_DOWN = 1, /* leave it down; its devices drop everything */
};
enum cdn_while_down {
    CDN_FAIL_FAST = 0,        /* a request for a device whose driver is down fails at once */
    CDN_WAIT_FOR_RESTART = 1, /* it waits (its fiber yields) while a restart runs, then goes on */
};
struct cdn_driver_policy {
    enum cdn_on_failure on_failure;
    enum cdn_while_down while_down;
    int max_restarts;          /* within restart_window_ns; beyond it stays down. 0: no limit */
    int64_t restart_window_ns; /* default 1 s */
    int64_t call_timeout_ns;   /* deadline of each call into the driver; default 5 s */
    int64_t heartbeat_ns;      /* watchdog (cordon/domain.h); default 1 s; 0: off */
    uint64_t memory_limit;     /* the domain's memory cap (cordon/domain.h); 0 (default): 256 MiB */
    enum cdn_wait_policy wait; /* how its domain waits for work (default CDN_WAIT_SPIN: a core
                                  of its own; CDN_WAIT_ADAPTIVE sleeps when idle) */
    int strict;         /* a request that fails validation is a protocol violation (default 1) */
    int warm_spare;     /* PROCESS: keep a launched domain ready for a restart (default 1) */
    int rings;          /* use the driver's data-path rings, if it has any (default 1);
                           0: every packet or request is a glue call of its own */
    const char *params; /* module parameters, as modprobe takes them: "name=value
                           ..." (linux/moduleparam.h; at most 255 characters;
                           copied at load, set again at every restart). An
                           unknown name is ignored with a warning; a value that
                           does not parse fails the load with -EINVAL. */
};
/* Fills p with the defaults above. */
void cdn_driver_policy_init(struct cdn_driver_policy *p);

struct cdn_driver_stats {
    unsigned long failures; /* failures the supervisor saw */
    unsigned long restarts; /* successful restarts */
    unsigned long rejected; /* requests from the driver that failed validation */
    double last_restart_ms; /* how long the last restart took */
};

struct cdn_driver {
    const struct cdn_driver_desc *desc;
    enum cdn_drv_mode mode;
    struct cdn_domain *dom;
    struct cdn_glue *glue;
    struct cdn_async *rt; /* set by cdn_driver_use_async */
    int cpu;
    char path[4096];
    char reason[192]; /* why it last failed (or failed to load) */
    char params[256]; /* policy.params, kept for restarts */
    struct cdn_driver_policy policy;
    struct cdn_driver_stats stats;
    int down;       /* the supervisor took it down (policy, or a restart failed) */
    int restarting; /* a restart is running (other fibers may see its devices orphaned) */
    int64_t window_start;
    int window_restarts;
    struct cdn_driver *next;         /* the supervisor's list of loaded drivers */
    struct cdn_domain *spare;        /* see cdn_driver_policy.warm_spare */
    struct cdn_domain *graveyard[8]; /* killed domains whose exit has not finished */
    int ngrave;
    struct cdn_rings *rings; /* the host's side of its data-path rings (kernel-private) */
    /* Its own shared heap: the only one its domain maps. Its devices'
     * memory and the data of packets and requests sent to it live here,
     * so no other driver can reach them. Kept across restarts (device
     * memory outlives a crash); freed at unload. */
    struct cdn_heap *heap;
};

/* Loads (and initialises) the driver: native calls its init directly; the
 * isolated modes start a domain on `cpu` (-1: anywhere) and call init
 * through the glue. Returns 0, the driver's init result (a negative errno,
 * or -EINVAL for module parameters that do not parse), or a cordon status
 * (CDN_ELOAD, CDN_ENOMEM, CDN_EDEAD, ...: cdn_is_status) when loading or
 * the crossing failed; out->reason says why in words.
 * On failure nothing stays loaded (an isolated driver's domain is gone, and
 * with it whatever its init had registered); do not call cdn_driver_unload. */
int cdn_driver_load(const struct cdn_driver_desc *d, enum cdn_drv_mode mode, int cpu,
                    const char *module_dir, struct cdn_driver *out);
/* The same with a policy (NULL: defaults). *out must stay where it is until
 * cdn_driver_unload: the supervisor keeps a pointer to it. */
int cdn_driver_load_policy(const struct cdn_driver_desc *d, enum cdn_drv_mode mode, int cpu,
                           const char *module_dir, const struct cdn_driver_policy *policy,
                           struct cdn_driver *out);
/*
 * The supervisor's step: if the driver failed (domain dead or killed by the
 * watchdog, or the last crossing ended in EDEAD, ETIMEDOUT or EPROTO), it
 * records why and applies the policy: restart (cdn_driver_restart), or take
 * it down for good (its devices orphaned, its objects reclaimed). The host
 * cores call this by themselves after a crossing fails; call it to poll.
 * Returns CDN_OK if the driver is up (again), CDN_EDEAD if it is down.
 */
int cdn_driver_check(struct cdn_driver *drv);
/*
 * Recovery (the shadow-driver idea): the isolated driver died or hung. Kills
 * it if needed, points the host objects it served (net devices) at inert
 * operations, reclaims its handles and shared-heap objects, starts a new
 * domain and runs the driver's init again, during which the host core
 * re-attaches it to the objects that still exist instead of creating new
 * ones: the same net_device, same name, still registered. Host clients keep
 * their pointers. Returns the new init's result (0 or an errno) or a cordon
 * status (CDN_EINVAL for a native or never-started driver, or a failed
 * crossing); *ms (may be NULL) gets the time it took, in milliseconds.
 */
int cdn_driver_restart(struct cdn_driver *drv, double *ms);

/* Route calls through an async runtime (fibers) instead of blocking. */
int cdn_driver_use_async(struct cdn_driver *drv, struct cdn_async *rt);
void cdn_driver_unload(struct cdn_driver *drv);
const char *cdn_drv_mode_name(enum cdn_drv_mode m);

#endif

/*
 * cordon/kabi.h - the interface between cordon.ko (the kernel as host) and
 * the user-space domain that runs an isolated driver: ioctls on /dev/cordon.
 *
 * One open file of /dev/cordon is one channel. The domain creates it, maps
 * it (mmap of the whole region, offset 0) and then talks over it with the
 * same channel code the user-space host uses (src/ipc): the layout and the
 * codec are compiled into both. Where the user-space host and domain sleep
 * on futexes, a domain whose host is the kernel sleeps and wakes through
 * CORDON_IOC_WAIT and CORDON_IOC_WAKE: the kernel cannot wake a futex, and
 * a futex on the module's pages is not one the kernel would honour.
 *
 * Everything the module reads from the region or from an ioctl argument is
 * the domain's, and checked: offsets against the region, geometries against
 * the channel limits, the wait's timeout against CORDON_WAIT_MAX_NS.
 */
#ifndef CORDON_KABI_H
#define CORDON_KABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define CORDON_DEVICE "/dev/cordon"

/* CORDON_IOC_CREATE: make this file's channel, and its shared heap if
 * heap_size is not 0 (a multiple of 64 KiB, at most CORDON_HEAP_MAX). The
 * domain maps the region at offset 0 and the heap at offset region_size. */
struct cordon_create {
    __u32 ring_slots;    /* in: as struct cdn_chan_geometry */
    __u32 ext_slot_size; /* in */
    __u32 service;       /* in: who serves the kernel's side (CORDON_SERVICE_*) */
    __u32 pad;           /* in: zero */
    __u64 heap_size;     /* in */
    __u64 region_size;   /* out: bytes to map at offset 0 */
};
#define CORDON_HEAP_MAX (64ULL << 20)

/* Who serves the kernel's side of a channel. Ids from
 * CORDON_SERVICE_MODULES up belong to modules built on cordon.ko. */
#define CORDON_SERVICE_NONE     0  /* nothing: the channel waits */
#define CORDON_SERVICE_ECHO     1  /* answers every request with its own payload */
#define CORDON_SERVICE_MODULES  64 /* first id a module may register */
#define CORDON_SERVICE_DUMMY    65 /* drivers/net/kmod/dummy_kmod.c: the dummy driver */
#define CORDON_SERVICE_NULL_BLK 66 /* drivers/block/kmod/null_blk_kmod.c: null_blk */
#define CORDON_SERVICE_MAX      127

/*
 * CORDON_IOC_SERVICE commands of an isolated net driver's channel
 * (kmod/cordon_net.h). A device outlives the domain that serves it: when
 * the channel's file goes or the host gives up on the domain (its process
 * gone, a protocol violation), the device is orphaned: it stays
 * registered, what the stack sends waits in its queue, and a new channel of
 * the same service whose CORDON_NET_INIT names the device takes it over
 * once its driver's init succeeds. An orphan no domain takes within 10 s is
 * unregistered.
 */
/* CORDON_NET_INIT: runs the driver's init; in: "" (a new device) or the
 * name of an orphaned device to take over; out: struct cordon_net_init */
#define CORDON_NET_INIT  1
#define CORDON_NET_EXIT  2 /* unregister the device, then run the driver's exit */
#define CORDON_NET_STATS 3 /* out: struct cordon_net_stats */
#define CORDON_NET_SYNC  4 /* post what is queued, wait for every completion, read the counters */

struct cordon_net_init {
    __s32 status;     /* the driver's init (CDN_E*), or -errno making the device */
    char name[16];    /* the device's name (/sys/class/net/NAME) */
    __u32 reattached; /* 1: an orphaned device was taken over, not made */
};

struct cordon_net_stats {
    __u64 queued, posted, completed, dropped; /* packets */
    __u64 batches, refreshes;
    __u64 protocol_errors; /* completions naming what was never posted, or twice */
    __u64 fences;          /* 1 once the host gave this domain up */
    __u32 attached;        /* 1 while the domain serves its device */
    __u32 orphaned;        /* the service's devices no domain serves */
    char fence_reason[64];
};

/*
 * CORDON_IOC_SERVICE commands of an isolated block driver's channel
 * (kmod/cordon_blk.h). A disk outlives the domain that serves it: when the
 * channel's file goes (the domain died and its supervisor closed the
 * channel) or the host gives up on the domain (a request past its deadline,
 * a protocol violation), the disk is orphaned: its queue stops, requests in
 * flight wait on it, and a new channel of the same service whose
 * CORDON_BLK_INIT names the disk takes it over once its driver's init
 * succeeds. An orphan no domain takes within 10 s fails its I/O until one
 * does.
 */
/* CORDON_BLK_INIT: runs the driver's init; in: "" (a new disk) or the name
 * of an orphaned disk to take over; out: struct cordon_blk_init */
#define CORDON_BLK_INIT  1
#define CORDON_BLK_EXIT  2 /* delete the disk, then run the driver's exit */
#define CORDON_BLK_STATS 3 /* out: struct cordon_blk_stats */

struct cordon_blk_init {
    __s32 status;     /* the driver's init (CDN_E*), or -errno making the disk */
    __u32 reattached; /* 1: an orphaned disk was taken over, not made */
    char name[32];    /* the disk's name (/sys/block/NAME) */
};

struct cordon_blk_stats {
    /* requests: posted to the domain, ended OK, ended in error */
    __u64 posted, completed, failed;
    __u64 requeued;        /* given back to the block layer (a fence, or "busy") */
    __u64 protocol_errors; /* completions naming what is not in flight, bad messages */
    __u64 fences;          /* times the host gave up on a domain serving this disk */
    __u32 attached;        /* this channel serves a disk */
    __u32 orphaned;        /* disks of the service waiting for a domain */
    char fence_reason[64]; /* why this channel was given up, or "" */
};

/* CORDON_IOC_SERVICE: a command for the channel's service, with a buffer
 * it reads and writes (its meaning is the service's). */
struct cordon_service_call {
    __u32 cmd;
    __u32 len; /* in: bytes of buf that matter; out: bytes written */
    __u8 buf[256];
};

/* CORDON_IOC_WAIT: sleep while the u32 at `offset` of the region still
 * holds `expected`, at most timeout_ns (and at most CORDON_WAIT_MAX_NS). */
struct cordon_wait {
    __u32 offset;
    __u32 expected;
    __s64 timeout_ns;
};
#define CORDON_WAIT_MAX_NS 100000000LL /* 100 ms */

/* CORDON_IOC_STATS: what the kernel's side counted. */
struct cordon_stats {
    __u64 received;        /* messages the kernel's endpoint took */
    __u64 sent;            /* messages it sent */
    __u64 protocol_errors; /* violations it saw (the channel then stops) */
    __u64 waits, wakes;    /* doorbell uses by the domain */
    __u32 broken;          /* the kernel's endpoint gave up on the domain */
    __u32 pad;
    char violation[128]; /* the first violation, NUL-terminated */
};

#define CORDON_IOC_MAGIC   'c'
#define CORDON_IOC_CREATE  _IOWR(CORDON_IOC_MAGIC, 1, struct cordon_create)
#define CORDON_IOC_WAIT    _IOW(CORDON_IOC_MAGIC, 2, struct cordon_wait)
#define CORDON_IOC_WAKE    _IO(CORDON_IOC_MAGIC, 3)
#define CORDON_IOC_STATS   _IOR(CORDON_IOC_MAGIC, 4, struct cordon_stats)
#define CORDON_IOC_SERVICE _IOWR(CORDON_IOC_MAGIC, 5, struct cordon_service_call)

#endif

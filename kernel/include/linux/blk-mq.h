/*
 * linux/blk-mq.h - a multi-queue block layer with Linux's names, reduced to
 * what the case study needs: a tag set with an ops table, one hardware
 * context per disk, requests whose data sits in the shared heap (so an
 * isolated driver reads and writes it in place), completion by
 * blk_mq_end_request.
 */
#ifndef CDN_LINUX_BLK_MQ_H
#define CDN_LINUX_BLK_MQ_H

#include "linux/kernel.h"

struct cdn_event;

typedef u8 blk_status_t;
#define BLK_STS_OK           0
#define BLK_STS_NOTSUPP      1
#define BLK_STS_IOERR        10
#define BLK_STS_RESOURCE     9
#define BLK_STS_DEV_RESOURCE 13

/* queue_rq's "busy, try again later" (without ending the request): blk-mq
 * requeues the request and runs the queue again after a short delay. */
static inline bool blk_sts_busy(blk_status_t sts)
{
    return sts == BLK_STS_RESOURCE || sts == BLK_STS_DEV_RESOURCE;
}

enum req_op { REQ_OP_READ = 0, REQ_OP_WRITE = 1, REQ_OP_FLUSH = 2 };

#define SECTOR_SHIFT          9
#define BLK_MQ_F_SHOULD_MERGE 1u

struct request_queue;
struct gendisk;

struct request;
/* Runs once when a request submitted with blk_execute_rq_nowait ends. */
typedef void (*rq_end_io_fn)(struct request *rq, blk_status_t status);

struct request {
    u64 sector;
    u32 nr_bytes;
    u8 op;
    unsigned char *data; /* in the shared heap */
    /* the host's own */
    struct request_queue *q;
    blk_status_t status;
    int completed;
    int started;
    int lost;                /* request ring: the driver went away without answering */
    struct cdn_event *event; /* request ring: signalled when it ends or is lost */
    /* asynchronous submission (blk_execute_rq_nowait) */
    rq_end_io_fn end_io;
    void *end_io_data;          /* the submitter's */
    struct gendisk *disk;       /* set by cdn_blk_alloc_request */
    void *drv;                  /* the struct cdn_driver it was last sent to */
    u64 data_ref;               /* the data's shared-heap reference */
    struct cdn_heap *data_heap; /* which heap: its disk's driver's (outlives the disk) */
    u32 data_cap;               /* bytes of data allocated */
    u8 in_flight;               /* submitted, end_io not yet run */
    u8 retried;                 /* issued again after its driver failed */
    u8 give_up;                 /* lost, not to be issued again (a write, or a retried read) */
    u8 unsent;                  /* lost before it was posted: the driver never had it */
    u8 busy;                    /* queue_rq said "busy, try later" and did not end it */
    s64 busy_until;             /* when a request the driver keeps calling busy fails */
    s64 queued_ns;              /* request ring: when it joined a batch (coarse ns); its deadline
                                 * counts from here, whatever else the driver finishes */
    struct request *requeue_next;
};

struct blk_mq_queue_data {
    struct request *rq;
    bool last;
};

struct blk_mq_hw_ctx {
    struct request_queue *queue;
    unsigned int queue_num;
    void *driver_data; /* the driver's own */
};

struct blk_mq_ops {
    blk_status_t (*queue_rq)(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd);
};

struct blk_mq_tag_set {
    const struct blk_mq_ops *ops;
    unsigned int nr_hw_queues;
    unsigned int queue_depth;
    int numa_node;
    unsigned int cmd_size;
    unsigned int flags;
    void *driver_data; /* the driver's own */
};

struct request_queue {
    struct blk_mq_tag_set *tag_set;
    void *queuedata; /* the driver's own */
    struct blk_mq_hw_ctx hctx;
};

struct gendisk {
    char disk_name[32];
    int major;
    int first_minor;
    u64 capacity; /* in 512-byte sectors */
    struct request_queue *queue;
    void *private_data; /* the driver's own */
    /* the host's own */
    int added;
    char registered_name[32]; /* what add_disk named it; a restarted driver keeps it */
    int isolated;             /* its driver runs in a domain (set at add_disk) */
    void **media;             /* the device's memory, in chunks (cdn_blk_media) */
    u64 *media_ref;           /* their shared-heap references */
    u32 media_chunks;
    int orphaned;           /* its driver failed; the disk waits for the restarted one */
    int reattached;         /* re-attached during this recovery: add_disk is a no-op */
    void *orphan_owner;     /* the struct cdn_driver it waits for */
    struct cdn_rqring *rqr; /* its isolated driver's request ring, if it has one */
    struct cdn_heap *heap;  /* where its memory and requests' data live: its driver's heap */
    int refcnt;             /* synchronous I/O in progress (blk.c: disk_call_begin) */
    int free_on_return;     /* put meanwhile: freed when the last of it returns */
    struct gendisk *next;
};

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set);
void blk_mq_free_tag_set(struct blk_mq_tag_set *set);
struct gendisk *cdn_blk_mq_alloc_disk(struct blk_mq_tag_set *set);

/*
 * cordon: the device's own memory, what a real disk keeps on its media. It
 * belongs to the host's block core and outlives the driver, so a restarted
 * driver finds every block its predecessor stored (no acknowledged write is
 * lost to a driver crash). Chunk `index` covers bytes [index * CHUNK,
 * (index + 1) * CHUNK) of the disk; NULL if beyond the capacity, or not yet
 * stored and alloc is false (the caller then reads zeros). Inside a domain
 * the chunks are shared-heap objects the host owns; the domain's
 * implementation (kernel/drvlib/blk_media.c) asks for each one once.
 */
#define CDN_BLK_MEDIA_CHUNK 65536u
void *cdn_blk_media(struct gendisk *disk, u32 index, bool alloc);
/* The rpc behind it: the chunk's shared-heap reference, or 0. */
u64 cdn_blk_media_chunk(struct gendisk *disk, u32 index, bool alloc);
int add_disk(struct gendisk *disk);
void del_gendisk(struct gendisk *disk);
void put_disk(struct gendisk *disk);
void set_capacity(struct gendisk *disk, u64 sectors);
void blk_mq_end_request(struct request *rq, blk_status_t error);

/* queuedata is the driver's pointer: it stays on the driver's side. */
static inline struct gendisk *blk_mq_alloc_disk(struct blk_mq_tag_set *set, void *queuedata)
{
    struct gendisk *disk = cdn_blk_mq_alloc_disk(set);
    if (disk && disk->queue)
        disk->queue->queuedata = queuedata;
    return disk;
}

/* Bookkeeping only in this core: local on either side. */
static inline void blk_mq_start_request(struct request *rq)
{
    rq->started = 1;
}

static inline enum req_op req_op(const struct request *rq)
{
    return (enum req_op)rq->op;
}

static inline u64 blk_rq_pos(const struct request *rq)
{
    return rq->sector;
}

static inline unsigned int blk_rq_bytes(const struct request *rq)
{
    return rq->nr_bytes;
}

static inline u64 get_capacity(const struct gendisk *disk)
{
    return disk->capacity;
}

/* host: synchronous I/O through a disk's driver (the load generator's path).
 * Returns 0 or a negative errno; a driver that never completes the request
 * gets -EIO and the request is reclaimed. */
int cdn_blk_rw(struct gendisk *disk, int op, u64 sector, u32 bytes, void *buf);

/*
 * host: asynchronous I/O, as Linux's blk_mq_alloc_request +
 * blk_execute_rq_nowait + rq->end_io (and as fio drives a disk through
 * io_uring: many requests in flight from one thread, no thread per I/O).
 *
 * cdn_blk_alloc_request makes a request for up to `bytes` bytes of data,
 * which live in the shared heap at rq->data (a driver in a domain reads and
 * writes them in place: no copy). The caller sets op, sector, nr_bytes and
 * end_io, then submits; a request may be submitted again once its end_io
 * has run. end_io runs exactly once per submission, with BLK_STS_OK or an
 * error, and may run before blk_execute_rq_nowait returns (a native
 * driver, or an invalid request). end_io may resubmit its request or submit
 * others: a submission made inside an end_io is held until the outermost
 * end_io returns (no recursion, however many end inline); it may free its
 * own request. A request whose driver fails is issued
 * once more to the restarted driver (from a fiber of the driver's async
 * runtime), as cdn_blk_rw does; a driver without an async runtime is
 * called synchronously. blk_mq_free_request frees a request not in flight.
 */
struct request *cdn_blk_alloc_request(struct gendisk *disk, u32 bytes);
void blk_execute_rq_nowait(struct request *rq, bool at_head);
void blk_mq_free_request(struct request *rq);
/* The added disk called name, or NULL. No reference is taken: the pointer
 * stays good across the driver's failures and restarts, but not past its
 * own del_gendisk and put_disk, which it may make at any time; a client
 * that keeps the disk across that holds it (cdn_blk_disk_get) until
 * cdn_blk_disk_put. A held disk the driver deleted fails new I/O
 * (cdn_blk_rw: -EINVAL) and is freed at the last put. */
struct gendisk *cdn_blk_disk_by_name(const char *name);
void cdn_blk_disk_get(struct gendisk *disk);
void cdn_blk_disk_put(struct gendisk *disk);

#endif

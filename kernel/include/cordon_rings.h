/*
 * cordon_rings.h - the wire format of the kernel cores' data-path rings,
 * shared by the host cores and the domain library.
 *
 * The per-call glue (cordon-idlc) carries one call per message: a packet's
 * transmit costs a message each way, a handle exported and forgotten on each
 * side, and a dispatch per free. On this machine that is far more than the
 * packet itself costs natively (docs/benchmarks.md). The data paths
 * therefore work like a device's descriptor rings, on the same channel:
 *
 *   host -> domain   one posted message carries up to CDN_RING_BATCH_MAX
 *                    descriptors (skbs to transmit, requests to queue);
 *   domain -> host   one posted message carries the completions of a batch
 *                    (an skb freed, a request ended, a non-OK verdict).
 *
 * Neither side waits for the other: the host goes on producing while the
 * domain's core consumes, which is what makes the isolated path keep up.
 * The objects themselves stay on the host. The domain names each by the
 * sequence number the host's in-flight table gave it (kernel/core/inflight.c):
 * a completion naming a number never posted, or one already completed,
 * fails the lookup and is never applied. The host never trusts a pointer, a
 * number or a length from the domain; everything in a ring message is
 * checked against the message's own length before use.
 *
 * Messages are little-endian structs with explicit padding; the two sides
 * run on the same machine.
 */
#ifndef CORDON_RINGS_H
#define CORDON_RINGS_H

#include <stdint.h>

/* rpc ids of ring messages: below the runtime's control ids, above any id
 * cordon-idlc assigns (it numbers an IDL's rpcs from 1). */
#define CDN_RPC_RING_BASE   0xfe00u
#define CDN_RPC_TXRING      0xfe00u /* host -> domain: skbs to transmit */
#define CDN_RPC_TXRING_DONE 0xfe01u /* domain -> host: skbs freed, verdicts */
#define CDN_RPC_RQRING      0xfe02u /* host -> domain: requests to queue */
#define CDN_RPC_RQRING_DONE 0xfe03u /* domain -> host: requests ended, verdicts */
#define CDN_RPC_RING_SYNC                                                                          \
    0xfe04u /* host -> domain, a call: post every completion                                       \
               held back, then answer (empty both ways) */
#define CDN_RPC_RING_LIMIT 0xfe10u

static inline int cdn_rpc_is_ring(uint16_t rpc)
{
    return rpc >= CDN_RPC_RING_BASE && rpc < CDN_RPC_RING_LIMIT;
}

/* Most descriptors in one message. */
#define CDN_RING_BATCH_MAX 64u

/*
 * Objects in flight are named by a 32-bit sequence number: the host numbers
 * what it posts, and at most one object per slot (seq % CDN_RING_SLOTS) is
 * in flight at a time, so the domain keeps its shadow of seq in slot
 * seq % CDN_RING_SLOTS and never needs a lookup. Within one message the
 * descriptors carry consecutive numbers from the header's first_seq.
 */
#define CDN_RING_SLOTS 256u

/*
 * A batch, host -> domain, on either ring: this header, then count
 * descriptors of the ring's kind (struct cdn_txring_desc, struct
 * cdn_rqring_desc). The object the batch is for - the net device whose
 * ndo_start_xmit runs, the disk (its one hardware queue) whose queue_rq
 * runs - is named as the driver's glue knows it.
 */
struct cdn_ring_batch_hdr {
    uint64_t ref;       /* the device or disk */
    uint32_t first_seq; /* the first descriptor's number; the rest follow */
    uint16_t count;     /* descriptors that follow */
    uint16_t flags;     /* 0 */
};

/* ---- net transmit ---- */

struct cdn_txring_desc {
    uint32_t data_off; /* the packet's data: offset in the shared heap */
    uint16_t len;      /* bytes of data */
    uint16_t protocol;
};

/*
 * Completions, domain -> host, for either ring: runs of objects the driver
 * is done with (freed skbs; ended requests, with their status), then
 * verdicts (the return value of ndo_start_xmit or queue_rq when it was not
 * OK). A driver that completes in order sends one run per message.
 */
struct cdn_ring_done_hdr {
    uint16_t nruns;
    uint16_t nverdicts;
    uint32_t flags; /* 0 */
};

struct cdn_ring_run {
    uint32_t first_seq;
    uint16_t count; /* >= 1 */
    int16_t status; /* blk: the requests' status (all alike in a run); net: 0 */
};

struct cdn_ring_verdict {
    uint32_t seq;
    int32_t value;
};

/* Most runs and verdicts in one completion message. */
#define CDN_RING_DONE_MAX 128u

/* Checks a completion message's layout: counts within bounds, flags zero,
 * the length exactly what the counts say. Sets hdr (a private copy) and
 * where the runs and the verdicts start in buf; applies nothing. CDN_OK or
 * CDN_EPROTO. (kernel/lib/ring_msg.c) */
int cdn_ring_done_parse(const void *buf, uint32_t len, struct cdn_ring_done_hdr *hdr,
                        const uint8_t **runs, const uint8_t **verdicts);

/* What a host does with each part of a parsed completion message. */
struct cdn_ring_done_walker {
    int (*status_ok)(int status); /* a run's status the ring allows; NULL: any */
    int (*run)(void *arg, const struct cdn_ring_run *r);
    int (*verdict)(void *arg, const struct cdn_ring_verdict *v);
};

/* Hands each run and verdict of a message cdn_ring_done_parse accepted to
 * w, each copied out of the message before it is read. A run of no
 * objects, of more than CDN_RING_SLOTS, or with a status status_ok refuses
 * is not handed on: it counts in *bad_runs (may be NULL) and as
 * CDN_EPROTO. Returns the first failure, in order, or CDN_OK.
 * (kernel/lib/ring_msg.c) */
int cdn_ring_done_walk(const struct cdn_ring_done_hdr *hdr, const uint8_t *runs,
                       const uint8_t *verdicts, const struct cdn_ring_done_walker *w, void *arg,
                       uint32_t *bad_runs);

/* ---- block requests ---- */

struct cdn_rqring_desc {
    uint64_t sector;
    uint32_t data_off; /* the request's data: offset in the shared heap */
    uint32_t nr_bytes;
    uint8_t op;
    uint8_t last; /* the last of its batch (blk_mq_queue_data.last) */
    uint8_t pad[6];
};

#endif

/*
 * layout.h - byte layout of a channel region. Private to src/ipc.
 *
 *   offset 0           control page (4 KiB): one cache line per ring holding
 *                      the futex words for the adaptive wait policy
 *   CTL_SIZE           ring 0: host -> domain, ring_slots * 64 bytes
 *   + ring bytes       ring 1: domain -> host
 *   + ring bytes       extension area 0 (host -> domain), ring_slots * ext_slot_size
 *   + ext bytes        extension area 1 (domain -> host)
 *
 * Slot i of ring r owns extension chunk i of area r: whoever owns the slot
 * (by its sequence word) owns the chunk, so the extension area needs no
 * allocator and no shared metadata.
 *
 * Slot layout (64 bytes):
 *   0  u32 seq          sequence/status word, written last (release)
 *   4  u16 rpc_id
 *   6  u8  flags
 *   7  u8  inline_len
 *   8  u32 call_id
 *   12 u32 ext_len
 *   16 u8  data[48]
 *
 * Sequence protocol, for the slot at private position p (slot p & mask):
 *   free for the producer      seq == p
 *   full, for the consumer     seq == p + 1
 *   after consumption          seq := p + ring_slots (free for the next lap)
 * Any other value seen by either side is a protocol violation.
 */
#ifndef CORDON_IPC_LAYOUT_H
#define CORDON_IPC_LAYOUT_H

#include <stdint.h>

#include "cordon/channel.h"

#define CDN_CTL_SIZE 4096u
#define CDN_SLOT_HDR 16u
#define CDN_RING_H2D 0
#define CDN_RING_D2H 1

/*
 * The futex words of one ring, on their own cache line: two event counts,
 * one for "a message arrived" (consumer sleeps, producer wakes) and one for
 * "a slot came free" (producer sleeps, consumer wakes). Only used by the
 * adaptive policy; both sides treat them as hints and always sleep with a
 * timeout, so a peer that scribbles on them can delay itself, not us.
 */
struct cdn_ring_ctl {
    uint32_t data_sleeping;
    uint32_t data_doorbell;
    uint32_t space_sleeping;
    uint32_t space_doorbell;
    uint8_t pad[48];
};

struct cdn_region_layout {
    size_t ring_off[2];
    size_t ext_off[2];
    size_t total;
};

int cdn_layout_compute(const struct cdn_chan_geometry *geom, struct cdn_region_layout *out);

static inline struct cdn_ring_ctl *cdn_ring_ctl(void *base, int ring)
{
    return (struct cdn_ring_ctl *)((uint8_t *)base + 64 * (1 + ring));
}

#endif

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
 *   4  u32 ack          sender's consumed count on the other ring (low 32 bits)
 *   8  u32 call_id
 *   12 u32 ext_len
 *   16 u16 rpc_id
 *   18 u8  flags
 *   19 u8  inline_len
 *   20 u8  data[44]
 *
 * Sequence protocol, for the slot at private position p (slot p & mask):
 *   full, for the consumer     seq == p + 1 (written by the producer)
 *   released by the consumer   seq == p + N (N = ring_slots; CAS from p + 1)
 * The producer may reuse the slot for position p + N once it knows position p
 * was consumed: either an ack >= p + 1 arrived in a message on the other
 * ring, or the slot's seq reads p + N. The consumer writes that explicit
 * release only when it is about to wait (or has many unacknowledged slots),
 * and with a compare-and-swap, so a slot the producer already reused on the
 * strength of an ack is never clobbered. In request/reply traffic every
 * message carries an ack, so no consumer ever writes a slot: each message
 * moves one cache line.
 *
 * While waiting for slot p, the legal values are:
 *   producer (wants p free):   p - N + 1 (not yet released), p (released)
 *   consumer (wants p + 1):    p (released last lap), p - N + 1 (consumed
 *                              last lap, acknowledged, not released)
 * Any other value is a protocol violation. Acks must move forward and never
 * beyond what was sent; anything else is a violation too.
 */
#ifndef CORDON_IPC_LAYOUT_H
#define CORDON_IPC_LAYOUT_H

#include <stdint.h>

#include "cordon/channel.h"

#define CDN_CTL_SIZE 4096u
#define CDN_SLOT_HDR 20u
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
/* Makes base (a region of geom's size) a fresh channel: control page
 * zeroed, every slot released for its first lap (slot i's seq word is i:
 * "released" for position i, see the protocol above). */
void cdn_layout_init(void *base, const struct cdn_chan_geometry *geom);

static inline struct cdn_ring_ctl *cdn_ring_ctl(void *base, int ring)
{
    return (struct cdn_ring_ctl *)((uint8_t *)base + 64 * (1 + ring));
}

/*
 * The domain's heartbeat: a counter on its own cache line (offset 192 of the
 * control page) that the domain side of the channel advances while it waits
 * and as it receives. The host's watchdog only compares successive values,
 * so a domain that writes garbage here at worst keeps itself looking alive;
 * its calls still have deadlines.
 */
static inline uint32_t *cdn_heartbeat_word(void *base)
{
    return (uint32_t *)((uint8_t *)base + 64 * 3);
}

/*
 * The launcher's last words: when it refuses a module or cannot build the
 * sandbox, it has already closed every descriptor, so it leaves its reason
 * here (the last 256 bytes of the control page) before it exits with a
 * CDN_LAUNCH_* code. The host reads it once, after the domain has ended,
 * into private memory, keeps only printable ASCII, and labels it as the
 * domain's words: module code could have written it too.
 */
#define CDN_NOTE_SIZE 256u

static inline char *cdn_launch_note(void *base)
{
    return (char *)base + CDN_CTL_SIZE - CDN_NOTE_SIZE;
}

#endif

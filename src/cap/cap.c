/*
 * cap.c - per-domain capability tables (see cordon/cap.h).
 *
 * Invariants (checked by tests/test_cap.c):
 *   - a free slot has type 0 and sits on the free list exactly once;
 *   - a live slot's generation equals the generation field of the one handle
 *     issued for it; revoking bumps the generation, so every handle issued
 *     before is stale forever after (until the 24-bit counter wraps, after
 *     16 million reuses of that one slot);
 *   - slot 0 is never issued, so a zero handle is always invalid.
 */
#include <stdlib.h>

#include "cordon/cap.h"

#define IDX_BITS 24
#define GEN_BITS 24
#define IDX_MASK ((1u << IDX_BITS) - 1)
#define GEN_MASK ((1u << GEN_BITS) - 1)

struct cap_slot {
    void *obj;
    uint32_t gen;  /* 24 bits used */
    uint16_t type; /* 0: free */
    uint32_t next_free;
};

struct cdn_cap_table {
    struct cap_slot *slots;
    uint32_t nslots;    /* capacity + 1 (slot 0 unused) */
    uint32_t free_head; /* 0: none */
    struct cdn_cap_stats stats;
};

static inline cdn_handle make_handle(uint32_t idx, uint32_t gen, uint16_t type)
{
    return (cdn_handle)idx | ((cdn_handle)(gen & GEN_MASK) << IDX_BITS) | ((cdn_handle)type << 48);
}

int cdn_cap_create(uint32_t capacity, struct cdn_cap_table **out)
{
    if (!out || capacity == 0 || capacity >= CDN_CAP_MAX_SLOTS)
        return CDN_EINVAL;
    struct cdn_cap_table *t = calloc(1, sizeof *t);
    if (!t)
        return CDN_ENOMEM;
    t->nslots = capacity + 1;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return CDN_ENOMEM;
    }
    /* Start generations at a random point: handles of one table run are
     * then not guessable from another run's. */
    uint32_t seed = (uint32_t)(uintptr_t)t ^ (uint32_t)(uintptr_t)&seed;
    for (uint32_t i = 1; i < t->nslots; i++) {
        seed = seed * 1664525u + 1013904223u;
        t->slots[i].gen = (seed >> 8) & GEN_MASK;
        t->slots[i].next_free = i + 1 < t->nslots ? i + 1 : 0;
    }
    t->free_head = 1;
    *out = t;
    return CDN_OK;
}

void cdn_cap_destroy(struct cdn_cap_table *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

int cdn_cap_insert(struct cdn_cap_table *t, void *obj, uint16_t type, cdn_handle *out)
{
    if (!t || !out || type == 0)
        return CDN_EINVAL;
    uint32_t i = t->free_head;
    if (i == 0)
        return CDN_ELIMIT;
    struct cap_slot *s = &t->slots[i];
    t->free_head = s->next_free;
    s->obj = obj;
    s->type = type;
    s->next_free = 0;
    t->stats.live++;
    t->stats.inserted++;
    *out = make_handle(i, s->gen, type);
    return CDN_OK;
}

/* Finds the live slot h names, or counts why not. */
static struct cap_slot *resolve(struct cdn_cap_table *t, cdn_handle h, uint16_t type)
{
    t->stats.lookups++;
    uint32_t idx = (uint32_t)(h & IDX_MASK);
    uint32_t gen = (uint32_t)(h >> IDX_BITS) & GEN_MASK;
    uint16_t htype = (uint16_t)(h >> 48);
    if (idx == 0 || idx >= t->nslots) {
        t->stats.forged++;
        return NULL;
    }
    if (htype != type) {
        t->stats.wrong_type++;
        return NULL;
    }
    struct cap_slot *s = &t->slots[idx];
    if (s->type == 0 || s->gen != gen) {
        t->stats.stale++;
        return NULL;
    }
    if (s->type != htype) {
        t->stats.forged++; /* right index and generation, but a made-up type */
        return NULL;
    }
    return s;
}

int cdn_cap_lookup(struct cdn_cap_table *t, cdn_handle h, uint16_t type, void **obj)
{
    if (!t || !obj)
        return CDN_EINVAL;
    struct cap_slot *s = resolve(t, h, type);
    if (!s)
        return CDN_EBADH;
    *obj = s->obj;
    return CDN_OK;
}

static void release_slot(struct cdn_cap_table *t, uint32_t idx)
{
    struct cap_slot *s = &t->slots[idx];
    s->obj = NULL;
    s->type = 0;
    s->gen = (s->gen + 1) & GEN_MASK;
    s->next_free = t->free_head;
    t->free_head = idx;
    t->stats.live--;
    t->stats.revoked++;
}

int cdn_cap_revoke(struct cdn_cap_table *t, cdn_handle h, uint16_t type, void **obj)
{
    if (!t)
        return CDN_EINVAL;
    struct cap_slot *s = resolve(t, h, type);
    if (!s)
        return CDN_EBADH;
    if (obj)
        *obj = s->obj;
    release_slot(t, (uint32_t)(s - t->slots));
    return CDN_OK;
}

uint32_t cdn_cap_revoke_all(struct cdn_cap_table *t,
                            void (*fn)(void *obj, uint16_t type, void *arg), void *arg)
{
    if (!t)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 1; i < t->nslots; i++) {
        if (t->slots[i].type == 0)
            continue;
        if (fn)
            fn(t->slots[i].obj, t->slots[i].type, arg);
        release_slot(t, i);
        n++;
    }
    return n;
}

void cdn_cap_get_stats(const struct cdn_cap_table *t, struct cdn_cap_stats *out)
{
    *out = t->stats;
}

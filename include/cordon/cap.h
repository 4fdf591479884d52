/*
 * cordon/cap.h - capability tables: how a domain names host objects.
 *
 * A domain never learns a host address. Each object the host exposes to a
 * domain is entered in that domain's table (host memory, never shared) and
 * the domain gets a handle:
 *
 *     bits  0..23  slot index (slot 0 is never used)
 *     bits 24..47  generation of the slot (bumped on revoke)
 *     bits 48..63  type tag (nonzero)
 *
 * A lookup succeeds only if the index is in range, the slot is live, the
 * generation matches and the type is the one the caller asks for. Forged,
 * stale and wrong-type handles return CDN_EBADH and are counted; they can
 * never resolve to an object of another domain (tables are per domain) or of
 * another type. Every operation is O(1) except revoking a whole table.
 * Tables are not thread-safe: one table is used by one host thread.
 */
#ifndef CORDON_CAP_H
#define CORDON_CAP_H

#include <stdint.h>

#include "cordon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t cdn_handle;
#define CDN_HANDLE_NULL   ((cdn_handle)0)
#define CDN_CAP_MAX_SLOTS (1u << 24)

struct cdn_cap_table;

struct cdn_cap_stats {
    uint32_t live;
    uint64_t inserted, revoked, lookups;
    uint64_t forged, stale, wrong_type; /* failed lookups, by cause */
};

/* Creates a table with room for `capacity` live handles (< 2^24). */
int cdn_cap_create(uint32_t capacity, struct cdn_cap_table **out);
void cdn_cap_destroy(struct cdn_cap_table *t);

/* Enters obj with a type tag (nonzero); CDN_ELIMIT when full. */
int cdn_cap_insert(struct cdn_cap_table *t, void *obj, uint16_t type, cdn_handle *out);

/* Resolves h, which must carry `type`. */
int cdn_cap_lookup(struct cdn_cap_table *t, cdn_handle h, uint16_t type, void **obj);

/* Removes h (which must carry `type`); its slot's later handles differ. */
int cdn_cap_revoke(struct cdn_cap_table *t, cdn_handle h, uint16_t type, void **obj);

/* Revokes every live handle, calling fn (may be NULL) on each object.
 * Returns how many were revoked. */
uint32_t cdn_cap_revoke_all(struct cdn_cap_table *t,
                            void (*fn)(void *obj, uint16_t type, void *arg), void *arg);

void cdn_cap_get_stats(const struct cdn_cap_table *t, struct cdn_cap_stats *out);

static inline uint16_t cdn_handle_type(cdn_handle h)
{
    return (uint16_t)(h >> 48);
}

#ifdef __cplusplus
}
#endif
#endif

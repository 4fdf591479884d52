/*
 * cordon/heap.h - the shared heap: exchangeable objects with ownership.
 *
 * A heap is a region (sealed memfd) mapped into the host and into the domains
 * it is given to. It holds *exchangeable* objects in RedLeaf's sense: plain
 * bytes such as packet data and block pages, never pointers into anyone's
 * private memory. All allocator and ownership metadata lives in host memory,
 * where no domain can write it.
 *
 * Objects are named across the boundary by a reference (cdn_href): the
 * object's offset in the heap and a generation that changes when the object
 * is freed. Every operation checks that the reference names a live object
 * and that the acting domain may do what it asks:
 *   alloc            the host allocates on a domain's behalf; it owns the object
 *   move             the owner gives the object to another domain
 *   lend / return    the owner lets other domains use it; while it is lent,
 *                    the owner can neither free nor move it
 *   free             the owner, when nothing is lent out
 *   reclaim          everything a dead domain owned is freed, its borrows
 *                    dropped (counted)
 * Violations return CDN_EPERM or CDN_EBADH and are counted.
 *
 * What ownership does not do: every domain the heap is mapped into can
 * write any byte of it (page protection cannot follow 64-byte objects).
 * Ownership decides who may free, pass on and be handed an object; the host
 * treats object *contents* as untrusted input, as it does everything shared.
 * Use one heap per domain where domains must not see each other's data.
 *
 * Domain ids are 1..CDN_HEAP_MAX_DOMAINS; CDN_HEAP_HOST (0) is the host.
 * Not thread-safe: one host thread operates a heap.
 */
#ifndef CORDON_HEAP_H
#define CORDON_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "cordon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CDN_HEAP_HOST        0u
#define CDN_HEAP_MAX_DOMAINS 63u
#define CDN_HEAP_MIN_OBJ     64u
#define CDN_HEAP_MAX_OBJ     (16u << 20) /* over 64 KiB: whole 64 KiB chunks in a row */
#define CDN_HEAP_CHUNK       65536u      /* the largest object a chunk holds by itself */

/* offset (low 32 bits) | generation (high 32 bits); 0 is never valid */
typedef uint64_t cdn_href;

struct cdn_heap;

struct cdn_heap_stats {
    uint64_t allocs, frees, moves, lends, returns;
    uint64_t violations; /* rejected operations */
    uint64_t reclaimed;  /* objects freed by cdn_heap_reclaim */
    uint32_t live_objects;
    uint64_t live_bytes;
};

/* size: bytes, a multiple of 64 KiB, at most 1 GiB; 0 selects 16 MiB. */
int cdn_heap_create(size_t size, struct cdn_heap **out);
void cdn_heap_destroy(struct cdn_heap *h);

int cdn_heap_fd(const struct cdn_heap *h);
void *cdn_heap_base(const struct cdn_heap *h);
size_t cdn_heap_size(const struct cdn_heap *h);

/* Allocates len bytes (1..CDN_HEAP_MAX_OBJ) owned by `owner`; *ptr is the
 * host's address of the object (may be NULL). */
int cdn_heap_alloc(struct cdn_heap *h, uint32_t owner, size_t len, cdn_href *out, void **ptr);
int cdn_heap_free(struct cdn_heap *h, cdn_href ref, uint32_t who);

/* The host takes back and frees ref, whichever domain owns it now (what
 * cdn_heap_owner, cdn_heap_move to the host and cdn_heap_free do, in one
 * lookup). CDN_EBADH for a stale or forged ref, CDN_EPERM while it is lent;
 * counted as a move when a domain owned it. */
int cdn_heap_free_any(struct cdn_heap *h, cdn_href ref);
/* cdn_heap_free_any on each of refs[0..n), for a batch of completions:
 * one call, the statistics updated once. A bad ref is refused (and counted
 * as a violation) as cdn_heap_free_any refuses it, and the rest are still
 * freed; returns the first refusal's status, or CDN_OK. */
int cdn_heap_free_any_bulk(struct cdn_heap *h, const cdn_href *refs, uint32_t n);
int cdn_heap_move(struct cdn_heap *h, cdn_href ref, uint32_t from, uint32_t to);
int cdn_heap_lend(struct cdn_heap *h, cdn_href ref, uint32_t owner, uint32_t borrower);
int cdn_heap_return(struct cdn_heap *h, cdn_href ref, uint32_t borrower);

/* Validates that `who` owns or borrows ref and that the object holds at least
 * `need` bytes; gives the host's address and the object's length. */
int cdn_heap_access(struct cdn_heap *h, cdn_href ref, uint32_t who, size_t need, void **ptr,
                    size_t *len);

/* The reference and length of the live object that starts at ptr (a host
 * address in the heap); CDN_EBADH if no object starts there. */
int cdn_heap_ref_of(struct cdn_heap *h, const void *ptr, cdn_href *ref, size_t *len);

/*
 * Pointers into an object, not only at its start (a stream's next_in that
 * the library advances; its end included, for a buffer filled up). An
 * *inner reference* is the object's reference with the offset of the
 * pointer in place of the object's (its generation kept):
 *   cdn_heap_ref_within: the object holding ptr, its length, and how far
 *     into it ptr is (0..len);
 *   cdn_heap_access_within: as cdn_heap_access for an inner reference,
 *     with need counted from the inner offset; *ptr is the inner pointer;
 *   cdn_heap_owner_within: as cdn_heap_owner for an inner reference.
 */
int cdn_heap_ref_within(struct cdn_heap *h, const void *ptr, cdn_href *ref, size_t *len,
                        size_t *delta);
int cdn_heap_access_within(struct cdn_heap *h, cdn_href inner, uint32_t who, size_t need,
                           void **ptr);
/* The owner of the object an inner reference falls in, or CDN_EBADH. */
int cdn_heap_owner_within(struct cdn_heap *h, cdn_href inner, uint32_t *owner);

/* The owner of ref, or CDN_EBADH. */
int cdn_heap_owner(struct cdn_heap *h, cdn_href ref, uint32_t *owner);

/* Frees everything `domain` owns and drops its borrows; returns the number of
 * objects freed. */
uint32_t cdn_heap_reclaim(struct cdn_heap *h, uint32_t domain);

/* Objects currently owned by `domain`. */
uint32_t cdn_heap_owned_by(const struct cdn_heap *h, uint32_t domain);

void cdn_heap_get_stats(const struct cdn_heap *h, struct cdn_heap_stats *out);

#ifdef __cplusplus
}
#endif
#endif

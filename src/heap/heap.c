/*
 * heap.c - the shared heap's allocator and ownership tracking (see
 * cordon/heap.h).
 *
 * Layout: the heap is cut into 64 KiB chunks; a chunk is given, on first
 * need, to one size class (64 B .. 64 KiB, powers of two) and carved into
 * objects of that size. Per-object metadata sits in a host-private array
 * indexed by offset / 64; free lists link through that array, never through
 * the shared bytes, so a domain that scribbles on the heap cannot corrupt the
 * allocator.
 *
 * Invariants:
 *   - meta[i].state == OBJ_LIVE only at the first 64-byte unit of a live
 *     object, whose offset is a multiple of its class size;
 *   - a live object has exactly one owner; borrowers is a bit set of domain
 *     ids, and the owner's bit is never in it;
 *   - a free object's generation differs from every reference handed out for
 *     it before (bumped on free).
 */
#include <stdlib.h>
#include <string.h>

#include "cordon/heap.h"
#include "heap_mem.h"

#define UNIT       64u
#define CHUNK      65536u
#define NCLASSES   11 /* 64 << 0 .. 64 << 10 */
#define NO_OBJ     UINT32_MAX
#define CHUNK_FREE 0xff
/* Objects over a chunk take whole chunks, in a row: the first is marked
 * LARGE_HEAD, the rest LARGE_TAIL; a freed span waits for an object of
 * the same number of chunks (spans are never split or joined). */
#define LARGE_HEAD 0xfd
#define LARGE_TAIL 0xfe
#define MAX_SPAN   (CDN_HEAP_MAX_OBJ / CHUNK)

enum { OBJ_NONE = 0, OBJ_FREE = 1, OBJ_LIVE = 2 };

struct obj_meta {
    uint32_t gen;
    uint32_t owner;
    uint64_t borrowers;
    uint32_t next_free; /* unit index of the next free object of the class */
    uint32_t len;       /* requested length */
    uint8_t state;
    uint8_t cls;
};

struct cdn_heap {
    int fd;
    uint8_t *base;
    size_t size;
    struct obj_meta *meta; /* size / UNIT entries */
    uint8_t *chunk_cls;    /* size / CHUNK entries */
    uint32_t nchunks, next_chunk;
    uint32_t free_list[NCLASSES];
    uint32_t large_free[MAX_SPAN + 1]; /* by span length in chunks */
    uint32_t owned[CDN_HEAP_MAX_DOMAINS + 1];
    struct cdn_heap_stats stats;
};

int cdn_heap_create(size_t size, struct cdn_heap **out)
{
    if (!out)
        return CDN_EINVAL;
    if (size == 0)
        size = 16u << 20;
    if (size % CHUNK || size > (1u << 30))
        return CDN_EINVAL;
    struct cdn_heap *h = calloc(1, sizeof *h);
    if (!h)
        return CDN_ENOMEM;
    h->fd = -1;
    int st = cdn_heap_mem_map(size, &h->fd, (void **)&h->base);
    if (st != CDN_OK) {
        cdn_heap_destroy(h);
        return st;
    }
    h->size = size;
    h->nchunks = (uint32_t)(size / CHUNK);
    h->meta = calloc(size / UNIT, sizeof *h->meta);
    h->chunk_cls = malloc(h->nchunks);
    if (!h->meta || !h->chunk_cls) {
        cdn_heap_destroy(h);
        return CDN_ENOMEM;
    }
    memset(h->chunk_cls, CHUNK_FREE, h->nchunks);
    for (int c = 0; c < NCLASSES; c++)
        h->free_list[c] = NO_OBJ;
    for (uint32_t k = 0; k <= MAX_SPAN; k++)
        h->large_free[k] = NO_OBJ;
    *out = h;
    return CDN_OK;
}

void cdn_heap_destroy(struct cdn_heap *h)
{
    if (!h)
        return;
    if (h->base)
        cdn_heap_mem_unmap(h->fd, h->base, h->size);
    free(h->meta);
    free(h->chunk_cls);
    free(h);
}

int cdn_heap_fd(const struct cdn_heap *h)
{
    return h->fd;
}

void *cdn_heap_base(const struct cdn_heap *h)
{
    return h->base;
}

size_t cdn_heap_size(const struct cdn_heap *h)
{
    return h->size;
}

static int class_of(size_t len)
{
    int c = 0;
    while (((size_t)UNIT << c) < len)
        c++;
    return c;
}

static int valid_domain(uint32_t d)
{
    return d <= CDN_HEAP_MAX_DOMAINS;
}

static int violation(struct cdn_heap *h, int status)
{
    h->stats.violations++;
    return status;
}

/* Carves a fresh chunk into free objects of class c. */
static int grow_class(struct cdn_heap *h, int c)
{
    if (h->next_chunk == h->nchunks)
        return CDN_ENOMEM;
    uint32_t chunk = h->next_chunk++;
    h->chunk_cls[chunk] = (uint8_t)c;
    uint32_t units = (UNIT << c) / UNIT;
    uint32_t first = chunk * (CHUNK / UNIT);
    for (uint32_t u = first + CHUNK / UNIT; u > first;) {
        u -= units;
        struct obj_meta *m = &h->meta[u];
        m->state = OBJ_FREE;
        m->cls = (uint8_t)c;
        m->gen = 1;
        m->next_free = h->free_list[c];
        h->free_list[c] = u;
    }
    return CDN_OK;
}

static uint32_t span_of(size_t len)
{
    return (uint32_t)((len + CHUNK - 1) / CHUNK);
}

/* A span of k chunks for one large object: a freed one of that length,
 * or the next k chunks never used. Its head unit, or NO_OBJ. */
static uint32_t take_span(struct cdn_heap *h, uint32_t k)
{
    uint32_t u = h->large_free[k];
    if (u != NO_OBJ) {
        h->large_free[k] = h->meta[u].next_free;
        return u;
    }
    if (h->nchunks - h->next_chunk < k)
        return NO_OBJ;
    uint32_t chunk = h->next_chunk;
    h->next_chunk += k;
    h->chunk_cls[chunk] = LARGE_HEAD;
    for (uint32_t i = 1; i < k; i++)
        h->chunk_cls[chunk + i] = LARGE_TAIL;
    u = chunk * (CHUNK / UNIT);
    h->meta[u].gen = 1;
    return u;
}

int cdn_heap_alloc(struct cdn_heap *h, uint32_t owner, size_t len, cdn_href *out, void **ptr)
{
    if (!h || !out || len == 0 || !valid_domain(owner))
        return CDN_EINVAL;
    if (len > CDN_HEAP_MAX_OBJ)
        return CDN_ETOOBIG;
    uint32_t u;
    if (len > CHUNK) {
        u = take_span(h, span_of(len));
        if (u == NO_OBJ)
            return CDN_ENOMEM;
    } else {
        int c = class_of(len);
        if (h->free_list[c] == NO_OBJ && grow_class(h, c) != CDN_OK)
            return CDN_ENOMEM;
        u = h->free_list[c];
        h->free_list[c] = h->meta[u].next_free;
    }
    struct obj_meta *m = &h->meta[u];
    m->state = OBJ_LIVE;
    m->owner = owner;
    m->borrowers = 0;
    m->len = (uint32_t)len;
    m->next_free = NO_OBJ;
    h->owned[owner]++;
    h->stats.allocs++;
    h->stats.live_objects++;
    h->stats.live_bytes += len;
    uint64_t off = (uint64_t)u * UNIT;
    *out = off | ((cdn_href)m->gen << 32);
    if (ptr)
        *ptr = h->base + off;
    return CDN_OK;
}

/* The live object ref names, or NULL. */
static struct obj_meta *lookup(struct cdn_heap *h, cdn_href ref)
{
    uint64_t off = ref & 0xffffffffu;
    uint32_t gen = (uint32_t)(ref >> 32);
    if (off >= h->size || off % UNIT)
        return NULL;
    struct obj_meta *m = &h->meta[off / UNIT];
    if (m->state != OBJ_LIVE || m->gen != gen)
        return NULL;
    return m;
}

static void release(struct cdn_heap *h, struct obj_meta *m)
{
    uint32_t u = (uint32_t)(m - h->meta);
    h->owned[m->owner]--;
    h->stats.live_objects--;
    h->stats.live_bytes -= m->len;
    m->state = OBJ_FREE;
    m->gen++;
    if (m->gen == 0)
        m->gen = 1;
    m->borrowers = 0;
    if (h->chunk_cls[(uint64_t)u * UNIT / CHUNK] == LARGE_HEAD) {
        uint32_t k = span_of(m->len);
        m->next_free = h->large_free[k];
        h->large_free[k] = u;
    } else {
        m->next_free = h->free_list[m->cls];
        h->free_list[m->cls] = u;
    }
}

int cdn_heap_free(struct cdn_heap *h, cdn_href ref, uint32_t who)
{
    if (!h)
        return CDN_EINVAL;
    struct obj_meta *m = lookup(h, ref);
    if (!m)
        return violation(h, CDN_EBADH);
    if (m->owner != who || m->borrowers)
        return violation(h, CDN_EPERM);
    release(h, m);
    h->stats.frees++;
    return CDN_OK;
}

/* The host takes back and frees ref, whoever owns it (not while lent). */
static int free_any(struct cdn_heap *h, cdn_href ref)
{
    struct obj_meta *m = lookup(h, ref);
    if (!m)
        return violation(h, CDN_EBADH);
    if (m->borrowers)
        return violation(h, CDN_EPERM);
    if (m->owner != CDN_HEAP_HOST)
        h->stats.moves++;
    release(h, m);
    h->stats.frees++;
    return CDN_OK;
}

int cdn_heap_free_any(struct cdn_heap *h, cdn_href ref)
{
    return h ? free_any(h, ref) : CDN_EINVAL;
}

int cdn_heap_free_any_bulk(struct cdn_heap *h, const cdn_href *refs, uint32_t n)
{
    if (!h || (n && !refs))
        return CDN_EINVAL;
    int first = CDN_OK;
    for (uint32_t i = 0; i < n; i++) {
        int st = free_any(h, refs[i]);
        if (st != CDN_OK && first == CDN_OK)
            first = st;
    }
    return first;
}

int cdn_heap_move(struct cdn_heap *h, cdn_href ref, uint32_t from, uint32_t to)
{
    if (!h || !valid_domain(to))
        return CDN_EINVAL;
    struct obj_meta *m = lookup(h, ref);
    if (!m)
        return violation(h, CDN_EBADH);
    if (m->owner != from || m->borrowers)
        return violation(h, CDN_EPERM);
    h->owned[from]--;
    h->owned[to]++;
    m->owner = to;
    h->stats.moves++;
    return CDN_OK;
}

int cdn_heap_lend(struct cdn_heap *h, cdn_href ref, uint32_t owner, uint32_t borrower)
{
    if (!h || !valid_domain(borrower) || borrower == CDN_HEAP_HOST)
        return CDN_EINVAL;
    struct obj_meta *m = lookup(h, ref);
    if (!m)
        return violation(h, CDN_EBADH);
    if (m->owner != owner || borrower == owner)
        return violation(h, CDN_EPERM);
    m->borrowers |= 1ull << borrower;
    h->stats.lends++;
    return CDN_OK;
}

int cdn_heap_return(struct cdn_heap *h, cdn_href ref, uint32_t borrower)
{
    if (!h || !valid_domain(borrower) || borrower == CDN_HEAP_HOST)
        return CDN_EINVAL;
    struct obj_meta *m = lookup(h, ref);
    if (!m)
        return violation(h, CDN_EBADH);
    if (!(m->borrowers & (1ull << borrower)))
        return violation(h, CDN_EPERM);
    m->borrowers &= ~(1ull << borrower);
    h->stats.returns++;
    return CDN_OK;
}

int cdn_heap_access(struct cdn_heap *h, cdn_href ref, uint32_t who, size_t need, void **ptr,
                    size_t *len)
{
    if (!h || !valid_domain(who))
        return CDN_EINVAL;
    struct obj_meta *m = lookup(h, ref);
    if (!m)
        return violation(h, CDN_EBADH);
    int may = m->owner == who || (who != CDN_HEAP_HOST && (m->borrowers & (1ull << who)));
    if (!may)
        return violation(h, CDN_EPERM);
    if (need > m->len)
        return violation(h, CDN_ETOOBIG);
    if (ptr)
        *ptr = h->base + (ref & 0xffffffffu);
    if (len)
        *len = m->len;
    return CDN_OK;
}

int cdn_heap_ref_of(struct cdn_heap *h, const void *ptr, cdn_href *ref, size_t *len)
{
    const uint8_t *p = ptr;
    if (!h || p < h->base || p >= h->base + h->size)
        return CDN_EBADH;
    uint64_t off = (uint64_t)(p - h->base);
    if (off % UNIT)
        return CDN_EBADH;
    struct obj_meta *m = &h->meta[off / UNIT];
    if (m->state != OBJ_LIVE)
        return CDN_EBADH;
    *ref = off | ((cdn_href)m->gen << 32);
    *len = m->len;
    return CDN_OK;
}

/* The live object holding heap offset off (off may be its end, for an
 * end pointer): the chunk's size class puts its objects at multiples of
 * their size, so the start is off rounded down (off - 1 for an end). */
static struct obj_meta *containing(struct cdn_heap *h, uint64_t off, uint64_t *start)
{
    if (off > h->size)
        return NULL;
    for (int end = 0; end < 2; end++) {
        if (end && off == 0)
            break;
        uint64_t at = off - (uint64_t)end;
        if (at >= h->size)
            continue;
        uint64_t c = at / CHUNK;
        uint8_t cls = h->chunk_cls[c];
        if (cls == CHUNK_FREE)
            continue;
        while (cls == LARGE_TAIL && c > 0) /* back to its span's head */
            cls = h->chunk_cls[--c];
        uint64_t s;
        if (cls == LARGE_HEAD)
            s = c * CHUNK;
        else
            s = at - at % ((uint64_t)UNIT << cls);
        struct obj_meta *m = &h->meta[s / UNIT];
        if (m->state == OBJ_LIVE && off - s <= m->len && (end == 0 || off - s == m->len)) {
            *start = s;
            return m;
        }
    }
    return NULL;
}

int cdn_heap_ref_within(struct cdn_heap *h, const void *ptr, cdn_href *ref, size_t *len,
                        size_t *delta)
{
    const uint8_t *p = ptr;
    uint64_t start;
    if (!h || p < h->base || p > h->base + h->size)
        return CDN_EBADH;
    struct obj_meta *m = containing(h, (uint64_t)(p - h->base), &start);
    if (!m)
        return CDN_EBADH;
    *ref = start | ((cdn_href)m->gen << 32);
    *len = m->len;
    *delta = (size_t)((uint64_t)(p - h->base) - start);
    return CDN_OK;
}

int cdn_heap_access_within(struct cdn_heap *h, cdn_href inner, uint32_t who, size_t need,
                           void **ptr)
{
    if (!h || !valid_domain(who))
        return CDN_EINVAL;
    uint64_t off = inner & 0xffffffffu, start;
    struct obj_meta *m = containing(h, off, &start);
    if (!m || m->gen != (uint32_t)(inner >> 32))
        return violation(h, CDN_EBADH);
    int may = m->owner == who || (who != CDN_HEAP_HOST && (m->borrowers & (1ull << who)));
    if (!may)
        return violation(h, CDN_EPERM);
    if (need > m->len - (off - start))
        return violation(h, CDN_ETOOBIG);
    *ptr = h->base + off;
    return CDN_OK;
}

int cdn_heap_owner_within(struct cdn_heap *h, cdn_href inner, uint32_t *owner)
{
    uint64_t start;
    struct obj_meta *m = h ? containing(h, inner & 0xffffffffu, &start) : NULL;
    if (!m || m->gen != (uint32_t)(inner >> 32))
        return CDN_EBADH;
    *owner = m->owner;
    return CDN_OK;
}

int cdn_heap_owner(struct cdn_heap *h, cdn_href ref, uint32_t *owner)
{
    struct obj_meta *m = h ? lookup(h, ref) : NULL;
    if (!m)
        return CDN_EBADH;
    *owner = m->owner;
    return CDN_OK;
}

uint32_t cdn_heap_reclaim(struct cdn_heap *h, uint32_t domain)
{
    if (!h || !valid_domain(domain) || domain == CDN_HEAP_HOST)
        return 0;
    uint32_t freed = 0;
    uint64_t bit = 1ull << domain;
    /* Only chunks handed to a class can hold objects (chunks are handed
     * out in order and never taken back), and only at their class's
     * stride: a heap used lightly is looked through quickly. */
    for (uint32_t c = 0; c < h->next_chunk; c++) {
        if (h->chunk_cls[c] == LARGE_TAIL)
            continue; /* its object is its head chunk's */
        uint32_t stride =
            h->chunk_cls[c] == LARGE_HEAD ? CHUNK / UNIT : (UNIT << h->chunk_cls[c]) / UNIT;
        uint32_t first = c * (CHUNK / UNIT);
        for (uint32_t u = first; u < first + CHUNK / UNIT; u += stride) {
            struct obj_meta *m = &h->meta[u];
            if (m->state != OBJ_LIVE)
                continue;
            m->borrowers &= ~bit;
            if (m->owner == domain) {
                /* Borrowers of a dead owner's object lose it too. */
                release(h, m);
                freed++;
            }
        }
    }
    h->stats.reclaimed += freed;
    return freed;
}

uint32_t cdn_heap_owned_by(const struct cdn_heap *h, uint32_t domain)
{
    return valid_domain(domain) ? h->owned[domain] : 0;
}

void cdn_heap_get_stats(const struct cdn_heap *h, struct cdn_heap_stats *out)
{
    *out = h->stats;
}

/* hmap.c - see hmap.h. */
#include <stdlib.h>

#include "hmap.h"

static size_t hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return (size_t)k;
}

void cdn_hmap_init(struct cdn_hmap *m)
{
    m->slots = NULL;
    m->cap = m->count = 0;
}

void cdn_hmap_free(struct cdn_hmap *m)
{
    free(m->slots);
    cdn_hmap_init(m);
}

static int grow(struct cdn_hmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct cdn_hmap_entry *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = hash(m->slots[i].key) & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int cdn_hmap_put(struct cdn_hmap *m, uint64_t key, void *ptr, uint64_t aux)
{
    if (!key)
        return -1;
    if ((m->count + 1) * 10 > m->cap * 7 && grow(m) != 0)
        return -1;
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i].key)
        m->count++;
    m->slots[i].key = key;
    m->slots[i].ptr = ptr;
    m->slots[i].aux = aux;
    return 0;
}

struct cdn_hmap_entry *cdn_hmap_get(const struct cdn_hmap *m, uint64_t key)
{
    if (!key || !m->cap)
        return NULL;
    size_t i = hash(key) & (m->cap - 1);
    while (m->slots[i].key) {
        if (m->slots[i].key == key)
            return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

int cdn_hmap_del(struct cdn_hmap *m, uint64_t key)
{
    struct cdn_hmap_entry *e = cdn_hmap_get(m, key);
    if (!e)
        return -1;
    size_t i = (size_t)(e - m->slots), mask = m->cap - 1;
    m->slots[i].key = 0;
    m->count--;
    /* Shift later members of the probe run back into the hole. */
    for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = hash(m->slots[j].key) & mask;
        /* Move j to i if its home is not cyclically in (i, j]. */
        int in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = 0;
            i = j;
        }
    }
    return 0;
}

/* hmap.h - a small open-addressing hash map from nonzero u64 keys to a
 * (pointer, u64) pair. Linear probing with backward-shift deletion: no
 * tombstones, so lookups stay short however many deletes there were. */
#ifndef CORDON_GLUE_HMAP_H
#define CORDON_GLUE_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct cdn_hmap_entry {
    uint64_t key; /* 0: empty */
    void *ptr;
    uint64_t aux;
};

struct cdn_hmap {
    struct cdn_hmap_entry *slots;
    size_t cap, count;
};

void cdn_hmap_init(struct cdn_hmap *m);
void cdn_hmap_free(struct cdn_hmap *m);
/* Inserts or replaces; returns 0, or -1 when out of memory. */
int cdn_hmap_put(struct cdn_hmap *m, uint64_t key, void *ptr, uint64_t aux);
struct cdn_hmap_entry *cdn_hmap_get(const struct cdn_hmap *m, uint64_t key);
int cdn_hmap_del(struct cdn_hmap *m, uint64_t key);

#endif

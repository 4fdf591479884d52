/*
 * fingerprint.c - a 64-bit fingerprint of what an IDL file makes cross the
 * boundary (see idl_fingerprint in gen.h).
 *
 * FNV-1a over a canonical walk of the checked file: the module name, every
 * rpc (kind, name, id, oneway, return and parameters), every projection
 * (name, struct, id, fields) and every enum (items and values); each type
 * with all that decides its wire form. Comments, spacing and source
 * positions do not count; anything that changes the bytes on the wire, or
 * which rpc an id names, does.
 */
#include <stdint.h>
#include <string.h>

#include "gen.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static void mix(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= FNV_PRIME;
    }
}

static void mix_str(uint64_t *h, const char *s)
{
    mix(h, s ? s : "", s ? strlen(s) + 1 : 1); /* the NUL separates fields */
}

static void mix_u64(uint64_t *h, uint64_t v)
{
    mix(h, &v, sizeof v);
}

static void mix_type(uint64_t *h, const struct idl_type *t)
{
    for (; t; t = t->elem) {
        mix_u64(h, (uint64_t)t->kind);
        mix_u64(h, ((uint64_t)t->width << 8) | t->is_signed);
        mix_str(h, t->ref);
        mix_u64(h, (uint64_t)t->size_kind);
        mix_u64(h, t->count);
        mix_str(h, t->expr);
        mix_u64(h, t->has_bound ? t->bound : UINT64_MAX);
    }
}

static void mix_vars(uint64_t *h, const struct idl_var *v)
{
    for (; v; v = v->next) {
        mix_str(h, v->name);
        mix_type(h, v->type);
        mix_u64(h, ((uint64_t)v->attrs << 1) | (uint64_t)(v->pointer != 0));
    }
    mix_str(h, "end");
}

uint64_t idl_fingerprint(const struct idl_file *f)
{
    uint64_t h = FNV_OFFSET;
    mix_str(&h, f->module);
    for (const struct idl_rpc *r = f->rpcs; r; r = r->next) {
        mix_u64(&h, ((uint64_t)r->kind << 33) | ((uint64_t)(r->oneway != 0) << 32) | r->id);
        mix_str(&h, r->name);
        mix_vars(&h, r->ret);
        mix_vars(&h, r->params);
    }
    for (const struct idl_projection *p = f->projections; p; p = p->next) {
        mix_str(&h, p->name);
        mix_str(&h, p->c_struct);
        mix_u64(&h, p->id);
        mix_vars(&h, p->fields);
    }
    for (const struct idl_enum *e = f->enums; e; e = e->next) {
        mix_str(&h, e->name);
        for (const struct idl_enumerator *it = e->items; it; it = it->next) {
            mix_str(&h, it->name);
            mix_u64(&h, (uint64_t)it->value);
        }
    }
    return h;
}

/*
 * reach.c - the driver's call graph, and what of it the compiler keeps.
 *
 * A static function nothing live calls, and whose address nothing takes,
 * is not in the object file (null_blk's nullb_zero_read_cmd_buffer, called
 * only under IS_ENABLED(CONFIG_KMSAN)); neither are the kernel calls it
 * makes. The walk records one edge per call, from the function being
 * walked (a driver function, or a header inline it follows) to the callee
 * by name; the roots (reach_root) are the driver's non-static functions
 * and every function whose address is taken. drop_unreachable_calls then removes
 * from drv_to_kernel every kernel function no live function calls.
 *
 * Names stand for nodes: two static functions of one name in two files
 * are one node, which can only keep more live, never less.
 */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

void reach_call(struct analysis *a, const char *callee)
{
    if (!a->node[0])
        return; /* a global's initializer: its functions are roots */
    grow_or_die((void **)&a->calls, &a->calls_cap, a->ncalls + 1, sizeof *a->calls);
    a->calls[a->ncalls].from = strdup(a->node);
    a->calls[a->ncalls].to = strdup(callee);
    if (!a->calls[a->ncalls].from || !a->calls[a->ncalls].to)
        out_of_memory();
    a->ncalls++;
}

void reach_root(struct analysis *a, const char *fn)
{
    set_add(&a->roots, fn, NULL, clang_getNullCursor());
}

/* ---- a string -> index table (open addressing, power-of-two size) ---- */
struct names {
    char **key;
    int *id;
    size_t cap;
    int n;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Where s is in t, or the empty slot where it would go. */
static size_t probe(const struct names *t, const char *s)
{
    size_t i = hash(s) & (t->cap - 1);
    while (t->key[i] && strcmp(t->key[i], s) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static int intern(struct names *t, char *s)
{
    size_t i = probe(t, s);
    if (!t->key[i]) {
        t->key[i] = s;
        t->id[i] = t->n++;
    }
    return t->id[i];
}

static int lookup(const struct names *t, const char *s)
{
    size_t i = probe(t, s);
    return t->key[i] ? t->id[i] : -1;
}

struct reach_result {
    const struct names *t;
    const char *live;
};

/* Called by a live function, or never seen called (kept: not ours to judge). */
static int called_by_live(void *ctx, const char *name)
{
    const struct reach_result *res = ctx;
    int id = lookup(res->t, name);
    return id < 0 || res->live[id];
}

void drop_unreachable_calls(struct analysis *a)
{
    struct names t = {0};
    t.cap = 64;
    while (t.cap < 4 * (size_t)(2 * a->ncalls + a->driver_defs.n + a->roots.n + 1))
        t.cap *= 2;
    t.key = calloc(t.cap, sizeof *t.key);
    t.id = calloc(t.cap, sizeof *t.id);
    int *from = malloc(((size_t)a->ncalls + 1) * sizeof *from);
    int *to = malloc(((size_t)a->ncalls + 1) * sizeof *to);
    char *live = calloc(2 * (size_t)a->ncalls + a->driver_defs.n + a->roots.n + 1, 1);
    if (!t.key || !t.id || !from || !to || !live)
        out_of_memory();
    for (int i = 0; i < a->ncalls; i++) {
        from[i] = intern(&t, a->calls[i].from);
        to[i] = intern(&t, a->calls[i].to);
    }
    for (int i = 0; i < a->roots.n; i++)
        live[intern(&t, a->roots.v[i])] = 1;
    /* to a fixed point: each pass makes live what a live function calls */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < a->ncalls; i++)
            if (live[from[i]] && !live[to[i]])
                live[to[i]] = 1, changed = 1;
    }
    struct reach_result res = {&t, live};
    set_filter(&a->drv_to_kernel, called_by_live, &res);
    free(t.key);
    free(t.id);
    free(from);
    free(to);
    free(live);
}

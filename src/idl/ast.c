/* ast.c - the arena behind the syntax tree, and lookups. */
#include <stdlib.h>
#include <string.h>

#include "ast.h"

struct idl_arena {
    struct idl_arena *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
};

void *idl_alloc(struct idl_file *f, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct idl_arena *a = f->arena;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        a = malloc(sizeof *a + cap);
        if (!a)
            abort(); /* the compiler cannot go on without memory */
        a->next = f->arena;
        a->used = 0;
        a->cap = cap;
        f->arena = a;
    }
    void *p = a->mem + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

char *idl_strndup(struct idl_file *f, const char *s, size_t n)
{
    char *p = idl_alloc(f, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void idl_file_free(struct idl_file *f)
{
    struct idl_arena *a = f->arena;
    while (a) {
        struct idl_arena *n = a->next;
        free(a);
        a = n;
    }
    f->arena = NULL;
}

struct idl_projection *idl_find_projection(const struct idl_file *f, const char *name)
{
    for (struct idl_projection *p = f->projections; p; p = p->next)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

struct idl_enum *idl_find_enum(const struct idl_file *f, const char *name)
{
    for (struct idl_enum *e = f->enums; e; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

struct idl_rpc *idl_find_rpc(const struct idl_file *f, const char *name)
{
    for (struct idl_rpc *r = f->rpcs; r; r = r->next)
        if (strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

char *idl_strcat(struct idl_file *f, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *r = idl_alloc(f, la + lb + 1);
    memcpy(r, a, la);
    memcpy(r + la, b, lb + 1);
    return r;
}

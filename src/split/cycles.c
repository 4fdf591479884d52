/* cycles.c - projection fields that would make a projection recursive. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* Edges keep names: a struct may join the set after the edge to it is
 * recorded, so indices are resolved only when the cycles are found. */
void note_edge(struct analysis *a, const char *from, const char *to, const char *field,
               int embedded)
{
    if (!a->collecting_edges)
        return;
    int cap = a->edges_cap;
    grow_or_die((void **)&a->edges, &a->edges_cap, a->nedges + 1, sizeof *a->edges);
    grow_or_die((void **)&a->cut, &cap, a->nedges + 1, sizeof *a->cut);
    a->cut[a->nedges] = 0;
    a->edges[a->nedges++] =
        (struct edge){-1, -1, strdup(from), strdup(to), strdup(field), embedded};
}

/*
 * Depth-first search with the path of edges taken. Colours: 0 unseen, 1 on
 * the current path, 2 done. An edge to a struct on the path closes a
 * cycle. An embedded struct cannot be left out (it is part of the bytes),
 * and C has no cycle of embedded structs only, so the edge cut is the
 * closing one if it is a pointer, else the last pointer edge on the cycle;
 * an edge an ops slot's way to its table needs is cut only if every other
 * pointer edge of the cycle is needed too.
 * Returns 1 when it cut an edge: the search starts over on the new graph,
 * so which edge goes does not depend on where the search began.
 */
struct walk {
    struct analysis *a;
    char *color;
    int *path, depth;
    int *cycle; /* the edges of the cycle being cut */
};

/* Whether edge e is a field on the way from an ops slot's arguments to its
 * table (ops_paths.c): cutting it would leave the host unable to call the
 * slot, so another edge of the cycle goes if one can. */
static int on_ops_path(struct analysis *a, int e)
{
    char key[600];
    snprintf(key, sizeof key, "%s.%s", a->edges[e].from_name, a->edges[e].field);
    return set_find(&a->ops_path_fields, key) >= 0;
}

static int cut_cycle(struct walk *w, int closing)
{
    struct analysis *a = w->a;
    int head = a->edges[closing].to, n = 0;
    w->cycle[n++] = closing;
    for (int k = w->depth - 1; k >= 0 && a->edges[w->cycle[n - 1]].from != head; k--)
        w->cycle[n++] = w->path[k];
    /* the closing edge if it can go, else the last pointer edge before it;
     * first among the edges no ops path needs */
    for (int any = 0; any < 2; any++)
        for (int i = 0; i < n; i++)
            if (!a->edges[w->cycle[i]].embedded && (any || !on_ops_path(a, w->cycle[i]))) {
                a->cut[w->cycle[i]] = 1;
                return 1;
            }
    return 0; /* embedded only: impossible in C; nothing to cut */
}

static int dfs(struct walk *w, int v)
{
    struct analysis *a = w->a;
    w->color[v] = 1;
    for (int i = 0; i < a->nedges; i++) {
        struct edge *e = &a->edges[i];
        if (e->from != v || e->to < 0 || a->cut[i])
            continue;
        if (w->color[e->to] == 1 && cut_cycle(w, i))
            return 1;
        if (w->color[e->to] == 0) {
            w->path[w->depth++] = i;
            if (dfs(w, e->to))
                return 1;
            w->depth--;
        }
    }
    w->color[v] = 2;
    return 0;
}

void find_cycles(struct analysis *a)
{
    struct walk w = {a, calloc((size_t)a->structs.n + 1, 1),
                     calloc((size_t)a->structs.n + 1, sizeof *w.path), 0,
                     calloc((size_t)a->structs.n + 2, sizeof *w.cycle)};
    if (!w.color || !w.path || !w.cycle) {
        fprintf(stderr, "cordon-split: out of memory\n");
        exit(2);
    }
    for (int i = 0; i < a->nedges; i++) {
        a->edges[i].from = set_find(&a->structs, a->edges[i].from_name);
        a->edges[i].to = set_find(&a->structs, a->edges[i].to_name);
    }
    for (int again = 1; again;) {
        again = 0;
        memset(w.color, 0, (size_t)a->structs.n + 1);
        for (int v = 0; v < a->structs.n && !again; v++) {
            w.depth = 0;
            if (!w.color[v])
                again = dfs(&w, v);
        }
    }
    free(w.color);
    free(w.path);
    free(w.cycle);
}

int is_cut(struct analysis *a, const char *from, const char *field)
{
    for (int i = 0; i < a->nedges; i++)
        if (a->cut[i] && strcmp(a->edges[i].from_name, from) == 0 &&
            strcmp(a->edges[i].field, field) == 0)
            return 1;
    return 0;
}

/* ---- IDL output ---- */

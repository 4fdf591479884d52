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
 * closing one if it is a pointer, else the last pointer edge on the cycle.
 * Returns 1 when it cut an edge: the search starts over on the new graph,
 * so which edge goes does not depend on where the search began.
 */
struct walk {
    struct analysis *a;
    char *color;
    int *path, depth;
};

static int cut_cycle(struct walk *w, int closing)
{
    struct analysis *a = w->a;
    if (!a->edges[closing].embedded) {
        a->cut[closing] = 1;
        return 1;
    }
    int head = a->edges[closing].to;
    for (int k = w->depth - 1; k >= 0; k--) {
        if (!a->edges[w->path[k]].embedded) {
            a->cut[w->path[k]] = 1;
            return 1;
        }
        if (a->edges[w->path[k]].from == head)
            break;
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
                     calloc((size_t)a->structs.n + 1, sizeof *w.path), 0};
    if (!w.color || !w.path) {
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

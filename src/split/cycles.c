/* cycles.c - projection fields that would make a projection recursive. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

void note_edge(struct analysis *a, const char *from, const char *to, const char *field)
{
    if (!a->collecting_edges)
        return;
    int cap = a->edges_cap;
    grow_or_die((void **)&a->edges, &a->edges_cap, a->nedges + 1, sizeof *a->edges);
    grow_or_die((void **)&a->cut, &cap, a->nedges + 1, sizeof *a->cut);
    a->edges[a->nedges++] =
        (struct edge){set_find(&a->structs, from), set_find(&a->structs, to), strdup(field)};
}

/* Colours: 0 unseen, 1 on the current path, 2 done. An edge to a struct
 * on the current path closes a cycle: it is cut. */
static void dfs(struct analysis *a, char *color, int v)
{
    color[v] = 1;
    for (int i = 0; i < a->nedges; i++) {
        if (a->edges[i].from != v || a->edges[i].to < 0)
            continue;
        if (color[a->edges[i].to] == 1)
            a->cut[i] = 1;
        else if (color[a->edges[i].to] == 0)
            dfs(a, color, a->edges[i].to);
    }
    color[v] = 2;
}

void find_cycles(struct analysis *a)
{
    char *color = calloc((size_t)a->structs.n + 1, 1);
    if (!color) {
        fprintf(stderr, "cordon-split: out of memory\n");
        exit(2);
    }
    for (int v = 0; v < a->structs.n; v++)
        if (!color[v])
            dfs(a, color, v);
    free(color);
}

int is_cut(struct analysis *a, const char *from, const char *field)
{
    int f = set_find(&a->structs, from);
    for (int i = 0; i < a->nedges; i++)
        if (a->cut[i] && a->edges[i].from == f && strcmp(a->edges[i].field, field) == 0)
            return 1;
    return 0;
}

/* ---- IDL output ---- */

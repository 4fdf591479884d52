/* ops_paths.c - the fields from an ops slot's arguments to its table. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* Whether the driver fills the function-pointer field "struct.field": it
 * names one of its functions there in an initialiser, or it writes the
 * field. A slot it only reads or calls through holds the kernel's function
 * (a clock's get_time, a bpf_prog's bpf_func), and one that only ever
 * holds the kernel's functions in its initialisers is not the driver's. */
int slot_is_drivers(struct analysis *a, const char *key)
{
    if (set_find(&a->driver_slots, key) >= 0)
        return 1;
    if (set_find(&a->kernel_slots, key) >= 0)
        return 0;
    const char *dot = strrchr(key, '.');
    size_t sl = (size_t)(dot - key);
    for (int i = 0; i < a->nacc; i++)
        if (a->acc[i].written && strlen(a->acc[i].strct) == sl &&
            strncmp(a->acc[i].strct, key, sl) == 0 && strcmp(a->acc[i].field, dot + 1) == 0)
            return 1;
    return 0;
}

/* If c is a function-pointer field of struct sname that the driver fills,
 * its prototype (else a type of kind CXType_Invalid). */
CXType filled_slot(struct analysis *a, CXCursor c, const char *sname)
{
    CXType none = {0};
    none.kind = CXType_Invalid;
    CXType pt = clang_getCanonicalType(
        clang_getPointeeType(clang_getCanonicalType(clang_getCursorType(c))));
    if (pt.kind != CXType_FunctionProto)
        return none;
    char *fn = spell(c), key[300];
    snprintf(key, sizeof key, "%s.%s", sname, fn);
    free(fn);
    return slot_is_drivers(a, key) ? pt : none;
}

/*
 * The host calls an rpc_ptr slot through a trampoline that must find the
 * ops table from the call's own arguments (docs/idl.md): for null_blk's
 * queue_rq(hctx, bd) that is hctx->queue->tag_set->ops, fields the driver
 * itself never touches. For every ops table the driver fills, a
 * breadth-first search over the C structs finds the shortest chain of
 * fields from a slot's argument to the table, and those fields are added to
 * the projections ([read_only]: the host's to set).
 */
struct bfs_node {
    CXCursor rec;   /* a struct definition */
    int parent;     /* node index, -1 for a start */
    CXCursor field; /* the field leading here from the parent */
};
#define BFS_MAX 512

/* One search: from the struct arguments of a slot to its table. */
struct ops_search {
    struct analysis *a;
    int checking; /* check_ops_paths: cut fields are no way; add nothing */
    struct bfs_node bfs[BFS_MAX];
    int nbfs;
    int target_hit; /* the node that reached the table, or -1 */
    CXCursor target;
    int cur; /* the node whose fields are being visited */
};

static int bfs_seen(const struct ops_search *q, CXCursor rec)
{
    for (int i = 0; i < q->nbfs; i++)
        if (clang_equalCursors(q->bfs[i].rec, rec))
            return 1;
    return 0;
}

static enum CXChildVisitResult bfs_fields(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct ops_search *q = d;
    if (q->target_hit >= 0)
        return CXChildVisit_Break;
    if (is_record(c) && clang_Cursor_isAnonymousRecordDecl(c)) {
        clang_visitChildren(c, bfs_fields, d);
        return CXChildVisit_Continue;
    }
    if (clang_getCursorKind(c) != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    /* pointer fields only: the glue finds a table through projection
     * pointers (an embedded struct is copied, not a way to an object) */
    CXType t = clang_getCanonicalType(clang_getCursorType(c));
    if (t.kind != CXType_Pointer)
        return CXChildVisit_Continue;
    t = clang_getCanonicalType(clang_getPointeeType(t));
    if (t.kind != CXType_Record)
        return CXChildVisit_Continue;
    CXCursor rec = clang_getCursorDefinition(clang_getTypeDeclaration(t));
    if (clang_Cursor_isNull(rec) || in_driver(q->a, rec))
        return CXChildVisit_Continue;
    if (q->checking) {
        char *st = field_struct(c), *fn = spell(c);
        int cut = st && is_cut(q->a, st, fn);
        free(st);
        free(fn);
        if (cut)
            return CXChildVisit_Continue;
    }
    if (q->nbfs < BFS_MAX && !bfs_seen(q, rec)) {
        q->bfs[q->nbfs] = (struct bfs_node){rec, q->cur, c};
        if (clang_equalCursors(rec, q->target))
            q->target_hit = q->nbfs;
        q->nbfs++;
    }
    return CXChildVisit_Continue;
}

/* Adds the fields from one of proto's struct arguments to table, if a
 * chain of at most four exists. */
static int add_ops_path(struct ops_search *q, CXType proto, CXCursor table, const char *table_name)
{
    struct analysis *a = q->a;
    q->nbfs = 0;
    q->target_hit = -1;
    q->target = table;
    int na = clang_getNumArgTypes(proto);
    for (int j = 0; j < na && q->nbfs < BFS_MAX; j++) {
        CXType at = clang_getCanonicalType(clang_getArgType(proto, (unsigned)j));
        if (at.kind != CXType_Pointer)
            continue;
        CXType pt = clang_getCanonicalType(clang_getPointeeType(at));
        CXCursor rec = clang_getCursorDefinition(clang_getTypeDeclaration(pt));
        if (pt.kind != CXType_Record || clang_Cursor_isNull(rec) || bfs_seen(q, rec))
            continue;
        if (clang_equalCursors(rec, table))
            return 1; /* the table itself is an argument */
        if (in_driver(a, rec))
            continue; /* the driver's own struct: no projection of it crosses */
        q->bfs[q->nbfs++] = (struct bfs_node){rec, -1, clang_getNullCursor()};
    }
    for (q->cur = 0; q->cur < q->nbfs && q->target_hit < 0; q->cur++) {
        int depth = 0;
        for (int k = q->cur; q->bfs[k].parent >= 0; k = q->bfs[k].parent)
            depth++;
        if (depth < 4)
            clang_visitChildren(q->bfs[q->cur].rec, bfs_fields, q);
    }
    if (q->target_hit < 0)
        return 0;
    if (q->checking)
        return 1;
    for (int k = q->target_hit; q->bfs[k].parent >= 0; k = q->bfs[k].parent) {
        char *st = field_struct(q->bfs[k].field);
        if (!st)
            continue;
        char note[300];
        snprintf(note, sizeof note, "the way to the %s table, for the trampolines", table_name);
        char key[600], *fname = spell(q->bfs[k].field);
        snprintf(key, sizeof key, "%s.%s", st, fname);
        set_add(&a->ops_path_fields, key, NULL, clang_getNullCursor());
        grow_or_die((void **)&a->acc, &a->acc_cap, a->nacc + 1, sizeof *a->acc);
        a->acc[a->nacc++] = (struct access){st, fname, strdup(note), 0};
        CXCursor prec = q->bfs[q->bfs[k].parent].rec;
        char *pn = spell(prec);
        set_add(&a->structs, pn, NULL, prec);
        free(pn);
    }
    return 1;
}

struct slot_scan {
    struct ops_search *q;
    const char *sname;
    CXCursor rec;
};

static enum CXChildVisitResult ops_paths_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct slot_scan *ss = d;
    if (is_record(c) && clang_Cursor_isAnonymousRecordDecl(c)) {
        clang_visitChildren(c, ops_paths_visit, d);
        return CXChildVisit_Continue;
    }
    if (clang_getCursorKind(c) != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    CXType pt = filled_slot(ss->q->a, c, ss->sname);
    if (pt.kind != CXType_Invalid && !add_ops_path(ss->q, pt, ss->rec, ss->sname)) {
        /* the host could not find this table from the call's arguments,
         * so it could not call the slot: the IDL leaves it out */
        char *fn = spell(c), key[300];
        snprintf(key, sizeof key, "%s.%s", ss->sname, fn);
        if (ss->q->checking && set_find(&ss->q->a->unreachable_slots, key) < 0)
            warn(ss->q->a,
                 "%s: its table is reached only through a field left out to break a cycle: "
                 "the host could not call it (left out)",
                 key);
        set_add(&ss->q->a->unreachable_slots, key, NULL, c);
        free(fn);
    }
    return CXChildVisit_Continue;
}

static void search_ops_paths(struct analysis *a, int checking)
{
    struct ops_search *q = calloc(1, sizeof *q);
    if (!q) {
        warn(a, "out of memory: the ops tables' paths were not searched");
        return;
    }
    q->a = a;
    q->checking = checking;
    int n = a->structs.n; /* the search may add structs; theirs are not tables */
    for (int i = 0; i < n; i++) {
        CXCursor rec = clang_getCursorDefinition(a->structs.decl[i]);
        if (clang_Cursor_isNull(rec))
            continue;
        struct slot_scan ss = {q, a->structs.v[i], rec};
        clang_visitChildren(rec, ops_paths_visit, &ss);
    }
    free(q);
}

void add_ops_paths(struct analysis *a)
{
    search_ops_paths(a, 0);
}

void check_ops_paths(struct analysis *a)
{
    search_ops_paths(a, 1);
}

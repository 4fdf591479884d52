/* idl_write.c - the module body: rpcs, ops slots, projections. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* A struct whose fields are being written, and where to. */
struct field_visit {
    struct analysis *a;
    FILE *o;
    const char *sname;
};

/* Whether c is a field of the struct being visited. An anonymous member's
 * fields are the parent's, so its record is visited with the same visitor
 * (and 0 returned); a named member of an unnamed type (struct_group's
 * "headers") is a field of its own. */
static int is_member_field(CXCursor c, CXCursorVisitor visitor, CXClientData d)
{
    if (is_record(c) && clang_Cursor_isAnonymousRecordDecl(c)) {
        clang_visitChildren(c, visitor, d);
        return 0;
    }
    return clang_getCursorKind(c) == CXCursor_FieldDecl;
}

/* A sibling field the driver touches that can bound a byte buffer, or NULL. */
static const char *length_sibling(struct analysis *a, const char *sname)
{
    static const char *const names[] = {"len",   "length",   "size", "nr_bytes",
                                        "bytes", "data_len", NULL};
    for (int k = 0; names[k]; k++)
        for (int i = 0; i < a->nacc; i++)
            if (strcmp(a->acc[i].strct, sname) == 0 && strcmp(a->acc[i].field, names[k]) == 0)
                return names[k];
    return NULL;
}

/* A field that is not an ops slot: its IDL type with its direction, or a
 * comment saying why it has none. ckey is "struct.field"; r and w say
 * whether the driver reads and writes it. */
static void write_field_type(struct field_visit *fv, CXCursor c, const char *fn, const char *ckey,
                             int r, int w)
{
    struct analysis *a = fv->a;
    CXType ft = clang_getCursorType(c);
    CXType pt = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(ft)));
    char what[300];
    snprintf(what, sizeof what, "%s.%s", fv->sname, fn);
    char *sn = type_struct_name(pt);
    int ops_ptr = sn && clang_getCanonicalType(ft).kind == CXType_Pointer;
    char *embedded = ops_ptr ? NULL : type_struct_name(ft);
    fprintf(fv->o, "        ");
    if (ops_ptr && !a->collecting_edges && is_cut(a, fv->sname, fn)) {
        warn(a,
             "%s.%s: points back to a projection that contains it; cordon copies "
             "projections, so the analysis leaves it out: pass it separately",
             fv->sname, fn);
        fprintf(fv->o, "// %s: %s * would make the projection recursive;", fn, sn);
    } else if (!sn && clang_getCanonicalType(ft).kind == CXType_Pointer && scalar_of(pt) &&
               set_find(&a->sentinels, ckey) >= 0) {
        /* walked until a zero element: a null-terminated array. A
         * projection copies fields by value and array<> is an
         * embedded array there, so a pointer to one has no field
         * form: say what it is and leave it to a person. */
        fprintf(fv->o,
                "// %s: a null-terminated array of %s (the driver walks it to a "
                "zero); pass it as array<%s, null, MAX> in a call",
                fn, scalar_of(pt), scalar_of(pt));
        warn(a,
             "%s: walked until a zero element: a null-terminated array of %s; a pointer "
             "field cannot carry it: pass it as an argument",
             what, scalar_of(pt));
    } else if (!sn && clang_getCanonicalType(ft).kind == CXType_Pointer &&
               (pt.kind == CXType_UChar || pt.kind == CXType_Void || pt.kind == CXType_Char_U) &&
               length_sibling(a, fv->sname)) {
        /* bytes with their length beside them: a zero-copy buffer in
         * the shared heap, bounded by that length */
        const char *sib = length_sibling(a, fv->sname);
        fprintf(fv->o, "shared<65536, {{%s}}>%s *%s;", sib,
                r && !w   ? " [read_only]"
                : w && !r ? " [write_only]"
                          : "",
                fn);
        warn(a,
             "%s: a byte buffer of %s bytes: taken as shared<65536, {{%s}}> (a buffer "
             "in the shared heap); check the bound",
             what, sib, sib);
    } else if (ops_ptr) {
        note_edge(a, fv->sname, sn, fn, 0);
        set_add(&a->structs, sn, NULL, clang_getTypeDeclaration(pt));
        fprintf(fv->o, "projection %s%s *%s;", proj_name(a, sn),
                w && !r ? " [write_only, alloc(caller)]"
                : w     ? " [alloc(caller)]"
                        : " [read_only]",
                fn);
    } else if (idl_type(a, fv->o, ft, what, 1)) {
        if (embedded)
            note_edge(a, fv->sname, embedded, fn, 1);
        /* who writes it decides which way it may travel: a field the
         * driver only reads is never taken back from the domain */
        fprintf(fv->o, "%s %s;", r && !w ? " [read_only]" : w && !r ? " [write_only]" : "", fn);
    } else {
        fprintf(fv->o, "// %s: no IDL form", fn);
    }
    free(embedded);
    free(sn);
}

static enum CXChildVisitResult field_out(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct field_visit *fv = d;
    struct analysis *a = fv->a;
    if (!is_member_field(c, field_out, d))
        return CXChildVisit_Continue;
    char *fn = spell(c);
    int r = 0, w = 0;
    char prov[300] = "";
    for (int i = 0; i < a->nacc; i++)
        if (strcmp(a->acc[i].strct, fv->sname) == 0 && strcmp(a->acc[i].field, fn) == 0) {
            if (a->acc[i].written)
                w = 1;
            else
                r = 1;
            if (!prov[0])
                snprintf(prov, sizeof prov, "%s", a->acc[i].where);
        }
    char ckey[300];
    snprintf(ckey, sizeof ckey, "%s.%s", fv->sname, fn);
    if ((r || w) && set_find(&a->cookies, ckey) >= 0) {
        fprintf(fv->o,
                "        // %s: the driver's own pointer (it stores and loads its own struct "
                "there): stays in the domain // %s%s%s: %s\n",
                fn, r ? "read" : "", r && w ? ", " : "", w ? "written" : "", prov);
    } else if ((r || w) && set_find(&a->void_casts, ckey) >= 0 &&
               strcmp(a->void_casts.note[set_find(&a->void_casts, ckey)], "*") != 0) {
        int vi = set_find(&a->void_casts, ckey);
        const char *target = a->void_casts.note[vi];
        set_add(&a->structs, target, NULL, a->void_casts.decl[vi]);
        note_edge(a, fv->sname, target, fn, 0);
        if (!a->collecting_edges && is_cut(a, fv->sname, fn)) {
            warn(a,
                 "%s: void * taken as struct %s * points back to a projection that contains "
                 "it; left out: pass it separately",
                 ckey, target);
            fprintf(fv->o, "        // %s: struct %s * would make the projection recursive\n", fn,
                    target);
            free(fn);
            return CXChildVisit_Continue;
        }
        fprintf(fv->o,
                "        projection %s%s *%s; // void *, only ever a struct %s: %s%s%s: %s\n",
                proj_name(a, target),
                r && !w   ? " [read_only]"
                : w && !r ? " [write_only]"
                          : "",
                fn, target, r ? "read" : "", r && w ? ", " : "", w ? "written" : "", prov);
        warn(a,
             "%s: void * taken as struct %s * (the only struct the driver converts it to or "
             "from); check",
             ckey, target);
    } else if ((r || w) && strcmp(idl_ident(fn), fn) != 0) {
        warn(a, "%s.%s: the field's name is an IDL keyword; it cannot be projected", fv->sname, fn);
        fprintf(fv->o, "        // %s: name is an IDL keyword\n", fn);
    } else if (r || w) {
        CXType ft = clang_getCanonicalType(clang_getCursorType(c));
        CXType pt = clang_getCanonicalType(clang_getPointeeType(ft));
        int fnptr = ft.kind == CXType_Pointer && pt.kind == CXType_FunctionProto;
        /* function-pointer fields are ops slots, when the driver fills them */
        if (fnptr && set_find(&a->kernel_slots, ckey) >= 0 &&
            set_find(&a->driver_slots, ckey) < 0) {
            fprintf(fv->o, "        // %s: holds the kernel's own function (no crossing);", fn);
        } else if (fnptr && !slot_is_drivers(a, ckey)) {
            /* the kernel fills it and the driver calls through it: the
             * other direction from an rpc_ptr, which the host calls */
            fprintf(fv->o, "        // %s: the kernel's function, called by the driver;", fn);
            warn(a,
                 "%s: the driver calls the kernel's function through this pointer: not a "
                 "slot it fills (no rpc_ptr); the call needs an rpc",
                 ckey);
        } else if (fnptr && set_find(&a->unreachable_slots, ckey) >= 0) {
            fprintf(fv->o, "        // %s: a slot the host could not call (no way to its table);",
                    fn);
        } else if (fnptr) {
            fprintf(fv->o, "        rpc_ptr %s_%s %s;", fv->sname, fn, fn);
        } else {
            write_field_type(fv, c, fn, ckey, r, w);
        }
        fprintf(fv->o, " // %s%s%s: %s\n", r ? "read" : "", r && w ? ", " : "", w ? "written" : "",
                prov);
    }
    free(fn);
    return CXChildVisit_Continue;
}

/* rpc_ptr declarations for the ops slots the driver fills (kernel -> driver). */
static enum CXChildVisitResult slot_decls(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct field_visit *fv = d;
    struct analysis *a = fv->a;
    if (!is_member_field(c, slot_decls, d))
        return CXChildVisit_Continue;
    CXType pt = filled_slot(a, c, fv->sname);
    if (pt.kind == CXType_Invalid)
        return CXChildVisit_Continue;
    char *fn = spell(c), what[300];
    snprintf(what, sizeof what, "%s.%s", fv->sname, fn);
    if (set_find(&a->unreachable_slots, what) >= 0) {
        warn(a,
             "%s: no argument of the slot leads to its table: the host could not call it "
             "(left out; pass the table, or a struct that points to it)",
             what);
        fprintf(fv->o, "    // %s: no argument leads to its table\n", what);
    } else {
        write_rpc_ptr(a, fv->o, pt, fv->sname, fn, what);
    }
    free(fn);
    return CXChildVisit_Continue;
}

/* Everything inside "module NAME { ... }". */
void write_module_body(struct analysis *a, FILE *o)
{
    fprintf(o, "    // driver -> kernel (%d)\n", a->drv_to_kernel.n);
    for (int i = 0; i < a->drv_to_kernel.n; i++) {
        write_fnptr_decls(a, o, a->drv_to_kernel.decl[i]);
        fprintf(o, "    rpc ");
        write_ret(a, o, a->drv_to_kernel.decl[i], a->drv_to_kernel.v[i]);
        fprintf(o, " %s(", a->drv_to_kernel.v[i]);
        write_params(a, o, a->drv_to_kernel.decl[i], 1);
        fprintf(o, "); // %s\n", a->drv_to_kernel.note[i]);
    }
    if (a->uses_log)
        fprintf(o,
                "    // the domain's printk hands its lines to the host (kernel/drvlib/printk.c)\n"
                "    rpc void cdn_kernel_log(string<255> msg);\n");
    if (a->uses_media) {
        fprintf(o,
                "    // the device memory of a disk, through the domain library "
                "(kernel/drvlib/blk_media.c)\n"
                "    rpc u64 cdn_blk_media_chunk(projection %s *disk, u32 index, bool alloc);\n",
                proj_name(a, "gendisk"));
        set_add(&a->structs, "gendisk", NULL, a->media_disk_decl);
    }
    if (a->shared_syncs.n || a->protected_fields.n)
        fprintf(o, "\n    // concurrency: synchronisation on kernel objects, and the fields the\n"
                   "    // driver touches inside its critical sections (docs/analyzer.md,\n"
                   "    // \"Concurrency\": what the glue must do for each class)\n");
    for (int i = 0; i < a->shared_syncs.n; i++) {
        char call[128];
        sscanf(a->shared_syncs.v[i], "%127s", call);
        fprintf(o, "    //   %s: %s\n", sync_class(call), a->shared_syncs.v[i]);
    }
    for (int i = 0; i < a->protected_fields.n; i++)
        fprintf(o, "    //   field %s\n", a->protected_fields.v[i]);
    if (a->kernel_in_ops.n)
        fprintf(o, "\n    // the kernel's own functions in the driver's ops tables: no crossing\n");
    for (int i = 0; i < a->kernel_in_ops.n; i++)
        fprintf(o, "    //   %s\n", a->kernel_in_ops.v[i]);
    if (a->kernel_fn_values.n)
        fprintf(o, "\n    // the kernel's functions the driver uses as values (an address the\n"
                   "    // host must take back as its own; no rpc)\n");
    for (int i = 0; i < a->kernel_fn_values.n; i++)
        fprintf(o, "    //   %s (%s)\n", a->kernel_fn_values.v[i], a->kernel_fn_values.note[i]);
    if (a->kernel_globals.n)
        fprintf(o,
                "\n    // kernel globals the driver reads or writes: no IDL form (the domain has\n"
                "    // no copy); a person decides (an rpc, or a value passed in)\n");
    for (int i = 0; i < a->kernel_globals.n; i++)
        fprintf(o, "    //   %s (%s)\n", a->kernel_globals.v[i], a->kernel_globals.note[i]);
    fprintf(o, "\n    // kernel -> driver (%d)\n", a->kernel_to_drv.n);
    for (int i = 0; i < a->kernel_to_drv.n; i++) {
        if (!a->kernel_to_drv.module_entry[i]) {
            fprintf(o, "    // %s: %s\n", a->kernel_to_drv.v[i], a->kernel_to_drv.note[i]);
            continue; /* reached through an ops slot or callback: an rpc_ptr below */
        }
        fprintf(o, "    export rpc ");
        write_ret(a, o, a->kernel_to_drv.decl[i], a->kernel_to_drv.v[i]);
        fprintf(o, " %s(", a->kernel_to_drv.v[i]);
        write_params(a, o, a->kernel_to_drv.decl[i], 0);
        fprintf(o, "); // %s\n", a->kernel_to_drv.note[i]);
    }
    fprintf(o, "\n    // ops-table slots the driver fills\n");
    for (int i = 0; i < a->structs.n; i++) {
        struct field_visit fv = {a, o, a->structs.v[i]};
        clang_visitChildren(a->structs.decl[i], slot_decls, &fv);
    }
    /* projections: iterate until no new struct appears (fields add some) */
    fprintf(o, "\n    // the fields the driver touches, per struct\n");
    for (int i = 0; i < a->structs.n; i++) {
        CXType t = clang_getCursorType(a->structs.decl[i]);
        CXCursor decl = clang_getTypeDeclaration(clang_getCanonicalType(t));
        fprintf(o, "    projection <struct %s> %s {\n", a->structs.v[i],
                proj_name(a, a->structs.v[i]));
        struct field_visit fv = {a, o, a->structs.v[i]};
        clang_visitChildren(decl, field_out, &fv);
        fprintf(o, "    }\n");
    }
}

/* Writes the IDL to o (nothing if o is NULL, but the passes still run: the
 * report counts what they add). Returns 0, or -1 after printing why. */
int write_idl(struct analysis *a, FILE *o, const char *const *files, int nfiles,
              const char *modname)
{
    /* Pass 1 writes the IDL to nowhere: it completes the set of structs
     * (fields bring in new ones) and records which projection points to
     * which, so the cycles can be cut before pass 2 writes it for real. */
    FILE *nowhere = fopen("/dev/null", "w");
    if (!nowhere) {
        perror("/dev/null");
        return -1;
    }
    a->collecting_edges = 1;
    write_module_body(a, nowhere); /* completes the structs and slots first */
    add_ops_paths(a);
    write_module_body(a, nowhere);
    a->collecting_edges = 0;
    fclose(nowhere);
    find_cycles(a);
    check_ops_paths(a);
    if (!o)
        return 0;
    fprintf(o, "// Generated by cordon-split from");
    for (int i = 0; i < nfiles; i++)
        fprintf(o, " %s", files[i]);
    fprintf(o, ".\n// A starting point: check the bounds and directions it could not know.\n");
    for (int i = 0; i < a->includes.n; i++)
        fprintf(o, "include \"%s\";\n", a->includes.v[i]);
    fprintf(o, "\nmodule %s {\n", modname);
    /* the body goes to memory first: enums are found while writing it */
    char *body = NULL;
    size_t body_len = 0;
    FILE *mem = open_memstream(&body, &body_len);
    if (!mem) {
        perror("open_memstream");
        return -1;
    }
    write_module_body(a, mem);
    fprintf(mem, "}\n");
    fclose(mem);
    for (int i = 0; i < a->enums.n; i++)
        write_enum(o, a->enums.v[i], a->enums.decl[i]);
    fwrite(body, 1, body_len, o);
    free(body);
    return 0;
}

/*
 * analysis.h - cordon-split's analysis state and the functions its parts
 * share (private to src/split/).
 *
 * One struct analysis holds everything the analyzer learns, from the first
 * translation unit to the written IDL; every function that reads or adds to
 * it takes it as its first argument (libclang visitors receive it, or a
 * struct holding it, as their client data). The parts, in the order they run:
 *
 *   compdb.c      compile_commands.json entries as libclang argument vectors
 *   parse.c       parses the units in parallel (pch.c: shared headers)
 *   source.c      where a cursor is: driver or kernel, file:line, names
 *   visit.c       walks the driver's functions and globals: calls, accesses,
 *                 callbacks, locks
 *   constant.c    conditions the compiler decides (dead branches)
 *   reach.c       the call graph: what the compiler keeps
 *   patterns.c    expression patterns: cookies, sentinels, driver-owned args
 *   names.c       name sets and the name rules (local library, freeing, locks)
 *   cycles.c      which projection fields would make a projection recursive
 *   ops_paths.c   the fields from an ops slot's arguments to its table
 *   idl_types.c   C types as IDL types; rpc and rpc_ptr declarations
 *   idl_write.c   the module body: rpcs, slots, projections
 *   retain.c      which parsed units the analysis still points into
 *   report.c      the report, as text or JSON
 *   main.c        the command line
 */
#ifndef CORDON_SPLIT_ANALYSIS_H
#define CORDON_SPLIT_ANALYSIS_H

#include <clang-c/Index.h>
#include <stdio.h>

/*
 * A set of names in insertion order, each with a note and a declaration.
 * Every table of the analysis grows as it needs to: none has a fixed limit
 * that could drop a result (a failed allocation ends the run with status 2).
 */
struct name_set {
    char **v;
    char **note;
    CXCursor *decl;              /* a declaration, for signatures */
    unsigned char *module_entry; /* kernel_to_drv: module_init/exit */
    int n, cap;
};

/* Grows *items (each size bytes, *cap of them) to hold at least need, or
 * exits with status 2: an analysis that lost results would be wrong. */
void grow_or_die(void **items, int *cap, int need, size_t size);
/* Says so and exits with status 2. */
void out_of_memory(void) __attribute__((noreturn));

/* One call in the driver's call graph (reach.c), by name. */
struct call_edge {
    char *from, *to;
};

/* One read or write of a field of a kernel struct by the driver. */
struct access {
    char *strct, *field, *where;
    int written;
};

/* A projection field pointing to (or embedding) another projection. */
/* A projection field that reaches another projection: by pointer, or by
 * an embedded struct (which cannot be cut out of its container). */
struct edge {
    int from, to; /* indices in structs, once find_cycles resolves them */
    char *from_name, *to_name, *field;
    int embedded;
};

#define SPLIT_INLINE_SLOTS 32768

struct analysis {
    /* ---- what the analysis found (the report and the IDL) ---- */
    struct name_set driver_defs;   /* functions the driver's files define */
    struct name_set drv_to_kernel; /* kernel functions the driver calls */
    struct name_set kernel_to_drv; /* driver functions the kernel can reach */
    struct name_set structs;       /* kernel structs that cross */
    struct name_set enums;         /* enums the IDL names */
    struct name_set locks;         /* lock, atomic and RCU calls */
    /* locks on a field of a kernel struct: "call struct.field (where)" */
    struct name_set shared_syncs;
    struct name_set warnings;   /* what a person must decide */
    struct name_set includes;   /* <linux/...> headers the driver includes */
    struct name_set user_local; /* --local: more functions the domain runs */
    /* void * fields the driver stores its own pointers in: "struct.field" */
    struct name_set cookies;
    /* void * fields used as one kernel struct: "struct.field" -> struct
     * (note "*" when the driver uses two or more) */
    struct name_set void_casts;
    /* pointer fields walked to a zero element: "struct.field" */
    struct name_set sentinels;
    /* functions referenced where the kernel can reach them but defined in
     * none of the units read so far (resolve_pending_refs) */
    struct name_set pending_refs;
    /* kernel globals the driver reads or writes ("name (where)"), and
     * functions with inline assembly (their system calls are unseen) */
    struct name_set kernel_globals;
    /* ops-table slots filled in initializers, by the driver's functions
     * and by the kernel's own ("struct.field"); and the kernel's functions
     * placed there ("fn (in var.field)"): they cross nothing */
    struct name_set driver_slots, kernel_slots, kernel_in_ops;
    /* inline assembly: "the header whose macro wrote it (where)" */
    struct name_set inline_asm;
    /* the kernel's functions the driver uses as values, not calls */
    struct name_set kernel_fn_values;
    /* kernel struct fields the driver touches inside a critical section:
     * "struct.field: read|written, CLASS PRIMITIVE (where)" */
    struct name_set protected_fields;
    /* ops slots the driver fills whose table no argument of the slot leads
     * to ("struct.field"): the host could not call them (ops_paths.c) */
    struct name_set unreachable_slots;
    /* the fields those ways use ("struct.field"): cycle cutting spares them */
    struct name_set ops_path_fields;
    /* arguments pointing into the driver's own memory: "function#index" */
    struct name_set driver_owned_args;
    struct access *acc; /* field accesses, in the order met */
    int nacc, acc_cap;
    int uses_log;             /* the driver prints: the IDL needs the log rpc */
    int uses_media;           /* the driver uses cdn_blk_media */
    CXCursor media_disk_decl; /* struct gendisk, from its first argument */

    /* ---- the boundary ---- */
    char **driver_dirs; /* per driver file: its directory (or NULL) */
    int ndriver_files;

    /* ---- per translation unit (reset by analysis_begin_unit) ---- */
    const char *unit_dir; /* relative names are relative to it (or the cwd) */
    struct {
        CXFile file;
        int driver;
    } file_cache[512]; /* in_driver's answer per file */
    int nfile_cache;
    /* inline kernel functions already followed: open addressing */
    CXCursor inline_seen[SPLIT_INLINE_SLOTS];
    unsigned char inline_used[SPLIT_INLINE_SLOTS];
    int ninline_seen;

    /* ---- per driver function being walked ---- */
    char current_fn[256];
    CXCursor current_def;         /* its definition */
    int held;                     /* critical sections open (track_critical_section) */
    char held_by[300];            /* the innermost one's class and primitive */
    CXSourceLocation *call_sites; /* its direct calls */
    int ncall_sites, call_sites_cap;

    /* ---- the call graph (reach.c) ---- */
    char node[256];          /* the function whose body is walked (or a header inline) */
    struct call_edge *calls; /* every call met */
    int ncalls, calls_cap;
    struct name_set roots; /* functions whose address is taken: live */

    /* ---- recursion: projections are copied, so they cannot be cyclic ---- */
    struct edge *edges;
    int nedges, edges_cap;
    int collecting_edges; /* pass 1 records edges, pass 2 consults cut */
    char *cut;            /* per edge: it closes a cycle, the field is left out */
    int inline_full;      /* the inline table filled: said once */
};

/* names.c */
int set_find(const struct name_set *s, const char *x);
/* Adds x (copied) unless present; returns its index. */
int set_add(struct name_set *s, const char *x, const char *note, CXCursor decl);
/* Keeps the entries keep() says yes to, in order; frees the others. */
void set_filter(struct name_set *s, int (*keep)(void *ctx, const char *name), void *ctx);
int is_compile_time_check(const char *n);
/* Whether a kernel function called n with nargs arguments frees its first
 * struct argument (by its name, as a person would guess at first sight). */
int is_freeing_fn(const char *n, int nargs);
int is_lock_name(const char *n);
int is_local_lib(struct analysis *a, const char *n);

/* source.c */
int in_driver(struct analysis *a, CXCursor c);
int in_driver_file(struct analysis *a, const char *f);
void where(struct analysis *a, CXCursor c, char *buf, size_t n);
char *spell(CXCursor c);
void warn(struct analysis *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int is_record(CXCursor c);
int is_anonymous(CXCursor rec);
char *field_struct(CXCursor field);
void inclusion(CXFile f, CXSourceLocation *stack, unsigned len, CXClientData d);
void analysis_begin_unit(struct analysis *a, const char *dir);

/* visit.c */
/* lock, rcu, atomic or sequence: a synchronisation primitive's class. */
const char *sync_class(const char *n);
enum CXChildVisitResult top_visit(CXCursor c, CXCursor parent, CXClientData d);
void record_access(struct analysis *a, CXCursor member, int written);
void drop_driver_defined_calls(struct analysis *a);
/* After every unit: pending references a driver file defines count. */
void resolve_pending_refs(struct analysis *a);

/* constant.c */
/* Whether the compiler knows expression c's value (IS_ENABLED(...), a
 * literal, a static function returning a constant): sets *v. */
int const_value(CXCursor c, long long *v);
/* c's first max children into out; returns how many c has. */
int child_cursors(CXCursor c, CXCursor *out, int max);

/* reach.c */
/* A call from the function being walked (a->node) to callee. */
void reach_call(struct analysis *a, const char *callee);
/* fn's address is taken: it is live whoever calls it. */
void reach_root(struct analysis *a, const char *fn);
/* Drops from drv_to_kernel what only unreachable functions call. */
void drop_unreachable_calls(struct analysis *a);

/* patterns.c */
CXCursor strip_implicit(CXCursor c);
CXCursor member_under(CXCursor c);
enum CXChildVisitResult first_expr(CXCursor c, CXCursor parent, CXClientData d);
void find_cookies(struct analysis *a, CXCursor c, enum CXCursorKind k);
void find_sentinels(struct analysis *a, CXCursor c, enum CXCursorKind k);
void note_driver_owned_args(struct analysis *a, CXCursor call, const char *fname);
/* If var is a local initialised with a function that every use of var
 * (in fn_body) only calls or tests, that function; else a null cursor. */
CXCursor local_only_called(CXCursor var, CXCursor fn_body);
/* Whether every use of var (a local or a parameter) in body calls or tests it. */
int only_called(CXCursor var, CXCursor body);

/* cycles.c */
void note_edge(struct analysis *a, const char *from, const char *to, const char *field,
               int embedded);
void find_cycles(struct analysis *a);
int is_cut(struct analysis *a, const char *from, const char *field);

/* ops_paths.c */
void add_ops_paths(struct analysis *a);
/* After the cycles are cut: a slot whose only way to its table went
 * through a cut field is unreachable too (and said so). */
void check_ops_paths(struct analysis *a);
int slot_is_drivers(struct analysis *a, const char *key);
CXType filled_slot(struct analysis *a, CXCursor c, const char *sname);

/* idl_types.c */
const char *scalar_of(CXType t);
const char *idl_ident(const char *n);
const char *proj_name(struct analysis *a, const char *n);
char *type_struct_name(CXType t);
int idl_type(struct analysis *a, FILE *o, CXType t, const char *what, int field);
void write_params(struct analysis *a, FILE *o, CXCursor fn, int in_drv_to_kernel);
void write_rpc_ptr(struct analysis *a, FILE *o, CXType proto, const char *prefix, const char *name,
                   const char *what);
void write_fnptr_decls(struct analysis *a, FILE *o, CXCursor fn);
void write_enum(FILE *o, const char *name, CXCursor decl);
void write_ret(struct analysis *a, FILE *o, CXCursor fn, const char *what);

/* idl_write.c */
void write_module_body(struct analysis *a, FILE *o);
int write_idl(struct analysis *a, FILE *o, const char *const *files, int nfiles,
              const char *modname);

/* retain.c */
/* Whether a cursor the IDL writer will read lies in tu. */
int unit_in_use(struct analysis *a, CXTranslationUnit tu);

/* report.c */
struct split_timing {
    int parse_errors;
    double seconds, parse_seconds;
    int precompiled_headers;
};
void report_json(struct analysis *a, FILE *r, const char *modname, const struct split_timing *t);
void report_text(struct analysis *a, FILE *r, const struct split_timing *t);

#endif

/*
 * cordon-split - derives a driver's IDL from its C source (libclang).
 *
 *   cordon-split [--json] [-o FILE.idl] [--module NAME] DRIVER.c... -- CLANG FLAGS
 *
 * What it finds, per translation unit (a file is "driver" if it is one of the
 * files named on the command line; everything else is "kernel"):
 *   drv_to_kernel  functions the driver calls that the kernel defines
 *                  (static inline functions of kernel headers run locally and
 *                  are not boundary functions)
 *   kernel_to_drv  driver functions the kernel can reach: named in an
 *                  initializer of a global (ops tables, module_init/exit) or
 *                  passed as an argument to a kernel function
 *   structs        every field of a kernel struct the driver reads or writes,
 *                  with the function and file:line of each access
 *   locks          lock, atomic and RCU calls in the driver
 *   warnings       what a person must decide (pointers without a bound,
 *                  void *, unknown types)
 * and writes an IDL in cordon's language (docs/idl.md) that cordon-idlc
 * accepts, with the provenance in comments. The analysis is a starting point:
 * directions are left at their default ([in, out]) and bounds must be checked.
 */
#define _GNU_SOURCE
#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>
#include <limits.h>
#include <pthread.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pch.h"

#define MAXN 4096

struct name_set {
    char *v[MAXN];
    char *note[MAXN];
    CXCursor decl[MAXN];              /* a declaration, for signatures */
    unsigned char module_entry[MAXN]; /* kernel_to_drv: module_init/exit */
    int n;
};

static int set_find(const struct name_set *s, const char *x)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return i;
    return -1;
}

static int set_add(struct name_set *s, const char *x, const char *note, CXCursor decl)
{
    int i = set_find(s, x);
    if (i >= 0 || s->n == MAXN)
        return i;
    s->v[s->n] = strdup(x);
    s->note[s->n] = note ? strdup(note) : NULL;
    s->decl[s->n] = decl;
    return s->n++;
}

struct access {
    char *strct, *field, *where;
    int written;
    CXCursor field_decl;
};

static struct access acc[16 * MAXN];
static int nacc;
static struct name_set enums;
static struct name_set driver_defs, drv_to_kernel, kernel_to_drv, locks, warnings, structs;
static int ndriver_files;
static char current_fn[256];

static const char *const local_lib[] = {
    "kmalloc", "kzalloc", "kfree", "memcpy", "memset", "memmove", "memcmp", "strlen", "strcmp",
    "strncmp", "strcpy", "strncpy", "strlcpy", "strscpy", "snprintf", "sprintf", "sscanf", "printk",
    "_printk", "vsnprintf", "kstrdup", "kcalloc", "kmalloc_array", "krealloc", "vfree", "vmalloc",
    "vzalloc", "kvfree", "kvmalloc", "kvzalloc", "__kmalloc", "kmem_cache_alloc", "kmem_cache_free",
    "might_sleep", "__might_sleep", "__warn_printk", "warn_slowpath_fmt", "dump_stack",
    /* per-CPU memory is the domain's own, like its heap */
    "__alloc_percpu", "__alloc_percpu_gfp", "free_percpu", "kmalloc_node", "kzalloc_node",
    "kcalloc_node", "kmalloc_array_node", "__kmalloc_node", "kmalloc_trace", "kmalloc_node_trace",
    "kmalloc_large", "kmalloc_large_node", "strchr", "strrchr", "strstr", "kstrndup", "kmemdup",
    "bitmap_zalloc", "bitmap_free", "kstrtoint", "kstrtouint", "kstrtobool", "kstrtoull",
    "kstrtoll", "kstrtoul", "kstrtol", "kstrtou8", "kstrtou16", "kstrtos32",
    /* cordon's domain library (kernel/drvlib/) */
    "cdn_blk_media", NULL};

/* Declared, never defined: the kernel's compile-time checks (a call to one
 * is a build error in a real build), not functions. Also the hardening and
 * debugging hooks that header inlines call on a failed check (FORTIFY_SOURCE,
 * list and refcount debugging): a domain reports those itself. */
static int is_compile_time_check(const char *n)
{
    return strncmp(n, "__compiletime_assert", 20) == 0 || strncmp(n, "__bad_", 6) == 0 ||
           strstr(n, "_wrong_size") != NULL || strcmp(n, "__get_user_bad") == 0 ||
           strcmp(n, "__put_user_bad") == 0 || strstr(n, "_overflow") != NULL ||
           strcmp(n, "fortify_panic") == 0 || strncmp(n, "__real_", 7) == 0 ||
           strcmp(n, "__check_object_size") == 0 || strncmp(n, "__list_", 7) == 0 ||
           strcmp(n, "refcount_warn_saturate") == 0;
}

/* Extra local functions from --local. */
static struct name_set user_local;

/* The driver prints (printk and friends run in the domain, which hands each
 * line to the host): the IDL then needs the domain library's own rpc. */
static int uses_log;
/* The driver uses the device memory of a disk (cdn_blk_media, which the
 * domain library implements over an rpc). */
static int uses_media;
static CXCursor media_disk_decl; /* struct gendisk, from its first argument */

/* A kernel function that frees the object its first struct argument points
 * to (kfree_skb, consume_skb, free_netdev, put_disk, ...): afterwards both
 * sides must drop the object, so the argument is [dealloc(callee)]. Decided
 * by name, as a person would at first sight; each use is a warning. */
static int is_freeing_fn(const char *n)
{
    size_t l = strlen(n);
    return strstr(n, "free") != NULL || strncmp(n, "consume_", 8) == 0 ||
           strstr(n, "_end_request") != NULL || strncmp(n, "put_", 4) == 0 ||
           (l > 8 && strcmp(n + l - 8, "_destroy") == 0) ||
           (l > 8 && strcmp(n + l - 8, "_release") == 0);
}

static int is_lock_name(const char *n);

/* Functions the domain implements itself: memory, strings, printing and the
 * synchronisation primitives (a lock is reported in "locks" and its cost is
 * the domain's; it is not a call into the kernel). */
static int is_local_lib(const char *n)
{
    for (int i = 0; local_lib[i]; i++)
        if (strcmp(local_lib[i], n) == 0)
            return 1;
    /* bitmap searches are pure library code */
    if (strncmp(n, "_find_", 6) == 0 || strncmp(n, "find_next_", 10) == 0 ||
        strncmp(n, "find_first_", 11) == 0)
        return 1;
    return is_lock_name(n) || set_find(&user_local, n) >= 0;
}

static int is_lock_name(const char *n)
{
    return strncmp(n, "spin_", 5) == 0 || strncmp(n, "_raw_spin", 9) == 0 ||
           strncmp(n, "mutex_", 6) == 0 || strncmp(n, "atomic", 6) == 0 ||
           strncmp(n, "rcu_", 4) == 0 || strncmp(n, "synchronize_rcu", 15) == 0 ||
           strncmp(n, "read_lock", 9) == 0 || strncmp(n, "write_lock", 10) == 0 ||
           strncmp(n, "down_", 5) == 0 || strncmp(n, "up_", 3) == 0 ||
           strncmp(n, "local_bh", 8) == 0 || strncmp(n, "u64_stats", 9) == 0;
}

/* The file a cursor's *expansion* location is in (macro-generated code is
 * attributed to the file that used the macro). */
static const char *cursor_file(CXCursor c, unsigned *line, char *buf, size_t n)
{
    CXSourceLocation loc = clang_getCursorLocation(c);
    CXFile f;
    unsigned col, off;
    clang_getExpansionLocation(loc, &f, line, &col, &off);
    CXString s = clang_getFileName(f);
    const char *cs = clang_getCString(s);
    snprintf(buf, n, "%s", cs ? cs : "");
    clang_disposeString(s);
    return buf;
}

/* The boundary: a file is the driver's if it is one of the files named on
 * the command line or sits in the directory of one (a driver's private
 * headers, like null_blk.h); every other file is the kernel's. */
static char *driver_dirs[64];

/* in_driver is asked for every declaration of every header: the answer
 * per file is cached (CXFile handles are stable within a translation unit,
 * and the cache is cleared between units). */
static struct {
    CXFile file;
    int driver;
} file_cache[512];
static int nfile_cache;

static int in_driver_file(const char *f);

static int in_driver(CXCursor c)
{
    CXFile file;
    unsigned line, col, off;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &col, &off);
    for (int i = 0; i < nfile_cache; i++)
        if (file_cache[i].file == file)
            return file_cache[i].driver;
    CXString s = clang_getFileName(file);
    const char *cs = clang_getCString(s);
    int d = cs ? in_driver_file(cs) : 0;
    clang_disposeString(s);
    if (nfile_cache < (int)(sizeof file_cache / sizeof file_cache[0]))
        file_cache[nfile_cache++] = (typeof(file_cache[0])){file, d};
    return d;
}

/* The directory relative file names of the unit being analysed are
 * relative to (its compile_commands.json entry's), or NULL: the cwd. */
static const char *unit_dir;

static int in_driver_file(const char *f)
{
    char real[PATH_MAX], joined[PATH_MAX];
    if (f[0] && f[0] != '/' && unit_dir) {
        snprintf(joined, sizeof joined, "%s/%s", unit_dir, f);
        f = joined;
    }
    if (!f[0] || !realpath(f, real))
        return 0;
    char *slash = strrchr(real, '/');
    if (!slash)
        return 0;
    *slash = 0;
    for (int i = 0; i < ndriver_files; i++)
        if (driver_dirs[i] && strcmp(real, driver_dirs[i]) == 0)
            return 1;
    return 0;
}

static void where(CXCursor c, char *buf, size_t n)
{
    char f[4096];
    unsigned line;
    cursor_file(c, &line, f, sizeof f);
    const char *base = strrchr(f, '/');
    snprintf(buf, n, "%s %s:%u", current_fn, base ? base + 1 : f, line);
}

static char *spell(CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    char *r = strdup(clang_getCString(s) ? clang_getCString(s) : "");
    clang_disposeString(s);
    return r;
}

static void warn(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    set_add(&warnings, buf, NULL, clang_getNullCursor());
}

static int is_record(CXCursor c)
{
    return clang_getCursorKind(c) == CXCursor_StructDecl ||
           clang_getCursorKind(c) == CXCursor_UnionDecl;
}

/* libclang 19 spells an anonymous record "struct (anonymous at FILE:L:C)". */
static int is_anonymous(CXCursor rec)
{
    if (clang_Cursor_isAnonymous(rec) || clang_Cursor_isAnonymousRecordDecl(rec))
        return 1;
    char *n = spell(rec);
    int anon = !*n || strstr(n, "(anonymous") || strstr(n, "(unnamed");
    free(n);
    return anon;
}

/* The named struct a field belongs to, or NULL. A field of an anonymous
 * struct or union inside a named one belongs to the named one, as C says. */
static char *field_struct(CXCursor field)
{
    CXCursor p = clang_getCursorSemanticParent(field);
    while (is_record(p) && is_anonymous(p))
        p = clang_getCursorSemanticParent(p);
    if (!is_record(p))
        return NULL;
    return spell(p);
}

static void record_access(CXCursor member, int written)
{
    CXCursor field = clang_getCursorReferenced(member);
    if (clang_getCursorKind(field) != CXCursor_FieldDecl || in_driver(field))
        return; /* driver-private structs do not cross */
    char *st = field_struct(field);
    if (!st)
        return;
    char w[512];
    where(member, w, sizeof w);
    /* An array field used as a value decays to a pointer that may be written
     * through (snprintf(disk->disk_name, ...)): count it written too. */
    if (!written &&
        clang_getCanonicalType(clang_getCursorType(field)).kind == CXType_ConstantArray &&
        nacc < (int)(sizeof acc / sizeof acc[0]))
        acc[nacc++] = (struct access){strdup(st), spell(field), strdup(w), 1, field};
    if (nacc < (int)(sizeof acc / sizeof acc[0])) {
        acc[nacc] = (struct access){st, spell(field), strdup(w), written, field};
        nacc++;
    }
    CXCursor rec = clang_getCursorSemanticParent(field);
    while (is_record(rec) && is_anonymous(rec))
        rec = clang_getCursorSemanticParent(rec);
    set_add(&structs, st, NULL, rec);
}

/* Records a driver function the kernel can reach through ref. A module
 * entry point (module_init/exit) becomes an "export rpc"; any other is
 * reached through a pointer and becomes an rpc_ptr. */
static void note_function_ref(CXCursor ref, const char *how, int module_entry)
{
    CXCursor fn = clang_getCursorReferenced(ref);
    if (clang_getCursorKind(fn) != CXCursor_FunctionDecl)
        return;
    CXCursor def = clang_getCursorDefinition(fn);
    if (clang_Cursor_isNull(def) || !in_driver(def))
        return;
    char *n = spell(fn);
    char w[512];
    where(ref, w, sizeof w);
    char note[700];
    snprintf(note, sizeof note, "%s (%s)", how, w);
    int i = set_add(&kernel_to_drv, n, note, def);
    if (i >= 0 && module_entry)
        kernel_to_drv.module_entry[i] = 1;
    free(n);
}

/* Inside a call to a kernel function: function names among the arguments are
 * callbacks the kernel can call. */
static enum CXChildVisitResult callback_args(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    (void)d;
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr)
        note_function_ref(c, "passed to the kernel", 0);
    return CXChildVisit_Recurse;
}

static enum CXChildVisitResult body_visit(CXCursor c, CXCursor parent, CXClientData d);

/* Lock, atomic and RCU calls whose operand is a field of a kernel struct
 * (spin_lock(&dev->lock), atomic_inc(&skb->users)): synchronisation on
 * shared state, which an isolated driver cannot do on its own copy. */
static struct name_set shared_syncs;

/* Inline kernel functions already followed in this translation unit: an
 * open-addressing table of their definitions (ixgbe's units reach
 * thousands, so a list would be slow). */
#define INLINE_SLOTS 32768
static CXCursor inline_seen[INLINE_SLOTS];
static unsigned char inline_used[INLINE_SLOTS];
static int ninline_seen;

/* Marks def as followed; returns 0 if it already was (or the table is
 * full, which stops following rather than loop). */
static int inline_first_visit(CXCursor def)
{
    if (ninline_seen >= INLINE_SLOTS / 2)
        return 0;
    unsigned h = clang_hashCursor(def) & (INLINE_SLOTS - 1);
    while (inline_used[h]) {
        if (clang_equalCursors(inline_seen[h], def))
            return 0;
        h = (h + 1) & (INLINE_SLOTS - 1);
    }
    inline_used[h] = 1;
    inline_seen[h] = def;
    ninline_seen++;
    return 1;
}

struct lock_call {
    const char *call, *where;
};

static enum CXChildVisitResult lock_operand(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct lock_call *lc = d;
    if (clang_getCursorKind(c) != CXCursor_MemberRefExpr)
        return CXChildVisit_Recurse;
    CXCursor field = clang_getCursorReferenced(c);
    if (clang_getCursorKind(field) != CXCursor_FieldDecl || in_driver(field))
        return CXChildVisit_Recurse;
    char *st = field_struct(field);
    if (st) {
        char *fn = spell(field);
        char entry[700];
        snprintf(entry, sizeof entry, "%s %s.%s (%s)", lc->call, st, fn, lc->where);
        set_add(&shared_syncs, entry, NULL, clang_getNullCursor());
        free(fn);
        free(st);
    }
    return CXChildVisit_Continue; /* the outermost field is the one synchronised on */
}

/* Children of an assignment or ++/--: the first (the target) is written
 * (its own base expressions are only read), the rest are visited as usual. */
static CXCursor strip_implicit(CXCursor c);
static enum CXChildVisitResult first_expr(CXCursor c, CXCursor parent, CXClientData d);

/* The member access directly under c (c's operand or base), through
 * implicit conversions and parentheses, or a null cursor. */
static CXCursor member_under(CXCursor c)
{
    CXCursor k = clang_getNullCursor();
    clang_visitChildren(c, first_expr, &k);
    if (clang_Cursor_isNull(k))
        return k;
    k = strip_implicit(k);
    return clang_getCursorKind(k) == CXCursor_MemberRefExpr ? k : clang_getNullCursor();
}

/* Writing a.s.f writes the embedded struct a.s too (but not what a pointer
 * in the chain points to): the base members of a written member count as
 * written while they are struct values, not pointers. */
static void mark_embedded_bases(CXCursor member)
{
    for (CXCursor b = member_under(member);
         !clang_Cursor_isNull(b) &&
         clang_getCanonicalType(clang_getCursorType(b)).kind == CXType_Record;
         b = member_under(b))
        record_access(b, 1);
}

static enum CXChildVisitResult assigned_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    int *index = d;
    if ((*index)++ == 0 && clang_getCursorKind(c) == CXCursor_MemberRefExpr) {
        record_access(c, 1);
        mark_embedded_bases(c);
        clang_visitChildren(c, body_visit, NULL);
        return CXChildVisit_Continue;
    }
    return body_visit(c, parent, NULL) == CXChildVisit_Recurse
               ? (clang_visitChildren(c, body_visit, NULL), CXChildVisit_Continue)
               : CXChildVisit_Continue;
}

/* Where the direct calls of the current function are: a function name at
 * one of these places is called, anywhere else its address is taken. */
static CXSourceLocation call_sites[4096];
static int ncall_sites;

static int is_call_site(CXCursor ref)
{
    CXSourceLocation l = clang_getCursorLocation(ref);
    for (int i = 0; i < ncall_sites; i++)
        if (clang_equalLocations(l, call_sites[i]))
            return 1;
    return 0;
}

/*
 * void * fields that carry the driver's own pointers (queuedata,
 * driver_data, private_data): the driver stores a pointer to one of its own
 * structs there, or loads one from there. Such a field is a cookie the
 * kernel keeps for the driver and never looks through; in cordon it stays in
 * the domain's shadow of the object and is left out of the projection.
 */
static struct name_set cookies; /* "struct.field" */

struct kid_list {
    CXCursor *k;
    int n;
};
static enum CXChildVisitResult last_kid(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    *(CXCursor *)d = c;
    return CXChildVisit_Continue;
}

static enum CXChildVisitResult two_kids(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct kid_list *t = d;
    t->k[t->n++] = c;
    return t->n < 2 ? CXChildVisit_Continue : CXChildVisit_Break;
}

static enum CXChildVisitResult first_expr(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    *(CXCursor *)d = c;
    return CXChildVisit_Break;
}

/* Looks through implicit conversions and parentheses. */
static CXCursor strip_implicit(CXCursor c)
{
    while (clang_getCursorKind(c) == CXCursor_UnexposedExpr ||
           clang_getCursorKind(c) == CXCursor_ParenExpr ||
           clang_getCursorKind(c) == CXCursor_CStyleCastExpr) {
        /* the operand is the last child (a cast's type reference comes first) */
        CXCursor in = clang_getNullCursor();
        clang_visitChildren(c, last_kid, &in);
        if (clang_Cursor_isNull(in))
            break;
        c = in;
    }
    return c;
}

/* void * fields converted to or from pointers to one kernel struct: the
 * struct is what the field really points to. "struct.field" -> the struct
 * (note "*" when the driver uses two or more). */
static struct name_set void_casts;

static CXCursor struct_ptr_decl(CXType t)
{
    CXType can = clang_getCanonicalType(t);
    if (can.kind != CXType_Pointer)
        return clang_getNullCursor();
    CXCursor decl = clang_getTypeDeclaration(clang_getCanonicalType(clang_getPointeeType(can)));
    return is_record(decl) ? decl : clang_getNullCursor();
}

/* If m (through implicit conversions) accesses a pointer field of a kernel
 * struct, writes "struct.field" to key and returns what the field points to;
 * else a type of kind CXType_Invalid. */
static CXType kernel_ptr_field(CXCursor m, char *key, size_t cap)
{
    CXType none = {0};
    none.kind = CXType_Invalid;
    m = strip_implicit(m);
    if (clang_getCursorKind(m) != CXCursor_MemberRefExpr)
        return none;
    CXCursor field = clang_getCursorReferenced(m);
    CXType ft = clang_getCanonicalType(clang_getCursorType(field));
    if (clang_getCursorKind(field) != CXCursor_FieldDecl || in_driver(field) ||
        ft.kind != CXType_Pointer)
        return none;
    char *st = field_struct(field), *fn = spell(field);
    int ok = st != NULL;
    if (ok)
        snprintf(key, cap, "%s.%s", st, fn);
    free(st);
    free(fn);
    return ok ? clang_getCanonicalType(clang_getPointeeType(ft)) : none;
}

/* If m is an access to a void * field of a kernel struct, records what the
 * driver converts it to or from (rec, a struct definition): one of its own
 * structs makes it a cookie, a kernel struct a candidate cast target. */
static void note_void_use(CXCursor m, CXCursor rec)
{
    char key[300];
    if (clang_Cursor_isNull(rec) || kernel_ptr_field(m, key, sizeof key).kind != CXType_Void)
        return;
    if (in_driver(rec)) {
        set_add(&cookies, key, NULL, clang_getNullCursor());
        return;
    }
    char *target = spell(rec);
    int i = set_find(&void_casts, key);
    if (i < 0)
        set_add(&void_casts, key, target, rec);
    else if (strcmp(void_casts.note[i], target) != 0) {
        free(void_casts.note[i]);
        void_casts.note[i] = strdup("*");
    }
    free(target);
}

static const char *scalar_of(CXType t);

/* Pointer fields the driver walks until a zero element (p->ids[i] != 0 or
 * while (p->ids[i])): sentinel-terminated arrays. "struct.field". */
static struct name_set sentinels;

/* e is p->f[i] (through implicit conversions) with f a pointer to a
 * scalar field of a kernel struct: records f. */
static void note_sentinel(CXCursor e)
{
    e = strip_implicit(e);
    if (clang_getCursorKind(e) != CXCursor_ArraySubscriptExpr)
        return;
    char key[300];
    CXType pointee = kernel_ptr_field(member_under(e), key, sizeof key);
    if (pointee.kind != CXType_Invalid && scalar_of(pointee))
        set_add(&sentinels, key, NULL, clang_getNullCursor());
}

static enum CXChildVisitResult is_zero_literal(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    c = strip_implicit(c);
    if (clang_getCursorKind(c) == CXCursor_IntegerLiteral) {
        CXEvalResult r = clang_Cursor_Evaluate(c);
        if (r) {
            if (clang_EvalResult_getKind(r) == CXEval_Int && clang_EvalResult_getAsInt(r) == 0)
                *(int *)d = 1;
            clang_EvalResult_dispose(r);
        }
    }
    return CXChildVisit_Continue;
}

static void find_sentinels(CXCursor c, enum CXCursorKind k)
{
    if (k == CXCursor_WhileStmt) {
        CXCursor cond = clang_getNullCursor();
        clang_visitChildren(c, first_expr, &cond);
        note_sentinel(cond);
    } else if (k == CXCursor_BinaryOperator) {
        enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
        if (op != CXBinaryOperator_EQ && op != CXBinaryOperator_NE)
            return;
        CXCursor kids[2] = {clang_getNullCursor(), clang_getNullCursor()};
        struct kid_list t = {kids, 0};
        clang_visitChildren(c, two_kids, &t);
        int zero = 0;
        clang_visitChildren(c, is_zero_literal, &zero);
        if (zero) {
            note_sentinel(kids[0]);
            note_sentinel(kids[1]);
        }
    }
}

/* struct mine *p = x->cookie;   x->cookie = p;   (struct mine *)x->cookie */
static void find_cookies(CXCursor c, enum CXCursorKind k)
{
    if (k == CXCursor_VarDecl) {
        CXCursor rec = struct_ptr_decl(clang_getCursorType(c));
        if (clang_Cursor_isNull(rec))
            return;
        /* the initialiser is the declaration's last child (type references
         * come first) */
        CXCursor last = clang_getNullCursor();
        clang_visitChildren(c, last_kid, &last);
        if (!clang_Cursor_isNull(last))
            note_void_use(last, rec);
    } else if (k == CXCursor_CStyleCastExpr) {
        CXCursor rec = struct_ptr_decl(clang_getCursorType(c));
        CXCursor in = clang_getNullCursor();
        clang_visitChildren(c, last_kid, &in);
        if (!clang_Cursor_isNull(in))
            note_void_use(in, rec);
    } else if (k == CXCursor_BinaryOperator &&
               clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
        CXCursor kids[2] = {clang_getNullCursor(), clang_getNullCursor()};
        struct kid_list t = {kids, 0};
        clang_visitChildren(c, two_kids, &t);
        if (!clang_Cursor_isNull(kids[1]))
            note_void_use(kids[0], struct_ptr_decl(clang_getCursorType(strip_implicit(kids[1]))));
    }
}

/*
 * Arguments that point into the driver's own memory (&nb->tag_set,
 * &my_global): the driver made that object, so the call may introduce it
 * to the kernel, and the IDL must say so ([alloc(caller)]: the host makes
 * its shadow). Kept as "function#index".
 */
static struct name_set driver_owned_args;

static void note_driver_owned_args(CXCursor call, const char *fname)
{
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++) {
        CXCursor a = strip_implicit(clang_Cursor_getArgument(call, (unsigned)i));
        if (clang_getCursorKind(a) != CXCursor_UnaryOperator ||
            clang_getCursorUnaryOperatorKind(a) != CXUnaryOperator_AddrOf)
            continue;
        CXCursor operand = clang_getNullCursor();
        clang_visitChildren(a, first_expr, &operand);
        operand = strip_implicit(operand);
        CXCursor ref = clang_getCursorReferenced(operand);
        /* a field of one of the driver's structs, or one of its variables */
        if (!clang_Cursor_isNull(ref) && in_driver(ref) &&
            (clang_getCursorKind(ref) == CXCursor_FieldDecl ||
             clang_getCursorKind(ref) == CXCursor_VarDecl)) {
            char key[300];
            snprintf(key, sizeof key, "%s#%d", fname, i);
            set_add(&driver_owned_args, key, NULL, clang_getNullCursor());
        }
    }
}

static enum CXChildVisitResult body_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    enum CXCursorKind k = clang_getCursorKind(c);
    find_cookies(c, k);
    find_sentinels(c, k);
    if (k == CXCursor_DeclRefExpr && !is_call_site(c)) {
        /* a driver function whose address escapes can be called by anyone
         * holding it; Linux's module_init/module_exit take it in
         * __inittest/__exittest */
        int init = strcmp(current_fn, "__inittest") == 0;
        int exit = strcmp(current_fn, "__exittest") == 0;
        note_function_ref(c,
                          init   ? "module_init"
                          : exit ? "module_exit"
                                 : "address taken",
                          init || exit);
        return CXChildVisit_Recurse;
    }
    if (k == CXCursor_BinaryOperator || k == CXCursor_CompoundAssignOperator) {
        enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
        if (op == CXBinaryOperator_Assign || k == CXCursor_CompoundAssignOperator) {
            int index = 0;
            clang_visitChildren(c, assigned_visit, &index);
            return CXChildVisit_Continue;
        }
    } else if (k == CXCursor_UnaryOperator) {
        enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
        if (op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec ||
            op == CXUnaryOperator_PreInc || op == CXUnaryOperator_PreDec) {
            int index = 0;
            clang_visitChildren(c, assigned_visit, &index);
            return CXChildVisit_Continue;
        }
        if (op == CXUnaryOperator_AddrOf) {
            /* &a->f handed on (dev_lstats_read(dev, &stats->tx_packets, ...))
             * may be read or written through: both */
            /* &a->f handed on: the operand's member is read as well (the
             * traversal that recorded it as written visited all under it) */
            int index = 0;
            clang_visitChildren(c, assigned_visit, &index);
            CXCursor m = member_under(c);
            if (!clang_Cursor_isNull(m))
                record_access(m, 0);
            return CXChildVisit_Continue;
        }
    } else if (k == CXCursor_MemberRefExpr) {
        record_access(c, 0);
    } else if (k == CXCursor_CallExpr) {
        if (ncall_sites < (int)(sizeof call_sites / sizeof call_sites[0]))
            call_sites[ncall_sites++] = clang_getCursorLocation(c);
        CXCursor callee = clang_getCursorReferenced(c);
        if (clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
            char *n = spell(callee);
            CXCursor def = clang_getCursorDefinition(callee);
            int defined_here = !clang_Cursor_isNull(def) && in_driver(def);
            int inline_in_header = !clang_Cursor_isNull(def) && !defined_here;
            char w[512];
            where(c, w, sizeof w);
            if (is_local_lib(n) && strstr(n, "printk"))
                uses_log = 1;
            if (strcmp(n, "cdn_blk_media") == 0 && clang_Cursor_getNumArguments(callee) > 0) {
                CXType at = clang_getCursorType(clang_Cursor_getArgument(callee, 0));
                media_disk_decl = clang_getTypeDeclaration(
                    clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(at))));
                uses_media = 1;
            }
            if (is_lock_name(n)) {
                set_add(&locks, n, w, callee);
                struct lock_call lc = {n, w};
                clang_visitChildren(c, lock_operand, &lc);
            }
            if (!defined_here && !inline_in_header && !is_local_lib(n) &&
                !is_compile_time_check(n) && strncmp(n, "__builtin", 9) != 0) {
                set_add(&drv_to_kernel, n, w, callee);
                clang_visitChildren(c, callback_args, NULL);
                note_driver_owned_args(c, n);
            }
            /* A kernel header's inline function runs in the domain, as part
             * of the driver: its calls into the kernel and its field accesses
             * are the driver's (dev_kfree_skb calls consume_skb). Each is
             * followed once per unit; local and lock functions are not. */
            if (inline_in_header && !is_local_lib(n) && !is_compile_time_check(n) &&
                inline_first_visit(def))
                clang_visitChildren(def, body_visit, NULL);
            free(n);
        }
    }
    (void)d;
    return CXChildVisit_Recurse;
}

/* Global initializers: driver functions named there are entry points. */
static enum CXChildVisitResult init_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    const char *var = d;
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        char how[300];
        snprintf(how, sizeof how, "in the initializer of %s", var);
        /* kernel/include/linux/module.h's module_init/module_exit */
        int entry =
            strcmp(var, "cdn_module_init_fn") == 0 || strcmp(var, "cdn_module_exit_fn") == 0;
        note_function_ref(c, how, entry);
    }
    return CXChildVisit_Recurse;
}

/* Designated initializers of ops tables count as accesses (writes) too. */
static enum CXChildVisitResult ops_init(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    (void)d;
    if (clang_getCursorKind(c) == CXCursor_MemberRef)
        record_access(c, 1);
    return CXChildVisit_Recurse;
}

static enum CXChildVisitResult top_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    (void)d;
    if (!in_driver(c))
        return CXChildVisit_Continue;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_FunctionDecl && clang_isCursorDefinition(c)) {
        char *n = spell(c);
        snprintf(current_fn, sizeof current_fn, "%s", n);
        set_add(&driver_defs, n, NULL, c);
        free(n);
        ncall_sites = 0;
        clang_visitChildren(c, body_visit, NULL);
        current_fn[0] = 0;
    } else if (k == CXCursor_VarDecl) {
        char *n = spell(c);
        snprintf(current_fn, sizeof current_fn, "%s", n);
        clang_visitChildren(c, init_visit, n);
        clang_visitChildren(c, ops_init, NULL); /* designated initialisers write fields */
        current_fn[0] = 0;
        free(n);
    }
    return CXChildVisit_Continue;
}

/* ---- recursion: cordon copies projections, so they cannot be cyclic ---- */

struct edge {
    int from, to;
    char *field;
};
static struct edge edges[8 * MAXN];
static int nedges;
static int collecting_edges; /* pass 1 records, pass 2 consults */

static void note_edge(const char *from, const char *to, const char *field)
{
    if (!collecting_edges || nedges == (int)(sizeof edges / sizeof edges[0]))
        return;
    edges[nedges++] =
        (struct edge){set_find(&structs, from), set_find(&structs, to), strdup(field)};
}

static char cut[8 * MAXN]; /* edges[i] closes a cycle: the field is left out */
static char color[MAXN];

static void dfs(int v)
{
    color[v] = 1;
    for (int i = 0; i < nedges; i++) {
        if (edges[i].from != v || edges[i].to < 0)
            continue;
        if (color[edges[i].to] == 1)
            cut[i] = 1;
        else if (color[edges[i].to] == 0)
            dfs(edges[i].to);
    }
    color[v] = 2;
}

static void find_cycles(void)
{
    memset(color, 0, sizeof color);
    for (int v = 0; v < structs.n; v++)
        if (!color[v])
            dfs(v);
}

static int is_cut(const char *from, const char *field)
{
    int f = set_find(&structs, from);
    for (int i = 0; i < nedges; i++)
        if (cut[i] && edges[i].from == f && strcmp(edges[i].field, field) == 0)
            return 1;
    return 0;
}

/* ---- IDL output ---- */

static const char *idl_ident(const char *n);

/* The IDL name of the projection of struct n: its own name, unless an rpc
 * has it (ptp_clock_event is both a struct and a function in Linux). */
static const char *proj_name(const char *n)
{
    static char ring[8][256];
    static int next;
    if (set_find(&drv_to_kernel, n) < 0 && set_find(&kernel_to_drv, n) < 0)
        return idl_ident(n);
    char *b = ring[next++ % 8];
    snprintf(b, 256, "%s_s", n);
    return b;
}

/* cordon's IDL keywords (src/idl/parser.c) cannot name things. */
static const char *const idl_keywords[] = {
    "include", "module", "rpc",    "export", "rpc_ptr", "projection", "struct", "enum", "void",
    "string",  "array",  "shared", "null",   "u8",      "u16",        "u32",    "u64",  "s8",
    "s16",     "s32",    "s64",    "bool",   "int",     "unsigned",   "long",   "char", NULL};

/* A C name as an IDL identifier: a keyword gets a trailing '_'. The result
 * lives until the eighth call after. */
static const char *idl_ident(const char *n)
{
    static char ring[8][256];
    static int next;
    for (int i = 0; idl_keywords[i]; i++)
        if (strcmp(idl_keywords[i], n) == 0) {
            char *b = ring[next++ % 8];
            snprintf(b, 256, "%s_", n);
            return b;
        }
    return n;
}

static const char *scalar_of(CXType t)
{
    t = clang_getCanonicalType(t);
    switch (t.kind) {
    case CXType_Bool:
        return "bool";
    case CXType_Char_S:
    case CXType_SChar:
        return "s8";
    case CXType_Char_U:
    case CXType_UChar:
        return "u8";
    case CXType_Short:
        return "s16";
    case CXType_UShort:
        return "u16";
    case CXType_Int:
        return "s32";
    case CXType_UInt:
        return "u32";
    case CXType_Long:
    case CXType_LongLong:
        return "s64";
    case CXType_ULong:
    case CXType_ULongLong:
        return "u64";
    default:
        return NULL;
    }
}

static char *type_struct_name(CXType t)
{
    t = clang_getCanonicalType(t);
    if (t.kind != CXType_Record)
        return NULL;
    CXCursor d = clang_getTypeDeclaration(t);
    return is_anonymous(d) ? NULL : spell(d);
}

/* Writes an IDL type for t (a parameter, return or field). Returns 0 if it
 * cannot (and warns). */
static int idl_type(FILE *o, CXType t, const char *what, int field)
{
    const char *sc = scalar_of(t);
    CXType can = clang_getCanonicalType(t);
    if (sc) {
        fprintf(o, "%s", sc);
        return 1;
    }
    if (can.kind == CXType_Enum) {
        CXCursor ed = clang_getTypeDeclaration(can);
        if (is_anonymous(ed)) { /* its values are plain integers */
            fprintf(o, "s32");
            return 1;
        }
        char *en = spell(ed);
        set_add(&enums, en, NULL, ed);
        fprintf(o, "enum %s", idl_ident(en));
        free(en);
        return 1;
    }
    if (can.kind == CXType_Pointer) {
        CXType pt = clang_getCanonicalType(clang_getPointeeType(can));
        if (pt.kind == CXType_Char_S || pt.kind == CXType_Char_U) {
            fprintf(o, "string<255>");
            warn("%s: char * taken as a string of at most 255 characters: check the bound", what);
            return 1;
        }
        char *sn = type_struct_name(pt);
        if (sn) {
            set_add(&structs, sn, NULL, clang_getTypeDeclaration(pt));
            fprintf(o, "projection %s *", proj_name(sn));
            free(sn);
            return 1;
        }
        if (pt.kind == CXType_Void) {
            warn("%s: void * cannot cross; a person must choose a projection or shared buffer",
                 what);
            return 0;
        }
        if (pt.kind == CXType_FunctionProto) {
            warn("%s: function pointer: declared as an rpc_ptr slot", what);
            return 0;
        }
        const char *ps = scalar_of(pt);
        if (ps && field) {
            warn("%s: %s * field has no bound: a person must choose shared<N> or an array", what,
                 ps);
            return 0;
        }
        if (ps) {
            fprintf(o, "%s *", ps);
            return 1;
        }
    }
    if (can.kind == CXType_ConstantArray && field) {
        CXType et = clang_getCanonicalType(clang_getArrayElementType(can));
        long long n = clang_getArraySize(can);
        if (et.kind == CXType_Char_S || et.kind == CXType_Char_U) {
            fprintf(o, "string<%lld>", n > 1 ? n - 1 : 1);
            return 1;
        }
        const char *es = scalar_of(et);
        if (es) {
            fprintf(o, "array<%s, %lld>", es, n);
            return 1;
        }
    }
    char *sn = type_struct_name(can);
    if (sn && field) {
        set_add(&structs, sn, NULL, clang_getTypeDeclaration(can));
        fprintf(o, "projection %s", proj_name(sn));
        free(sn);
        return 1;
    }
    free(sn);
    CXString s = clang_getTypeSpelling(t);
    warn("%s: type '%s' has no IDL form yet", what, clang_getCString(s));
    clang_disposeString(s);
    return 0;
}

static void write_params(FILE *o, CXCursor fn, int in_drv_to_kernel)
{
    int freed_one = 0;
    char okey[300];
    int n = clang_Cursor_getNumArguments(fn);
    if (n <= 0) {
        fprintf(o, "void");
        return;
    }
    char fname[256];
    char *f = spell(fn);
    snprintf(fname, sizeof fname, "%s", f);
    free(f);
    for (int i = 0; i < n; i++) {
        CXCursor a = clang_Cursor_getArgument(fn, (unsigned)i);
        char *an = spell(a);
        char what[512];
        snprintf(what, sizeof what, "%s(%s)", fname, an);
        if (i)
            fprintf(o, ", ");
        CXType at = clang_getCursorType(a);
        CXType pt = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(at)));
        char *sn = clang_getCanonicalType(at).kind == CXType_Pointer ? type_struct_name(pt) : NULL;
        if (clang_getCanonicalType(at).kind == CXType_Pointer && pt.kind == CXType_FunctionProto) {
            fprintf(o, "rpc_ptr %s_%s %s", fname, *an ? an : "cb", *an ? idl_ident(an) : "cb");
        } else if (sn && in_drv_to_kernel && !is_freeing_fn(fname) &&
                   set_find(&driver_owned_args,
                            (snprintf(okey, sizeof okey, "%s#%d", fname, i), okey)) >= 0) {
            set_add(&structs, sn, NULL, clang_getTypeDeclaration(pt));
            fprintf(o, "projection %s [alloc(caller)] * %s", proj_name(sn),
                    *an ? idl_ident(an) : "arg");
            warn("%s: the driver passes its own object: [alloc(caller)]; check", what);
        } else if (sn && !freed_one && in_drv_to_kernel && is_freeing_fn(fname)) {
            set_add(&structs, sn, NULL, clang_getTypeDeclaration(pt));
            fprintf(o, "projection %s [dealloc(callee)] * %s", proj_name(sn),
                    *an ? idl_ident(an) : "arg");
            warn("%s: taken as freeing its argument (by the function's name): "
                 "[dealloc(callee)]; check",
                 what);
            freed_one = 1;
        } else {
            if (!idl_type(o, at, what, 0))
                fprintf(o, "u64 /* FIXME */");
            if (*an)
                fprintf(o, " %s", idl_ident(an));
            else
                fprintf(o, " arg%d", i);
        }
        free(sn);
        free(an);
    }
}

/* "rpc_ptr RET PREFIX_NAME(ARGS);" for a function prototype type. A type
 * with no IDL form is written as a FIXME (and warned about by idl_type). */
static void write_rpc_ptr(FILE *o, CXType proto, const char *prefix, const char *name,
                          const char *what)
{
    fprintf(o, "    rpc_ptr ");
    CXType rt = clang_getResultType(proto);
    if (clang_getCanonicalType(rt).kind == CXType_Void)
        fprintf(o, "void");
    else if (!idl_type(o, rt, what, 0))
        fprintf(o, "s32 /* FIXME */");
    fprintf(o, " %s_%s(", prefix, name);
    int na = clang_getNumArgTypes(proto);
    if (na <= 0)
        fprintf(o, "void");
    for (int j = 0; j < na; j++) {
        fprintf(o, "%s", j ? ", " : "");
        if (!idl_type(o, clang_getArgType(proto, (unsigned)j), what, 0))
            fprintf(o, "u64 /* FIXME */");
        fprintf(o, " a%d", j);
    }
    fprintf(o, ");\n");
}

/* A function-pointer argument needs an rpc_ptr declaration: derive it. */
static void write_fnptr_decls(FILE *o, CXCursor fn)
{
    int n = clang_Cursor_getNumArguments(fn);
    char *fname = spell(fn);
    for (int i = 0; i < n; i++) {
        CXCursor a = clang_Cursor_getArgument(fn, (unsigned)i);
        CXType pt = clang_getCanonicalType(
            clang_getPointeeType(clang_getCanonicalType(clang_getCursorType(a))));
        if (pt.kind != CXType_FunctionProto)
            continue;
        char *an = spell(a);
        char what[300];
        snprintf(what, sizeof what, "%s(%s)", fname, an);
        write_rpc_ptr(o, pt, fname, *an ? an : "cb", what);
        free(an);
    }
    free(fname);
}

static int enum_count;

static enum CXChildVisitResult enum_const(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_EnumConstantDecl)
        return CXChildVisit_Continue;
    FILE *o = d;
    char *n = spell(c);
    fprintf(o, "%s%s = %lld", enum_count++ ? ", " : "", n, clang_getEnumConstantDeclValue(c));
    free(n);
    return CXChildVisit_Continue;
}

static void write_enum(FILE *o, const char *name, CXCursor decl)
{
    enum_count = 0;
    fprintf(o, "    enum %s { ", idl_ident(name));
    clang_visitChildren(decl, enum_const, o);
    fprintf(o, " }\n");
}

static void write_ret(FILE *o, CXCursor fn, const char *what)
{
    CXType rt = clang_getCursorResultType(fn);
    CXType rpt = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(rt)));
    if (clang_getCanonicalType(rt).kind == CXType_Pointer &&
        (rpt.kind == CXType_Char_S || rpt.kind == CXType_Char_U)) {
        warn("%s: returns char *: a string cannot come back as a result; return it through a "
             "projection",
             what);
        fprintf(o, "u64 /* FIXME: char * */");
    } else if (clang_getCanonicalType(rt).kind == CXType_Void)
        fprintf(o, "void");
    else if (!idl_type(o, rt, what, 0))
        fprintf(o, "s64 /* FIXME */");
}

struct field_visit {
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
static const char *length_sibling(const char *sname)
{
    static const char *const names[] = {"len",   "length",   "size", "nr_bytes",
                                        "bytes", "data_len", NULL};
    for (int k = 0; names[k]; k++)
        for (int i = 0; i < nacc; i++)
            if (strcmp(acc[i].strct, sname) == 0 && strcmp(acc[i].field, names[k]) == 0)
                return names[k];
    return NULL;
}

static enum CXChildVisitResult field_out(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct field_visit *fv = d;
    if (!is_member_field(c, field_out, d))
        return CXChildVisit_Continue;
    char *fn = spell(c);
    int r = 0, w = 0;
    char prov[300] = "";
    for (int i = 0; i < nacc; i++)
        if (strcmp(acc[i].strct, fv->sname) == 0 && strcmp(acc[i].field, fn) == 0) {
            if (acc[i].written)
                w = 1;
            else
                r = 1;
            if (!prov[0])
                snprintf(prov, sizeof prov, "%s", acc[i].where);
        }
    char ckey[300];
    snprintf(ckey, sizeof ckey, "%s.%s", fv->sname, fn);
    if ((r || w) && set_find(&cookies, ckey) >= 0) {
        fprintf(fv->o,
                "        // %s: the driver's own pointer (it stores and loads its own struct "
                "there): stays in the domain // %s%s%s: %s\n",
                fn, r ? "read" : "", r && w ? ", " : "", w ? "written" : "", prov);
    } else if ((r || w) && set_find(&void_casts, ckey) >= 0 &&
               strcmp(void_casts.note[set_find(&void_casts, ckey)], "*") != 0) {
        int vi = set_find(&void_casts, ckey);
        const char *target = void_casts.note[vi];
        set_add(&structs, target, NULL, void_casts.decl[vi]);
        note_edge(fv->sname, target, fn);
        fprintf(fv->o,
                "        projection %s%s *%s; // void *, only ever a struct %s: %s%s%s: %s\n",
                proj_name(target),
                r && !w   ? " [read_only]"
                : w && !r ? " [write_only]"
                          : "",
                fn, target, r ? "read" : "", r && w ? ", " : "", w ? "written" : "", prov);
        warn("%s: void * taken as struct %s * (the only struct the driver converts it to or "
             "from); check",
             ckey, target);
    } else if ((r || w) && strcmp(idl_ident(fn), fn) != 0) {
        warn("%s.%s: the field's name is an IDL keyword; it cannot be projected", fv->sname, fn);
        fprintf(fv->o, "        // %s: name is an IDL keyword\n", fn);
    } else if (r || w) {
        CXType ft = clang_getCursorType(c);
        CXType pt = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(ft)));
        char what[300];
        snprintf(what, sizeof what, "%s.%s", fv->sname, fn);
        /* function-pointer fields are ops slots */
        if (clang_getCanonicalType(ft).kind == CXType_Pointer && pt.kind == CXType_FunctionProto) {
            fprintf(fv->o, "        rpc_ptr %s_%s %s;", fv->sname, fn, fn);
        } else {
            char *sn = type_struct_name(pt);
            int ops_ptr = sn && clang_getCanonicalType(ft).kind == CXType_Pointer;
            char *embedded = ops_ptr ? NULL : type_struct_name(ft);
            fprintf(fv->o, "        ");
            if (ops_ptr && !collecting_edges && is_cut(fv->sname, fn)) {
                warn("%s.%s: points back to a projection that contains it; cordon copies "
                     "projections, so the analysis leaves it out: pass it separately",
                     fv->sname, fn);
                fprintf(fv->o, "// %s: %s * would make the projection recursive;", fn, sn);
            } else if (!sn && clang_getCanonicalType(ft).kind == CXType_Pointer && scalar_of(pt) &&
                       set_find(&sentinels, ckey) >= 0) {
                /* walked until a zero element: a null-terminated array. A
                 * projection copies fields by value and array<> is an
                 * embedded array there, so a pointer to one has no field
                 * form: say what it is and leave it to a person. */
                fprintf(fv->o,
                        "// %s: a null-terminated array of %s (the driver walks it to a "
                        "zero); pass it as array<%s, null, MAX> in a call",
                        fn, scalar_of(pt), scalar_of(pt));
                warn("%s: walked until a zero element: a null-terminated array of %s; a pointer "
                     "field cannot carry it: pass it as an argument",
                     what, scalar_of(pt));
            } else if (!sn && clang_getCanonicalType(ft).kind == CXType_Pointer &&
                       (pt.kind == CXType_UChar || pt.kind == CXType_Void ||
                        pt.kind == CXType_Char_U) &&
                       length_sibling(fv->sname)) {
                /* bytes with their length beside them: a zero-copy buffer in
                 * the shared heap, bounded by that length */
                const char *sib = length_sibling(fv->sname);
                fprintf(fv->o, "shared<65536, {{%s}}>%s *%s;", sib,
                        r && !w   ? " [read_only]"
                        : w && !r ? " [write_only]"
                                  : "",
                        fn);
                warn("%s: a byte buffer of %s bytes: taken as shared<65536, {{%s}}> (a buffer "
                     "in the shared heap); check the bound",
                     what, sib, sib);
            } else if (ops_ptr) {
                note_edge(fv->sname, sn, fn);
                set_add(&structs, sn, NULL, clang_getTypeDeclaration(pt));
                fprintf(fv->o, "projection %s%s *%s;", proj_name(sn),
                        w && !r ? " [write_only, alloc(caller)]"
                        : w     ? " [alloc(caller)]"
                                : " [read_only]",
                        fn);
            } else if (idl_type(fv->o, ft, what, 1)) {
                if (embedded)
                    note_edge(fv->sname, embedded, fn);
                /* who writes it decides which way it may travel: a field the
                 * driver only reads is never taken back from the domain */
                fprintf(fv->o, "%s %s;",
                        r && !w   ? " [read_only]"
                        : w && !r ? " [write_only]"
                                  : "",
                        fn);
            } else {
                fprintf(fv->o, "// %s: no IDL form", fn);
            }
            free(embedded);
            free(sn);
        }
        fprintf(fv->o, " // %s%s%s: %s\n", r ? "read" : "", r && w ? ", " : "", w ? "written" : "",
                prov);
    }
    free(fn);
    return CXChildVisit_Continue;
}

/* If c is a function-pointer field of struct sname that the driver fills,
 * its prototype (else a type of kind CXType_Invalid). */
static CXType filled_slot(CXCursor c, const char *sname)
{
    CXType none = {0};
    none.kind = CXType_Invalid;
    CXType pt = clang_getCanonicalType(
        clang_getPointeeType(clang_getCanonicalType(clang_getCursorType(c))));
    if (pt.kind != CXType_FunctionProto)
        return none;
    char *fn = spell(c);
    int used = 0;
    for (int i = 0; i < nacc && !used; i++)
        used = strcmp(acc[i].strct, sname) == 0 && strcmp(acc[i].field, fn) == 0;
    free(fn);
    return used ? pt : none;
}

/* rpc_ptr declarations for the ops slots the driver fills (kernel -> driver). */
static enum CXChildVisitResult slot_decls(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct field_visit *fv = d;
    if (!is_member_field(c, slot_decls, d))
        return CXChildVisit_Continue;
    CXType pt = filled_slot(c, fv->sname);
    if (pt.kind == CXType_Invalid)
        return CXChildVisit_Continue;
    char *fn = spell(c), what[300];
    snprintf(what, sizeof what, "%s.%s", fv->sname, fn);
    write_rpc_ptr(fv->o, pt, fv->sname, fn, what);
    free(fn);
    return CXChildVisit_Continue;
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
static struct bfs_node bfs[BFS_MAX];
static int nbfs, bfs_target_hit;
static CXCursor bfs_target;
static int bfs_cur;

static int bfs_seen(CXCursor rec)
{
    for (int i = 0; i < nbfs; i++)
        if (clang_equalCursors(bfs[i].rec, rec))
            return 1;
    return 0;
}

static enum CXChildVisitResult bfs_fields(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    if (bfs_target_hit >= 0)
        return CXChildVisit_Break;
    if (is_record(c) && clang_Cursor_isAnonymousRecordDecl(c)) {
        clang_visitChildren(c, bfs_fields, d);
        return CXChildVisit_Continue;
    }
    if (clang_getCursorKind(c) != CXCursor_FieldDecl)
        return CXChildVisit_Continue;
    CXType t = clang_getCanonicalType(clang_getCursorType(c));
    if (t.kind == CXType_Pointer)
        t = clang_getCanonicalType(clang_getPointeeType(t));
    if (t.kind != CXType_Record)
        return CXChildVisit_Continue;
    CXCursor rec = clang_getCursorDefinition(clang_getTypeDeclaration(t));
    if (clang_Cursor_isNull(rec) || in_driver(rec))
        return CXChildVisit_Continue;
    if (nbfs < BFS_MAX && !bfs_seen(rec)) {
        bfs[nbfs] = (struct bfs_node){rec, bfs_cur, c};
        if (clang_equalCursors(rec, bfs_target))
            bfs_target_hit = nbfs;
        nbfs++;
    }
    return CXChildVisit_Continue;
}

/* Adds the fields from one of proto's struct arguments to table, if a
 * chain of at most four exists. */
static void add_ops_path(CXType proto, CXCursor table, const char *table_name)
{
    nbfs = 0;
    bfs_target_hit = -1;
    bfs_target = table;
    int na = clang_getNumArgTypes(proto);
    for (int j = 0; j < na && nbfs < BFS_MAX; j++) {
        CXType at = clang_getCanonicalType(clang_getArgType(proto, (unsigned)j));
        if (at.kind != CXType_Pointer)
            continue;
        CXType pt = clang_getCanonicalType(clang_getPointeeType(at));
        CXCursor rec = clang_getCursorDefinition(clang_getTypeDeclaration(pt));
        if (pt.kind != CXType_Record || clang_Cursor_isNull(rec) || bfs_seen(rec))
            continue;
        if (clang_equalCursors(rec, table))
            return; /* the table itself is an argument */
        bfs[nbfs++] = (struct bfs_node){rec, -1, clang_getNullCursor()};
    }
    for (bfs_cur = 0; bfs_cur < nbfs && bfs_target_hit < 0; bfs_cur++) {
        int depth = 0;
        for (int k = bfs_cur; bfs[k].parent >= 0; k = bfs[k].parent)
            depth++;
        if (depth < 4)
            clang_visitChildren(bfs[bfs_cur].rec, bfs_fields, NULL);
    }
    if (bfs_target_hit < 0)
        return;
    for (int k = bfs_target_hit; bfs[k].parent >= 0; k = bfs[k].parent) {
        char *st = field_struct(bfs[k].field);
        if (!st)
            continue;
        char note[300];
        snprintf(note, sizeof note, "the way to the %s table, for the trampolines", table_name);
        if (nacc < (int)(sizeof acc / sizeof acc[0]))
            acc[nacc++] = (struct access){st, spell(bfs[k].field), strdup(note), 0, bfs[k].field};
        CXCursor prec = bfs[bfs[k].parent].rec;
        char *pn = spell(prec);
        set_add(&structs, pn, NULL, prec);
        free(pn);
    }
}

struct slot_scan {
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
    CXType pt = filled_slot(c, ss->sname);
    if (pt.kind != CXType_Invalid)
        add_ops_path(pt, ss->rec, ss->sname);
    return CXChildVisit_Continue;
}

static void add_ops_paths(void)
{
    int n = structs.n; /* the search may add structs; theirs are not tables */
    for (int i = 0; i < n; i++) {
        CXCursor rec = clang_getCursorDefinition(structs.decl[i]);
        if (clang_Cursor_isNull(rec))
            continue;
        struct slot_scan ss = {structs.v[i], rec};
        clang_visitChildren(rec, ops_paths_visit, &ss);
    }
}

static struct name_set includes;

static void inclusion(CXFile f, CXSourceLocation *stack, unsigned len, CXClientData d)
{
    (void)d;
    if (len != 1) /* only what the driver's own files include */
        return;
    CXFile from;
    unsigned l, c, o;
    clang_getExpansionLocation(stack[0], &from, &l, &c, &o);
    CXString fs = clang_getFileName(from);
    const char *fromname = clang_getCString(fs);
    int drv = fromname && in_driver_file(fromname);
    clang_disposeString(fs);
    if (!drv)
        return;
    CXString s = clang_getFileName(f);
    const char *p = clang_getCString(s);
    const char *lin = p ? strstr(p, "/linux/") : NULL;
    if (lin)
        set_add(&includes, lin + 1, NULL, clang_getNullCursor());
    clang_disposeString(s);
}

static void json_str(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', o);
        if ((unsigned char)*s >= 32)
            fputc(*s, o);
    }
    fputc('"', o);
}

static void json_list(FILE *o, const char *key, const struct name_set *s)
{
    fprintf(o, "\"%s\":[", key);
    for (int i = 0; i < s->n; i++) {
        if (i)
            fputc(',', o);
        json_str(o, s->v[i]);
    }
    fputc(']', o);
}

/* Whether access k repeats an earlier one (same struct, field and kind). */
static int seen_before(int k, int written)
{
    for (int j = 0; j < k; j++)
        if (acc[j].written == written && strcmp(acc[j].strct, acc[k].strct) == 0 &&
            strcmp(acc[j].field, acc[k].field) == 0)
            return 1;
    return 0;
}

/* Warnings inside kernel headers are not ours to report and cost time to
 * build (ixgbe's units include thousands of header lines each). */
#define CDN_PARSE_OPTIONS CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles

struct parse_job {
    const char **files;
    int nfiles, next, done;
    const char *const *args; /* flags after "--", for every file */
    int nargs;
    char ***full_argv; /* or, from compile_commands.json: a command per file */
    int *full_argc;
    char **dirs; /* and its directory */
    CXTranslationUnit *tus;
    enum CXErrorCode *err;
    pthread_mutex_t lock;
};

static void *parse_worker(void *arg)
{
    struct parse_job *j = arg;
    CXIndex idx = clang_createIndex(0, 0); /* kept: its units live on */
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int f = j->next < j->nfiles ? j->next++ : -1;
        pthread_mutex_unlock(&j->lock);
        if (f < 0)
            break;
        if (j->full_argv)
            j->err[f] = clang_parseTranslationUnit2(
                idx, j->files[f], (const char *const *)j->full_argv[f], j->full_argc[f], NULL, 0,
                CDN_PARSE_OPTIONS, &j->tus[f]);
        else
            j->err[f] = clang_parseTranslationUnit2(idx, j->files[f], j->args, j->nargs, NULL, 0,
                                                    CDN_PARSE_OPTIONS, &j->tus[f]);
        pthread_mutex_lock(&j->lock);
        j->done++;
        if (j->nfiles > 4) /* progress, for long runs */
            fprintf(stderr, "[%d/%d] %s\n", j->done, j->nfiles, j->files[f]);
        pthread_mutex_unlock(&j->lock);
    }
    return NULL;
}

static double elapsed_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Parses every unit of job, in parallel. */
static void parse_all(struct parse_job *job)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = (int)(ncpu < 1 ? 1 : ncpu > 16 ? 16 : ncpu);
    if (nthreads > job->nfiles)
        nthreads = job->nfiles;
    pthread_t threads[16];
    int started[16] = {0};
    for (int t = 0; t < nthreads; t++)
        started[t] = pthread_create(&threads[t], NULL, parse_worker, job) == 0;
    parse_worker(job); /* this thread helps too (and does it all without threads) */
    for (int t = 0; t < nthreads; t++)
        if (started[t])
            pthread_join(threads[t], NULL);
}

/* Whether any unit failed or has an error diagnostic. */
static int units_have_errors(struct parse_job *job)
{
    for (int f = 0; f < job->nfiles; f++) {
        if (job->err[f] != CXError_Success)
            return 1;
        for (unsigned i = 0; i < clang_getNumDiagnostics(job->tus[f]); i++) {
            CXDiagnostic dg = clang_getDiagnostic(job->tus[f], i);
            int bad = clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error;
            clang_disposeDiagnostic(dg);
            if (bad)
                return 1;
        }
    }
    return 0;
}

/* Everything inside "module NAME { ... }". */
static void write_module_body(FILE *o)
{
    fprintf(o, "    // driver -> kernel (%d)\n", drv_to_kernel.n);
    for (int i = 0; i < drv_to_kernel.n; i++) {
        write_fnptr_decls(o, drv_to_kernel.decl[i]);
        fprintf(o, "    rpc ");
        write_ret(o, drv_to_kernel.decl[i], drv_to_kernel.v[i]);
        fprintf(o, " %s(", drv_to_kernel.v[i]);
        write_params(o, drv_to_kernel.decl[i], 1);
        fprintf(o, "); // %s\n", drv_to_kernel.note[i]);
    }
    if (uses_log)
        fprintf(o,
                "    // the domain's printk hands its lines to the host (kernel/drvlib/printk.c)\n"
                "    rpc void cdn_kernel_log(string<255> msg);\n");
    if (uses_media) {
        fprintf(o,
                "    // the device memory of a disk, through the domain library "
                "(kernel/drvlib/blk_media.c)\n"
                "    rpc u64 cdn_blk_media_chunk(projection %s *disk, u32 index, bool alloc);\n",
                proj_name("gendisk"));
        set_add(&structs, "gendisk", NULL, media_disk_decl);
    }
    fprintf(o, "\n    // kernel -> driver (%d)\n", kernel_to_drv.n);
    for (int i = 0; i < kernel_to_drv.n; i++) {
        if (!kernel_to_drv.module_entry[i]) {
            fprintf(o, "    // %s: %s\n", kernel_to_drv.v[i], kernel_to_drv.note[i]);
            continue; /* reached through an ops slot or callback: an rpc_ptr below */
        }
        fprintf(o, "    export rpc ");
        write_ret(o, kernel_to_drv.decl[i], kernel_to_drv.v[i]);
        fprintf(o, " %s(", kernel_to_drv.v[i]);
        write_params(o, kernel_to_drv.decl[i], 0);
        fprintf(o, "); // %s\n", kernel_to_drv.note[i]);
    }
    fprintf(o, "\n    // ops-table slots the driver fills\n");
    for (int i = 0; i < structs.n; i++) {
        struct field_visit fv = {o, structs.v[i]};
        clang_visitChildren(structs.decl[i], slot_decls, &fv);
    }
    /* projections: iterate until no new struct appears (fields add some) */
    fprintf(o, "\n    // the fields the driver touches, per struct\n");
    for (int i = 0; i < structs.n; i++) {
        CXType t = clang_getCursorType(structs.decl[i]);
        CXCursor decl = clang_getTypeDeclaration(clang_getCanonicalType(t));
        fprintf(o, "    projection <struct %s> %s {\n", structs.v[i], proj_name(structs.v[i]));
        struct field_visit fv = {o, structs.v[i]};
        clang_visitChildren(decl, field_out, &fv);
        fprintf(o, "    }\n");
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cordon-split [--json] [-o FILE.idl] [--module NAME] [--local F1,F2,...]\n"
               "                    DRIVER.c... -- CLANG-FLAGS\n"
               "       cordon-split [options] -p BUILD-DIR [DRIVER.c...] [-- EXTRA-FLAGS]\n"
               "With -p, each file's flags come from BUILD-DIR/compile_commands.json (every\n"
               "file in it when none is named).\n"
               "Analyses a driver's C source with libclang and writes an IDL for cordon-idlc\n"
               "(FILE.idl, default stdout) and a report on stderr (--json: as JSON on stdout,\n"
               "with the IDL then only in -o).\n"
               "The boundary: the DRIVER.c files are the driver, every other file the kernel;\n"
               "functions the domain implements itself (memory, strings, printk, locks,\n"
               "atomics; --local adds more) are not boundary functions.\n"
               "Files that begin with the same #include lines share a precompiled header\n"
               "(CORDON_SPLIT_NO_PCH=1: parse each file on its own).\n"
               "Exit status: 0 ok, 1 parse errors, 2 usage.\n");
}

/* PREFIX + path, with a relative path joined to dir. */
static char *absolute_in(const char *dir, const char *prefix, const char *path)
{
    char buf[PATH_MAX + 64];
    if (path[0] == '/' || !dir)
        snprintf(buf, sizeof buf, "%s%s", prefix, path);
    else
        snprintf(buf, sizeof buf, "%s%s/%s", prefix, dir, path);
    return strdup(buf);
}

/* The flags of one compile_commands.json entry for libclang: the entry's
 * own arguments, relative paths resolved against its directory, then the
 * extra flags given after "--". Also sets *file to the entry's
 * source as an absolute path. */
static char **command_argv(CXCompileCommand cmd, const char *const *extra, int nextra,
                           int *argc_out, const char **file)
{
    unsigned n = clang_CompileCommand_getNumArgs(cmd);
    char **v = calloc(n + 3 + (unsigned)nextra + 1, sizeof *v);
    if (!v)
        return NULL;
    CXString dir = clang_CompileCommand_getDirectory(cmd);
    CXString src = clang_CompileCommand_getFilename(cmd);
    const char *d = clang_getCString(dir), *f = clang_getCString(src);
    char path[PATH_MAX];
    if (f && f[0] != '/')
        snprintf(path, sizeof path, "%s/%s", d ? d : ".", f);
    else
        snprintf(path, sizeof path, "%s", f ? f : "");
    *file = strdup(path);
    /* libclang's own driver is used, so the compiler's name, -c, -o FILE and
     * the source go. Relative include paths are made absolute against the
     * entry's directory: -working-directory would also move libclang's
     * resource directory (stdbool.h, ...) when that is relative. */
    static const char *const path_flags[] = {"-I",         "-isystem", "-iquote",
                                             "-idirafter", "-include", NULL};
    int k = 0;
    int path_next = 0;
    for (unsigned i = 1; i < n; i++) {
        CXString a = clang_CompileCommand_getArg(cmd, i);
        const char *as = clang_getCString(a);
        if (path_next) {
            v[k++] = absolute_in(d, "", as);
            path_next = 0;
        } else if (strcmp(as, "-o") == 0) {
            i++;
        } else if (strcmp(as, "-c") == 0 || strcmp(as, f ? f : "") == 0 || strcmp(as, path) == 0) {
            /* dropped */
        } else {
            int matched = 0;
            for (int p = 0; path_flags[p] && !matched; p++) {
                size_t len = strlen(path_flags[p]);
                if (strcmp(as, path_flags[p]) == 0) {
                    v[k++] = strdup(as);
                    path_next = matched = 1;
                } else if (strncmp(as, path_flags[p], len) == 0 && len == 2) {
                    v[k++] = absolute_in(d, path_flags[p], as + len);
                    matched = 1;
                }
            }
            if (!matched)
                v[k++] = strdup(as);
        }
        clang_disposeString(a);
    }
    for (int i = 0; i < nextra; i++)
        v[k++] = strdup(extra[i]);
    clang_disposeString(dir);
    clang_disposeString(src);
    *argc_out = k;
    return v;
}

int main(int argc, char **argv)
{
    int json = 0;
    const char *out = NULL, *module = NULL;
    const char *db_dir = NULL;
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0, sep = argc;
    if (!files)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        } else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--local") == 0 && i + 1 < argc) {
            char *list = strdup(argv[++i]), *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
                set_add(&user_local, t, NULL, clang_getNullCursor());
            free(list);
        } else if (strcmp(argv[i], "--module") == 0 && i + 1 < argc)
            module = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            db_dir = argv[++i];
        else if (argv[i][0] != '-')
            files[nfiles++] = argv[i];
        else {
            fprintf(stderr, "cordon-split: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    /* -p DIR: the files' flags come from DIR/compile_commands.json (and all
     * of its files are the driver when none are named) */
    char ***full_argv = NULL;
    int *full_argc = NULL;
    char **dirs = NULL;
    if (db_dir) {
        CXCompilationDatabase_Error dberr;
        CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(db_dir, &dberr);
        if (dberr != CXCompilationDatabase_NoError) {
            fprintf(stderr,
                    "%s/compile_commands.json: error: cannot load the compilation database\n",
                    db_dir);
            return 2;
        }
        CXCompileCommands all = clang_CompilationDatabase_getAllCompileCommands(db);
        unsigned ncmd = clang_CompileCommands_getSize(all);
        const char **named = files;
        int nnamed = nfiles;
        files = calloc((size_t)ncmd + 1, sizeof *files);
        full_argv = calloc((size_t)ncmd + 1, sizeof *full_argv);
        full_argc = calloc((size_t)ncmd + 1, sizeof *full_argc);
        dirs = calloc((size_t)ncmd + 1, sizeof *dirs);
        if (!files || !full_argv || !full_argc || !dirs)
            return 2;
        nfiles = 0;
        int *found = calloc((size_t)nnamed + 1, sizeof *found);
        for (unsigned c = 0; c < ncmd; c++) {
            const char *file;
            int fargc;
            char **fargv =
                command_argv(clang_CompileCommands_getCommand(all, c),
                             (const char *const *)(argv + sep + 1), argc - sep - 1, &fargc, &file);
            if (!fargv)
                return 2;
            int keep = nnamed == 0;
            for (int i = 0; i < nnamed; i++) {
                char a[PATH_MAX], b[PATH_MAX];
                if (realpath(named[i], a) && realpath(file, b) && strcmp(a, b) == 0)
                    keep = found[i] = 1;
            }
            if (keep) {
                CXString d =
                    clang_CompileCommand_getDirectory(clang_CompileCommands_getCommand(all, c));
                dirs[nfiles] = strdup(clang_getCString(d) ? clang_getCString(d) : ".");
                clang_disposeString(d);
                files[nfiles] = file;
                full_argv[nfiles] = fargv;
                full_argc[nfiles++] = fargc;
            }
        }
        for (int i = 0; i < nnamed; i++)
            if (!found[i]) {
                fprintf(stderr, "%s: error: not in %s/compile_commands.json\n", named[i], db_dir);
                return 1;
            }
        free(found);
        clang_CompileCommands_dispose(all);
        clang_CompilationDatabase_dispose(db);
    }
    if (!nfiles) {
        usage(stderr);
        return 2;
    }
    ndriver_files = nfiles;
    for (int i = 0; i < nfiles; i++) {
        char real[PATH_MAX];
        if (realpath(files[i], real)) {
            *strrchr(real, '/') = 0;
            driver_dirs[i] = strdup(real);
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Parsing (kernel headers, mostly) is nearly all the time: the units
     * are parsed in parallel, one CXIndex per thread, and analysed in order
     * afterwards (the analysis keeps global state and is quick). */
    struct parse_job job = {.files = files,
                            .nfiles = nfiles,
                            .args = (const char *const *)(argv + sep + 1),
                            .nargs = argc - sep - 1,
                            .full_argv = full_argv,
                            .full_argc = full_argc,
                            .dirs = dirs};
    job.tus = calloc((size_t)nfiles, sizeof *job.tus);
    job.err = calloc((size_t)nfiles, sizeof *job.err);
    if (!job.tus || !job.err) {
        fprintf(stderr, "cordon-split: out of memory\n");
        return 2;
    }
    pthread_mutex_init(&job.lock, NULL);
    /* The headers groups of files begin with, parsed once (src/split/pch.c). */
    struct split_pch pch = {0};
    if (!full_argv && !getenv("CORDON_SPLIT_NO_PCH") &&
        split_pch_build(files, nfiles, job.args, job.nargs, &pch)) {
        job.full_argv = pch.argv;
        job.full_argc = pch.argc;
        /* what the driver includes inside a shared header, as inclusion()
         * would have recorded it: <linux/x.h> */
        for (int i = 0; i < pch.nlines; i++) {
            const char *lt = strchr(pch.lines[i], '<');
            const char *gt = lt ? strchr(lt, '>') : NULL;
            if (lt && gt && !strncmp(lt + 1, "linux/", 6)) {
                char h[512];
                snprintf(h, sizeof h, "%.*s", (int)(gt - lt - 1), lt + 1);
                set_add(&includes, h, NULL, clang_getNullCursor());
            }
        }
    }
    parse_all(&job);
    if (job.full_argv && !full_argv && units_have_errors(&job)) {
        /* a shared header did not suit every unit: parse them plainly */
        for (int f = 0; f < nfiles; f++)
            if (job.tus[f])
                clang_disposeTranslationUnit(job.tus[f]);
        memset(job.tus, 0, sizeof *job.tus * (size_t)nfiles);
        job.full_argv = NULL;
        job.full_argc = NULL;
        job.next = job.done = 0;
        parse_all(&job);
    }
    int pch_used = job.full_argv && !full_argv ? pch.n : 0; /* reported */
    split_pch_remove(&pch);
    double parse_secs = elapsed_since(&t0); /* libclang's part: the rest is ours */
    int errors = 0;
    for (int f = 0; f < nfiles; f++) {
        CXTranslationUnit tu = job.tus[f];
        if (job.err[f] != CXError_Success) {
            fprintf(stderr, "%s: error: cannot parse (libclang error %d)\n", files[f],
                    (int)job.err[f]);
            errors++;
            continue;
        }
        unsigned nd = clang_getNumDiagnostics(tu);
        for (unsigned i = 0; i < nd; i++) {
            CXDiagnostic dg = clang_getDiagnostic(tu, i);
            if (clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error) {
                CXString s = clang_formatDiagnostic(dg, clang_defaultDiagnosticDisplayOptions());
                fprintf(stderr, "%s\n", clang_getCString(s));
                clang_disposeString(s);
                errors++;
            }
            clang_disposeDiagnostic(dg);
        }
        nfile_cache = 0;
        memset(inline_used, 0, sizeof inline_used);
        ninline_seen = 0;
        unit_dir = job.dirs ? job.dirs[f] : NULL;
        CXCursor root = clang_getTranslationUnitCursor(tu);
        clang_visitChildren(root, top_visit, NULL);
        clang_getInclusions(tu, inclusion, NULL);
        /* keep the TU: cursors in the sets point into it */
    }
    /* A function another driver file defines is the driver's own: each
     * translation unit alone could not know that. */
    int kept = 0;
    for (int i = 0; i < drv_to_kernel.n; i++) {
        if (set_find(&driver_defs, drv_to_kernel.v[i]) >= 0) {
            free(drv_to_kernel.v[i]);
            free(drv_to_kernel.note[i]);
            continue;
        }
        drv_to_kernel.v[kept] = drv_to_kernel.v[i];
        drv_to_kernel.note[kept] = drv_to_kernel.note[i];
        drv_to_kernel.decl[kept] = drv_to_kernel.decl[i];
        kept++;
    }
    drv_to_kernel.n = kept;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    char modname[128];
    if (module)
        snprintf(modname, sizeof modname, "%s", module);
    else {
        const char *b = strrchr(files[0], '/');
        snprintf(modname, sizeof modname, "%s", b ? b + 1 : files[0]);
        char *dot = strrchr(modname, '.');
        if (dot)
            *dot = 0;
        for (char *p = modname; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                *p = '_';
    }

    /* Pass 1 writes the IDL to nowhere: it completes the set of structs
     * (fields bring in new ones) and records which projection points to
     * which, so the cycles can be cut before pass 2 writes it for real. */
    FILE *nowhere = fopen("/dev/null", "w");
    if (!nowhere) {
        perror("/dev/null");
        return 2;
    }
    collecting_edges = 1;
    write_module_body(nowhere); /* completes the structs and slots first */
    add_ops_paths();
    write_module_body(nowhere);
    collecting_edges = 0;
    fclose(nowhere);
    find_cycles();

    /* the IDL */
    FILE *o = out ? fopen(out, "w") : (json ? NULL : stdout);
    if (out && !o) {
        perror(out);
        return 2;
    }
    if (o) {
        fprintf(o, "// Generated by cordon-split from");
        for (int i = 0; i < nfiles; i++)
            fprintf(o, " %s", files[i]);
        fprintf(o, ".\n// A starting point: check the bounds and directions it could not know.\n");
        for (int i = 0; i < includes.n; i++)
            fprintf(o, "include \"%s\";\n", includes.v[i]);
        fprintf(o, "\nmodule %s {\n", modname);
        /* the body goes to memory first: enums are found while writing it */
        FILE *final = o;
        char *body = NULL;
        size_t body_len = 0;
        o = open_memstream(&body, &body_len);
        if (!o) {
            perror("open_memstream");
            return 2;
        }
        write_module_body(o);
        fprintf(o, "}\n");
        fclose(o);
        o = final;
        for (int i = 0; i < enums.n; i++)
            write_enum(o, enums.v[i], enums.decl[i]);
        fwrite(body, 1, body_len, o);
        free(body);
        if (o != stdout)
            fclose(o);
    }

    /* the report */
    FILE *r = json ? stdout : stderr;
    if (json) {
        fprintf(r, "{\"module\":");
        json_str(r, modname);
        fputc(',', r);
        json_list(r, "drv_to_kernel", &drv_to_kernel);
        fputc(',', r);
        json_list(r, "kernel_to_drv", &kernel_to_drv);
        fprintf(r, ",\"structs\":{");
        for (int i = 0; i < structs.n; i++) {
            fprintf(r, "%s", i ? "," : "");
            json_str(r, structs.v[i]);
            fprintf(r, ":{\"read\":[");
            int first_r = 1, first_w = 1;
            for (int k = 0; k < nacc; k++)
                if (strcmp(acc[k].strct, structs.v[i]) == 0 && !acc[k].written &&
                    !seen_before(k, 0)) {
                    fprintf(r, "%s", first_r ? "" : ",");
                    json_str(r, acc[k].field);
                    first_r = 0;
                }
            fprintf(r, "],\"written\":[");
            for (int k = 0; k < nacc; k++)
                if (strcmp(acc[k].strct, structs.v[i]) == 0 && acc[k].written &&
                    !seen_before(k, 1)) {
                    fprintf(r, "%s", first_w ? "" : ",");
                    json_str(r, acc[k].field);
                    first_w = 0;
                }
            fprintf(r, "]}");
        }
        fprintf(r, "},");
        json_list(r, "locks", &locks);
        fputc(',', r);
        json_list(r, "shared_syncs", &shared_syncs);
        fputc(',', r);
        json_list(r, "warnings", &warnings);
        fprintf(r,
                ",\"parse_errors\":%d,\"seconds\":%.3f,\"parse_seconds\":%.3f,"
                "\"precompiled_headers\":%d}\n",
                errors, secs, parse_secs, pch_used);
    } else {
        fprintf(r,
                "cordon-split: %d driver -> kernel, %d kernel -> driver functions, %d structs, "
                "%d field accesses, %d lock/atomic/RCU uses, %d warnings, %d parse errors, "
                "%.2f s (%.2f s parsing, %d precompiled headers)\n",
                drv_to_kernel.n, kernel_to_drv.n, structs.n, nacc, locks.n, warnings.n, errors,
                secs, parse_secs, pch_used);
        for (int i = 0; i < shared_syncs.n; i++)
            fprintf(r, "shared sync: %s\n", shared_syncs.v[i]);
        for (int i = 0; i < warnings.n; i++)
            fprintf(r, "warning: %s\n", warnings.v[i]);
    }
    return errors ? 1 : 0;
}

/* visit.c - walks the driver: calls, field accesses, callbacks, locks. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* A field that is itself a synchronisation object (spinlock_t, struct
 * mutex, u64_stats_sync, ...): the section's primitive, not its data. */
static int is_sync_object(CXCursor field)
{
    CXString t = clang_getTypeSpelling(clang_getCursorType(field));
    const char *s = clang_getCString(t);
    int yes = strstr(s, "lock") || strstr(s, "mutex") || strstr(s, "semaphore") ||
              strstr(s, "seqcount") || strstr(s, "stats_sync");
    clang_disposeString(t);
    return yes;
}

/* A kernel struct field touched inside a critical section: shared state
 * the section's primitive protects. The unnamed member of an anonymous
 * struct or union is not listed (its named fields are), nor the lock. */
static void note_protected(struct analysis *a, const char *st, CXCursor field, int written,
                           const char *w)
{
    char *fn = spell(field), key[600];
    if (!strstr(fn, "(anonymous") && !is_sync_object(field)) {
        snprintf(key, sizeof key, "%s.%s: %s, %s (%s)", st, fn, written ? "written" : "read",
                 a->held_by, w);
        set_add(&a->protected_fields, key, NULL, field);
    }
    free(fn);
}

void record_access(struct analysis *a, CXCursor member, int written)
{
    CXCursor field = clang_getCursorReferenced(member);
    if (clang_getCursorKind(field) != CXCursor_FieldDecl || in_driver(a, field))
        return; /* driver-private structs do not cross */
    char *st = field_struct(field);
    if (!st)
        return;
    char w[512];
    where(a, member, w, sizeof w);
    /* An array field used as a value decays to a pointer that may be written
     * through (snprintf(disk->disk_name, ...)): count it written too. */
    grow_or_die((void **)&a->acc, &a->acc_cap, a->nacc + 2, sizeof *a->acc);
    if (!written && clang_getCanonicalType(clang_getCursorType(field)).kind == CXType_ConstantArray)
        a->acc[a->nacc++] = (struct access){strdup(st), spell(field), strdup(w), 1};
    a->acc[a->nacc++] = (struct access){st, spell(field), strdup(w), written};
    if (a->held > 0) /* inside a critical section of the driver's */
        note_protected(a, st, field, written, w);
    CXCursor rec = clang_getCursorSemanticParent(field);
    while (is_record(rec) && is_anonymous(rec))
        rec = clang_getCursorSemanticParent(rec);
    set_add(&a->structs, st, NULL, rec);
}

/* The kernel's function used as a value, not called (DEFINE_WAIT's
 * autoremove_wake_function, blk_mq_end_request_batch handed to a kernel
 * call): the domain holds the kernel's code address, which crosses as a
 * pointer the host must recognise as its own (kernel_fn_values). */
static void note_kernel_fn_value(struct analysis *a, CXCursor ref)
{
    CXCursor fn = clang_getCursorReferenced(ref);
    if (clang_getCursorKind(fn) != CXCursor_FunctionDecl || in_driver(a, fn))
        return;
    CXCursor def = clang_getCursorDefinition(fn);
    if (!clang_Cursor_isNull(def) && in_driver(a, def))
        return;
    char *n = spell(fn), w[512];
    /* static-call trampolines (__SCT__*) are how an inline calls, not values */
    if (!is_compile_time_check(n) && strncmp(n, "__builtin", 9) != 0 &&
        strncmp(n, "__SCT__", 7) != 0) {
        where(a, ref, w, sizeof w);
        set_add(&a->kernel_fn_values, n, w, fn);
    }
    free(n);
}

/* Records a driver function the kernel can reach through ref. A module
 * entry point (module_init/exit) becomes an "export rpc"; any other is
 * reached through a pointer and becomes an rpc_ptr. */
static void note_function_ref(struct analysis *a, CXCursor ref, const char *how, int module_entry)
{
    CXCursor fn = clang_getCursorReferenced(ref);
    if (clang_getCursorKind(fn) != CXCursor_FunctionDecl)
        return;
    CXCursor def = clang_getCursorDefinition(fn);
    int here = !clang_Cursor_isNull(def) && in_driver(a, def);
    /* declared only, in a driver file: another of its files may define it
     * (.open = b_open in a.c, b_open in b.c); decided once all are read */
    int maybe = clang_Cursor_isNull(def) && in_driver(a, fn);
    if (!here && !maybe)
        return;
    char *n = spell(fn);
    char w[512];
    where(a, ref, w, sizeof w);
    char note[700];
    snprintf(note, sizeof note, "%s (%s)", how, w);
    int i = set_add(here ? &a->kernel_to_drv : &a->pending_refs, n, note, here ? def : fn);
    if (i >= 0 && module_entry)
        (here ? &a->kernel_to_drv : &a->pending_refs)->module_entry[i] = 1;
    free(n);
}

static void note_call_site(struct analysis *a, CXCursor call);

/* A function named other than as a callee: its address is taken, so the
 * compiler keeps it, whoever calls it (reach.c). */
static void note_root(struct analysis *a, CXCursor ref)
{
    CXCursor fn = clang_getCursorReferenced(ref);
    if (clang_getCursorKind(fn) != CXCursor_FunctionDecl)
        return;
    char *n = spell(fn);
    reach_root(a, n);
    free(n);
}

static enum CXChildVisitResult roots_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr)
        note_root(d, c);
    return CXChildVisit_Recurse;
}

/*
 * Concurrency (as KSplit classifies it): each synchronisation primitive the
 * driver uses is a lock, RCU, an atomic or a sequence count. In source
 * order, an acquire opens a critical section and a release closes it; a
 * kernel struct field touched inside one is shared state the two sides
 * must keep coherent (protected_fields, with the primitive's class).
 */
const char *sync_class(const char *n)
{
    if (strncmp(n, "atomic", 6) == 0)
        return "atomic";
    if (strstr(n, "rcu"))
        return "rcu";
    if (strstr(n, "u64_stats") || strstr(n, "seqcount") || strstr(n, "seqlock") ||
        strstr(n, "read_seq"))
        return "sequence";
    return "lock";
}

static void track_critical_section(struct analysis *a, const char *n)
{
    const char *cls = sync_class(n);
    if (strcmp(cls, "atomic") == 0)
        return; /* one operation, no section */
    int release = strstr(n, "unlock") || strncmp(n, "up_", 3) == 0 || strstr(n, "_end") ||
                  strstr(n, "_retry");
    int acquire = !release && (strstr(n, "lock") || strncmp(n, "down_", 5) == 0 ||
                               strstr(n, "_begin") || strstr(n, "read_seq"));
    if (acquire) {
        a->held++;
        snprintf(a->held_by, sizeof a->held_by, "%s %s", cls, n);
    } else if (release && a->held > 0) {
        a->held--;
    }
}

/* A static inline function of a header: it runs where it is used, so it is
 * driver code only where the driver calls it (an unused one in the driver's
 * own header is nothing). */
static int header_inline(CXCursor fn)
{
    if (clang_Cursor_getStorageClass(fn) != CX_SC_Static || !clang_Cursor_isFunctionInlined(fn))
        return 0;
    CXFile f;
    unsigned l, c, o;
    clang_getExpansionLocation(clang_getCursorLocation(fn), &f, &l, &c, &o);
    CXString s = clang_getFileName(f);
    const char *n = clang_getCString(s);
    size_t len = n ? strlen(n) : 0;
    int h = len > 2 && strcmp(n + len - 2, ".h") == 0;
    clang_disposeString(s);
    return h;
}
static int is_call_site(struct analysis *a, CXCursor ref);

/* Inside a call to a kernel function: function names among the arguments are
 * callbacks the kernel can call. */
static enum CXChildVisitResult callback_args(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct analysis *a = d;
    /* a call inside the arguments (kernel_take(helper(1))) passes helper's
     * result, not helper: its callee is a call site, not a callback */
    if (clang_getCursorKind(c) == CXCursor_CallExpr)
        note_call_site(a, c);
    else if (clang_getCursorKind(c) == CXCursor_DeclRefExpr && !is_call_site(a, c))
        note_function_ref(a, c, "passed to the kernel", 0);
    return CXChildVisit_Recurse;
}

static enum CXChildVisitResult body_visit(CXCursor c, CXCursor parent, CXClientData d);

/* Inline assembly: what it calls or touches is not seen. Listed by the
 * header whose macro wrote it ("asm/uaccess.h": get_user/put_user, which
 * call __get_user_N/__put_user_N) and where the driver uses it. */
static void note_inline_asm(struct analysis *a, CXCursor c)
{
    CXFile f;
    unsigned l, col, off;
    clang_getSpellingLocation(clang_getCursorLocation(c), &f, &l, &col, &off);
    CXString fs = clang_getFileName(f);
    const char *path = clang_getCString(fs) ? clang_getCString(fs) : "";
    const char *inc = strstr(path, "/include/");
    char entry[700], w[512];
    where(a, c, w, sizeof w);
    snprintf(entry, sizeof entry, "%s (%s)", inc ? inc + 9 : path, w);
    clang_disposeString(fs);
    if (set_find(&a->inline_asm, entry) < 0)
        warn(a, "%s: inline assembly: what it calls or touches (get_user, put_user) is not seen",
             w);
    set_add(&a->inline_asm, entry, NULL, clang_getNullCursor());
}

/* A function handed to a function whose body is in view (a header
 * inline, which runs in the domain, or the driver's own: loop's
 * loop_attr_show(dev, buf, loop_attr_dio_show)) whose parameter that body
 * only calls or tests: a call from here, not a callback nor a kernel
 * function value (its name is made a call site, so the walk below does not
 * list it as either). */
static void note_args_only_called(struct analysis *a, CXCursor call, CXCursor def)
{
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n && i < clang_Cursor_getNumArguments(def); i++) {
        CXCursor arg = strip_implicit(clang_Cursor_getArgument(call, i));
        if (clang_getCursorKind(arg) != CXCursor_DeclRefExpr)
            continue;
        CXCursor fn = clang_getCursorReferenced(arg);
        if (clang_getCursorKind(fn) != CXCursor_FunctionDecl ||
            !only_called(clang_Cursor_getArgument(def, i), def))
            continue;
        note_call_site(a, arg);
        char *name = spell(fn), w[512];
        reach_call(a, name);
        CXCursor fdef = clang_getCursorDefinition(fn);
        if (clang_Cursor_isNull(fdef) && !in_driver(a, fn) && !is_local_lib(a, name)) {
            /* the kernel's (an XDP inline's bpf_dispatcher_xdp_func): the
             * inline calls it from the domain */
            where(a, arg, w, sizeof w);
            set_add(&a->drv_to_kernel, name, w, fn);
        }
        free(name);
    }
}

/* Marks an inline kernel function's definition as followed in this
 * translation unit (an open-addressing table: ixgbe's units reach
 * thousands, so a list would be slow); returns 0 if it already was (or the table is
 * full, which stops following rather than loop). */
static int inline_first_visit(struct analysis *a, CXCursor def)
{
    if (a->ninline_seen >= SPLIT_INLINE_SLOTS / 2) {
        if (!a->inline_full++)
            warn(a,
                 "more than %d kernel inline functions in one unit: the rest were not "
                 "followed, and what they call is missing",
                 SPLIT_INLINE_SLOTS / 2);
        return 0;
    }
    unsigned h = clang_hashCursor(def) & (SPLIT_INLINE_SLOTS - 1);
    while (a->inline_used[h]) {
        if (clang_equalCursors(a->inline_seen[h], def))
            return 0;
        h = (h + 1) & (SPLIT_INLINE_SLOTS - 1);
    }
    a->inline_used[h] = 1;
    a->inline_seen[h] = def;
    a->ninline_seen++;
    return 1;
}

/* Lock, atomic and RCU calls whose operand is a field of a kernel struct
 * (spin_lock(&dev->lock), atomic_inc(&skb->users)): synchronisation on
 * shared state, which an isolated driver cannot do on its own copy. */
struct lock_call {
    struct analysis *a;
    const char *call, *where;
};

static enum CXChildVisitResult lock_operand(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct lock_call *lc = d;
    struct analysis *a = lc->a;
    if (clang_getCursorKind(c) != CXCursor_MemberRefExpr)
        return CXChildVisit_Recurse;
    CXCursor field = clang_getCursorReferenced(c);
    if (clang_getCursorKind(field) != CXCursor_FieldDecl || in_driver(a, field))
        return CXChildVisit_Recurse;
    char *st = field_struct(field);
    if (st) {
        char *fn = spell(field);
        char entry[700];
        snprintf(entry, sizeof entry, "%s %s.%s (%s)", lc->call, st, fn, lc->where);
        set_add(&a->shared_syncs, entry, NULL, clang_getNullCursor());
        free(fn);
        free(st);
    }
    return CXChildVisit_Continue; /* the outermost field is the one synchronised on */
}

/* Writing a.s.f writes the embedded struct a.s too (but not what a pointer
 * in the chain points to): the base members of a written member count as
 * written while they are struct values, not pointers. */
static void mark_embedded_bases(struct analysis *a, CXCursor member)
{
    for (CXCursor b = member_under(member);
         !clang_Cursor_isNull(b) &&
         clang_getCanonicalType(clang_getCursorType(b)).kind == CXType_Record;
         b = member_under(b))
        record_access(a, b, 1);
}

/* Children of an assignment or ++/--: the first (the target) is written
 * (its own base expressions are only read), the rest are visited as usual. */
struct assignment {
    struct analysis *a;
    int index;
};

static enum CXChildVisitResult assigned_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    struct assignment *as = d;
    struct analysis *a = as->a;
    if (as->index++ == 0 && clang_getCursorKind(c) == CXCursor_MemberRefExpr) {
        record_access(a, c, 1);
        mark_embedded_bases(a, c);
        clang_visitChildren(c, body_visit, a);
        return CXChildVisit_Continue;
    }
    return body_visit(c, parent, a) == CXChildVisit_Recurse
               ? (clang_visitChildren(c, body_visit, a), CXChildVisit_Continue)
               : CXChildVisit_Continue;
}

/* Records where a call's callee is named: (f)(x) names f after the
 * parenthesis, not where the call begins. */
static void note_call_site(struct analysis *a, CXCursor call)
{
    CXCursor callee = call;
    if (clang_getCursorKind(call) == CXCursor_CallExpr) {
        CXCursor kid[1];
        if (child_cursors(call, kid, 1) > 0)
            callee = strip_implicit(kid[0]);
        if (clang_getCursorKind(callee) != CXCursor_DeclRefExpr)
            callee = call;
    }
    grow_or_die((void **)&a->call_sites, &a->call_sites_cap, a->ncall_sites + 1,
                sizeof *a->call_sites);
    a->call_sites[a->ncall_sites++] = clang_getCursorLocation(callee);
}

/* Whether ref is at one of the current function's direct calls: a
 * function name there is called, anywhere else its address is taken. */
static int is_call_site(struct analysis *a, CXCursor ref)
{
    CXSourceLocation l = clang_getCursorLocation(ref);
    for (int i = 0; i < a->ncall_sites; i++)
        if (clang_equalLocations(l, a->call_sites[i]))
            return 1;
    return 0;
}

/* Walks c itself and, unless its visit says otherwise, what is under it. */
static void walk_node(struct analysis *a, CXCursor c, CXCursor parent)
{
    if (body_visit(c, parent, a) == CXChildVisit_Recurse)
        clang_visitChildren(c, body_visit, a);
}

static enum CXChildVisitResult body_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct analysis *a = d;
    enum CXCursorKind k = clang_getCursorKind(c);
    find_cookies(a, c, k);
    find_sentinels(a, c, k);
    if (k == CXCursor_IfStmt || k == CXCursor_ConditionalOperator) {
        /* a branch the compiler drops (IS_ENABLED, `return false;`) is
         * not walked: its calls are not in the object (constant.c) */
        CXCursor kid[3];
        long long v;
        int n = child_cursors(c, kid, 3);
        if (n >= 2 && n <= 3 && const_value(kid[0], &v)) {
            int live = v ? 1 : 2;
            walk_node(a, kid[0], c);
            if (live < n)
                walk_node(a, kid[live], c);
            return CXChildVisit_Continue;
        }
    }
    if (k == CXCursor_BinaryOperator &&
        (clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_LAnd ||
         clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_LOr)) {
        /* 0 && x, 1 || x: x is never evaluated (RCU_LOCKDEP_WARN's
         * `while (0 && (c))` without lockdep) */
        CXCursor kid[2];
        long long v;
        int and = clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_LAnd;
        if (child_cursors(c, kid, 2) == 2 && const_value(kid[0], &v) && (and? !v : !!v)) {
            walk_node(a, kid[0], c);
            return CXChildVisit_Continue;
        }
    }
    if (k == CXCursor_VarDecl && !clang_Cursor_isNull(a->current_def)) {
        CXCursor fn = local_only_called(c, a->current_def);
        if (!clang_Cursor_isNull(fn)) { /* called through a local: a call */
            char *n = spell(fn);
            reach_call(a, n);
            free(n);
            return CXChildVisit_Continue;
        }
    }
    if (k == CXCursor_DeclRefExpr) {
        CXCursor var = clang_getCursorReferenced(c);
        if (clang_getCursorKind(var) == CXCursor_VarDecl &&
            clang_Cursor_hasVarDeclGlobalStorage(var) == 1 &&
            clang_getCursorLinkage(var) == CXLinkage_External && !in_driver(a, var)) {
            /* a kernel global (jiffies, nr_cpu_ids): the domain has no copy */
            char *n = spell(var), w[512];
            where(a, c, w, sizeof w);
            set_add(&a->kernel_globals, n, w, var);
            free(n);
        }
    }
    if (k == CXCursor_AsmStmt)
        note_inline_asm(a, c);
    if (k == CXCursor_DeclRefExpr && !is_call_site(a, c)) {
        note_kernel_fn_value(a, c);
        note_root(a, c);
    }
    if (k == CXCursor_DeclRefExpr && !is_call_site(a, c)) {
        /* a driver function whose address escapes can be called by anyone
         * holding it; Linux's module_init/module_exit take it in
         * __inittest/__exittest */
        int init = strcmp(a->current_fn, "__inittest") == 0;
        int exit = strcmp(a->current_fn, "__exittest") == 0;
        note_function_ref(a, c,
                          init   ? "module_init"
                          : exit ? "module_exit"
                                 : "address taken",
                          init || exit);
        return CXChildVisit_Recurse;
    }
    if (k == CXCursor_BinaryOperator || k == CXCursor_CompoundAssignOperator) {
        enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
        if (op == CXBinaryOperator_Assign || k == CXCursor_CompoundAssignOperator) {
            struct assignment as = {a, 0};
            clang_visitChildren(c, assigned_visit, &as);
            return CXChildVisit_Continue;
        }
    } else if (k == CXCursor_UnaryOperator) {
        enum CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
        if (op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec ||
            op == CXUnaryOperator_PreInc || op == CXUnaryOperator_PreDec) {
            struct assignment as = {a, 0};
            clang_visitChildren(c, assigned_visit, &as);
            return CXChildVisit_Continue;
        }
        if (op == CXUnaryOperator_AddrOf) {
            /* &a->f handed on (dev_lstats_read(dev, &stats->tx_packets, ...))
             * may be read or written through: both */
            /* &a->f handed on: the operand's member is read as well (the
             * traversal that recorded it as written visited all under it) */
            struct assignment as = {a, 0};
            clang_visitChildren(c, assigned_visit, &as);
            CXCursor m = member_under(c);
            if (!clang_Cursor_isNull(m))
                record_access(a, m, 0);
            return CXChildVisit_Continue;
        }
    } else if (k == CXCursor_MemberRefExpr) {
        record_access(a, c, 0);
    } else if (k == CXCursor_CallExpr) {
        note_call_site(a, c);
        CXCursor callee = clang_getCursorReferenced(c);
        if (clang_getCursorKind(callee) == CXCursor_FunctionDecl) {
            char *n = spell(callee);
            CXCursor def = clang_getCursorDefinition(callee);
            int defined_here =
                !clang_Cursor_isNull(def) && in_driver(a, def) && !header_inline(def);
            int inline_in_header = !clang_Cursor_isNull(def) && !defined_here;
            char w[512];
            where(a, c, w, sizeof w);
            reach_call(a, n);
            if (is_local_lib(a, n) && strstr(n, "printk"))
                a->uses_log = 1;
            if (strcmp(n, "cdn_blk_media") == 0 && clang_Cursor_getNumArguments(callee) > 0) {
                CXType at = clang_getCursorType(clang_Cursor_getArgument(callee, 0));
                a->media_disk_decl = clang_getTypeDeclaration(
                    clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(at))));
                a->uses_media = 1;
            }
            if (is_lock_name(n)) {
                set_add(&a->locks, n, w, callee);
                struct lock_call lc = {a, n, w};
                clang_visitChildren(c, lock_operand, &lc);
                track_critical_section(a, n);
            }
            if (!defined_here && !inline_in_header && !is_local_lib(a, n) &&
                !is_compile_time_check(n) && strncmp(n, "__builtin", 9) != 0) {
                set_add(&a->drv_to_kernel, n, w, callee);
                clang_visitChildren(c, callback_args, a);
                note_driver_owned_args(a, c, n);
            }
            if (!clang_Cursor_isNull(def))
                note_args_only_called(a, c, def);
            /* A kernel header's inline function runs in the domain, as part
             * of the driver: its calls into the kernel and its field accesses
             * are the driver's (dev_kfree_skb calls consume_skb). Each is
             * followed once per unit; local and lock functions are not. */
            if (inline_in_header && !is_local_lib(a, n) && !is_compile_time_check(n) &&
                inline_first_visit(a, def)) {
                char caller[sizeof a->node];
                memcpy(caller, a->node, sizeof caller);
                snprintf(a->node, sizeof a->node, "%s", n); /* its calls are its own */
                clang_visitChildren(def, body_visit, a);
                memcpy(a->node, caller, sizeof caller);
            }
            free(n);
        }
    }
    return CXChildVisit_Recurse;
}

/* Whether t is (an array of) a struct or union the driver defines. */
static int driver_typed(struct analysis *a, CXType t)
{
    t = clang_getCanonicalType(t);
    while (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
        t = clang_getCanonicalType(clang_getArrayElementType(t));
    if (t.kind != CXType_Record)
        return 0;
    CXCursor d = clang_getTypeDeclaration(t);
    return !clang_Cursor_isNull(d) && in_driver(a, d);
}

/* Global initializers: driver functions named there are entry points. */
struct initializer {
    struct analysis *a;
    const char *var;
    CXCursor field; /* the last designator's field */
};

/* A function named in an initializer, for the field the designator before
 * it names (.open = fn): the kernel's own function there (eth_mac_addr)
 * crosses nothing, and its slot is not the driver's; a driver function
 * makes the slot the driver's. */
static void note_slot_filler(struct analysis *a, CXCursor field, CXCursor fn, const char *var)
{
    char *st = field_struct(field);
    if (!st)
        return;
    char *f = spell(field), *n = spell(fn), key[300];
    snprintf(key, sizeof key, "%s.%s", st, f);
    CXCursor def = clang_getCursorDefinition(fn);
    int driver = in_driver(a, fn) || (!clang_Cursor_isNull(def) && in_driver(a, def));
    if (driver) {
        set_add(&a->driver_slots, key, NULL, field);
    } else {
        char note[400];
        snprintf(note, sizeof note, "%s (in %s.%s)", n, var, f);
        set_add(&a->kernel_slots, key, NULL, field);
        set_add(&a->kernel_in_ops, note, NULL, fn);
    }
    free(st);
    free(f);
    free(n);
}

static enum CXChildVisitResult init_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct initializer *in = d;
    struct analysis *a = in->a;
    const char *var = in->var;
    if (clang_getCursorKind(c) == CXCursor_MemberRef) {
        in->field = clang_getCursorReferenced(c);
        return CXChildVisit_Recurse;
    }
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        CXCursor fn = clang_getCursorReferenced(c);
        if (clang_getCursorKind(fn) == CXCursor_FunctionDecl &&
            clang_getCursorKind(in->field) == CXCursor_FieldDecl)
            note_slot_filler(a, in->field, fn, var);
    }
    if (clang_getCursorKind(c) == CXCursor_DeclRefExpr) {
        char how[300];
        snprintf(how, sizeof how, "in the initializer of %s", var);
        /* kernel/include/linux/module.h's module_init/module_exit */
        int entry =
            strcmp(var, "cdn_module_init_fn") == 0 || strcmp(var, "cdn_module_exit_fn") == 0;
        note_function_ref(a, c, how, entry);
    }
    return CXChildVisit_Recurse;
}

/* Designated initializers of ops tables count as accesses (writes) too. */
static enum CXChildVisitResult ops_init(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct analysis *a = d;
    if (clang_getCursorKind(c) == CXCursor_MemberRef)
        record_access(a, c, 1);
    return CXChildVisit_Recurse;
}

enum CXChildVisitResult top_visit(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct analysis *a = d;
    if (!in_driver(a, c))
        return CXChildVisit_Continue;
    enum CXCursorKind k = clang_getCursorKind(c);
    if (k == CXCursor_FunctionDecl && clang_isCursorDefinition(c) && !header_inline(c)) {
        char *n = spell(c);
        snprintf(a->current_fn, sizeof a->current_fn, "%s", n);
        snprintf(a->node, sizeof a->node, "%s", n);
        a->current_def = c;
        /* no cursor kept: its unit may be disposed of after the walk */
        set_add(&a->driver_defs, n, NULL, clang_getNullCursor());
        if (clang_Cursor_getStorageClass(c) != CX_SC_Static)
            reach_root(a, n); /* another object may call it */
        free(n);
        a->ncall_sites = 0;
        a->held = 0; /* a section does not outlive its function */
        clang_visitChildren(c, body_visit, a);
        a->current_fn[0] = 0;
        a->node[0] = 0;
        a->current_def = clang_getNullCursor();
        a->held = 0; /* nor reaches the initialisers after it */
    } else if (k == CXCursor_VarDecl) {
        char *n = spell(c);
        snprintf(a->current_fn, sizeof a->current_fn, "%s", n);
        struct initializer in = {a, n, clang_getNullCursor()};
        /* functions in the driver's own tables (a struct of the driver's,
         * or an array of them) are not the kernel's to call */
        if (!driver_typed(a, clang_getCursorType(c)))
            clang_visitChildren(c, init_visit, &in);
        clang_visitChildren(c, ops_init, a);    /* designated initialisers write fields */
        clang_visitChildren(c, roots_visit, a); /* functions named there are kept */
        a->current_fn[0] = 0;
        free(n);
    }
    return CXChildVisit_Continue;
}

/* A function another driver file defines is the driver's own: each
 * translation unit alone could not know that. */
static int not_driver_defined(void *ctx, const char *name)
{
    struct analysis *a = ctx;
    return set_find(&a->driver_defs, name) < 0;
}

void drop_driver_defined_calls(struct analysis *a)
{
    set_filter(&a->drv_to_kernel, not_driver_defined, a);
}

void resolve_pending_refs(struct analysis *a)
{
    for (int i = 0; i < a->pending_refs.n; i++) {
        int d = set_find(&a->driver_defs, a->pending_refs.v[i]);
        if (d < 0)
            continue; /* no driver file defines it: the kernel's */
        /* the declaration the reference saw (its unit is kept) */
        int k = set_add(&a->kernel_to_drv, a->pending_refs.v[i], a->pending_refs.note[i],
                        a->pending_refs.decl[i]);
        if (a->pending_refs.module_entry[i])
            a->kernel_to_drv.module_entry[k] = 1;
    }
}

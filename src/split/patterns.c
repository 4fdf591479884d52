/* patterns.c - expression patterns: cookies, sentinels, driver-owned arguments. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* The first two children of a cursor. */
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

enum CXChildVisitResult first_expr(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    *(CXCursor *)d = c;
    return CXChildVisit_Break;
}

/* Looks through implicit conversions and parentheses. */
CXCursor strip_implicit(CXCursor c)
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
static CXType kernel_ptr_field(struct analysis *a, CXCursor m, char *key, size_t cap)
{
    CXType none = {0};
    none.kind = CXType_Invalid;
    m = strip_implicit(m);
    if (clang_getCursorKind(m) != CXCursor_MemberRefExpr)
        return none;
    CXCursor field = clang_getCursorReferenced(m);
    CXType ft = clang_getCanonicalType(clang_getCursorType(field));
    if (clang_getCursorKind(field) != CXCursor_FieldDecl || in_driver(a, field) ||
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
static void note_void_use(struct analysis *a, CXCursor m, CXCursor rec)
{
    char key[300];
    if (clang_Cursor_isNull(rec) || kernel_ptr_field(a, m, key, sizeof key).kind != CXType_Void)
        return;
    if (in_driver(a, rec)) {
        set_add(&a->cookies, key, NULL, clang_getNullCursor());
        return;
    }
    char *target = spell(rec);
    int i = set_find(&a->void_casts, key);
    if (i < 0)
        set_add(&a->void_casts, key, target, rec);
    else if (strcmp(a->void_casts.note[i], target) != 0) {
        free(a->void_casts.note[i]);
        a->void_casts.note[i] = strdup("*");
    }
    free(target);
}

/* Pointer fields the driver walks until a zero element (p->ids[i] != 0 or
 * while (p->ids[i])): sentinel-terminated arrays. "struct.field". */

/* e is p->f[i] (through implicit conversions) with f a pointer to a
 * scalar field of a kernel struct: records f. */
static void note_sentinel(struct analysis *a, CXCursor e)
{
    e = strip_implicit(e);
    if (clang_getCursorKind(e) != CXCursor_ArraySubscriptExpr)
        return;
    char key[300];
    CXType pointee = kernel_ptr_field(a, member_under(e), key, sizeof key);
    if (pointee.kind != CXType_Invalid && scalar_of(pointee))
        set_add(&a->sentinels, key, NULL, clang_getNullCursor());
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

void find_sentinels(struct analysis *a, CXCursor c, enum CXCursorKind k)
{
    if (k == CXCursor_WhileStmt) {
        CXCursor cond = clang_getNullCursor();
        clang_visitChildren(c, first_expr, &cond);
        note_sentinel(a, cond);
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
            note_sentinel(a, kids[0]);
            note_sentinel(a, kids[1]);
        }
    }
}

/* struct mine *p = x->cookie;   x->cookie = p;   (struct mine *)x->cookie */
void find_cookies(struct analysis *a, CXCursor c, enum CXCursorKind k)
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
            note_void_use(a, last, rec);
    } else if (k == CXCursor_CStyleCastExpr) {
        CXCursor rec = struct_ptr_decl(clang_getCursorType(c));
        CXCursor in = clang_getNullCursor();
        clang_visitChildren(c, last_kid, &in);
        if (!clang_Cursor_isNull(in))
            note_void_use(a, in, rec);
    } else if (k == CXCursor_BinaryOperator &&
               clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
        CXCursor kids[2] = {clang_getNullCursor(), clang_getNullCursor()};
        struct kid_list t = {kids, 0};
        clang_visitChildren(c, two_kids, &t);
        if (!clang_Cursor_isNull(kids[1]))
            note_void_use(a, kids[0],
                          struct_ptr_decl(clang_getCursorType(strip_implicit(kids[1]))));
    }
}

/*
 * Arguments that point into the driver's own memory (&nb->tag_set,
 * &my_global): the driver made that object, so the call may introduce it
 * to the kernel, and the IDL must say so ([alloc(caller)]: the host makes
 * its shadow). Kept as "function#index".
 */
void note_driver_owned_args(struct analysis *a, CXCursor call, const char *fname)
{
    int n = clang_Cursor_getNumArguments(call);
    for (int i = 0; i < n; i++) {
        CXCursor arg = strip_implicit(clang_Cursor_getArgument(call, (unsigned)i));
        if (clang_getCursorKind(arg) != CXCursor_UnaryOperator ||
            clang_getCursorUnaryOperatorKind(arg) != CXUnaryOperator_AddrOf)
            continue;
        CXCursor operand = clang_getNullCursor();
        clang_visitChildren(arg, first_expr, &operand);
        operand = strip_implicit(operand);
        CXCursor ref = clang_getCursorReferenced(operand);
        /* a field of one of the driver's structs, or one of its variables */
        if (!clang_Cursor_isNull(ref) && in_driver(a, ref) &&
            (clang_getCursorKind(ref) == CXCursor_FieldDecl ||
             clang_getCursorKind(ref) == CXCursor_VarDecl)) {
            char key[300];
            snprintf(key, sizeof key, "%s#%d", fname, i);
            set_add(&a->driver_owned_args, key, NULL, clang_getNullCursor());
        }
    }
}

/* The member access directly under c (c's operand or base), through
 * implicit conversions and parentheses, or a null cursor. */
CXCursor member_under(CXCursor c)
{
    CXCursor k = clang_getNullCursor();
    clang_visitChildren(c, first_expr, &k);
    if (clang_Cursor_isNull(k))
        return k;
    k = strip_implicit(k);
    return clang_getCursorKind(k) == CXCursor_MemberRefExpr ? k : clang_getNullCursor();
}

/*
 * A local variable holding a driver function (null_blk's configfs macro:
 * `int (*apply_fn)(...) = APPLY; ... if (apply_fn) ret = apply_fn(...);`),
 * or a header inline's parameter given one (veth's
 * `ptr_ring_cleanup(&ring, veth_ptr_free)`, whose loop calls `destroy`):
 * if every use of the variable calls it or tests it, the function is only
 * called from here, never handed on, and is no callback. Any other use
 * (passed, stored, returned, assigned) is an escape.
 */
struct local_uses {
    CXCursor var;
    int uses, benign;
};

static int names_var(CXCursor e, CXCursor var)
{
    e = strip_implicit(e);
    return clang_getCursorKind(e) == CXCursor_DeclRefExpr &&
           clang_equalCursors(clang_getCursorReferenced(e), var);
}

static enum CXChildVisitResult count_uses(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct local_uses *u = d;
    enum CXCursorKind k = clang_getCursorKind(c);
    CXCursor kid[2];
    int n = 0;
    if (k == CXCursor_DeclRefExpr && clang_equalCursors(clang_getCursorReferenced(c), u->var))
        u->uses++;
    if (k == CXCursor_CallExpr || k == CXCursor_IfStmt || k == CXCursor_WhileStmt ||
        k == CXCursor_ConditionalOperator) {
        n = child_cursors(c, kid, 1) > 0; /* the callee, or the condition */
    } else if (k == CXCursor_UnaryOperator &&
               clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_LNot) {
        n = child_cursors(c, kid, 1) > 0;
    } else if (k == CXCursor_BinaryOperator &&
               (clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_EQ ||
                clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_NE ||
                clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_LAnd ||
                clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_LOr)) {
        n = child_cursors(c, kid, 2) >= 2 ? 2 : 0;
    }
    for (int i = 0; i < n; i++)
        u->benign += names_var(kid[i], u->var);
    return CXChildVisit_Recurse;
}

int only_called(CXCursor var, CXCursor body)
{
    struct local_uses u = {var, 0, 0};
    clang_visitChildren(body, count_uses, &u);
    return u.uses == u.benign;
}

CXCursor local_only_called(CXCursor var, CXCursor fn_body)
{
    if (clang_Cursor_hasVarDeclGlobalStorage(var) != 0)
        return clang_getNullCursor();
    CXCursor init = strip_implicit(clang_Cursor_getVarDeclInitializer(var));
    if (clang_getCursorKind(init) != CXCursor_DeclRefExpr)
        return clang_getNullCursor();
    CXCursor fn = clang_getCursorReferenced(init);
    if (clang_getCursorKind(fn) != CXCursor_FunctionDecl)
        return clang_getNullCursor();
    return only_called(var, fn_body) ? fn : clang_getNullCursor();
}

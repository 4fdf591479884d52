/*
 * constant.c - conditions the compiler decides: a branch it never emits is
 * not the driver's code.
 *
 * Kernel sources select code with constant conditions far more than with
 * #ifdef: IS_ENABLED(CONFIG_X) is 0 or 1, a tracepoint's rcuidle argument
 * is a literal, and a static function whose configuration removed its body
 * (should_requeue_request without fault injection) is `return false;`.
 * At -O2 the compiler folds all of these and the calls in the dead branch
 * vanish from the object file, so the analysis must not count them either.
 *
 * Invariant: const_value answers only when the value is certain; an
 * expression it cannot decide keeps both branches (the analysis then lists
 * too much, never too little).
 */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <string.h>

#include "analysis.h"

#define CONST_DEPTH 8 /* nesting followed through calls and operators */

struct kids {
    CXCursor c[3];
    int n;
};

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    struct kids *k = d;
    if (k->n < 3)
        k->c[k->n] = c;
    k->n++;
    return CXChildVisit_Continue;
}

int child_cursors(CXCursor c, CXCursor *out, int max)
{
    struct kids k = {.n = 0};
    clang_visitChildren(c, collect, &k);
    for (int i = 0; i < k.n && i < max && i < 3; i++)
        out[i] = k.c[i];
    return k.n;
}

static int eval(CXCursor c, long long *v, int depth);

/* A function definition's body (after its parameters). */
static enum CXChildVisitResult find_body(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    if (clang_getCursorKind(c) == CXCursor_CompoundStmt)
        *(CXCursor *)d = c;
    return CXChildVisit_Continue;
}

/* A static function whose whole body is `return CONSTANT;` (a header's
 * inline or the driver's own): the compiler inlines and folds a call. */
static int constant_function(CXCursor callee, long long *v, int depth)
{
    CXCursor def = clang_getCursorDefinition(callee);
    if (clang_Cursor_isNull(def) || clang_Cursor_getStorageClass(def) != CX_SC_Static)
        return 0;
    CXCursor body = clang_getNullCursor();
    clang_visitChildren(def, find_body, &body);
    if (clang_Cursor_isNull(body))
        return 0;
    CXCursor stmt[1];
    if (child_cursors(body, stmt, 1) != 1 || clang_getCursorKind(stmt[0]) != CXCursor_ReturnStmt)
        return 0;
    CXCursor ret[1];
    return child_cursors(stmt[0], ret, 1) == 1 && eval(ret[0], v, depth + 1);
}

static int eval(CXCursor c, long long *v, int depth)
{
    if (depth > CONST_DEPTH || !clang_isExpression(clang_getCursorKind(c)))
        return 0;
    CXEvalResult r = clang_Cursor_Evaluate(c);
    if (r) {
        int ok = clang_EvalResult_getKind(r) == CXEval_Int;
        if (ok)
            *v = clang_EvalResult_getAsLongLong(r);
        clang_EvalResult_dispose(r);
        if (ok)
            return 1;
    }
    CXCursor k[3];
    int n = child_cursors(c, k, 3);
    long long l, rv;
    switch (clang_getCursorKind(c)) {
    case CXCursor_UnexposedExpr:
    case CXCursor_ParenExpr:
        return n == 1 && eval(k[0], v, depth + 1);
    case CXCursor_UnaryOperator:
        if (n == 1 && clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_LNot &&
            eval(k[0], &l, depth + 1)) {
            *v = !l;
            return 1;
        }
        return 0;
    case CXCursor_BinaryOperator: {
        if (n != 2)
            return 0;
        enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
        int lk = eval(k[0], &l, depth + 1), rk = eval(k[1], &rv, depth + 1);
        /* the operands are still evaluated (and visited): only the value
         * of the whole is decided */
        if (op == CXBinaryOperator_LAnd) {
            if ((lk && !l) || (rk && !rv))
                return *v = 0, 1;
            if (lk && rk)
                return *v = 1, 1;
        } else if (op == CXBinaryOperator_LOr) {
            if ((lk && l) || (rk && rv))
                return *v = 1, 1;
            if (lk && rk)
                return *v = 0, 1;
        }
        return 0;
    }
    case CXCursor_CallExpr: {
        CXCursor callee = clang_getCursorReferenced(c);
        return clang_getCursorKind(callee) == CXCursor_FunctionDecl &&
               constant_function(callee, v, depth);
    }
    default:
        return 0;
    }
}

int const_value(CXCursor c, long long *v)
{
    return eval(c, v, 0);
}

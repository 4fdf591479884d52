/* idl_types.c - C types as IDL types; rpc and rpc_ptr declarations. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* The IDL name of the projection of struct n: its own name, unless an rpc
 * has it (ptp_clock_event is both a struct and a function in Linux). */
const char *proj_name(struct analysis *a, const char *n)
{
    static char ring[8][256];
    static int next;
    if (set_find(&a->drv_to_kernel, n) < 0 && set_find(&a->kernel_to_drv, n) < 0)
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
const char *idl_ident(const char *n)
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

const char *scalar_of(CXType t)
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

char *type_struct_name(CXType t)
{
    t = clang_getCanonicalType(t);
    if (t.kind != CXType_Record)
        return NULL;
    CXCursor d = clang_getTypeDeclaration(t);
    return is_anonymous(d) ? NULL : spell(d);
}

/* Writes an IDL type for t (a parameter, return or field). Returns 0 if it
 * cannot (and warns). */
int idl_type(struct analysis *a, FILE *o, CXType t, const char *what, int field)
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
        set_add(&a->enums, en, NULL, ed);
        fprintf(o, "enum %s", idl_ident(en));
        free(en);
        return 1;
    }
    if (can.kind == CXType_Pointer) {
        CXType pt = clang_getCanonicalType(clang_getPointeeType(can));
        if (pt.kind == CXType_Char_S || pt.kind == CXType_Char_U) {
            fprintf(o, "string<255>");
            warn(a, "%s: char * taken as a string of at most 255 characters: check the bound",
                 what);
            return 1;
        }
        char *sn = type_struct_name(pt);
        if (sn) {
            set_add(&a->structs, sn, NULL, clang_getTypeDeclaration(pt));
            fprintf(o, "projection %s *", proj_name(a, sn));
            free(sn);
            return 1;
        }
        if (pt.kind == CXType_Void) {
            warn(a, "%s: void * cannot cross; a person must choose a projection or shared buffer",
                 what);
            return 0;
        }
        if (pt.kind == CXType_FunctionProto) {
            warn(a, "%s: function pointer: declared as an rpc_ptr slot", what);
            return 0;
        }
        const char *ps = scalar_of(pt);
        if (ps && field) {
            warn(a, "%s: %s * field has no bound: a person must choose shared<N> or an array", what,
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
        set_add(&a->structs, sn, NULL, clang_getTypeDeclaration(can));
        fprintf(o, "projection %s", proj_name(a, sn));
        free(sn);
        return 1;
    }
    free(sn);
    CXString s = clang_getTypeSpelling(t);
    warn(a, "%s: type '%s' has no IDL form yet", what, clang_getCString(s));
    clang_disposeString(s);
    return 0;
}

/* A parameter's IDL name: its own, or argN for an unnamed one (two
 * unnamed parameters must not share a name). */
static const char *param_name(const char *an, int i, char *buf, size_t n)
{
    if (*an)
        return idl_ident(an);
    snprintf(buf, n, "arg%d", i);
    return buf;
}

void write_params(struct analysis *a, FILE *o, CXCursor fn, int in_drv_to_kernel)
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
        CXCursor arg = clang_Cursor_getArgument(fn, (unsigned)i);
        char *an = spell(arg);
        char what[512], pbuf[32];
        const char *pn = param_name(an, i, pbuf, sizeof pbuf);
        snprintf(what, sizeof what, "%s(%s)", fname, an);
        if (i)
            fprintf(o, ", ");
        CXType at = clang_getCursorType(arg);
        CXType pt = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(at)));
        char *sn = clang_getCanonicalType(at).kind == CXType_Pointer ? type_struct_name(pt) : NULL;
        if (clang_getCanonicalType(at).kind == CXType_Pointer && pt.kind == CXType_FunctionProto) {
            fprintf(o, "rpc_ptr %s_%s %s", fname, *an ? an : pbuf, pn);
        } else if (sn && in_drv_to_kernel && !is_freeing_fn(fname, n) &&
                   set_find(&a->driver_owned_args,
                            (snprintf(okey, sizeof okey, "%s#%d", fname, i), okey)) >= 0) {
            set_add(&a->structs, sn, NULL, clang_getTypeDeclaration(pt));
            fprintf(o, "projection %s [alloc(caller)] * %s", proj_name(a, sn), pn);
            warn(a, "%s: the driver passes its own object: [alloc(caller)]; check", what);
        } else if (sn && !freed_one && in_drv_to_kernel && is_freeing_fn(fname, n)) {
            set_add(&a->structs, sn, NULL, clang_getTypeDeclaration(pt));
            fprintf(o, "projection %s [dealloc(callee)] * %s", proj_name(a, sn), pn);
            warn(a,
                 "%s: taken as freeing its argument (by the function's name): "
                 "[dealloc(callee)]; check",
                 what);
            freed_one = 1;
        } else {
            if (!idl_type(a, o, at, what, 0))
                fprintf(o, "u64 /* FIXME */");
            fprintf(o, " %s", pn);
        }
        free(sn);
        free(an);
    }
}

/* A result type, rpcs' and slots' alike: no string comes back (char * is a
 * FIXME with a warning), and a type with no IDL form is a FIXME of type
 * fallback. */
static void write_result_type(struct analysis *a, FILE *o, CXType rt, const char *what,
                              const char *fallback)
{
    CXType rpt = clang_getCanonicalType(clang_getPointeeType(clang_getCanonicalType(rt)));
    if (clang_getCanonicalType(rt).kind == CXType_Void) {
        fprintf(o, "void");
    } else if (clang_getCanonicalType(rt).kind == CXType_Pointer &&
               (rpt.kind == CXType_Char_S || rpt.kind == CXType_Char_U)) {
        warn(a,
             "%s: returns char *: a string cannot come back as a result; return it through a "
             "projection",
             what);
        fprintf(o, "u64 /* FIXME: char * */");
    } else if (!idl_type(a, o, rt, what, 0)) {
        fprintf(o, "%s /* FIXME */", fallback);
    }
}

/* "rpc_ptr RET PREFIX_NAME(ARGS);" for a function prototype type. A type
 * with no IDL form is written as a FIXME (and warned about by idl_type). */
void write_rpc_ptr(struct analysis *a, FILE *o, CXType proto, const char *prefix, const char *name,
                   const char *what)
{
    fprintf(o, "    rpc_ptr ");
    write_result_type(a, o, clang_getResultType(proto), what, "s32");
    fprintf(o, " %s_%s(", prefix, name);
    int na = clang_getNumArgTypes(proto);
    if (na <= 0)
        fprintf(o, "void");
    for (int j = 0; j < na; j++) {
        fprintf(o, "%s", j ? ", " : "");
        if (!idl_type(a, o, clang_getArgType(proto, (unsigned)j), what, 0))
            fprintf(o, "u64 /* FIXME */");
        fprintf(o, " a%d", j);
    }
    fprintf(o, ");\n");
}

/* A function-pointer argument needs an rpc_ptr declaration: derive it. */
void write_fnptr_decls(struct analysis *a, FILE *o, CXCursor fn)
{
    int n = clang_Cursor_getNumArguments(fn);
    char *fname = spell(fn);
    for (int i = 0; i < n; i++) {
        CXCursor arg = clang_Cursor_getArgument(fn, (unsigned)i);
        CXType pt = clang_getCanonicalType(
            clang_getPointeeType(clang_getCanonicalType(clang_getCursorType(arg))));
        if (pt.kind != CXType_FunctionProto)
            continue;
        char *an = spell(arg), pbuf[32];
        char what[300];
        snprintf(what, sizeof what, "%s(%s)", fname, an);
        param_name(an, i, pbuf, sizeof pbuf); /* as write_params names it */
        write_rpc_ptr(a, o, pt, fname, *an ? an : pbuf, what);
        free(an);
    }
    free(fname);
}

struct enum_writer {
    FILE *o;
    int count; /* constants written */
};

static enum CXChildVisitResult enum_const(CXCursor c, CXCursor parent, CXClientData d)
{
    (void)parent;
    if (clang_getCursorKind(c) != CXCursor_EnumConstantDecl)
        return CXChildVisit_Continue;
    struct enum_writer *ew = d;
    char *n = spell(c);
    fprintf(ew->o, "%s%s = %lld", ew->count++ ? ", " : "", n, clang_getEnumConstantDeclValue(c));
    free(n);
    return CXChildVisit_Continue;
}

void write_enum(FILE *o, const char *name, CXCursor decl)
{
    struct enum_writer ew = {o, 0};
    fprintf(o, "    enum %s { ", idl_ident(name));
    clang_visitChildren(decl, enum_const, &ew);
    fprintf(o, " }\n");
}

void write_ret(struct analysis *a, FILE *o, CXCursor fn, const char *what)
{
    write_result_type(a, o, clang_getCursorResultType(fn), what, "s64");
}

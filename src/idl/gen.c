/*
 * gen.c - writes the C glue for a checked IDL file.
 *
 *   NAME_common.h   rpc ids, projection type tags, enum validators
 *   NAME_host.h/.c  host side: dispatch of domain -> host rpcs, caller stubs
 *                   (NAME_call_FN) for export rpcs, trampolines for rpc_ptrs
 *   NAME_domain.h/.c domain side: stubs with the original C names for rpcs,
 *                   dispatch of export rpcs and rpc_ptrs
 *
 * The wire format (little endian, no padding), per value:
 *   scalar, enum    its width (enum: 4)        bool   1 byte, 0 or 1
 *   string<N>       u32 length, bytes (no NUL)  array  [u32 count,] elements
 *   shared<N> *     u64 heap reference, u32 length
 *   scalar *        u8 present [, value]
 *   projection *    u64 reference, u8 flags [, fields]
 * Fields of a projection follow its reference: on a NEW object all fields
 * and (domain -> host) a u64 of ops-table slot bits; otherwise the fields of
 * the call's direction. A call's reply carries the return value, then each
 * argument's [out] part in order.
 *
 * Marshalling helpers are emitted into each side's .c (static), because the
 * two sides differ (only the host installs trampolines).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/glue.h"
#include "gen.h"

enum side { HOST, DOMAIN };
enum dir { DIR_IN = 1, DIR_OUT = 2, DIR_ALL = 3 };

struct gen {
    const struct idl_file *f;
    int host; /* generating the host side (it refuses unannounced new objects) */
    FILE *o;
    const char *m; /* module name */
    int failed;
};

__attribute__((format(printf, 2, 3))) static void out(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->o, fmt, ap);
    va_end(ap);
}

static void gen_error(struct gen *g, struct idl_loc loc, const char *msg, const char *name)
{
    fprintf(stderr, "%s:%u:%u: error: %s '%s'\n", g->f->path, loc.line, loc.col, msg, name);
    g->failed = 1;
}

/* ---- C types ---- */

static const char *scalar_c(const struct idl_type *t)
{
    static const char *u[] = {"", "uint8_t", "uint16_t", "", "uint32_t", "", "", "", "uint64_t"};
    static const char *s[] = {"", "int8_t", "int16_t", "", "int32_t", "", "", "", "int64_t"};
    return t->is_signed ? s[t->width] : u[t->width];
}

/* The C type of a value of IDL type t (element types for arrays). */
static void c_type(struct gen *g, const struct idl_var *v, char *buf, size_t n)
{
    const struct idl_type *t = v->type;
    switch (t->kind) {
    case T_VOID:
        snprintf(buf, n, "void");
        break;
    case T_SCALAR:
        snprintf(buf, n, "%s%s", scalar_c(t), v->pointer ? " *" : "");
        break;
    case T_BOOL:
        snprintf(buf, n, "bool%s", v->pointer ? " *" : "");
        break;
    case T_ENUM:
        snprintf(buf, n, "enum %s%s", t->ref, v->pointer ? " *" : "");
        break;
    case T_STRING:
        snprintf(buf, n, "const char *");
        break;
    case T_ARRAY: {
        const struct idl_type *e = t->elem;
        snprintf(buf, n, "const %s *",
                 e->kind == T_SCALAR ? scalar_c(e)
                 : e->kind == T_BOOL ? "bool"
                                     : "int32_t");
        break;
    }
    case T_PROJECTION:
        snprintf(buf, n, "struct %s *", t->proj->c_struct);
        break;
    case T_SHARED:
        snprintf(buf, n, "void *");
        break;
    case T_RPC_PTR:
        snprintf(buf, n, "%s_fn_%s", g->m, t->ref);
        break;
    }
}

static void print_params(struct gen *g, const struct idl_rpc *r, int leading_comma)
{
    char ty[128];
    if (!r->params && !leading_comma) {
        out(g, "void");
        return;
    }
    int first = !leading_comma;
    for (const struct idl_var *v = r->params; v; v = v->next) {
        c_type(g, v, ty, sizeof ty);
        size_t l = strlen(ty);
        out(g, "%s%s%s%s", first ? "" : ", ", ty, ty[l - 1] == '*' ? "" : " ", v->name);
        first = 0;
    }
}

static void ret_type(struct gen *g, const struct idl_rpc *r, char *buf, size_t n)
{
    c_type(g, r->ret, buf, n);
}

/* The value a failed stub returns. */
static const char *dead_value(const struct idl_rpc *r)
{
    switch (r->ret->type->kind) {
    case T_VOID:
        return "";
    case T_BOOL:
        return " false";
    case T_PROJECTION:
    case T_SHARED:
        return " NULL";
    default:
        return NULL; /* cast of cdn_glue_dead_value */
    }
}

static void emit_dead_return(struct gen *g, const struct idl_rpc *r, const char *indent)
{
    const char *dv = dead_value(r);
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    if (dv)
        out(g, "%sreturn%s;\n", indent, dv);
    else
        out(g, "%sreturn (%s)cdn_glue_dead_value(cdn_g);\n", indent, rt);
}

#define FN_POOL CDN_FN_POOL /* trampolines per rpc_ptr passed as an argument */

static int used_as_argument(const struct idl_file *f, const struct idl_rpc *rp)
{
    for (const struct idl_rpc *r = f->rpcs; r; r = r->next)
        for (const struct idl_var *v = r->params; v; v = v->next)
            if (v->type->kind == T_RPC_PTR && v->type->rpcptr == rp)
                return 1;
    return 0;
}

/* ---- direction helpers ---- */

static int field_dir(const struct idl_var *v)
{
    if (v->attrs & AT_UNUSED)
        return 0;
    int d = ((v->attrs & AT_IN) ? DIR_IN : 0) | ((v->attrs & AT_OUT) ? DIR_OUT : 0);
    return d ? d : DIR_ALL;
}

/* The directions in which field v travels when this side sends it (put) or
 * receives it (get). [read_only] fields go host -> domain only and
 * [write_only] ones domain -> host only, whichever side calls: a domain can
 * never write a [read_only] field of a host object, whatever it sends. */
static int field_dir_io(const struct gen *g, const struct idl_var *v, int put)
{
    int d = field_dir(v);
    if (v->attrs & AT_READ_ONLY)
        return g->host == put ? d : 0;
    if (v->attrs & AT_WRITE_ONLY)
        return g->host != put ? d : 0;
    return d;
}

static int param_dir(const struct idl_var *v)
{
    int d = ((v->attrs & AT_IN) ? DIR_IN : 0) | ((v->attrs & AT_OUT) ? DIR_OUT : 0);
    return d ? d : DIR_IN;
}

/* ---- scalar put/get ---- */

static void put_scalar(struct gen *g, const struct idl_type *t, const char *expr, const char *in)
{
    if (t->kind == T_BOOL)
        out(g, "%scdn_w_u8(cdn_w, (%s) ? 1 : 0);\n", in, expr);
    else if (t->kind == T_ENUM)
        out(g, "%scdn_w_u32(cdn_w, (uint32_t)(int32_t)(%s));\n", in, expr);
    else
        out(g, "%scdn_w_u%d(cdn_w, (uint%d_t)(%s));\n", in, t->width * 8, t->width * 8, expr);
}

/* Reads one scalar into lvalue `dst`, validating bools and enums. */
static void get_scalar(struct gen *g, const struct idl_type *t, const char *dst, const char *in)
{
    if (t->kind == T_BOOL) {
        out(g, "%s%s = cdn_r_bool(cdn_r);\n", in, dst);
    } else if (t->kind == T_ENUM) {
        out(g, "%s{\n%s    int32_t cdn_v = (int32_t)cdn_r_u32(cdn_r);\n", in, in);
        out(g, "%s    if (!%s_valid_%s(cdn_v))\n%s        cdn_r_fail(cdn_r, CDN_EPROTO);\n", in,
            g->m, t->ref, in);
        out(g, "%s    %s = (enum %s)cdn_v;\n%s}\n", in, dst, t->ref, in);
    } else {
        out(g, "%s%s = (%s)cdn_r_u%d(cdn_r);\n", in, dst, scalar_c(t), t->width * 8);
    }
}

/* ---- projections ---- */

static const char *proj_type(struct gen *g, const struct idl_projection *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s_TYPE_%s", g->m, p->name);
    return buf;
}

static void emit_proj_prototypes(struct gen *g)
{
    for (const struct idl_projection *p = g->f->projections; p; p = p->next) {
        out(g,
            "static void put_%s(struct cdn_glue *cdn_g, struct cdn_wbuf *cdn_w, struct %s *o, int "
            "dir);\n",
            p->name, p->c_struct);
        out(g,
            "static void get_%s(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, struct %s *o, int "
            "dir);\n",
            p->name, p->c_struct);
        out(g,
            "static void put_%s_ref(struct cdn_glue *cdn_g, struct cdn_wbuf *cdn_w, struct %s *o, "
            "int dir);\n",
            p->name, p->c_struct);
        out(g,
            "static struct %s *get_%s_ref(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, int "
            "dir, int may_new);\n",
            p->c_struct, p->name);
    }
    out(g, "\n");
}

/* The trampoline installed for slot `fl` of ops projection p. */
static void tramp_name(struct gen *g, const struct idl_projection *p, const struct idl_var *fl,
                       char *buf, size_t n)
{
    snprintf(buf, n, "%s_tramp_%s_%s", g->m, p->name, fl->name);
}

/* A field's size expression names sibling fields: prefix them with o->. */
static const char *field_expr(const char *expr, char *buf, size_t n)
{
    size_t k = 0;
    for (const char *p = expr; *p && k + 4 < n;) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
            k += (size_t)snprintf(buf + k, n - k, "o->");
            while (k + 1 < n && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                 *p == '_' || (*p >= '0' && *p <= '9')))
                buf[k++] = *p++;
        } else {
            buf[k++] = *p++;
        }
    }
    buf[k < n ? k : n - 1] = 0;
    return buf;
}

static void emit_put_field(struct gen *g, const struct idl_var *fl)
{
    char fx[512];
    const struct idl_type *t = fl->type;
    char e[256];
    snprintf(e, sizeof e, "o->%s", fl->name);
    int d = field_dir_io(g, fl, 1);
    out(g, "    if (dir & %d) { /* %s */\n", d, fl->name);
    switch (t->kind) {
    case T_SCALAR:
    case T_BOOL:
    case T_ENUM:
        put_scalar(g, t, e, "        ");
        break;
    case T_STRING:
        out(g, "        cdn_w_string(cdn_w, o->%s, %llu);\n", fl->name,
            (unsigned long long)t->bound);
        break;
    case T_ARRAY:
        if (t->size_kind == A_FIXED) {
            out(g, "        for (uint32_t cdn_i = 0; cdn_i < %llu; cdn_i++)\n",
                (unsigned long long)t->count);
            snprintf(e, sizeof e, "o->%s[cdn_i]", fl->name);
            put_scalar(g, t->elem, e, "            ");
        } else {
            out(g, "        uint32_t cdn_n = 0;\n");
            if (t->size_kind == A_NULL)
                out(g,
                    "        while (cdn_n < %llu && cdn_n < sizeof(o->%s) / sizeof(o->%s[0]) && "
                    "o->%s[cdn_n])\n            cdn_n++;\n",
                    (unsigned long long)t->bound, fl->name, fl->name, fl->name);
            else
                out(g,
                    "        cdn_n = (uint32_t)(%s);\n        if (cdn_n > %llu)\n"
                    "            cdn_w->err = CDN_EINVAL, cdn_n = 0;\n",
                    field_expr(t->expr, fx, sizeof fx), (unsigned long long)t->bound);
            out(g, "        cdn_w_u32(cdn_w, cdn_n);\n        for (uint32_t cdn_i = 0; cdn_i < "
                   "cdn_n; cdn_i++)\n");
            snprintf(e, sizeof e, "o->%s[cdn_i]", fl->name);
            put_scalar(g, t->elem, e, "            ");
        }
        break;
    case T_SHARED:
        out(g, "        uint64_t cdn_ref;\n        uint32_t cdn_len;\n");
        out(g,
            "        if (cdn_glue_shared_out(cdn_g, o->%s, &cdn_ref, &cdn_len) != CDN_OK)\n"
            "            cdn_w->err = CDN_EINVAL;\n",
            fl->name);
        out(g, "        cdn_w_u64(cdn_w, cdn_ref);\n        cdn_w_u32(cdn_w, cdn_len);\n");
        break;
    case T_PROJECTION:
        if (fl->pointer) /* the cast: kernel structs often hold const ops pointers */
            out(g, "        put_%s_ref(cdn_g, cdn_w, (struct %s *)o->%s, dir);\n", t->proj->name,
                t->proj->c_struct, fl->name);
        else
            out(g, "        put_%s(cdn_g, cdn_w, &o->%s, dir);\n", t->proj->name, fl->name);
        break;
    default:
        break;
    }
    out(g, "    }\n");
}

static void emit_get_field(struct gen *g, const struct idl_projection *p, const struct idl_var *fl)
{
    const struct idl_type *t = fl->type;
    char e[256];
    int d = field_dir_io(g, fl, 0);
    out(g, "    if (dir & %d) { /* %s */\n", d, fl->name);
    switch (t->kind) {
    case T_SCALAR:
    case T_BOOL:
    case T_ENUM:
        snprintf(e, sizeof e, "o->%s", fl->name);
        get_scalar(g, t, e, "        ");
        break;
    case T_STRING:
        out(g, "        cdn_r_string(cdn_r, o->%s, sizeof(o->%s), %llu);\n", fl->name, fl->name,
            (unsigned long long)t->bound);
        break;
    case T_ARRAY:
        if (t->size_kind == A_FIXED) {
            out(g,
                "        _Static_assert(sizeof(o->%s) / sizeof(o->%s[0]) >= %llu, "
                "\"%s.%s is smaller than the IDL says\");\n",
                fl->name, fl->name, (unsigned long long)t->count, p->name, fl->name);
            out(g, "        for (uint32_t cdn_i = 0; cdn_i < %llu; cdn_i++)\n",
                (unsigned long long)t->count);
        } else {
            out(g, "        uint32_t cdn_n = cdn_r_count(cdn_r, %llu);\n",
                (unsigned long long)t->bound);
            if (t->size_kind == A_EXPR)
                out(g, "        cdn_cnt_%s = cdn_n;\n", fl->name);
            out(g,
                "        if (cdn_n > sizeof(o->%s) / sizeof(o->%s[0]) - %d)\n"
                "            cdn_r_fail(cdn_r, CDN_EPROTO), cdn_n = 0;\n",
                fl->name, fl->name, t->size_kind == A_NULL ? 1 : 0);
            out(g, "        for (uint32_t cdn_i = 0; cdn_i < cdn_n; cdn_i++)\n");
        }
        snprintf(e, sizeof e, "o->%s[cdn_i]", fl->name);
        get_scalar(g, t->elem, e, "            ");
        if (t->size_kind == A_NULL)
            out(g, "        o->%s[cdn_n] = 0;\n", fl->name);
        break;
    case T_SHARED:
        out(g, "        uint64_t cdn_ref = cdn_r_u64(cdn_r);\n        uint32_t cdn_len = "
               "cdn_r_u32(cdn_r);\n");
        if (t->expr)
            out(g, "        cdn_shlen_%s = cdn_len;\n", fl->name);
        out(g, "        void *cdn_ptr = NULL;\n");
        out(g,
            "        if (!cdn_r->err && cdn_glue_shared_in(cdn_g, cdn_ref, cdn_len, %llu, "
            "&cdn_ptr) != CDN_OK)\n"
            "            cdn_r_fail(cdn_r, CDN_EBADH);\n",
            (unsigned long long)t->bound);
        out(g, "        o->%s = cdn_ptr;\n", fl->name);
        break;
    case T_PROJECTION:
        if (fl->pointer)
            out(g, "        o->%s = get_%s_ref(cdn_g, cdn_r, dir, %d);\n", fl->name, t->proj->name,
                !g->host || (fl->attrs & AT_ALLOC_CALLER) ? 1 : 0);
        else
            out(g, "        get_%s(cdn_g, cdn_r, &o->%s, dir);\n", t->proj->name, fl->name);
        break;
    default:
        break;
    }
    out(g, "    }\n");
}

static void emit_proj_helpers(struct gen *g, enum side side)
{
    char ty[96], tn[160];
    for (const struct idl_projection *p = g->f->projections; p; p = p->next) {
        int nslots = 0;
        for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
            nslots += fl->type->kind == T_RPC_PTR;
        /* fields */
        out(g, "/* projection <struct %s> %s (%s:%u) */\n", p->c_struct, p->name, g->f->path,
            p->loc.line);
        out(g,
            "static void put_%s(struct cdn_glue *cdn_g, struct cdn_wbuf *cdn_w, struct %s *o, int "
            "dir)\n{\n",
            p->name, p->c_struct);
        out(g, "    (void)cdn_g;\n    (void)cdn_w;\n    (void)o;\n    (void)dir;\n");
        for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
            if (fl->type->kind != T_RPC_PTR && field_dir_io(g, fl, 1))
                emit_put_field(g, fl);
        if (nslots) {
            out(g, "    if (dir == %d) { /* ops-table slots: which are set */\n", DIR_ALL);
            out(g, "        uint64_t cdn_bits = 0;\n");
            int i = 0;
            for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
                if (fl->type->kind == T_RPC_PTR)
                    out(g, "        if (o->%s)\n            cdn_bits |= 1ull << %d;\n", fl->name,
                        i++);
            if (side == HOST)
                out(g, "        cdn_bits = 0; /* host function pointers never cross */\n");
            out(g, "        cdn_w_u64(cdn_w, cdn_bits);\n    }\n");
        }
        out(g, "}\n\n");

        out(g,
            "static void get_%s(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, struct %s *o, int "
            "dir)\n{\n",
            p->name, p->c_struct);
        out(g, "    (void)cdn_g;\n    (void)cdn_r;\n    (void)o;\n    (void)dir;\n");
        for (const struct idl_var *fl = p->fields; fl; fl = fl->next) {
            if (!field_dir_io(g, fl, 0))
                continue;
            if (fl->type->kind == T_SHARED && fl->type->expr)
                out(g, "    uint32_t cdn_shlen_%s = 0;\n", fl->name);
            if (fl->type->kind == T_ARRAY && fl->type->size_kind == A_EXPR)
                out(g, "    uint32_t cdn_cnt_%s = 0;\n", fl->name);
        }
        for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
            if (fl->type->kind != T_RPC_PTR && field_dir_io(g, fl, 0))
                emit_get_field(g, p, fl);
        /* Size expressions are checked once every field has arrived. */
        char fx[512];
        for (const struct idl_var *fl = p->fields; fl; fl = fl->next) {
            if (!field_dir_io(g, fl, 0) || !fl->type->expr)
                continue;
            if (fl->type->kind == T_SHARED)
                out(g,
                    "    if ((dir & %d) && !cdn_r->err && (uint64_t)(%s) > cdn_shlen_%s)\n"
                    "        cdn_r_fail(cdn_r, CDN_EPROTO); /* %s shorter than {{%s}} */\n",
                    field_dir_io(g, fl, 0), field_expr(fl->type->expr, fx, sizeof fx), fl->name,
                    fl->name, fl->type->expr);
            else
                out(g,
                    "    if ((dir & %d) && !cdn_r->err && cdn_cnt_%s != (uint32_t)(%s))\n"
                    "        cdn_r_fail(cdn_r, CDN_EPROTO); /* count of %s != {{%s}} */\n",
                    field_dir_io(g, fl, 0), fl->name, field_expr(fl->type->expr, fx, sizeof fx),
                    fl->name, fl->type->expr);
        }
        if (nslots) {
            out(g, "    if (dir == %d) {\n        uint64_t cdn_bits = cdn_r_u64(cdn_r);\n",
                DIR_ALL);
            out(g, "        if (cdn_bits >> %d)\n            cdn_r_fail(cdn_r, CDN_EPROTO);\n",
                nslots);
            int i = 0;
            for (const struct idl_var *fl = p->fields; fl; fl = fl->next) {
                if (fl->type->kind != T_RPC_PTR)
                    continue;
                if (side == HOST) {
                    tramp_name(g, p, fl, tn, sizeof tn);
                    out(g, "        o->%s = (cdn_bits >> %d) & 1 ? (__typeof__(o->%s))%s : NULL;\n",
                        fl->name, i, fl->name, tn);
                }
                i++;
            }
            if (side == DOMAIN)
                out(g,
                    "        (void)cdn_bits; /* the host installs no function in the domain */\n");
            out(g, "    }\n");
        }
        out(g, "}\n\n");

        /* references */
        proj_type(g, p, ty, sizeof ty);
        out(g,
            "static void put_%s_ref(struct cdn_glue *cdn_g, struct cdn_wbuf *cdn_w, struct %s *o, "
            "int dir)\n{\n",
            p->name, p->c_struct);
        out(g, "    uint64_t cdn_ref = 0;\n    int cdn_is_new = 0;\n");
        out(g,
            "    if (cdn_glue_export(cdn_g, o, %s, &cdn_ref, &cdn_is_new) != CDN_OK)\n"
            "        cdn_w->err = CDN_EINVAL;\n",
            ty);
        out(g, "    cdn_w_u64(cdn_w, cdn_ref);\n    cdn_w_u8(cdn_w, cdn_is_new ? CDN_REF_FLAG_NEW "
               ": 0);\n");
        out(g, "    if (o)\n        put_%s(cdn_g, cdn_w, o, cdn_is_new ? %d : dir);\n}\n\n",
            p->name, DIR_ALL);

        out(g,
            "static struct %s *get_%s_ref(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, int "
            "dir, int may_new)\n{\n",
            p->c_struct, p->name);
        out(g, "    uint64_t cdn_ref = cdn_r_u64(cdn_r);\n    unsigned cdn_flags = "
               "cdn_r_u8(cdn_r);\n");
        out(g, "    void *o = NULL;\n    if (cdn_r->err)\n        return NULL;\n");
        /* The IDL says which objects the peer may introduce (alloc(caller));
         * anywhere else a NEW reference is a fake object: refused. */
        out(g, "    if ((cdn_flags & CDN_REF_FLAG_NEW) && !may_new) {\n"
               "        cdn_r_fail(cdn_r, CDN_EBADH);\n        return NULL;\n    }\n");
        out(g,
            "    if (cdn_glue_resolve(cdn_g, cdn_ref, cdn_flags, %s, sizeof(struct %s), &o) != "
            "CDN_OK) {\n"
            "        cdn_r_fail(cdn_r, CDN_EBADH);\n        return NULL;\n    }\n",
            ty, p->c_struct);
        out(g,
            "    if (o && (cdn_flags & CDN_REF_FLAG_NEW)) {\n"
            "        get_%s(cdn_g, cdn_r, o, %d); /* a fresh shadow: nothing to protect */\n"
            "    } else if (o) {\n"
            "        /* all or nothing: decode into a copy, keep it only if every\n"
            "         * value was valid (a bad one must not leave half an update) */\n"
            "        struct %s cdn_copy;\n        memcpy(&cdn_copy, o, sizeof cdn_copy);\n"
            "        get_%s(cdn_g, cdn_r, &cdn_copy, dir);\n"
            "        /* (only if changed: the object may be read-only, a const ops table) */\n"
            "        if (!cdn_r->err && memcmp(o, &cdn_copy, sizeof cdn_copy) != 0)\n"
            "            memcpy(o, &cdn_copy, sizeof cdn_copy);\n"
            "    }\n",
            p->name, DIR_ALL, p->c_struct, p->name);
        out(g, "    return o;\n}\n\n");
    }
}

/* ---- parameters ---- */

/* Caller side: writes the [in] part of parameter v. */
static void put_param_in(struct gen *g, const struct idl_rpc *r, const struct idl_var *v,
                         enum side s)
{
    const struct idl_type *t = v->type;
    char e[256];
    (void)r;
    out(g, "    /* %s */\n", v->name);
    if (v->pointer && (t->kind == T_SCALAR || t->kind == T_BOOL || t->kind == T_ENUM)) {
        out(g, "    cdn_w_u8(cdn_w, %s != NULL);\n", v->name);
        if (param_dir(v) & DIR_IN) {
            snprintf(e, sizeof e, "*%s", v->name);
            out(g, "    if (%s)\n", v->name);
            put_scalar(g, t, e, "        ");
        }
        return;
    }
    switch (t->kind) {
    case T_SCALAR:
    case T_BOOL:
    case T_ENUM:
        put_scalar(g, t, v->name, "    ");
        break;
    case T_STRING:
        out(g, "    cdn_w_string(cdn_w, %s, %llu);\n", v->name, (unsigned long long)t->bound);
        break;
    case T_ARRAY:
        if (t->size_kind == A_FIXED) {
            out(g, "    for (uint32_t cdn_i = 0; cdn_i < %llu; cdn_i++)\n",
                (unsigned long long)t->count);
        } else {
            out(g, "    {\n        uint32_t cdn_n = 0;\n");
            if (t->size_kind == A_NULL)
                out(g,
                    "        while (%s && cdn_n <= %llu && %s[cdn_n])\n            cdn_n++;\n"
                    "        if (cdn_n > %llu)\n            cdn_w->err = CDN_EINVAL, cdn_n = 0;\n",
                    v->name, (unsigned long long)t->bound, v->name, (unsigned long long)t->bound);
            else
                out(g,
                    "        cdn_n = (uint32_t)(%s);\n        if (cdn_n > %llu)\n"
                    "            cdn_w->err = CDN_EINVAL, cdn_n = 0;\n",
                    t->expr, (unsigned long long)t->bound);
            out(g, "        cdn_w_u32(cdn_w, cdn_n);\n        for (uint32_t cdn_i = 0; cdn_i < "
                   "cdn_n; cdn_i++)\n");
        }
        snprintf(e, sizeof e, "%s[cdn_i]", v->name);
        put_scalar(g, t->elem, e, t->size_kind == A_FIXED ? "        " : "            ");
        if (t->size_kind != A_FIXED)
            out(g, "    }\n");
        break;
    case T_SHARED:
        out(g, "    uint64_t %s_sref = 0;\n    {\n        uint32_t cdn_len;\n", v->name);
        out(g,
            "        if (cdn_glue_shared_out(cdn_g, %s, &%s_sref, &cdn_len) != CDN_OK)\n"
            "            cdn_w->err = CDN_EINVAL;\n",
            v->name, v->name);
        /* ownership: [move] (default) hands it over, [lend] lends it for the call */
        out(g,
            "        else if (cdn_glue_shared_give(cdn_g, %s_sref, %d) != CDN_OK)\n"
            "            cdn_w->err = CDN_EPERM; /* not ours to %s */\n",
            v->name, !!(v->attrs & AT_LEND), (v->attrs & AT_LEND) ? "lend" : "give");
        out(g, "        cdn_w_u64(cdn_w, %s_sref);\n        cdn_w_u32(cdn_w, cdn_len);\n    }\n",
            v->name);
        (void)s;
        break;
    case T_PROJECTION:
        out(g, "    put_%s_ref(cdn_g, cdn_w, %s, %d);\n", t->proj->name, v->name, DIR_IN);
        break;
    case T_RPC_PTR:
        /* the function stays here; the host gets a reference to it */
        out(g, "    {\n        uint64_t cdn_ref = 0;\n        int cdn_is_new = 0;\n");
        out(g,
            "        if (%s && cdn_glue_export(cdn_g, (void *)(uintptr_t)%s, CDN_TYPE_FN, "
            "&cdn_ref, &cdn_is_new) != CDN_OK)\n            cdn_w->err = CDN_EINVAL;\n",
            v->name, v->name);
        out(g, "        cdn_w_u64(cdn_w, cdn_ref);\n    }\n");
        break;
    default:
        break;
    }
}

/* Callee side: declares a local for parameter v and reads its [in] part. */
static void get_param_in(struct gen *g, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    char e[256], ty[128];
    out(g, "    /* %s */\n", v->name);
    if (v->pointer && (t->kind == T_SCALAR || t->kind == T_BOOL || t->kind == T_ENUM)) {
        struct idl_var tmp = *v;
        tmp.pointer = 0;
        c_type(g, &tmp, ty, sizeof ty);
        out(g, "    %s %s_val = 0;\n", ty, v->name);
        out(g, "    %s *%s = cdn_r_u8(cdn_r) ? &%s_val : NULL;\n", ty, v->name, v->name);
        if (param_dir(v) & DIR_IN) {
            snprintf(e, sizeof e, "%s_val", v->name);
            out(g, "    if (%s)\n", v->name);
            get_scalar(g, t, e, "        ");
        }
        return;
    }
    switch (t->kind) {
    case T_SCALAR:
    case T_BOOL:
    case T_ENUM:
        c_type(g, v, ty, sizeof ty);
        out(g, "    %s %s = 0;\n", ty, v->name);
        get_scalar(g, t, v->name, "    ");
        break;
    case T_STRING:
        out(g, "    char *%s = tmp_alloc(&cdn_tmp, %llu);\n", v->name,
            (unsigned long long)t->bound + 1);
        out(g,
            "    if (%s)\n        cdn_r_string(cdn_r, %s, %llu, %llu);\n    else\n"
            "        cdn_r_fail(cdn_r, CDN_ENOMEM);\n",
            v->name, v->name, (unsigned long long)t->bound + 1, (unsigned long long)t->bound);
        break;
    case T_ARRAY: {
        const struct idl_type *el = t->elem;
        const char *ec = el->kind == T_SCALAR ? scalar_c(el)
                         : el->kind == T_BOOL ? "bool"
                                              : "int32_t";
        uint64_t cap = t->size_kind == A_FIXED ? t->count : t->bound + 1;
        out(g, "    %s *%s = tmp_alloc(&cdn_tmp, %llu * sizeof(%s));\n", ec, v->name,
            (unsigned long long)cap, ec);
        out(g, "    uint32_t %s_n = %s;\n", v->name,
            t->size_kind == A_FIXED ? "0" : "0 /* read below */");
        out(g, "    if (!%s)\n        cdn_r_fail(cdn_r, CDN_ENOMEM);\n", v->name);
        out(g, "    else {\n");
        if (t->size_kind == A_FIXED)
            out(g, "        %s_n = %llu;\n", v->name, (unsigned long long)t->count);
        else
            out(g, "        %s_n = cdn_r_count(cdn_r, %llu);\n", v->name,
                (unsigned long long)t->bound);
        out(g, "        for (uint32_t cdn_i = 0; cdn_i < %s_n; cdn_i++)\n", v->name);
        snprintf(e, sizeof e, "%s[cdn_i]", v->name);
        get_scalar(g, el, e, "            ");
        if (t->size_kind == A_NULL) {
            out(g,
                "        for (uint32_t cdn_i = 0; cdn_i < %s_n; cdn_i++)\n"
                "            if (!%s[cdn_i])\n                cdn_r_fail(cdn_r, CDN_EPROTO); "
                "/* a zero before the end */\n",
                v->name, v->name);
            out(g, "        %s[%s_n] = 0;\n", v->name, v->name);
        }
        out(g, "    }\n");
        break;
    }
    case T_SHARED:
        out(g, "    void *%s = NULL;\n    uint32_t %s_len = 0;\n    uint64_t %s_sref = 0;\n",
            v->name, v->name, v->name);
        out(g, "    {\n        %s_sref = cdn_r_u64(cdn_r);\n        %s_len = cdn_r_u32(cdn_r);\n",
            v->name, v->name);
        out(g,
            "        if (!cdn_r->err &&\n"
            "            cdn_glue_shared_in(cdn_g, %s_sref, %s_len, %llu, &%s) != CDN_OK)\n"
            "            cdn_r_fail(cdn_r, CDN_EBADH);\n    }\n",
            v->name, v->name, (unsigned long long)t->bound, v->name);
        break;
    case T_PROJECTION:
        out(g, "    struct %s *%s = get_%s_ref(cdn_g, cdn_r, %d, %d);\n", t->proj->c_struct,
            v->name, t->proj->name, DIR_IN, !g->host || (v->attrs & AT_ALLOC_CALLER) ? 1 : 0);
        break;
    case T_RPC_PTR:
        out(g, "    %s_fn_%s %s = NULL;\n    {\n        uint64_t cdn_ref = cdn_r_u64(cdn_r);\n",
            g->m, t->ref, v->name);
        out(g,
            "        if (!cdn_r->err && cdn_ref) {\n"
            "            int cdn_k = cdn_glue_fn_bind(cdn_g, cdn_ref, %s_pool_%s, %d);\n"
            "            if (cdn_k < 0)\n                cdn_r_fail(cdn_r, cdn_k);\n"
            "            else\n                %s = %s_fns_%s[cdn_k];\n        }\n    }\n",
            g->m, t->ref, FN_POOL, v->name, g->m, t->ref);
        break;
    default:
        break;
    }
}

/* After all [in] values are read: size expressions must agree. */
static void check_expr_counts(struct gen *g, const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_ARRAY && v->type->size_kind == A_EXPR)
            out(g,
                "    if (!cdn_r->err && %s_n != (uint32_t)(%s))\n"
                "        cdn_r_fail(cdn_r, CDN_EPROTO); /* count disagrees with {{%s}} */\n",
                v->name, v->type->expr, v->type->expr);
        else if (v->type->kind == T_SHARED && v->type->expr)
            out(g,
                "    if (!cdn_r->err && (uint64_t)(%s) > %s_len)\n"
                "        cdn_r_fail(cdn_r, CDN_EPROTO); /* buffer shorter than {{%s}} */\n",
                v->type->expr, v->name, v->type->expr);
}

/* Callee side: writes the [out] part of parameter v into the reply. */
static void put_param_out(struct gen *g, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    char e[256];
    if (v->pointer && (t->kind == T_SCALAR || t->kind == T_BOOL || t->kind == T_ENUM)) {
        if (param_dir(v) & DIR_OUT) {
            snprintf(e, sizeof e, "%s_val", v->name);
            out(g, "    if (%s)\n", v->name);
            put_scalar(g, t, e, "        ");
        }
    } else if (t->kind == T_PROJECTION) {
        /* A presence byte first: the object may have been freed (and so
         * forgotten) during the call on either side, and each side must not
         * guess what the other still has. */
        out(g,
            "    if (%s && cdn_glue_ref_of(cdn_g, %s)) {\n        cdn_w_u8(cdn_w, 1);\n"
            "        put_%s(cdn_g, cdn_w, %s, %d);\n    } else {\n        cdn_w_u8(cdn_w, 0);\n"
            "    }\n",
            v->name, v->name, t->proj->name, v->name, DIR_OUT);
    }
}

/* Caller side: reads the [out] part of parameter v from the reply. */
static void get_param_out(struct gen *g, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    char e[256];
    if (v->pointer && (t->kind == T_SCALAR || t->kind == T_BOOL || t->kind == T_ENUM)) {
        if (param_dir(v) & DIR_OUT) {
            snprintf(e, sizeof e, "*%s", v->name);
            out(g, "    if (%s)\n", v->name);
            get_scalar(g, t, e, "        ");
        }
    } else if (t->kind == T_PROJECTION) {
        /* decoded into a copy; applied after the whole reply validated */
        out(g,
            "    struct %s cdn_out_%s;\n    int cdn_has_out_%s = %s && cdn_glue_ref_of(cdn_g, "
            "%s);\n",
            t->proj->c_struct, v->name, v->name, v->name, v->name);
        /* present but unknown here: the peer kept an object this side has
         * freed (an IDL without the dealloc it needs): refuse the reply */
        out(g,
            "    if (cdn_r_u8(cdn_r)) {\n        if (!cdn_has_out_%s)\n"
            "            cdn_r_fail(cdn_r, CDN_EPROTO);\n        else {\n"
            "            memcpy(&cdn_out_%s, %s, sizeof cdn_out_%s);\n"
            "            get_%s(cdn_g, cdn_r, &cdn_out_%s, %d);\n        }\n"
            "    } else {\n        cdn_has_out_%s = 0;\n    }\n",
            v->name, v->name, v->name, v->name, t->proj->name, v->name, DIR_OUT, v->name);
    }
}

static void put_ret(struct gen *g, const struct idl_rpc *r)
{
    const struct idl_type *t = r->ret->type;
    switch (t->kind) {
    case T_VOID:
        break;
    case T_PROJECTION:
        out(g, "    put_%s_ref(cdn_g, cdn_w, cdn_ret, %d);\n", t->proj->name, DIR_OUT);
        break;
    case T_SHARED:
        out(g, "    {\n        uint64_t cdn_ref;\n        uint32_t cdn_len;\n"
               "        if (cdn_glue_shared_out(cdn_g, cdn_ret, &cdn_ref, &cdn_len) != CDN_OK)\n"
               "            cdn_w->err = CDN_EINVAL;\n"
               "        cdn_w_u64(cdn_w, cdn_ref);\n        cdn_w_u32(cdn_w, cdn_len);\n    }\n");
        break;
    default:
        put_scalar(g, t, "cdn_ret", "    ");
    }
}

static void get_ret(struct gen *g, const struct idl_rpc *r)
{
    const struct idl_type *t = r->ret->type;
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    switch (t->kind) {
    case T_VOID:
        break;
    case T_PROJECTION:
        out(g, "    %s cdn_ret = get_%s_ref(cdn_g, cdn_r, %d, %d);\n", rt, t->proj->name, DIR_OUT,
            !g->host || (r->ret->attrs & AT_ALLOC_CALLEE) ? 1 : 0);
        break;
    case T_SHARED:
        out(g,
            "    void *cdn_ret = NULL;\n    {\n        uint64_t cdn_ref = cdn_r_u64(cdn_r);\n"
            "        uint32_t cdn_len = cdn_r_u32(cdn_r);\n"
            "        if (!cdn_r->err && cdn_glue_shared_in(cdn_g, cdn_ref, cdn_len, %llu, "
            "&cdn_ret) != CDN_OK)\n"
            "            cdn_r_fail(cdn_r, CDN_EBADH);\n    }\n",
            (unsigned long long)t->bound);
        break;
    default:
        out(g, "    %s cdn_ret = 0;\n", rt);
        get_scalar(g, t, "cdn_ret", "    ");
    }
}

/* dealloc(either side): after the call both sides drop their reference (and a
 * shadow the glue made), so neither keeps a name for a freed object. */
static void emit_deallocs(struct gen *g, const struct idl_rpc *r, unsigned attr)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_PROJECTION && (v->attrs & attr))
            out(g, "    cdn_glue_forget(cdn_g, %s);\n", v->name);
}

static void emit_args(struct gen *g, const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        out(g, "%s%s", v == r->params ? "" : ", ", v->name);
}

/* ---- callers: stubs and trampolines ---- */

/* The body after the glue is known: marshal, call, unmarshal. `pre` writes
 * anything that precedes the arguments (an ops-table reference). */
static void emit_call_body(struct gen *g, const struct idl_rpc *r, enum side s, const char *pre)
{
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    out(g, "    struct cdn_wbuf cdn_wb;\n    struct cdn_wbuf *cdn_w = &cdn_wb;\n    "
           "cdn_wbuf_init(cdn_w, cdn_g);\n");
    if (pre)
        out(g, "%s", pre);
    for (const struct idl_var *v = r->params; v; v = v->next)
        put_param_in(g, r, v, s);
    out(g, "    struct cdn_msg cdn_store;\n    struct cdn_rbuf cdn_rb;\n    struct cdn_rbuf *cdn_r "
           "= &cdn_rb;\n");
    out(g, "    int cdn_st = cdn_glue_call(cdn_g, %s_RPC_%s, cdn_w, cdn_r, &cdn_store);\n", g->m,
        r->name);
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_SHARED && (v->attrs & AT_LEND))
            out(g, "    cdn_glue_shared_give_end(cdn_g, %s_sref, 1);\n", v->name);
    out(g, "    if (cdn_st != CDN_OK)\n");
    emit_dead_return(g, r, "        ");
    get_ret(g, r);
    for (const struct idl_var *v = r->params; v; v = v->next)
        get_param_out(g, v);
    out(g, "    cdn_st = cdn_r_finish(cdn_r);\n    if (cdn_st != CDN_OK) {\n"
           "        cdn_glue_set_error(cdn_g, cdn_st); /* a malformed reply: nothing applied */\n");
    emit_dead_return(g, r, "        ");
    out(g, "    }\n");
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_PROJECTION && v->pointer)
            out(g,
                "    if (cdn_has_out_%s && memcmp(%s, &cdn_out_%s, sizeof cdn_out_%s) != 0)\n"
                "        memcpy(%s, &cdn_out_%s, sizeof cdn_out_%s);\n",
                v->name, v->name, v->name, v->name, v->name, v->name, v->name);
    emit_deallocs(g, r, AT_DEALLOC_CALLER | AT_DEALLOC_CALLEE);
    if (r->ret->type->kind != T_VOID)
        out(g, "    return cdn_ret;\n");
}

/* Finds a path from an argument of rpc_ptr r to an ops projection with a slot
 * of type r. Writes the C expression of the ops object and the slot. */
static int find_ops(struct gen *g, const struct idl_rpc *r, char *expr, size_t n,
                    const struct idl_projection **ops, const struct idl_var **slot)
{
    for (const struct idl_var *a = r->params; a; a = a->next) {
        if (a->type->kind != T_PROJECTION || !a->pointer)
            continue;
        /* breadth-first over projection-pointer fields, depth <= 3 */
        struct {
            const struct idl_projection *p;
            char path[256];
        } q[64];
        int head = 0, tail = 0;
        q[tail].p = a->type->proj;
        snprintf(q[tail++].path, sizeof q[0].path, "%s", a->name);
        while (head < tail) {
            const struct idl_projection *p = q[head].p;
            char path[256]; /* a copy: the queue is appended to below */
            snprintf(path, sizeof path, "%s", q[head++].path);
            for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
                if (fl->type->kind == T_RPC_PTR && fl->type->rpcptr == r) {
                    snprintf(expr, n, "%s", path);
                    *ops = p;
                    *slot = fl;
                    return 1;
                }
            /* The C struct's pointer fields are there whatever a projection
             * lists: follow those of every projection of the same struct. */
            for (const struct idl_projection *pp = g->f->projections; pp; pp = pp->next) {
                if (strcmp(pp->c_struct, p->c_struct) != 0)
                    continue;
                for (const struct idl_var *fl = pp->fields; fl; fl = fl->next)
                    if (fl->type->kind == T_PROJECTION && fl->pointer && tail < 64 &&
                        strlen(path) < 180) {
                        q[tail].p = fl->type->proj;
                        snprintf(q[tail++].path, sizeof q[0].path, "%s->%s", path, fl->name);
                    }
            }
        }
    }
    return 0;
}

/* A pool of FN_POOL trampolines for rpc_ptr r passed as an argument: C has no
 * closures, so each trampoline is bound to one (domain, function) pair. */
static void emit_fn_pool(struct gen *g, const struct idl_rpc *r)
{
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    size_t l = strlen(rt);
    const char *sp = rt[l - 1] == '*' ? "" : " ";
    out(g,
        "/* rpc_ptr %s (%s:%u) passed as an argument: %d trampolines, each bound\n"
        " * to one domain function while its domain lives. */\n",
        r->name, g->f->path, r->loc.line, FN_POOL);
    out(g, "static struct cdn_fn_slot %s_pool_%s[%d];\n\n", g->m, r->name, FN_POOL);
    out(g, "static %s%s%s_fncall_%s(int cdn_k", rt, sp, g->m, r->name);
    print_params(g, r, 1);
    out(g,
        ")\n{\n    struct cdn_glue *cdn_g = cdn_glue_fn_glue(&%s_pool_%s[cdn_k]);\n"
        "    if (!cdn_g)\n",
        g->m, r->name);
    if (dead_value(r))
        out(g, "        return%s;\n", dead_value(r));
    else
        out(g, "        return (%s)-5; /* -EIO: its domain is gone */\n", rt);
    char pre[256];
    snprintf(pre, sizeof pre,
             "    cdn_w_u8(cdn_w, 1); /* a function passed by pointer */\n"
             "    cdn_w_u64(cdn_w, %s_pool_%s[cdn_k].ref);\n",
             g->m, r->name);
    emit_call_body(g, r, HOST, pre);
    out(g, "}\n\n");
    for (int k = 0; k < FN_POOL; k++) {
        out(g, "static %s%s%s_fn%d_%s(", rt, sp, g->m, k, r->name);
        print_params(g, r, 0);
        out(g, ")\n{\n    %s%s_fncall_%s(%d", r->ret->type->kind == T_VOID ? "" : "return ", g->m,
            r->name, k);
        for (const struct idl_var *v = r->params; v; v = v->next)
            out(g, ", %s", v->name);
        out(g, ");\n}\n");
    }
    out(g, "\nstatic const %s_fn_%s %s_fns_%s[%d] = {\n", g->m, r->name, g->m, r->name, FN_POOL);
    for (int k = 0; k < FN_POOL; k++)
        out(g, "    %s_fn%d_%s,\n", g->m, k, r->name);
    out(g, "};\n\n");
}

static void emit_host_callers(struct gen *g)
{
    char rt[128];
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        if (r->kind == RPC_IMPORT)
            continue;
        ret_type(g, r, rt, sizeof rt);
        size_t l = strlen(rt);
        if (r->kind == RPC_EXPORT) {
            out(g, "/* export rpc %s (%s:%u): calls the domain's %s */\n", r->name, g->f->path,
                r->loc.line, r->name);
            out(g, "%s%s%s_call_%s(struct cdn_glue *cdn_g", rt, rt[l - 1] == '*' ? "" : " ", g->m,
                r->name);
            print_params(g, r, 1);
            out(g, ")\n{\n");
            emit_call_body(g, r, HOST, NULL);
            out(g, "}\n\n");
            continue;
        }
        if (used_as_argument(g->f, r))
            emit_fn_pool(g, r);
        /* rpc_ptr: one trampoline per ops-table slot that uses it */
        char expr[256], tn[160];
        const struct idl_projection *ops;
        const struct idl_var *slot;
        if (!find_ops(g, r, expr, sizeof expr, &ops, &slot)) {
            if (used_as_argument(g->f, r))
                continue;
            gen_error(
                g, r->loc,
                "cannot reach an cdn_ops table holding this rpc_ptr from its arguments:", r->name);
            continue;
        }
        tramp_name(g, ops, slot, tn, sizeof tn);
        out(g,
            "/* rpc_ptr %s (%s:%u), installed in %s.%s: the ops table is found as\n"
            " * %s, its owner is the domain to call. */\n",
            r->name, g->f->path, r->loc.line, ops->name, slot->name, expr);
        out(g, "static %s%s%s(", rt, rt[l - 1] == '*' ? "" : " ", tn);
        print_params(g, r, 0);
        out(g, ")\n{\n");
        out(g, "    const void *cdn_ops = (const void *)(%s);\n", expr);
        out(g, "    struct cdn_glue *cdn_g = cdn_glue_owner_of(cdn_ops);\n");
        out(g, "    if (!cdn_g)\n");
        if (dead_value(r))
            out(g, "        return%s;\n", dead_value(r));
        else
            out(g, "        return (%s)-5; /* -EIO: no domain owns this table */\n", rt);
        char pre[256];
        snprintf(pre, sizeof pre,
                 "    cdn_w_u8(cdn_w, 0); /* an ops-table slot */\n"
                 "    cdn_w_u64(cdn_w, cdn_glue_ref_of(cdn_g, cdn_ops));\n");
        emit_call_body(g, r, HOST, pre);
        out(g, "}\n\n");
    }
}

static void emit_domain_stubs(struct gen *g)
{
    char rt[128];
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        if (r->kind != RPC_IMPORT)
            continue;
        ret_type(g, r, rt, sizeof rt);
        size_t l = strlen(rt);
        out(g, "/* rpc %s (%s:%u): runs in the host */\n", r->name, g->f->path, r->loc.line);
        out(g, "%s%s%s(", rt, rt[l - 1] == '*' ? "" : " ", r->name);
        print_params(g, r, 0);
        out(g, ")\n{\n    struct cdn_glue *cdn_g = cdn_glue_current();\n    if (!cdn_g)\n");
        if (dead_value(r))
            out(g, "        return%s;\n", dead_value(r));
        else
            out(g, "        return (%s)-5; /* -EIO: glue not initialised */\n", rt);
        if (r->oneway) {
            /* [oneway]: marshal, send, go on; the host handles it in order */
            out(g, "    struct cdn_wbuf cdn_wb;\n    struct cdn_wbuf *cdn_w = &cdn_wb;\n"
                   "    cdn_wbuf_init(cdn_w, cdn_g);\n");
            for (const struct idl_var *v = r->params; v; v = v->next)
                put_param_in(g, r, v, DOMAIN);
            out(g, "    cdn_glue_send_oneway(cdn_g, %s_RPC_%s, cdn_w);\n", g->m, r->name);
            emit_deallocs(g, r, AT_DEALLOC_CALLER | AT_DEALLOC_CALLEE);
        } else {
            emit_call_body(g, r, DOMAIN, NULL);
        }
        out(g, "}\n\n");
    }
}

/* ---- callees: dispatch ---- */

static void emit_tmp_helpers(struct gen *g)
{
    out(g,
        "/* Temporary buffers of one dispatched call (strings, arrays): small ones\n"
        " * from an arena on the dispatcher's stack, big ones from the heap. */\n"
        "struct tmp_list {\n    void *p[%d];\n    int cdn_n;\n    size_t used;\n"
        "    _Alignas(16) unsigned char arena[1024];\n};\n\n"
        "static void *tmp_alloc(struct tmp_list *t, size_t cdn_n)\n{\n"
        "    size_t need = (cdn_n + 15) & ~(size_t)15;\n"
        "    if (need <= sizeof t->arena - t->used) {\n"
        "        void *q = t->arena + t->used;\n        t->used += need;\n"
        "        memset(q, 0, cdn_n);\n        return q;\n    }\n"
        "    if (t->cdn_n == (int)(sizeof t->p / sizeof t->p[0]))\n        return NULL;\n"
        "    return t->p[t->cdn_n++] = calloc(1, cdn_n);\n}\n\n"
        "static void tmp_free(struct tmp_list *t)\n{\n"
        "    while (t->cdn_n)\n        free(t->p[--t->cdn_n]);\n}\n\n",
        16 + 1);
}

static void emit_dispatch_case(struct gen *g, const struct idl_rpc *r, enum side s)
{
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    out(g, "    case %s_RPC_%s: { /* %s:%u */\n", g->m, r->name, g->f->path, r->loc.line);
    const struct idl_projection *ops = NULL;
    const struct idl_var *slot = NULL;
    char expr[256];
    if (r->kind == RPC_PTR) {
        /* which function: an ops-table slot (kind 0) or a function the domain
         * passed by pointer (kind 1); both are references the domain issued */
        out(g, "    %s_fn_%s cdn_fn = NULL;\n    {\n", g->m, r->name);
        out(g, "        uint8_t cdn_kind = cdn_r_u8(cdn_r);\n        uint64_t cdn_fref = "
               "cdn_r_u64(cdn_r);\n        void *cdn_obj = NULL;\n");
        if (find_ops(g, r, expr, sizeof expr, &ops, &slot)) {
            char ty[96];
            proj_type(g, ops, ty, sizeof ty);
            out(g,
                "        if (cdn_kind == 0 && cdn_glue_resolve(cdn_g, cdn_fref, 0, %s, "
                "sizeof(struct %s), &cdn_obj) == CDN_OK && cdn_obj)\n"
                "            cdn_fn = (%s_fn_%s)((struct %s *)cdn_obj)->%s;\n        else ",
                ty, ops->c_struct, g->m, r->name, ops->c_struct, slot->name);
        } else {
            out(g, "        ");
        }
        out(g,
            "if (cdn_kind == 1 && cdn_glue_resolve(cdn_g, cdn_fref, 0, CDN_TYPE_FN, 0, "
            "&cdn_obj) == CDN_OK && cdn_obj)\n"
            "            cdn_fn = (%s_fn_%s)(uintptr_t)cdn_obj;\n"
            "        else\n            cdn_r_fail(cdn_r, CDN_EBADH);\n    }\n",
            g->m, r->name);
    }
    for (const struct idl_var *v = r->params; v; v = v->next)
        get_param_in(g, v);
    check_expr_counts(g, r);
    out(g, "    int cdn_st = cdn_r_finish(cdn_r);\n");
    if (r->kind == RPC_PTR)
        out(g, "    if (cdn_st == CDN_OK && !cdn_fn)\n        cdn_st = CDN_ENOENT; /* slot not set "
               "*/\n");
    out(g, "    if (cdn_st != CDN_OK) {\n        tmp_free(&cdn_tmp);\n        return cdn_st;\n    "
           "}\n");
    /* [move] buffers become the callee's only once the whole call is valid */
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_SHARED && !(v->attrs & AT_LEND))
            out(g,
                "    if (cdn_glue_shared_take(cdn_g, %s_sref) != CDN_OK) {\n"
                "        tmp_free(&cdn_tmp);\n        return CDN_EBADH; /* not the caller's to "
                "give */\n"
                "    }\n",
                v->name);
    /* the call */
    out(g, "    ");
    if (r->ret->type->kind != T_VOID)
        out(g, "%s cdn_ret = ", rt);
    if (r->kind == RPC_PTR)
        out(g, "cdn_fn(");
    else
        out(g, "%s(", r->name);
    emit_args(g, r);
    out(g, ");\n");
    /* the reply */
    out(g, "    struct cdn_wbuf cdn_wb;\n    struct cdn_wbuf *cdn_w = &cdn_wb;\n    "
           "cdn_wbuf_init(cdn_w, cdn_g);\n");
    put_ret(g, r);
    for (const struct idl_var *v = r->params; v; v = v->next)
        put_param_out(g, v);
    emit_deallocs(g, r, AT_DEALLOC_CALLER | AT_DEALLOC_CALLEE);
    out(g, "    tmp_free(&cdn_tmp);\n    return cdn_glue_reply(cdn_g, cdn_w, rep);\n    }\n");
    (void)s;
}

static void emit_dispatch(struct gen *g, enum side s)
{
    const char *side = s == HOST ? "host" : "domain";
    out(g,
        "/* Serves the requests the %s receives; install with %s_%s_init. Every\n"
        " * value is validated before the real function runs; a bad one fails the\n"
        " * call with an error status and the function is not called. */\n",
        side, g->m, side);
    out(g, "int %s_%s_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)\n{\n",
        g->m, side);
    out(g, "    struct cdn_glue *cdn_g = arg;\n    (void)cdn_g;\n    (void)rep;\n    struct "
           "cdn_rbuf cdn_rb;\n    struct cdn_rbuf "
           "*cdn_r = &cdn_rb;\n");
    out(g, "    struct tmp_list cdn_tmp;\n    cdn_tmp.cdn_n = 0; /* the rest needs no zeroing */\n "
           "   cdn_tmp.used = 0;\n    cdn_rbuf_from_msg(cdn_r, req);\n");
    out(g, "    switch (req->rpc_id) {\n");
    if (s == DOMAIN)
        out(g,
            "    case CDN_RPC_GLUE_FINGERPRINT: { /* which IDL this glue is from */\n"
            "        struct cdn_wbuf cdn_wb;\n"
            "        cdn_wbuf_init(&cdn_wb, cdn_g);\n"
            "        cdn_w_u64(&cdn_wb, %s_IDL_FINGERPRINT);\n"
            "        return cdn_glue_reply(cdn_g, &cdn_wb, rep);\n"
            "    }\n",
            g->m);
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        int mine = s == HOST ? r->kind == RPC_IMPORT : r->kind != RPC_IMPORT;
        if (mine)
            emit_dispatch_case(g, r, s);
    }
    out(g, "    default:\n        (void)cdn_tmp;\n        return CDN_ENOENT;\n    }\n}\n\n");
}

/* ---- files ---- */

static FILE *open_out(struct gen *g, const char *dir, const char *suffix, char *path, size_t n)
{
    snprintf(path, n, "%s/%s_%s", dir, g->m, suffix);
    FILE *fp = fopen(path, "w");
    if (!fp) {
        fprintf(stderr, "cordon-idlc: %s: %s\n", path, strerror(errno));
        g->failed = 1;
    }
    return fp;
}

static void banner(struct gen *g)
{
    out(g, "/* Generated by cordon-idlc from %s. Do not edit: change the IDL. */\n", g->f->path);
}

static void emit_common(struct gen *g)
{
    banner(g);
    out(g, "#ifndef %s_COMMON_H\n#define %s_COMMON_H\n\n", g->m, g->m);
    out(g, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
           "#include <cordon/glue.h>\n");
    for (const struct idl_include *i = g->f->includes; i; i = i->next)
        out(g, "#include \"%s\"\n", i->path);
    out(g,
        "\n/* What this glue was generated from (cordon-idlc's fingerprint of the IDL):\n"
        " * the host's side checks the domain's when it starts (%s_host_check). */\n"
        "#define %s_IDL_FINGERPRINT 0x%016llxull\n",
        g->m, g->m, (unsigned long long)idl_fingerprint(g->f));
    if (g->f->rpcs) {
        out(g, "\n/* rpc ids, in declaration order */\nenum {\n");
        for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next)
            out(g, "    %s_RPC_%s = %u, /* %s */\n", g->m, r->name, r->id,
                r->kind == RPC_IMPORT   ? "rpc"
                : r->kind == RPC_EXPORT ? "export rpc"
                                        : "rpc_ptr");
        out(g, "};\n");
    }
    if (g->f->projections) {
        out(g, "\n/* handle type tags of the projections */\nenum {\n");
        for (const struct idl_projection *p = g->f->projections; p; p = p->next)
            out(g, "    %s_TYPE_%s = %u, /* struct %s */\n", g->m, p->name, p->id, p->c_struct);
        out(g, "};\n");
    }
    out(g, "\n");
    for (const struct idl_enum *e = g->f->enums; e; e = e->next) {
        out(g, "/* enum %s: values the other side may send */\n", e->name);
        out(g, "static inline int %s_valid_%s(int32_t v)\n{\n    switch (v) {\n", g->m, e->name);
        /* distinct values only: duplicates would not compile as case labels */
        for (const struct idl_enumerator *it = e->items; it; it = it->next) {
            int dup = 0;
            for (const struct idl_enumerator *jt = e->items; jt != it; jt = jt->next)
                dup |= jt->value == it->value;
            if (!dup)
                out(g, "    case %lld: /* %s */\n", (long long)it->value, it->name);
        }
        out(g, "        return 1;\n    default:\n        return 0;\n    }\n}\n\n");
    }
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        if (r->kind != RPC_PTR)
            continue;
        char rt[128];
        ret_type(g, r, rt, sizeof rt);
        size_t l = strlen(rt);
        out(g, "/* rpc_ptr %s (%s:%u) */\ntypedef %s%s(*%s_fn_%s)(", r->name, g->f->path,
            r->loc.line, rt, rt[l - 1] == '*' ? "" : " ", g->m, r->name);
        print_params(g, r, 0);
        out(g, ");\n\n");
    }
    out(g, "#endif\n");
}

static void emit_side_header(struct gen *g, enum side s)
{
    const char *side = s == HOST ? "host" : "domain";
    char rt[128];
    banner(g);
    out(g, "#ifndef %s_%s_H\n#define %s_%s_H\n\n#include \"%s_common.h\"\n\n", g->m, side, g->m,
        side, g->m);
    out(g, "/* Installs the dispatcher on g%s. */\n",
        s == DOMAIN ? " and makes cdn_g the glue of the "
                      "stubs"
                    : "");
    out(g, "void %s_%s_init(struct cdn_glue *cdn_g);\n", g->m, side);
    if (s == HOST)
        out(g,
            "/* Whether the domain's glue comes from the same IDL (CDN_OK; else\n"
            " * CDN_EPROTO, or the crossing's status). */\n"
            "int %s_host_check(struct cdn_glue *cdn_g);\n",
            g->m);
    out(g, "int %s_%s_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep);\n\n",
        g->m, side);
    if (s == DOMAIN) {
        out(g, "/* The driver's functions the host calls (export rpcs). */\n");
        for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
            if (r->kind != RPC_EXPORT)
                continue;
            ret_type(g, r, rt, sizeof rt);
            out(g, "%s%s%s(", rt, rt[strlen(rt) - 1] == '*' ? "" : " ", r->name);
            print_params(g, r, 0);
            out(g, ");\n");
        }
    }
    if (s == HOST) {
        for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
            if (r->kind != RPC_EXPORT)
                continue;
            ret_type(g, r, rt, sizeof rt);
            size_t l = strlen(rt);
            out(g, "%s%s%s_call_%s(struct cdn_glue *cdn_g", rt, rt[l - 1] == '*' ? "" : " ", g->m,
                r->name);
            print_params(g, r, 1);
            out(g, ");\n");
        }
    }
    out(g, "\n#endif\n");
}

static void emit_side_source(struct gen *g, enum side s)
{
    g->host = s == HOST;
    const char *side = s == HOST ? "host" : "domain";
    banner(g);
    out(g, "#include <stdlib.h>\n#include <string.h>\n\n#include \"%s_%s.h\"\n\n", g->m, side);
    out(g, "#pragma GCC diagnostic ignored \"-Wunused-function\"\n\n");
    emit_proj_prototypes(g);
    if (s == HOST) {
        /* trampolines are referenced by get_* before their definition */
        char rt[128], tn[160], expr[256];
        for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
            const struct idl_projection *ops;
            const struct idl_var *slot;
            if (r->kind != RPC_PTR || !find_ops(g, r, expr, sizeof expr, &ops, &slot))
                continue;
            ret_type(g, r, rt, sizeof rt);
            tramp_name(g, ops, slot, tn, sizeof tn);
            out(g, "static %s%s%s(", rt, rt[strlen(rt) - 1] == '*' ? "" : " ", tn);
            print_params(g, r, 0);
            out(g, ");\n");
        }
        out(g, "\n");
    }
    emit_proj_helpers(g, s);
    if (s == HOST)
        emit_host_callers(g);
    else
        emit_domain_stubs(g);
    emit_tmp_helpers(g);
    emit_dispatch(g, s);
    if (s == HOST)
        out(g,
            "/* Asks the domain which IDL its glue was generated from: CDN_OK if the\n"
            " * same as this side's, CDN_EPROTO if not, or the crossing's status. */\n"
            "int %s_host_check(struct cdn_glue *cdn_g)\n{\n"
            "    struct cdn_wbuf cdn_w;\n    struct cdn_rbuf cdn_r;\n    struct cdn_msg "
            "cdn_store;\n"
            "    cdn_wbuf_init(&cdn_w, cdn_g);\n"
            "    int cdn_st = cdn_glue_call(cdn_g, CDN_RPC_GLUE_FINGERPRINT, &cdn_w, &cdn_r, "
            "&cdn_store);\n"
            "    cdn_wbuf_release(&cdn_w);\n"
            "    if (cdn_st != CDN_OK)\n        return cdn_st;\n"
            "    uint64_t cdn_fp = cdn_r_u64(&cdn_r);\n"
            "    cdn_st = cdn_r_finish(&cdn_r);\n"
            "    if (cdn_st != CDN_OK)\n        return cdn_st;\n"
            "    return cdn_fp == %s_IDL_FINGERPRINT ? CDN_OK : CDN_EPROTO;\n}\n\n",
            g->m, g->m);
    out(g, "void %s_%s_init(struct cdn_glue *cdn_g)\n{\n", g->m, side);
    out(g, "    cdn_glue_set_dispatch(cdn_g, %s_%s_dispatch);\n", g->m, side);
    if (s == DOMAIN)
        out(g, "    cdn_glue_set_current(cdn_g);\n");
    out(g, "}\n");
}

int idl_generate(const struct idl_file *f, const char *dir, unsigned sides)
{
    struct gen g = {.f = f, .m = f->module};
    char path[4096];
    struct {
        unsigned side;
        const char *suffix;
        int kind; /* 0 common, 1 header, 2 source */
        enum side s;
    } files[] = {
        {GEN_HOST | GEN_DOMAIN, "common.h", 0, HOST},
        {GEN_HOST, "host.h", 1, HOST},
        {GEN_HOST, "host.c", 2, HOST},
        {GEN_DOMAIN, "domain.h", 1, DOMAIN},
        {GEN_DOMAIN, "domain.c", 2, DOMAIN},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0] && !g.failed; i++) {
        if (!(files[i].side & sides))
            continue;
        g.o = open_out(&g, dir, files[i].suffix, path, sizeof path);
        if (!g.o)
            break;
        if (files[i].kind == 0)
            emit_common(&g);
        else if (files[i].kind == 1)
            emit_side_header(&g, files[i].s);
        else
            emit_side_source(&g, files[i].s);
        if (fclose(g.o) != 0) {
            fprintf(stderr, "cordon-idlc: %s: %s\n", path, strerror(errno));
            g.failed = 1;
        }
    }
    return g.failed ? -1 : 0;
}

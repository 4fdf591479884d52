/* gen_types.c - C types, directions and scalars for the glue generator. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_impl.h"

void out(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->o, fmt, ap);
    va_end(ap);
}

/* ---- C types ---- */

const char *scalar_c(const struct idl_type *t)
{
    static const char *u[] = {"", "uint8_t", "uint16_t", "", "uint32_t", "", "", "", "uint64_t"};
    static const char *s[] = {"", "int8_t", "int16_t", "", "int32_t", "", "", "", "int64_t"};
    return t->is_signed ? s[t->width] : u[t->width];
}

/* The C type of a value of IDL type t (element types for arrays). */
void c_type(struct gen *g, const struct idl_var *v, char *buf, size_t n)
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
    case T_STRING: /* an [out] one is the caller's buffer of N + 1 */
        snprintf(buf, n, "%schar *", (v->attrs & AT_OUT) ? "" : "const ");
        break;
    case T_ARRAY: {
        const struct idl_type *e = t->elem;
        snprintf(buf, n, "%s%s *", (v->attrs & AT_OUT) ? "" : "const ",
                 e->kind == T_SCALAR ? scalar_c(e)
                 : e->kind == T_BOOL ? "bool"
                                     : "int32_t");
        break;
    }
    case T_PROJECTION:
        snprintf(buf, n, "%s *", t->proj->c_type);
        break;
    case T_SHARED: /* [in] only: the callee reads it, so the caller's may be const */
        snprintf(buf, n, "%svoid *", (v->attrs & AT_IN) && !(v->attrs & AT_OUT) ? "const " : "");
        break;
    case T_RPC_PTR:
        snprintf(buf, n, "%s_fn_%s", g->m, t->ref);
        break;
    }
}

void print_params(struct gen *g, const struct idl_rpc *r, int leading_comma)
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

void ret_type(struct gen *g, const struct idl_rpc *r, char *buf, size_t n)
{
    c_type(g, r->ret, buf, n);
}

const char *dead_value(const struct idl_rpc *r)
{
    switch (r->ret->type->kind) {
    case T_VOID:
        return "";
    case T_BOOL:
        return " false";
    case T_PROJECTION:
    case T_SHARED:
    case T_STRING:
        return " NULL";
    default:
        return NULL; /* cast of cdn_glue_dead_value */
    }
}

void emit_dead_return(struct gen *g, const struct idl_rpc *r, const char *indent)
{
    const char *dv = dead_value(r);
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    if (r->has_dead)
        out(g, "%sreturn (%s)%lldLL; /* [dead] */\n", indent, rt, (long long)r->dead);
    else if (dv)
        out(g, "%sreturn%s;\n", indent, dv);
    else
        out(g, "%sreturn (%s)cdn_glue_dead_value(cdn_g);\n", indent, rt);
}

int used_as_argument(const struct idl_file *f, const struct idl_rpc *rp)
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
int field_dir_io(const struct gen *g, const struct idl_var *v, int put)
{
    int d = field_dir(v);
    if (v->attrs & AT_READ_ONLY)
        return g->host == put ? d : 0;
    if (v->attrs & AT_WRITE_ONLY)
        return g->host != put ? d : 0;
    return d;
}

int param_dir(const struct idl_var *v)
{
    int d = ((v->attrs & AT_IN) ? DIR_IN : 0) | ((v->attrs & AT_OUT) ? DIR_OUT : 0);
    return d ? d : DIR_IN;
}

/* ---- scalar put/get ---- */

void put_scalar(struct gen *g, const struct idl_type *t, const char *expr, const char *in)
{
    if (t->kind == T_BOOL)
        out(g, "%scdn_w_u8(cdn_w, (%s) ? 1 : 0);\n", in, expr);
    else if (t->kind == T_ENUM)
        out(g, "%scdn_w_u32(cdn_w, (uint32_t)(int32_t)(%s));\n", in, expr);
    else
        out(g, "%scdn_w_u%d(cdn_w, (uint%d_t)(%s));\n", in, t->width * 8, t->width * 8, expr);
}

/* Reads one scalar into lvalue `dst`, validating bools and enums. */
void get_scalar(struct gen *g, const struct idl_type *t, const char *dst, const char *in)
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

const char *proj_type(struct gen *g, const struct idl_projection *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s_TYPE_%s", g->m, p->name);
    return buf;
}

/* The trampoline installed for slot `fl` of ops projection p. */
void tramp_name(struct gen *g, const struct idl_projection *p, const struct idl_var *fl, char *buf,
                size_t n)
{
    snprintf(buf, n, "%s_tramp_%s_%s", g->m, p->name, fl->name);
}

const char *type_gap(const char *ct)
{
    size_t l = strlen(ct);
    return l && ct[l - 1] == '*' ? "" : " ";
}

const char *dir_name(int d)
{
    switch (d) {
    case DIR_IN:
        return "CDN_DIR_IN";
    case DIR_OUT:
        return "CDN_DIR_OUT";
    default:
        return "CDN_DIR_ALL";
    }
}

/* Comment lines stay within this many columns where a declaration allows. */
#define COMMENT_WIDTH 96

void emit_decl_comment(struct gen *g, const struct idl_rpc *r, const char *what)
{
    char *decl = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&decl, &len);
    if (!m) {
        g->failed = 1;
        return;
    }
    idl_print_rpc(m, r);
    fclose(m);
    out(g, "/*\n * %s:%u\n", g->f->path, r->loc.line);
    /* the declaration, broken after a comma between parameters where it
     * would run long; continuation lines line up after its '(' */
    const char *open = strchr(decl, '(');
    int hang = open && open - decl < 40 ? (int)(open - decl) + 1 : 4;
    int col = 5, angle = 0, paren = 0; /* " *   " */
    size_t seg = 0;
    out(g, " *   ");
    for (size_t k = 0; decl[k]; k++) {
        char c = decl[k];
        angle += c == '<' ? 1 : c == '>' ? -1 : 0;
        paren += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (c != ',' || angle || paren != 1 || decl[k + 1] != ' ')
            continue;
        /* the parameter after this comma: does it fit on this line? */
        const char *next = decl + k + 2, *stop = next;
        int a = 0, p = 0;
        while (*stop && !(a == 0 && p == 0 && (*stop == ',' || *stop == ')'))) {
            a += *stop == '<' ? 1 : *stop == '>' ? -1 : 0;
            p += *stop == '(' ? 1 : *stop == ')' ? -1 : 0;
            stop++;
        }
        int piece = (int)(k + 1 - seg);
        out(g, "%.*s", piece, decl + seg);
        col += piece;
        seg = k + 2;
        if (col + 1 + (int)(stop - next) + 1 > COMMENT_WIDTH) {
            out(g, "\n *   %*s", hang, "");
            col = 5 + hang;
        } else {
            out(g, " ");
            col++;
        }
    }
    out(g, "%s", decl + seg);
    out(g, ";\n");
    /* the prose, word-wrapped */
    for (const char *w = what; w && *w;) {
        const char *end = w + strlen(w), *cut = end;
        if (end - w > COMMENT_WIDTH - 3) {
            cut = w + COMMENT_WIDTH - 3;
            while (cut > w && *cut != ' ')
                cut--;
            if (cut == w)
                cut = end;
        }
        out(g, " * %.*s\n", (int)(cut - w), w);
        w = *cut == ' ' ? cut + 1 : cut;
    }
    out(g, " */\n");
    free(decl);
}

/*
 * gen_proj.c - a projection's field writer (put_NAME) and reader
 * (get_NAME). Objects by reference go through the glue library
 * (cdn_w_object, cdn_r_object: include/cordon/glue.h), which calls these
 * for the fields.
 */
#include <stdio.h>
#include <string.h>

#include "gen_impl.h"

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

/* Opens the block that puts or gets one field: always, for a field that
 * travels both ways, else only in the call's direction d. */
static void open_field_block(struct gen *g, const struct idl_var *fl, int d)
{
    if (d == DIR_ALL) /* both ways: whatever the call's direction */
        out(g, "    { /* %s */\n", fl->name);
    else
        out(g, "    if (dir & %s) { /* %s */\n", dir_name(d), fl->name);
}

static void emit_put_field(struct gen *g, const struct idl_var *fl)
{
    char fx[512];
    const struct idl_type *t = fl->type;
    char e[256];
    snprintf(e, sizeof e, "o->%s", fl->name);
    open_field_block(g, fl, field_dir_io(g, fl, 1));
    switch (t->kind) {
    case T_SCALAR:
    case T_BOOL:
    case T_ENUM:
        put_scalar(g, t, e, "        ");
        break;
    case T_STRING: /* a char array, or a char * (CDN_IS_ARRAY decides when compiled) */
        out(g,
            "        if (CDN_IS_ARRAY(o->%s))\n            cdn_w_string(cdn_w, (const char "
            "*)o->%s, "
            "%llu);\n        else\n            cdn_w_string_field(cdn_w, (const char *)o->%s, "
            "%llu);\n",
            fl->name, fl->name, (unsigned long long)t->bound, fl->name,
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
            out(g, "        cdn_w_object(cdn_g, cdn_w, (void *)o->%s, %s_TYPE_%s, dir, put_%s);\n",
                fl->name, g->m, t->proj->name, t->proj->name);
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
    open_field_block(g, fl, field_dir_io(g, fl, 0));
    switch (t->kind) {
    case T_SCALAR:
    case T_BOOL:
    case T_ENUM:
        snprintf(e, sizeof e, "o->%s", fl->name);
        get_scalar(g, t, e, "        ");
        break;
    case T_STRING:
        out(g,
            "        if (CDN_IS_ARRAY(o->%s))\n            cdn_r_string(cdn_r, (char *)o->%s, "
            "sizeof(o->%s), %llu);\n        else\n            cdn_r_string_field(cdn_g, cdn_r, "
            "(char **)(void *)&o->%s, %llu);\n",
            fl->name, fl->name, fl->name, (unsigned long long)t->bound, fl->name,
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
            out(g,
                "        o->%s = cdn_r_object(cdn_g, cdn_r, %s_TYPE_%s, sizeof(%s), dir, "
                "%d, get_%s);\n",
                fl->name, g->m, t->proj->name, t->proj->c_type,
                !g->host || (fl->attrs & AT_ALLOC_CALLER) ? 1 : 0, t->proj->name);
        else
            out(g, "        get_%s(cdn_g, cdn_r, &o->%s, dir);\n", t->proj->name, fl->name);
        break;
    default:
        break;
    }
    out(g, "    }\n");
}

void emit_proj_prototypes(struct gen *g)
{
    for (const struct idl_projection *p = g->f->projections; p; p = p->next)
        if (!p->fields)
            out(g,
                "/* projection %s (%s:%u) has no fields */\n#define put_%s cdn_no_fields_put\n"
                "#define get_%s cdn_no_fields_get\n",
                p->name, g->f->path, p->loc.line, p->name, p->name);
    for (const struct idl_projection *p = g->f->projections; p; p = p->next) {
        if (!p->fields)
            continue;
        out(g,
            "static void put_%s(struct cdn_glue *cdn_g, struct cdn_wbuf *cdn_w, void *cdn_obj, "
            "unsigned dir);\n",
            p->name);
        out(g,
            "static void get_%s(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, void *cdn_obj, "
            "unsigned dir);\n",
            p->name);
    }
    out(g, "\n");
}

static int slot_count(const struct idl_projection *p)
{
    int n = 0;
    for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
        n += fl->type->kind == T_RPC_PTR;
    return n;
}

static void emit_put_fields(struct gen *g, const struct idl_projection *p, enum side side)
{
    out(g, "/* The fields of projection %s this side sends\n * (%s:%u). */\n", p->name, g->f->path,
        p->loc.line);
    out(g,
        "static void put_%s(struct cdn_glue *cdn_g, struct cdn_wbuf *cdn_w, void *cdn_obj, "
        "unsigned dir)\n{\n",
        p->name);
    out(g, "    %s *o = cdn_obj;\n", p->c_type);
    out(g, "    (void)cdn_g;\n    (void)cdn_w;\n    (void)o;\n    (void)dir;\n");
    for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
        if (fl->type->kind != T_RPC_PTR && field_dir_io(g, fl, 1))
            emit_put_field(g, fl);
    if (slot_count(p)) {
        out(g, "    if (dir == CDN_DIR_ALL) { /* a new object: which ops-table slots are set */\n");
        out(g, "        uint64_t cdn_bits = 0;\n");
        int i = 0;
        for (const struct idl_var *fl = p->fields; fl; fl = fl->next)
            if (fl->type->kind == T_RPC_PTR)
                out(g, "        if (o->%s)\n            cdn_bits |= 1ull << %d;\n", fl->name, i++);
        if (side == HOST)
            out(g, "        cdn_bits = 0; /* host function pointers never cross */\n");
        out(g, "        cdn_w_u64(cdn_w, cdn_bits);\n    }\n");
    }
    out(g, "}\n\n");
}

/* Size expressions are checked once every field has arrived. */
static void emit_field_checks(struct gen *g, const struct idl_projection *p)
{
    char fx[512];
    for (const struct idl_var *fl = p->fields; fl; fl = fl->next) {
        if (!field_dir_io(g, fl, 0) || !fl->type->expr)
            continue;
        int dv = field_dir_io(g, fl, 0);
        char d[64] = ""; /* a field that travels both ways is always there */
        if (dv != DIR_ALL)
            snprintf(d, sizeof d, "(dir & %s) && ", dir_name(dv));
        if (fl->type->kind == T_SHARED)
            out(g,
                "    if (%s!cdn_r->err && (uint64_t)(%s) > cdn_shlen_%s)\n"
                "        cdn_r_fail(cdn_r, CDN_EPROTO); /* %s shorter than {{%s}} */\n",
                d, field_expr(fl->type->expr, fx, sizeof fx), fl->name, fl->name, fl->type->expr);
        else
            out(g,
                "    if (%s!cdn_r->err && cdn_cnt_%s != (uint32_t)(%s))\n"
                "        cdn_r_fail(cdn_r, CDN_EPROTO); /* count of %s != {{%s}} */\n",
                d, fl->name, field_expr(fl->type->expr, fx, sizeof fx), fl->name, fl->type->expr);
    }
}

/* The slot bits of a new ops table: the host installs its trampolines for
 * the slots the domain set; the domain installs nothing from the host. */
static void emit_get_slots(struct gen *g, const struct idl_projection *p, enum side side)
{
    char tn[160];
    out(g, "    if (dir == CDN_DIR_ALL) { /* a new object: which ops-table slots are set */\n");
    out(g, "        uint64_t cdn_bits = cdn_r_u64(cdn_r);\n");
    out(g, "        if (cdn_bits >> %d)\n            cdn_r_fail(cdn_r, CDN_EPROTO);\n",
        slot_count(p));
    int i = 0;
    for (const struct idl_var *fl = p->fields; fl; fl = fl->next) {
        if (fl->type->kind != T_RPC_PTR)
            continue;
        if (side == HOST) {
            tramp_name(g, p, fl, tn, sizeof tn);
            out(g,
                "        o->%s = NULL;\n        if ((cdn_bits >> %d) & 1)\n"
                "            o->%s = (__typeof__(o->%s))%s;\n",
                fl->name, i, fl->name, fl->name, tn);
        }
        i++;
    }
    if (side == DOMAIN)
        out(g, "        (void)cdn_bits; /* the host installs no function in the domain */\n");
    out(g, "    }\n");
}

static void emit_get_fields(struct gen *g, const struct idl_projection *p, enum side side)
{
    out(g, "/* The fields of projection %s this side accepts\n * (%s:%u). */\n", p->name,
        g->f->path, p->loc.line);
    out(g,
        "static void get_%s(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, void *cdn_obj, "
        "unsigned dir)\n{\n",
        p->name);
    out(g, "    %s *o = cdn_obj;\n", p->c_type);
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
    emit_field_checks(g, p);
    if (slot_count(p))
        emit_get_slots(g, p, side);
    out(g, "}\n\n");
}

void emit_proj_helpers(struct gen *g, enum side side)
{
    for (const struct idl_projection *p = g->f->projections; p; p = p->next) {
        if (!p->fields)
            continue; /* cdn_no_fields_put and _get (emit_proj_prototypes) */
        emit_put_fields(g, p, side);
        emit_get_fields(g, p, side);
    }
}

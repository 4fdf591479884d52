/*
 * gen_params.c - one parameter or return value, each way: the caller's
 * [in] part and the callee's reading of it, the callee's [out] part and
 * the caller's reading of that.
 */
#include <stdio.h>
#include <string.h>

#include "gen_impl.h"

/* ---- parameters ---- */

/* A fixed count as text (for an emitted expression). */
static const char *count_str(uint64_t n)
{
    static char buf[32]; /* the generator is single-threaded */
    snprintf(buf, sizeof buf, "%lluu", (unsigned long long)n);
    return buf;
}

/* Caller side: writes the [in] part of parameter v. */
void put_param_in(struct gen *g, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    char e[256];
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
        if (param_dir(v) & DIR_IN) /* an [out]-only string sends nothing */
            out(g, "    cdn_w_string(cdn_w, %s, %llu);\n", v->name, (unsigned long long)t->bound);
        break;
    case T_ARRAY:
        if (param_dir(v) == DIR_OUT) {
            /* [out] only: the capacity goes, the callee fills that many */
            if (t->size_kind == A_FIXED)
                out(g, "    uint32_t %s_cap = %llu;\n", v->name, (unsigned long long)t->count);
            else
                out(g,
                    "    uint32_t %s_cap = (uint32_t)(%s);\n    if (%s_cap > %llu)\n"
                    "        cdn_w->err = CDN_EINVAL, %s_cap = 0;\n"
                    "    cdn_w_u32(cdn_w, %s_cap);\n",
                    v->name, t->expr, v->name, (unsigned long long)t->bound, v->name, v->name);
            break;
        }
        if (param_dir(v) & DIR_OUT) /* [in, out]: as many come back as went */
            out(g, "    uint32_t %s_cap = 0;\n", v->name);
        if (t->size_kind == A_FIXED) {
            if (param_dir(v) & DIR_OUT)
                out(g, "    %s_cap = %llu;\n", v->name, (unsigned long long)t->count);
            if (t->elem->kind != T_SCALAR)
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
            out(g, "        cdn_w_u32(cdn_w, cdn_n);\n");
            if (param_dir(v) & DIR_OUT)
                out(g, "        %s_cap = cdn_n;\n", v->name);
            if (t->elem->kind != T_SCALAR)
                out(g, "        for (uint32_t cdn_i = 0; cdn_i < cdn_n; cdn_i++)\n");
        }
        if (t->elem->kind == T_SCALAR) {
            /* integers travel as they lie in memory (the wire is little
             * endian, as the machine): one copy of the real length */
            out(g, "%s    if (%s)\n%s        cdn_w_bytes(cdn_w, %s, (size_t)%s * %u);\n",
                t->size_kind == A_FIXED ? "" : "    ", t->size_kind == A_FIXED ? "1" : "cdn_n",
                t->size_kind == A_FIXED ? "" : "    ", v->name,
                t->size_kind == A_FIXED ? count_str(t->count) : "cdn_n", (unsigned)t->elem->width);
        } else {
            snprintf(e, sizeof e, "%s[cdn_i]", v->name);
            put_scalar(g, t->elem, e, t->size_kind == A_FIXED ? "        " : "            ");
        }
        if (t->size_kind != A_FIXED)
            out(g, "    }\n");
        break;
    case T_SHARED:
        out(g, "    uint64_t %s_sref = 0;\n    uint32_t %s_slen = 0;\n    {\n", v->name, v->name);
        out(g,
            "        if (cdn_glue_shared_out(cdn_g, %s, &%s_sref, &%s_slen) != CDN_OK)\n"
            "            cdn_w->err = CDN_EINVAL;\n",
            v->name, v->name, v->name);
        /* ownership: [move] (default) hands it over, [lend] lends it for the call */
        out(g,
            "        else if (cdn_glue_shared_give(cdn_g, %s_sref, %d) != CDN_OK)\n"
            "            cdn_w->err = CDN_EPERM; /* not ours to %s */\n",
            v->name, !!(v->attrs & AT_LEND), (v->attrs & AT_LEND) ? "lend" : "give");
        out(g, "        cdn_w_u64(cdn_w, %s_sref);\n        cdn_w_u32(cdn_w, %s_slen);\n    }\n",
            v->name, v->name);
        break;
    case T_PROJECTION:
        out(g, "    cdn_w_object(cdn_g, cdn_w, %s, %s_TYPE_%s, CDN_DIR_IN, put_%s);\n", v->name,
            g->m, t->proj->name, t->proj->name);
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

/* Callee side: an integer array parameter's pointer (set once its room is
 * allocated) and its count: fixed, or read (at most the bound). */
static void declare_scalar_array(struct gen *g, const struct idl_var *v, const char *ec)
{
    const struct idl_type *t = v->type;
    out(g, "    %s *%s = NULL;\n", ec, v->name);
    if (t->size_kind == A_FIXED)
        out(g, "    uint32_t %s_n = %llu;\n", v->name, (unsigned long long)t->count);
    else
        out(g, "    uint32_t %s_n = cdn_r_count(cdn_r, %llu);\n", v->name,
            (unsigned long long)t->bound);
}

/* Callee side: declares a local for parameter v and reads its [in] part. */
void get_param_in(struct gen *g, const struct idl_var *v)
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
        out(g, "    char *%s = cdn_tmp_alloc(&cdn_tmp, %llu);\n", v->name,
            (unsigned long long)t->bound + 1);
        if (param_dir(v) == DIR_OUT) { /* the callee's to fill: N + 1, zeroed */
            out(g, "    if (!%s)\n        cdn_r_fail(cdn_r, CDN_ENOMEM);\n", v->name);
            break;
        }
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
        if (el->kind == T_SCALAR && param_dir(v) == DIR_OUT) {
            /* [out] only: room for the capacity the caller gave, zeroed */
            declare_scalar_array(g, v, ec);
            out(g,
                "    if (!cdn_r->err && !(%s = cdn_tmp_alloc(&cdn_tmp, ((size_t)%s_n + 1) * %u)))\n"
                "        cdn_r_fail(cdn_r, CDN_ENOMEM);\n",
                v->name, v->name, (unsigned)el->width);
            break;
        }
        if (el->kind == T_SCALAR) {
            /* the count first, then one copy of the real length into an
             * allocation of that length (+1 for a sentinel array's zero) */
            declare_scalar_array(g, v, ec);
            out(g,
                "    if (!cdn_r->err) {\n"
                "        const void *cdn_src = cdn_r_bytes(cdn_r, (size_t)%s_n * %u);\n"
                "        %s = cdn_tmp_alloc(&cdn_tmp, ((size_t)%s_n + 1) * %u);\n"
                "        if (!%s)\n            cdn_r_fail(cdn_r, CDN_ENOMEM);\n"
                "        else if (cdn_src && %s_n)\n"
                "            memcpy(%s, cdn_src, (size_t)%s_n * %u);\n",
                v->name, (unsigned)el->width, v->name, v->name, (unsigned)el->width, v->name,
                v->name, v->name, v->name, (unsigned)el->width);
        } else {
            uint64_t cap = t->size_kind == A_FIXED ? t->count : t->bound + 1;
            out(g, "    %s *%s = cdn_tmp_alloc(&cdn_tmp, %llu * sizeof(%s));\n", ec, v->name,
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
        }
        if (t->size_kind == A_NULL) {
            out(g,
                "        for (uint32_t cdn_i = 0; %s && cdn_i < %s_n; cdn_i++)\n"
                "            if (!%s[cdn_i])\n                cdn_r_fail(cdn_r, CDN_EPROTO); "
                "/* a zero before the end */\n",
                v->name, v->name, v->name);
            out(g, "        if (%s)\n            %s[%s_n] = 0;\n", v->name, v->name, v->name);
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
        out(g,
            "    %s *%s =\n        cdn_r_object(cdn_g, cdn_r, %s_TYPE_%s, sizeof(%s), "
            "CDN_DIR_IN, %d, get_%s);\n",
            t->proj->c_type, v->name, g->m, t->proj->name, t->proj->c_type,
            !g->host || (v->attrs & AT_ALLOC_CALLER) ? 1 : 0, t->proj->name);
        break;
    case T_RPC_PTR:
        out(g, "    %s_fn_%s %s = NULL;\n    {\n        uint64_t cdn_ref = cdn_r_u64(cdn_r);\n",
            g->m, t->ref, v->name);
        out(g,
            "        if (!cdn_r->err && cdn_ref) {\n"
            "            int cdn_k = cdn_glue_fn_bind(cdn_g, cdn_ref, %s_pool_%s, CDN_FN_POOL);\n"
            "            if (cdn_k < 0)\n                cdn_r_fail(cdn_r, cdn_k);\n"
            "            else\n                %s = %s_fns_%s[cdn_k];\n        }\n    }\n",
            g->m, t->ref, v->name, g->m, t->ref);
        break;
    default:
        break;
    }
}

/*
 * A shared buffer's size expression may read a pointer-to-scalar
 * parameter (`{{*destLen}}`). rewrite_derefs copies expr with each `*p`
 * written as `p` + suffix (the caller's `p_out`, the value a reply brings)
 * and calls each on every such p (the callee checks p is there).
 */
static void rewrite_derefs(const char *expr, const char *suffix, char *buf, size_t n,
                           void (*each)(struct gen *, const char *, size_t), struct gen *g)
{
    size_t o = 0;
    int operand = 1;
    for (const char *p = expr; *p;) {
        if (*p == '*' && operand) {
            const char *q = p + 1;
            while (*q == ' ')
                q++;
            const char *id = q;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_' ||
                   (*q >= '0' && *q <= '9'))
                q++;
            if (each)
                each(g, id, (size_t)(q - id));
            o += (size_t)snprintf(buf + (o < n ? o : n), o < n ? n - o : 0, "%.*s%s", (int)(q - id),
                                  id, suffix);
            p = q;
            operand = 0;
            continue;
        }
        if (*p != ' ')
            operand = !((*p >= '0' && *p <= '9') || *p == ')' || (*p >= 'a' && *p <= 'z') ||
                        (*p >= 'A' && *p <= 'Z') || *p == '_');
        if (o + 1 < n)
            buf[o] = *p;
        o++;
        p++;
    }
    buf[o < n ? o : n - 1] = 0;
}

static void require_present(struct gen *g, const char *id, size_t len)
{
    out(g,
        "    if (!cdn_r->err && !%.*s)\n"
        "        cdn_r_fail(cdn_r, CDN_EPROTO); /* a size expression reads *%.*s */\n",
        (int)len, id, (int)len, id);
}

/* Caller side, the reply read: a buffer whose expression reads an [out]
 * value must still hold what the callee says (uncompress's *destLen
 * coming back is at most the buffer lent): else the reply is refused. */
void check_reply_sizes(struct gen *g, const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next) {
        if (v->type->kind != T_SHARED || !v->type->expr || !strchr(v->type->expr, '*'))
            continue;
        char e[512];
        rewrite_derefs(v->type->expr, "_out", e, sizeof e, NULL, g);
        if (strcmp(e, v->type->expr) == 0)
            continue; /* a product, not a pointer read */
        out(g,
            "    if (!cdn_r->err && (uint64_t)(%s) > %s_slen)\n"
            "        cdn_r_fail(cdn_r, CDN_EPROTO); /* more than %s holds: {{%s}} */\n",
            e, v->name, v->name, v->type->expr);
    }
}

/* After all [in] values are read: size expressions must agree. */
void check_expr_counts(struct gen *g, const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_SHARED && v->type->expr && strchr(v->type->expr, '*')) {
            char e[512];
            rewrite_derefs(v->type->expr, "", e, sizeof e, require_present, g);
        }
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
void put_param_out(struct gen *g, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    char e[256];
    if (t->kind == T_STRING && (param_dir(v) & DIR_OUT)) {
        out(g, "    cdn_w_string(cdn_w, %s, %llu);\n", v->name, (unsigned long long)t->bound);
        return;
    }
    if (t->kind == T_ARRAY && (param_dir(v) & DIR_OUT)) { /* as many as the caller gave room for */
        out(g,
            "    cdn_w_u32(cdn_w, %s_n);\n    if (%s_n)\n"
            "        cdn_w_bytes(cdn_w, %s, (size_t)%s_n * %u);\n",
            v->name, v->name, v->name, v->name, (unsigned)t->elem->width);
        return;
    }
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
            "        put_%s(cdn_g, cdn_w, %s, CDN_DIR_OUT);\n    } else {\n"
            "        cdn_w_u8(cdn_w, 0);\n    }\n",
            v->name, v->name, t->proj->name, v->name);
    }
}

/* Caller side: reads the [out] part of parameter v from the reply. */
void get_param_out(struct gen *g, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    char e[256];
    if (t->kind == T_STRING && (param_dir(v) & DIR_OUT)) {
        /* checked now, copied into the caller's buffer once all is valid */
        out(g, "    uint32_t %s_len = 0;\n", v->name);
        out(g, "    const char *%s_got = cdn_r_string_view(cdn_r, %llu, &%s_len);\n", v->name,
            (unsigned long long)t->bound, v->name);
        return;
    }
    if (t->kind == T_ARRAY && (param_dir(v) & DIR_OUT)) {
        out(g, "    uint32_t %s_gotn = cdn_r_count(cdn_r, %s_cap);\n", v->name, v->name);
        out(g, "    const void *%s_got = cdn_r_bytes(cdn_r, (size_t)%s_gotn * %u);\n", v->name,
            v->name, (unsigned)t->elem->width);
        out(g,
            "    if (!cdn_r->err && %s_gotn != %s_cap)\n"
            "        cdn_r_fail(cdn_r, CDN_EPROTO); /* not the room it was given */\n",
            v->name, v->name);
        return;
    }
    if (v->pointer && (t->kind == T_SCALAR || t->kind == T_BOOL || t->kind == T_ENUM)) {
        if (param_dir(v) & DIR_OUT) {
            /* into a temporary: applied only once the whole reply validated */
            struct idl_var tmp = *v;
            char ty[128];
            tmp.pointer = 0;
            c_type(g, &tmp, ty, sizeof ty);
            out(g, "    %s %s_out = 0;\n", ty, v->name);
            snprintf(e, sizeof e, "%s_out", v->name);
            out(g, "    if (%s)\n", v->name);
            get_scalar(g, t, e, "        ");
        }
    } else if (t->kind == T_PROJECTION) {
        /* decoded into a copy (cdn_obj_copy: never a big struct on the
         * stack, which a kernel's would not hold); applied after the whole
         * reply validated. Present but unknown here: the peer kept an
         * object this side has freed (an IDL without the dealloc it
         * needs): the reply is refused. */
        out(g, "    void *cdn_out_%s = NULL;\n", v->name);
        out(g,
            "    if (cdn_r_u8(cdn_r)) {\n"
            "        if (!%s || !cdn_glue_ref_of(cdn_g, %s))\n"
            "            cdn_r_fail(cdn_r, CDN_EPROTO);\n"
            "        else if (!(cdn_out_%s = cdn_obj_copy(%s, sizeof(%s))))\n"
            "            cdn_r_fail(cdn_r, CDN_ENOMEM);\n"
            "        else\n"
            "            get_%s(cdn_g, cdn_r, cdn_out_%s, CDN_DIR_OUT);\n"
            "    }\n",
            v->name, v->name, v->name, v->name, t->proj->c_type, t->proj->name, v->name);
    }
}

void put_ret(struct gen *g, const struct idl_rpc *r)
{
    const struct idl_type *t = r->ret->type;
    switch (t->kind) {
    case T_VOID:
        break;
    case T_STRING: /* NULL crosses as NULL */
        out(g, "    cdn_w_string_field(cdn_w, cdn_ret, %llu);\n", (unsigned long long)t->bound);
        break;
    case T_PROJECTION:
        out(g, "    cdn_w_object(cdn_g, cdn_w, cdn_ret, %s_TYPE_%s, CDN_DIR_OUT, put_%s);\n", g->m,
            t->proj->name, t->proj->name);
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

void get_ret(struct gen *g, const struct idl_rpc *r)
{
    const struct idl_type *t = r->ret->type;
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    switch (t->kind) {
    case T_VOID:
        break;
    case T_STRING: /* in the glue's storage for this rpc, until its next call */
        out(g, "    const char *cdn_ret = cdn_r_string_result(cdn_g, cdn_r, %s_RPC_%s, %llu);\n",
            g->m, r->name, (unsigned long long)t->bound);
        break;
    case T_PROJECTION:
        out(g,
            "    %s cdn_ret =\n        cdn_r_object(cdn_g, cdn_r, %s_TYPE_%s, sizeof(%s), "
            "CDN_DIR_OUT, %d, get_%s);\n",
            rt, g->m, t->proj->name, t->proj->c_type,
            !g->host || (r->ret->attrs & AT_ALLOC_CALLEE) ? 1 : 0, t->proj->name);
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
void emit_deallocs(struct gen *g, const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_PROJECTION && (v->attrs & (AT_DEALLOC_CALLER | AT_DEALLOC_CALLEE)))
            out(g, "    cdn_glue_forget(cdn_g, %s);\n", v->name);
}

void emit_args(struct gen *g, const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        out(g, "%s%s", v == r->params ? "" : ", ", v->name);
}

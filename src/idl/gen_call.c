/*
 * gen_call.c - the callers: the domain's stubs (with the C names of the
 * host's functions), the host's callers of export rpcs (NAME_call_FN), and
 * the host's trampolines for rpc_ptrs (installed in ops tables, or bound to
 * a domain function passed as an argument).
 */
#include <stdio.h>
#include <string.h>

#include "gen_impl.h"

/* The body after the glue is known: marshal, call, unmarshal. `pre` writes
 * anything that precedes the arguments (an ops-table reference). */
static void emit_call_body(struct gen *g, const struct idl_rpc *r, const char *pre)
{
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    out(g, "    struct cdn_wbuf cdn_wb;\n    struct cdn_wbuf *cdn_w = &cdn_wb;\n    "
           "cdn_wbuf_init(cdn_w, cdn_g);\n");
    if (pre)
        out(g, "%s", pre);
    for (const struct idl_var *v = r->params; v; v = v->next)
        put_param_in(g, v);
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
    check_reply_sizes(g, r);
    out(g, "    cdn_st = cdn_r_finish(cdn_r);\n    if (cdn_st != CDN_OK) {\n"
           "        cdn_glue_set_error(cdn_g, cdn_st); /* a malformed reply: nothing applied */\n");
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_PROJECTION && v->pointer)
            out(g, "        cdn_obj_drop(cdn_out_%s);\n", v->name);
    emit_dead_return(g, r, "        ");
    out(g, "    }\n");
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_PROJECTION && v->pointer)
            out(g, "    cdn_obj_apply(%s, cdn_out_%s, sizeof(%s));\n", v->name, v->name,
                v->type->proj->c_type);
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->pointer && param_dir(v) & DIR_OUT &&
            (v->type->kind == T_SCALAR || v->type->kind == T_BOOL || v->type->kind == T_ENUM))
            out(g, "    if (%s)\n        *%s = %s_out;\n", v->name, v->name, v->name);
    for (const struct idl_var *v = r->params; v; v = v->next) {
        if (!(param_dir(v) & DIR_OUT))
            continue;
        if (v->type->kind == T_STRING)
            out(g,
                "    if (%s) {\n        memcpy(%s, %s_got, %s_len);\n        %s[%s_len] = 0;\n    "
                "}\n",
                v->name, v->name, v->name, v->name, v->name, v->name);
        else if (v->type->kind == T_ARRAY)
            out(g, "    if (%s && %s_gotn)\n        memcpy(%s, %s_got, (size_t)%s_gotn * %u);\n",
                v->name, v->name, v->name, v->name, v->name, (unsigned)v->type->elem->width);
    }
    emit_deallocs(g, r);
    if (r->ret->type->kind != T_VOID)
        out(g, "    return cdn_ret;\n");
}

/* Finds a path from an argument of rpc_ptr r to an ops projection with a slot
 * of type r. Writes the C expression of the ops object and the slot. */
int find_ops(struct gen *g, const struct idl_rpc *r, char *expr, size_t n,
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

/* The return of a generated function that found no glue to call through
 * (why says which): the rpc's dead value, or -EIO in its return type. */
static void emit_no_glue_return(struct gen *g, const struct idl_rpc *r, const char *rt,
                                const char *why)
{
    if (r->has_dead)
        out(g, "        return (%s)%lldLL; /* [dead]: %s */\n", rt, (long long)r->dead, why);
    else if (dead_value(r))
        out(g, "        return%s;\n", dead_value(r));
    else
        out(g, "        return (%s)-5; /* -EIO: %s */\n", rt, why);
}

/* A pool of CDN_FN_POOL trampolines for rpc_ptr r passed as an argument: C
 * has no closures, so each trampoline is bound to one (domain, function)
 * pair; the pool's functions are one macro applied CDN_FN_POOL times. */
static void emit_fn_pool(struct gen *g, const struct idl_rpc *r)
{
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    const char *sp = type_gap(rt);
    emit_decl_comment(g, r,
                      "Passed as an argument: a pool of trampolines, each bound to one domain "
                      "function while its domain lives.");
    out(g, "static struct cdn_fn_slot %s_pool_%s[CDN_FN_POOL];\n\n", g->m, r->name);
    out(g, "static %s%s%s_fncall_%s(int cdn_k", rt, sp, g->m, r->name);
    print_params(g, r, 1);
    out(g,
        ")\n{\n    struct cdn_glue *cdn_g = cdn_glue_fn_glue(&%s_pool_%s[cdn_k]);\n"
        "    if (!cdn_g)\n",
        g->m, r->name);
    emit_no_glue_return(g, r, rt, "its domain is gone");
    char pre[256];
    snprintf(pre, sizeof pre,
             "    cdn_w_u8(cdn_w, 1); /* a function passed by pointer */\n"
             "    cdn_w_u64(cdn_w, %s_pool_%s[cdn_k].ref);\n",
             g->m, r->name);
    emit_call_body(g, r, pre);
    out(g, "}\n\n");
    out(g, "/* %s_fnK_%s calls through slot K of the pool */\n", g->m, r->name);
    out(g, "#define %s_FN_%s(cdn_k) \\\n    static %s%s%s_fn##cdn_k##_%s(", g->m, r->name, rt, sp,
        g->m, r->name);
    print_params(g, r, 0);
    out(g, ") \\\n    { \\\n        %s%s_fncall_%s(cdn_k",
        r->ret->type->kind == T_VOID ? "" : "return ", g->m, r->name);
    for (const struct idl_var *v = r->params; v; v = v->next)
        out(g, ", %s", v->name);
    out(g, "); \\\n    }\n");
    out(g, "CDN_FN_POOL_EACH(%s_FN_%s)\n#undef %s_FN_%s\n\n", g->m, r->name, g->m, r->name);
    out(g, "#define %s_FN_%s(cdn_k) %s_fn##cdn_k##_%s,\n", g->m, r->name, g->m, r->name);
    out(g, "static const %s_fn_%s %s_fns_%s[CDN_FN_POOL] = {\n    CDN_FN_POOL_EACH(%s_FN_%s)};\n",
        g->m, r->name, g->m, r->name, g->m, r->name);
    out(g, "#undef %s_FN_%s\n\n", g->m, r->name);
}

void emit_host_callers(struct gen *g)
{
    char rt[128];
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        if (r->kind == RPC_IMPORT)
            continue;
        ret_type(g, r, rt, sizeof rt);
        if (r->kind == RPC_EXPORT) {
            emit_decl_comment(g, r, "Calls the domain's function of that name.");
            out(g, "%s%s%s_call_%s(struct cdn_glue *cdn_g", rt, type_gap(rt), g->m, r->name);
            print_params(g, r, 1);
            out(g, ")\n{\n");
            emit_call_body(g, r, NULL);
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
        char what[600];
        snprintf(what, sizeof what,
                 "Installed in %s.%s; the ops table is %s, and its owner the domain to call.",
                 ops->name, slot->name, expr);
        emit_decl_comment(g, r, what);
        out(g, "static %s%s%s(", rt, type_gap(rt), tn);
        print_params(g, r, 0);
        out(g, ")\n{\n");
        out(g, "    const void *cdn_ops = (const void *)(%s);\n", expr);
        out(g, "    struct cdn_glue *cdn_g = cdn_glue_owner_of(cdn_ops);\n");
        out(g, "    if (!cdn_g)\n");
        emit_no_glue_return(g, r, rt, "no domain owns this table");
        char pre[256];
        snprintf(pre, sizeof pre,
                 "    cdn_w_u8(cdn_w, 0); /* an ops-table slot */\n"
                 "    cdn_w_u64(cdn_w, cdn_glue_ref_of(cdn_g, cdn_ops));\n");
        emit_call_body(g, r, pre);
        out(g, "}\n\n");
    }
}

void emit_domain_stubs(struct gen *g)
{
    char rt[128];
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        if (r->kind != RPC_IMPORT)
            continue;
        ret_type(g, r, rt, sizeof rt);
        emit_decl_comment(g, r,
                          r->oneway ? "Runs in the host; the caller does not wait for it."
                                    : "Runs in the host.");
        out(g, "%s%s%s(", rt, type_gap(rt), r->name);
        print_params(g, r, 0);
        out(g, ")\n{\n    struct cdn_glue *cdn_g = cdn_glue_current();\n    if (!cdn_g)\n");
        emit_no_glue_return(g, r, rt, "glue not initialised");
        if (r->oneway) {
            /* [oneway]: marshal, send, go on; the host handles it in order */
            out(g, "    struct cdn_wbuf cdn_wb;\n    struct cdn_wbuf *cdn_w = &cdn_wb;\n"
                   "    cdn_wbuf_init(cdn_w, cdn_g);\n");
            for (const struct idl_var *v = r->params; v; v = v->next)
                put_param_in(g, v);
            out(g, "    cdn_glue_send_oneway(cdn_g, %s_RPC_%s, cdn_w);\n", g->m, r->name);
            emit_deallocs(g, r);
        } else {
            emit_call_body(g, r, NULL);
        }
        out(g, "}\n\n");
    }
}

/* The host's ops-table trampolines, declared before the field readers that
 * install them. */
void emit_tramp_prototypes(struct gen *g)
{
    char rt[128], tn[160], expr[256];
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next) {
        const struct idl_projection *ops;
        const struct idl_var *slot;
        if (r->kind != RPC_PTR || !find_ops(g, r, expr, sizeof expr, &ops, &slot))
            continue;
        ret_type(g, r, rt, sizeof rt);
        tramp_name(g, ops, slot, tn, sizeof tn);
        out(g, "static %s%s%s(", rt, type_gap(rt), tn);
        print_params(g, r, 0);
        out(g, ");\n");
    }
    out(g, "\n");
}

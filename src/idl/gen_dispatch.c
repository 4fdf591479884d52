/*
 * gen_dispatch.c - the callee's side: each side's dispatcher reads a
 * request, validates every value, calls the function, writes the reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_impl.h"

/* Whether serving r needs temporary buffers (strings, arrays). */
static int needs_tmp(const struct idl_rpc *r)
{
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_STRING || v->type->kind == T_ARRAY)
            return 1;
    return 0;
}

/* MODULE_serve_NAME: one request for r, from reading it to the reply. */
static void emit_serve(struct gen *g, const struct idl_rpc *r)
{
    char rt[128];
    ret_type(g, r, rt, sizeof rt);
    int tmp = needs_tmp(r);
    const char *free_tmp = tmp ? "        cdn_tmp_free(&cdn_tmp);\n" : "";
    emit_decl_comment(g, r, g->host ? "Serves the domain's call." : "Serves the host's call.");
    out(g,
        "static int %s_serve_%s(struct cdn_glue *cdn_g, struct cdn_rbuf *cdn_r, struct cdn_msg "
        "*rep)\n{\n",
        g->m, r->name);
    if (tmp)
        out(g, "    struct cdn_tmp cdn_tmp;\n    cdn_tmp_init(&cdn_tmp);\n");
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
                "sizeof(%s), &cdn_obj) == CDN_OK && cdn_obj)\n"
                "            cdn_fn = (%s_fn_%s)((%s *)cdn_obj)->%s;\n        else ",
                ty, ops->c_type, g->m, r->name, ops->c_type, slot->name);
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
    if (tmp)
        out(g, "    if (cdn_st != CDN_OK) {\n%s        return cdn_st;\n    }\n", free_tmp);
    else
        out(g, "    if (cdn_st != CDN_OK)\n        return cdn_st;\n");
    /* [move] buffers become the callee's only once the whole call is valid */
    for (const struct idl_var *v = r->params; v; v = v->next)
        if (v->type->kind == T_SHARED && !(v->attrs & AT_LEND))
            out(g,
                "    if (cdn_glue_shared_take(cdn_g, %s_sref) != CDN_OK) {\n%s"
                "        return CDN_EBADH; /* not the caller's to give */\n    }\n",
                v->name, free_tmp);
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
    emit_deallocs(g, r);
    if (tmp)
        out(g, "    cdn_tmp_free(&cdn_tmp);\n");
    out(g, "    return cdn_glue_reply(cdn_g, cdn_w, rep);\n}\n\n");
}

/* The domain's answer to the host's check that both glues come from one IDL. */
static void emit_cdn_serve_fingerprint(struct gen *g)
{
    out(g, "/* Which IDL this glue was generated from (the host's %s_host_check asks). */\n", g->m);
    out(g,
        "static int cdn_serve_fingerprint(struct cdn_glue *cdn_g, struct cdn_msg *rep)\n{\n"
        "    struct cdn_wbuf cdn_w;\n"
        "    cdn_wbuf_init(&cdn_w, cdn_g);\n"
        "    cdn_w_u64(&cdn_w, %s_IDL_FINGERPRINT);\n"
        "    return cdn_glue_reply(cdn_g, &cdn_w, rep);\n}\n\n",
        g->m);
}

static int served_by(const struct idl_rpc *r, enum side s)
{
    return s == HOST ? r->kind == RPC_IMPORT : r->kind != RPC_IMPORT;
}

void emit_dispatch(struct gen *g, enum side s)
{
    const char *side = s == HOST ? "host" : "domain";
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next)
        if (served_by(r, s))
            emit_serve(g, r);
    if (s == DOMAIN)
        emit_cdn_serve_fingerprint(g);
    out(g,
        "/* Serves the requests the %s receives; install with %s_%s_init. Every\n"
        " * value is validated before the real function runs; a bad one fails the\n"
        " * call with an error status and the function is not called. */\n",
        side, g->m, side);
    out(g, "int %s_%s_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)\n{\n",
        g->m, side);
    out(g, "    struct cdn_glue *cdn_g = arg;\n    struct cdn_rbuf cdn_r;\n"
           "    cdn_rbuf_from_msg(&cdn_r, req);\n    switch (req->rpc_id) {\n");
    if (s == DOMAIN)
        out(g, "    case CDN_RPC_GLUE_FINGERPRINT:\n        return cdn_serve_fingerprint(cdn_g, "
               "rep);\n");
    for (const struct idl_rpc *r = g->f->rpcs; r; r = r->next)
        if (served_by(r, s))
            out(g, "    case %s_RPC_%s:\n        return %s_serve_%s(cdn_g, &cdn_r, rep);\n", g->m,
                r->name, g->m, r->name);
    out(g, "    default:\n        (void)cdn_g;\n        (void)rep;\n        (void)cdn_r;\n"
           "        return CDN_ENOENT;\n    }\n}\n\n");
}

/*
 * print.c - an rpc as IDL text, for the comments of generated glue: the
 * reader of a stub sees the declaration it came from.
 */
#include <stdio.h>

#include "gen_impl.h"

static void print_type(FILE *o, const struct idl_type *t)
{
    switch (t->kind) {
    case T_VOID:
        fprintf(o, "void");
        break;
    case T_SCALAR:
        fprintf(o, "%c%u", t->is_signed ? 's' : 'u', t->width * 8u);
        break;
    case T_BOOL:
        fprintf(o, "bool");
        break;
    case T_ENUM:
        fprintf(o, "enum %s", t->ref);
        break;
    case T_STRING:
        fprintf(o, "string<%llu>", (unsigned long long)t->bound);
        break;
    case T_ARRAY:
        fprintf(o, "array<");
        print_type(o, t->elem);
        if (t->size_kind == A_FIXED)
            fprintf(o, ", %llu>", (unsigned long long)t->count);
        else if (t->size_kind == A_NULL)
            fprintf(o, ", null, %llu>", (unsigned long long)t->bound);
        else
            fprintf(o, ", {{%s}}, %llu>", t->expr, (unsigned long long)t->bound);
        break;
    case T_PROJECTION:
        fprintf(o, "projection %s", t->ref);
        break;
    case T_SHARED:
        if (t->expr)
            fprintf(o, "shared<%llu, {{%s}}>", (unsigned long long)t->bound, t->expr);
        else
            fprintf(o, "shared<%llu>", (unsigned long long)t->bound);
        break;
    case T_RPC_PTR:
        fprintf(o, "rpc_ptr %s", t->ref);
        break;
    }
}

static void print_attrs(FILE *o, unsigned attrs)
{
    static const char *const names[] = {"in",
                                        "out",
                                        "unused",
                                        "alloc(caller)",
                                        "alloc(callee)",
                                        "dealloc(caller)",
                                        "dealloc(callee)",
                                        "bind(caller)",
                                        "bind(callee)",
                                        "move",
                                        "lend",
                                        "read_only",
                                        "write_only"};
    int n = 0;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (attrs & (1u << i))
            fprintf(o, "%s%s", n++ ? ", " : " [", names[i]);
    if (n)
        fprintf(o, "]");
}

/* "TYPE [attrs] *name" (name NULL for a return value). */
static void print_var(FILE *o, const struct idl_var *v)
{
    print_type(o, v->type);
    print_attrs(o, v->attrs);
    if (v->name)
        fprintf(o, " %s%s", v->pointer ? "*" : "", v->name);
    else if (v->pointer)
        fprintf(o, " *");
}

void idl_print_rpc(FILE *o, const struct idl_rpc *r)
{
    fprintf(o, "%s%s",
            r->kind == RPC_EXPORT ? "export rpc"
            : r->kind == RPC_PTR  ? "rpc_ptr"
                                  : "rpc",
            r->oneway ? " [oneway]" : "");
    if (r->has_dead && r->declared)
        fprintf(o, " [dead(%lld), declared]", (long long)r->dead);
    else if (r->has_dead)
        fprintf(o, " [dead(%lld)]", (long long)r->dead);
    else if (r->declared)
        fprintf(o, " [declared]");
    fputc(' ', o);
    print_var(o, r->ret);
    /* a pointer return is written "T *name(" */
    fprintf(o, "%s%s(", r->ret->pointer ? "" : " ", r->name);
    if (!r->params)
        fprintf(o, "void");
    for (const struct idl_var *v = r->params; v; v = v->next) {
        fprintf(o, "%s", v == r->params ? "" : ", ");
        print_var(o, v);
    }
    fprintf(o, ")");
}

/*
 * check.c - semantic checks of a parsed IDL file: names resolve, nothing is
 * declared twice, attributes fit where they are used, every variable size
 * has a bound, projections are not recursive, and every declaration fits in
 * one message. Also assigns rpc ids (declaration order) and handle type tags
 * (projection order, from 1).
 */
#include <stdio.h>
#include <string.h>

#include "parser.h"

#define MAX_WIRE   65536u /* the largest extension chunk a channel can have */
#define MAX_PARAMS 16u
#define MAX_FIELDS 64u
#define MAX_ELEMS  65536u
#define MAX_SHARED (16u << 20) /* the shared heap's largest object (CDN_HEAP_MAX_OBJ) */

struct checker {
    struct idl_file *f;
    struct idl_diag *d;
};

static const char *kind_word(enum idl_rpc_kind k)
{
    return k == RPC_IMPORT ? "rpc" : k == RPC_EXPORT ? "export rpc" : "rpc_ptr";
}

/* Resolves names in a type; reports unknown ones. */
static int resolve(struct checker *c, struct idl_type *t, int in_field)
{
    switch (t->kind) {
    case T_PROJECTION:
        t->proj = idl_find_projection(c->f, t->ref);
        if (!t->proj) {
            idl_error(c->d, t->ref_loc, "unknown projection '%s'", t->ref);
            return 0;
        }
        return 1;
    case T_ENUM:
        t->en = idl_find_enum(c->f, t->ref);
        if (!t->en) {
            idl_error(c->d, t->ref_loc, "unknown enum '%s'", t->ref);
            return 0;
        }
        return 1;
    case T_RPC_PTR:
        t->rpcptr = idl_find_rpc(c->f, t->ref);
        if (!t->rpcptr || t->rpcptr->kind != RPC_PTR) {
            idl_error(c->d, t->ref_loc, "'%s' is not an rpc_ptr declaration", t->ref);
            return 0;
        }
        return 1;
    case T_ARRAY:
        if (t->elem->kind != T_SCALAR && t->elem->kind != T_BOOL && t->elem->kind != T_ENUM) {
            idl_error(c->d, t->elem->loc, "array elements must be scalars or enums");
            return 0;
        }
        return resolve(c, t->elem, in_field);
    default:
        return 1;
    }
}

/* Wire size bound of one value, or 0 if unbounded (already reported). */
static uint64_t wire_max(const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    switch (t->kind) {
    case T_VOID:
        return 0;
    case T_SCALAR:
        return t->width;
    case T_BOOL:
        return 1;
    case T_ENUM:
        return 4;
    case T_STRING:
        return 4 + t->bound;
    case T_ARRAY: {
        uint64_t n = t->size_kind == A_FIXED ? t->count : t->bound;
        uint64_t w = t->elem->kind == T_SCALAR ? t->elem->width : t->elem->kind == T_BOOL ? 1 : 4;
        return 4 + n * w;
    }
    case T_SHARED:
        return 12;
    case T_RPC_PTR:
        return 0; /* a presence bit, counted with its projection */
    case T_PROJECTION: {
        uint64_t sum = v->pointer ? 8 + 1 : 0; /* handle + flags */
        if (!t->proj || t->proj->visiting)
            return sum;
        t->proj->visiting = 1;
        for (const struct idl_var *fl = t->proj->fields; fl; fl = fl->next)
            if (!(fl->attrs & AT_UNUSED))
                sum += wire_max(fl);
        sum += 8; /* slot bits of ops tables */
        t->proj->visiting = 0;
        return sum;
    }
    }
    return 0;
}

/* Checks bounds of a type. */
static void check_bounds(struct checker *c, const struct idl_var *v)
{
    const struct idl_type *t = v->type;
    if (t->kind == T_STRING) {
        if (!t->has_bound)
            idl_error(c->d, t->loc, "string '%s' needs a maximum length: string<N>",
                      v->name ? v->name : "(return)");
        else if (t->bound == 0 || t->bound > MAX_WIRE - 5)
            idl_error(c->d, t->loc, "string bound %llu out of range (1..%u)",
                      (unsigned long long)t->bound, MAX_WIRE - 5);
    } else if (t->kind == T_ARRAY) {
        if (t->size_kind == A_FIXED) {
            if (t->count == 0 || t->count > MAX_ELEMS)
                idl_error(c->d, t->loc, "array size %llu out of range (1..%u)",
                          (unsigned long long)t->count, MAX_ELEMS);
            if (t->has_bound)
                idl_error(c->d, t->loc, "a fixed-size array takes no maximum");
        } else if (!t->has_bound) {
            idl_error(c->d, t->loc,
                      "array '%s' of variable size needs a maximum: array<T, %s, MAX>",
                      v->name ? v->name : "(return)", t->size_kind == A_NULL ? "null" : "{{...}}");
        } else if (t->bound == 0 || t->bound > MAX_ELEMS) {
            idl_error(c->d, t->loc, "array bound %llu out of range (1..%u)",
                      (unsigned long long)t->bound, MAX_ELEMS);
        }
    } else if (t->kind == T_SHARED) {
        if (!t->has_bound)
            idl_error(c->d, t->loc, "shared buffer '%s' needs a maximum size: shared<N>",
                      v->name ? v->name : "(return)");
        else if (t->bound == 0 || t->bound > MAX_SHARED)
            idl_error(c->d, t->loc, "shared buffer bound %llu out of range (1..%u)",
                      (unsigned long long)t->bound, MAX_SHARED);
        if (!v->pointer)
            idl_error(c->d, t->loc, "a shared buffer is passed by pointer: shared<N> *name");
    }
}

/* Is the identifier `name` a scalar among `siblings`? */
static int scalar_sibling(const struct idl_var *siblings, const char *name, size_t len)
{
    for (const struct idl_var *s = siblings; s; s = s->next)
        if (s->name && strlen(s->name) == len && memcmp(s->name, name, len) == 0)
            return (s->type->kind == T_SCALAR || s->type->kind == T_ENUM) && !s->pointer;
    return 0;
}

/* Is the identifier `name` a pointer to a scalar among `siblings`? */
static int scalar_pointer_sibling(const struct idl_var *siblings, const char *name, size_t len)
{
    for (const struct idl_var *s = siblings; s; s = s->next)
        if (s->name && strlen(s->name) == len && memcmp(s->name, name, len) == 0)
            return (s->type->kind == T_SCALAR || s->type->kind == T_ENUM) && s->pointer;
    return 0;
}

/* A size expression may use integers, + - * / ( ), scalar siblings and,
 * in a parameter list, *p for a pointer-to-scalar parameter p (uncompress's
 * `{{*destLen}}`: the value it points to, checked each way). */
static void check_expr(struct checker *c, const struct idl_var *v, const struct idl_var *siblings,
                       int params)
{
    const struct idl_type *t = v->type;
    if (!((t->kind == T_ARRAY && t->size_kind == A_EXPR) || (t->kind == T_SHARED && t->expr)))
        return;
    const char *p = t->expr;
    int any = 0, operand = 1, deref = 0; /* an operand is expected; a unary * was seen */
    while (*p) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
            const char *s = p;
            while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
                   (*p >= '0' && *p <= '9'))
                p++;
            int ok = deref ? params && t->kind == T_SHARED &&
                                 scalar_pointer_sibling(siblings, s, (size_t)(p - s))
                           : scalar_sibling(siblings, s, (size_t)(p - s));
            if (!ok) {
                idl_error(c->d, t->expr_loc,
                          deref ? "size expression of '%s' uses '*%.*s': only a shared buffer's "
                                  "expression may read a pointer-to-scalar %s"
                                : "size expression of '%s' uses '%.*s', which is not a scalar %s "
                                  "here",
                          v->name, (int)(p - s), s, deref ? "parameter" : "argument or field");
                return;
            }
            any = 1;
            operand = deref = 0;
        } else if (*p == '*' && operand) {
            deref = 1;
            p++;
        } else if ((*p >= '0' && *p <= '9') || strchr(" +-*/()", *p)) {
            if (*p != ' ')
                operand = !((*p >= '0' && *p <= '9') || *p == ')');
            p++;
        } else {
            idl_error(c->d, t->expr_loc,
                      "size expression of '%s' has '%c'; only + - * / ( ), "
                      "numbers and scalar names are allowed",
                      v->name, *p);
            return;
        }
    }
    if (!any && t->expr[strspn(t->expr, " ")] == 0)
        idl_error(c->d, t->expr_loc, "empty size expression");
}

enum use { USE_PARAM, USE_FIELD, USE_RETURN };

static void check_attrs(struct checker *c, const struct idl_var *v, enum use use)
{
    unsigned a = v->attrs;
    struct idl_loc loc = v->attr_loc.line ? v->attr_loc : v->loc;
    const char *what = use == USE_PARAM ? "argument" : use == USE_FIELD ? "field" : "return value";
    int proj_ptr = v->type->kind == T_PROJECTION && v->pointer;
    int buffer = v->type->kind == T_STRING || v->type->kind == T_ARRAY;
    if ((a & (AT_IN | AT_OUT)) && use == USE_PARAM && !v->pointer && !buffer)
        idl_error(c->d, loc, "direction attribute on non-pointer %s '%s' (scalars are always [in])",
                  what, v->name);
    if ((a & AT_OUT) && use == USE_PARAM && v->type->kind == T_ARRAY &&
        (v->type->size_kind == A_NULL || !v->type->elem || v->type->elem->kind != T_SCALAR))
        idl_error(c->d, loc,
                  "[out] array '%s': only integer arrays of a fixed size or a {{size}} "
                  "cross back",
                  v->name);
    if ((a & (AT_IN | AT_OUT)) && use == USE_RETURN)
        idl_error(c->d, loc, "direction attribute on a return value (returns are always [out])");
    if ((a & AT_UNUSED) && use != USE_FIELD)
        idl_error(c->d, loc, "[unused] applies to fields only");
    if ((a & AT_UNUSED) && (a & (AT_IN | AT_OUT)))
        idl_error(c->d, loc, "conflicting attributes: [unused] with a direction");
    if ((a & (AT_READ_ONLY | AT_WRITE_ONLY)) && use != USE_FIELD)
        idl_error(c->d, loc, "[read_only]/[write_only] apply to fields only");
    if ((a & AT_READ_ONLY) && (a & AT_WRITE_ONLY))
        idl_error(c->d, loc, "conflicting attributes: [read_only] and [write_only]");
    if ((a & (AT_READ_ONLY | AT_WRITE_ONLY)) && (a & (AT_IN | AT_OUT | AT_UNUSED)))
        idl_error(c->d, loc,
                  "conflicting attributes: [read_only]/[write_only] with a direction or [unused]");
    unsigned life = AT_ALLOC_CALLER | AT_ALLOC_CALLEE | AT_DEALLOC_CALLER | AT_DEALLOC_CALLEE |
                    AT_BIND_CALLER | AT_BIND_CALLEE;
    if ((a & life) && !proj_ptr)
        idl_error(c->d, loc,
                  "alloc/dealloc/bind apply to projection pointers only ('%s' is not one)",
                  v->name ? v->name : "return value");
    if ((a & AT_ALLOC_CALLER) && (a & AT_ALLOC_CALLEE))
        idl_error(c->d, loc, "conflicting attributes: alloc(caller) and alloc(callee)");
    if ((a & AT_DEALLOC_CALLER) && (a & AT_DEALLOC_CALLEE))
        idl_error(c->d, loc, "conflicting attributes: dealloc(caller) and dealloc(callee)");
    if ((a & (AT_ALLOC_CALLER | AT_ALLOC_CALLEE)) && (a & (AT_BIND_CALLER | AT_BIND_CALLEE)))
        idl_error(c->d, loc, "conflicting attributes: alloc and bind");
    if ((a & AT_BIND_CALLER) && (a & AT_BIND_CALLEE))
        idl_error(c->d, loc, "conflicting attributes: bind(caller) and bind(callee)");
    if ((a & (AT_MOVE | AT_LEND)) && v->type->kind != T_SHARED)
        idl_error(c->d, loc, "[move]/[lend] apply to shared buffers only");
    if ((a & AT_MOVE) && (a & AT_LEND))
        idl_error(c->d, loc, "conflicting attributes: [move] and [lend]");
    if (v->pointer && v->type->kind != T_PROJECTION && v->type->kind != T_SHARED &&
        v->type->kind != T_SCALAR && v->type->kind != T_BOOL && v->type->kind != T_ENUM)
        idl_error(c->d, v->loc,
                  "a pointer to %s is not allowed; strings and arrays are passed by "
                  "value in the IDL",
                  v->type->kind == T_STRING ? "a string" : "an array");
    if (use == USE_FIELD && v->pointer && v->type->kind != T_PROJECTION &&
        v->type->kind != T_SHARED)
        idl_error(c->d, v->loc,
                  "field '%s': pointers to scalars cannot be fields; project the "
                  "value itself",
                  v->name);
    if (use == USE_RETURN &&
        (v->type->kind == T_ARRAY ||
         (v->pointer && v->type->kind != T_PROJECTION && v->type->kind != T_SHARED)))
        idl_error(c->d, v->loc,
                  "a function cannot return %s; return a projection, a string or a scalar",
                  v->type->kind == T_ARRAY ? "an array" : "a pointer");
    if (v->type->kind == T_PROJECTION && !v->pointer && use != USE_FIELD)
        idl_error(c->d, v->loc, "projection '%s' passed by value; pass a pointer", v->type->ref);
    if (v->type->kind == T_RPC_PTR && use == USE_RETURN)
        idl_error(c->d, v->loc, "a function cannot return an rpc_ptr");
}

static void check_var(struct checker *c, struct idl_var *v, enum use use,
                      const struct idl_var *siblings)
{
    if (v->name && strncmp(v->name, "cdn_", 4) == 0)
        idl_error(c->d, v->loc, "'%s': names starting with 'cdn_' are reserved for generated code",
                  v->name);
    if (!resolve(c, v->type, use == USE_FIELD))
        return;
    check_attrs(c, v, use);
    check_bounds(c, v);
    check_expr(c, v, siblings, use == USE_PARAM);
}

/* Duplicate names in a list of variables. */
static void check_dups(struct checker *c, const struct idl_var *list, const char *what)
{
    for (const struct idl_var *a = list; a; a = a->next)
        for (const struct idl_var *b = a->next; b; b = b->next)
            if (a->name && b->name && strcmp(a->name, b->name) == 0) {
                idl_error(c->d, b->loc, "duplicate %s '%s'", what, b->name);
                idl_note(c->d, a->loc, "'%s' first declared here", a->name);
            }
}

/* Depth-first search for a cycle through projection fields. */
static int find_cycle(struct checker *c, struct idl_projection *p, struct idl_projection *start,
                      int depth)
{
    if (depth > 64)
        return 0;
    for (struct idl_var *fl = p->fields; fl; fl = fl->next) {
        struct idl_projection *q = fl->type->kind == T_PROJECTION ? fl->type->proj : NULL;
        if (!q)
            continue;
        if (q == start) {
            idl_error(c->d, fl->loc, "recursive projection: '%s' reaches itself through field '%s'",
                      start->name, fl->name);
            return 1;
        }
        if (!q->visiting) {
            q->visiting = 1;
            int found = find_cycle(c, q, start, depth + 1);
            q->visiting = 0;
            if (found)
                return 1;
        }
    }
    return 0;
}

static void check_names(struct checker *c)
{
    struct idl_file *f = c->f;
    /* rpcs, projections and enums share one namespace */
    for (struct idl_rpc *r = f->rpcs; r; r = r->next) {
        for (struct idl_rpc *s = r->next; s; s = s->next)
            if (strcmp(r->name, s->name) == 0) {
                idl_error(c->d, s->loc, "redefinition of '%s'", s->name);
                idl_note(c->d, r->loc, "'%s' first declared here as %s", r->name,
                         kind_word(r->kind));
            }
        for (struct idl_projection *p = f->projections; p; p = p->next)
            if (strcmp(r->name, p->name) == 0)
                idl_error(c->d, p->loc, "'%s' is both a projection and an %s", p->name,
                          kind_word(r->kind));
    }
    for (struct idl_projection *p = f->projections; p; p = p->next)
        for (struct idl_projection *q = p->next; q; q = q->next)
            if (strcmp(p->name, q->name) == 0) {
                idl_error(c->d, q->loc, "redefinition of projection '%s'", q->name);
                idl_note(c->d, p->loc, "'%s' first declared here", p->name);
            }
    for (struct idl_enum *e = f->enums; e; e = e->next) {
        for (struct idl_enum *g = e->next; g; g = g->next)
            if (strcmp(e->name, g->name) == 0) {
                idl_error(c->d, g->loc, "redefinition of enum '%s'", g->name);
                idl_note(c->d, e->loc, "'%s' first declared here", e->name);
            }
        for (struct idl_enumerator *a = e->items; a; a = a->next)
            for (struct idl_enum *g = e; g; g = g->next)
                for (struct idl_enumerator *b = (g == e ? a->next : g->items); b; b = b->next)
                    if (strcmp(a->name, b->name) == 0)
                        idl_error(c->d, b->loc, "duplicate enumerator '%s'", b->name);
    }
}

int idl_check(struct idl_file *f, struct idl_diag *d)
{
    struct checker c = {f, d};
    check_names(&c);
    /* Handle type tags name the C struct, not the projection: one object may
     * be seen through several projections (KSplit's per-function views),
     * and must keep one handle. */
    uint32_t pid = 0;
    for (struct idl_projection *p = f->projections; p; p = p->next) {
        p->id = 0;
        for (struct idl_projection *q = f->projections; q != p; q = q->next)
            if (strcmp(q->c_struct, p->c_struct) == 0) {
                p->id = q->id;
                break;
            }
        if (!p->id)
            p->id = ++pid;
        if (p->nfields > MAX_FIELDS)
            idl_error(d, p->loc, "projection '%s' has %u fields; the limit is %u", p->name,
                      p->nfields, MAX_FIELDS);
        check_dups(&c, p->fields, "field");
        unsigned slots = 0;
        for (struct idl_var *fl = p->fields; fl; fl = fl->next) {
            check_var(&c, fl, USE_FIELD, p->fields);
            slots += fl->type->kind == T_RPC_PTR;
        }
        if (slots > 64)
            idl_error(d, p->loc, "ops table '%s' has %u slots; the limit is 64", p->name, slots);
    }
    int cyclic = 0;
    for (struct idl_projection *p = f->projections; p; p = p->next) {
        p->visiting = 1;
        cyclic |= find_cycle(&c, p, p, 0);
        p->visiting = 0;
    }
    uint32_t id = 0;
    for (struct idl_rpc *r = f->rpcs; r; r = r->next) {
        r->id = ++id;
        if (r->nparams > MAX_PARAMS)
            idl_error(d, r->loc, "'%s' has %u parameters; the limit is %u", r->name, r->nparams,
                      MAX_PARAMS);
        check_dups(&c, r->params, "parameter");
        if (r->oneway) {
            if (r->kind != RPC_IMPORT)
                idl_error(d, r->oneway_loc, "[oneway] applies to rpcs the domain calls");
            if (r->ret->type->kind != T_VOID)
                idl_error(d, r->oneway_loc, "a [oneway] rpc returns nothing: nobody waits for it");
            for (struct idl_var *v = r->params; v; v = v->next)
                if ((v->attrs & AT_OUT) || v->type->kind == T_RPC_PTR)
                    idl_error(d, v->loc,
                              "'%s': a [oneway] rpc has no [out] arguments and takes no callbacks",
                              v->name);
        }
        if (r->declared && r->kind != RPC_EXPORT)
            idl_error(d, r->declared_loc,
                      "[declared] applies to export rpcs: the domain's functions, which a "
                      "library's own header declares");
        if (r->has_dead) {
            const struct idl_type *rt = r->ret->type;
            if (r->ret->pointer || (rt->kind != T_SCALAR && rt->kind != T_ENUM))
                idl_error(d, r->dead_loc,
                          "[dead(...)] gives the value of an integer or enum result; '%s' "
                          "returns none (void returns nothing, a pointer NULL, a bool false)",
                          r->name);
            else if (rt->kind == T_SCALAR && rt->width < 8 &&
                     (rt->is_signed ? r->dead < -(INT64_C(1) << (rt->width * 8 - 1)) ||
                                          r->dead >= (INT64_C(1) << (rt->width * 8 - 1))
                                    : r->dead < 0 || r->dead >= (INT64_C(1) << (rt->width * 8))))
                idl_error(d, r->dead_loc, "dead value %lld does not fit '%s''s result",
                          (long long)r->dead, r->name);
            else if (rt->kind == T_SCALAR && rt->width == 8 && !rt->is_signed && r->dead < 0)
                idl_error(d, r->dead_loc, "dead value %lld does not fit '%s''s result",
                          (long long)r->dead, r->name);
        }
        for (struct idl_var *v = r->params; v; v = v->next)
            if (v->type->kind == T_RPC_PTR && r->kind != RPC_IMPORT)
                idl_error(d, v->loc,
                          "function pointers cross only from the domain to the host (an rpc's "
                          "argument); '%s' is an %s",
                          r->name, kind_word(r->kind));
        if (r->ret->type->kind != T_VOID)
            check_var(&c, r->ret, USE_RETURN, NULL);
        uint64_t wire = wire_max(r->ret);
        for (struct idl_var *v = r->params; v; v = v->next) {
            check_var(&c, v, USE_PARAM, r->params);
            wire += wire_max(v);
        }
        if (wire > f->wire_max)
            f->wire_max = wire;
        if (!cyclic && wire > MAX_WIRE)
            idl_error(d, r->loc,
                      "the arguments of '%s' can take up to %llu bytes on the wire; "
                      "the limit is %u",
                      r->name, (unsigned long long)wire, MAX_WIRE);
    }
    if (pid >= 0x7fff)
        idl_error(d, f->module_loc, "too many projections (%u); the limit is 32766", pid);
    if (id >= 0xff00)
        idl_error(d, f->module_loc, "too many rpcs (%u); the limit is 65279", id);
    return d->errors;
}

/*
 * parser.c - recursive descent over the token stream (grammar: docs/idl.md).
 *
 * Error handling: a function that meets an unexpected token reports it and
 * returns failure; the caller at declaration level skips to the next ';' at
 * the same brace depth (or the closing '}') and goes on, so one run reports
 * many errors. Every loop consumes at least one token per iteration or
 * stops at end of file, so no input can make the parser hang.
 */
#include <string.h>

#include "lexer.h"
#include "parser.h"

struct parser {
    struct idl_lexer lx;
    struct idl_token tok; /* current */
    struct idl_token ahead;
    int has_ahead;
    struct idl_file *f;
    struct idl_diag *d;
    struct idl_rpc **rpc_tail;
    struct idl_projection **proj_tail;
    struct idl_enum **enum_tail;
    struct idl_include **inc_tail;
};

static void next(struct parser *p)
{
    if (p->has_ahead) {
        p->tok = p->ahead;
        p->has_ahead = 0;
    } else {
        p->tok = idl_lex_next(&p->lx);
    }
}

static struct idl_token *peek(struct parser *p)
{
    if (!p->has_ahead) {
        p->ahead = idl_lex_next(&p->lx);
        p->has_ahead = 1;
    }
    return &p->ahead;
}

static int is_word(const struct idl_token *t, const char *w)
{
    return t->kind == TK_IDENT && t->len == strlen(w) && memcmp(t->text, w, t->len) == 0;
}

static const char *const keywords[] = {
    "include", "module", "rpc",    "export", "rpc_ptr", "projection", "struct", "enum", "void",
    "string",  "array",  "shared", "null",   "u8",      "u16",        "u32",    "u64",  "s8",
    "s16",     "s32",    "s64",    "bool",   "int",     "unsigned",   "long",   "char", NULL};

static int is_keyword(const struct idl_token *t)
{
    for (int i = 0; keywords[i]; i++)
        if (is_word(t, keywords[i]))
            return 1;
    return 0;
}

/* Describes the current token for "expected X, found Y". */
static const char *found(struct parser *p, char *buf, size_t n)
{
    if (p->tok.kind == TK_IDENT) {
        snprintf(buf, n, "'%.*s'", (int)(p->tok.len > 40 ? 40 : p->tok.len), p->tok.text);
        return buf;
    }
    return idl_tok_name(p->tok.kind);
}

static void unexpected(struct parser *p, const char *what)
{
    if (p->tok.kind == TK_ERROR)
        return; /* the lexer said it already */
    char buf[64];
    idl_error(p->d, p->tok.loc, "expected %s, found %s", what, found(p, buf, sizeof buf));
}

static int expect(struct parser *p, enum idl_tok k, const char *what)
{
    if (p->tok.kind == k) {
        next(p);
        return 1;
    }
    unexpected(p, what);
    return 0;
}

/* Reads an identifier that is not a keyword. */
/* A C name (the struct of a projection): any identifier, IDL keywords
 * included, since "struct module" is a real kernel struct. */
static const char *c_ident(struct parser *p, const char *what)
{
    if (p->tok.kind != TK_IDENT) {
        unexpected(p, what);
        return NULL;
    }
    const char *s = idl_strndup(p->f, p->tok.text, p->tok.len);
    next(p);
    return s;
}

static const char *ident(struct parser *p, const char *what, struct idl_loc *loc)
{
    if (p->tok.kind == TK_IDENT && is_keyword(&p->tok)) {
        idl_error(p->d, p->tok.loc, "expected %s, found keyword '%.*s'", what, (int)p->tok.len,
                  p->tok.text);
        return NULL;
    }
    if (loc && p->tok.kind == TK_IDENT)
        *loc = p->tok.loc;
    return c_ident(p, what);
}

/* Skips to just after the next ';' at this depth, or to the '}' that closes
 * it (not consumed), or to end of file. */
static void sync(struct parser *p)
{
    int depth = 0;
    while (p->tok.kind != TK_EOF) {
        if (p->tok.kind == TK_LBRACE)
            depth++;
        else if (p->tok.kind == TK_RBRACE) {
            if (depth == 0)
                return;
            depth--;
            if (depth == 0) {
                next(p);
                if (p->tok.kind == TK_SEMI)
                    next(p);
                return;
            }
        } else if (p->tok.kind == TK_SEMI && depth == 0) {
            next(p);
            return;
        }
        next(p);
    }
}

static int parse_u64(struct parser *p, uint64_t *v, const char *what)
{
    if (p->tok.kind != TK_INT) {
        unexpected(p, what);
        return 0;
    }
    *v = p->tok.value;
    next(p);
    return 1;
}

static struct idl_type *new_type(struct parser *p, enum idl_type_kind k, struct idl_loc loc)
{
    struct idl_type *t = idl_alloc(p->f, sizeof *t);
    t->kind = k;
    t->loc = loc;
    return t;
}

static const struct {
    const char *name;
    uint8_t width, is_signed;
} scalars[] = {{"u8", 1, 0},     {"u16", 2, 0},      {"u32", 4, 0},  {"u64", 8, 0},
               {"s8", 1, 1},     {"s16", 2, 1},      {"s32", 4, 1},  {"s64", 8, 1},
               {"int", 4, 1},    {"unsigned", 4, 0}, {"long", 8, 1}, {"char", 1, 1},
               {"size_t", 8, 0}, {"ssize_t", 8, 1},  {"ulong", 8, 0}};

static struct idl_type *parse_type(struct parser *p);

/* array<T, N> | array<T, null, MAX> | array<T, {{expr}}, MAX> */
static struct idl_type *parse_array(struct parser *p, struct idl_type *t)
{
    if (!expect(p, TK_LT, "'<' after 'array'"))
        return NULL;
    t->elem = parse_type(p);
    if (!t->elem)
        return NULL;
    if (!expect(p, TK_COMMA, "',' after the element type"))
        return NULL;
    if (p->tok.kind == TK_INT) {
        t->size_kind = A_FIXED;
        t->count = p->tok.value;
        next(p);
    } else if (is_word(&p->tok, "null")) {
        t->size_kind = A_NULL;
        next(p);
    } else if (p->tok.kind == TK_EXPR) {
        t->size_kind = A_EXPR;
        t->expr = idl_strndup(p->f, p->tok.text, p->tok.len);
        t->expr_loc = p->tok.loc;
        next(p);
    } else {
        unexpected(p, "an array size (a number, 'null' or {{expression}})");
        return NULL;
    }
    if (p->tok.kind == TK_COMMA) {
        next(p);
        if (!parse_u64(p, &t->bound, "the array's maximum length"))
            return NULL;
        t->has_bound = 1;
    }
    if (!expect(p, TK_GT, "'>' to close 'array<'"))
        return NULL;
    return t;
}

static struct idl_type *parse_type(struct parser *p)
{
    struct idl_loc loc = p->tok.loc;
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
        if (is_word(&p->tok, scalars[i].name)) {
            struct idl_type *t = new_type(p, T_SCALAR, loc);
            t->width = scalars[i].width;
            t->is_signed = scalars[i].is_signed;
            next(p);
            /* C's names in more words: unsigned long [long], unsigned
             * char, long long (LP64: long is 64 bits) */
            int is_unsigned = strcmp(scalars[i].name, "unsigned") == 0;
            if (is_unsigned && is_word(&p->tok, "char")) {
                t->width = 1;
                next(p);
            } else if ((is_unsigned || strcmp(scalars[i].name, "long") == 0) &&
                       is_word(&p->tok, "long")) {
                t->width = 8;
                next(p);
                if (is_unsigned && is_word(&p->tok, "long"))
                    next(p);
            }
            return t;
        }
    if (is_word(&p->tok, "bool")) {
        next(p);
        return new_type(p, T_BOOL, loc);
    }
    if (is_word(&p->tok, "void")) {
        next(p);
        return new_type(p, T_VOID, loc);
    }
    if (is_word(&p->tok, "enum") || is_word(&p->tok, "projection")) {
        struct idl_type *t = new_type(p, is_word(&p->tok, "enum") ? T_ENUM : T_PROJECTION, loc);
        next(p);
        t->ref = ident(p, t->kind == T_ENUM ? "an enum name" : "a projection name", &t->ref_loc);
        return t->ref ? t : NULL;
    }
    if (is_word(&p->tok, "string")) {
        struct idl_type *t = new_type(p, T_STRING, loc);
        next(p);
        if (p->tok.kind == TK_LT) {
            next(p);
            if (!parse_u64(p, &t->bound, "the string's maximum length") ||
                !expect(p, TK_GT, "'>' to close 'string<'"))
                return NULL;
            t->has_bound = 1;
        }
        return t;
    }
    if (is_word(&p->tok, "shared")) {
        struct idl_type *t = new_type(p, T_SHARED, loc);
        next(p);
        if (p->tok.kind == TK_LT) {
            next(p);
            if (!parse_u64(p, &t->bound, "the buffer's maximum size"))
                return NULL;
            t->has_bound = 1;
            if (p->tok.kind == TK_COMMA) { /* shared<MAX, {{needed bytes}}> */
                next(p);
                if (p->tok.kind != TK_EXPR) {
                    unexpected(p, "a {{size expression}} of the bytes the buffer must hold");
                    return NULL;
                }
                t->expr = idl_strndup(p->f, p->tok.text, p->tok.len);
                t->expr_loc = p->tok.loc;
                next(p);
            }
            if (!expect(p, TK_GT, "'>' to close 'shared<'"))
                return NULL;
        }
        return t;
    }
    if (is_word(&p->tok, "array")) {
        struct idl_type *t = new_type(p, T_ARRAY, loc);
        next(p);
        return parse_array(p, t);
    }
    if (p->tok.kind == TK_IDENT && !is_keyword(&p->tok)) {
        idl_error(p->d, loc, "unknown type '%.*s'%s", (int)p->tok.len, p->tok.text,
                  idl_find_projection(p->f, idl_strndup(p->f, p->tok.text, p->tok.len))
                      ? " (write 'projection NAME' to use a projection)"
                      : "");
        next(p);
        return NULL;
    }
    unexpected(p, "a type");
    return NULL;
}

static const struct {
    const char *name;
    unsigned bit;
    unsigned caller, callee; /* for alloc/dealloc/bind */
} attr_names[] = {
    {"in", AT_IN, 0, 0},
    {"out", AT_OUT, 0, 0},
    {"unused", AT_UNUSED, 0, 0},
    {"read_only", AT_READ_ONLY, 0, 0},
    {"write_only", AT_WRITE_ONLY, 0, 0},
    {"move", AT_MOVE, 0, 0},
    {"lend", AT_LEND, 0, 0},
    {"alloc", 0, AT_ALLOC_CALLER, AT_ALLOC_CALLEE},
    {"dealloc", 0, AT_DEALLOC_CALLER, AT_DEALLOC_CALLEE},
    {"bind", 0, AT_BIND_CALLER, AT_BIND_CALLEE},
};

/* '[' attr {',' attr} ']' */
static int parse_attrs(struct parser *p, struct idl_var *v)
{
    v->attr_loc = p->tok.loc;
    next(p); /* '[' */
    for (;;) {
        struct idl_loc loc = p->tok.loc;
        if (p->tok.kind != TK_IDENT) {
            unexpected(p, "an attribute");
            return 0;
        }
        size_t i;
        for (i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++)
            if (is_word(&p->tok, attr_names[i].name))
                break;
        if (i == sizeof attr_names / sizeof attr_names[0]) {
            idl_error(p->d, loc, "unknown attribute '%.*s'", (int)p->tok.len, p->tok.text);
            next(p);
            return 0;
        }
        next(p);
        unsigned bit = attr_names[i].bit;
        if (!bit) {
            if (!expect(p, TK_LPAREN, "'(' after the attribute (caller or callee)"))
                return 0;
            if (is_word(&p->tok, "caller"))
                bit = attr_names[i].caller;
            else if (is_word(&p->tok, "callee"))
                bit = attr_names[i].callee;
            else {
                unexpected(p, "'caller' or 'callee'");
                return 0;
            }
            next(p);
            if (!expect(p, TK_RPAREN, "')'"))
                return 0;
        }
        if (v->attrs & bit) {
            idl_error(p->d, loc, "attribute '%s' given twice", attr_names[i].name);
        }
        v->attrs |= bit;
        if (p->tok.kind == TK_COMMA) {
            next(p);
            continue;
        }
        return expect(p, TK_RBRACK, "',' or ']' in the attribute list");
    }
}

/* TYPE [ATTRS] ['*'] -- the part shared by parameters, fields and returns. */
static int parse_typed(struct parser *p, struct idl_var *v)
{
    v->loc = p->tok.loc;
    v->type = parse_type(p);
    if (!v->type)
        return 0;
    if (p->tok.kind == TK_LBRACK && !parse_attrs(p, v))
        return 0;
    if (p->tok.kind == TK_STAR) {
        v->pointer = 1;
        next(p);
        if (p->tok.kind == TK_STAR) {
            idl_error(p->d, p->tok.loc, "pointers to pointers cannot cross a domain boundary");
            return 0;
        }
    }
    if (v->type->kind == T_VOID && v->pointer) {
        idl_error(p->d, v->loc,
                  "'void *' cannot cross a domain boundary; use a projection or a shared buffer");
        return 0;
    }
    return 1;
}

static int parse_params(struct parser *p, struct idl_rpc *r)
{
    if (!expect(p, TK_LPAREN, "'(' to open the parameter list"))
        return 0;
    if (is_word(&p->tok, "void") && peek(p)->kind == TK_RPAREN) {
        next(p);
        next(p);
        return 1;
    }
    if (p->tok.kind == TK_RPAREN) {
        next(p);
        return 1;
    }
    struct idl_var **tail = &r->params;
    for (;;) {
        struct idl_var *v = idl_alloc(p->f, sizeof *v);
        if (is_word(&p->tok, "rpc_ptr")) { /* a function pointer argument */
            v->loc = p->tok.loc;
            next(p);
            v->type = new_type(p, T_RPC_PTR, p->tok.loc);
            v->type->ref = ident(p, "the name of an rpc_ptr declaration", &v->type->ref_loc);
            if (!v->type->ref)
                return 0;
        } else if (!parse_typed(p, v)) {
            return 0;
        }
        if (v->type->kind == T_VOID) {
            idl_error(p->d, v->loc, "'void' is not a parameter type");
            return 0;
        }
        v->name = ident(p, "a parameter name", &v->loc);
        if (!v->name)
            return 0;
        *tail = v;
        tail = &v->next;
        r->nparams++;
        if (p->tok.kind == TK_COMMA) {
            next(p);
            continue;
        }
        return expect(p, TK_RPAREN, "',' or ')' in the parameter list");
    }
}

/* An rpc's attributes: [oneway], [dead(VALUE)], [declared],
 * comma-separated. */
static int parse_rpc_attrs(struct parser *p, struct idl_rpc *r)
{
    struct idl_loc bracket = p->tok.loc;
    next(p);
    for (;;) {
        struct idl_loc at = p->tok.loc;
        if (is_word(&p->tok, "oneway")) {
            r->oneway = 1;
            r->oneway_loc = bracket;
            next(p);
        } else if (is_word(&p->tok, "declared")) {
            r->declared = 1;
            r->declared_loc = at;
            next(p);
        } else if (is_word(&p->tok, "dead")) {
            next(p);
            int neg = 0;
            uint64_t v;
            if (!expect(p, TK_LPAREN, "'(' after 'dead'"))
                return 0;
            if (p->tok.kind == TK_MINUS) {
                neg = 1;
                next(p);
            }
            if (!parse_u64(p, &v, "the value a failed call returns") ||
                !expect(p, TK_RPAREN, "')' after the dead value"))
                return 0;
            if (v > (uint64_t)INT64_MAX) {
                idl_error(p->d, at, "dead value does not fit in 64 bits");
                v = 0;
            }
            r->has_dead = 1;
            r->dead = neg ? -(int64_t)v : (int64_t)v;
            r->dead_loc = at;
        } else {
            unexpected(p, "'oneway', 'dead(VALUE)' or 'declared' (an rpc's attributes)");
            return 0;
        }
        if (p->tok.kind == TK_COMMA) {
            next(p);
            continue;
        }
        return expect(p, TK_RBRACK, "']' after the rpc's attributes");
    }
}

/* rpc / export rpc / rpc_ptr: RET NAME(PARAMS); */
static void parse_rpc(struct parser *p, enum idl_rpc_kind kind, struct idl_loc loc)
{
    struct idl_rpc *r = idl_alloc(p->f, sizeof *r);
    r->kind = kind;
    r->loc = loc;
    if (p->tok.kind == TK_LBRACK && !parse_rpc_attrs(p, r)) { /* rpc [oneway] void f(...) */
        sync(p);
        return;
    }
    r->ret = idl_alloc(p->f, sizeof *r->ret);
    if (!parse_typed(p, r->ret) || !(r->name = ident(p, "a function name", &r->loc)) ||
        !parse_params(p, r) || !expect(p, TK_SEMI, "';' after the declaration")) {
        sync(p);
        return;
    }
    *p->rpc_tail = r;
    p->rpc_tail = &r->next;
}

static int parse_field(struct parser *p, struct idl_projection *pr, struct idl_var ***tail)
{
    struct idl_var *v = idl_alloc(p->f, sizeof *v);
    if (is_word(&p->tok, "rpc_ptr")) {
        v->loc = p->tok.loc;
        next(p);
        v->type = new_type(p, T_RPC_PTR, p->tok.loc);
        v->type->ref = ident(p, "the name of an rpc_ptr declaration", &v->type->ref_loc);
        if (!v->type->ref)
            return 0;
        v->name = ident(p, "a field name", &v->loc);
    } else {
        if (!parse_typed(p, v))
            return 0;
        if (v->type->kind == T_VOID) {
            idl_error(p->d, v->loc, "'void' is not a field type");
            return 0;
        }
        v->name = ident(p, "a field name", &v->loc);
    }
    if (!v->name || !expect(p, TK_SEMI, "';' after the field"))
        return 0;
    **tail = v;
    *tail = &v->next;
    pr->nfields++;
    return 1;
}

/* projection <struct T> NAME { FIELDS } */
static void parse_projection(struct parser *p, struct idl_loc loc)
{
    struct idl_projection *pr = idl_alloc(p->f, sizeof *pr);
    pr->loc = loc;
    if (!expect(p, TK_LT, "'<' after 'projection' (projection <struct T> name { ... })")) {
        sync(p);
        return;
    }
    /* <struct T>, or <T> for a typedef of a struct (an anonymous one:
     * typedef struct { ... } T;) */
    int tagged = is_word(&p->tok, "struct");
    if (tagged)
        next(p);
    if (!(pr->c_struct = c_ident(p, tagged ? "a struct name" : "'struct' or a typedef name")) ||
        !expect(p, TK_GT, "'>' after the struct name") ||
        !(pr->name = ident(p, "a projection name", &pr->loc)) ||
        !expect(p, TK_LBRACE, "'{' to open the projection")) {
        sync(p);
        return;
    }
    pr->c_type = tagged ? idl_strcat(p->f, "struct ", pr->c_struct) : pr->c_struct;
    struct idl_var **tail = &pr->fields;
    while (p->tok.kind != TK_RBRACE && p->tok.kind != TK_EOF && !p->d->stopped) {
        if (!parse_field(p, pr, &tail))
            sync(p);
    }
    if (!expect(p, TK_RBRACE, "'}' to close the projection"))
        return;
    if (p->tok.kind == TK_SEMI)
        next(p);
    *p->proj_tail = pr;
    p->proj_tail = &pr->next;
}

/* enum NAME { A [= N], ... } */
static void parse_enum(struct parser *p, struct idl_loc loc)
{
    struct idl_enum *e = idl_alloc(p->f, sizeof *e);
    e->loc = loc;
    if (!(e->name = ident(p, "an enum name", &e->loc)) ||
        !expect(p, TK_LBRACE, "'{' to open the enum")) {
        sync(p);
        return;
    }
    struct idl_enumerator **tail = &e->items;
    int64_t value = 0;
    while (p->tok.kind != TK_RBRACE) {
        struct idl_enumerator *it = idl_alloc(p->f, sizeof *it);
        if (!(it->name = ident(p, "an enumerator", &it->loc))) {
            sync(p);
            return;
        }
        if (p->tok.kind == TK_EQ) {
            next(p);
            int neg = 0;
            if (p->tok.kind == TK_MINUS) {
                neg = 1;
                next(p);
            }
            uint64_t v;
            if (!parse_u64(p, &v, "an enumerator value")) {
                sync(p);
                return;
            }
            if (v > (uint64_t)INT32_MAX + (uint64_t)neg) {
                idl_error(p->d, it->loc, "enumerator '%s' does not fit in 32 bits", it->name);
                v = 0;
            }
            value = neg ? -(int64_t)v : (int64_t)v;
        }
        it->value = value++;
        *tail = it;
        tail = &it->next;
        if (p->tok.kind == TK_COMMA) {
            next(p);
            continue;
        }
        if (p->tok.kind != TK_RBRACE) {
            unexpected(p, "',' or '}' in the enum");
            sync(p);
            return;
        }
    }
    next(p);
    if (p->tok.kind == TK_SEMI)
        next(p);
    if (!e->items) {
        idl_error(p->d, e->loc, "enum '%s' has no enumerators", e->name);
        return;
    }
    *p->enum_tail = e;
    p->enum_tail = &e->next;
}

static void parse_include(struct parser *p, struct idl_loc loc)
{
    if (p->tok.kind != TK_STRING) {
        unexpected(p, "a header path in quotes");
        sync(p);
        return;
    }
    struct idl_include *inc = idl_alloc(p->f, sizeof *inc);
    inc->loc = loc;
    inc->path = idl_strndup(p->f, p->tok.text, p->tok.len);
    next(p);
    if (!expect(p, TK_SEMI, "';' after the include")) {
        sync(p);
        return;
    }
    *p->inc_tail = inc;
    p->inc_tail = &inc->next;
}

static void parse_module_item(struct parser *p)
{
    struct idl_loc loc = p->tok.loc;
    if (is_word(&p->tok, "include")) {
        next(p);
        parse_include(p, loc);
    } else if (is_word(&p->tok, "rpc")) {
        next(p);
        parse_rpc(p, RPC_IMPORT, loc);
    } else if (is_word(&p->tok, "export")) {
        next(p);
        if (!is_word(&p->tok, "rpc")) {
            unexpected(p, "'rpc' after 'export'");
            sync(p);
            return;
        }
        next(p);
        parse_rpc(p, RPC_EXPORT, loc);
    } else if (is_word(&p->tok, "rpc_ptr")) {
        next(p);
        parse_rpc(p, RPC_PTR, loc);
    } else if (is_word(&p->tok, "projection")) {
        next(p);
        parse_projection(p, loc);
    } else if (is_word(&p->tok, "enum")) {
        next(p);
        parse_enum(p, loc);
    } else {
        unexpected(p, "a declaration (rpc, export rpc, rpc_ptr, projection, enum or include)");
        if (p->tok.kind == TK_RBRACE)
            return;
        next(p);
        sync(p);
    }
}

int idl_parse(struct idl_file *f, const char *src, size_t len, struct idl_diag *diag)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    p.f = f;
    p.d = diag;
    p.rpc_tail = &f->rpcs;
    p.proj_tail = &f->projections;
    p.enum_tail = &f->enums;
    p.inc_tail = &f->includes;
    idl_lex_init(&p.lx, src, len, diag);
    next(&p);
    while (p.tok.kind != TK_EOF && !diag->stopped) {
        struct idl_loc loc = p.tok.loc;
        if (is_word(&p.tok, "include")) {
            next(&p);
            parse_include(&p, loc);
        } else if (is_word(&p.tok, "module")) {
            next(&p);
            struct idl_loc nloc;
            const char *name = ident(&p, "a module name", &nloc);
            if (!name || !expect(&p, TK_LBRACE, "'{' to open the module")) {
                sync(&p);
                continue;
            }
            if (f->module) {
                idl_error(diag, nloc, "a second module '%s' (one module per file)", name);
                idl_note(diag, f->module_loc, "the first module is here");
            } else {
                f->module = name;
                f->module_loc = nloc;
            }
            while (p.tok.kind != TK_RBRACE && p.tok.kind != TK_EOF && !diag->stopped)
                parse_module_item(&p);
            if (!expect(&p, TK_RBRACE, "'}' to close the module"))
                break;
            if (p.tok.kind == TK_SEMI)
                next(&p);
        } else {
            unexpected(&p, "'module' or 'include'");
            next(&p);
            sync(&p);
        }
    }
    if (!f->module && !diag->errors)
        idl_error(diag, p.tok.loc, "no module declared");
    return diag->errors;
}

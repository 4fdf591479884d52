/*
 * ast.h - the syntax tree of an .idl file, shared by the parser, the checker
 * and the code generators. All nodes live in one arena owned by the module
 * and are freed together.
 */
#ifndef CORDON_IDL_AST_H
#define CORDON_IDL_AST_H

#include <stddef.h>
#include <stdint.h>

/* A position in the source, for diagnostics. */
struct idl_loc {
    uint32_t line, col;
};

enum idl_type_kind {
    T_VOID,
    T_SCALAR, /* scalar: width, signedness */
    T_BOOL,
    T_ENUM,       /* ref names an enum */
    T_STRING,     /* bound = max characters */
    T_ARRAY,      /* elem, size_kind, count/expr, bound */
    T_PROJECTION, /* ref names a projection; pointer or by value */
    T_SHARED,     /* bound = max bytes; always a pointer */
    T_RPC_PTR,    /* ref names an rpc_ptr declaration (fields only) */
};

enum idl_array_size { A_FIXED, A_NULL, A_EXPR };

/* Attribute bits. */
enum {
    AT_IN = 1 << 0,
    AT_OUT = 1 << 1,
    AT_UNUSED = 1 << 2,
    AT_ALLOC_CALLER = 1 << 3,
    AT_ALLOC_CALLEE = 1 << 4,
    AT_DEALLOC_CALLER = 1 << 5,
    AT_DEALLOC_CALLEE = 1 << 6,
    AT_BIND_CALLER = 1 << 7,
    AT_BIND_CALLEE = 1 << 8,
    AT_MOVE = 1 << 9,
    AT_LEND = 1 << 10,
    AT_READ_ONLY = 1 << 11,  /* field: the domain reads it; only the host writes it */
    AT_WRITE_ONLY = 1 << 12, /* field: the domain writes it; the host never sends it */
};

struct idl_type {
    enum idl_type_kind kind;
    struct idl_loc loc;
    uint8_t width;     /* T_SCALAR: 1, 2, 4, 8 bytes */
    uint8_t is_signed; /* T_SCALAR */
    const char *ref;   /* T_ENUM, T_PROJECTION, T_RPC_PTR: the name used */
    struct idl_loc ref_loc;
    struct idl_type *elem;         /* T_ARRAY */
    enum idl_array_size size_kind; /* T_ARRAY */
    uint64_t count;                /* T_ARRAY fixed size */
    const char *expr;              /* T_ARRAY size expression (C text) */
    struct idl_loc expr_loc;
    uint64_t bound; /* T_STRING, T_ARRAY (null/expr), T_SHARED; 0 = missing */
    int has_bound;
    /* resolved by the checker */
    struct idl_projection *proj;
    struct idl_enum *en;
    struct idl_rpc *rpcptr;
};

/* A parameter, a field, or a return value. */
struct idl_var {
    const char *name; /* NULL for a return value */
    struct idl_loc loc;
    struct idl_type *type;
    int pointer; /* written with '*' */
    unsigned attrs;
    struct idl_loc attr_loc;
    struct idl_var *next;
};

enum idl_rpc_kind { RPC_IMPORT, RPC_EXPORT, RPC_PTR };

struct idl_rpc {
    enum idl_rpc_kind kind;
    const char *name;
    struct idl_loc loc;
    struct idl_var *ret; /* type T_VOID for void */
    struct idl_var *params;
    uint32_t nparams;
    uint32_t id; /* assigned by the checker */
    int oneway;  /* rpc [oneway]: sent without waiting for a reply */
    struct idl_loc oneway_loc;
    int declared; /* [declared]: an included header declares the function */
    struct idl_loc declared_loc;
    int has_dead; /* [dead(VALUE)]: what a failed call returns */
    int64_t dead;
    struct idl_loc dead_loc;
    struct idl_rpc *next;
};

struct idl_projection {
    const char *name;
    const char *c_struct; /* the T of <struct T> or <T> */
    const char *c_type;   /* "struct T", or T for a typedef */
    struct idl_loc loc;
    struct idl_var *fields;
    uint32_t nfields;
    int visiting, done; /* recursion check */
    uint32_t id;        /* handle type tag */
    struct idl_projection *next;
};

struct idl_enumerator {
    const char *name;
    struct idl_loc loc;
    int64_t value;
    struct idl_enumerator *next;
};

struct idl_enum {
    const char *name;
    struct idl_loc loc;
    struct idl_enumerator *items;
    struct idl_enum *next;
};

struct idl_include {
    const char *path;
    struct idl_loc loc;
    struct idl_include *next;
};

struct idl_file {
    const char *path;
    const char *module; /* NULL until a module is seen */
    struct idl_loc module_loc;
    struct idl_include *includes;
    struct idl_rpc *rpcs; /* in declaration order, all kinds */
    struct idl_projection *projections;
    struct idl_enum *enums;
    struct idl_arena *arena;
    uint64_t wire_max; /* the largest message any rpc needs (set by the checker) */
};

/* Arena allocation: zeroed memory freed with the file. */
void *idl_alloc(struct idl_file *f, size_t n);
char *idl_strndup(struct idl_file *f, const char *s, size_t n);
char *idl_strcat(struct idl_file *f, const char *a, const char *b);
void idl_file_free(struct idl_file *f);

struct idl_projection *idl_find_projection(const struct idl_file *f, const char *name);
struct idl_enum *idl_find_enum(const struct idl_file *f, const char *name);
struct idl_rpc *idl_find_rpc(const struct idl_file *f, const char *name);

#endif

/*
 * gen_impl.h - the glue generator's parts (private to src/idl/).
 *
 *   gen.c          the files: NAME_common.h, each side's header and source
 *   gen_types.c    C types, directions, scalars, the comments that echo
 *                  each IDL declaration
 *   gen_proj.c     a projection's field writer and reader
 *   gen_params.c   one parameter or return value, each way
 *   gen_call.c     callers: domain stubs, host callers, trampolines
 *   gen_dispatch.c callees: the dispatcher of each side
 *   print.c        an rpc as IDL text
 *   tidy.c         drops helpers nothing uses and wraps long lines
 *
 * Every emitter writes C at the indentation of a function body (4 spaces)
 * through out(); gen.c passes each source file through gen_tidy.
 */
#ifndef CORDON_IDL_GEN_IMPL_H
#define CORDON_IDL_GEN_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "gen.h"

enum side { HOST, DOMAIN };
/* The directions of include/cordon/glue.h's CDN_DIR_*. */
enum dir { DIR_IN = 1, DIR_OUT = 2, DIR_ALL = 3 };

struct gen {
    const struct idl_file *f;
    int host; /* generating the host side (it refuses unannounced new objects) */
    FILE *o;
    const char *m; /* module name */
    int failed;
};

__attribute__((format(printf, 2, 3))) void out(struct gen *g, const char *fmt, ...);
void gen_error(struct gen *g, struct idl_loc loc, const char *msg, const char *name);

/* gen_types.c */
const char *scalar_c(const struct idl_type *t);
/* The C type of a value of IDL type t (element types for arrays). */
void c_type(struct gen *g, const struct idl_var *v, char *buf, size_t n);
/* "T" followed by a space unless T ends in '*': for "T name". */
const char *type_gap(const char *c_type);
void print_params(struct gen *g, const struct idl_rpc *r, int leading_comma);
void ret_type(struct gen *g, const struct idl_rpc *r, char *buf, size_t n);
/* The value a failed stub returns: "" (void), " NULL", " false", or NULL
 * for an integer (then cdn_glue_dead_value's, cast). */
const char *dead_value(const struct idl_rpc *r);
void emit_dead_return(struct gen *g, const struct idl_rpc *r, const char *indent);
int used_as_argument(const struct idl_file *f, const struct idl_rpc *rp);
int field_dir_io(const struct gen *g, const struct idl_var *v, int put);
int param_dir(const struct idl_var *v);
const char *dir_name(int d); /* "CDN_DIR_IN", ... */
void put_scalar(struct gen *g, const struct idl_type *t, const char *expr, const char *in);
void get_scalar(struct gen *g, const struct idl_type *t, const char *dst, const char *in);
const char *proj_type(struct gen *g, const struct idl_projection *p, char *buf, size_t n);
void tramp_name(struct gen *g, const struct idl_projection *p, const struct idl_var *fl, char *buf,
                size_t n);
/* A comment block: where r is declared, its declaration, then what (one
 * line of prose, may be NULL). */
void emit_decl_comment(struct gen *g, const struct idl_rpc *r, const char *what);

/* gen_proj.c */
void emit_proj_prototypes(struct gen *g);
void emit_proj_helpers(struct gen *g, enum side side);

/* gen_params.c */
void put_param_in(struct gen *g, const struct idl_var *v);
void get_param_in(struct gen *g, const struct idl_var *v);
void check_expr_counts(struct gen *g, const struct idl_rpc *r);
void check_reply_sizes(struct gen *g, const struct idl_rpc *r);
void put_param_out(struct gen *g, const struct idl_var *v);
void get_param_out(struct gen *g, const struct idl_var *v);
void put_ret(struct gen *g, const struct idl_rpc *r);
void get_ret(struct gen *g, const struct idl_rpc *r);
void emit_deallocs(struct gen *g, const struct idl_rpc *r);
void emit_args(struct gen *g, const struct idl_rpc *r);

/* gen_call.c */
int find_ops(struct gen *g, const struct idl_rpc *r, char *expr, size_t n,
             const struct idl_projection **ops, const struct idl_var **slot);
void emit_tramp_prototypes(struct gen *g);
void emit_host_callers(struct gen *g);
void emit_domain_stubs(struct gen *g);

/* gen_dispatch.c */
void emit_dispatch(struct gen *g, enum side s);

/* print.c: r as the IDL declares it, without the ';' */
void idl_print_rpc(FILE *o, const struct idl_rpc *r);

/* tidy.c: text (a generated .c) to o without the static functions nothing
 * calls, their prototypes, and "(void)x;" lines for x the body uses; lines
 * over 100 columns wrapped. Returns 0, or -1 on a write error. */
int gen_tidy(const char *text, size_t len, FILE *o);

#endif

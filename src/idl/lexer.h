/* lexer.h - tokens of the IDL. */
#ifndef CORDON_IDL_LEXER_H
#define CORDON_IDL_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum idl_tok {
    TK_EOF,
    TK_IDENT,
    TK_INT,
    TK_STRING, /* text without the quotes */
    TK_EXPR,   /* text between {{ and }} */
    TK_LBRACE,
    TK_RBRACE,
    TK_LPAREN,
    TK_RPAREN,
    TK_LT,
    TK_GT,
    TK_LBRACK,
    TK_RBRACK,
    TK_COMMA,
    TK_SEMI,
    TK_STAR,
    TK_EQ,
    TK_MINUS,
    TK_ERROR, /* already reported */
};

struct idl_token {
    enum idl_tok kind;
    struct idl_loc loc;
    const char *text; /* into the source */
    size_t len;
    uint64_t value; /* TK_INT */
};

struct idl_lexer {
    const char *src, *p, *end;
    uint32_t line, col;
    struct idl_diag *diag;
};

void idl_lex_init(struct idl_lexer *lx, const char *src, size_t len, struct idl_diag *diag);
struct idl_token idl_lex_next(struct idl_lexer *lx);
const char *idl_tok_name(enum idl_tok k);

#endif

/*
 * lexer.c - turns IDL source into tokens. Every malformed token is reported
 * once, with its position, and comes back as TK_ERROR so that the parser can
 * resynchronise. The lexer always advances: it cannot loop on bad input.
 */
#include <string.h>

#include "lexer.h"

void idl_lex_init(struct idl_lexer *lx, const char *src, size_t len, struct idl_diag *diag)
{
    lx->src = lx->p = src;
    lx->end = src + len;
    lx->line = lx->col = 1;
    lx->diag = diag;
}

const char *idl_tok_name(enum idl_tok k)
{
    static const char *names[] = {
        "end of file", "identifier", "integer", "string",       "{{expression}}",
        "'{'",         "'}'",        "'('",     "')'",          "'<'",
        "'>'",         "'['",        "']'",     "','",          "';'",
        "'*'",         "'='",        "'-'",     "invalid token"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "token";
}

static void advance(struct idl_lexer *lx)
{
    if (*lx->p == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->p++;
}

static struct idl_loc here(const struct idl_lexer *lx)
{
    struct idl_loc l = {lx->line, lx->col};
    return l;
}

/* Skips blanks and comments; reports an unterminated block comment. */
static void skip_space(struct idl_lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            advance(lx);
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
            while (lx->p < lx->end && *lx->p != '\n')
                advance(lx);
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
            struct idl_loc start = here(lx);
            advance(lx);
            advance(lx);
            while (lx->p < lx->end && !(*lx->p == '*' && lx->p + 1 < lx->end && lx->p[1] == '/'))
                advance(lx);
            if (lx->p >= lx->end) {
                idl_error(lx->diag, start, "unterminated comment");
                return;
            }
            advance(lx);
            advance(lx);
        } else {
            return;
        }
    }
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static struct idl_token lex_number(struct idl_lexer *lx, struct idl_token t)
{
    uint64_t v = 0;
    int overflow = 0, base = 10;
    if (*lx->p == '0' && lx->p + 1 < lx->end && (lx->p[1] == 'x' || lx->p[1] == 'X')) {
        base = 16;
        advance(lx);
        advance(lx);
        if (lx->p >= lx->end || hexval(*lx->p) < 0) {
            idl_error(lx->diag, t.loc, "hexadecimal number has no digits");
            t.kind = TK_ERROR;
            return t;
        }
    }
    while (lx->p < lx->end && (base == 16 ? hexval(*lx->p) >= 0 : is_digit(*lx->p))) {
        int d = base == 16 ? hexval(*lx->p) : *lx->p - '0';
        if (v > (UINT64_MAX >> 1) / (uint64_t)base)
            overflow = 1;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > (UINT64_MAX >> 1))
            overflow = 1;
        advance(lx);
    }
    if (lx->p < lx->end && (is_ident_start(*lx->p) || is_digit(*lx->p))) {
        idl_error(lx->diag, t.loc, "invalid digit '%c' in number", *lx->p);
        while (lx->p < lx->end && (is_ident_start(*lx->p) || is_digit(*lx->p)))
            advance(lx);
        t.kind = TK_ERROR;
        return t;
    }
    if (overflow) {
        idl_error(lx->diag, t.loc, "number too large (the limit is 2^63 - 1)");
        t.kind = TK_ERROR;
        return t;
    }
    t.kind = TK_INT;
    t.value = v;
    t.len = (size_t)(lx->p - t.text);
    return t;
}

struct idl_token idl_lex_next(struct idl_lexer *lx)
{
    struct idl_token t;
    memset(&t, 0, sizeof t);
    skip_space(lx);
    t.loc = here(lx);
    t.text = lx->p;
    if (lx->p >= lx->end) {
        t.kind = TK_EOF;
        return t;
    }
    char c = *lx->p;
    if (is_ident_start(c)) {
        while (lx->p < lx->end && (is_ident_start(*lx->p) || is_digit(*lx->p)))
            advance(lx);
        t.kind = TK_IDENT;
        t.len = (size_t)(lx->p - t.text);
        if (t.len > 128) {
            idl_error(lx->diag, t.loc, "identifier longer than 128 characters");
            t.kind = TK_ERROR;
        }
        return t;
    }
    if (is_digit(c))
        return lex_number(lx, t);
    if (c == '"') {
        advance(lx);
        t.text = lx->p;
        while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n')
            advance(lx);
        if (lx->p >= lx->end || *lx->p != '"') {
            idl_error(lx->diag, t.loc, "unterminated string");
            t.kind = TK_ERROR;
            return t;
        }
        t.len = (size_t)(lx->p - t.text);
        advance(lx);
        t.kind = TK_STRING;
        return t;
    }
    if (c == '{' && lx->p + 1 < lx->end && lx->p[1] == '{') {
        advance(lx);
        advance(lx);
        t.text = lx->p;
        while (lx->p < lx->end && *lx->p != '\n' &&
               !(*lx->p == '}' && lx->p + 1 < lx->end && lx->p[1] == '}'))
            advance(lx);
        if (lx->p >= lx->end || *lx->p == '\n') {
            idl_error(lx->diag, t.loc, "unterminated size expression (expected '}}')");
            t.kind = TK_ERROR;
            return t;
        }
        t.len = (size_t)(lx->p - t.text);
        advance(lx);
        advance(lx);
        t.kind = TK_EXPR;
        return t;
    }
    static const struct {
        char c;
        enum idl_tok k;
    } punct[] = {{'{', TK_LBRACE}, {'}', TK_RBRACE}, {'(', TK_LPAREN}, {')', TK_RPAREN},
                 {'<', TK_LT},     {'>', TK_GT},     {'[', TK_LBRACK}, {']', TK_RBRACK},
                 {',', TK_COMMA},  {';', TK_SEMI},   {'*', TK_STAR},   {'=', TK_EQ},
                 {'-', TK_MINUS}};
    for (size_t i = 0; i < sizeof punct / sizeof punct[0]; i++)
        if (c == punct[i].c) {
            advance(lx);
            t.kind = punct[i].k;
            t.len = 1;
            return t;
        }
    if ((unsigned char)c >= 32 && (unsigned char)c < 127)
        idl_error(lx->diag, t.loc, "unexpected character '%c'", c);
    else
        idl_error(lx->diag, t.loc, "unexpected byte 0x%02x", (unsigned char)c);
    advance(lx);
    t.kind = TK_ERROR;
    t.len = 1;
    return t;
}

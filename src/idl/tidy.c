/*
 * tidy.c - the last step of generating a file: the emitters write every
 * helper a glue might need, with the "(void)x;" lines a helper might need;
 * this pass keeps what the file uses and wraps long lines, so the glue
 * reads like code a person wrote and compiles without warnings switched off.
 *
 *   1. Items: the text is cut into top-level items. A function definition
 *      runs from its signature (column 0) to the "}" in column 0, with the
 *      comment block right above it; a prototype is one "static ...;" line.
 *   2. Reachability: a static (not inline) function is kept if its name
 *      appears, outside comments and strings, in anything kept; the rest
 *      is kept from the start. Unreachable functions go with their
 *      prototypes and comments.
 *   3. "(void)x;" lines inside a kept function go when x appears elsewhere
 *      in its body.
 *   4. Lines over WRAP_AT columns are broken after a ", " or a "&& "/"|| ",
 *      continuing under the innermost open parenthesis (or 8 columns in).
 *      Comments and macro lines are left as they are.
 *
 * The input is generated code: every item starts in column 0 and ends with
 * a newline, function bodies never hold a "}" in column 0.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_impl.h"

#define WRAP_AT 100

enum item_kind { ITEM_OTHER, ITEM_FUNCTION, ITEM_PROTOTYPE };

struct item {
    enum item_kind kind;
    size_t start, end; /* byte range in the text, whole lines */
    char name[128];    /* ITEM_FUNCTION, ITEM_PROTOTYPE */
    int prunable;      /* static, not inline */
    int keep;
};

struct tidy {
    const char *text;
    size_t len;
    char *masked; /* text with comments and string contents blanked */
    struct item *items;
    int n, cap;
};

/* A copy of s[0..n) with the insides of comments, strings and character
 * literals replaced by spaces (newlines kept), for searching names. */
static char *mask(const char *s, size_t n)
{
    char *m = malloc(n + 1);
    if (!m)
        return NULL;
    memcpy(m, s, n);
    m[n] = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < n && !(s[j] == '*' && s[j + 1] == '/'))
                j++;
            for (size_t k = i; k < j + 2 && k < n; k++)
                if (m[k] != '\n')
                    m[k] = ' ';
            i = j + 1;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                m[i++] = ' ';
        } else if (s[i] == '"' || s[i] == '\'') {
            char q = s[i];
            size_t j = i + 1;
            while (j < n && s[j] != q && s[j] != '\n')
                j += s[j] == '\\' ? 2 : 1;
            for (size_t k = i + 1; k < j && k < n; k++)
                m[k] = ' ';
            i = j;
        }
    }
    return m;
}

static size_t line_end(const struct tidy *t, size_t p)
{
    const char *nl = memchr(t->text + p, '\n', t->len - p);
    return nl ? (size_t)(nl - t->text) + 1 : t->len;
}

static int starts(const struct tidy *t, size_t p, const char *s)
{
    size_t l = strlen(s);
    return p + l <= t->len && memcmp(t->text + p, s, l) == 0;
}

/* The identifier right before the first '(' of [p, end), or "". */
static void name_before_paren(const struct tidy *t, size_t p, size_t end, char *out, size_t cap)
{
    const char *paren = memchr(t->text + p, '(', end - p);
    out[0] = 0;
    if (!paren)
        return;
    const char *e = paren;
    const char *b = e;
    while (b > t->text + p && (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
        b--;
    snprintf(out, cap, "%.*s", (int)(e - b), b);
}

static struct item *add_item(struct tidy *t, enum item_kind kind, size_t start, size_t end)
{
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        struct item *ni = realloc(t->items, (size_t)cap * sizeof *ni);
        if (!ni)
            return NULL;
        t->items = ni;
        t->cap = cap;
    }
    struct item *it = &t->items[t->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->start = start;
    it->end = end;
    it->keep = 1;
    return it;
}

/* Whether the line at p begins a function definition: a signature in
 * column 0 whose lines end before a "{" line. Sets *body to that line. */
static int function_at(const struct tidy *t, size_t p, size_t *body)
{
    char c = t->text[p];
    if (!(isalpha((unsigned char)c) || c == '_') || starts(t, p, "typedef"))
        return 0;
    for (size_t q = p; q < t->len; q = line_end(t, q)) {
        if (t->text[q] == '{')
            return *body = q, 1;
        size_t e = line_end(t, q);
        if (memchr(t->text + q, ';', e - q) || (q != p && t->text[q] != ' '))
            return 0;
    }
    return 0;
}

/* A comment block ending right before p (the line above ends with
 * "*" "/" and the block starts in column 0 with "/" "*"), or p. */
static size_t comment_above(const struct tidy *t, size_t p, size_t floor)
{
    if (p < 3 || p <= floor || t->text[p - 2] != '/' || t->text[p - 3] != '*')
        return p;
    size_t q = p - 1;
    while (q > floor) {
        size_t ls = q;
        while (ls > floor && t->text[ls - 1] != '\n')
            ls--;
        if (starts(t, ls, "/*"))
            return ls;
        if (!starts(t, ls, " *"))
            return p;
        q = ls - 1;
    }
    return p;
}

static int split_items(struct tidy *t)
{
    size_t p = 0, other = 0;
    while (p < t->len) {
        size_t body, e = line_end(t, p);
        int is_static = starts(t, p, "static ");
        int is_proto = is_static && e >= 3 && t->text[e - 2] == ';' && t->text[e - 3] == ')' &&
                       memchr(t->text + p, '(', e - p) && !memchr(t->text + p, '=', e - p);
        int is_fn = !is_proto && function_at(t, p, &body);
        if (!is_proto && !is_fn) {
            p = e;
            continue;
        }
        size_t start = is_fn ? comment_above(t, p, other) : p;
        size_t end = e;
        if (is_fn) {
            end = body;
            while (end < t->len && t->text[end] != '}')
                end = line_end(t, end);
            end = line_end(t, end);
        }
        if (start > other && !add_item(t, ITEM_OTHER, other, start))
            return -1;
        struct item *it = add_item(t, is_fn ? ITEM_FUNCTION : ITEM_PROTOTYPE, start, end);
        if (!it)
            return -1;
        name_before_paren(t, p, e, it->name, sizeof it->name);
        it->prunable = is_static && !starts(t, p, "static inline") && it->name[0];
        p = other = end;
    }
    if (other < t->len && !add_item(t, ITEM_OTHER, other, t->len))
        return -1;
    return 0;
}

/* Whether name occurs as a whole word in masked[start, end); with
 * only_reads, an occurrence that is assigned to ("name = ...", which
 * includes a declaration's initializer) does not count: to the compiler a
 * variable only ever set is still unused. */
static int mentions_as(const char *masked, size_t start, size_t end, const char *name,
                       int only_reads)
{
    size_t l = strlen(name);
    for (size_t i = start; i + l <= end; i++) {
        if (memcmp(masked + i, name, l) != 0)
            continue;
        int before = i > start && (isalnum((unsigned char)masked[i - 1]) || masked[i - 1] == '_');
        int after = i + l < end && (isalnum((unsigned char)masked[i + l]) || masked[i + l] == '_');
        if (before || after)
            continue;
        size_t k = i + l;
        while (k < end && masked[k] == ' ')
            k++;
        int assigned = k + 1 < end && masked[k] == '=' && masked[k + 1] != '=';
        if (!only_reads || !assigned)
            return 1;
    }
    return 0;
}

static int mentions(const char *masked, size_t start, size_t end, const char *name)
{
    return mentions_as(masked, start, end, name, 0);
}

/* Step 2: keeps what anything kept mentions, until nothing changes. */
static void prune(struct tidy *t)
{
    for (int i = 0; i < t->n; i++)
        t->items[i].keep = !t->items[i].prunable;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < t->n; i++) {
            struct item *f = &t->items[i];
            if (f->keep || f->kind != ITEM_FUNCTION)
                continue;
            for (int j = 0; j < t->n && !f->keep; j++) {
                const struct item *u = &t->items[j];
                if (u->keep && u->kind != ITEM_PROTOTYPE && j != i &&
                    mentions(t->masked, u->start, u->end, f->name))
                    f->keep = changed = 1;
            }
        }
    }
    /* a prototype lives as long as its function */
    for (int i = 0; i < t->n; i++) {
        struct item *pr = &t->items[i];
        if (pr->kind != ITEM_PROTOTYPE || !pr->prunable)
            continue;
        pr->keep = 0;
        for (int j = 0; j < t->n; j++)
            if (t->items[j].kind == ITEM_FUNCTION && t->items[j].keep &&
                strcmp(t->items[j].name, pr->name) == 0)
                pr->keep = 1;
    }
}

/* If the line [p, e) is "(void)x;" (a comment may follow), x's name. */
static int void_line(const struct tidy *t, size_t p, size_t e, char *name, size_t cap)
{
    const char *s = t->masked + p;
    size_t n = e - p, i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (n - i < 7 || memcmp(s + i, "(void)", 6) != 0)
        return 0;
    size_t b = i + 6, k = b;
    while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
        k++;
    if (k == b || k >= n || s[k] != ';')
        return 0;
    for (size_t r = k + 1; r < n; r++)
        if (s[r] != ' ' && s[r] != '\n')
            return 0;
    snprintf(name, cap, "%.*s", (int)(k - b), s + b);
    return 1;
}

/* Writes spaces, then s[0..n) with trailing spaces dropped. */
static void put_segment(FILE *o, int indent, const char *s, size_t n)
{
    while (n && s[n - 1] == ' ')
        n--;
    fprintf(o, "%*s%.*s\n", indent, "", (int)n, s);
}

/* Step 4: writes the line s (without its newline), wrapped. */
static void wrap_line(FILE *o, const char *s, size_t n)
{
    int base = 0;
    while ((size_t)base < n && s[base] == ' ')
        base++;
    const char *first = s + base;
    size_t rest = n - (size_t)base;
    int skip = n <= WRAP_AT || first[0] == '#' || first[0] == '*' ||
               (rest >= 2 && first[0] == '/' && (first[1] == '*' || first[1] == '/')) ||
               s[n - 1] == '\\';
    if (skip) {
        fprintf(o, "%.*s\n", (int)n, s);
        return;
    }
    int stack[64], depth = 0, indent = base;
    while (rest) {
        int col = indent, quote = 0, best_depth = 0, best_stack[64];
        size_t best = 0, i;
        int best_cont = 0;
        for (i = 0; i < rest; i++) {
            char c = first[i];
            col++;
            if (quote) {
                if (c == '\\')
                    i++, col++;
                else if (c == quote)
                    quote = 0;
                continue;
            }
            if (c == '"' || c == '\'')
                quote = c;
            else if (c == '(' && depth < 64)
                stack[depth++] = col;
            else if (c == ')' && depth)
                depth--;
            int comma = c == ',' && i + 1 < rest && first[i + 1] == ' ';
            /* "x = long": the last resort, when nothing better fits */
            int assign = c == '=' && i > 1 && first[i - 1] == ' ' && i + 1 < rest &&
                         first[i + 1] == ' ' && !best && !strchr("=!<>+-*/&|^%", first[i - 2]);
            int logic = (c == '&' || c == '|') && i > 0 && first[i - 1] == c && i + 1 < rest &&
                        first[i + 1] == ' ';
            if ((comma || logic || assign) && col <= WRAP_AT) {
                best = i + 1;
                best_cont = depth ? stack[depth - 1] : base + 8;
                if (best_cont > 60)
                    best_cont = base + 8;
                memcpy(best_stack, stack, sizeof stack[0] * (size_t)depth);
                best_depth = depth;
            }
            if (col > WRAP_AT && best)
                break;
        }
        if (i >= rest || !best) {
            put_segment(o, indent, first, rest);
            return;
        }
        put_segment(o, indent, first, best);
        first += best;
        rest -= best;
        while (rest && *first == ' ')
            first++, rest--;
        indent = best_cont;
        memcpy(stack, best_stack, sizeof stack[0] * (size_t)best_depth);
        depth = best_depth;
    }
}

/* Steps 3 and 4 for one kept item. */
static void write_item(struct tidy *t, const struct item *it, FILE *o)
{
    size_t body = it->start; /* the "{" line: parameters are not uses */
    while (it->kind == ITEM_FUNCTION && body < it->end && t->text[body] != '{')
        body = line_end(t, body);
    for (size_t p = it->start; p < it->end;) {
        size_t e = line_end(t, p);
        char name[128];
        if (it->kind == ITEM_FUNCTION && p > body && void_line(t, p, e, name, sizeof name) &&
            (mentions_as(t->masked, body, p, name, 1) ||
             mentions_as(t->masked, e, it->end, name, 1))) {
            p = e;
            continue;
        }
        size_t n = e - p;
        if (n && t->text[e - 1] == '\n')
            n--;
        wrap_line(o, t->text + p, n);
        p = e;
    }
}

int gen_tidy(const char *text, size_t len, FILE *o)
{
    struct tidy t = {.text = text, .len = len};
    t.masked = mask(text, len);
    if (!t.masked || split_items(&t) != 0) {
        free(t.masked);
        free(t.items);
        return -1;
    }
    prune(&t);
    int blank_pending = 0;
    for (int i = 0; i < t.n; i++) {
        const struct item *it = &t.items[i];
        if (!it->keep) {
            blank_pending = 1; /* the blank line after a dropped item goes too */
            continue;
        }
        size_t s = it->start;
        if (blank_pending && s < it->end && text[s] == '\n')
            s++;
        blank_pending = 0;
        struct item cut = *it;
        cut.start = s;
        write_item(&t, &cut, o);
    }
    free(t.masked);
    free(t.items);
    return ferror(o) ? -1 : 0;
}

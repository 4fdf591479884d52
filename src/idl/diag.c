/* diag.c - compiler diagnostics (see diag.h). */
#include <stdarg.h>
#include <string.h>

#include "diag.h"

void idl_diag_init(struct idl_diag *d, const char *path, const char *src, size_t len, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    d->src = src;
    d->len = len;
    d->out = out;
}

/* Prints source line `line` and a caret under column `col`. */
static void quote(struct idl_diag *d, struct idl_loc loc)
{
    if (!d->src || loc.line == 0)
        return;
    const char *p = d->src, *end = d->src + d->len;
    for (uint32_t l = 1; l < loc.line && p < end; p++)
        if (*p == '\n')
            l++;
    const char *eol = p;
    while (eol < end && *eol != '\n')
        eol++;
    size_t n = (size_t)(eol - p);
    if (n > 200)
        n = 200; /* do not flood the terminal with a huge line */
    fputs("  ", d->out);
    for (size_t i = 0; i < n; i++)
        fputc(p[i] == '\t' || (unsigned char)p[i] >= 32 ? p[i] : '?', d->out);
    fputs("\n  ", d->out);
    for (uint32_t c = 1; c < loc.col && c <= n; c++)
        fputc(p[c - 1] == '\t' ? '\t' : ' ', d->out);
    fputs("^\n", d->out);
}

static void emit(struct idl_diag *d, const char *kind, struct idl_loc loc, const char *fmt,
                 va_list ap)
{
    fprintf(d->out, "%s:%u:%u: %s: ", d->path, loc.line, loc.col, kind);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    quote(d, loc);
}

void idl_error(struct idl_diag *d, struct idl_loc loc, const char *fmt, ...)
{
    if (d->stopped)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "error", loc, fmt, ap);
    va_end(ap);
    if (++d->errors >= IDL_MAX_ERRORS) {
        fprintf(d->out, "%s: too many errors; stopping\n", d->path);
        d->stopped = 1;
    }
}

void idl_note(struct idl_diag *d, struct idl_loc loc, const char *fmt, ...)
{
    if (d->stopped)
        return;
    va_list ap;
    va_start(ap, fmt);
    emit(d, "note", loc, fmt, ap);
    va_end(ap);
}

/* source.c - where a cursor is: the driver or the kernel, file:line, names. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

/* The file a cursor's *expansion* location is in (macro-generated code is
 * attributed to the file that used the macro). */
static const char *cursor_file(CXCursor c, unsigned *line, char *buf, size_t n)
{
    CXSourceLocation loc = clang_getCursorLocation(c);
    CXFile f;
    unsigned col, off;
    clang_getExpansionLocation(loc, &f, line, &col, &off);
    CXString s = clang_getFileName(f);
    const char *cs = clang_getCString(s);
    snprintf(buf, n, "%s", cs ? cs : "");
    clang_disposeString(s);
    return buf;
}

/* The boundary: a file is the driver's if it is one of the files named on
 * the command line or sits in the directory of one (a driver's private
 * headers, like null_blk.h); every other file is the kernel's. in_driver is
 * asked for every declaration of every header: the answer per file is
 * cached (CXFile handles are stable within a translation unit, and the
 * cache is cleared between units). */
int in_driver(struct analysis *a, CXCursor c)
{
    CXFile file;
    unsigned line, col, off;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &col, &off);
    for (int i = 0; i < a->nfile_cache; i++)
        if (a->file_cache[i].file == file)
            return a->file_cache[i].driver;
    CXString s = clang_getFileName(file);
    const char *cs = clang_getCString(s);
    int d = cs ? in_driver_file(a, cs) : 0;
    clang_disposeString(s);
    if (a->nfile_cache < (int)(sizeof a->file_cache / sizeof a->file_cache[0]))
        a->file_cache[a->nfile_cache++] = (typeof(a->file_cache[0])){file, d};
    return d;
}

int in_driver_file(struct analysis *a, const char *f)
{
    char real[PATH_MAX], joined[PATH_MAX];
    if (f[0] && f[0] != '/' && a->unit_dir) {
        snprintf(joined, sizeof joined, "%s/%s", a->unit_dir, f);
        f = joined;
    }
    if (!f[0] || !realpath(f, real))
        return 0;
    char *slash = strrchr(real, '/');
    if (!slash)
        return 0;
    *slash = 0;
    for (int i = 0; i < a->ndriver_files; i++)
        if (a->driver_dirs[i] && strcmp(real, a->driver_dirs[i]) == 0)
            return 1;
    return 0;
}

void where(struct analysis *a, CXCursor c, char *buf, size_t n)
{
    char f[4096];
    unsigned line;
    cursor_file(c, &line, f, sizeof f);
    const char *base = strrchr(f, '/');
    snprintf(buf, n, "%s %s:%u", a->current_fn, base ? base + 1 : f, line);
}

char *spell(CXCursor c)
{
    CXString s = clang_getCursorSpelling(c);
    char *r = strdup(clang_getCString(s) ? clang_getCString(s) : "");
    clang_disposeString(s);
    return r;
}

void warn(struct analysis *a, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    set_add(&a->warnings, buf, NULL, clang_getNullCursor());
}

int is_record(CXCursor c)
{
    return clang_getCursorKind(c) == CXCursor_StructDecl ||
           clang_getCursorKind(c) == CXCursor_UnionDecl;
}

/* libclang 19 spells an anonymous record "struct (anonymous at FILE:L:C)". */
int is_anonymous(CXCursor rec)
{
    if (clang_Cursor_isAnonymous(rec) || clang_Cursor_isAnonymousRecordDecl(rec))
        return 1;
    char *n = spell(rec);
    int anon = !*n || strstr(n, "(anonymous") || strstr(n, "(unnamed");
    free(n);
    return anon;
}

/* The named struct a field belongs to, or NULL. A field of an anonymous
 * struct or union inside a named one belongs to the named one, as C says. */
char *field_struct(CXCursor field)
{
    CXCursor p = clang_getCursorSemanticParent(field);
    while (is_record(p) && is_anonymous(p))
        p = clang_getCursorSemanticParent(p);
    if (!is_record(p))
        return NULL;
    return spell(p);
}

void inclusion(CXFile f, CXSourceLocation *stack, unsigned len, CXClientData d)
{
    struct analysis *a = d;
    if (len != 1) /* only what the driver's own files include */
        return;
    CXFile from;
    unsigned l, c, o;
    clang_getExpansionLocation(stack[0], &from, &l, &c, &o);
    CXString fs = clang_getFileName(from);
    const char *fromname = clang_getCString(fs);
    int drv = fromname && in_driver_file(a, fromname);
    clang_disposeString(fs);
    if (!drv)
        return;
    CXString s = clang_getFileName(f);
    const char *p = clang_getCString(s);
    const char *lin = p ? strstr(p, "/linux/") : NULL;
    if (lin)
        set_add(&a->includes, lin + 1, NULL, clang_getNullCursor());
    clang_disposeString(s);
}

/* Starts a translation unit whose relative names are relative to dir (its
 * compile_commands.json entry's directory), or NULL: the cwd. */
void analysis_begin_unit(struct analysis *a, const char *dir)
{
    a->nfile_cache = 0;
    memset(a->inline_used, 0, sizeof a->inline_used);
    a->ninline_seen = 0;
    a->unit_dir = dir;
}

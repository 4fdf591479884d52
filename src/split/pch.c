/*
 * pch.c - parsing the headers a driver's files share, once.
 *
 * A Linux driver's .c files mostly begin with the same includes (ixgbe's 21
 * files with "ixgbe.h", which pulls in most of the kernel), and parsing
 * those headers is nearly all of cordon-split's time. libclang can save a
 * parsed header as a precompiled header (PCH) and load it into each unit
 * instead (-include-pch); the files' own #include lines then find the
 * headers' include guards already defined. Any doubt — files in different
 * directories, no common prefix, a PCH that does not build — and the
 * caller parses the ordinary way.
 */
#define _GNU_SOURCE
#include "pch.h"

#include <clang-c/Index.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_INCLUDES 64

/* The #include lines a file begins with (before its first declaration),
 * stored in lines[]; returns how many. Comments and other preprocessor
 * lines before the first declaration are skipped. */
static int leading_includes(const char *path, char lines[][512], int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    int n = 0, in_comment = 0;
    while (n < max && fgets(buf, sizeof buf, f)) {
        char *s = buf;
        while (*s == ' ' || *s == '\t')
            s++;
        if (in_comment) {
            if (strstr(s, "*/"))
                in_comment = 0;
            continue;
        }
        if (!strncmp(s, "/*", 2)) {
            in_comment = !strstr(s + 2, "*/");
            continue;
        }
        if (*s == '\n' || !strncmp(s, "//", 2))
            continue;
        if (*s != '#')
            break; /* the first declaration */
        if (strncmp(s, "#include", 8))
            break; /* a macro or conditional may change what follows means */
        s[strcspn(s, "\n")] = 0;
        snprintf(lines[n++], 512, "%s", s);
    }
    fclose(f);
    return n;
}

/* The directory of path, into out ("." for a bare file name: dirname may
 * return a string of its own rather than edit its argument). */
static void dir_of(const char *path, char *out, size_t cap)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    snprintf(out, cap, "%s", dirname(tmp));
}

/* Parses the first n lines of inc (in directory dir) into a PCH in a new
 * temporary directory; its path goes to pch. */
static int build_one(char inc[][512], int n, const char *dir, const char *const *args, int nargs,
                     char *pch, size_t cap)
{
    char tmpl[] = "/tmp/cordon-split-pch-XXXXXX";
    if (!mkdtemp(tmpl))
        return 0;
    char hdr[4200];
    snprintf(hdr, sizeof hdr, "%s/common.h", tmpl);
    snprintf(pch, cap, "%s/common.pch", tmpl);
    FILE *f = fopen(hdr, "w");
    if (!f) {
        rmdir(tmpl);
        return 0;
    }
    for (int i = 0; i < n; i++)
        fprintf(f, "%s\n", inc[i]);
    fclose(f);
    /* the units' flags, the driver's directory for its quoted includes, and
     * "parse this as a C header" */
    const char **a = malloc(sizeof *a * (size_t)(nargs + 4));
    int ok = a != NULL;
    char idir[4200];
    snprintf(idir, sizeof idir, "-I%s", dir);
    CXIndex idx = clang_createIndex(0, 0);
    CXTranslationUnit tu = NULL;
    if (ok) {
        int na = 0;
        for (int i = 0; i < nargs; i++)
            a[na++] = args[i];
        a[na++] = idir;
        a[na++] = "-x";
        a[na++] = "c-header";
        ok = clang_parseTranslationUnit2(idx, hdr, a, na, NULL, 0,
                                         CXTranslationUnit_ForSerialization |
                                             CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles,
                                         &tu) == CXError_Success;
    }
    for (unsigned i = 0; ok && i < clang_getNumDiagnostics(tu); i++) {
        CXDiagnostic dg = clang_getDiagnostic(tu, i);
        if (clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error)
            ok = 0;
        clang_disposeDiagnostic(dg);
    }
    if (ok)
        ok = clang_saveTranslationUnit(tu, pch, clang_defaultSaveOptions(tu)) == CXSaveError_None;
    if (tu)
        clang_disposeTranslationUnit(tu);
    clang_disposeIndex(idx);
    free(a);
    if (!ok) {
        unlink(pch);
        unlink(hdr);
        rmdir(tmpl);
    }
    return ok;
}

int split_pch_build(const char *const *files, int nfiles, const char *const *args, int nargs,
                    struct split_pch *out)
{
    out->n = 0;
    out->argv = NULL;
    out->argc = NULL;
    out->lines = NULL;
    out->nlines = 0;
    if (nfiles < 3)
        return 0;
    char(*inc)[MAX_INCLUDES][512] = calloc((size_t)nfiles, sizeof *inc);
    int *ninc = calloc((size_t)nfiles, sizeof *ninc),
        *group = calloc((size_t)nfiles, sizeof *group);
    char dir0[4096];
    dir_of(files[0], dir0, sizeof dir0);
    int ok = inc && ninc && group;
    for (int i = 0; ok && i < nfiles; i++) {
        char d[4096];
        dir_of(files[i], d, sizeof d);
        ok = strcmp(d, dir0) == 0; /* quoted includes would resolve differently */
        ninc[i] = ok ? leading_includes(files[i], inc[i], MAX_INCLUDES) : 0;
        group[i] = -1;
    }
    /* groups: files with the same first #include share the longest common
     * prefix of their include lines */
    for (int i = 0; ok && i < nfiles && out->n < SPLIT_PCH_MAX; i++) {
        if (group[i] >= 0 || ninc[i] <= 0)
            continue;
        int members = 1, common = ninc[i];
        for (int j = i + 1; j < nfiles; j++)
            if (group[j] < 0 && ninc[j] > 0 && !strcmp(inc[i][0], inc[j][0])) {
                int k = 0;
                while (k < common && k < ninc[j] && !strcmp(inc[i][k], inc[j][k]))
                    k++;
                common = k;
                members++;
            }
        if (members < 2)
            continue;
        if (!build_one(inc[i], common, dir0, args, nargs, out->path[out->n],
                       sizeof out->path[out->n]))
            continue;
        char(*l)[512] = realloc(out->lines, sizeof *l * (size_t)(out->nlines + common));
        if (l) {
            out->lines = l;
            for (int k = 0; k < common; k++)
                memcpy(out->lines[out->nlines++], inc[i][k], 512);
        }
        for (int j = i; j < nfiles; j++)
            if (j == i || (group[j] < 0 && ninc[j] > 0 && !strcmp(inc[i][0], inc[j][0])))
                group[j] = out->n;
        out->n++;
    }
    if (ok && out->n > 0) {
        out->argv = calloc((size_t)nfiles, sizeof *out->argv);
        out->argc = calloc((size_t)nfiles, sizeof *out->argc);
        ok = out->argv && out->argc;
        for (int f = 0; ok && f < nfiles; f++) {
            out->argv[f] = calloc((size_t)nargs + 3, sizeof(char *));
            if (!(ok = out->argv[f] != NULL))
                break;
            int na = 0;
            for (int k = 0; k < nargs; k++)
                out->argv[f][na++] = (char *)args[k];
            if (group[f] >= 0) {
                out->argv[f][na++] = "-include-pch";
                out->argv[f][na++] = out->path[group[f]];
            }
            out->argc[f] = na;
        }
        out->nfiles = nfiles;
    }
    free(inc);
    free(ninc);
    free(group);
    if (!ok || out->n == 0) {
        split_pch_remove(out);
        return 0;
    }
    return 1;
}

void split_pch_remove(struct split_pch *p)
{
    for (int f = 0; p->argv && f < p->nfiles; f++)
        free(p->argv[f]);
    free(p->argv);
    free(p->argc);
    free(p->lines);
    p->argv = NULL;
    p->argc = NULL;
    p->lines = NULL;
    p->nlines = 0;
    for (int i = 0; i < p->n; i++) {
        char d[4300], h[4400];
        dir_of(p->path[i], d, sizeof d);
        unlink(p->path[i]);
        snprintf(h, sizeof h, "%s/common.h", d);
        unlink(h);
        rmdir(d);
    }
    p->n = 0;
}

/* compdb.c - compile_commands.json entries as libclang argument vectors. */
#define _GNU_SOURCE
#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

/* PREFIX + path, with a relative path joined to dir. */
static char *absolute_in(const char *dir, const char *prefix, const char *path)
{
    char buf[PATH_MAX + 64];
    if (path[0] == '/' || !dir)
        snprintf(buf, sizeof buf, "%s%s", prefix, path);
    else
        snprintf(buf, sizeof buf, "%s%s/%s", prefix, dir, path);
    return strdup(buf);
}

/* The flags of one compile_commands.json entry for libclang: the entry's
 * own arguments, relative paths resolved against its directory, then the
 * extra flags given after "--". Also sets *file to the entry's
 * source as an absolute path. */
static char **command_argv(CXCompileCommand cmd, const char *const *extra, int nextra,
                           int *argc_out, const char **file)
{
    unsigned n = clang_CompileCommand_getNumArgs(cmd);
    char **v = calloc(n + 3 + (unsigned)nextra + 1, sizeof *v);
    if (!v)
        return NULL;
    CXString dir = clang_CompileCommand_getDirectory(cmd);
    CXString src = clang_CompileCommand_getFilename(cmd);
    const char *d = clang_getCString(dir), *f = clang_getCString(src);
    char path[PATH_MAX];
    if (f && f[0] != '/')
        snprintf(path, sizeof path, "%s/%s", d ? d : ".", f);
    else
        snprintf(path, sizeof path, "%s", f ? f : "");
    *file = strdup(path);
    /* libclang's own driver is used, so the compiler's name, -c, -o FILE and
     * the source go. Relative include paths are made absolute against the
     * entry's directory: -working-directory would also move libclang's
     * resource directory (stdbool.h, ...) when that is relative. */
    static const char *const path_flags[] = {"-I",         "-isystem", "-iquote",
                                             "-idirafter", "-include", NULL};
    int k = 0;
    int path_next = 0;
    for (unsigned i = 1; i < n; i++) {
        CXString a = clang_CompileCommand_getArg(cmd, i);
        const char *as = clang_getCString(a);
        if (path_next) {
            v[k++] = absolute_in(d, "", as);
            path_next = 0;
        } else if (strcmp(as, "-o") == 0) {
            i++;
        } else if (strcmp(as, "-c") == 0 || strcmp(as, f ? f : "") == 0 || strcmp(as, path) == 0) {
            /* dropped */
        } else {
            int matched = 0;
            for (int p = 0; path_flags[p] && !matched; p++) {
                size_t len = strlen(path_flags[p]);
                if (strcmp(as, path_flags[p]) == 0) {
                    v[k++] = strdup(as);
                    path_next = matched = 1;
                } else if (strncmp(as, path_flags[p], len) == 0 && len == 2) {
                    v[k++] = absolute_in(d, path_flags[p], as + len);
                    matched = 1;
                }
            }
            if (!matched)
                v[k++] = strdup(as);
        }
        clang_disposeString(a);
    }
    for (int i = 0; i < nextra; i++)
        v[k++] = strdup(extra[i]);
    clang_disposeString(dir);
    clang_disposeString(src);
    *argc_out = k;
    return v;
}

/* Whether two paths name the same existing file. */
static int same_file(const char *x, const char *y)
{
    char a[PATH_MAX], b[PATH_MAX];
    return realpath(x, a) && realpath(y, b) && strcmp(a, b) == 0;
}

int compdb_load(const char *db_dir, const char *const *named, int nnamed, const char *const *extra,
                int nextra, struct unit_list *u)
{
    CXCompilationDatabase_Error dberr;
    CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(db_dir, &dberr);
    if (dberr != CXCompilationDatabase_NoError) {
        fprintf(stderr, "%s/compile_commands.json: error: cannot load the compilation database\n",
                db_dir);
        return 2;
    }
    CXCompileCommands all = clang_CompilationDatabase_getAllCompileCommands(db);
    unsigned ncmd = clang_CompileCommands_getSize(all);
    u->files = calloc((size_t)ncmd + 1, sizeof *u->files);
    u->argv = calloc((size_t)ncmd + 1, sizeof *u->argv);
    u->argc = calloc((size_t)ncmd + 1, sizeof *u->argc);
    u->dirs = calloc((size_t)ncmd + 1, sizeof *u->dirs);
    int *found = calloc((size_t)nnamed + 1, sizeof *found);
    int status = 0;
    if (!u->files || !u->argv || !u->argc || !u->dirs || !found) {
        fprintf(stderr, "cordon-split: out of memory\n");
        status = 2;
    }
    u->nfiles = 0;
    for (unsigned c = 0; c < ncmd && !status; c++) {
        CXCompileCommand cmd = clang_CompileCommands_getCommand(all, c);
        const char *file;
        int fargc;
        char **fargv = command_argv(cmd, extra, nextra, &fargc, &file);
        if (!fargv) {
            status = 2;
            break;
        }
        int keep = nnamed == 0;
        for (int i = 0; i < nnamed; i++)
            if (same_file(named[i], file))
                keep = found[i] = 1;
        if (!keep)
            continue;
        CXString d = clang_CompileCommand_getDirectory(cmd);
        u->dirs[u->nfiles] = strdup(clang_getCString(d) ? clang_getCString(d) : ".");
        clang_disposeString(d);
        u->files[u->nfiles] = file;
        u->argv[u->nfiles] = fargv;
        u->argc[u->nfiles++] = fargc;
    }
    for (int i = 0; i < nnamed && !status; i++)
        if (!found[i]) {
            fprintf(stderr, "%s: error: not in %s/compile_commands.json\n", named[i], db_dir);
            status = 1;
        }
    free(found);
    clang_CompileCommands_dispose(all);
    clang_CompilationDatabase_dispose(db);
    return status;
}

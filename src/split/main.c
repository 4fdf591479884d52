/*
 * cordon-split - derives a driver's IDL from its C source (libclang).
 *
 *   cordon-split [--json] [-o FILE.idl] [--module NAME] DRIVER.c... -- CLANG FLAGS
 *
 * What it finds, per translation unit (a file is "driver" if it is one of the
 * files named on the command line; everything else is "kernel"):
 *   drv_to_kernel  functions the driver calls that the kernel defines
 *                  (static inline functions of kernel headers run locally and
 *                  are not boundary functions)
 *   kernel_to_drv  driver functions the kernel can reach: named in an
 *                  initializer of a global (ops tables, module_init/exit) or
 *                  passed as an argument to a kernel function
 *   structs        every field of a kernel struct the driver reads or writes,
 *                  with the function and file:line of each access
 *   locks          lock, atomic and RCU calls in the driver
 *   warnings       what a person must decide (pointers without a bound,
 *                  void *, unknown types)
 * and writes an IDL in cordon's language (docs/idl.md) that cordon-idlc
 * accepts, with the provenance in comments. The analysis is a starting point:
 * directions are left at their default ([in, out]) and bounds must be checked.
 */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "units.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cordon-split [--json] [-o FILE.idl] [--module NAME] [--local F1,F2,...]\n"
               "                    DRIVER.c... -- CLANG-FLAGS\n"
               "       cordon-split [options] -p BUILD-DIR [DRIVER.c...] [-- EXTRA-FLAGS]\n"
               "With -p, each file's flags come from BUILD-DIR/compile_commands.json (every\n"
               "file in it when none is named).\n"
               "Analyses a driver's C source with libclang and writes an IDL for cordon-idlc\n"
               "(FILE.idl, default stdout) and a report on stderr (--json: as JSON on stdout,\n"
               "with the IDL then only in -o).\n"
               "The boundary: the DRIVER.c files are the driver, every other file the kernel;\n"
               "functions the domain implements itself (memory, strings, printk, locks,\n"
               "atomics; --local adds more) are not boundary functions.\n"
               "Files that begin with the same #include lines share a precompiled header\n"
               "(CORDON_SPLIT_NO_PCH=1: parse each file on its own).\n"
               "Exit status: 0 ok, 1 parse errors, 2 usage.\n");
}

struct options {
    int json;
    const char *out, *module, *db_dir;
    struct unit_list units;
};

/* Reads the command line into opt (files into opt->units). Returns -1 to go
 * on, or the exit status. */
static int parse_args(int argc, char **argv, struct analysis *a, struct options *opt)
{
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0, sep = argc;
    if (!files)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        } else if (strcmp(argv[i], "--json") == 0)
            opt->json = 1;
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            opt->out = argv[++i];
        else if (strcmp(argv[i], "--local") == 0 && i + 1 < argc) {
            char *list = strdup(argv[++i]), *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
                set_add(&a->user_local, t, NULL, clang_getNullCursor());
            free(list);
        } else if (strcmp(argv[i], "--module") == 0 && i + 1 < argc)
            opt->module = argv[++i];
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
            opt->db_dir = argv[++i];
        else if (argv[i][0] != '-')
            files[nfiles++] = argv[i];
        else {
            fprintf(stderr, "cordon-split: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    const char *const *extra = (const char *const *)(argv + sep + 1);
    int nextra = argc - sep - 1;
    if (opt->db_dir) {
        /* each file's flags come from the database (and all of its files
         * are the driver when none are named) */
        int status = compdb_load(opt->db_dir, files, nfiles, extra, nextra, &opt->units);
        free(files);
        if (status)
            return status;
    } else {
        opt->units.files = files;
        opt->units.nfiles = nfiles;
        opt->units.args = extra;
        opt->units.nargs = nextra;
    }
    if (!opt->units.nfiles) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* The boundary: the directories of the files named. */
static void set_driver_dirs(struct analysis *a, const struct unit_list *u)
{
    a->driver_dirs = calloc((size_t)u->nfiles, sizeof *a->driver_dirs);
    a->ndriver_files = a->driver_dirs ? u->nfiles : 0;
    for (int i = 0; i < a->ndriver_files; i++) {
        char real[PATH_MAX];
        if (realpath(u->files[i], real)) {
            *strrchr(real, '/') = 0;
            a->driver_dirs[i] = strdup(real);
        }
    }
}

/* The kbuild object a source file belongs to, from its directory's Kbuild
 * or Makefile: "NAME-y/-objs/-$(CONFIG_X) += ... base.o" names NAME; a
 * plain "obj-... += base.o" names base. Writes it to buf, or returns 0. */
static int kbuild_object(const char *file, char *buf, size_t cap)
{
    char dir[PATH_MAX], base[256];
    const char *slash = strrchr(file, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - file) : 1, slash ? file : ".");
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : file);
    char *dot = strrchr(base, '.');
    if (dot)
        strcpy(dot, ".o");
    static const char *const names[] = {"Kbuild", "Makefile"};
    for (int k = 0; k < 2; k++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char line[1024];
        int found = 0;
        while (!found && fgets(line, sizeof line, f)) {
            char *eq = strstr(line, "=");
            char *hit = eq ? strstr(eq, base) : NULL;
            if (!hit || (hit[-1] != ' ' && hit[-1] != '\t' && hit[-1] != '='))
                continue;
            char lhs[256];
            if (sscanf(line, " %255[A-Za-z0-9_$()-]", lhs) != 1)
                continue;
            if (strncmp(lhs, "obj-", 4) == 0) { /* the file is a module of its own */
                snprintf(buf, cap, "%.*s", (int)(strlen(base) - 2), base);
                found = 1;
            } else {
                char *dash = strrchr(lhs, '-');
                if (dash && dash != lhs) {
                    snprintf(buf, cap, "%.*s", (int)(dash - lhs), lhs);
                    found = 1;
                }
            }
        }
        fclose(f);
        if (found)
            return 1;
    }
    return 0;
}

/* --module; else the kbuild object the first file belongs to; else the
 * file's own name for one file, the directory's for several (a main.c
 * does not name its driver). What C cannot spell becomes '_'. */
static void module_name(const struct options *opt, char *buf, size_t cap)
{
    const char *f = opt->units.files[0];
    if (opt->module) {
        snprintf(buf, cap, "%s", opt->module);
    } else if (!kbuild_object(f, buf, cap)) {
        char real[PATH_MAX];
        const char *path = realpath(f, real) ? real : f;
        const char *b = strrchr(path, '/');
        if (opt->units.nfiles > 1 && b && b != path) {
            const char *d = b;
            while (d > path && d[-1] != '/')
                d--;
            snprintf(buf, cap, "%.*s", (int)(b - d), d);
        } else {
            snprintf(buf, cap, "%s", b ? b + 1 : path);
            char *dot = strrchr(buf, '.');
            if (dot)
                *dot = 0;
        }
    }
    for (char *p = buf; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    if (buf[0] >= '0' && buf[0] <= '9')
        buf[0] = '_';
}

/* Creates the directories above path that do not exist (-o a/b/x.idl). */
static int make_parents(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The walk of one unit, as parse_units hands it over. */
struct walk_state {
    struct analysis *a;
    const struct unit_list *u;
    int errors;
    double walk_seconds;
};

static int walk_unit(void *ctx, int f, CXTranslationUnit tu, enum CXErrorCode err)
{
    struct walk_state *w = ctx;
    struct analysis *a = w->a;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    w->errors += report_unit_errors(w->u->files[f], tu, err);
    if (err != CXError_Success)
        return 0;
    analysis_begin_unit(a, w->u->dirs ? w->u->dirs[f] : NULL);
    clang_visitChildren(clang_getTranslationUnitCursor(tu), top_visit, a);
    clang_getInclusions(tu, inclusion, a);
    int dispose = !unit_in_use(a, tu); /* else the sets point into it */
    if (dispose)
        clang_disposeTranslationUnit(tu);
    w->walk_seconds += seconds_since(&t0);
    return dispose;
}

/* Parses and walks every unit; returns the number of parse errors, or -1. */
static int analyse(struct analysis *a, const struct unit_list *u, struct split_timing *t)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Parsing (kernel headers, mostly) is nearly all the time: the units
     * are parsed in parallel, one CXIndex per thread, and walked in order
     * as they are ready (the walk is quick). */
    struct parsed_units p;
    struct walk_state w = {a, u, 0, 0};
    if (parse_units(u, a, &p, walk_unit, &w) < 0)
        return -1;
    t->precompiled_headers = p.precompiled_headers;
    t->parse_seconds = seconds_since(&t0) - w.walk_seconds; /* libclang's part */
    int errors = w.errors;
    drop_driver_defined_calls(a);
    drop_unreachable_calls(a);
    resolve_pending_refs(a);
    t->seconds = seconds_since(&t0);
    t->parse_errors = errors;
    return errors;
}

int main(int argc, char **argv)
{
    /* Two malloc arenas, not one per parsing thread: each thread's arena
     * would keep the parse's freed temporaries (ixgbe: 1.07 GB peak with
     * one per thread, 1.02 GB with two; docs/analyzer.md). */
    mallopt(M_ARENA_MAX, 2);
    struct analysis *a = calloc(1, sizeof *a);
    if (a)
        a->current_def = clang_getNullCursor();
    struct options opt = {0};
    if (!a) {
        fprintf(stderr, "cordon-split: out of memory\n");
        return 2;
    }
    int status = parse_args(argc, argv, a, &opt);
    if (status >= 0)
        return status;
    for (int i = 0; i < opt.units.nfiles; i++) { /* before libclang says "error 1" */
        if (access(opt.units.files[i], R_OK) != 0) {
            fprintf(stderr, "%s: error: %s\n", opt.units.files[i], strerror(errno));
            return 1;
        }
    }
    set_driver_dirs(a, &opt.units);
    if (!a->driver_dirs) {
        fprintf(stderr, "cordon-split: out of memory\n");
        return 2;
    }
    struct split_timing t = {0};
    if (analyse(a, &opt.units, &t) < 0) {
        fprintf(stderr, "cordon-split: out of memory\n");
        return 2;
    }
    char modname[128];
    module_name(&opt, modname, sizeof modname);

    FILE *o = opt.out && make_parents(opt.out) == 0 ? fopen(opt.out, "w")
              : opt.out                             ? NULL
              : opt.json                            ? NULL
                                                    : stdout;
    if (opt.out && !o) {
        perror(opt.out);
        return 2;
    }
    if (write_idl(a, o, opt.units.files, opt.units.nfiles, modname) < 0)
        return 2;
    if (o && o != stdout)
        fclose(o);
    if (opt.json)
        report_json(a, stdout, modname, &t);
    else
        report_text(a, stderr, &t);
    return t.parse_errors ? 1 : 0;
}

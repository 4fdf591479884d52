/* parse.c - parses the translation units in parallel. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "pch.h"
#include "units.h"

/* Warnings inside kernel headers are not ours to report and cost time to
 * build (ixgbe's units include thousands of header lines each). */
#define CDN_PARSE_OPTIONS CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles

/* The work the parsing threads share: the next file to parse, and which
 * are parsed (the walking thread waits for them, in order). */
struct parse_job {
    const char **files;
    int nfiles, next, done;
    const char *const *args; /* flags for every file */
    int nargs;
    char ***full_argv; /* or a command per file (with a shared header) */
    int *full_argc;
    int fell_back; /* units a shared header did not suit, parsed plainly */
    CXTranslationUnit *tus;
    enum CXErrorCode *err;
    unsigned char *parsed;
    pthread_mutex_t lock;
    pthread_cond_t parsed_cond;
};

static int unit_has_errors(CXTranslationUnit tu, enum CXErrorCode err);

static void *parse_worker(void *arg)
{
    struct parse_job *j = arg;
    CXIndex idx = clang_createIndex(0, 0); /* kept: its units live on */
    for (;;) {
        pthread_mutex_lock(&j->lock);
        int f = j->next < j->nfiles ? j->next++ : -1;
        pthread_mutex_unlock(&j->lock);
        if (f < 0)
            break;
        CXTranslationUnit tu = NULL;
        enum CXErrorCode err = CXError_Failure;
        int fell_back = 0;
        if (j->full_argv) {
            err =
                clang_parseTranslationUnit2(idx, j->files[f], (const char *const *)j->full_argv[f],
                                            j->full_argc[f], NULL, 0, CDN_PARSE_OPTIONS, &tu);
            if (unit_has_errors(tu, err)) { /* the shared header did not suit it */
                if (tu)
                    clang_disposeTranslationUnit(tu);
                tu = NULL;
                fell_back = 1;
            }
        }
        if (!j->full_argv || fell_back)
            err = clang_parseTranslationUnit2(idx, j->files[f], j->args, j->nargs, NULL, 0,
                                              CDN_PARSE_OPTIONS, &tu);
        pthread_mutex_lock(&j->lock);
        j->tus[f] = tu;
        j->err[f] = err;
        j->fell_back += fell_back;
        j->parsed[f] = 1;
        pthread_cond_broadcast(&j->parsed_cond);
        j->done++;
        if (j->nfiles > 4) /* progress, for long runs */
            fprintf(stderr, "[%d/%d] %s\n", j->done, j->nfiles, j->files[f]);
        pthread_mutex_unlock(&j->lock);
    }
    return NULL;
}

/*
 * Parses every unit of job on one thread per CPU while this thread hands
 * each to walk as soon as it and all before it are parsed: the walk sees
 * the units in command-line order, and a unit it is done with can be
 * disposed of before the last is parsed (ixgbe's 21 units, each with its whole AST,
 * would otherwise all be alive at once).
 */
static void parse_all(struct parse_job *job, split_walk_fn walk, void *ctx)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = (int)(ncpu < 1 ? 1 : ncpu > 16 ? 16 : ncpu);
    if (nthreads > job->nfiles)
        nthreads = job->nfiles;
    pthread_t threads[16];
    int started[16] = {0}, nstarted = 0;
    for (int t = 0; t < nthreads; t++)
        nstarted += started[t] = pthread_create(&threads[t], NULL, parse_worker, job) == 0;
    if (!nstarted)
        parse_worker(job); /* no thread: this one parses it all first */
    for (int f = 0; f < job->nfiles; f++) {
        pthread_mutex_lock(&job->lock);
        while (!job->parsed[f])
            pthread_cond_wait(&job->parsed_cond, &job->lock);
        pthread_mutex_unlock(&job->lock);
        if (walk(ctx, f, job->tus[f], job->err[f]))
            job->tus[f] = NULL;
    }
    for (int t = 0; t < nthreads; t++)
        if (started[t])
            pthread_join(threads[t], NULL);
}

/* Whether a unit failed or has an error diagnostic. */
static int unit_has_errors(CXTranslationUnit tu, enum CXErrorCode err)
{
    if (err != CXError_Success || !tu)
        return 1;
    for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
        CXDiagnostic dg = clang_getDiagnostic(tu, i);
        int bad = clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error;
        clang_disposeDiagnostic(dg);
        if (bad)
            return 1;
    }
    return 0;
}

/* What the driver includes inside a shared header, as inclusion() would
 * have recorded it: <linux/x.h>. */
static void note_pch_includes(struct analysis *a, const struct split_pch *pch)
{
    for (int i = 0; i < pch->nlines; i++) {
        const char *lt = strchr(pch->lines[i], '<');
        const char *gt = lt ? strchr(lt, '>') : NULL;
        if (lt && gt && !strncmp(lt + 1, "linux/", 6)) {
            char h[512];
            snprintf(h, sizeof h, "%.*s", (int)(gt - lt - 1), lt + 1);
            set_add(&a->includes, h, NULL, clang_getNullCursor());
        }
    }
}

int parse_units(const struct unit_list *u, struct analysis *a, struct parsed_units *out,
                split_walk_fn walk, void *ctx)
{
    struct parse_job job = {.files = u->files,
                            .nfiles = u->nfiles,
                            .args = u->args,
                            .nargs = u->nargs,
                            .full_argv = u->argv,
                            .full_argc = u->argc};
    job.tus = calloc((size_t)u->nfiles, sizeof *job.tus);
    job.err = calloc((size_t)u->nfiles, sizeof *job.err);
    job.parsed = calloc((size_t)u->nfiles, 1);
    if (!job.tus || !job.err || !job.parsed) {
        free(job.tus);
        free(job.err);
        free(job.parsed);
        return -1;
    }
    pthread_mutex_init(&job.lock, NULL);
    pthread_cond_init(&job.parsed_cond, NULL);
    /* The headers groups of files begin with, parsed once. */
    struct split_pch pch = {0};
    if (!u->argv && !getenv("CORDON_SPLIT_NO_PCH") &&
        split_pch_build(u->files, u->nfiles, u->args, u->nargs, &pch)) {
        job.full_argv = pch.argv;
        job.full_argc = pch.argc;
        note_pch_includes(a, &pch);
    }
    parse_all(&job, walk, ctx);
    out->precompiled_headers = job.full_argv && !u->argv && job.fell_back < u->nfiles ? pch.n : 0;
    split_pch_remove(&pch);
    pthread_cond_destroy(&job.parsed_cond);
    pthread_mutex_destroy(&job.lock);
    free(job.parsed);
    out->tus = job.tus;
    out->err = job.err;
    return 0;
}

int report_unit_errors(const char *file, CXTranslationUnit tu, enum CXErrorCode err)
{
    if (err != CXError_Success) {
        fprintf(stderr, "%s: error: cannot parse (libclang error %d)\n", file, (int)err);
        return 1;
    }
    int errors = 0;
    unsigned nd = clang_getNumDiagnostics(tu);
    for (unsigned i = 0; i < nd; i++) {
        CXDiagnostic dg = clang_getDiagnostic(tu, i);
        if (clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error) {
            CXString s = clang_formatDiagnostic(dg, clang_defaultDiagnosticDisplayOptions());
            fprintf(stderr, "%s\n", clang_getCString(s));
            clang_disposeString(s);
            errors++;
        }
        clang_disposeDiagnostic(dg);
    }
    return errors;
}

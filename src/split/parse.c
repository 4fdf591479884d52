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

/* The work the parsing threads share: the next file to parse. */
struct parse_job {
    const char **files;
    int nfiles, next, done;
    const char *const *args; /* flags for every file */
    int nargs;
    char ***full_argv; /* or a command per file */
    int *full_argc;
    CXTranslationUnit *tus;
    enum CXErrorCode *err;
    pthread_mutex_t lock;
};

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
        if (j->full_argv)
            j->err[f] = clang_parseTranslationUnit2(
                idx, j->files[f], (const char *const *)j->full_argv[f], j->full_argc[f], NULL, 0,
                CDN_PARSE_OPTIONS, &j->tus[f]);
        else
            j->err[f] = clang_parseTranslationUnit2(idx, j->files[f], j->args, j->nargs, NULL, 0,
                                                    CDN_PARSE_OPTIONS, &j->tus[f]);
        pthread_mutex_lock(&j->lock);
        j->done++;
        if (j->nfiles > 4) /* progress, for long runs */
            fprintf(stderr, "[%d/%d] %s\n", j->done, j->nfiles, j->files[f]);
        pthread_mutex_unlock(&j->lock);
    }
    return NULL;
}

/* Parses every unit of job, in parallel. */
static void parse_all(struct parse_job *job)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = (int)(ncpu < 1 ? 1 : ncpu > 16 ? 16 : ncpu);
    if (nthreads > job->nfiles)
        nthreads = job->nfiles;
    pthread_t threads[16];
    int started[16] = {0};
    for (int t = 0; t < nthreads; t++)
        started[t] = pthread_create(&threads[t], NULL, parse_worker, job) == 0;
    parse_worker(job); /* this thread helps too (and does it all without threads) */
    for (int t = 0; t < nthreads; t++)
        if (started[t])
            pthread_join(threads[t], NULL);
}

/* Whether any unit failed or has an error diagnostic. */
static int units_have_errors(struct parse_job *job)
{
    for (int f = 0; f < job->nfiles; f++) {
        if (job->err[f] != CXError_Success)
            return 1;
        for (unsigned i = 0; i < clang_getNumDiagnostics(job->tus[f]); i++) {
            CXDiagnostic dg = clang_getDiagnostic(job->tus[f], i);
            int bad = clang_getDiagnosticSeverity(dg) >= CXDiagnostic_Error;
            clang_disposeDiagnostic(dg);
            if (bad)
                return 1;
        }
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

int parse_units(const struct unit_list *u, struct analysis *a, struct parsed_units *out)
{
    struct parse_job job = {.files = u->files,
                            .nfiles = u->nfiles,
                            .args = u->args,
                            .nargs = u->nargs,
                            .full_argv = u->argv,
                            .full_argc = u->argc};
    job.tus = calloc((size_t)u->nfiles, sizeof *job.tus);
    job.err = calloc((size_t)u->nfiles, sizeof *job.err);
    if (!job.tus || !job.err) {
        free(job.tus);
        free(job.err);
        return -1;
    }
    pthread_mutex_init(&job.lock, NULL);
    /* The headers groups of files begin with, parsed once. */
    struct split_pch pch = {0};
    if (!u->argv && !getenv("CORDON_SPLIT_NO_PCH") &&
        split_pch_build(u->files, u->nfiles, u->args, u->nargs, &pch)) {
        job.full_argv = pch.argv;
        job.full_argc = pch.argc;
        note_pch_includes(a, &pch);
    }
    parse_all(&job);
    if (job.full_argv && !u->argv && units_have_errors(&job)) {
        /* a shared header did not suit every unit: parse them plainly */
        for (int f = 0; f < u->nfiles; f++)
            if (job.tus[f])
                clang_disposeTranslationUnit(job.tus[f]);
        memset(job.tus, 0, sizeof *job.tus * (size_t)u->nfiles);
        job.full_argv = NULL;
        job.full_argc = NULL;
        job.next = job.done = 0;
        parse_all(&job);
    }
    out->precompiled_headers = job.full_argv && !u->argv ? pch.n : 0;
    split_pch_remove(&pch);
    pthread_mutex_destroy(&job.lock);
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

/*
 * units.h - the translation units cordon-split analyses: named on the
 * command line (with one set of flags for all) or taken from a
 * compile_commands.json (with each entry's own flags), then parsed.
 */
#ifndef CORDON_SPLIT_UNITS_H
#define CORDON_SPLIT_UNITS_H

#include <clang-c/Index.h>

struct analysis;

struct unit_list {
    const char **files;
    int nfiles;
    const char *const *args; /* flags for every file (after "--") */
    int nargs;
    char ***argv; /* or, from compile_commands.json: flags per file */
    int *argc;
    char **dirs; /* and the directory each entry's relative paths are in */
};

/*
 * Fills u from DB_DIR/compile_commands.json: the entries of the named files,
 * or every entry when none is named; extra flags are added to each. Returns
 * 0, or the exit status after printing the error (2 for a database that
 * cannot be loaded, 1 for a named file it does not hold).
 */
int compdb_load(const char *db_dir, const char *const *named, int nnamed, const char *const *extra,
                int nextra, struct unit_list *u);

struct parsed_units {
    CXTranslationUnit *tus; /* per file (the walk may dispose of one: NULL) */
    enum CXErrorCode *err;
    int precompiled_headers; /* shared headers used */
};

/* Called for unit f, in file order, once it is parsed; returns 1 if it
 * disposed of tu (its entry in tus becomes NULL), else 0. */
typedef int (*split_walk_fn)(void *ctx, int f, CXTranslationUnit tu, enum CXErrorCode err);

/*
 * Parses every unit of u in parallel, sharing precompiled headers among
 * files that begin with the same #include lines (src/split/pch.c) unless
 * CORDON_SPLIT_NO_PCH is set (a unit the shared header does not suit is
 * parsed again without it); the headers those hold are added to
 * a->includes. Hands each unit to walk as it is ready, in order. Returns
 * 0, or -1 when out of memory.
 */
int parse_units(const struct unit_list *u, struct analysis *a, struct parsed_units *out,
                split_walk_fn walk, void *ctx);

/* Prints the unit's error diagnostics (or its failure); returns how many. */
int report_unit_errors(const char *file, CXTranslationUnit tu, enum CXErrorCode err);

#endif

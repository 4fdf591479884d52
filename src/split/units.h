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
    CXTranslationUnit *tus; /* per file; kept: the analysis points into them */
    enum CXErrorCode *err;
    int precompiled_headers; /* shared headers used */
};

/*
 * Parses every unit of u in parallel, sharing precompiled headers among
 * files that begin with the same #include lines (src/split/pch.c) unless
 * CORDON_SPLIT_NO_PCH is set; the headers those hold are added to
 * a->includes. Returns 0, or -1 when out of memory.
 */
int parse_units(const struct unit_list *u, struct analysis *a, struct parsed_units *out);

/* Prints the unit's error diagnostics (or its failure); returns how many. */
int report_unit_errors(const char *file, CXTranslationUnit tu, enum CXErrorCode err);

#endif

/* pch.h - precompiled headers shared by a driver's translation units. */
#ifndef CORDON_SPLIT_PCH_H
#define CORDON_SPLIT_PCH_H

#define SPLIT_PCH_MAX 8

struct split_pch {
    int n;                          /* headers built */
    char path[SPLIT_PCH_MAX][4300]; /* each in its own temporary directory */
    char ***argv;                   /* per file: its flags, with -include-pch if it has one */
    int *argc;
    int nfiles;
    /* the #include lines the headers hold (the units' inclusion lists no
     * longer show them, and the IDL's include list is made from those) */
    char (*lines)[512];
    int nlines;
};

/*
 * Groups the files (all in one directory) by the #include lines they begin
 * with; for each group of two or more, parses the lines its members share
 * once into a precompiled header, with the units' own flags. Returns 1 with
 * each file's argument vector in out->argv and out->argc (the flags, plus
 * -include-pch for members of a group), or 0 if no header was worth
 * building (parse the ordinary way).
 */
int split_pch_build(const char *const *files, int nfiles, const char *const *args, int nargs,
                    struct split_pch *out);

/* Removes the headers and their directories, and frees the vectors. */
void split_pch_remove(struct split_pch *p);

#endif

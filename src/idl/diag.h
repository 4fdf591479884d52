/* diag.h - compiler diagnostics: "file:line:col: error: message", the source
 * line, and a caret under the column. */
#ifndef CORDON_IDL_DIAG_H
#define CORDON_IDL_DIAG_H

#include <stdio.h>

#include "ast.h"

#define IDL_MAX_ERRORS 50

struct idl_diag {
    const char *path;
    const char *src; /* the whole source, for quoting lines */
    size_t len;
    FILE *out;
    int errors;
    int stopped; /* IDL_MAX_ERRORS reached: callers should wind down */
};

void idl_diag_init(struct idl_diag *d, const char *path, const char *src, size_t len, FILE *out);

__attribute__((format(printf, 3, 4))) void idl_error(struct idl_diag *d, struct idl_loc loc,
                                                     const char *fmt, ...);
__attribute__((format(printf, 3, 4))) void idl_note(struct idl_diag *d, struct idl_loc loc,
                                                    const char *fmt, ...);

#endif

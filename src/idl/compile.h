/* compile.h - the compiler as a library call (used by cordon-idlc, the
 * tests and the fuzzer). */
#ifndef CORDON_IDL_COMPILE_H
#define CORDON_IDL_COMPILE_H

#include <stdio.h>

#include "ast.h"

/* Parses and checks src; diagnostics go to `out` under the name `path`.
 * Returns the number of errors; the file is valid when it returns 0 and
 * must be freed with idl_file_free either way. */
int idl_compile(struct idl_file *f, const char *path, const char *src, size_t len, FILE *out);

#endif

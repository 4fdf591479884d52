/* gen.h - C code generation from a checked IDL file. */
#ifndef CORDON_IDL_GEN_H
#define CORDON_IDL_GEN_H

#include <stdint.h>

#include "ast.h"

#define GEN_HOST   1u
#define GEN_DOMAIN 2u
#define GEN_DRY    4u /* run every generation check, write nothing (--check) */

/* A fingerprint of what f makes cross the boundary (fingerprint.c): the
 * generated sides compare theirs when the host's glue starts. */
uint64_t idl_fingerprint(const struct idl_file *f);

/* Writes the generated files for `sides` into dir (nothing with GEN_DRY).
 * Returns 0; 1 after printing an error in the IDL that only generation
 * finds (file:line:col: error: ...); -1 after printing an I/O error. */
int idl_generate(const struct idl_file *f, const char *dir, unsigned sides);

#endif

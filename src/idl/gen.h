/* gen.h - C code generation from a checked IDL file. */
#ifndef CORDON_IDL_GEN_H
#define CORDON_IDL_GEN_H

#include <stdint.h>

#include "ast.h"

#define GEN_HOST   1u
#define GEN_DOMAIN 2u

/* A fingerprint of what f makes cross the boundary (fingerprint.c): the
 * generated sides compare theirs when the host's glue starts. */
uint64_t idl_fingerprint(const struct idl_file *f);

/* Writes the generated files for `sides` into dir. Returns 0, or -1 after
 * printing an I/O error. */
int idl_generate(const struct idl_file *f, const char *dir, unsigned sides);

#endif

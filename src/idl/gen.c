/* gen.c - placeholder until the generators land: refuses honestly. */
#include <stdio.h>

#include "gen.h"

int idl_generate(const struct idl_file *f, const char *dir, unsigned sides)
{
    (void)dir;
    (void)sides;
    fprintf(stderr, "cordon-idlc: %s: code generation is not implemented yet; use --check\n",
            f->path);
    return -1;
}

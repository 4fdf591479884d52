/* compile.c - parse + check in one call (see compile.h). */
#include <string.h>

#include "compile.h"
#include "diag.h"
#include "parser.h"

int idl_compile(struct idl_file *f, const char *path, const char *src, size_t len, FILE *out)
{
    struct idl_diag diag;
    idl_diag_init(&diag, path, src, len, out);
    memset(f, 0, sizeof *f);
    f->path = path;
    if (memchr(src, 0, len)) {
        struct idl_loc l = {1, 1};
        idl_error(&diag, l, "the file contains a NUL byte; not an IDL text file");
        return diag.errors;
    }
    /* Check even after syntax errors: the parser drops only the broken
     * declarations, so the rest still gets its semantic errors. */
    idl_parse(f, src, len, &diag);
    if (!diag.stopped)
        idl_check(f, &diag);
    if (diag.errors)
        fprintf(out, "%d error%s generated.\n", diag.errors, diag.errors == 1 ? "" : "s");
    return diag.errors;
}

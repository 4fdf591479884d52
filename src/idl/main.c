/*
 * cordon-idlc - the IDL compiler.
 *
 *   cordon-idlc FILE.idl -o DIR [--side host|domain|both]
 *   cordon-idlc --check FILE.idl
 *
 * Exit status: 0 success, 1 errors in the input (reported on stderr as
 * file:line:col: error: ...), 2 usage or I/O errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen.h"
#include "compile.h"

#define MAX_INPUT (16u << 20)

static void usage(FILE *f)
{
    fprintf(f, "usage: cordon-idlc FILE.idl -o DIR [--side host|domain|both]\n"
               "       cordon-idlc --check FILE.idl\n"
               "\n"
               "Compiles a cordon IDL file (docs/idl.md) into C glue:\n"
               "  DIR/NAME_common.h          rpc ids, handle types, shared declarations\n"
               "  DIR/NAME_host.{h,c}        host side: dispatch, caller stubs, trampolines\n"
               "  DIR/NAME_domain.{h,c}      domain side: stubs with the original names, dispatch\n"
               "\n"
               "  -o DIR        output directory (created if missing)\n"
               "  --side S      host, domain or both (default both)\n"
               "  --check       every check generation makes (and parsing, typing); write\n"
               "                nothing\n"
               "  --help        this text\n"
               "\n"
               "Errors are printed as file:line:col: error: message. Exit status: 0 ok,\n"
               "1 errors in the input, 2 usage or I/O error.\n");
}

/* mkdir -p: the output directory and any missing parents. */
static int make_dirs(const char *path)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s && *s != '/')
            continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return -1;
        if (!c)
            return 0;
        *s = c;
    }
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_INPUT) {
                errno = EFBIG;
                free(buf);
                fclose(fp);
                return NULL;
            }
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *side = "both";
    int check_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--check") == 0) {
            check_only = 1;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--side") == 0 && i + 1 < argc) {
            side = argv[++i];
        } else if (argv[i][0] != '-' && !in) {
            in = argv[i];
        } else {
            fprintf(stderr, "cordon-idlc: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    unsigned sides = strcmp(side, "host") == 0     ? GEN_HOST
                     : strcmp(side, "domain") == 0 ? GEN_DOMAIN
                     : strcmp(side, "both") == 0   ? GEN_HOST | GEN_DOMAIN
                                                   : 0;
    if (!in || (!out && !check_only) || !sides) {
        usage(stderr);
        return 2;
    }
    size_t len;
    char *src = read_file(in, &len);
    if (!src) {
        fprintf(stderr, "cordon-idlc: %s: %s\n", in, strerror(errno));
        return 2;
    }
    struct idl_file file;
    int rc = idl_compile(&file, in, src, len, stderr) ? 1 : 0;
    if (rc == 0 && check_only) {
        /* every check generation makes, with nothing written */
        rc = idl_generate(&file, "/", sides | GEN_DRY) == 0 ? 0 : 1;
    } else if (rc == 0) {
        if (make_dirs(out) != 0) {
            fprintf(stderr, "cordon-idlc: %s: %s\n", out, strerror(errno));
            rc = 2;
        } else {
            int g = idl_generate(&file, out, sides);
            rc = g < 0 ? 2 : g; /* 1: an error in the IDL; 2: I/O */
        }
    }
    idl_file_free(&file);
    free(src);
    return rc;
}

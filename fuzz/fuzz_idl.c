/*
 * fuzz_idl.c - libFuzzer target for the IDL front end (lexer, parser,
 * checker). Any input must compile or be rejected with diagnostics; never a
 * crash, an out-of-bounds access or a hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/idl/compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    char *src = malloc(size + 1);
    memcpy(src, data, size);
    src[size] = 0;
    struct idl_file f;
    idl_compile(&f, "fuzz.idl", src, size, sink);
    idl_file_free(&f);
    free(src);
    return 0;
}

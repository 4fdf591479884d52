/*
 * test_idl_tidy.c - the generator's last pass (src/idl/tidy.c): what it
 * drops, what it must keep, and how it wraps. Each case is a small piece of
 * C shaped like the generator's output.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/idl/gen_impl.h"
#include "util.h"

static char *tidy(const char *in)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    assert_non_null(o);
    assert_int_equal(gen_tidy(in, strlen(in), o), 0);
    fclose(o);
    return buf;
}

/* An unused helper goes with its prototype and its comment, and so does a
 * helper only it called; the exported function and what it calls stay. */
static void test_unused_helpers_go(void **state)
{
    (void)state;
    const char *in = "static void leaf(int x);\n"
                     "static void mid(int x);\n"
                     "static void used(int x);\n"
                     "\n"
                     "/* leaf: called by mid only */\n"
                     "static void leaf(int x)\n{\n    (void)x;\n}\n\n"
                     "/* mid: called by nobody */\n"
                     "static void mid(int x)\n{\n    leaf(x);\n}\n\n"
                     "static void used(int x)\n{\n    (void)x;\n}\n\n"
                     "int api(int x)\n{\n    used(x); /* mid(x) in a comment is no call */\n"
                     "    return x;\n}\n";
    char *outp = tidy(in);
    assert_null(strstr(outp, "leaf"));
    assert_null(strstr(outp, "static void mid"));
    assert_null(strstr(outp, "called by nobody"));
    assert_non_null(strstr(outp, "static void used(int x);"));
    assert_non_null(strstr(outp, "static void used(int x)\n{"));
    assert_non_null(strstr(outp, "int api(int x)"));
    assert_null(strstr(outp, "\n\n\n")); /* no blank lines pile up where items went */
    free(outp);
}

/* static inline functions (validators in headers) are never dropped. */
static void test_static_inline_stays(void **state)
{
    (void)state;
    char *outp = tidy("static inline int valid(int v)\n{\n    return v == 1;\n}\n");
    assert_non_null(strstr(outp, "static inline int valid"));
    free(outp);
}

/* "(void)x;" goes when x is read elsewhere in the body; it stays when x is
 * only a parameter, only assigned, or only named in a comment or string. */
static void test_void_lines(void **state)
{
    (void)state;
    const char *in = "int f(int a, int b, int c, int d, int e)\n{\n"
                     "    int v = a;\n"
                     "    (void)a;\n"
                     "    (void)b;\n"
                     "    (void)c;\n"
                     "    (void)d;\n"
                     "    (void)e;\n"
                     "    (void)v;\n"
                     "    c = 1; /* b */\n"
                     "    puts(\"d\");\n"
                     "    return e;\n}\n";
    char *outp = tidy(in);
    assert_null(strstr(outp, "(void)a;"));
    assert_non_null(strstr(outp, "(void)b;"));
    assert_non_null(strstr(outp, "(void)c;"));
    assert_non_null(strstr(outp, "(void)d;"));
    assert_null(strstr(outp, "(void)e;"));
    assert_non_null(strstr(outp, "(void)v;")); /* v is only initialised */
    free(outp);
}

static int longest_line(const char *s)
{
    int best = 0;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        best = n > best ? n : best;
        p = nl ? nl + 1 : p + n;
    }
    return best;
}

/* A long call wraps after a comma, under its open parenthesis; a string
 * is never cut; a macro line and a comment are left alone. */
static void test_wrapping(void **state)
{
    (void)state;
    const char *in =
        "void g(void)\n{\n"
        "    some_function_with_a_long_name(first_argument_value, second_argument_value, "
        "third_argument_value, \"a, string, with, commas\");\n"
        "}\n"
        "#define M(x) a_very_long_macro_body_that_goes_on(x, and_on, and_on, and_on, and_on, "
        "and_on_for_ever)\n"
        "/* a comment line that is longer than the limit, longer than the limit, longer than "
        "the limit */\n";
    char *outp = tidy(in);
    assert_non_null(strstr(outp, "    some_function_with_a_long_name(first_argument_value, "
                                 "second_argument_value,\n"
                                 "                                   third_argument_value, "
                                 "\"a, string, with, commas\");\n"));
    assert_non_null(strstr(outp, "#define M(x) a_very_long_macro_body_that_goes_on(x, and_on, "
                                 "and_on, and_on, and_on, and_on_for_ever)\n"));
    assert_non_null(strstr(outp, "/* a comment line that is longer than the limit"));
    /* everything but the macro and the comment fits */
    const char *macro = strstr(outp, "#define");
    char *code = strndup(outp, (size_t)(macro - outp));
    assert_true(longest_line(code) <= 100);
    free(code);
    free(outp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unused_helpers_go),
        cmocka_unit_test(test_static_inline_stays),
        cmocka_unit_test(test_void_lines),
        cmocka_unit_test(test_wrapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_idl_parse.c - the IDL front end: a valid file with every feature
 * compiles cleanly; each of 61 malformed inputs produces its expected first
 * diagnostic (position and text); the source line and caret are quoted;
 * several errors are reported in one run; hostile inputs end in bounded time.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/idl/compile.h"
#include "../src/idl/gen.h"
#include "util.h"

struct diag_out {
    char *text;
    int errors;
};

static struct diag_out compile(const char *src)
{
    struct diag_out d = {NULL, 0};
    size_t len = 0;
    FILE *out = open_memstream(&d.text, &len);
    struct idl_file f;
    d.errors = idl_compile(&f, "t.idl", src, strlen(src), out);
    idl_file_free(&f);
    fclose(out);
    return d;
}

static const struct {
    const char *name, *src, *expect;
} cases[] = {
#include "idl_cases.inc"
};

static void test_malformed_inputs(void **state)
{
    (void)state;
    size_t n = sizeof cases / sizeof cases[0];
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        struct diag_out d = compile(cases[i].src);
        char want[512];
        snprintf(want, sizeof want, "t.idl:%s", cases[i].expect);
        char *first = strstr(d.text, "t.idl:");
        char *eol = first ? strchr(first, '\n') : NULL;
        if (eol)
            *eol = 0;
        if (d.errors == 0 || !first || strcmp(first, want) != 0)
            fail_msg("case %s:\n  want %s\n  got  %s", cases[i].name, want,
                     first ? first : "(no diagnostic)");
        free(d.text);
    }
}

static const char *valid =
    "// every feature once\n"
    "include \"kernel/netdevice.h\";\n"
    "module demo {\n"
    "    enum tx { TX_OK = 0, TX_BUSY = 16, TX_NEG = -1 }\n"
    "    rpc projection dev [alloc(callee)] *alloc_dev(s32 priv, string<16> name);\n"
    "    rpc s32 register_dev(projection dev *d);\n"
    "    rpc void free_dev(projection dev [dealloc(callee)] *d);\n"
    "    rpc u64 sum(u32 n, array<u64, {{n}}, 32> v, array<u8, 6> mac, array<s16, null, 8> z);\n"
    "    rpc bool put(shared<4096> [lend] *buf, shared<65536> *owned, u32 [out] *err);\n"
    "    export rpc s32 demo_init(void);\n"
    "    export rpc void demo_exit();\n"
    "    rpc_ptr s32 open(projection dev *d);\n"
    "    rpc_ptr enum tx xmit(projection skb *s, projection dev *d);\n"
    "    projection <struct dev_ops> dev_ops { rpc_ptr open open; rpc_ptr xmit xmit; }\n"
    "    projection <struct dev> dev {\n"
    "        u32 [in, out] flags; u32 [out] mtu; u64 [unused] private_thing;\n"
    "        array<u8, 6> [in] addr; string<16> name;\n"
    "        projection dev_ops [alloc(caller)] *ops;\n"
    "        projection stats [out] stats;\n"
    "    }\n"
    "    projection <struct stats> stats { u64 rx; u64 tx; }\n"
    "    projection <struct skb> skb { u32 len; shared<2048> [in] *data; }\n"
    "    projection <struct module> module_ { u32 refcnt; }\n" /* a C name may be an IDL keyword */
    "};\n";

static void test_valid_file(void **state)
{
    (void)state;
    struct diag_out d = compile(valid);
    if (d.errors)
        fail_msg("valid file rejected:\n%s", d.text);
    free(d.text);
    struct idl_file f;
    FILE *out = fopen("/dev/null", "w");
    assert_int_equal(idl_compile(&f, "v.idl", valid, strlen(valid), out), 0);
    fclose(out);
    assert_string_equal(f.module, "demo");
    int nrpc = 0;
    for (struct idl_rpc *r = f.rpcs; r; r = r->next)
        assert_int_equal(r->id, (uint32_t)++nrpc);
    assert_int_equal(nrpc, 9);
    struct idl_projection *dev = idl_find_projection(&f, "dev");
    assert_non_null(dev);
    assert_int_equal(dev->nfields, 7);
    assert_string_equal(idl_find_projection(&f, "module_")->c_struct, "module");
    struct idl_enum *tx = idl_find_enum(&f, "tx");
    assert_int_equal(tx->items->next->next->value, -1);
    idl_file_free(&f);
}

static void test_quote_and_caret(void **state)
{
    (void)state;
    struct diag_out d = compile("module m {\n\trpc foo f(void);\n}\n");
    assert_non_null(strstr(d.text, "t.idl:2:6: error: unknown type 'foo'\n"));
    assert_non_null(strstr(d.text, "  \trpc foo f(void);\n  \t    ^\n"));
    assert_non_null(strstr(d.text, "1 error generated."));
    free(d.text);
}

static void test_many_errors_one_run(void **state)
{
    (void)state;
    struct diag_out d = compile("module m {\n"
                                "  rpc foo a(void);\n"
                                "  rpc void b(string s);\n"
                                "  rpc void c(u8 [out] x);\n"
                                "  projection <struct p> p { u8 x; u8 x; }\n"
                                "  rpc void b(void);\n"
                                "}\n");
    assert_int_equal(d.errors, 5);
    assert_non_null(strstr(d.text, "t.idl:2:7: error"));
    assert_non_null(strstr(d.text, "t.idl:3:14: error"));
    assert_non_null(strstr(d.text, "t.idl:4:17: error"));
    assert_non_null(strstr(d.text, "t.idl:5:38: error"));
    assert_non_null(strstr(d.text, "t.idl:6:12: error"));
    free(d.text);
}

/* Floods of garbage stop at the error cap and never hang. */
static void test_error_cap_and_garbage(void **state)
{
    (void)state;
    char *src = malloc(200001);
    for (int i = 0; i < 200000; i++)
        src[i] = "@{}<>[](;*,=\"x9 "[i % 16];
    src[200000] = 0;
    struct diag_out d = compile(src);
    assert_true(d.errors >= 1 && d.errors <= 50);
    free(d.text);
    for (int i = 0; i < 200000; i++)
        src[i] = "{"[0];
    d = compile(src);
    assert_true(d.errors >= 1);
    free(d.text);
    free(src);
}

/* An rpc_ptr slot no argument leads to passes the front end but not
 * generation: --check runs generation's checks too (GEN_DRY), and says
 * where, and an error in the IDL is status 1, not an I/O failure. */
static void test_check_runs_generation_checks(void **state)
{
    (void)state;
    static const char *unreachable = "module m {\n"
                                     "    rpc_ptr s32 open_fn(u32 x);\n"
                                     "    projection <struct ops> ops {\n"
                                     "        rpc_ptr open_fn open;\n"
                                     "    }\n"
                                     "    rpc s32 install(projection ops [alloc(caller)] *o);\n"
                                     "}\n";
    struct idl_file f;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(idl_compile(&f, "t.idl", unreachable, strlen(unreachable), out), 0);
    fclose(out);
    free(text);
    char *err = NULL;
    size_t elen = 0;
    FILE *saved = stderr;
    stderr = open_memstream(&err, &elen);
    int r = idl_generate(&f, "/", GEN_HOST | GEN_DOMAIN | GEN_DRY);
    fclose(stderr);
    stderr = saved;
    assert_int_equal(r, 1);
    if (!strstr(err, "t.idl:2:") || !strstr(err, "error: cannot reach"))
        fail_msg("expected a positioned error, got:\n%s", err);
    free(err);
    idl_file_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_inputs),
        cmocka_unit_test(test_valid_file),
        cmocka_unit_test(test_quote_and_caret),
        cmocka_unit_test(test_many_errors_one_run),
        cmocka_unit_test(test_error_cap_and_garbage),
        cmocka_unit_test(test_check_runs_generation_checks),
    };
    return cmocka_run_group_tests_name("idl-parse", tests, NULL, NULL);
}

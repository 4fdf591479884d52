/*
 * test_params.c - module parameters (linux/moduleparam.h): the parser on
 * records of every type, bad and unknown input; then drivers loaded with
 * parameters natively and in a process domain, a value that does not parse,
 * one the driver refuses, and the parameters surviving a restart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/core/core_impl.h"
#include "cordon_kernel.h"
#include "cordon_params.h"
#include "linux/blk-mq.h"
#include "linux/netdevice.h"
#include "kutil.h"
#include "util.h"

extern const struct cdn_driver_desc cdn_dummy_driver;
extern const struct cdn_driver_desc cdn_null_blk_driver;

static int v_int;
static unsigned int v_uint;
static bool v_bool;
static unsigned char v_byte;
static short v_short;
static unsigned long long v_ullong;
static char *v_str = "default";
static char v_str_buf[CDN_KPARAM_CHARP_MAX];
static const char *const no_desc = NULL;

static const struct cdn_kparam recs[] = {
    {"m", "an_int", CDN_KPARAM_int, &v_int, &no_desc, NULL},
    {"m", "a_uint", CDN_KPARAM_uint, &v_uint, &no_desc, NULL},
    {"m", "flag", CDN_KPARAM_bool, &v_bool, &no_desc, NULL},
    {"m", "byte", CDN_KPARAM_byte, &v_byte, &no_desc, NULL},
    {"m", "small", CDN_KPARAM_short, &v_short, &no_desc, NULL},
    {"other", "big", CDN_KPARAM_ullong, &v_ullong, &no_desc, NULL},
    {"m", "str", CDN_KPARAM_charp, &v_str, &no_desc, v_str_buf},
};
#define RECS_END (recs + sizeof recs / sizeof recs[0])

static void reset_vars(void)
{
    v_int = 7;
    v_uint = 7;
    v_bool = false;
    v_byte = 7;
    v_short = 7;
    v_ullong = 7;
    v_str = "default";
}

static int apply(const char *module, const char *s, struct cdn_params_result *res)
{
    return cdn_params_apply(recs, RECS_END, module, s, res);
}

static void test_parse_values(void **state)
{
    (void)state;
    struct cdn_params_result res;
    reset_vars();
    assert_int_equal(apply("m", " an_int=-12  a-uint=0x10 flag byte=255 small=-32768 ", &res), 0);
    assert_int_equal(v_int, -12);
    assert_int_equal(v_uint, 16); /* '-' and '_' alike in names; base 0 values */
    assert_true(v_bool);          /* a bare name: true */
    assert_int_equal(v_byte, 255);
    assert_int_equal(v_short, -32768);
    assert_int_equal(res.ntokens, 5);
    assert_int_equal(res.unknown, 0);
    assert_int_equal(res.bad_index, -1);
    assert_int_equal(apply("m", "flag=n", &res), 0);
    assert_false(v_bool);
    assert_int_equal(apply("m", "flag=on", &res), 0);
    assert_true(v_bool);
    /* another module's record is not ours; "" (a module's own binary) sees all */
    assert_int_equal(apply("m", "big=5", &res), 0);
    assert_int_equal(res.unknown, 1);
    assert_int_equal(v_ullong, 7);
    assert_int_equal(apply("", "big=18446744073709551615", &res), 0);
    assert_true(v_ullong == 18446744073709551615ull);
    assert_int_equal(apply("m", NULL, &res), 0);
    assert_int_equal(apply("m", "", &res), 0);
    assert_int_equal(res.ntokens, 0);
    /* charp: the variable points at a copy kept beside the record */
    assert_int_equal(apply("m", "str=eth-%d flag", &res), 0);
    assert_ptr_equal(v_str, v_str_buf);
    assert_string_equal(v_str, "eth-%d");
    assert_int_equal(apply("m", "str=", &res), 0);
    assert_string_equal(v_str, "");
    char longest[CDN_KPARAM_CHARP_MAX + 8] = "str=";
    memset(longest + 4, 'z', CDN_KPARAM_CHARP_MAX - 1);
    longest[4 + CDN_KPARAM_CHARP_MAX - 1] = 0;
    assert_int_equal(apply("m", longest, &res), 0);
    assert_int_equal(strlen(v_str), CDN_KPARAM_CHARP_MAX - 1);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int bad;
    } cases[] = {
        {"an_int=", 0},
        {"an_int=12x", 0},
        {"an_int=2147483648", 0},
        {"a_uint=-1", 0},
        {"a_uint=4294967296", 0},
        {"a_uint=+1", 0},
        {"flag=maybe", 0},
        {"byte=256", 0},
        {"small=32768", 0},
        {"an_int", 0},
        {"an_int=1 =5", 1},
        {"an_int=1 flag=2", 1},
        {"an_int= 1", 0},
        {"big=-1", 0},
        {"byte=0x100", 0},
        {"str=ok an_int=x", 1},
        {"str", 0},
        {"flag str", 1},
    };
    struct cdn_params_result res;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reset_vars();
        if (apply("", cases[i].s, &res) != -EINVAL || res.bad_index != cases[i].bad)
            fail_msg("\"%s\": status %d, bad %d (want -EINVAL at %d)", cases[i].s, res.status,
                     res.bad_index, cases[i].bad);
        /* nothing set when anything is bad */
        assert_string_equal(v_str, "default");
        assert_int_equal(v_int, 7);
        assert_int_equal(v_uint, 7);
        assert_false(v_bool);
    }
    /* a name or value too long for anyone, too many words, too long a string */
    char s[400];
    memset(s, 'a', 60);
    strcpy(s + 60, "=1");
    assert_int_equal(apply("", s, &res), -EINVAL);
    strcpy(s, "an_int=");
    memset(s + 7, '1', 70);
    s[77] = 0;
    assert_int_equal(apply("", s, &res), -EINVAL);
    strcpy(s, "str="); /* a string one byte over its storage */
    memset(s + 4, 'z', CDN_KPARAM_CHARP_MAX);
    s[4 + CDN_KPARAM_CHARP_MAX] = 0;
    reset_vars();
    assert_int_equal(apply("", s, &res), -EINVAL);
    assert_string_equal(v_str, "default");
    s[0] = 0;
    for (int i = 0; i < 65; i++)
        strcat(s, "x ");
    assert_int_equal(apply("", s, &res), -EINVAL);
    memset(s, ' ', 300);
    s[300] = 0;
    assert_int_equal(apply("", s, &res), -EINVAL);
    /* unknown names are reported, and ignored */
    reset_vars();
    assert_int_equal(apply("m", "nope=1 an_int=3 zzz", &res), 0);
    assert_int_equal(res.unknown, 5);
    assert_int_equal(v_int, 3);
}

static void test_token(void **state)
{
    (void)state;
    char n[CDN_PARAM_NAME], v[CDN_PARAM_VALUE];
    assert_int_equal(cdn_params_token("  a=1\tb  c=x=y ", 2, n, v), 0);
    assert_string_equal(n, "c");
    assert_string_equal(v, "x=y");
    assert_int_equal(cdn_params_token("  a=1\tb ", 1, n, v), 0);
    assert_string_equal(n, "b");
    assert_string_equal(v, "");
    assert_int_equal(cdn_params_token("a=1", 1, n, v), -1);
    assert_int_equal(cdn_params_token("=1", 0, n, v), -1);
    assert_int_equal(cdn_params_token(NULL, 0, n, v), -1);
}

static int count_devs(void)
{
    int n = 0;
    char name[16];
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof name, "dummy%d", i);
        n += dev_get_by_name(name) != NULL;
    }
    return n;
}

/* A charp parameter through a domain: net_bad logs its greeting on a
 * packet of length 75 - the default, then the string it was loaded with,
 * in the domain's own memory; a string over its storage fails the load. */
static void test_charp_in_a_domain(void **state)
{
    (void)state;
    static const struct {
        const char *params, *says;
        int status;
    } cases[] = {
        {NULL, "net_bad: greeting hello", 0},
        {"greeting=hi-there", "net_bad: greeting hi-there", 0},
        {"greeting=0123456789012345678901234567890123456789012345678901234567890123", NULL,
         -EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cdn_kernel_init(16u << 20), 0);
        struct cdn_driver_desc bad = cdn_dummy_driver;
        bad.name = "net_bad";
        struct cdn_driver_policy pol;
        cdn_driver_policy_init(&pol);
        pol.params = cases[i].params;
        struct cdn_driver drv;
        int r = cdn_driver_load_policy(&bad, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv);
        if (r != cases[i].status)
            fail_msg("%s: load %d (want %d) %s", cases[i].params ? cases[i].params : "(none)", r,
                     cases[i].status, drv.reason);
        if (r == 0) {
            struct net_device *dev = dev_get_by_name("bad0");
            struct sk_buff *skb = alloc_skb(75, GFP_KERNEL);
            assert_non_null(dev);
            assert_non_null(skb);
            skb->dev = dev;
            assert_int_equal(dev_queue_xmit(skb), 0);
            assert_int_equal(cdn_txring_sync(dev), 0);
            char buf[8192];
            if (!strstr(cdn_kernel_log_tail(buf, sizeof buf), cases[i].says))
                fail_msg("no \"%s\" in the log:\n%s", cases[i].says, buf);
            cdn_driver_unload(&drv);
        }
        cdn_kernel_exit();
    }
}

static void test_dummy_numdummies(void **state)
{
    (void)state;
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_PROCESS};
    for (int m = 0; m < 2; m++) {
        assert_int_equal(cdn_kernel_init(16u << 20), 0);
        struct cdn_driver_policy pol;
        cdn_driver_policy_init(&pol);
        char params[32];
        snprintf(params, sizeof params, "numdummies=%d", 3 + m);
        pol.params = params;
        struct cdn_driver drv;
        int r = cdn_driver_load_policy(&cdn_dummy_driver, modes[m], -1, test_lib_dir(), &pol, &drv);
        if (r != 0)
            fail_msg("%s: %d %s", cdn_drv_mode_name(modes[m]), r, drv.reason);
        params[0] = 0; /* copied at load */
        assert_int_equal(count_devs(), 3 + m);
        cdn_driver_unload(&drv);
        assert_int_equal(count_devs(), 0);
        if (modes[m] == CDN_DRV_NATIVE) {
            /* the native driver's variable is the host's: back to the default */
            pol.params = "numdummies=1";
            assert_int_equal(
                cdn_driver_load_policy(&cdn_dummy_driver, modes[m], -1, test_lib_dir(), &pol, &drv),
                0);
            cdn_driver_unload(&drv);
        }
        cdn_kernel_exit();
    }
}

/* Bad values fail the load with -EINVAL and say which; unknown names are
 * warned about; a value the driver itself refuses fails its init. */
static void test_bad_params(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    struct cdn_driver drv;
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    for (int m = 0; m < 3; m++) {
        pol.params = "numdummies=two";
        assert_int_equal(
            cdn_driver_load_policy(&cdn_dummy_driver, modes[m], -1, test_lib_dir(), &pol, &drv),
            -EINVAL);
        assert_non_null(strstr(drv.reason, "invalid value 'two' for parameter 'numdummies'"));
        assert_int_equal(count_devs(), 0);
        if (modes[m] != CDN_DRV_NATIVE)
            assert_null(drv.dom);
        pol.params = "numdummies=9"; /* parses; the driver refuses it */
        assert_int_equal(
            cdn_driver_load_policy(&cdn_dummy_driver, modes[m], -1, test_lib_dir(), &pol, &drv),
            -EINVAL);
        assert_int_equal(count_devs(), 0);
    }
    char much[300];
    memset(much, 'x', sizeof much - 1);
    much[sizeof much - 1] = 0;
    pol.params = much;
    assert_int_equal(
        cdn_driver_load_policy(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv),
        -EINVAL);
    char many[256] = "";
    for (int i = 0; i < 65; i++)
        strcat(many, "x ");
    pol.params = many;
    assert_int_equal(
        cdn_driver_load_policy(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv),
        -EINVAL);
    assert_non_null(strstr(drv.reason, "more than 64 module parameters"));
    pol.params = "bogus=1 numdummies=2";
    assert_int_equal(
        cdn_driver_load_policy(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv),
        0);
    assert_int_equal(count_devs(), 2);
    char buf[8192];
    assert_non_null(
        strstr(cdn_kernel_log_tail(buf, sizeof buf), "dummy: unknown parameter 'bogus' ignored"));
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
}

/* null_blk's memory_backed=0: writes are accepted and dropped, a read
 * leaves the caller's buffer as it was (Linux's null_blk without
 * memory_backed) - not what the write before it left in the heap buffer the
 * core lends the driver. A restart sets the parameters again. */
static void test_null_blk_params_survive_restart(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.params = "memory_backed=0 hw_queue_depth=8";
    struct cdn_driver drv;
    int r = cdn_driver_load_policy(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol,
                                   &drv);
    if (r != 0)
        fail_msg("load: %d %s", r, drv.reason);
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    static uint8_t w[4096], rd[4096];
    memset(w, 0x3c, sizeof w);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_WRITE, 0, sizeof w, w), 0);
        memset(rd, 0x11, sizeof rd);
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, sizeof rd, rd), 0);
        assert_int_equal(rd[0], 0x11); /* nothing was kept, nothing leaked */
        assert_int_equal(rd[4095], 0x11);
        assert_int_equal(disk->queue->tag_set->queue_depth, 8);
        if (round == 0) {
            kill(cdn_domain_pid(drv.dom), SIGKILL);
            while (cdn_domain_alive(drv.dom))
                usleep(50);
            /* the next request finds it dead; the supervisor restarts it */
            assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, sizeof rd, rd), 0);
            assert_int_equal(drv.stats.restarts, 1);
        }
    }
    cdn_driver_unload(&drv);
    /* a queue depth the block core refuses: the driver's init fails */
    pol.params = "hw_queue_depth=0";
    assert_int_equal(cdn_driver_load_policy(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1,
                                            test_lib_dir(), &pol, &drv),
                     -EINVAL);
    assert_null(cdn_blk_disk_by_name("nullb0"));
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* A restart whose init fails leaves the driver down with no domain, its
 * device orphaned (not half re-attached to a dead instance); a restart by
 * hand with parameters that work brings the same device back. */
static void test_restart_init_failure(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    assert_int_equal(cdn_driver_load(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &drv),
                     0);
    struct net_device *dev = dev_get_by_name("dummy0");
    assert_non_null(dev);
    snprintf(drv.params, sizeof drv.params, "numdummies=9"); /* what the next init gets */
    assert_int_equal(cdn_driver_restart(&drv, NULL), -EINVAL);
    assert_true(drv.down);
    assert_null(drv.dom);
    assert_int_equal(dev->orphaned, 1);
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    snprintf(drv.params, sizeof drv.params, "numdummies=1");
    assert_int_equal(cdn_driver_restart(&drv, NULL), 0);
    assert_false(drv.down);
    assert_int_equal(dev->orphaned, 0);
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    assert_null(dev_get_by_name("dummy1"));
    cdn_driver_unload(&drv);
    assert_int_equal(count_devs(), 0);
    cdn_kernel_exit();
}

/* A domain that lies in its answer about the parameters - a count, a
 * status, a token, an unknown-mask, a length that do not fit the string the
 * host sent - fails the load as a protocol error; the host believes
 * nothing of it, and nothing of the driver stays. */
static void test_params_reply_lies(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver_desc liar = cdn_dummy_driver;
    liar.name = "params_liar";
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    struct cdn_driver drv;
    pol.params = "numdummies=2"; /* no lie: the real answer */
    assert_int_equal(cdn_driver_load_policy(&liar, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv),
                     0);
    assert_int_equal(count_devs(), 2);
    cdn_driver_unload(&drv);
    static const char *const lies[] = {
        "lie=1 numdummies=1", "lie=2 numdummies=1", "lie=3 numdummies=1", "lie=4 numdummies=1",
        "lie=5 numdummies=1", "lie=6 numdummies=1", "lie=7 numdummies=1"};
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        pol.params = lies[i];
        int r = cdn_driver_load_policy(&liar, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv);
        if (r != CDN_EPROTO || !strstr(drv.reason, "module parameters"))
            fail_msg("%s: %d (%s)", lies[i], r, drv.reason);
        assert_null(drv.dom);
        assert_int_equal(count_devs(), 0);
    }
    cdn_kernel_exit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_values),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_dummy_numdummies),
        cmocka_unit_test(test_charp_in_a_domain),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_null_blk_params_survive_restart),
        cmocka_unit_test(test_params_reply_lies),
        cmocka_unit_test(test_restart_init_failure),
    };
    return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}

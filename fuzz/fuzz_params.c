/*
 * fuzz_params.c - module parameter strings (kernel/lib/params.c) against
 * records of every type: no crash, no read past the string, and the
 * all-or-nothing rule - when the string is refused, no variable changed;
 * when it is taken, the tokenizer agrees with the count it reported.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cordon_params.h"

static int v_int;
static unsigned int v_uint;
static long v_long;
static unsigned long v_ulong;
static unsigned long long v_ullong;
static short v_short;
static unsigned short v_ushort;
static bool v_bool;
static unsigned char v_byte;
static char *v_str;
static char v_str_buf[CDN_KPARAM_CHARP_MAX];
static const char *const no_desc = 0;

static const struct cdn_kparam recs[] = {
    {"m", "i", CDN_KPARAM_int, &v_int, &no_desc, 0},
    {"m", "u", CDN_KPARAM_uint, &v_uint, &no_desc, 0},
    {"m", "l", CDN_KPARAM_long, &v_long, &no_desc, 0},
    {"m", "ul", CDN_KPARAM_ulong, &v_ulong, &no_desc, 0},
    {"m", "ull", CDN_KPARAM_ullong, &v_ullong, &no_desc, 0},
    {"m", "s", CDN_KPARAM_short, &v_short, &no_desc, 0},
    {"m", "us", CDN_KPARAM_ushort, &v_ushort, &no_desc, 0},
    {"m", "b", CDN_KPARAM_bool, &v_bool, &no_desc, 0},
    {"x", "by_te", CDN_KPARAM_byte, &v_byte, &no_desc, 0},
    {"m", "str", CDN_KPARAM_charp, &v_str, &no_desc, v_str_buf},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[CDN_PARAMS_MAX + 64];
    if (size >= sizeof s)
        size = sizeof s - 1;
    memcpy(s, data, size);
    s[size] = 0; /* what a caller passes is a C string */
    v_int = 7;
    v_uint = 7;
    v_bool = false;
    v_byte = 7;
    v_str = 0;
    struct cdn_params_result res;
    const char *module = size && (data[0] & 1) ? "m" : "";
    int st = cdn_params_apply(recs, recs + sizeof recs / sizeof recs[0], module, s, &res);
    if (st != res.status || (st != 0 && st != -EINVAL))
        __builtin_trap();
    if (st != 0 && (v_int != 7 || v_uint != 7 || v_bool || v_byte != 7 || v_str))
        __builtin_trap(); /* refused, yet something was set */
    if (v_str && (v_str != v_str_buf || strnlen(v_str, sizeof v_str_buf) >= sizeof v_str_buf))
        __builtin_trap(); /* a string set anywhere but its storage, or unterminated */
    if (st == 0) {
        char name[CDN_PARAM_NAME], value[CDN_PARAM_VALUE];
        for (int i = 0; i < res.ntokens; i++)
            if (cdn_params_token(s, i, name, value) != 0)
                __builtin_trap();
        if (cdn_params_token(s, res.ntokens, name, value) == 0)
            __builtin_trap();
        if (res.ntokens < 64 && (res.unknown >> res.ntokens))
            __builtin_trap();
    }
    return 0;
}

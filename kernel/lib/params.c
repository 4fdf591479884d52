/*
 * params.c - module parameters from a modprobe-style string (see
 * cordon_params.h). Linked into the host (native drivers) and into every
 * driver module (its domain sets its own), so each binary finds its own
 * records through the section bounds below.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_params.h"

/* The linker's bounds of this binary's "cdn_kparams" section. Hidden: a
 * module must see its own records, not the host's. Weak: a binary that
 * declares no parameter has no such section. */
extern const struct cdn_kparam __start_cdn_kparams[] __attribute__((weak, visibility("hidden")));
extern const struct cdn_kparam __stop_cdn_kparams[] __attribute__((weak, visibility("hidden")));

void cdn_params_section(const struct cdn_kparam **begin, const struct cdn_kparam **end)
{
    *begin = __start_cdn_kparams;
    *end = __stop_cdn_kparams;
    if (!*begin || !*end || *end < *begin)
        *begin = *end = NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Token i: as cdn_params_token, and *bare says it had no '=' (a bare name,
 * which only a bool takes). */
static int token_at(const char *params, int i, char name[CDN_PARAM_NAME],
                    char value[CDN_PARAM_VALUE], int *bare)
{
    if (!params || i < 0)
        return -1;
    const char *p = params;
    for (int k = 0;; k++) {
        while (is_space(*p))
            p++;
        if (!*p)
            return -1;
        const char *start = p;
        while (*p && !is_space(*p))
            p++;
        if (k < i)
            continue;
        size_t len = (size_t)(p - start);
        const char *eq = memchr(start, '=', len);
        size_t nlen = eq ? (size_t)(eq - start) : len;
        size_t vlen = eq ? len - nlen - 1 : 0;
        if (nlen == 0 || nlen >= CDN_PARAM_NAME || vlen >= CDN_PARAM_VALUE)
            return -1;
        memcpy(name, start, nlen);
        name[nlen] = 0;
        if (eq)
            memcpy(value, eq + 1, vlen);
        value[vlen] = 0;
        *bare = !eq;
        return 0;
    }
}

int cdn_params_token(const char *params, int i, char name[CDN_PARAM_NAME],
                     char value[CDN_PARAM_VALUE])
{
    int bare;
    return token_at(params, i, name, value, &bare);
}

/* Linux's parameq: '-' and '_' are the same character in a name. */
static int name_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

static const struct cdn_kparam *find(const struct cdn_kparam *begin, const struct cdn_kparam *end,
                                     const char *module, const char *name)
{
    for (const struct cdn_kparam *p = begin; p && p < end; p++)
        if (p->name && name_eq(p->name, name) &&
            (!module[0] || (p->module && strcmp(p->module, module) == 0)))
            return p;
    return NULL;
}

/* A whole-string signed or unsigned number (base 0: 0x.., 0.., decimal). */
static int parse_signed(const char *v, long long lo, long long hi, long long *out)
{
    if (!*v || is_space(*v))
        return -1;
    char *e;
    errno = 0;
    long long x = strtoll(v, &e, 0);
    if (errno || *e || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int parse_unsigned(const char *v, unsigned long long hi, unsigned long long *out)
{
    if (!*v || *v == '-' || *v == '+' || is_space(*v))
        return -1; /* strtoull would wrap a minus sign around */
    char *e;
    errno = 0;
    unsigned long long x = strtoull(v, &e, 0);
    if (errno || *e || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* Linux's kstrtobool, plus the bare name (value "") for true. */
static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"", "1", "y", "Y", "on", "true"};
    static const char *const no[] = {"0", "n", "N", "off", "false"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcmp(v, yes[i]) == 0)
            return *out = true, 0;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcmp(v, no[i]) == 0)
            return *out = false, 0;
    return -1;
}

/* Parses v for p; sets the variable only if `set`. bare: the token was the
 * name alone - true for a bool, an error for anything else (Linux refuses
 * a bare name unless the type says it takes none). */
static int parse_value(const struct cdn_kparam *p, const char *v, int bare, int set)
{
    if (bare && p->type != CDN_KPARAM_bool)
        return -1;
    long long s;
    unsigned long long u;
    bool b;
    switch (p->type) {
#define SIGNED(T, LO, HI)                                                                          \
    if (parse_signed(v, LO, HI, &s))                                                               \
        return -1;                                                                                 \
    if (set)                                                                                       \
        *(T *)p->addr = (T)s;                                                                      \
    return 0
#define UNSIGNED(T, HI)                                                                            \
    if (parse_unsigned(v, HI, &u))                                                                 \
        return -1;                                                                                 \
    if (set)                                                                                       \
        *(T *)p->addr = (T)u;                                                                      \
    return 0
    case CDN_KPARAM_int:
        SIGNED(int, INT_MIN, INT_MAX);
    case CDN_KPARAM_long:
        SIGNED(long, LONG_MIN, LONG_MAX);
    case CDN_KPARAM_short:
        SIGNED(short, SHRT_MIN, SHRT_MAX);
    case CDN_KPARAM_uint:
        UNSIGNED(unsigned int, UINT_MAX);
    case CDN_KPARAM_ulong:
        UNSIGNED(unsigned long, ULONG_MAX);
    case CDN_KPARAM_ullong:
        UNSIGNED(unsigned long long, ULLONG_MAX);
    case CDN_KPARAM_ushort:
        UNSIGNED(unsigned short, USHRT_MAX);
    case CDN_KPARAM_byte:
        UNSIGNED(unsigned char, UCHAR_MAX);
#undef SIGNED
#undef UNSIGNED
    case CDN_KPARAM_bool:
        if (parse_bool(v, &b))
            return -1;
        if (set)
            *(bool *)p->addr = b;
        return 0;
    case CDN_KPARAM_charp: {
        /* Linux kmallocs a copy; the copy here lives beside the record, so
         * nothing is freed at unload and a restart's value replaces it */
        size_t len = strnlen(v, CDN_KPARAM_CHARP_MAX);
        if (!p->buf || len >= CDN_KPARAM_CHARP_MAX)
            return -1;
        if (set) {
            memcpy(p->buf, v, len + 1);
            *(char **)p->addr = p->buf;
        }
        return 0;
    }
    }
    return -1; /* a record of no known type */
}

static int count_words(const char *p)
{
    int words = 0;
    while (*p) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        words++;
        while (*p && !is_space(*p))
            p++;
    }
    return words;
}

int cdn_params_apply(const struct cdn_kparam *begin, const struct cdn_kparam *end,
                     const char *module, const char *params, struct cdn_params_result *res)
{
    *res = (struct cdn_params_result){0, -1, 0, 0};
    if (!module)
        module = "";
    if (!params || !*params)
        return 0;
    if (strnlen(params, CDN_PARAMS_MAX + 1) > CDN_PARAMS_MAX)
        return res->status = -EINVAL;
    int n = count_words(params);
    res->ntokens = n;
    if (n > CDN_PARAMS_TOKENS) {
        res->bad_index = CDN_PARAMS_TOKENS;
        return res->status = -EINVAL;
    }
    char name[CDN_PARAM_NAME], value[CDN_PARAM_VALUE];
    /* Two passes: check every token, then set them all (a string with one
     * bad value changes nothing). */
    for (int set = 0; set < 2; set++)
        for (int i = 0; i < n; i++) {
            const struct cdn_kparam *p = NULL;
            int bare;
            if (token_at(params, i, name, value, &bare) != 0 || /* empty name, too long */
                ((p = find(begin, end, module, name)) && parse_value(p, value, bare, set) != 0)) {
                res->bad_index = i;
                res->unknown = 0;
                return res->status = -EINVAL;
            }
            if (!p)
                res->unknown |= 1ull << i;
        }
    return 0;
}

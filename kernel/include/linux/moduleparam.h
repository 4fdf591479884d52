/*
 * linux/moduleparam.h - module parameters, set at load time as modprobe
 * sets them: "name=value name2=value2" (cdn_driver_policy.params).
 *
 *     static int numdummies = 1;
 *     module_param(numdummies, int, 0);
 *     MODULE_PARM_DESC(numdummies, "Number of dummy pseudo devices");
 *
 * Each parameter is a record in the section "cdn_kparams" of the binary it
 * is compiled into: a module's own .so (an isolated driver: the domain sets
 * them before the driver's init runs), or the host (a native driver: the
 * host's kernel core sets those of the module named KBUILD_MODNAME, which
 * the build defines for each driver source). Types: int, uint, long, ulong,
 * ullong, short, ushort, bool (0/1, y/n, Y/N, or the bare name for true),
 * byte, and charp (a string of up to CDN_KPARAM_CHARP_MAX - 1 bytes: the
 * variable is pointed at a copy kept beside the record, in the binary
 * that declared it - in a domain, the domain's own memory). The type must
 * match the variable's, as in Linux (checked at compile time). perm is
 * accepted and ignored (there is no sysfs).
 */
#ifndef CDN_LINUX_MODULEPARAM_H
#define CDN_LINUX_MODULEPARAM_H

#include <stdbool.h>
#include <stdint.h>

#ifndef KBUILD_MODNAME
#define KBUILD_MODNAME "" /* a module's own .so: every record in it is its own */
#endif

enum cdn_kparam_type {
    CDN_KPARAM_int,
    CDN_KPARAM_uint,
    CDN_KPARAM_long,
    CDN_KPARAM_ulong,
    CDN_KPARAM_ullong,
    CDN_KPARAM_short,
    CDN_KPARAM_ushort,
    CDN_KPARAM_bool,
    CDN_KPARAM_byte,
    CDN_KPARAM_charp,
    /* module_param(x, bool, ..) reaches module_param_named with bool
     * already expanded by <stdbool.h> */
    CDN_KPARAM__Bool = CDN_KPARAM_bool,
};

struct cdn_kparam {
    const char *module; /* KBUILD_MODNAME of the source that declared it */
    const char *name;
    enum cdn_kparam_type type;
    void *addr;
    const char *const *desc; /* its MODULE_PARM_DESC text (*desc NULL: none) */
    char *buf;               /* charp: where the value is copied (CDN_KPARAM_CHARP_MAX) */
};

#define CDN_KPARAM_CHARP_MAX 64 /* a charp value's bytes, with its NUL */

/* The C type each parameter type stands for (Linux's param_check_*). */
#define cdn_kparam_ctype_int    int
#define cdn_kparam_ctype_uint   unsigned int
#define cdn_kparam_ctype_long   long
#define cdn_kparam_ctype_ulong  unsigned long
#define cdn_kparam_ctype_ullong unsigned long long
#define cdn_kparam_ctype_short  short
#define cdn_kparam_ctype_ushort unsigned short
#define cdn_kparam_ctype_bool   bool
#define cdn_kparam_ctype_byte   unsigned char
#define cdn_kparam_ctype_charp  char *
#define cdn_kparam_ctype__Bool  bool

/* The storage beside each record: a charp's value, one byte for others. */
#define cdn_kparam_bufsize_int    1
#define cdn_kparam_bufsize_uint   1
#define cdn_kparam_bufsize_long   1
#define cdn_kparam_bufsize_ulong  1
#define cdn_kparam_bufsize_ullong 1
#define cdn_kparam_bufsize_short  1
#define cdn_kparam_bufsize_ushort 1
#define cdn_kparam_bufsize_bool   1
#define cdn_kparam_bufsize_byte   1
#define cdn_kparam_bufsize_charp  CDN_KPARAM_CHARP_MAX
#define cdn_kparam_bufsize__Bool  1

#define module_param_named(name, value, type, perm)                                                \
    _Static_assert(__builtin_types_compatible_p(__typeof__(value), cdn_kparam_ctype_##type),       \
                   "module_param " #name ": the variable is not of type " #type);                  \
    static const char *cdn_kparam_desc_##name;                                                     \
    static char cdn_kparam_buf_##name[cdn_kparam_bufsize_##type];                                  \
    __attribute__((used, section("cdn_kparams"),                                                   \
                   aligned(8))) static const struct cdn_kparam cdn_kparam_##name = {               \
        KBUILD_MODNAME,       #name, CDN_KPARAM_##type, &(value), &cdn_kparam_desc_##name,         \
        cdn_kparam_buf_##name}

#define module_param(name, type, perm) module_param_named(name, name, type, perm)

/* The description, for cordon's listing of a module's parameters. */
#define MODULE_PARM_DESC(name, text) static const char *cdn_kparam_desc_##name = text

#endif

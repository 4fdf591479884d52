/*
 * cordon_params.h - setting module parameters (linux/moduleparam.h) from a
 * modprobe-style string, "name=value name2 ...": in the host for a native
 * driver, in a driver's domain for an isolated one (kernel/lib/params.c).
 *
 * The string comes from whoever loads the driver; the records come from the
 * binary the code runs in. Nothing here trusts the string's shape: tokens
 * are bounded, values are range-checked for their type, and no value is set
 * unless every value in the string parses.
 */
#ifndef CORDON_PARAMS_H
#define CORDON_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "linux/moduleparam.h"

#define CDN_PARAMS_MAX    255                  /* longest parameter string */
#define CDN_PARAMS_TOKENS 64                   /* most parameters in one string */
#define CDN_PARAM_NAME    48                   /* longest name, with its NUL */
#define CDN_PARAM_VALUE   CDN_KPARAM_CHARP_MAX /* longest value, with its NUL */

struct cdn_params_result {
    int status;       /* 0; -EINVAL: a value that does not parse or fit its
                         type (token bad_index), or a malformed string */
    int bad_index;    /* the token at fault, or -1 */
    int ntokens;      /* tokens in the string */
    uint64_t unknown; /* bit i: token i names no parameter (ignored, with a
                         warning, as Linux ignores it) */
};

/*
 * Sets the parameters of module `module` ("": every record, as in a
 * module's own binary) among [begin, end) from params (NULL or "": none).
 * Names compare with '-' and '_' alike, as Linux's do. Returns res->status.
 */
int cdn_params_apply(const struct cdn_kparam *begin, const struct cdn_kparam *end,
                     const char *module, const char *params, struct cdn_params_result *res);

/* Token i of params: its name and value ("" for a bare name, which only a
 * bool accepts); 0, or -1 if there is no token i or it does not fit the
 * buffers. */
int cdn_params_token(const char *params, int i, char name[CDN_PARAM_NAME],
                     char value[CDN_PARAM_VALUE]);

/* The parameter records of the binary this file is linked into (both NULL
 * when it declares none). */
void cdn_params_section(const struct cdn_kparam **begin, const struct cdn_kparam **end);

/* The exchange with a domain (kernel/drvlib/params.c, kernel/core/driver.c):
 * the host sends the string as a call of this rpc, before the driver's
 * init; the domain answers with this record. */
#define CDN_RPC_MODULE_PARAMS 0xfe05u
struct cdn_params_reply {
    int32_t status;
    int32_t bad_index;
    int32_t ntokens;
    uint32_t pad;
    uint64_t unknown;
};

#endif

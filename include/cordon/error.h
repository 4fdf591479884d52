/*
 * cordon/error.h - status codes shared by every cordon API.
 *
 * Every cordon function that can fail returns an int: CDN_OK (0) on success
 * or one of the negative codes below. The codes are stable; new ones are only
 * ever appended.
 *
 * The codes lie in [CDN_ELAST, CDN_EFIRST], far from Linux's errno values
 * (1..4095, negated): a function of the kernel core that can fail either
 * way - cdn_driver_load_policy returns its driver's init result (-ENOMEM,
 * ...) or a cordon status (CDN_ELOAD, ...) - returns values a caller can
 * tell apart (cdn_is_status). Which functions return which is said beside
 * each in cordon_kernel.h.
 */
#ifndef CORDON_ERROR_H
#define CORDON_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum cdn_status {
    CDN_OK = 0,
    CDN_EINVAL = -10001,    /* a caller-supplied argument is invalid */
    CDN_ENOMEM = -10002,    /* out of memory, or a fixed-size table is full */
    CDN_ESYS = -10003,      /* a system call failed; errno holds the reason */
    CDN_EAGAIN = -10004,    /* nothing to receive / no free slot right now */
    CDN_ETIMEDOUT = -10005, /* the deadline passed before the operation finished */
    CDN_EDEAD = -10006,     /* the peer domain has died or been killed */
    CDN_EPROTO = -10007,    /* the peer broke the channel protocol (hostile/buggy) */
    CDN_ETOOBIG = -10008,   /* a payload exceeds the channel's bounds */
    CDN_ESTATE = -10009,    /* the object is not in a state that allows this call */
    CDN_ELOAD = -10010,     /* a module could not be loaded */
    CDN_ENOENT = -10011,    /* no such object, symbol or rpc */
    CDN_ELIMIT = -10012,    /* a configured limit (calls in flight, table size) is reached */
    CDN_EPERM = -10013,     /* the caller does not own / may not use this object */
    CDN_EBADH = -10014,     /* a forged, stale or wrong-type handle or reference */
    CDN_EFIRST = CDN_EINVAL,
    CDN_ELAST = CDN_EBADH,
};

/* Whether v is one of the error codes above (not CDN_OK, not an errno). */
static inline int cdn_is_status(int v)
{
    return v <= CDN_EFIRST && v >= CDN_ELAST;
}

/* Returns a static, human-readable description of a status code. */
const char *cdn_strerror(int status);

#ifdef __cplusplus
}
#endif
#endif

/*
 * cordon/error.h - status codes shared by every cordon API.
 *
 * Every cordon function that can fail returns an int: CDN_OK (0) on success
 * or one of the negative codes below. The codes are stable; new ones are only
 * ever appended.
 */
#ifndef CORDON_ERROR_H
#define CORDON_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum cdn_status {
    CDN_OK = 0,
    CDN_EINVAL = -1,    /* a caller-supplied argument is invalid */
    CDN_ENOMEM = -2,    /* out of memory, or a fixed-size table is full */
    CDN_ESYS = -3,      /* a system call failed; errno holds the reason */
    CDN_EAGAIN = -4,    /* nothing to receive / no free slot right now */
    CDN_ETIMEDOUT = -5, /* the deadline passed before the operation finished */
    CDN_EDEAD = -6,     /* the peer domain has died or been killed */
    CDN_EPROTO = -7,    /* the peer broke the channel protocol (hostile/buggy) */
    CDN_ETOOBIG = -8,   /* a payload exceeds the channel's bounds */
    CDN_ESTATE = -9,    /* the object is not in a state that allows this call */
    CDN_ELOAD = -10,    /* a module could not be loaded */
    CDN_ENOENT = -11,   /* no such object, symbol or rpc */
    CDN_ELIMIT = -12,   /* a configured limit (calls in flight, table size) is reached */
    CDN_EPERM = -13,    /* the caller does not own / may not use this object */
    CDN_EBADH = -14,    /* a forged, stale or wrong-type handle or reference */
};

/* Returns a static, human-readable description of a status code. */
const char *cdn_strerror(int status);

#ifdef __cplusplus
}
#endif
#endif

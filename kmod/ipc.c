// SPDX-License-Identifier: GPL-2.0
/*
 * ipc.c - cordon's channel code, compiled into the module from the same
 * files the user-space library is built from: the region layout, the
 * message codec, the endpoint (sending, receiving, waiting) and the
 * request/reply loop. One format, one implementation; compat/ supplies the
 * few C library names they use, futex.h the kernel's doorbell (bell.c).
 */
#include "../src/ipc/layout.c"
#include "../src/ipc/msg.c"
#include "../src/ipc/endpoint.c"
#include "../src/ipc/call.c"

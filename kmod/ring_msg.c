// SPDX-License-Identifier: GPL-2.0
/* ring_msg.c - the rings' message checks, from the user-space host's file. */
#include "../kernel/lib/ring_msg.c"

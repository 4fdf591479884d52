// SPDX-License-Identifier: GPL-2.0
/*
 * glue.c - the runtime under IDL-generated glue, compiled into the module
 * from the library's own files: wire buffers, references and shadows,
 * calls with nested serving, capability tables, and the shared heap's
 * allocator (its bytes come from heap_mem.c here). Generated host glue
 * built into cordon.ko links against this.
 */
#include "../src/glue/hmap.c"
#include "../src/glue/wire.c"
#include "../src/glue/objects.c"
#include "../src/glue/glue.c"
#include "../src/cap/cap.c"
#include "../src/heap/heap.c"

/* context.c - setting up a fresh context (see context.h). */
#include <stdint.h>
#include <string.h>

#include "context.h"

#if defined(__x86_64__)
void cdn_ctx_start(void);

void cdn_ctx_init(struct cdn_ctx *ctx, void *stack_base, size_t stack_size, void (*entry)(void *),
                  void *arg)
{
    /* The top is 16-byte aligned. The switch's ret pops cdn_ctx_start,
     * leaving rsp = top; its call pushes a return address, so entry starts
     * with rsp = top - 8 = 16n + 8, as the ABI wants. */
    uintptr_t top = ((uintptr_t)stack_base + stack_size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)top;
    *--sp = (uint64_t)(uintptr_t)cdn_ctx_start; /* popped by ret */
    *--sp = 0;                                  /* rbp */
    *--sp = 0;                                  /* rbx */
    *--sp = (uint64_t)(uintptr_t)arg;           /* r12 */
    *--sp = (uint64_t)(uintptr_t)entry;         /* r13 */
    *--sp = 0;                                  /* r14 */
    *--sp = 0;                                  /* r15 */
    ctx->sp = sp;
}
#else
void cdn_ctx_switch(struct cdn_ctx *from, struct cdn_ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}

void cdn_ctx_init(struct cdn_ctx *ctx, void *stack_base, size_t stack_size, void (*entry)(void *),
                  void *arg)
{
    memset(ctx, 0, sizeof *ctx);
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = stack_base;
    ctx->uc.uc_stack.ss_size = stack_size;
    ctx->uc.uc_link = NULL;
    makecontext(&ctx->uc, (void (*)(void))entry, 1, arg);
}
#endif

/*
 * context.h - the machine-level context switch under the fibers.
 *
 * x86-64: a saved stack pointer; the switch pushes the six callee-saved
 * registers (rbx, rbp, r12-r15) on the old stack, swaps stack pointers and
 * pops them from the new one: ~10 instructions, no system call. The SSE and
 * x87 control words are not switched: fibers of one runtime share them, as in
 * LXD's runtime. Other architectures fall back to ucontext (slower: it makes
 * a sigprocmask system call per switch).
 */
#ifndef CORDON_ASYNC_CONTEXT_H
#define CORDON_ASYNC_CONTEXT_H

#include <stddef.h>

#if defined(__x86_64__)
struct cdn_ctx {
    void *sp;
};
#else
#include <ucontext.h>
struct cdn_ctx {
    ucontext_t uc;
};
#endif

/* Saves the current context in *from and resumes *to. */
void cdn_ctx_switch(struct cdn_ctx *from, struct cdn_ctx *to);

/* Prepares *ctx so that switching to it calls entry(arg) on the given stack.
 * entry must never return. */
void cdn_ctx_init(struct cdn_ctx *ctx, void *stack_base, size_t stack_size, void (*entry)(void *),
                  void *arg);

#endif
